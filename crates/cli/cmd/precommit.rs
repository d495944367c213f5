//! `scopecheck pre-commit`: judge what is staged.

use scopecheck_core::evaluate_with;
use scopecheck_git::ReadOptions;

use crate::args::CheckArgs;
use crate::error::CliError;
use crate::render::{self, Style};
use crate::{cmd, policy};

pub fn run(args: &CheckArgs, style: &Style) -> Result<i32, CliError> {
    let repo = cmd::open_repo()?;
    if repo.is_bare() {
        return Err(CliError::usage(
            "pre-commit needs a working tree; this repository is bare",
            None,
        ));
    }
    let loaded = policy::with_committed_baseline(policy::for_staged(&args.policy, &repo)?, &repo)?;
    let mut loaded = policy::with_repo_context(loaded, &repo, args.task.as_deref())?;
    if let Some(fail_on) = args.fail_on {
        loaded.policy.fail_on = fail_on;
    }
    let mut changes = repo.staged(&ReadOptions {
        max_file_size: loaded.policy.max_file_size,
    })?;
    changes.actor = scopecheck_core::actor::detect(|k| std::env::var(k).ok());
    let mut report = evaluate_with(&loaded.policy, &changes, loaded.baseline.as_ref());
    report.notes.extend(loaded.notes.iter().cloned());
    if let scopecheck_core::Actor::Agent { name, signal } = &changes.actor {
        report.notes.push(format!(
            "this change is being made by an agent ({name}: {signal}); agent policy applies"
        ));
    }
    if let Some(task) = &loaded.policy.task {
        report
            .notes
            .push(format!("work order in force: {}", task.file));
    }
    render::emit(
        args.format,
        args.output.as_deref(),
        &report,
        &changes.origin,
        &loaded.origin,
        style,
    )?;
    Ok(report.exit_code())
}
