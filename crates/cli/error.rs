//! The binary's errors. Every one ends the run with exit code 2.

use std::path::PathBuf;

use miette::Diagnostic;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum CliError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] scopecheck_core::ConfigError),
    #[error(transparent)]
    #[diagnostic(code(scopecheck::git))]
    Git(#[from] scopecheck_git::Error),
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(scopecheck::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{message}")]
    #[diagnostic(code(scopecheck::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },
}

impl CliError {
    pub fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        CliError::Usage {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.into();
        move |source| CliError::Io { path, source }
    }
}
