//! Tree-level diffs: the index against a tree, and a tree against a tree.
//!
//! Unchanged subtrees are skipped by id, and for the index by its cache-tree extension
//! (the `TREE` extension git keeps up to date on `git add`), so a commit touching ten
//! files in a 100k-file repository reads a handful of tree objects, not every tree.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::index::entry::{Flags, Mode, Stage};
use gix::objs::tree::EntryMode;
use gix::ObjectId;

use crate::packs::PackReader;
use crate::{show, Error};

/// What kind of tree entry one side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    File,
    Executable,
    Link,
    Commit,
}

impl Kind {
    pub(crate) fn is_file(self) -> bool {
        matches!(self, Kind::File | Kind::Executable)
    }

    pub(crate) fn from_tree(mode: EntryMode) -> Option<Kind> {
        if mode.is_tree() {
            None
        } else if mode.is_commit() {
            Some(Kind::Commit)
        } else if mode.is_link() {
            Some(Kind::Link)
        } else if mode.is_executable() {
            Some(Kind::Executable)
        } else {
            Some(Kind::File)
        }
    }

    fn from_index(mode: Mode) -> Option<Kind> {
        // Index modes are exact values whose bits overlap (a gitlink's bits include a
        // directory's), so compare, never test for contained bits.
        if mode == Mode::COMMIT {
            Some(Kind::Commit)
        } else if mode == Mode::DIR {
            None
        } else if mode == Mode::SYMLINK {
            Some(Kind::Link)
        } else if mode == Mode::FILE_EXECUTABLE {
            Some(Kind::Executable)
        } else {
            Some(Kind::File)
        }
    }
}

/// One side of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Entry {
    pub kind: Kind,
    pub id: ObjectId,
}

impl Entry {
    /// A tree entry of `mode` as one side of a change (`None` for a folder).
    pub(crate) fn from_tree(mode: EntryMode, id: ObjectId) -> Option<Entry> {
        Kind::from_tree(mode).map(|kind| Entry { kind, id })
    }
}

/// A changed path before contents are read.
#[derive(Debug, Clone)]
pub(crate) struct RawChange {
    pub path: BString,
    pub old_path: Option<BString>,
    pub old: Option<Entry>,
    pub new: Option<Entry>,
}

/// A tree's entries keyed by (name, is-tree): a file and a directory of the same name are
/// different entries (a file replaced by a directory is a deletion plus additions).
type TreeMap = HashMap<(BString, bool), (EntryMode, ObjectId)>;

fn read_tree(repo: &Src<'_>, id: ObjectId) -> Result<TreeMap, Error> {
    let tree = tree_data(repo, id)?;
    let mut map = HashMap::new();
    for entry in gix::objs::TreeRefIter::from_bytes(&tree.data, repo.repo.object_hash()) {
        let entry = entry.map_err(|_| Error::CorruptTree { id })?;
        map.insert(
            (entry.filename.to_owned(), entry.mode.is_tree()),
            (entry.mode, entry.oid.to_owned()),
        );
    }
    Ok(map)
}

fn join(prefix: &BStr, name: &BStr) -> BString {
    let mut p = BString::from(Vec::with_capacity(prefix.len() + name.len() + 1));
    if !prefix.is_empty() {
        p.push_str(prefix);
        p.push_byte(b'/');
    }
    p.push_str(name);
    p
}

/// Where trees are read from: gix, and in a range or history scan also the thread's
/// pack reader, whose cache of delta bases serves the long delta chains trees sit in.
pub(crate) struct Src<'a> {
    pub repo: &'a gix::Repository,
    pub packs: Option<&'a RefCell<PackReader>>,
}

impl<'a> From<&'a gix::Repository> for Src<'a> {
    fn from(repo: &'a gix::Repository) -> Self {
        Src { repo, packs: None }
    }
}

/// A tree's raw bytes, from whichever reader had them.
struct TreeBytes<'r> {
    data: Bytes<'r>,
}

enum Bytes<'r> {
    Gix(gix::Tree<'r>),
    Packed(std::sync::Arc<Vec<u8>>),
}

impl std::ops::Deref for Bytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Gix(t) => &t.data,
            Bytes::Packed(d) => d,
        }
    }
}

