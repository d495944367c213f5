//! The change under review: which files changed, how, and with what contents.
//!
//! A [`ChangeSet`] is produced by the git adapter (`scopecheck-git`) from the index,
//! a commit or a range, or built by hand by a library user who already has a diff.

use std::sync::OnceLock;

use imara_diff::{Algorithm, Diff, InternedInput};
use serde::Serialize;

/// How a file changed between the old and the new side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeStatus {
    /// Only on the new side.
    Added,
    /// On both sides with different contents or mode.
    Modified,
    /// Only on the old side.
    Deleted,
    /// Moved from [`FileChange::old_path`] to [`FileChange::path`], contents identical or changed.
    Renamed,
    /// The kind of entry changed (file ↔ symlink ↔ submodule).
    TypeChanged,
}

/// The kind of tree entry a side of a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileMode {
    /// A regular, non-executable file.
    Regular,
    /// A regular file with the executable bit.
    Executable,
    /// A symbolic link; its "contents" are the link target.
    Symlink,
    /// A submodule (gitlink): a commit id, no contents in this repository.
    Submodule,
}

/// Whether the bytes of one side were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The full contents, shared rather than copied: a pack reader hands out the buffer
    /// its cache keeps.
    Loaded(std::sync::Arc<Vec<u8>>),
    /// Larger than the policy's `max-file-size`: not read, so nothing in it was checked.
    TooLarge,
    /// A submodule entry: there are no contents to read.
    NotApplicable,
    /// Read and checked, then dropped by [`ChangeSet::release_contents`].
    Released,
}

/// One side (old or new) of a [`FileChange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// The blob id as hex (or the commit id for a submodule).
    pub id: String,
    /// The entry's kind.
    pub mode: FileMode,
    /// The size in bytes as recorded by the object store (0 for submodules).
    pub size: u64,
    /// The contents, if they were read.
    pub content: Content,
}

impl Side {
    /// The contents if they were read.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Loaded(b) => Some(b.as_slice()),
            _ => None,
        }
    }
}

/// A line present on the new side but not on the old side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedLine {
    /// 1-based line number on the new side.
    pub line: u32,
    /// Byte offset of the line's first byte in the new contents.
    pub offset: usize,
    /// The line without its terminator (`\n` or `\r\n`).
    pub text: Vec<u8>,
}

/// One changed path.
#[derive(Debug)]
pub struct FileChange {
    /// The path on the new side (the old path for deletions), `/`-separated, relative to the
    /// repository root.
    pub path: String,
    /// The previous path, for renames.
    pub old_path: Option<String>,
    /// How it changed.
    pub status: ChangeStatus,
    /// The old side; `None` when added.
    pub old: Option<Side>,
    /// The new side; `None` when deleted.
    pub new: Option<Side>,
    /// A merge's other parents' versions (see [`FileChange::with_other_parents`]).
    other_parents: Vec<Side>,
    added: OnceLock<Vec<AddedLine>>,
}

/// Bytes that end a token in configuration and lockfile text: whitespace, quotes and the
/// punctuation of assignments, lists and markup. No package name or credential contains
/// one, so the token around a position is the run between two of them.
pub(crate) fn is_token_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\''
                | b'`'
                | b','
                | b'='
                | b'<'
                | b'>'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b';'
        )
}

/// The number of leading bytes git inspects to call a blob binary.
const BINARY_SNIFF_LEN: usize = 8000;

