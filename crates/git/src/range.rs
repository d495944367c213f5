//! Commit-by-commit changes of a range, at what `git log -p` pays for them.
//!
//! - A merge is judged by what it adds itself: a path whose result equals one parent's
//!   version was judged in that parent, so only paths that differ from every parent
//!   are kept (git's `--cc` rule), and of those only lines no parent has.
//! - A change seen earlier in the range (the same path from the same old blob to the
//!   same new blob: a cherry-pick, a rebased copy) is read and judged once.
//! - Tree diffs and blob reads run on every core, each thread with its own handle and
//!   a cache of delta bases, so successive versions of a file are not re-inflated from
//!   the start of their delta chain.

use std::collections::HashSet;

use gix::bstr::{BStr, BString, ByteSlice};
use gix::ObjectId;
use rayon::prelude::*;
use scopecheck_core::checks::content_limit;
use scopecheck_core::{ChangeSet, Origin};

use crate::diff::{self, Entry, Kind, RawChange};
use crate::{file_change, read_side, CommitInfo, Error, ReadOptions, Repo};

/// What was left out of one commit's [`ChangeSet`] because it was judged elsewhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitWork {
    /// The commit has more than one parent.
    pub merge: bool,
    /// Paths of a merge taken unchanged from one of its parents.
    pub from_parents: usize,
    /// Changes identical to one an earlier commit of the range made.
    pub repeated: usize,
}

/// A changed path with, for a merge, the versions its other parents have there.
struct Planned {
    change: RawChange,
    others: Vec<Entry>,
}

/// How much decoded data a thread's repository handle keeps: delta bases (so a chain is
/// not re-inflated from its start for every object on it) and whole objects by id.
#[derive(Clone, Copy)]
pub(crate) struct Caches {
    pub pack: usize,
    pub objects: usize,
}

/// Reading blobs: a commit's new blob is often the next commit's old one, and successive
/// versions of a file share delta bases; small enough that two threads stay well under
/// 200 MiB.
pub(crate) const BLOB_CACHES: Caches = Caches {
    pack: 8 << 20,
    objects: 4 << 20,
};

/// Walking trees: trees are deltified in long chains and every commit reads the root
/// tree and those on its changed paths again (git keeps 96 MiB of delta bases for this).
pub(crate) const TREE_CACHES: Caches = Caches {
    pack: 24 << 20,
    objects: 8 << 20,
};

pub(crate) fn thread_repo(sync: &gix::ThreadSafeRepository, caches: Caches) -> gix::Repository {
    let mut repo = sync.to_thread_local();
    repo.object_cache_size(caches.objects);
    repo.objects.set_pack_cache(move || {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            caches.pack,
        ))
    });
    repo
}

/// Maps `items` on every core, in a few long contiguous pieces, each with one repository
/// handle whose caches stay warm along its piece (rayon's `map_init` would start a cold
/// handle for every split it makes, and cold caches re-inflate every delta chain). The
/// results come back in the order of `items`.
pub(crate) fn par_map<T, R, F>(
    sync: &gix::ThreadSafeRepository,
    caches: Caches,
    items: Vec<T>,
    f: F,
) -> Result<Vec<R>, Error>
where
    T: Send,
    R: Send,
    F: Fn(&mut gix::Repository, T) -> Result<R, Error> + Sync,
{
    // A few pieces per thread, so a thread that finishes early can take another.
    let pieces = rayon::current_num_threads().max(1) * 4;
    let per = items.len().div_ceil(pieces).max(1);
    let done: Vec<Vec<R>> = items
        .into_par_iter()
        .chunks(per)
        .map(|piece| {
            let mut repo = thread_repo(sync, caches);
            piece.into_iter().map(|t| f(&mut repo, t)).collect()
        })
        .collect::<Result<_, _>>()?;
    Ok(done.into_iter().flatten().collect())
}

/// Each commit's changes against its first parent (a merge's narrowed to what differs
/// from every parent), a change repeated from an earlier commit left out.
fn plan_all(
    sync: &gix::ThreadSafeRepository,
    commits: &[CommitInfo],
) -> Result<Vec<(Vec<Planned>, CommitWork)>, Error> {
    let plans = par_map(sync, TREE_CACHES, commits.iter().collect(), plan)?;
    // Sequential, so the first commit in range order keeps a repeated change.
    let mut seen: HashSet<(BString, Option<Entry>, Option<Entry>)> = HashSet::new();
    let plans: Vec<(Vec<Planned>, CommitWork)> = plans
        .into_iter()
        .map(|(changes, mut work)| {
            let kept = changes
                .into_iter()
                .filter(|p| {
                    let c = &p.change;
                    let first = seen.insert((c.path.clone(), c.old, c.new));
                    work.repeated += usize::from(!first);
                    first
                })
                .collect();
            (kept, work)
        })
        .collect();
    Ok(plans)
}