/// A tree's raw bytes, read once and iterated in place: collecting entries (with an
/// owned name each) cost more than inflating the tree.
fn tree_data<'r>(repo: &Src<'r>, id: ObjectId) -> Result<TreeBytes<'r>, Error> {
    if let Some(data) = repo.packs.and_then(|p| p.borrow_mut().tree(&id)) {
        return Ok(TreeBytes {
            data: Bytes::Packed(data),
        });
    }
    let tree = repo
        .repo
        .find_tree(id)
        .map_err(|source| Error::MissingObject { id, source })?;
    Ok(TreeBytes {
        data: Bytes::Gix(tree),
    })
}

/// The entry at `path` (`/`-separated) under tree `id`, if there is one.
pub(crate) fn entry_at(
    repo: &Src<'_>,
    mut id: ObjectId,
    path: &BStr,
) -> Result<Option<(EntryMode, ObjectId)>, Error> {
    let mut parts = path.split_str("/").peekable();
    while let Some(part) = parts.next() {
        let tree = tree_data(repo, id)?;
        let mut iter = Some(gix::objs::TreeRefIter::from_bytes(
            &tree.data,
            repo.repo.object_hash(),
        ));
        let mut found = None;
        while let Some(e) = next_entry(&mut iter, Some(id))? {
            if e.filename == part {
                found = Some((e.mode, e.oid.to_owned()));
                break;
            }
        }
        match found {
            Some((mode, oid)) if parts.peek().is_none() => return Ok(Some((mode, oid))),
            Some((mode, oid)) if mode.is_tree() => id = oid,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// The blobs directly in directory `dir` of tree `root` (`""` for the root) whose name is
/// one of `names`, as (name, id). A missing directory has none.
pub(crate) fn blobs_named(
    repo: &Src<'_>,
    root: ObjectId,
    dir: &BStr,
    names: &[&str],
) -> Result<Vec<(String, ObjectId)>, Error> {
    let id = if dir.is_empty() {
        root
    } else {
        match entry_at(repo, root, dir)? {
            Some((mode, id)) if mode.is_tree() => id,
            _ => return Ok(Vec::new()),
        }
    };
    let tree = tree_data(repo, id)?;
    let mut iter = Some(gix::objs::TreeRefIter::from_bytes(
        &tree.data,
        repo.repo.object_hash(),
    ));
    let mut out = Vec::new();
    while let Some(e) = next_entry(&mut iter, Some(id))? {
        if e.mode.is_blob() {
            if let Some(name) = names.iter().find(|n| e.filename == n.as_bytes()) {
                out.push(((*name).to_owned(), e.oid.to_owned()));
            }
        }
    }
    Ok(out)
}

/// The next entry of a tree, a malformed entry being an error about that tree.
fn next_entry<'a>(
    iter: &mut Option<gix::objs::TreeRefIter<'a>>,
    id: Option<ObjectId>,
) -> Result<Option<gix::objs::tree::EntryRef<'a>>, Error> {
    match iter.as_mut().and_then(Iterator::next) {
        None => Ok(None),
        Some(Ok(e)) => Ok(Some(e)),
        Some(Err(_)) => Err(Error::CorruptTree {
            id: id.unwrap_or_else(|| ObjectId::null(gix::hash::Kind::Sha1)),
        }),
    }
}

/// Every file under tree `id` as one side of a change.
fn walk(
    repo: &Src<'_>,
    id: ObjectId,
    prefix: &BStr,
    old_side: bool,
    out: &mut Vec<RawChange>,
) -> Result<(), Error> {
    let tree = tree_data(repo, id)?;
    let mut iter = Some(gix::objs::TreeRefIter::from_bytes(
        &tree.data,
        repo.repo.object_hash(),
    ));
    while let Some(e) = next_entry(&mut iter, Some(id))? {
        one_side(
            repo,
            prefix,
            e.filename,
            e.mode,
            e.oid.to_owned(),
            old_side,
            out,
        )?;
    }
    Ok(())
}

/// Tree against tree, recursively, skipping identical subtrees. Both trees are walked in
/// git's canonical order side by side, so a commit touching a few files costs a few tree
/// reads and one pass over each.
pub(crate) fn trees(
    repo: &Src<'_>,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    prefix: &BStr,
    out: &mut Vec<RawChange>,
) -> Result<(), Error> {
    if old == new {
        return Ok(());
    }
    let old_tree = old.map(|id| tree_data(repo, id)).transpose()?;
    let new_tree = new.map(|id| tree_data(repo, id)).transpose()?;
    let sides = (
        old.zip(old_tree.as_ref().map(|t| &*t.data)),
        new.zip(new_tree.as_ref().map(|t| &*t.data)),
    );
    differing(repo, sides, |a, b| match (a, b) {
        (Some(a), None) => one_side(
            repo,
            prefix,
            a.filename,
            a.mode,
            a.oid.to_owned(),
            true,
            out,
        ),
        (None, Some(b)) => one_side(
            repo,
            prefix,
            b.filename,
            b.mode,
            b.oid.to_owned(),
            false,
            out,
        ),
        (Some(a), Some(b)) => {
            let path = join(prefix, a.filename);
            if b.mode.is_tree() {
                return trees(
                    repo,
                    Some(a.oid.to_owned()),
                    Some(b.oid.to_owned()),
                    path.as_bstr(),
                    out,
                );
            }
            let (old, new) = (entry(&a), entry(&b));
            if old != new {
                out.push(RawChange {
                    path,
                    old_path: None,
                    old,
                    new,
                });
            }
            Ok(())
        }
        (None, None) => Ok(()),
    })
}

/// A tree entry as one side of a change (`None` for a folder).
fn entry(e: &gix::objs::tree::EntryRef<'_>) -> Option<Entry> {
    Entry::from_tree(e.mode, e.oid.to_owned())
}

/// A tree version's id and raw bytes.
type TreeSide<'d> = Option<(ObjectId, &'d [u8])>;

