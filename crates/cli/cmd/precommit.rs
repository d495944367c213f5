//! `scopecheck pre-commit`: judge what is staged.

use std::sync::Arc;

use serde_json::json;

use scopecheck_core::{evaluate_with, ChangeSet, Report};
use scopecheck_git::{ReadOptions, Repo};

use crate::args::CheckArgs;
use crate::authority::{self, Signers};
use crate::error::CliError;
use crate::policy::Loaded;
use crate::render::{self, Style};
use crate::{audit, cmd, policy};

/// The allowed signers for a staged change: those committed at HEAD, or for a person's
/// first commit of them, the staged file.
pub fn staged_signers(
    repo: &Repo,
    loaded: &mut Loaded,
    actor: &scopecheck_core::Actor,
) -> Result<Signers, CliError> {
    let head = repo.head_commit()?.map(|h| h.to_string());
    let signers = authority::signers_at(repo, head.as_deref(), &loaded.policy)?;
    if signers.signers.is_some() || actor.is_agent() {
        return Ok(signers);
    }
    Ok(match authority::bootstrap_signers(repo, &loaded.policy)? {
        Some(s) => {
            loaded.notes.push(format!("trusting {}", s.origin));
            s
        }
        None => signers,
    })
}

/// Judges the index: the report, the change set and the signers that judged it.
pub fn judge_staged(
    args: &CheckArgs,
    repo: &Repo,
) -> Result<(Report, ChangeSet, Loaded), CliError> {
    let loaded = policy::with_committed_baseline(policy::for_staged(&args.policy, repo)?, repo)?;
    let mut loaded = policy::with_repo_context(loaded, repo, args.task.as_deref())?;
    if let Some(fail_on) = args.fail_on {
        loaded.policy.fail_on = fail_on;
    }
    let mut changes = repo.staged(&ReadOptions {
        max_file_size: scopecheck_core::checks::change_read_limit(loaded.policy.max_file_size),
    })?;
    changes.actor = crate::ancestry::actor();
    let signers = staged_signers(repo, &mut loaded, &changes.actor)?;
    let record = authority::record_file(repo);
    match loaded.policy.task.as_mut() {
        Some(task) => {
            let task = Arc::make_mut(task);
            authority::establish(task, &signers, Some(&record));
            authority::check_active(repo, task);
        }
        None => loaded.policy.missing_task = authority::missing_task(repo),
    }
    let mut report = evaluate_with(&loaded.policy, &changes, loaded.baseline.as_ref());
    let head = repo.head_commit()?.map(|h| h.to_string());
    authority::apply(&mut report, &changes, &loaded.policy, &signers, &[head]);
    report.notes.extend(loaded.notes.iter().cloned());
    if let scopecheck_core::Actor::Agent { name, signal } = &changes.actor {
        report.notes.push(format!(
            "this change is being made by an agent ({name}: {signal}); agent policy applies"
        ));
    }
    if let Some(task) = &loaded.policy.task {
        report.notes.push(format!(
            "work order in force: {} ({})",
            task.file,
            trust_text(&task.trust)
        ));
    }
    Ok((report, changes, loaded))
}

pub fn trust_text(trust: &scopecheck_core::Trust) -> String {
    match trust {
        scopecheck_core::Trust::Signed { by, key } => format!("signed by {by}, {key}"),
        scopecheck_core::Trust::Recorded => {
            "unsigned, issued on this machine by `scopecheck task start`".to_owned()
        }
        scopecheck_core::Trust::Untrusted { reason, .. } => format!("NOT trusted: {reason}"),
        scopecheck_core::Trust::Unchecked => "not checked".to_owned(),
    }
}

pub fn run(args: &CheckArgs, style: &Style) -> Result<i32, CliError> {
    let repo = cmd::open_repo()?;
    if repo.is_bare() {
        return Err(CliError::usage(
            "pre-commit needs a working tree; this repository is bare",
            None,
        ));
    }
    let (mut report, changes, loaded) = judge_staged(args, &repo)?;
    if !args.files.is_empty() {
        report.merge(named_files(&repo, &args.files, &changes, &loaded)?);
    }
    let head = repo.head_commit()?.map(|h| h.to_string());
    audit::record(
        &repo,
        &loaded.policy.audit,
        audit::decision_entry(
            "pre-commit",
            &changes.actor,
            json!({"head": head, "work-order": work_order_json(&loaded)}),
            &[&changes],
            &report,
        ),
    )?;
    render::emit(
        args.format,
        args.output.as_deref(),
        &report,
        &changes.origin,
        &loaded.origin,
        style,
    )?;
    let code = report.exit_code();
    // The process ends with this command: leaving the repository (its mapped packs and
    // decoded index), the change and the policy to the OS spares a hook unmapping and
    // freeing them piece by piece, a few percent of its run. Nothing in them holds
    // unwritten data: the audit entry and the report are written above.
    std::mem::forget((repo, changes, loaded, report));
    Ok(code)
}

/// The files named on the command line that the staged change does not touch, judged
/// whole as the index has them (as a scan judges files: content, not the change's
/// scope). `pre-commit run --all-files` names every tracked file with nothing staged;
/// without this it would check nothing.
fn named_files(
    repo: &Repo,
    files: &[std::path::PathBuf],
    changes: &ChangeSet,
    loaded: &Loaded,
) -> Result<Report, CliError> {
    use std::collections::HashSet;
    let top = repo.workdir().unwrap_or(std::path::Path::new("."));
    let staged: HashSet<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
    let wanted: HashSet<String> = files
        .iter()
        .filter_map(|f| cmd::repo_relative(top, f))
        .filter(|p| !p.is_empty() && !staged.contains(p.as_str()))
        .collect();
    if wanted.is_empty() {
        return Ok(Report::empty(loaded.policy.fail_on));
    }
    let tracked = repo.tracked(
        &ReadOptions {
            max_file_size: loaded.policy.max_file_size,
        },
        |p| wanted.contains(p),
    )?;
    let mut report = evaluate_with(&loaded.policy, &tracked, loaded.baseline.as_ref());
    report.notes.push(format!(
        "{} tracked file(s) named on the command line were checked as the index has them",
        tracked.files.len()
    ));
    Ok(report)
}

/// The work order in force, for the audit log.
pub fn work_order_json(loaded: &Loaded) -> serde_json::Value {
    match &loaded.policy.task {
        Some(t) => json!({
            "file": t.file,
            "statement-sha256": scopecheck_trust::sha256_hex(&t.statement()),
            "trust": t.trust,
        }),
        None => serde_json::Value::Null,
    }
}