/// Git's heuristic: a NUL byte in the first 8000 bytes makes a blob binary.
pub fn looks_binary(data: &[u8]) -> bool {
    data[..data.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

/// Text with stray NUL bytes, which git's heuristic calls binary: valid UTF-8 apart from
/// the NULs (at most 2% invalid sequences or control characters), with NULs at most a
/// tenth of the sniffed prefix. A NUL or two must not hide a file's content from the
/// checks; executables, archives and compressed data fail the UTF-8 test at once.
pub fn mostly_text(data: &[u8]) -> bool {
    let sample = &data[..data.len().min(BINARY_SNIFF_LEN)];
    let text = String::from_utf8_lossy(sample);
    let (mut total, mut nul, mut bad) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        total += 1;
        match c {
            '\0' => nul += 1,
            '\t' | '\n' | '\r' => {}
            '\u{FFFD}' => bad += 1,
            c if c.is_control() => bad += 1,
            _ => {}
        }
    }
    // A prefix cut inside a multi-byte character ends in one replacement character.
    if sample.len() < data.len() && text.ends_with('\u{FFFD}') {
        bad = bad.saturating_sub(1);
    }
    total == 0 || (nul * 10 <= total && bad * 50 <= total)
}

/// UTF-16 text (with a byte-order mark, or ASCII-range text with every other byte NUL)
/// decoded to UTF-8, so secrets in it can be found; `None` for anything else.
pub fn decode_utf16(data: &[u8]) -> Option<Vec<u8>> {
    let (body, little) = match data {
        [0xFF, 0xFE, rest @ ..] => (rest, true),
        [0xFE, 0xFF, rest @ ..] => (rest, false),
        _ => {
            let sample = &data[..data.len().min(BINARY_SNIFF_LEN) & !1];
            if sample.len() < 8 {
                return None;
            }
            let zero_at = |parity: usize| {
                sample
                    .iter()
                    .skip(parity)
                    .step_by(2)
                    .filter(|&&b| b == 0)
                    .count()
                    * 100
                    >= (sample.len() / 2) * 95
            };
            let ascii_at = |parity: usize| {
                sample
                    .iter()
                    .skip(parity)
                    .step_by(2)
                    .all(|&b| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e))
            };
            if zero_at(1) && ascii_at(0) {
                (data, true)
            } else if zero_at(0) && ascii_at(1) {
                (data, false)
            } else {
                return None;
            }
        }
    };
    let units = body.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(text.into_bytes())
}

impl FileChange {
    /// A change from its sides. The status is the caller's: the adapter knows whether a
    /// pair of sides is a rename.
    pub fn new(
        path: impl Into<String>,
        old_path: Option<String>,
        status: ChangeStatus,
        old: Option<Side>,
        new: Option<Side>,
    ) -> Self {
        FileChange {
            path: path.into(),
            old_path,
            status,
            old,
            new,
            other_parents: Vec::new(),
            added: OnceLock::new(),
        }
    }

    /// The new contents, if there is a new side and it was read.
    pub fn new_contents(&self) -> Option<&[u8]> {
        self.new.as_ref().and_then(Side::bytes)
    }

    /// The old contents, if there is an old side and it was read.
    pub fn old_contents(&self) -> Option<&[u8]> {
        self.old.as_ref().and_then(Side::bytes)
    }

    /// True when the new side (or, for deletions, the old side) is binary by git's heuristic.
    pub fn is_binary(&self) -> bool {
        self.new_contents()
            .or_else(|| self.old_contents())
            .is_some_and(looks_binary)
    }

    /// True when the new side was too large to read.
    pub fn is_too_large(&self) -> bool {
        matches!(
            self.new.as_ref().map(|s| &s.content),
            Some(Content::TooLarge)
        )
    }

    /// Lines the change adds, with their new line numbers, computed once on first use.
    ///
    /// Binary, unread and deleted files add no lines. Symlinks are included: their target is
    /// their content.
    pub fn added_lines(&self) -> &[AddedLine] {
        self.added.get_or_init(|| self.compute_added_lines())
    }

    /// Declares the versions a merge's other parents have at this path: a line any of
    /// them already has is not new in the merge (it was judged in that parent's commits),
    /// so only the merge's own lines count as added. The old side is the first parent's.
    pub fn with_other_parents(mut self, sides: Vec<Side>) -> Self {
        self.other_parents = sides;
        self.added = OnceLock::new();
        self
    }

    /// Where in the new contents added lines can be: between the lines both sides share
    /// at the start and at the end. Found with two byte comparisons, no diff, so a
    /// caller can rule a change out before paying for [`FileChange::added_lines`].
    /// `None` when the change certainly adds nothing (no new side, a binary one, lines
    /// removed from one place); the region may be wider than the added lines.
    pub fn changed_region(&self) -> Option<std::ops::Range<usize>> {
        let (new, old) = self.text_sides()?;
        let region = old.map_or(0..new.len(), |old| trimmed_region(old, new));
        self.own_parts(new, std::iter::once(region)).pop()
    }

    /// Where in the new contents added lines can be, narrower than
    /// [`FileChange::changed_region`]: the stretches the change rewrote, without the
    /// unchanged lines between edits far apart (found, like the region, by byte
    /// comparisons, not a diff; see [`segments`]). Sorted, disjoint, empty when the change
    /// certainly adds nothing; each may still hold unchanged lines.
    pub fn changed_regions(&self) -> Vec<std::ops::Range<usize>> {
        let Some((new, old)) = self.text_sides() else {
            return Vec::new();
        };
        match old {
            Some(old) => self.own_parts(new, segments(old, new).into_iter().map(|s| s.new)),
            None => self.own_parts(new, std::iter::once(0..new.len())),
        }
    }