/// Calls `visit` with each entry that is not the same in two versions of a tree, in
/// git's order, with its version on each side (`None`: not on that side). A file and a
/// folder of the same name are two entries.
fn differing<'d>(
    repo: &Src<'_>,
    (old, new): (TreeSide<'d>, TreeSide<'d>),
    mut visit: impl FnMut(
        Option<gix::objs::tree::EntryRef<'d>>,
        Option<gix::objs::tree::EntryRef<'d>>,
    ) -> Result<(), Error>,
) -> Result<(), Error> {
    let hash = repo.repo.object_hash();
    let (old_data, new_data) = match (old, new) {
        (Some((_, o)), Some((_, n))) => {
            let (o, n) = differing_entries(o, n, hash.len_in_bytes());
            (Some(o), Some(n))
        }
        (o, n) => (o.map(|t| t.1), n.map(|t| t.1)),
    };
    let (old, new) = (old.map(|t| t.0), new.map(|t| t.0));
    let mut old_iter = old_data.map(|d| gix::objs::TreeRefIter::from_bytes(d, hash));
    let mut new_iter = new_data.map(|d| gix::objs::TreeRefIter::from_bytes(d, hash));
    let mut o = next_entry(&mut old_iter, old)?;
    let mut n = next_entry(&mut new_iter, new)?;
    loop {
        let order = match (&o, &n) {
            (None, None) => break,
            (Some(a), Some(b)) => gix::objs::tree::name_order(
                a.filename,
                a.mode.is_tree(),
                b.filename,
                b.mode.is_tree(),
            ),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
        };
        match (order, o, n) {
            (std::cmp::Ordering::Less, Some(a), _) => {
                visit(Some(a), None)?;
                o = next_entry(&mut old_iter, old)?;
            }
            (std::cmp::Ordering::Greater, _, Some(b)) => {
                visit(None, Some(b))?;
                n = next_entry(&mut new_iter, new)?;
            }
            (_, Some(a), Some(b)) => {
                if a.oid != b.oid || a.mode != b.mode {
                    visit(Some(a), Some(b))?;
                }
                o = next_entry(&mut old_iter, old)?;
                n = next_entry(&mut new_iter, new)?;
            }
            // The order was computed from the entries present.
            _ => break,
        }
    }
    Ok(())
}

/// A change a merge makes that none of its parents has.
pub(crate) struct MergeChange {
    /// The change against the first parent.
    pub change: RawChange,
    /// What each other parent has at the path (`None`: nothing, or a folder).
    pub others: Vec<Option<Entry>>,
}

