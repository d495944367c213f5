//! The adapter's errors, each saying what was being read.

use std::path::PathBuf;

use gix::ObjectId;

/// Why a repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No repository at or above the directory.
    #[error("{} is not inside a git repository", path.display())]
    NotARepository {
        /// Where the search started.
        path: PathBuf,
        /// What gix said.
        #[source]
        source: gix::Error,
    },
    /// The index file could not be read.
    #[error("cannot read the index {}", path.display())]
    Index {
        /// The index file (honours `GIT_INDEX_FILE`).
        path: PathBuf,
        /// What gix said.
        #[source]
        source: gix::Error,
    },
    /// A revision did not resolve.
    #[error("cannot resolve revision `{rev}`")]
    Revision {
        /// The revision as given.
        rev: String,
        /// What gix said.
        #[source]
        source: gix::Error,
    },
    /// An object the change refers to is not in the object database (corrupt
    /// repository, or a partial clone without its promisor remote).
    #[error("object {id} is missing from the object database")]
    MissingObject {
        /// The missing object.
        id: ObjectId,
        /// What gix said.
        #[source]
        source: gix::Error,
    },
    /// A tree could not be decoded.
    #[error("tree {id} is corrupt")]
    CorruptTree {
        /// The tree.
        id: ObjectId,
    },
    /// Anything else gix reported, with what was being done.
    #[error("{context}")]
    Git {
        /// What was being done.
        context: &'static str,
        /// What gix said.
        #[source]
        source: gix::Error,
    },
}

impl Error {
    pub(crate) fn git(context: &'static str) -> impl FnOnce(gix::Error) -> Error {
        move |source| Error::Git { context, source }
    }
}