    /// The new contents, unless the change certainly adds nothing (no new side, an empty
    /// or binary one), and the old contents when they are text to compare with.
    fn text_sides(&self) -> Option<(&[u8], Option<&[u8]>)> {
        let new = self.new_contents()?;
        if new.is_empty() || (looks_binary(new) && !mostly_text(new)) {
            return None;
        }
        let old = self
            .old_contents()
            .filter(|old| !looks_binary(old) || mostly_text(old));
        Some((new, old))
    }

    /// `parts` of the new contents narrowed to where the merge differs from every other
    /// parent too, empty ones left out. A merge adds only lines no parent has, and the
    /// lines it shares with a parent at its start and end are that parent's: a clean
    /// merge of edits far apart in one file (each parent made one of them) has none.
    fn own_parts(
        &self,
        new: &[u8],
        parts: impl Iterator<Item = std::ops::Range<usize>>,
    ) -> Vec<std::ops::Range<usize>> {
        let theirs: Vec<std::ops::Range<usize>> = self
            .other_parents
            .iter()
            .filter_map(Side::bytes)
            .map(|other| trimmed_region(other, new))
            .collect();
        parts
            .map(|r| {
                theirs
                    .iter()
                    .fold(r, |r, t| r.start.max(t.start)..r.end.min(t.end))
            })
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// Lines added and removed by the change (binary and unread sides count as none).
    pub fn line_stats(&self) -> (usize, usize) {
        fn text(d: Option<&[u8]>) -> Option<&[u8]> {
            d.filter(|d| !looks_binary(d) || mostly_text(d))
        }
        match (text(self.old_contents()), text(self.new_contents())) {
            (None, None) => (0, 0),
            (None, Some(new)) => (count_lines(new), 0),
            (Some(old), None) => (
                0,
                if self.new.is_none() {
                    count_lines(old)
                } else {
                    0
                },
            ),
            (Some(old), Some(new)) => segments(old, new).into_iter().fold((0, 0), |(a, r), s| {
                let (old, new) = (&old[s.old], &new[s.new]);
                if old.is_empty() || new.is_empty() {
                    return (a + count_lines(new), r + count_lines(old));
                }
                let diff = line_diff(old, new);
                (
                    a + diff.count_additions() as usize,
                    r + diff.count_removals() as usize,
                )
            }),
        }
    }

    fn compute_added_lines(&self) -> Vec<AddedLine> {
        let Some(new) = self.new_contents() else {
            return Vec::new();
        };
        if looks_binary(new) && !mostly_text(new) {
            return Vec::new();
        }
        let old = match self.old_contents() {
            Some(old) if !looks_binary(old) || mostly_text(old) => old,
            // No usable old side: every line is new.
            _ => {
                return split_lines(new, 0)
                    .into_iter()
                    .enumerate()
                    .map(|(i, (offset, text))| added(i, offset, text))
                    .collect()
            }
        };
        // Only the stretches that differ are diffed (as git's xdiff trims the unchanged
        // head and tail): a one-line edit of a 5,000-line file interns a few lines, not
        // 10,000, and two edits far apart do not intern the lines between them.
        let theirs: std::collections::HashSet<&[u8]> = self
            .other_parents
            .iter()
            .filter_map(Side::bytes)
            .flat_map(|d| split_lines(d, 0).into_iter().map(|(_, l)| l))
            .collect();
        let mut out = Vec::new();
        for seg in segments(old, new) {
            let lines = split_lines(&new[seg.new.clone()], seg.new.start);
            let (old, new) = (&old[seg.old], &new[seg.new]);
            let diff = (!old.is_empty()).then(|| line_diff(old, new));
            out.extend(
                lines
                    .into_iter()
                    .enumerate()
                    .filter(|(i, (_, text))| {
                        diff.as_ref().is_none_or(|d| d.is_added(*i as u32))
                            && !theirs.contains(text)
                    })
                    .map(|(i, (offset, text))| added(seg.lines_before + i, offset, text)),
            );
        }
        out
    }
}

/// The line diff of two stretches of whole lines, as git's histogram diff and its
/// slider heuristics give it.
fn line_diff(old: &[u8], new: &[u8]) -> Diff {
    let input = InternedInput::new(
        imara_diff::sources::byte_lines(old),
        imara_diff::sources::byte_lines(new),
    );
    let mut diff = Diff::compute(Algorithm::Histogram, &input);
    diff.postprocess_lines(&input);
    diff
}

/// Where `new` differs from `old`: between the whole lines both share at the start and
/// at the end.
fn trimmed_region(old: &[u8], new: &[u8]) -> std::ops::Range<usize> {
    let t = Trimmed::new(old, new);
    t.new_start..t.new_start + t.new.len()
}

/// A stretch where two texts differ: byte ranges of whole lines in each, between lines
/// both share, and how many lines of the new text come before it.
struct Segment {
    old: std::ops::Range<usize>,
    new: std::ops::Range<usize>,
    lines_before: usize,
}

/// A differing stretch with more new bytes than this is split at a run both texts share.
const SPLIT_ABOVE: usize = 4 << 10;

/// The shortest shared run a stretch is split at.
const MIN_ANCHOR: usize = 512;

/// The stretches where `old` and `new` differ, in order: their common head and tail
/// trimmed, then each stretch split again at a long run of lines both texts hold in the
/// same place, found from a line in its middle with a substring search and two byte
/// comparisons. Two edits far apart in a long file are two short stretches, not the
/// whole file between them, and diffing them one by one is a valid diff of the texts,
/// the shared runs matched as a diff algorithm anchors on unique lines.
fn segments(old: &[u8], new: &[u8]) -> Vec<Segment> {
    let t = Trimmed::new(old, new);
    let head = t.new_start;
    let mut stack = vec![(head..head + t.old.len(), head..head + t.new.len())];
    let mut found = Vec::new();
    // Last in, first out, the right part pushed first: stretches come out in order.
    while let Some((o, n)) = stack.pop() {
        if o.is_empty() && n.is_empty() {
            continue;
        }
        let split = (n.len() > SPLIT_ABOVE && o.len() >= MIN_ANCHOR)
            .then(|| shared_run(&old[o.clone()], &new[n.clone()]))
            .flatten();
        match split {
            Some((os, oe, ns, ne)) => {
                stack.push((o.start + oe..o.end, n.start + ne..n.end));
                stack.push((o.start..o.start + os, n.start..n.start + ns));
            }
            None => found.push((o, n)),
        }
    }
    let (mut lines, mut counted) = (t.lines_before, head);
    found
        .into_iter()
        .map(|(o, n)| {
            lines += memchr::memchr_iter(b'\n', &new[counted..n.start]).count();
            counted = n.start;
            Segment {
                old: o,
                new: n,
                lines_before: lines,
            }
        })
        .collect()
}

/// A run of whole lines, at least [`MIN_ANCHOR`] bytes, that `old` and `new` share, as
/// `(old start, old end, new start, new end)`: grown from a line near the middle of
/// `new` found in `old`. Lines too short to say much (`}`, blank) are passed over, and
/// only a few lines and occurrences are tried, so a stretch with no such run costs a few
/// substring searches.
fn shared_run(old: &[u8], new: &[u8]) -> Option<(usize, usize, usize, usize)> {
    const PROBES: usize = 8;
    const OCCURRENCES: usize = 4;
    const MIN_PROBE: usize = 16;
    let line_start = |d: &[u8], at: usize| at == 0 || d[at - 1] == b'\n';
    let mut p = memchr::memchr(b'\n', &new[new.len() / 2..]).map(|i| new.len() / 2 + i + 1)?;
    for _ in 0..PROBES {
        let end = memchr::memchr(b'\n', &new[p..]).map_or(new.len(), |i| p + i + 1);
        let line = &new[p..end];
        if line.len() >= MIN_PROBE {
            for po in memchr::memmem::find_iter(old, line).take(OCCURRENCES) {
                if !line_start(old, po) {
                    continue;
                }
                let back = common_suffix(&old[..po], &new[..p]);
                let fwd = common_prefix(&old[po..], &new[p..]);
                let (mut os, mut ns) = (po - back, p - back);
                let (mut oe, mut ne) = (po + fwd, p + fwd);
                // Inside the run both texts have the same bytes, so a line start in one is
                // one in the other; at its edges, where they differ, both must agree.
                while !(line_start(new, ns) && line_start(old, os)) {
                    ns += 1;
                    os += 1;
                }
                while ne > ns && !((ne == new.len() && oe == old.len()) || new[ne - 1] == b'\n') {
                    ne -= 1;
                    oe -= 1;
                }
                if ne >= ns + MIN_ANCHOR {
                    return Some((os, oe, ns, ne));
                }
            }
        }
        if end >= new.len() {
            break;
        }
        p = end;
    }
    None
}

/// The differing middle of two texts: whole lines, after their common leading and
/// trailing lines.
struct Trimmed<'a> {
    old: &'a [u8],
    new: &'a [u8],
    /// Where `new` starts in the new text.
    new_start: usize,
    /// Lines of the common head.
    lines_before: usize,
}