/// [`trees`] for a merge: the changes of `new` against `first` (the first parent's tree)
/// at the paths where `new` also differs from every tree in `others` (git's `--cc`
/// rule). A folder or file `new` shares with any parent is not looked into: a topic
/// branch's work, taken unchanged from its tip, costs one comparison per folder instead
/// of a diff and a lookup per path. `taken` counts what was left so, a folder once.
pub(crate) fn merge_trees(
    repo: &Src<'_>,
    first: Option<ObjectId>,
    others: &[Option<ObjectId>],
    new: Option<ObjectId>,
    prefix: &BStr,
    out: &mut Vec<MergeChange>,
    taken: &mut usize,
) -> Result<(), Error> {
    if first == new {
        return Ok(());
    }
    if others.contains(&new) {
        *taken += 1;
        return Ok(());
    }
    let old_tree = first.map(|id| tree_data(repo, id)).transpose()?;
    let new_tree = new.map(|id| tree_data(repo, id)).transpose()?;
    let other_trees = others
        .iter()
        .map(|o| o.map(|id| tree_data(repo, id)).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let hash = repo.repo.object_hash();
    // Looked up in the order `differing` visits, so each other tree is read once.
    let mut cursors: Vec<Cursor<'_>> = others
        .iter()
        .zip(&other_trees)
        .map(|(&id, t)| Cursor {
            iter: t
                .as_ref()
                .map(|t| gix::objs::TreeRefIter::from_bytes(&t.data, hash)),
            id,
            at: None,
            started: false,
        })
        .collect();
    let sides = (
        first.zip(old_tree.as_ref().map(|t| &*t.data)),
        new.zip(new_tree.as_ref().map(|t| &*t.data)),
    );
    differing(repo, sides, |a, b| {
        let Some(e) = a.as_ref().or(b.as_ref()) else {
            return Ok(());
        };
        let (name, is_tree) = (e.filename, e.mode.is_tree());
        let theirs = cursors
            .iter_mut()
            .map(|c| c.find(name, is_tree))
            .collect::<Result<Vec<_>, _>>()?;
        let path = join(prefix, name);
        if is_tree {
            let subs: Vec<Option<ObjectId>> = theirs.iter().map(|t| t.map(|(_, id)| id)).collect();
            return merge_trees(
                repo,
                a.map(|a| a.oid.to_owned()),
                &subs,
                b.map(|b| b.oid.to_owned()),
                path.as_bstr(),
                out,
                taken,
            );
        }
        let (old, new) = (a.as_ref().and_then(entry), b.as_ref().and_then(entry));
        if old == new {
            return Ok(());
        }
        let versions: Vec<Option<Entry>> = theirs
            .iter()
            .map(|t| t.and_then(|(mode, id)| Entry::from_tree(mode, id)))
            .collect();
        if versions.contains(&new) {
            *taken += 1;
            return Ok(());
        }
        out.push(MergeChange {
            change: RawChange {
                path,
                old_path: None,
                old,
                new,
            },
            others: versions,
        });
        Ok(())
    })
}

/// A forward cursor over a tree's entries, for lookups made in git's order.
struct Cursor<'a> {
    iter: Option<gix::objs::TreeRefIter<'a>>,
    id: Option<ObjectId>,
    at: Option<gix::objs::tree::EntryRef<'a>>,
    started: bool,
}

impl Cursor<'_> {
    /// The entry named `name` (a folder or not), if the tree has one; lookups must come
    /// in git's order.
    fn find(&mut self, name: &BStr, is_tree: bool) -> Result<Option<(EntryMode, ObjectId)>, Error> {
        if !self.started {
            self.at = next_entry(&mut self.iter, self.id)?;
            self.started = true;
        }
        while let Some(e) = self.at {
            match gix::objs::tree::name_order(e.filename, e.mode.is_tree(), name, is_tree) {
                std::cmp::Ordering::Less => self.at = next_entry(&mut self.iter, self.id)?,
                std::cmp::Ordering::Equal => return Ok(Some((e.mode, e.oid.to_owned()))),
                std::cmp::Ordering::Greater => return Ok(None),
            }
        }
        Ok(None)
    }
}

