//! Every blob reachable from any reference, each once, with the first commit and path
//! where it appeared; read in parallel with one gix handle per thread.

use std::collections::HashSet;

use gix::bstr::{BStr, BString, ByteSlice};
use gix::ObjectId;
use scopecheck_core::{Content, FileMode, Side};

use crate::diff::{self, Entry, Kind};
use crate::{Error, ReadOptions, Repo};

/// A blob and where it was first seen.
#[derive(Debug, Clone)]
pub struct HistoryBlob {
    /// The blob.
    pub id: ObjectId,
    /// The path it had in `commit`.
    pub path: String,
    /// The oldest commit (in walk order) that introduced it.
    pub commit: ObjectId,
    /// Its file mode there.
    pub mode: FileMode,
    /// The version it replaced at that path in the commit's first parent, if any: what
    /// it shares with that version was scanned when that version was.
    pub previous: Option<ObjectId>,
}

impl Repo {
    /// Walks every commit reachable from any reference, oldest first, and lists each blob
    /// the first time a commit introduces it (compared to its first parent). Returns the
    /// blobs and the number of commits walked.
    pub fn history_blobs(&self) -> Result<(Vec<HistoryBlob>, usize), Error> {
        let repo = &self.repo;
        let refs = repo
            .references()
            .map_err(Error::git("listing references"))?;
        let mut tips: Vec<ObjectId> = Vec::new();
        for r in refs.all().map_err(Error::git("listing references"))? {
            let Ok(mut r) = r else { continue };
            if let Ok(id) = r.peel_to_id() {
                if let Ok(obj) = repo.find_object(id.detach()) {
                    if obj.kind == gix::object::Kind::Commit {
                        tips.push(id.detach());
                    }
                }
            }
        }
        if let Ok(Some(head)) = self.head_commit() {
            tips.push(head);
        }
        tips.sort();
        tips.dedup();
        if tips.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut commits: Vec<ObjectId> = Vec::new();
        // By commit time, as `git log --all` walks: neighbours in the list are neighbours
        // in history, so their trees share delta bases in the cache. (The default
        // breadth-first walk from a thousand tags interleaves distant eras.)
        let walk = repo
            .rev_walk(tips)
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
            ))
            .all()
            .map_err(Error::git("walking history"))?;
        for info in walk {
            let info = info.map_err(Error::git("walking history"))?;
            commits.push(info.id);
        }
        // The walk yields newest first; attribute each blob to the oldest commit.
        commits.reverse();
        // Tree diffs run on every core, a chunk of commits at a time (so memory holds one
        // chunk's changes, not the history's); blobs are kept in commit order, each once.
        let sync = repo.clone().into_sync();
        let mut seen: HashSet<ObjectId> = HashSet::new();
        let mut blobs = Vec::new();
        let packs = self.packs();
        let added = crate::range::par_map(
            &sync,
            crate::range::TREE_CACHE,
            packs,
            crate::range::Walk::AsGiven,
            commits.clone(),
            |_| 1,
            None,
            |h, c| new_sides(h, c),
        )?;
        for (&commit, sides) in commits.iter().zip(added) {
            for (path, new, previous) in sides {
                if new.kind == Kind::Commit || !seen.insert(new.id) {
                    continue;
                }
                blobs.push(HistoryBlob {
                    id: new.id,
                    path: path.to_str_lossy().into_owned(),
                    commit,
                    previous: previous.filter(|p| p.kind != Kind::Commit).map(|p| p.id),
                    mode: match new.kind {
                        Kind::Executable => FileMode::Executable,
                        Kind::Link => FileMode::Symlink,
                        _ => FileMode::Regular,
                    },
                });
            }
        }
        Ok((blobs, commits.len()))
    }

    /// Reads `blobs` in parallel (one repository handle per thread) and maps each with
    /// `f`, together with the version it replaced (see [`HistoryBlob::previous`]).
    /// `progress(done, total)` is called as blobs complete.
    ///
    /// A blob missing from the object database (a blobless or partial clone, a damaged
    /// repository) is not a reason to stop: its result is `None` and the caller reports
    /// it. A missing previous version only means the blob is read as new throughout.
    pub fn map_blobs<R, F>(
        &self,
        blobs: &[HistoryBlob],
        opts: &ReadOptions,
        f: F,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<Option<R>>, Error>
    where
        R: Send,
        F: Fn(&HistoryBlob, Side, Option<Side>) -> R + Sync,
    {
        use std::sync::atomic::{AtomicUsize, Ordering};

        let sync = self.repo.clone().into_sync();
        let done = AtomicUsize::new(0);
        let total = blobs.len();
        // Read in the order the pack stores objects: a delta's base is then usually the
        // object read just before it, still in the delta-base cache, and each thread
        // reads one stretch of the pack instead of jumping around it.
        let order = pack_order(self.packs(), blobs);
        let packs = self.packs();
        let mut results: Vec<(usize, Option<R>)> = crate::range::par_map(
            &sync,
            crate::range::BLOB_CACHE,
            packs,
            crate::range::Walk::AsGiven,
            order,
            |_| 1,
            None,
            |h, i| {
                let blob = &blobs[i];
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(256) || n == total {
                    progress(n, total);
                }
                let side = match read_blob(h, blob.id, blob.mode, opts) {
                    Err(Error::MissingObject { .. }) => return Ok((i, None)),
                    other => other?,
                };
                // The version it replaced is usually its delta base, read a moment ago
                // and still cached.
                let previous = match (blob.previous, &side.content) {
                    (Some(p), Content::Loaded(_)) => match read_blob(h, p, blob.mode, opts) {
                        Err(Error::MissingObject { .. }) => None,
                        other => Some(other?),
                    },
                    _ => None,
                };
                Ok((i, Some(f(blob, side, previous))))
            },
        )?;
        // Back to first-appearance order for the caller.
        results.sort_unstable_by_key(|(i, _)| *i);
        Ok(results.into_iter().map(|(_, r)| r).collect())
    }
}

