//! scopecheck-git: turns a git repository into [`ChangeSet`]s for `scopecheck-core`.
//!
//! It reads objects only (the index and the object database), never the working tree,
//! and never writes: no stash, no checkout, no index refresh.
//!
//! - [`Repo::staged`]: the index against `HEAD`, i.e. exactly what `git commit` would
//!   record. Honours `GIT_INDEX_FILE`, so `git commit -a` and `git commit <path>` (which
//!   commit from a temporary index) are judged by what they really commit.
//! - [`Repo::range`]: the difference between two revisions (`A..B`).
#![deny(missing_docs)]

mod commits;
mod context;
mod diff;
mod error;
mod history;
mod packs;
mod range;

use packs::PackReader;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use gix::bstr::{BStr, ByteSlice};
use scopecheck_core::checks::content_limit;
use scopecheck_core::{ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Side};

pub use commits::CommitInfo;
pub use error::Error;
pub use gix::ObjectId;
pub use history::HistoryBlob;
pub use range::CommitWork;

use diff::{Entry, Kind, RawChange};

/// Decoded objects the main handle keeps by id.
const OBJECT_CACHE: usize = 2 * 1024 * 1024;

/// How blobs are read into a [`ChangeSet`].
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Blobs larger than this are not read ([`Content::TooLarge`]).
    pub max_file_size: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_size: 1024 * 1024,
        }
    }
}

/// A repository opened the way git opens it for a hook (honouring `GIT_DIR`,
/// `GIT_WORK_TREE`, `GIT_INDEX_FILE`).
pub struct Repo {
    repo: gix::Repository,
    /// Decoded once: the policy lookup and the diff both read it, and on a large
    /// repository decoding the index is the biggest cost of a pre-commit run.
    index: std::cell::OnceCell<gix::index::File>,
    /// `HEAD` as first resolved. A hook asks for it several times (policy, signers,
    /// audit); one answer per run is both cheaper and consistent, should a concurrent
    /// process move the branch meanwhile.
    head: std::cell::OnceCell<Option<ObjectId>>,
    /// The pack files for range and history reads, opened on first use (a pre-commit
    /// run reads a handful of objects and does not pay for it) and then shared, so every
    /// read of a run goes through one mapping of each pack.
    packs: std::cell::OnceCell<std::sync::Arc<packs::Packs>>,
    /// The main thread's reader of those packs and of loose objects: every object a hook
    /// reads goes through it, so gix's object store (which validates each pack index in
    /// full when it loads it) is opened only when the reader cannot answer.
    reader: std::cell::OnceCell<RefCell<PackReader>>,
}

impl Repo {
    /// Finds the repository containing `dir`, like git does (linked worktrees and
    /// subdirectories included), applying git's environment overrides.
    pub fn discover(dir: &Path) -> Result<Repo, Error> {
        // Replace refs (`git replace`) let a local ref swap one object for another: a
        // gate that honoured them would judge a tree other than the one git commits and
        // pushes. Like git's own plumbing under GIT_NO_REPLACE_OBJECTS, ignore them.
        let no_replace = |o: gix::open::Options| o.cli_overrides(["core.useReplaceRefs=false"]);
        let defaults = gix::sec::trust::Mapping::<gix::open::Options>::default();
        let trust = gix::sec::trust::Mapping {
            full: no_replace(defaults.full),
            reduced: no_replace(defaults.reduced),
        };
        let repo = gix::ThreadSafeRepository::discover_with_environment_overrides_opts(
            dir,
            Default::default(),
            trust,
        )
        .map_err(|source| Error::NotARepository {
            path: dir.to_owned(),
            source,
        })?
        .to_thread_local();
        // A hook resolves `HEAD` and looks up several files in its tree (policy, work
        // order, signers, each staged file's old side): keep decoded trees instead of
        // inflating the root tree's delta chain for every lookup.
        let mut repo = repo;
        repo.object_cache_size(OBJECT_CACHE);
        Ok(Repo {
            repo,
            index: std::cell::OnceCell::new(),
            head: std::cell::OnceCell::new(),
            packs: std::cell::OnceCell::new(),
            reader: std::cell::OnceCell::new(),
        })
    }

    /// The top of the working tree, `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The repository's `.git` directory (for a linked worktree, its private one).
    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// The directory shared by all worktrees.
    pub fn common_dir(&self) -> &Path {
        self.repo.common_dir()
    }