/// The entries of two versions of a tree that are not the same on both sides: the
/// versions without their longest common runs of whole entries at the start and at the
/// end. A commit changes a few entries of trees that hold hundreds (git's own `t/` has
/// over a thousand), and parsing and comparing every entry of both versions was most of
/// the tree diff; the common runs are found by comparing bytes, and only their borders
/// need an entry's length (`mode name\0` then the object id).
fn differing_entries<'a>(old: &'a [u8], new: &'a [u8], hash_len: usize) -> (&'a [u8], &'a [u8]) {
    let entry_end = |data: &[u8], at: usize| {
        let nul = memchr::memchr(0, data.get(at..)?)?;
        let end = at + nul + 1 + hash_len;
        (end <= data.len()).then_some(end)
    };
    // Identical bytes up to `same`, so the same entry borders on both sides.
    let same = scopecheck_core::common_prefix(old, new);
    let mut start = 0;
    while let Some(end) = entry_end(old, start).filter(|&e| e <= same) {
        start = end;
    }
    let (old, new) = (&old[start..], &new[start..]);
    let tail = scopecheck_core::common_suffix(old, new);
    if tail == 0 {
        return (old, new);
    }
    // A common tail of whole entries starts at an entry border of both sides that is the
    // same distance from their ends: walk both sides' borders in step, by that distance.
    let (from_old, from_new) = (old.len() - tail, new.len() - tail);
    let (mut o, mut n) = (0, 0);
    loop {
        let (left_o, left_n) = (old.len() - o, new.len() - n);
        if left_o == left_n && o >= from_old && n >= from_new {
            return (&old[..o], &new[..n]);
        }
        let step = if left_o > left_n {
            entry_end(old, o).map(|e| o = e)
        } else {
            entry_end(new, n).map(|e| n = e)
        };
        if step.is_none() {
            return (old, new);
        }
    }
}

/// An entry present on one side only: a file, or every file of a subtree.
fn one_side(
    repo: &Src<'_>,
    prefix: &BStr,
    name: &BStr,
    mode: EntryMode,
    oid: ObjectId,
    old_side: bool,
    out: &mut Vec<RawChange>,
) -> Result<(), Error> {
    let path = join(prefix, name);
    if mode.is_tree() {
        return walk(repo, oid, path.as_bstr(), old_side, out);
    }
    let e = Entry::from_tree(mode, oid);
    if e.is_some() {
        out.push(RawChange {
            path,
            old_path: None,
            old: if old_side { e } else { None },
            new: if old_side { None } else { e },
        });
    }
    Ok(())
}

fn deleted(
    repo: &Src<'_>,
    rest: TreeMap,
    prefix: &BStr,
    out: &mut Vec<RawChange>,
) -> Result<(), Error> {
    let mut rest: Vec<_> = rest.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    for ((name, _), (mode, oid)) in rest {
        one_side(repo, prefix, name.as_bstr(), mode, oid, true, out)?;
    }
    Ok(())
}

/// The index against a tree (`HEAD`'s, or none before the first commit).
pub(crate) fn index_against_tree(
    repo: Src<'_>,
    index: &gix::index::File,
    head_tree: Option<ObjectId>,
    notes: &mut Vec<String>,
) -> Result<Vec<RawChange>, Error> {
    let mut out = Vec::new();
    let mut walker = IndexWalker {
        repo,
        index,
        notes,
        out: &mut out,
    };
    walker.dir(
        0..index.entries().len(),
        BString::default(),
        head_tree,
        index.tree(),
    )?;
    Ok(out)
}

struct IndexWalker<'a> {
    repo: Src<'a>,
    index: &'a gix::index::File,
    notes: &'a mut Vec<String>,
    out: &'a mut Vec<RawChange>,
}

