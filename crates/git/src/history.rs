//! Every blob reachable from any reference, each once, with the first commit and path
//! where it appeared; read in parallel with one gix handle per thread.

use std::collections::HashSet;

use gix::bstr::{BStr, ByteSlice};
use gix::ObjectId;
use scopecheck_core::{Content, FileMode, Side};

use crate::diff::{self, Kind};
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
}

impl Repo {
    /// Walks every commit reachable from any reference, oldest first, and lists each blob
    /// the first time a commit introduces it (compared to its first parent). Returns the
    /// blobs and the number of commits walked.
    pub fn history_blobs(&self) -> Result<(Vec<HistoryBlob>, usize), Error> {
        // Each commit's tree is read again as the next commit's parent tree: cache
        // decoded objects instead of inflating them twice.
        let mut repo = self.repo.clone();
        repo.object_cache_size(64 * 1024 * 1024);
        with_pack_cache(&mut repo);
        let repo = &repo;
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
        let walk = repo
            .rev_walk(tips)
            .all()
            .map_err(Error::git("walking history"))?;
        for info in walk {
            let info = info.map_err(Error::git("walking history"))?;
            commits.push(info.id);
        }
        // The walk yields newest first; attribute each blob to the oldest commit.
        commits.reverse();
        let mut seen: HashSet<ObjectId> = HashSet::new();
        let mut blobs = Vec::new();
        for &id in &commits {
            let commit = repo
                .find_commit(id)
                .map_err(Error::git("reading a commit"))?;
            let tree = commit
                .tree_id()
                .map_err(Error::git("reading a commit"))?
                .detach();
            let parent_tree = match commit.parent_ids().next() {
                Some(p) => Some(
                    repo.find_commit(p.detach())
                        .and_then(|c| c.tree_id())
                        .map_err(Error::git("reading a parent commit"))?
                        .detach(),
                ),
                None => None,
            };
            let mut changes = Vec::new();
            diff::trees(repo, parent_tree, Some(tree), BStr::new(""), &mut changes)?;
            for c in changes {
                let Some(new) = c.new else { continue };
                if new.kind == Kind::Commit || !seen.insert(new.id) {
                    continue;
                }
                blobs.push(HistoryBlob {
                    id: new.id,
                    path: c.path.to_str_lossy().into_owned(),
                    commit: id,
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
    /// `f`. `progress(done, total)` is called as blobs complete.
    pub fn map_blobs<R, F>(
        &self,
        blobs: &[HistoryBlob],
        opts: &ReadOptions,
        f: F,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<R>, Error>
    where
        R: Send,
        F: Fn(&HistoryBlob, Side) -> R + Sync,
    {
        use rayon::prelude::*;
        use std::sync::atomic::{AtomicUsize, Ordering};

        let sync = self.repo.clone().into_sync();
        let done = AtomicUsize::new(0);
        let total = blobs.len();
        blobs
            .par_iter()
            .map_init(
                || {
                    let mut r = sync.to_thread_local();
                    // Blobs are read once each; the cache serves delta bases in packs.
                    r.object_cache_size(16 * 1024 * 1024);
                    with_pack_cache(&mut r);
                    r
                },
                |repo, blob| {
                    let missing = |source| Error::MissingObject {
                        id: blob.id,
                        source,
                    };
                    // One read per blob: a separate header lookup would inflate the
                    // object's start a second time. Oversized blobs are dropped after
                    // reading, so memory stays bounded by the largest file.
                    let data =
                        crate::owned(repo.find_blob(blob.id).map_err(missing)?.detach().data);
                    let size = data.len() as u64;
                    let content = if size > opts.max_file_size {
                        Content::TooLarge
                    } else {
                        Content::Loaded(data)
                    };
                    let side = Side {
                        id: blob.id.to_string(),
                        mode: blob.mode,
                        size,
                        content,
                    };
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_multiple_of(256) || n == total {
                        progress(n, total);
                    }
                    Ok(f(blob, side))
                },
            )
            .collect()
    }
}

/// Successive versions of a file are stored as deltas on each other: without a cache of
/// delta bases every version re-inflates its whole chain.
fn with_pack_cache(repo: &mut gix::Repository) {
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            96 * 1024 * 1024,
        ))
    });
}
