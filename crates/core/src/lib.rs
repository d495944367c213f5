//! scopecheck-core: the rule engine behind scopecheck, free of git and of I/O.
//!
//! A front end (the `scopecheck` binary, or your own tool) builds a [`ChangeSet`] — the
//! files a change touches with their old and new contents — compiles a [`Policy`] from
//! `scopecheck.toml` (or uses [`Policy::embedded`]), and calls [`evaluate`] to get a
//! [`Report`]: every [`Finding`] with its [`Action`], the decision, and the exit code.
//!
//! The git adapter lives in `scopecheck-git`, so library users who already have a diff
//! never compile gix.
#![deny(missing_docs)]

mod action;
pub mod actor;
pub mod approval;
mod change;
pub mod checks;
pub mod config;
mod error;
mod finding;
mod glob;
pub mod guard;
pub mod policy;
pub mod registry;
mod report;
pub mod rule;
pub mod secrets;
pub mod statement;
pub mod suppress;
pub mod task;

pub use action::{Action, UnknownAction};
pub use actor::Actor;
pub use approval::{Approval, ApprovalFile, ApprovalItem, ApprovalStatement, Approved};
pub use change::{
    common_prefix, common_suffix, decode_utf16, looks_binary, mostly_text, AddedLine, ChangeSet,
    ChangeStatus, Content, FileChange, FileMode, Origin, Side,
};
pub use error::{ConfigError, ConfigProblem};
pub use finding::{fingerprint, redact, redact_line, secret_fingerprint, Finding, FingerprintKey};
pub use policy::{Policy, PolicySource};
pub use report::{
    evaluate, evaluate_with, Report, Suppressed, EXIT_BLOCKED, EXIT_ERROR, EXIT_PASS,
};
pub use suppress::Baseline;
pub use task::{Trust, WorkOrder};