impl IndexWalker<'_> {
    /// Compares the index entries in `range` (all under `prefix`) with tree `head`.
    fn dir(
        &mut self,
        range: Range<usize>,
        prefix: BString,
        head: Option<ObjectId>,
        cache: Option<&gix::index::extension::Tree>,
    ) -> Result<(), Error> {
        // A valid cache-tree entry is the tree git writes for this directory, as it is:
        // `git commit` does not look at the index entries below it. So that tree is what
        // is judged (an index whose cache-tree disagrees with its entries would
        // otherwise commit a tree nobody checked), and when it is HEAD's, nothing below
        // changed.
        if let Some(c) = cache.filter(|c| c.num_entries.is_some()) {
            if head == Some(c.id) {
                return Ok(());
            }
            if self.repo.repo.has_object(c.id) {
                return trees(&self.repo, head, Some(c.id), prefix.as_bstr(), self.out);
            }
        }
        let mut head_map = match head {
            Some(id) => read_tree(&self.repo, id)?,
            None => HashMap::new(),
        };
        let entries = self.index.entries();
        let skip = if prefix.is_empty() {
            0
        } else {
            prefix.len() + 1
        };
        let mut i = range.start;
        while i < range.end {
            let entry = &entries[i];
            let path = entry.path(self.index);
            let rel = &path[skip..];
            if let Some(slash) = rel.find_byte(b'/') {
                // Sparse-index directory entries end in '/'; anything else is a subdirectory.
                let name: BString = rel[..slash].into();
                let mut end = i + 1;
                while end < range.end {
                    let p = entries[end].path(self.index);
                    let r = &p[skip..];
                    if r.len() > slash && r[..slash] == name[..] && r[slash] == b'/' {
                        end += 1;
                    } else {
                        break;
                    }
                }
                let sub_head = head_map.remove(&(name.clone(), true)).map(|(_, id)| id);
                let sub_path = join(prefix.as_bstr(), name.as_bstr());
                if entry.mode.is_sparse() && end == i + 1 {
                    trees(
                        &self.repo,
                        sub_head,
                        Some(entry.id),
                        sub_path.as_bstr(),
                        self.out,
                    )?;
                } else {
                    let sub_cache =
                        cache.and_then(|c| c.children.iter().find(|t| t.name[..] == name[..]));
                    self.dir(i..end, sub_path, sub_head, sub_cache)?;
                }
                i = end;
                continue;
            }
            i += 1;
            if entry.stage() != Stage::Unconflicted {
                if entry.stage() == Stage::Ours {
                    self.notes.push(format!(
                        "{}: unmerged (merge conflict); resolve and stage it to have it checked",
                        show(path)
                    ));
                }
                continue;
            }
            if entry.flags.contains(Flags::INTENT_TO_ADD) {
                // `git add -N` records only the intent; nothing of the file is committed.
                continue;
            }
            let previous = head_map.remove(&(rel.to_owned(), false));
            let new = Kind::from_index(entry.mode).map(|kind| Entry { kind, id: entry.id });
            let old = previous.and_then(|(m, id)| Entry::from_tree(m, id));
            if old != new {
                self.out.push(RawChange {
                    path: path.to_owned(),
                    old_path: None,
                    old,
                    new,
                });
            }
        }
        deleted(&self.repo, head_map, prefix.as_bstr(), self.out)
    }
}

/// Pairs deletions and additions of the same blob (exact renames), keeping the rest.
pub(crate) fn pair_renames(mut raw: Vec<RawChange>) -> Vec<RawChange> {
    let mut added_by_id: HashMap<(ObjectId, Kind), Vec<usize>> = HashMap::new();
    for (i, c) in raw.iter().enumerate() {
        if let (None, Some(n)) = (&c.old, &c.new) {
            if n.kind != Kind::Commit {
                added_by_id.entry((n.id, n.kind)).or_default().push(i);
            }
        }
    }
    if added_by_id.is_empty() {
        return raw;
    }
    let mut consumed = vec![false; raw.len()];
    for i in 0..raw.len() {
        let (Some(o), None) = (raw[i].old, raw[i].new) else {
            continue;
        };
        let Some(candidates) = added_by_id.get_mut(&(o.id, o.kind)) else {
            continue;
        };
        let Some(j) = candidates.pop() else {
            continue;
        };
        let from = raw[i].path.clone();
        raw[j].old = Some(o);
        raw[j].old_path = Some(from);
        consumed[i] = true;
    }
    raw.into_iter()
        .zip(consumed)
        .filter_map(|(c, gone)| (!gone).then_some(c))
        .collect()
}