impl<'a> Trimmed<'a> {
    fn new(old: &'a [u8], new: &'a [u8]) -> Self {
        let common = common_prefix(old, new);
        // Back to the start of the line the texts first differ on.
        let head = memchr::memrchr(b'\n', &new[..common]).map_or(0, |i| i + 1);
        let max_tail = old.len().min(new.len()) - head;
        let mut tail = common_suffix(&old[old.len() - max_tail..], &new[new.len() - max_tail..]);
        // Forward to a line start in both texts, so the tail is made of whole lines.
        let at_line_start = |d: &[u8], start: usize| start == head || d[start - 1] == b'\n';
        while tail > 0
            && !(at_line_start(old, old.len() - tail) && at_line_start(new, new.len() - tail))
        {
            tail -= 1;
        }
        Trimmed {
            old: &old[head..old.len() - tail],
            new: &new[head..new.len() - tail],
            new_start: head,
            lines_before: memchr::memchr_iter(b'\n', &new[..head]).count(),
        }
    }
}

/// Texts are compared a block at a time (one vectorised comparison each) and byte by
/// byte only inside the block where they differ: two versions of a file usually share
/// most of their bytes, and a byte-at-a-time loop over them was a tenth of a history
/// scan.
const BLOCK: usize = 256;

/// How many leading bytes `a` and `b` share.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many trailing bytes `a` and `b` share.
pub fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + BLOCK <= n && a[n - i - BLOCK..n - i] == b[n - i - BLOCK..n - i] {
        i += BLOCK;
    }
    while i < n && a[n - i - 1] == b[n - i - 1] {
        i += 1;
    }
    i
}