/// One blob as a side of a change. Through gix it is one read (a separate header lookup
/// would inflate the object's start a second time) and an oversized blob is dropped
/// after reading, so memory stays bounded by the largest file; the pack reader learns
/// the size before inflating anything.
fn read_blob(
    h: &mut crate::range::Handle,
    id: ObjectId,
    mode: FileMode,
    opts: &ReadOptions,
) -> Result<Side, Error> {
    let side = |size, content| Side {
        id: id.to_string(),
        mode,
        size,
        content,
    };
    match h.packs.borrow_mut().blob(&id, opts.max_file_size) {
        Some(crate::packs::Read::Data(data)) => {
            return Ok(side(data.len() as u64, Content::Loaded(data)))
        }
        Some(crate::packs::Read::TooLarge(size)) => return Ok(side(size, Content::TooLarge)),
        None => {}
    }
    // Only an object that is not there is "missing" (and skipped by a history scan); a
    // damaged one that is there is an error, not a blob to pass over in silence.
    let data = crate::owned(h.repo.find_blob(id).map_err(|source| {
        if h.repo.has_object(id) {
            Error::git("reading a blob")(source)
        } else {
            Error::MissingObject { id, source }
        }
    })?);
    let size = data.len() as u64;
    Ok(side(
        size,
        if size > opts.max_file_size {
            Content::TooLarge
        } else {
            Content::Loaded(data.into())
        },
    ))
}

/// Indexes of `blobs` sorted by where their objects sit in the packs (loose objects last).
/// An index lookup each: nothing is inflated to sort.
fn pack_order(packs: &crate::packs::Packs, blobs: &[HistoryBlob]) -> Vec<usize> {
    let mut keyed: Vec<((usize, u64), usize)> = blobs
        .iter()
        .enumerate()
        .map(|(i, b)| (packs.locate(&b.id).unwrap_or((usize::MAX, 0)), i))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The files a commit brings that none of its parents has at the same path (for a merge,
/// only what it adds itself: everything else was listed with the parent it came from).
fn new_sides(
    h: &crate::range::Handle,
    id: ObjectId,
) -> Result<Vec<(BString, Entry, Option<Entry>)>, Error> {
    let (tree, parents) = h.commit_links(id)?;
    let parent_trees = parents
        .into_iter()
        .map(|p| Ok(h.commit_links(p)?.0))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut out = Vec::new();
    diff::new_entries(&h.src(), &parent_trees, tree, BStr::new(""), &mut out)?;
    Ok(out)
}
