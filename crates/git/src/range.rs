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

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use gix::bstr::{BStr, BString};
use gix::ObjectId;
use scopecheck_core::checks::content_limit;
use scopecheck_core::{ChangeSet, Origin};

use crate::diff::Src;
use crate::diff::{self, Entry, Kind, MergeChange, RawChange};
use crate::packs::{PackReader, Packs};
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

/// Bytes of decoded objects a thread's pack reader keeps for reading blobs: a commit's
/// new blob is often the next commit's old one. The chain ends every version of a file is
/// built from are kept apart, shared by all threads (see [`Packs`]).
pub(crate) const BLOB_CACHE: usize = 8 << 20;

/// The same for a range's commits, whose reads are planned ([`PackReader::plan`]).
const PLANNED_BLOB_CACHE: usize = 9 << 20;

/// The same for walking trees: every commit reads the root tree and the trees on its
/// changed paths again, each a delta of its neighbours.
pub(crate) const TREE_CACHE: usize = 24 << 20;

/// gix's own caches, for what the pack reader leaves to it: commits (rarely deltified),
/// loose objects, a merge's parent trees. Small, since every byte is per thread and a
/// range scan's memory budget goes to the shared chain ends.
const GIX_PACK_CACHE: usize = 2 << 20;
const GIX_OBJECT_CACHE: usize = 1 << 20;

fn thread_repo(sync: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut repo = sync.to_thread_local();
    repo.object_cache_size(GIX_OBJECT_CACHE);
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            GIX_PACK_CACHE,
        ))
    });
    repo
}

/// One thread's way into the repository: a gix handle and, when the caller opened the
/// packs, a reader that caches every delta base it decodes.
pub(crate) struct Handle {
    pub repo: gix::Repository,
    pub packs: RefCell<PackReader>,
}

impl Handle {
    /// A commit's tree and parents: from the packs, else through gix.
    pub(crate) fn commit_links(&self, id: ObjectId) -> Result<(ObjectId, Vec<ObjectId>), Error> {
        if let Some(links) = self.packs.borrow_mut().commit_links(&id) {
            return Ok(links);
        }
        let commit = self
            .repo
            .find_commit(id)
            .map_err(Error::git("reading a commit"))?;
        let tree = commit
            .tree_id()
            .map_err(Error::git("reading a commit"))?
            .detach();
        Ok((tree, commit.parent_ids().map(|p| p.detach()).collect()))
    }

    /// Where to read trees from.
    pub(crate) fn src(&self) -> Src<'_> {
        Src {
            repo: &self.repo,
            packs: Some(&self.packs),
        }
    }
}

/// The order a piece of [`par_map`] is walked in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// As given (blobs already sorted by where they sit in the pack).
    AsGiven,
    /// Commits given oldest first, walked newest first, as `git log` walks: git stores a
    /// file's (and a tree's) older versions as deltas of newer ones, so walking back in
    /// time each version is one delta away from the one just read. Walking forward,
    /// every version re-inflated its chain from the newest base (a quarter of a range
    /// scan's time).
    NewestFirst,
}

/// The blobs an item will read, in the order it reads them.
pub(crate) type Reads<'a, T> = &'a (dyn Fn(&T, &mut Vec<ObjectId>) + Sync);