    /// Whether the repository has no working tree.
    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// Whether the repository is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow().unwrap_or(false)
    }

    /// The commit `HEAD` points to, `None` before the first commit.
    pub fn head_commit(&self) -> Result<Option<ObjectId>, Error> {
        if let Some(head) = self.head.get() {
            return Ok(*head);
        }
        let head = self.resolve_head()?;
        Ok(*self.head.get_or_init(|| head))
    }

    fn resolve_head(&self) -> Result<Option<ObjectId>, Error> {
        let mut head = self.repo.head().map_err(Error::git("reading HEAD"))?;
        if head.is_unborn() {
            return Ok(None);
        }
        // A branch names a commit: the reader confirms it. Anything else (a ref to a
        // tag object, a missing object) is gix's to peel or report.
        if let Some(id) = head.id().map(gix::Id::detach) {
            if self.reader().borrow_mut().commit_links(&id).is_some() {
                return Ok(Some(id));
            }
        }
        let commit = head
            .peel_to_commit()
            .map_err(Error::git("resolving HEAD to a commit"))?;
        Ok(Some(commit.id))
    }

    fn head_tree(&self) -> Result<Option<ObjectId>, Error> {
        self.head_commit()?
            .map(|commit| self.commit_tree(commit))
            .transpose()
    }

    /// The tree of commit `id`.
    fn commit_tree(&self, id: ObjectId) -> Result<ObjectId, Error> {
        if let Some((tree, _)) = self.reader().borrow_mut().commit_links(&id) {
            return Ok(tree);
        }
        let tree = self
            .repo
            .find_commit(id)
            .and_then(|c| c.tree_id())
            .map_err(Error::git("reading a commit's tree"))?;
        Ok(tree.detach())
    }

    /// The main thread's object reader.
    fn reader(&self) -> &RefCell<PackReader> {
        self.reader
            .get_or_init(|| RefCell::new(self.packs().reader(range::BLOB_CACHE)))
    }

    /// Where this handle reads trees from.
    fn src(&self) -> diff::Src<'_> {
        diff::Src {
            repo: &self.repo,
            packs: Some(self.reader()),
        }
    }

    /// The blob `id`, whole.
    fn blob(&self, id: ObjectId, what: &'static str) -> Result<Vec<u8>, Error> {
        if let Some(packs::Read::Data(data)) = self.reader().borrow_mut().blob(&id, u64::MAX) {
            return Ok(packs::owned(data));
        }
        let blob = self.repo.find_blob(id).map_err(Error::git(what))?;
        Ok(blob.data.clone())
    }

    fn index(&self) -> Result<&gix::index::File, Error> {
        if let Some(index) = self.index.get() {
            return Ok(index);
        }
        let index = self.open_index()?;
        Ok(self.index.get_or_init(|| index))
    }

    fn open_index(&self) -> Result<gix::index::File, Error> {
        // `index_path` honours GIT_INDEX_FILE (git commit -a / partial commits).
        let path = self.repo.index_path();
        // Like git outside of fsck, skip verifying the trailing checksum: it costs a hash
        // over the whole file, more than decoding it. Structural corruption is still an error.
        // A fresh repository has no index until the first `git add`: that is an empty one.
        gix::index::File::at_or_default(
            &path,
            self.repo.object_hash(),
            true,
            gix::index::decode::Options::default(),
        )
        .map_err(|source| Error::Index { path, source })
    }

    /// The index against `HEAD`: what `git commit` would record right now.
    pub fn staged(&self, opts: &ReadOptions) -> Result<ChangeSet, Error> {
        let index = self.index()?;
        let head = self.head_commit()?;
        let head_tree = self.head_tree()?;
        let mut notes = Vec::new();
        let raw = diff::index_against_tree(self.src(), index, head_tree, &mut notes)?;
        let mut cs = ChangeSet::new(Origin::Staged {
            head: head.map(|h| h.to_string()),
        });
        cs.notes = notes;
        self.load(raw, opts, Some(self.reader()), &mut cs)?;
        context::from_index(&self.src(), index, &mut cs)?;
        Ok(cs)
    }

    /// Every file in the index as if it were new: the tracked (and staged) content, never
    /// an untracked file or an unstaged edit. `keep` chooses the paths.
    pub fn tracked(
        &self,
        opts: &ReadOptions,
        keep: impl Fn(&str) -> bool,
    ) -> Result<ChangeSet, Error> {
        let index = self.index()?;
        let mut notes = Vec::new();
        let mut raw = diff::index_against_tree(self.src(), index, None, &mut notes)?;
        raw.retain(|c| keep(&c.path.to_str_lossy()));
        let mut cs = ChangeSet::new(Origin::Scan);
        cs.notes = notes;
        self.load(raw, opts, Some(self.reader()), &mut cs)?;
        Ok(cs)
    }

    /// The difference between two revisions (anything `git rev-parse` accepts), as
    /// `git diff base head` would show it.
    pub fn range(&self, base: &str, head: &str, opts: &ReadOptions) -> Result<ChangeSet, Error> {
        let (base_id, base_tree) = self.resolve_tree(base)?;
        let (head_id, head_tree) = self.resolve_tree(head)?;
        let mut cs = ChangeSet::new(Origin::Range {
            base: base_id.to_string(),
            head: head_id.to_string(),
        });
        let mut raw = Vec::new();
        diff::trees(
            &self.src(),
            Some(base_tree),
            Some(head_tree),
            BStr::new(""),
            &mut raw,
        )?;
        self.load(raw, opts, Some(self.reader()), &mut cs)?;
        context::from_tree(&self.src(), head_tree, &mut cs)?;
        Ok(cs)
    }

    fn resolve_tree(&self, rev: &str) -> Result<(ObjectId, ObjectId), Error> {
        if rev == "HEAD" {
            if let Some(commit) = self.head_commit()? {
                return Ok((commit, self.commit_tree(commit)?));
            }
        }
        // A full commit id (how hooks pass revisions around) needs no rev-parse.
        if let Ok(id) = ObjectId::from_hex(rev.as_bytes()) {
            if let Some((tree, _)) = self.reader().borrow_mut().commit_links(&id) {
                return Ok((id, tree));
            }
        }
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|source| Error::Revision {
                rev: rev.to_owned(),
                source,
            })?;
        let object = id.object().map_err(Error::git("reading a revision"))?;
        let tree = object.peel_to_tree().map_err(|source| Error::Revision {
            rev: rev.to_owned(),
            source,
        })?;
        Ok((id.detach(), tree.id))
    }

    /// The contents of `path` as staged in the index, `None` when it is not staged.
    pub fn staged_file(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let index = self.index()?;
        let Some(entry) = index.entry_by_path(path.as_bytes().as_bstr()) else {
            return Ok(None);
        };
        self.blob(entry.id, "reading a staged file").map(Some)
    }

    /// The contents of `path` in the tree of revision `rev`, `None` when absent.
    pub fn file_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let (_, tree) = self.resolve_tree(rev)?;
        match diff::entry_at(&self.src(), tree, path.as_bytes().as_bstr())? {
            Some((mode, id)) if mode.is_blob() => self.blob(id, "reading a file").map(Some),
            _ => Ok(None),
        }
    }

    /// Where git runs hooks from: `core.hooksPath` if set (relative paths are relative to
    /// the top of the working tree, as git reads them), else `<common dir>/hooks`.
    pub fn hooks_dir(&self) -> Result<PathBuf, Error> {
        let configured = self
            .repo
            .config_snapshot()
            .trusted_path("core.hooksPath")
            .map_err(Error::git("reading core.hooksPath"))?;
        Ok(match configured {
            Some(p) if p.is_absolute() => p,
            Some(p) => self.workdir().unwrap_or_else(|| self.common_dir()).join(p),
            None => self.common_dir().join("hooks"),
        })
    }

    /// A second handle on the same repository, for work on another thread (a handle's
    /// caches are not shared between threads). Cheap: gix shares the object store.
    pub fn for_another_thread(&self) -> Repo {
        Repo {
            repo: self.repo.clone(),
            index: std::cell::OnceCell::new(),
            head: self.head.clone(),
            packs: std::cell::OnceCell::new(),
            reader: std::cell::OnceCell::new(),
        }
    }

    /// The repository's packs, opened once.
    pub(crate) fn packs(&self) -> &std::sync::Arc<packs::Packs> {
        self.packs
            .get_or_init(|| std::sync::Arc::new(packs::Packs::open(&self.repo)))
    }

    fn load(
        &self,
        raw: Vec<RawChange>,
        opts: &ReadOptions,
        packs: Option<&RefCell<PackReader>>,
        cs: &mut ChangeSet,
    ) -> Result<(), Error> {
        for change in diff::pair_renames(raw) {
            let fc = file_change(&self.repo, packs, change, opts, &mut cs.notes)?;
            cs.files.push(fc);
        }
        cs.files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(())
    }
}

