//! `scopecheck pre-commit`: judge what is staged.

use scopecheck_core::evaluate_with;
use scopecheck_git::ReadOptions;

use crate::args::{CheckArgs, Format};
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
    let mut loaded = policy::with_staged_baseline(policy::for_staged(&args.policy, &repo)?, &repo)?;
    if let Some(fail_on) = args.fail_on {
        loaded.policy.fail_on = fail_on;
    }
    let changes = repo.staged(&ReadOptions {
        max_file_size: loaded.policy.max_file_size,
    })?;
    let mut report = evaluate_with(&loaded.policy, &changes, loaded.baseline.as_ref());
    report.notes.extend(loaded.notes.iter().cloned());
    let out = match args.format {
        Format::Human => render::human::report(&report, &loaded.origin, style),
        Format::Json => render::json::report(&report, &changes.origin, &loaded.origin),
    };
    print!("{out}");
    Ok(report.exit_code())
}