/// Files of tree `new` whose entry differs from every one of `parents` (trees) at the same
/// path: what a commit adds that none of its parents had there. Subtrees equal to any
/// parent's are skipped whole, so a clean merge, whose every path comes from one parent
/// or the other, costs one pass over its top-level tree however large its first-parent
/// diff is. With no parents every file is new. Each file comes with the first parent's
/// version at its path, if that is a file.
pub(crate) fn new_entries(
    repo: &Src<'_>,
    parents: &[ObjectId],
    new: ObjectId,
    prefix: &BStr,
    out: &mut Vec<(BString, Entry, Option<Entry>)>,
) -> Result<(), Error> {
    if parents.contains(&new) {
        return Ok(());
    }
    let hash = repo.repo.object_hash();
    let new_tree = tree_data(repo, new)?;
    let parent_trees = parents
        .iter()
        .map(|&p| tree_data(repo, p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut cursors = Vec::with_capacity(parent_trees.len());
    for (tree, &id) in parent_trees.iter().zip(parents) {
        let mut iter = Some(gix::objs::TreeRefIter::from_bytes(&tree.data, hash));
        let first = next_entry(&mut iter, Some(id))?;
        cursors.push((iter, first, id));
    }
    let mut iter = Some(gix::objs::TreeRefIter::from_bytes(&new_tree.data, hash));
    let mut sub_parents = Vec::with_capacity(parents.len());
    while let Some(e) = next_entry(&mut iter, Some(new))? {
        sub_parents.clear();
        let mut unchanged = false;
        let mut previous = None;
        for (n, (it, cur, id)) in cursors.iter_mut().enumerate() {
            while let Some(p) = cur {
                let order = gix::objs::tree::name_order(
                    p.filename,
                    p.mode.is_tree(),
                    e.filename,
                    e.mode.is_tree(),
                );
                match order {
                    std::cmp::Ordering::Less => *cur = next_entry(it, Some(*id))?,
                    std::cmp::Ordering::Equal => {
                        if p.oid == e.oid && p.mode == e.mode {
                            unchanged = true;
                        } else if p.mode.is_tree() {
                            sub_parents.push(p.oid.to_owned());
                        } else if n == 0 {
                            previous = Entry::from_tree(p.mode, p.oid.to_owned());
                        }
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        if unchanged {
            continue;
        }
        let path = join(prefix, e.filename);
        if e.mode.is_tree() {
            let parents = std::mem::take(&mut sub_parents);
            new_entries(repo, &parents, e.oid.to_owned(), path.as_bstr(), out)?;
            sub_parents = parents;
        } else if let Some(entry) = Entry::from_tree(e.mode, e.oid.to_owned()) {
            out.push((path, entry, previous));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::differing_entries;
    use proptest::prelude::*;

    /// A tree's bytes from (mode, name, id byte) entries, sorted by name as git sorts
    /// blobs.
    fn tree(entries: &[(&str, String, u8)]) -> Vec<u8> {
        let mut sorted: Vec<&(&str, String, u8)> = entries.iter().collect();
        sorted.sort_by(|a, b| a.1.cmp(&b.1));
        let mut out = Vec::new();
        for (mode, name, id) in sorted {
            out.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            // Ids full of the bytes a border search could trip on: NUL and space.
            out.extend_from_slice(&[
                *id, 0, b' ', *id, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, *id,
            ]);
        }
        out
    }

    fn entries(data: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let nul = at + data[at..].iter().position(|&b| b == 0).expect("name ends");
            out.push(data[at..nul + 21].to_vec());
            at = nul + 21;
        }
        out
    }

    /// Entries on one side only.
    fn changed(old: &[u8], new: &[u8]) -> Vec<Vec<u8>> {
        let (o, n) = (entries(old), entries(new));
        let mut out: Vec<Vec<u8>> = o.iter().filter(|e| !n.contains(e)).cloned().collect();
        out.extend(n.iter().filter(|e| !o.contains(e)).cloned());
        out.sort();
        out
    }

    proptest! {
        /// Leaving out the common runs keeps every entry that differs, and cuts both
        /// versions at entry borders.
        #[test]
        fn the_common_runs_hold_no_change(
            names in proptest::collection::btree_set("[a-z]{1,6}", 0..40),
            ids in proptest::collection::vec(0u8..4, 40),
            edits in proptest::collection::vec((0usize..40, 0u8..4, any::<bool>()), 0..4),
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let old: Vec<(&str, String, u8)> =
                names.iter().zip(&ids).map(|(n, &id)| ("100644", n.clone(), id)).collect();
            let mut new = old.clone();
            for &(at, id, remove) in &edits {
                if at < new.len() {
                    if remove {
                        new.remove(at);
                    } else {
                        new[at].2 = id;
                    }
                }
            }
            let (old, new) = (tree(&old), tree(&new));
            let (o, n) = differing_entries(&old, &new, 20);
            prop_assert_eq!(changed(o, n), changed(&old, &new));
            // Both middles are runs of whole entries.
            prop_assert_eq!(entries(o).concat(), o.to_vec());
            prop_assert_eq!(entries(n).concat(), n.to_vec());
        }
    }
}