fn added(index: usize, offset: usize, text: &[u8]) -> AddedLine {
    AddedLine {
        line: u32::try_from(index + 1).unwrap_or(u32::MAX),
        offset,
        text: text.to_vec(),
    }
}

/// Splits contents into `(offset, line without terminator)` the way `byte_lines` tokenises,
/// so indices agree with the diff's token indices; offsets are counted from `base`.
fn split_lines(data: &[u8], base: usize) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i + 1);
        let mut line = &data[start..end];
        if let Some(stripped) = line.strip_suffix(b"\n") {
            line = stripped.strip_suffix(b"\r").unwrap_or(stripped);
        }
        out.push((base + start, line));
        start = end;
    }
    out
}

fn count_lines(data: &[u8]) -> usize {
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Where a [`ChangeSet`] came from, for messages and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// The index against `HEAD` (what `git commit` would record).
    Staged {
        /// The commit `HEAD` points to, or `None` before the first commit.
        head: Option<String>,
    },
    /// The difference between two commits.
    Range {
        /// The old side.
        base: String,
        /// The new side.
        head: String,
    },
    /// Built by a library user.
    Custom,
    /// Files of a directory or of history, judged as content rather than as a change:
    /// change-oriented checks (scope, migrations, policy self-edit) do not run.
    Scan,
}

/// The change under review.
#[derive(Debug)]
pub struct ChangeSet {
    /// Where the change came from.
    pub origin: Origin,
    /// The changed files, in path order.
    pub files: Vec<FileChange>,
    /// Things the adapter skipped or could not read, shown to the user so that nothing is
    /// silently unchecked (e.g. submodules, unmerged entries).
    pub notes: Vec<String>,
    /// Who is making the change (set by the front end; see [`crate::actor`]).
    pub actor: crate::Actor,
    /// Files the change does not touch but a check reads, as of the change's new side
    /// (path, contents), in path order: the configuration files that declare where
    /// migrations live. The adapter supplies what
    /// [`crate::checks::migrations::wanted_dirs`] asks for.
    pub context: Vec<(String, Vec<u8>)>,
}