impl Repo {
    /// Each commit's own changes (oldest first, as given), read in parallel and handed to
    /// `f` with what was left out; the results come back in commit order.
    pub fn map_commits<R, F>(
        &self,
        commits: &[CommitInfo],
        opts: &ReadOptions,
        f: F,
    ) -> Result<Vec<R>, Error>
    where
        R: Send,
        F: Fn(&CommitInfo, ChangeSet, CommitWork) -> R + Sync,
    {
        let sync = self.repo.clone().into_sync();
        let plans = plan_all(&sync, commits)?;
        let work: Vec<(&CommitInfo, (Vec<Planned>, CommitWork))> =
            commits.iter().zip(plans).collect();
        par_map(
            &sync,
            BLOB_CACHES,
            work,
            |repo, (commit, (changes, work))| {
                let mut cs = ChangeSet::new(Origin::Range {
                    base: commit.parent.map(|p| p.to_string()).unwrap_or_default(),
                    head: commit.id.to_string(),
                });
                for p in changes {
                    let mut fc = file_change(repo, p.change, opts, &mut cs.notes)?;
                    if !p.others.is_empty() && fc.new.is_some() {
                        let limit = content_limit(&fc.path, opts.max_file_size);
                        let others = p
                            .others
                            .into_iter()
                            .map(|e| read_side(repo, e, limit))
                            .collect::<Result<_, _>>()?;
                        fc = fc.with_other_parents(others);
                    }
                    cs.files.push(fc);
                }
                cs.files.sort_by(|a, b| a.path.cmp(&b.path));
                Ok(f(commit, cs, work))
            },
        )
    }
}

fn commit_tree(repo: &gix::Repository, id: ObjectId) -> Result<ObjectId, Error> {
    Ok(repo
        .find_commit(id)
        .and_then(|c| c.tree_id())
        .map_err(Error::git("reading a commit's tree"))?
        .detach())
}

/// The tree diff of one commit against its first parent, narrowed for a merge.
fn plan(
    repo: &mut gix::Repository,
    commit: &CommitInfo,
) -> Result<(Vec<Planned>, CommitWork), Error> {
    let new = commit_tree(repo, commit.id)?;
    let old = commit.parent.map(|p| commit_tree(repo, p)).transpose()?;
    let mut raw = Vec::new();
    diff::trees(repo, old, Some(new), BStr::new(""), &mut raw)?;
    let mut work = CommitWork {
        merge: commit.parents.len() > 1,
        ..CommitWork::default()
    };
    if !work.merge {
        let planned = diff::pair_renames(raw)
            .into_iter()
            .map(|change| Planned {
                change,
                others: Vec::new(),
            })
            .collect();
        return Ok((planned, work));
    }
    let others: Vec<ObjectId> = commit.parents[1..]
        .iter()
        .map(|&p| commit_tree(repo, p))
        .collect::<Result<_, _>>()?;
    let mut kept = Vec::new();
    for mut change in raw {
        let mut versions = Vec::with_capacity(others.len());
        for &tree in &others {
            versions.push(entry_at(repo, tree, change.path.as_bstr())?);
        }
        if versions.contains(&change.new) {
            work.from_parents += 1;
            continue;
        }
        let mut versions: Vec<Entry> = versions
            .into_iter()
            .flatten()
            .filter(|e| e.kind != Kind::Commit)
            .collect();
        // New to the first parent but not to another: judge it against that parent.
        if change.old.is_none() && !versions.is_empty() {
            change.old = Some(versions.remove(0));
        }
        kept.push(Planned {
            change,
            others: versions,
        });
    }
    Ok((kept, work))
}

/// The entry at `path` in `tree`, if it is not a directory.
fn entry_at(repo: &gix::Repository, tree: ObjectId, path: &BStr) -> Result<Option<Entry>, Error> {
    let tree = repo
        .find_tree(tree)
        .map_err(|source| Error::MissingObject { id: tree, source })?;
    let entry = tree
        .lookup_entry(path.split_str("/"))
        .map_err(Error::git("looking up a path in a parent"))?;
    Ok(entry.and_then(|e| {
        diff::Kind::from_tree(e.mode()).map(|kind| Entry {
            kind,
            id: e.object_id(),
        })
    }))
}