/// Reads both sides of a change (through `repo`, which may be a thread's own handle).
pub(crate) fn file_change(
    repo: &gix::Repository,
    packs: Option<&RefCell<PackReader>>,
    change: RawChange,
    opts: &ReadOptions,
    notes: &mut Vec<String>,
) -> Result<FileChange, Error> {
    let path = change.path.to_str_lossy().into_owned();
    let old_path = change
        .old_path
        .as_ref()
        .map(|p| p.to_str_lossy().into_owned());
    let status = match (&change.old, &change.new) {
        (None, Some(_)) => ChangeStatus::Added,
        (Some(_), None) => ChangeStatus::Deleted,
        (Some(_), Some(_)) if old_path.is_some() => ChangeStatus::Renamed,
        (Some(o), Some(n)) if o.kind != n.kind && !(o.kind.is_file() && n.kind.is_file()) => {
            ChangeStatus::TypeChanged
        }
        _ => ChangeStatus::Modified,
    };
    for side in [&change.old, &change.new].into_iter().flatten() {
        if side.kind == Kind::Commit {
            notes.push(format!(
                "{path}: submodule entry (commit {}) skipped: submodules are checked in their own repository",
                side.id.to_hex_with_len(12)
            ));
        }
    }
    let old_limit = content_limit(old_path.as_deref().unwrap_or(&path), opts.max_file_size);
    let new_limit = content_limit(&path, opts.max_file_size);
    // New first: git stores a file's older versions as deltas of its newer ones, and the
    // pack cache keeps the object just decoded, so the old side then costs one delta.
    let new = change
        .new
        .map(|e| read_side(repo, packs, e, new_limit))
        .transpose()?;
    let old = change
        .old
        .map(|e| read_side(repo, packs, e, old_limit))
        .transpose()?;
    Ok(FileChange::new(path, old_path, status, old, new))
}

