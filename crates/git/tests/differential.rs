//! Differential test against git itself: random repositories and random changes, and the
//! change set scopecheck reads must be what `git diff` says, entry for entry.
//!
//! Each case builds two trees with `git fast-import` (files, executables, symlinks,
//! submodule entries, binary files, CRLF and non-UTF-8 names), commits the first as
//! `HEAD`, makes the index the second with `git read-tree` (which also writes the
//! cache-tree scopecheck trusts for unchanged directories), then disturbs it the ways a
//! person does: unstaging paths, `git add -N`, and editing the working tree without
//! staging. Then, for the index against `HEAD` (`git diff --cached`) and for the range
//! between the two commits (`git diff A B`):
//!
//! - the paths, statuses, modes and object ids equal `git diff --raw -z --no-renames`
//!   (a rename scopecheck pairs is compared as the deletion and addition git lists, and
//!   must join two sides with the same object);
//! - every side that was read hashes to its object id;
//! - of every text file, each added line scopecheck reports is that line of the new
//!   side, and every line of the new side that has no equal in the old side is among
//!   them, as it is among the `+` lines of `git diff -U0`. Lines that do have an equal
//!   may be paired differently by two diffs that are both right (two histogram diffs
//!   differ on ties, and git's indent heuristic slides an added `}` above an equal one
//!   where imara-diff's leaves it below), so their numbers are not compared: what a
//!   scan must never miss is new content, and that is what is compared.
//!
//! A second property judges ranges commit by commit, as `ci` and `pre-push` do
//! (`map_commits`): a random history with a commit and its revert, a side branch with a
//! cherry-pick of it, a merge (clean, one side taken on conflicts, or evil: with edits of
//! its own) and a commit after it. Each commit's change set must be what git says that
//! commit changed: `git diff` against its parent, for a merge the combined diff
//! (`git diff-tree -c`: the paths that differ from every parent), less the changes an
//! earlier commit of the range already made (scopecheck judges a repeated change once);
//! each merge's added lines must include every line no parent has.
//!
//! The suite runs `SCOPECHECK_DIFF_CASES` cases of each (64 by default);
//! `benches/differential.sh` runs a long campaign.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use scopecheck_core::{ChangeSet, ChangeStatus, FileMode};
use scopecheck_git::{ReadOptions, Repo};

/// Paths a case draws from: nested, with spaces, non-ASCII and non-UTF-8 bytes, and no
/// path a directory of another (so any subset is a valid tree).
const PATHS: &[&[u8]] = &[
    b"a.txt",
    b"b.rs",
    b"dir/c.txt",
    b"dir/d.py",
    b"dir/sub/e.txt",
    b"dir/sub/f.bin",
    b"g/h/i.txt",
    b"g/j.md",
    b"sp ace.txt",
    "\u{fc}n\u{ef}.txt".as_bytes(),
    b"raw\xffname.txt",
    b"z/z/z/z.txt",
];

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    /// Lines, joined with `\r\n` when `crlf`, with or without a final newline.
    Text {
        lines: Vec<String>,
        crlf: bool,
        final_newline: bool,
        exec: bool,
    },
    Binary(Vec<u8>),
    Link(String),
    /// A submodule entry: a commit id (that need not exist here).
    Gitlink(u8),
}

impl Entry {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Entry::Text {
                lines,
                crlf,
                final_newline,
                ..
            } => {
                let sep = if *crlf { "\r\n" } else { "\n" };
                let mut s = lines.join(sep);
                if *final_newline && !lines.is_empty() {
                    s.push_str(sep);
                }
                s.into_bytes()
            }
            Entry::Binary(b) => b.clone(),
            Entry::Link(t) => t.clone().into_bytes(),
            Entry::Gitlink(_) => Vec::new(),
        }
    }

    fn mode(&self) -> &'static str {
        match self {
            Entry::Text { exec: true, .. } => "100755",
            Entry::Text { .. } | Entry::Binary(_) => "100644",
            Entry::Link(_) => "120000",
            Entry::Gitlink(_) => "160000",
        }
    }
}