/// Maps `items` on every core, in contiguous pieces taken in order by one worker per
/// thread, each piece with one [`Handle`] whose caches stay warm along it (rayon's
/// `map_init` would start a cold handle for every split it makes, and cold caches
/// re-inflate every delta chain). With `reads`, each piece's reader is told its reads
/// up front ([`PackReader::plan`]). The results come back in the order of `items`.
///
/// Pieces shrink as the work runs out ([`pieces`], sized by `weight`), so no thread is
/// left alone with a long last piece: with a few equal pieces per thread, the last one
/// of a range's commits ran alone for a tenth of the scan. (A handle kept from piece to
/// piece was no faster and held ~15 MiB more at the peak.)
// The handles' sources, the order and the cost of items, and the planned reads are each
// their own concern; a struct bundling them would only rename the arguments.
#[allow(clippy::too_many_arguments)]
pub(crate) fn par_map<T, R, F>(
    sync: &gix::ThreadSafeRepository,
    cache: usize,
    packs: &Arc<Packs>,
    walk: Walk,
    mut items: Vec<T>,
    weight: impl Fn(&T) -> usize,
    reads: Option<Reads<'_, T>>,
    f: F,
) -> Result<Vec<R>, Error>
where
    T: Send,
    R: Send,
    F: Fn(&mut Handle, T) -> Result<R, Error> + Sync,
{
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Mutex, PoisonError};

    if walk == Walk::NewestFirst {
        items.reverse();
    }
    let threads = rayon::current_num_threads().max(1);
    let weights: Vec<usize> = items.iter().map(|t| weight(t).max(1)).collect();
    let mut rest = items.into_iter();
    // Each piece is taken by exactly one worker; the mutexes only hand it over.
    let pieces: Vec<Mutex<Vec<T>>> = pieces(&weights, threads)
        .into_iter()
        .map(|n| Mutex::new(rest.by_ref().take(n).collect()))
        .collect();
    let done: Vec<Mutex<Vec<R>>> = pieces.iter().map(|_| Mutex::default()).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    rayon::scope(|s| {
        for _ in 0..threads.min(pieces.len()) {
            s.spawn(|_| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(piece) = pieces.get(i) else { break };
                    let piece =
                        std::mem::take(&mut *piece.lock().unwrap_or_else(PoisonError::into_inner));
                    let mut handle = Handle {
                        repo: thread_repo(sync),
                        packs: RefCell::new(packs.reader(cache)),
                    };
                    let h = &mut handle;
                    if let Some(reads) = reads {
                        let mut ids = Vec::new();
                        for t in &piece {
                            reads(t, &mut ids);
                        }
                        h.packs.get_mut().plan(&ids);
                    }
                    match piece.into_iter().map(|t| f(h, t)).collect() {
                        Ok(out) => *done[i].lock().unwrap_or_else(PoisonError::into_inner) = out,
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            failed
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(e);
    }
    let mut done: Vec<R> = done
        .into_iter()
        .flat_map(|d| d.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect();
    if walk == Walk::NewestFirst {
        done.reverse();
    }
    Ok(done)
}

/// The lengths of the pieces [`par_map`] cuts items of `weights` into for `threads`
/// workers: each piece a share of what is left (guided self-scheduling), so they start
/// long, for warm caches, and end short, so the workers finish together; never below
/// a small share of the whole, so the last pieces are not all handover.
fn pieces(weights: &[usize], threads: usize) -> Vec<usize> {
    let total: usize = weights.iter().sum();
    let floor = (total / (threads * 32)).max(1);
    let mut left = total;
    let mut out = Vec::new();
    let mut at = 0;
    while at < weights.len() {
        let target = (left / (threads * 2)).max(floor);
        let (mut n, mut w) = (0, 0);
        while at + n < weights.len() && (n == 0 || w < target) {
            w += weights[at + n];
            n += 1;
        }
        out.push(n);
        left -= w;
        at += n;
    }
    out
}

/// Each commit's changes against its first parent (a merge's narrowed to what differs
/// from every parent), a change repeated from an earlier commit left out.
fn plan_all(
    sync: &gix::ThreadSafeRepository,
    packs: &Arc<Packs>,
    commits: &[CommitInfo],
) -> Result<Vec<(Vec<Planned>, CommitWork)>, Error> {
    // Most parents are commits of the range, whose trees the walk already read.
    let trees: HashMap<ObjectId, ObjectId> = commits.iter().map(|c| (c.id, c.tree)).collect();
    let plans = par_map(
        sync,
        TREE_CACHE,
        packs,
        Walk::NewestFirst,
        commits.iter().collect(),
        // A merge is diffed against each parent.
        |c| c.parents.len(),
        None,
        |h, c| plan(h, c, &trees),
    )?;
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
        let packs = self.packs();
        let plans = plan_all(&sync, packs, commits)?;
        // The walk's tree caches are gone: without this their memory stays in the
        // workers' arenas under the blob reads' peak (6–8 MiB more on git.git's range).
        crate::give_back_freed_memory();
        let work: Vec<(&CommitInfo, (Vec<Planned>, CommitWork))> =
            commits.iter().zip(plans).collect();
        par_map(
            &sync,
            PLANNED_BLOB_CACHE,
            packs,
            Walk::NewestFirst,
            work,
            // Mostly the blobs read: the old and new side of each change.
            |(_, (changes, _))| 1 + changes.iter().map(|p| 2 + p.others.len()).sum::<usize>(),
            Some(&|(_, (changes, _)), ids| {
                for p in changes {
                    blob_reads(p, ids);
                }
            }),
            |handle, (commit, (changes, work))| {
                let mut cs = ChangeSet::new(Origin::Range {
                    base: commit.parent.map(|p| p.to_string()).unwrap_or_default(),
                    head: commit.id.to_string(),
                });
                for p in changes {
                    let mut fc = file_change(
                        &handle.repo,
                        Some(&handle.packs),
                        p.change,
                        opts,
                        &mut cs.notes,
                    )?;
                    if !p.others.is_empty() && fc.new.is_some() {
                        let limit = content_limit(&fc.path, opts.max_file_size);
                        let others = p
                            .others
                            .into_iter()
                            .map(|e| read_side(&handle.repo, Some(&handle.packs), e, limit))
                            .collect::<Result<_, _>>()?;
                        fc = fc.with_other_parents(others);
                    }
                    cs.files.push(fc);
                }
                cs.files.sort_by(|a, b| a.path.cmp(&b.path));
                crate::context::from_tree(&handle.src(), commit.tree, &mut cs)?;
                Ok(f(commit, cs, work))
            },
        )
    }
}

/// The blobs reading a planned change takes, in the order [`Repo::map_commits`] reads
/// them: the new side, the old side, then other parents' versions.
fn blob_reads(p: &Planned, ids: &mut Vec<ObjectId>) {
    let blob = |e: &Entry| (e.kind != Kind::Commit).then_some(e.id);
    ids.extend(p.change.new.as_ref().and_then(blob));
    ids.extend(p.change.old.as_ref().and_then(blob));
    if p.change.new.is_some() {
        ids.extend(p.others.iter().filter_map(blob));
    }
}

/// The tree of commit `id`, from `trees` when the range has it.
fn commit_tree(
    h: &Handle,
    id: ObjectId,
    trees: &HashMap<ObjectId, ObjectId>,
) -> Result<ObjectId, Error> {
    match trees.get(&id) {
        Some(&tree) => Ok(tree),
        None => Ok(h.commit_links(id)?.0),
    }
}

/// The tree diff of one commit against its first parent, narrowed for a merge.
fn plan(
    h: &Handle,
    commit: &CommitInfo,
    trees: &HashMap<ObjectId, ObjectId>,
) -> Result<(Vec<Planned>, CommitWork), Error> {
    let new = commit.tree;
    let old = commit
        .parent
        .map(|p| commit_tree(h, p, trees))
        .transpose()?;
    let mut work = CommitWork {
        merge: commit.parents.len() > 1,
        ..CommitWork::default()
    };
    if !work.merge {
        let mut raw = Vec::new();
        diff::trees(&h.src(), old, Some(new), BStr::new(""), &mut raw)?;
        let planned = diff::pair_renames(raw)
            .into_iter()
            .map(|change| Planned {
                change,
                others: Vec::new(),
            })
            .collect();
        return Ok((planned, work));
    }
    let others: Vec<Option<ObjectId>> = commit.parents[1..]
        .iter()
        .map(|&p| commit_tree(h, p, trees).map(Some))
        .collect::<Result<_, _>>()?;
    let mut changes = Vec::new();
    diff::merge_trees(
        &h.src(),
        old,
        &others,
        Some(new),
        BStr::new(""),
        &mut changes,
        &mut work.from_parents,
    )?;
    let kept = changes
        .into_iter()
        .map(|MergeChange { mut change, others }| {
            let mut versions: Vec<Entry> = others
                .into_iter()
                .flatten()
                .filter(|e| e.kind != Kind::Commit)
                .collect();
            // New to the first parent but not to another: judge it against that parent.
            if change.old.is_none() && !versions.is_empty() {
                change.old = Some(versions.remove(0));
            }
            Planned {
                change,
                others: versions,
            }
        })
        .collect();
    Ok((kept, work))
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_cover_every_item_once_and_shrink_towards_the_end() {
        for (weights, threads) in [
            (vec![1; 4045], 2),
            (vec![1; 7], 2),
            (vec![1], 4),
            (
                (0..3000).map(|i| 1 + (i * 7919) % 40).collect::<Vec<_>>(),
                2,
            ),
            (
                (0..500)
                    .map(|i| if i % 97 == 0 { 400 } else { 1 })
                    .collect(),
                8,
            ),
        ] {
            let cut = pieces(&weights, threads);
            assert_eq!(cut.iter().sum::<usize>(), weights.len());
            assert!(cut.iter().all(|&n| n > 0));
            let total: usize = weights.iter().sum();
            let mut at = 0;
            let sizes: Vec<usize> = cut
                .iter()
                .map(|&n| {
                    at += n;
                    weights[at - n..at].iter().sum()
                })
                .collect();
            // The first piece is a share of the whole; the last ones are small, so no
            // worker is left with much when the others run out.
            assert!(sizes[0] <= total / (threads * 2) + 400, "{sizes:?}");
            let last = sizes[sizes.len() - 1];
            assert!(last <= (total / (threads * 32)).max(1) + 400, "{sizes:?}");
        }
        assert!(pieces(&[], 2).is_empty());
    }
}
