//! One module per subcommand.

pub mod approve;
pub mod audit;
pub mod config;
pub mod doctor;
pub mod guard;
pub mod init;
pub mod install;
pub mod precommit;
pub mod push;
pub mod rules;
pub mod scan;
pub mod task;

use std::path::PathBuf;

use scopecheck_git::Repo;

use crate::error::CliError;

pub fn current_dir() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(CliError::io("."))
}

pub fn open_repo() -> Result<Repo, CliError> {
    Ok(Repo::discover(&current_dir()?)?)
}

/// Returns freed heap memory to the system. glibc keeps what a thread freed in that
/// thread's arena for later reuse; a long scan whose threads allocate and free buffers of
/// every size holds on to hundreds of MiB that way.
pub fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