type Tree = BTreeMap<usize, Entry>;

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        // Few distinct lines, so that diffs have repeated and moved lines to align.
        4 => prop::sample::select(vec!["alpha", "beta", "gamma", "}", "", "  return x;", "key = value"])
            .prop_map(str::to_owned),
        1 => "[a-z =\"{}]{0,12}",
        // Short lines over two letters: lines that differ in one byte, at either end.
        2 => "[ab]{0,3}",
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        8 => (prop::collection::vec(line(), 0..12), any::<bool>(), any::<bool>(), prop::bool::weighted(0.15))
            .prop_map(|(lines, crlf, final_newline, exec)| Entry::Text { lines, crlf, final_newline, exec }),
        1 => prop::collection::vec(any::<u8>(), 1..64).prop_map(|mut b| { b.push(0); Entry::Binary(b) }),
        1 => "[a-z/.]{1,12}".prop_map(Entry::Link),
        1 => (1u8..5).prop_map(Entry::Gitlink),
    ]
}

/// A random tree.
fn tree() -> impl Strategy<Value = Tree> {
    prop::collection::vec(prop::option::weighted(0.7, entry()), PATHS.len()).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .filter_map(|(i, e)| e.map(|e| (i, e)))
            .collect()
    })
}

/// What happens to each path in an edit (see [`apply`]).
type Edit = (u8, Entry, String, usize);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((0u8..10, entry(), line(), 0usize..12), PATHS.len())
}

/// `tree` edited: each path kept, changed (a new entry or an edit of its lines), removed,
/// or added.
fn apply(tree: &Tree, edits: &[Edit]) -> Tree {
    let mut new = tree.clone();
    for (i, (what, replacement, text, at)) in edits.iter().enumerate() {
        match (*what, new.get_mut(&i)) {
            // Most paths stay as they are.
            (0..=4, _) => {}
            (5, Some(_)) => {
                new.remove(&i);
            }
            (6 | 7, Some(Entry::Text { lines, .. })) => {
                // An edit: insert or replace a line.
                let at = (*at).min(lines.len());
                if *what == 6 || at == lines.len() {
                    lines.insert(at, text.clone());
                } else {
                    lines[at] = text.clone();
                }
            }
            (8, Some(Entry::Text { exec, .. })) => *exec = !*exec,
            _ => {
                new.insert(i, replacement.clone());
            }
        }
    }
    new
}

/// A tree, and an edit of it.
fn trees() -> impl Strategy<Value = (Tree, Tree)> {
    (tree(), edits()).prop_map(|(old, e)| {
        let new = apply(&old, &e);
        (old, new)
    })
}

/// What a person does to the index and working tree after `read-tree`.
#[derive(Debug, Clone)]
struct Disturb {
    /// Paths unstaged with `git rm --cached` (back to absent in the index).
    unstage: Vec<usize>,
    /// A new working-tree file registered with `git add -N`.
    intent_to_add: bool,
    /// Working-tree edits never staged.
    unstaged_edits: Vec<(usize, String)>,
    /// `HEAD` is unborn: the index is judged against the empty tree.
    unborn: bool,
}

fn disturb() -> impl Strategy<Value = Disturb> {
    (
        prop::collection::vec(0..PATHS.len(), 0..2),
        prop::bool::weighted(0.2),
        prop::collection::vec((0..PATHS.len(), line()), 0..3),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(unstage, intent_to_add, unstaged_edits, unborn)| Disturb {
            unstage,
            intent_to_add,
            unstaged_edits,
            unborn,
        })
}

