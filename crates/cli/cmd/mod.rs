//! One module per subcommand.

pub mod approve;
pub mod audit;
pub mod config;
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