impl ChangeSet {
    /// Drops every file's contents (and computed lines), keeping paths, ids, modes and
    /// sizes: what reports, approvals and audit records need once the checks have run.
    /// A range's contents are tens of MiB that would otherwise stay alive while its
    /// commits are judged.
    pub fn release_contents(&mut self) {
        for f in &mut self.files {
            for side in [f.old.as_mut(), f.new.as_mut()].into_iter().flatten() {
                if matches!(side.content, Content::Loaded(_)) {
                    side.content = Content::Released;
                }
            }
            f.added = OnceLock::new();
        }
        self.context = Vec::new();
    }

    /// Whether this is a content scan rather than a change (see [`Origin::Scan`]).
    pub fn is_scan(&self) -> bool {
        self.origin == Origin::Scan
    }

    /// An empty change set of the given origin.
    pub fn new(origin: Origin) -> Self {
        ChangeSet {
            origin,
            files: Vec::new(),
            notes: Vec::new(),
            actor: crate::Actor::Human,
            context: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(data: &[u8]) -> Side {
        Side {
            id: String::new(),
            mode: FileMode::Regular,
            size: data.len() as u64,
            content: Content::Loaded(data.to_vec().into()),
        }
    }

    fn modified(old: &[u8], new: &[u8]) -> FileChange {
        FileChange::new(
            "f",
            None,
            ChangeStatus::Modified,
            Some(side(old)),
            Some(side(new)),
        )
    }

    fn lines(c: &FileChange) -> Vec<(u32, String)> {
        c.added_lines()
            .iter()
            .map(|l| (l.line, String::from_utf8_lossy(&l.text).into_owned()))
            .collect()
    }

    #[test]
    fn added_file_adds_every_line_with_crlf_stripped() {
        let c = FileChange::new(
            "a",
            None,
            ChangeStatus::Added,
            None,
            Some(side(b"one\r\ntwo\nthree")),
        );
        assert_eq!(
            lines(&c),
            vec![(1, "one".into()), (2, "two".into()), (3, "three".into())]
        );
        assert_eq!(c.added_lines()[2].offset, 9);
    }

    #[test]
    fn modified_file_adds_only_new_lines_with_new_numbers() {
        let c = FileChange::new(
            "a",
            None,
            ChangeStatus::Modified,
            Some(side(b"a\nb\nc\n")),
            Some(side(b"a\nX\nb\nc\nY\n")),
        );
        assert_eq!(lines(&c), vec![(2, "X".into()), (5, "Y".into())]);
    }

    /// The lines of `new` not in `old` by a plain LCS, for checking the trimmed diff on
    /// inputs where every line is unique (so the added set is unambiguous).
    #[test]
    fn common_prefix_and_suffix_match_a_byte_loop() {
        let base: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8).collect();
        for cut in [0, 1, 255, 256, 257, 511, 512, 1000, 1999] {
            for len in [cut, cut + 1, 2000] {
                let mut other = base[..len.min(2000)].to_vec();
                if cut < other.len() {
                    other[cut] ^= 0x55;
                }
                let slow_prefix = base.iter().zip(&other).take_while(|(a, b)| a == b).count();
                assert_eq!(
                    common_prefix(&base, &other),
                    slow_prefix,
                    "cut {cut} len {len}"
                );
                let slow_suffix = base
                    .iter()
                    .rev()
                    .zip(other.iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count();
                assert_eq!(
                    common_suffix(&base, &other),
                    slow_suffix,
                    "cut {cut} len {len}"
                );
            }
        }
    }

    fn lcs_added(old: &[&str], new: &[&str]) -> Vec<u32> {
        let (n, m) = (old.len(), new.len());
        let mut t = vec![vec![0usize; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i][j] = if old[i] == new[j] {
                    t[i + 1][j + 1] + 1
                } else {
                    t[i + 1][j].max(t[i][j + 1])
                };
            }
        }
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while j < m {
            if i < n && old[i] == new[j] {
                i += 1;
                j += 1;
            } else if i < n && t[i + 1][j] >= t[i][j + 1] {
                i += 1;
            } else {
                out.push(j as u32 + 1);
                j += 1;
            }
        }
        out
    }

    #[test]
    fn trimming_the_common_head_and_tail_keeps_line_numbers_and_offsets() {
        let join = |ls: &[&str], nl: &str, last: bool| {
            let mut s = ls.join(nl);
            if last && !ls.is_empty() {
                s.push_str(nl);
            }
            s
        };
        let base: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
        let base: Vec<&str> = base.iter().map(String::as_str).collect();
        let mut cases: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
        for at in [0, 1, 20, 39, 40] {
            let mut new = base.clone();
            new.insert(at, "inserted");
            cases.push((base.clone(), new.clone()));
            let mut changed = base.clone();
            if at < changed.len() {
                changed[at] = "changed";
                cases.push((base.clone(), changed));
                let mut removed = base.clone();
                removed.remove(at);
                cases.push((base.clone(), removed));
            }
        }
        cases.push((Vec::new(), base.clone()));
        cases.push((base.clone(), Vec::new()));
        cases.push((base.clone(), base.clone()));
        for (old, new) in &cases {
            for nl in ["\n", "\r\n"] {
                for (old_last, new_last) in [(true, true), (true, false), (false, true)] {
                    let (o, n) = (join(old, nl, old_last), join(new, nl, new_last));
                    let c = modified(o.as_bytes(), n.as_bytes());
                    let got: Vec<u32> = c.added_lines().iter().map(|l| l.line).collect();
                    // Tokens are lines with their terminators, as the diff sees them.
                    let ot: Vec<&str> = o.split_inclusive('\n').collect();
                    let nt: Vec<&str> = n.split_inclusive('\n').collect();
                    let want = lcs_added(&ot, &nt);
                    assert_eq!(
                        got, want,
                        "{old:?} -> {new:?} nl={nl:?} {old_last}/{new_last}"
                    );
                    for l in c.added_lines() {
                        let start = l.offset;
                        assert_eq!(&n.as_bytes()[start..start + l.text.len()], &l.text[..]);
                    }
                    let (adds, dels) = c.line_stats();
                    assert_eq!(adds, got.len());
                    assert!(dels <= old.len());
                }
            }
        }
    }

    /// Checks that the added lines of `old -> new` are a valid diff (the lines left are
    /// a subsequence of `old`), as few as the longest common subsequence allows, and
    /// inside `changed_regions`.
    fn check_long_diff(old: &str, new: &str, what: &str) -> FileChange {
        let c = modified(old.as_bytes(), new.as_bytes());
        let added: Vec<u32> = c.added_lines().iter().map(|l| l.line).collect();
        let nt: Vec<&str> = new.split_inclusive('\n').collect();
        let ot: Vec<&str> = old.split_inclusive('\n').collect();
        let mut kept = nt
            .iter()
            .enumerate()
            .filter(|(i, _)| added.binary_search(&(*i as u32 + 1)).is_err())
            .map(|(_, l)| *l);
        let mut next = kept.next();
        for l in &ot {
            if next == Some(*l) {
                next = kept.next();
            }
        }
        assert_eq!(next, None, "{what}: unchanged lines out of order");
        assert_eq!(
            added.len(),
            lcs_added(&ot, &nt).len(),
            "{what}: more lines than needed"
        );
        let regions = c.changed_regions();
        for l in c.added_lines() {
            assert!(
                regions
                    .iter()
                    .any(|r| r.start <= l.offset && l.offset + l.text.len() <= r.end),
                "{what}: added line {} outside the regions",
                l.line
            );
        }
        let (adds, dels) = c.line_stats();
        assert_eq!(adds, added.len(), "{what}");
        assert_eq!(
            adds as isize - dels as isize,
            nt.len() as isize - ot.len() as isize,
            "{what}"
        );
        c
    }

    #[test]
    fn edits_far_apart_are_separate_regions_and_the_same_diff() {
        let base: Vec<String> = (0..2000)
            .map(|i| format!("line {i} of a long file, long enough to search for\n"))
            .collect();
        let mut new = base.clone();
        new[10] = "changed near the top\n".into();
        new.insert(1000, "inserted in the middle\n".into());
        new.remove(1901);
        let moved: Vec<String> = new.drain(500..520).collect();
        new.splice(1500..1500, moved);
        let (old, new) = (base.concat(), new.concat());
        let c = check_long_diff(&old, &new, "far apart");
        let regions = c.changed_regions();
        let hull = c.changed_region().expect("a region");
        assert!(regions.len() >= 3, "{regions:?}");
        let narrowed: usize = regions.iter().map(|r| r.len()).sum();
        assert!(narrowed * 5 < hull.len(), "{narrowed} of {}", hull.len());
    }

    #[test]
    fn split_diffs_stay_valid_and_minimal_on_repetitive_files() {
        // Short and repeated lines (`}`, blank) and repeated blocks tempt the anchor
        // search into wrong places: the diff must stay valid and minimal anyway.
        let mut seed = 0x2545_f491_u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..12 {
            let mut old: Vec<String> = Vec::new();
            for i in 0..1500 {
                old.push(match rand(6) {
                    0 => "}\n".to_owned(),
                    1 => "\n".to_owned(),
                    2 => format!("    return block_{}(value, other_value);\n", i % 40),
                    _ => format!("    let v{i} = compute(v{}, \"some text\");\n", i / 2),
                });
            }
            let mut new = old.clone();
            for _ in 0..1 + rand(6) {
                let at = rand(new.len());
                match rand(4) {
                    0 => new.insert(at, format!("    let inserted_{round}_{at} = 1;\n")),
                    1 => {
                        new.remove(at);
                    }
                    2 => new[at] = "}\n".to_owned(),
                    _ => {
                        let end = (at + 1 + rand(30)).min(new.len());
                        let block: Vec<String> = new.drain(at..end).collect();
                        let to = rand(new.len() + 1);
                        new.splice(to..to, block);
                    }
                }
            }
            check_long_diff(&old.concat(), &new.concat(), &format!("round {round}"));
        }
    }

    #[test]
    fn a_merge_adds_only_lines_no_parent_has_and_the_region_bounds_them() {
        let first = b"a\nb\nc\nd\n";
        let other = b"a\nb\ntheirs\nc\nd\n";
        let merged = b"a\nb\ntheirs\nc\nown\nd\n";
        let c = FileChange::new(
            "f",
            None,
            ChangeStatus::Modified,
            Some(side(first)),
            Some(side(merged)),
        );
        assert_eq!(lines(&c), vec![(3, "theirs".into()), (5, "own".into())]);
        let region = c.changed_region().expect("a region");
        assert_eq!(&merged[region], b"theirs\nc\nown\n");
        let c = c.with_other_parents(vec![side(other)]);
        assert_eq!(lines(&c), vec![(5, "own".into())]);
        let region = c.changed_region().expect("a region");
        assert_eq!(
            &merged[region], b"own\n",
            "where it differs from both parents"
        );
        // A clean merge: one parent edited the top, the other the bottom.
        let ours = b"A\nb\nc\nd\n";
        let theirs = b"a\nb\nc\nD\n";
        let merged = b"A\nb\nc\nD\n";
        let c = FileChange::new(
            "f",
            None,
            ChangeStatus::Modified,
            Some(side(ours)),
            Some(side(merged)),
        )
        .with_other_parents(vec![side(theirs)]);
        assert_eq!(lines(&c), Vec::<(u32, String)>::new());
        assert_eq!(c.changed_region(), None);
        // Lines only removed from one place: nothing can be added.
        let c = FileChange::new(
            "f",
            None,
            ChangeStatus::Modified,
            Some(side(other)),
            Some(side(first)),
        );
        assert_eq!(c.changed_region(), None);
    }

    #[test]
    fn stray_nuls_and_utf16_are_text_but_binaries_are_not() {
        assert!(mostly_text(b"token = \"abc\"\0\n"));
        assert!(!mostly_text(b"PK\0\x03secret"));
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(!mostly_text(&noise));
        assert!(decode_utf16(&noise).is_none());
        let le: Vec<u8> = "key=value\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode_utf16(&le).as_deref(), Some(&b"key=value\n"[..]));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("héllo".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_utf16(&be).as_deref(), Some("héllo".as_bytes()));
    }

    #[test]
    fn binary_and_deleted_files_add_nothing() {
        let bin = FileChange::new(
            "b",
            None,
            ChangeStatus::Added,
            None,
            Some(side(b"PK\0\x03secret")),
        );
        assert!(bin.is_binary());
        assert!(bin.added_lines().is_empty());
        let del = FileChange::new("d", None, ChangeStatus::Deleted, Some(side(b"x\n")), None);
        assert!(del.added_lines().is_empty());
    }

    #[test]
    fn non_utf8_lines_are_kept_as_bytes() {
        let c = FileChange::new(
            "l1",
            None,
            ChangeStatus::Added,
            None,
            Some(side(b"caf\xe9\n")),
        );
        assert_eq!(c.added_lines()[0].text, b"caf\xe9");
    }
}