fn git(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("git runs");
    if let Some(input) = input {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write to git");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("git finishes");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A fast-import stream committing `tree` as `refs/heads/{branch}`.
fn commit_stream(out: &mut Vec<u8>, branch: &str, tree: &Tree, time: u32) {
    commit_with(out, branch, None, &[], tree, time);
}

/// The same, as mark `mark` with the marked `parents` (first parent first).
fn commit_with(
    out: &mut Vec<u8>,
    branch: &str,
    mark: Option<u32>,
    parents: &[u32],
    tree: &Tree,
    time: u32,
) {
    writeln!(out, "commit refs/heads/{branch}").unwrap();
    if let Some(m) = mark {
        writeln!(out, "mark :{m}").unwrap();
    }
    writeln!(out, "committer T <t@example.com> {time} +0000").unwrap();
    writeln!(out, "data 1\nx").unwrap();
    for (i, p) in parents.iter().enumerate() {
        writeln!(out, "{} :{p}", if i == 0 { "from" } else { "merge" }).unwrap();
    }
    writeln!(out, "deleteall").unwrap();
    for (&i, e) in tree {
        match e {
            Entry::Gitlink(n) => {
                write!(out, "M 160000 {} ", format!("{n:x}").repeat(40)).unwrap();
            }
            _ => {
                let data = e.bytes();
                write!(out, "M {} inline ", e.mode()).unwrap();
                quoted_path(out, PATHS[i]);
                write!(out, "\ndata {}\n", data.len()).unwrap();
                out.extend_from_slice(&data);
                out.push(b'\n');
                continue;
            }
        }
        quoted_path(out, PATHS[i]);
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// A path as fast-import reads it: C-style quoted, bytes over 0x7f as octal escapes.
fn quoted_path(out: &mut Vec<u8>, path: &[u8]) {
    out.push(b'"');
    for &b in path {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0x20..=0x7e => out.push(b),
            _ => write!(out, "\\{b:03o}").unwrap(),
        }
    }
    out.push(b'"');
}

/// One entry of `git diff --raw -z`: (status letter, path, old mode, new mode, old id,
/// new id), the absent side's mode `000000` and id all zeros.
type Raw = (char, String, String, String, String, String);

/// The records of `--raw -z` output: each one's space-separated fields (modes, ids,
/// status) and its path.
fn raw_records(out: &[u8]) -> Vec<(Vec<String>, String)> {
    let mut fields = out.split(|&b| b == 0).filter(|f| !f.is_empty());
    let mut records = Vec::new();
    while let Some(meta) = fields.next() {
        let meta = String::from_utf8_lossy(meta);
        let parts = meta
            .trim_start_matches(':')
            .split(' ')
            .map(str::to_owned)
            .collect();
        let path = String::from_utf8_lossy(fields.next().expect("a path")).into_owned();
        records.push((parts, path));
    }
    records
}

fn git_raw(out: &[u8]) -> Vec<Raw> {
    let mut entries = Vec::new();
    for (parts, path) in raw_records(out) {
        entries.push((
            parts[4].chars().next().expect("a status"),
            path,
            parts[0].to_owned(),
            parts[1].to_owned(),
            parts[2].to_owned(),
            parts[3].to_owned(),
        ));
    }
    entries.sort();
    entries
}

fn mode_text(mode: FileMode) -> &'static str {
    match mode {
        FileMode::Regular => "100644",
        FileMode::Executable => "100755",
        FileMode::Symlink => "120000",
        FileMode::Submodule => "160000",
    }
}

fn ours_raw(cs: &ChangeSet) -> Vec<Raw> {
    let zero = "0".repeat(40);
    let side = |s: Option<&scopecheck_core::Side>| match s {
        Some(s) => (mode_text(s.mode).to_owned(), s.id.clone()),
        None => ("000000".to_owned(), zero.clone()),
    };
    let mut entries = Vec::new();
    for f in &cs.files {
        let (om, oid) = side(f.old.as_ref());
        let (nm, nid) = side(f.new.as_ref());
        match f.status {
            ChangeStatus::Renamed => {
                assert_eq!(
                    oid, nid,
                    "{}: a rename joins two sides of one object",
                    f.path
                );
                let from = f.old_path.clone().expect("a rename has an old path");
                entries.push(('D', from, om, "000000".into(), oid, zero.clone()));
                entries.push(('A', f.path.clone(), "000000".into(), nm, zero.clone(), nid));
            }
            status => {
                let letter = match status {
                    ChangeStatus::Added => 'A',
                    ChangeStatus::Deleted => 'D',
                    ChangeStatus::Modified => 'M',
                    ChangeStatus::TypeChanged => 'T',
                    ChangeStatus::Renamed => unreachable!(),
                };
                entries.push((letter, f.path.clone(), om, nm, oid, nid));
            }
        }
    }
    entries.sort();
    entries
}

/// The new-side line numbers of `git diff -U0` per path.
fn git_added(out: &[u8]) -> BTreeMap<String, Vec<u32>> {
    let mut added: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut path = None;
    for line in out.split(|&b| b == b'\n') {
        if let Some(p) = line.strip_prefix(b"+++ ") {
            // A name with a space is followed by a tab, to tell where it ends.
            let p = unquote(p.strip_suffix(b"\t").unwrap_or(p));
            path = (p != "/dev/null").then(|| p.strip_prefix("b/").unwrap_or(&p).to_owned());
            if let Some(p) = &path {
                added.entry(p.clone()).or_default();
            }
        } else if let Some(hunk) = line.strip_prefix(b"@@ ") {
            let hunk = String::from_utf8_lossy(hunk);
            let new = hunk
                .split(' ')
                .nth(1)
                .expect("+c,d")
                .trim_start_matches('+');
            let (start, count) = match new.split_once(',') {
                Some((s, c)) => (s.parse::<u32>().unwrap(), c.parse::<u32>().unwrap()),
                None => (new.parse::<u32>().unwrap(), 1),
            };
            if let Some(p) = &path {
                added
                    .get_mut(p)
                    .expect("entry")
                    .extend(start..start + count);
            }
        }
    }
    added
}

/// A path as the diff header prints it (quoted when it has unusual bytes).
fn unquote(p: &[u8]) -> String {
    let Some(inner) = p.strip_prefix(b"\"").and_then(|p| p.strip_suffix(b"\"")) else {
        return String::from_utf8_lossy(p).into_owned();
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            let rest = &inner[i + 1..];
            if rest.len() >= 3 && rest[..3].iter().all(u8::is_ascii_digit) {
                let v = u8::from_str_radix(std::str::from_utf8(&rest[..3]).unwrap(), 8).unwrap();
                out.push(v);
                i += 4;
                continue;
            }
            out.push(match rest[0] {
                b'n' => b'\n',
                b't' => b'\t',
                other => other,
            });
            i += 2;
        } else {
            out.push(inner[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Lines without their terminators (`\n`, or `\r\n`), as added lines are reported.
fn lines_of(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// Each side that was read is the object its id names; the added lines of each text
/// file are lines of its new side and include every line new to it, as git's do.
fn check_contents(cs: &ChangeSet, patch: &[u8], what: &str) -> Result<(), TestCaseError> {
    check_contents_with(cs, patch, what, &|_| Vec::new())
}

/// [`check_contents`] for a merge: `others` gives the other parents' versions of a path,
/// whose lines are not new in the merge either.
fn check_contents_with(
    cs: &ChangeSet,
    patch: &[u8],
    what: &str,
    others: &dyn Fn(&str) -> Vec<Vec<u8>>,
) -> Result<(), TestCaseError> {
    let git = git_added(patch);
    let is_text = |s: &scopecheck_core::Side| {
        matches!(
            s.mode,
            FileMode::Regular | FileMode::Executable | FileMode::Symlink
        ) && s
            .bytes()
            .is_some_and(|b| !b[..b.len().min(8000)].contains(&0))
    };
    for f in &cs.files {
        for side in [&f.old, &f.new].into_iter().flatten() {
            if let Some(data) = side.bytes() {
                let id =
                    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, data)
                        .expect("hashes");
                prop_assert_eq!(
                    id.to_string(),
                    side.id.clone(),
                    "{}: {} read as another object",
                    what,
                    f.path
                );
            }
        }
        // A type change is two patches in git's output (a deletion, then an addition).
        let (Some(new), true) = (&f.new, f.status != ChangeStatus::TypeChanged) else {
            continue;
        };
        if !is_text(new) || f.old.as_ref().is_some_and(|o| !is_text(o)) {
            continue;
        }
        let new_lines = lines_of(new.bytes().unwrap_or_default());
        let other_versions = others(&f.path);
        let mut old_lines: std::collections::HashSet<&[u8]> = f
            .old
            .as_ref()
            .map(|o| {
                lines_of(o.bytes().unwrap_or_default())
                    .into_iter()
                    .collect()
            })
            .unwrap_or_default();
        old_lines.extend(other_versions.iter().flat_map(|v| lines_of(v)));
        let ours: Vec<u32> = f.added_lines().iter().map(|l| l.line).collect();
        for l in f.added_lines() {
            prop_assert_eq!(
                new_lines.get(l.line as usize - 1).copied(),
                Some(&l.text[..]),
                "{}: {} line {} is not what was added",
                what,
                f.path,
                l.line
            );
        }
        let theirs = git.get(&f.path).cloned().unwrap_or_default();
        for (i, text) in new_lines.iter().enumerate() {
            if old_lines.contains(text) {
                continue;
            }
            let n = i as u32 + 1;
            prop_assert!(
                ours.contains(&n),
                "{}: {} line {} is new and not reported",
                what,
                f.path,
                n
            );
            prop_assert!(
                theirs.contains(&n),
                "{}: git does not add {} line {}",
                what,
                f.path,
                n
            );
        }
    }
    Ok(())
}

fn check(tree: (Tree, Tree), disturb: Disturb) -> Result<(), TestCaseError> {
    let (old, new) = tree;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"], None);
    let mut stream = Vec::new();
    commit_stream(&mut stream, "base", &old, 1_700_000_000);
    commit_stream(&mut stream, "next", &new, 1_700_000_100);
    git(d, &["fast-import", "--quiet"], Some(&stream));
    if disturb.unborn {
        // HEAD stays at the unborn `main`: everything in the index is new.
    } else {
        git(
            d,
            &["update-ref", "refs/heads/main", "refs/heads/base"],
            None,
        );
    }
    git(d, &["read-tree", "refs/heads/next"], None);
    let mut unstage: Vec<&[u8]> = disturb
        .unstage
        .iter()
        .filter(|i| new.contains_key(i))
        .map(|&i| PATHS[i])
        .collect();
    unstage.dedup();
    if !unstage.is_empty() {
        let mut input = Vec::new();
        for p in &unstage {
            input.extend_from_slice(p);
            input.push(0);
        }
        git(
            d,
            &["update-index", "-z", "--force-remove", "--stdin"],
            Some(&input),
        );
    }
    for (i, text) in &disturb.unstaged_edits {
        let path = d.join(String::from_utf8_lossy(PATHS[*i]).as_ref());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(&path, format!("unstaged {text}\n")).expect("write");
    }
    if disturb.intent_to_add {
        std::fs::write(d.join("intent.txt"), "not staged yet\n").expect("write");
        git(d, &["add", "-N", "intent.txt"], None);
    }

    let opts = ReadOptions {
        max_file_size: u64::MAX,
    };
    let repo = Repo::discover(d).expect("a repository");
    let staged = repo.staged(&opts).expect("the index reads");
    compare(d, &staged, &["--cached"], "staged")?;
    let range = repo
        .range("refs/heads/base", "refs/heads/next", &opts)
        .expect("the range reads");
    compare(d, &range, &["refs/heads/base", "refs/heads/next"], "range")
}

/// `cs` against what `git diff` with `which` (`--cached`, or two revisions) says.
fn compare(d: &Path, cs: &ChangeSet, which: &[&str], what: &str) -> Result<(), TestCaseError> {
    let diff = |options: &[&str]| {
        let mut args = vec!["diff", "--no-renames"];
        args.extend_from_slice(options);
        args.extend_from_slice(which);
        git(d, &args, None)
    };
    let raw = diff(&["--raw", "-z", "--no-abbrev"]);
    prop_assert_eq!(ours_raw(cs), git_raw(&raw), "{}: raw entries", what);
    let patch = diff(&["-U0", "--histogram", "--no-ext-diff", "--no-textconv"]);
    check_contents(cs, &patch, what)
}

/// A history to judge commit by commit: on `main`, a commit and perhaps its revert; on a
/// side branch from the base, a commit and perhaps a cherry-pick of main's commit; a merge
/// of the two, each path both sides changed resolved to one side, perhaps with edits of
/// its own (an evil merge); then one more commit.
#[derive(Debug, Clone)]
struct History {
    base: Tree,
    main: Vec<Edit>,
    revert: bool,
    side: Vec<Edit>,
    pick: bool,
    take_side: bool,
    evil: Option<Vec<Edit>>,
    after: Vec<Edit>,
}

fn history() -> impl Strategy<Value = History> {
    (
        tree(),
        (edits(), any::<bool>()),
        (edits(), any::<bool>(), any::<bool>()),
        prop::option::weighted(0.4, edits()),
        edits(),
    )
        .prop_map(
            |(base, (main, revert), (side, pick, take_side), evil, after)| History {
                base,
                main,
                revert,
                side,
                pick,
                take_side,
                evil,
                after,
            },
        )
}

/// `onto` with the change from `from` to `to` applied path by path (a cherry-pick, or
/// with the sides swapped a revert).
fn picked(onto: &Tree, from: &Tree, to: &Tree) -> Tree {
    let mut out = onto.clone();
    for i in 0..PATHS.len() {
        if from.get(&i) != to.get(&i) {
            match to.get(&i) {
                Some(e) => out.insert(i, e.clone()),
                None => out.remove(&i),
            };
        }
    }
    out
}

/// A merge of `theirs` into `ours` from `base`: what only one side changed, that side's;
/// what both changed, one side's.
fn merged(base: &Tree, ours: &Tree, theirs: &Tree, take_theirs: bool) -> Tree {
    let mut out = ours.clone();
    for i in 0..PATHS.len() {
        let (b, t) = (base.get(&i), theirs.get(&i));
        if t != b && (ours.get(&i) == b || take_theirs) {
            match t {
                Some(e) => out.insert(i, e.clone()),
                None => out.remove(&i),
            };
        }
    }
    out
}

fn kind_of(mode: &str) -> &str {
    match mode {
        "100755" => "100644",
        m => m,
    }
}

/// `git diff-tree -c --raw -z` of a merge as scopecheck reads it: the paths that differ
/// from every parent, judged against the first parent's version, or when the first
/// parent has none, the first other parent's that is not a submodule entry (a commit id
/// has no lines to hold the merge's content).
fn combined_raw(out: &[u8], parents: usize) -> Vec<Raw> {
    let zero_mode = "000000";
    let mut entries = Vec::new();
    for (parts, path) in raw_records(out) {
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let (modes, ids) = (&parts[..=parents], &parts[parents + 1..=2 * parents + 1]);
        let old = (0..parents)
            .find(|&i| modes[i] != zero_mode && (i == 0 || modes[i] != "160000"))
            .map_or((zero_mode, ids[0]), |i| (modes[i], ids[i]));
        let (nm, nid) = (modes[parents], ids[parents]);
        let status = if old.0 == zero_mode {
            'A'
        } else if nm == zero_mode {
            'D'
        } else if kind_of(old.0) != kind_of(nm) {
            'T'
        } else {
            'M'
        };
        entries.push((
            status,
            path,
            old.0.to_owned(),
            nm.to_owned(),
            old.1.to_owned(),
            nid.to_owned(),
        ));
    }
    entries.sort();
    entries
}

/// The (deletion, addition) pairs scopecheck joins as renames in `raw` (in path order):
/// each deleted file, in order, with the last remaining added file of the same object
/// and mode, submodule entries never.
fn renames(raw: &[Raw]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut taken = vec![false; raw.len()];
    for (d, e) in raw.iter().enumerate().filter(|(_, e)| e.0 == 'D') {
        let found =
            raw.iter().enumerate().rev().find(|(a, x)| {
                x.0 == 'A' && !taken[*a] && x.5 == e.4 && x.3 == e.2 && x.3 != "160000"
            });
        if let Some((a, _)) = found {
            taken[a] = true;
            pairs.push((d, a));
        }
    }
    pairs
}

/// Each commit of the history, judged on its own (`map_commits`, as `ci` and `pre-push`
/// do), against what git says that commit changed: `git diff` against its parent, or the
/// combined diff of a merge; a change an earlier commit of the range already made (the
/// same path, from the same object to the same object) is judged once, in that commit.
fn check_history(h: History) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"], None);
    let t1 = apply(&h.base, &h.main);
    let mut main_tip = (2, t1.clone());
    let side1 = apply(&h.base, &h.side);
    let mut side_tip = (4, side1.clone());
    let mut stream = Vec::new();
    commit_with(&mut stream, "main", Some(1), &[], &h.base, 1_700_000_000);
    commit_with(&mut stream, "main", Some(2), &[1], &t1, 1_700_000_100);
    if h.revert {
        let reverted = picked(&t1, &t1, &h.base);
        commit_with(&mut stream, "main", Some(3), &[2], &reverted, 1_700_000_200);
        main_tip = (3, reverted);
    }
    commit_with(&mut stream, "side", Some(4), &[1], &side1, 1_700_000_300);
    if h.pick {
        let pick = picked(&side1, &h.base, &t1);
        commit_with(&mut stream, "side", Some(5), &[4], &pick, 1_700_000_400);
        side_tip = (5, pick);
    }
    let mut merge = merged(&h.base, &main_tip.1, &side_tip.1, h.take_side);
    if let Some(evil) = &h.evil {
        merge = apply(&merge, evil);
    }
    commit_with(
        &mut stream,
        "main",
        Some(6),
        &[main_tip.0, side_tip.0],
        &merge,
        1_700_000_500,
    );
    let last = apply(&merge, &h.after);
    commit_with(&mut stream, "main", Some(7), &[6], &last, 1_700_000_600);
    git(
        d,
        &["fast-import", "--quiet", "--export-marks=.git/marks"],
        Some(&stream),
    );
    let marks = std::fs::read_to_string(d.join(".git/marks")).expect("marks");
    let id_of = |mark: u32| {
        marks
            .lines()
            .find_map(|l| l.strip_prefix(&format!(":{mark} ")))
            .and_then(|hex| scopecheck_git::ObjectId::from_hex(hex.as_bytes()).ok())
            .expect("a marked commit")
    };

    let opts = ReadOptions {
        max_file_size: u64::MAX,
    };
    let repo = Repo::discover(d).expect("a repository");
    let commits = repo
        .commits_between(&[id_of(1)], id_of(7))
        .expect("the range walks");
    let judged = repo
        .map_commits(&commits, &opts, |c, cs, _| (c.id, cs))
        .expect("the commits read");
    let mut seen = std::collections::HashSet::new();
    for (info, (id, cs)) in commits.iter().zip(judged) {
        prop_assert_eq!(id, info.id);
        let hex = info.id.to_string();
        let parent = info.parent.expect("a parent").to_string();
        let what = format!("commit {}", &hex[..8]);
        let theirs = if info.parents.len() > 1 {
            let out = git(
                d,
                &[
                    "diff-tree",
                    "-c",
                    "-r",
                    "--raw",
                    "-z",
                    "--no-abbrev",
                    "--no-commit-id",
                    &hex,
                ],
                None,
            );
            combined_raw(&out, info.parents.len())
        } else {
            let out = git(
                d,
                &[
                    "diff",
                    "--no-renames",
                    "--raw",
                    "-z",
                    "--no-abbrev",
                    &parent,
                    &hex,
                ],
                None,
            );
            git_raw(&out)
        };
        let pairs = if info.parents.len() > 1 {
            Vec::new()
        } else {
            renames(&theirs)
        };
        // One key per change as scopecheck pairs them: a rename is one change, keyed by
        // its new path and both sides.
        let key = |i: usize| -> (String, String, String, String, String) {
            let e = &theirs[i];
            match pairs.iter().find(|&&(d, a)| d == i || a == i) {
                Some(&(d, a)) => (
                    theirs[a].1.clone(),
                    theirs[d].2.clone(),
                    theirs[a].3.clone(),
                    theirs[d].4.clone(),
                    theirs[a].5.clone(),
                ),
                None => (
                    e.1.clone(),
                    e.2.clone(),
                    e.3.clone(),
                    e.4.clone(),
                    e.5.clone(),
                ),
            }
        };
        let mut first: BTreeMap<(String, String, String, String, String), bool> = BTreeMap::new();
        for i in 0..theirs.len() {
            let k = key(i);
            let new = !seen.contains(&k);
            first.insert(k, new);
        }
        let theirs: Vec<Raw> = (0..theirs.len())
            .filter(|&i| first[&key(i)])
            .map(|i| theirs[i].clone())
            .collect();
        seen.extend(first.into_keys());
        prop_assert_eq!(ours_raw(&cs), theirs, "{}: raw entries", what);
        let patch = git(
            d,
            &[
                "diff",
                "--no-renames",
                "-U0",
                "--histogram",
                "--no-ext-diff",
                "--no-textconv",
                &parent,
                &hex,
            ],
            None,
        );
        let others: Vec<String> = info.parents[1..].iter().map(|p| p.to_string()).collect();
        let versions = |path: &str| -> Vec<Vec<u8>> {
            others
                .iter()
                .filter_map(|p| {
                    // The change set's path is lossy: name the object by the raw bytes.
                    use std::os::unix::ffi::OsStrExt;
                    let raw = PATHS
                        .iter()
                        .find(|r| String::from_utf8_lossy(r) == path)
                        .copied()
                        .unwrap_or(path.as_bytes());
                    let spec = [p.as_bytes(), b":", raw].concat();
                    let out = Command::new("git")
                        .arg("cat-file")
                        .arg("blob")
                        .arg(std::ffi::OsStr::from_bytes(&spec))
                        .current_dir(d)
                        .output()
                        .ok()?;
                    out.status.success().then_some(out.stdout)
                })
                .collect()
        };
        check_contents_with(&cs, &patch, &what, &versions)?;
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("SCOPECHECK_DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn staged_and_range_changes_are_what_git_diff_says(tree in trees(), disturb in disturb()) {
        check(tree, disturb)?;
    }

    #[test]
    fn each_commit_of_a_range_is_what_git_says_it_changed(h in history()) {
        check_history(h)?;
    }
}
