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
                    r.object_cache_size_if_unset(16 * 1024 * 1024);
                    r
                },
                |repo, blob| {
                    let missing = |source| Error::MissingObject {
                        id: blob.id,
                        source,
                    };
                    let size = repo.find_header(blob.id).map_err(missing)?.size();
                    let content = if size > opts.max_file_size {
                        Content::TooLarge
                    } else {
                        Content::Loaded(repo.find_blob(blob.id).map_err(missing)?.detach().data)
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