pub(crate) fn read_side(
    repo: &gix::Repository,
    packs: Option<&RefCell<PackReader>>,
    e: Entry,
    limit: u64,
) -> Result<Side, Error> {
    let mode = match e.kind {
        Kind::File => FileMode::Regular,
        Kind::Executable => FileMode::Executable,
        Kind::Link => FileMode::Symlink,
        Kind::Commit => {
            return Ok(Side {
                id: e.id.to_string(),
                mode: FileMode::Submodule,
                size: 0,
                content: Content::NotApplicable,
            })
        }
    };
    let (size, content) = match packs.and_then(|p| p.borrow_mut().blob(&e.id, limit)) {
        Some(packs::Read::Data(data)) => (data.len() as u64, Content::Loaded(data)),
        Some(packs::Read::TooLarge(size)) => (size, Content::TooLarge),
        None => {
            let missing = |source| Error::MissingObject { id: e.id, source };
            // The header alone says whether the blob is too large to read (cheap even
            // for a deltified blob: only the chain's headers are inflated).
            let size = repo.find_header(e.id).map_err(missing)?.size();
            if size > limit {
                (size, Content::TooLarge)
            } else {
                let blob = repo.find_blob(e.id).map_err(missing)?;
                (size, Content::Loaded(owned(blob).into()))
            }
        }
    };
    Ok(Side {
        id: e.id.to_string(),
        mode,
        size,
        content,
    })
}

/// A blob's bytes, copied out of the buffer they were decoded in. That buffer goes back to
/// the handle for the next read: resolving a delta chain needs room for two full versions
/// plus every delta (70 MiB for a 1 MiB translation file in git.git), and allocating,
/// zeroing and faulting in such a buffer for every blob cost more than copying the result.
pub(crate) fn owned(blob: gix::Blob<'_>) -> Vec<u8> {
    blob.data.to_vec()
}

/// Lossy UTF-8 for messages.
pub(crate) fn show(path: &BStr) -> String {
    path.to_str_lossy().into_owned()
}

/// Returns freed heap memory to the system. glibc keeps what a thread freed in that
/// thread's arena for later reuse; a long scan whose threads allocate and free buffers of
/// every size holds on to hundreds of MiB that way, and one read phase's freed caches
/// would stay under the next phase's peak.
pub fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
