//! Commits and ranges for the pre-push and CI front ends.

use gix::bstr::{BStr, ByteSlice};
use gix::ObjectId;
use scopecheck_core::{ChangeSet, Origin};

use crate::diff;
use crate::{Error, ReadOptions, Repo};

/// Changed files above which a range's files are read on every core.
const PARALLEL_READ: usize = 64;

/// A commit in a range.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Its id.
    pub id: ObjectId,
    /// Its full message.
    pub message: String,
    /// Its tree.
    pub tree: ObjectId,
    /// Its first parent, `None` for a root commit.
    pub parent: Option<ObjectId>,
    /// All its parents, first parent first (more than one for a merge).
    pub parents: Vec<ObjectId>,
}

impl Repo {
    /// The commit a revision names (tags peeled).
    pub fn resolve_commit(&self, rev: &str) -> Result<ObjectId, Error> {
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|source| Error::Revision {
                rev: rev.to_owned(),
                source,
            })?;
        let commit = id
            .object()
            .and_then(|o| o.peel_to_commit())
            .map_err(|source| Error::Revision {
                rev: rev.to_owned(),
                source,
            })?;
        Ok(commit.id)
    }

    /// Whether the object exists locally.
    pub fn has_object(&self, id: ObjectId) -> bool {
        self.repo.has_object(id)
    }

    /// The best common ancestor of two commits, if any.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>, Error> {
        Ok(self
            .repo
            .merge_base(a, b)
            .map_err(Error::git("computing the merge base"))?
            .map(|id| id.detach()))
    }

    /// Commits reachable from `tip` but from none of `hidden`, oldest first.
    pub fn commits_between(
        &self,
        hidden: &[ObjectId],
        tip: ObjectId,
    ) -> Result<Vec<CommitInfo>, Error> {
        let walk = self
            .repo
            .rev_walk([tip])
            .with_hidden(hidden.iter().copied())
            .all()
            .map_err(Error::git("walking commits"))?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(Error::git("walking commits"))?;
            let commit = self
                .repo
                .find_commit(info.id)
                .map_err(Error::git("reading a commit"))?;
            let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
            let tree = commit
                .tree_id()
                .map_err(Error::git("reading a commit"))?
                .detach();
            out.push(CommitInfo {
                id: info.id,
                tree,
                message: commit.message_raw_sloppy().to_str_lossy().into_owned(),
                parent: parents.first().copied(),
                parents,
            });
        }
        out.reverse();
        Ok(out)
    }

    /// The difference between two commits by id; no base means "everything in `head`".
    pub fn range_ids(
        &self,
        base: Option<ObjectId>,
        head: ObjectId,
        opts: &ReadOptions,
    ) -> Result<ChangeSet, Error> {
        let tree = |id: ObjectId| -> Result<ObjectId, Error> {
            Ok(self
                .repo
                .find_commit(id)
                .and_then(|c| c.tree_id())
                .map_err(Error::git("reading a commit's tree"))?
                .detach())
        };
        let new = tree(head)?;
        let old = base.map(tree).transpose()?;
        let mut raw = Vec::new();
        diff::trees(
            &diff::Src::from(&self.repo),
            old,
            Some(new),
            BStr::new(""),
            &mut raw,
        )?;
        let mut cs = ChangeSet::new(Origin::Range {
            base: base.map(|b| b.to_string()).unwrap_or_default(),
            head: head.to_string(),
        });
        // A range's files are many and spread over the pack: read them through the
        // pack reader's delta-base cache, as the per-commit reads are, and on every core
        // when there are enough of them to pay for the threads' handles.
        let packs = std::cell::RefCell::new(self.packs().reader(crate::range::BLOB_CACHE));
        if raw.len() < PARALLEL_READ {
            self.load(raw, opts, Some(&packs), &mut cs)?;
        } else {
            let sync = self.repo.clone().into_sync();
            // Each file of the range is a different path, rarely a delta of another:
            // a small cache per handle (the chain ends are shared anyway) keeps the
            // peak down while both threads read.
            let read = crate::range::par_map(
                &sync,
                crate::range::BLOB_CACHE / 8,
                self.packs(),
                crate::range::Walk::AsGiven,
                diff::pair_renames(raw),
                |_| 1,
                None,
                |h, change| {
                    let mut notes = Vec::new();
                    let fc = crate::file_change(&h.repo, Some(&h.packs), change, opts, &mut notes)?;
                    Ok((fc, notes))
                },
            )?;
            for (fc, notes) in read {
                cs.notes.extend(notes);
                cs.files.push(fc);
            }
            cs.files.sort_by(|a, b| a.path.cmp(&b.path));
        }
        let src = diff::Src {
            repo: &self.repo,
            packs: Some(&packs),
        };
        crate::context::from_tree(&src, new, &mut cs)?;
        Ok(cs)
    }

    /// Tips of every remote-tracking branch of `remote` (what the remote is known to have).
    pub fn remote_tips(&self, remote: &str) -> Result<Vec<ObjectId>, Error> {
        let refs = self
            .repo
            .references()
            .map_err(Error::git("listing references"))?;
        let prefix = format!("refs/remotes/{remote}/");
        let mut out = Vec::new();
        for r in refs.all().map_err(Error::git("listing references"))? {
            let Ok(mut r) = r else { continue };
            if !r.name().as_bstr().starts_with(prefix.as_bytes()) {
                continue;
            }
            if let Ok(id) = r.peel_to_id() {
                out.push(id.detach());
            }
        }
        Ok(out)
    }
}
