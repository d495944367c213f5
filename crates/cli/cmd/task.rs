//! `scopecheck task start|show|end`: the work order an agent (or a person) works under.

use std::path::PathBuf;

use scopecheck_core::task::DEFAULT_TASK_FILE;
use scopecheck_core::WorkOrder;
use scopecheck_git::Repo;

use crate::args::{TaskCommand, TaskFileArgs, TaskFormat};
use crate::cmd::current_dir;
use crate::error::CliError;
use crate::policy;
use crate::{audit, authority};

/// The work order's path as the checks will name it: relative to the repository top.
fn shown_path(path: &std::path::Path) -> String {
    top()
        .ok()
        .flatten()
        .and_then(|t| {
            let abs = std::fs::canonicalize(path.parent()?)
                .ok()?
                .join(path.file_name()?);
            let top = std::fs::canonicalize(t).ok()?;
            abs.strip_prefix(top)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        .unwrap_or_else(|| path.display().to_string())
}

fn log_event(
    repo: &Repo,
    command: &str,
    actor: &scopecheck_core::Actor,
    detail: serde_json::Value,
) -> Result<(), CliError> {
    let settings = policy::committed_audit_settings(repo)?;
    audit::record(repo, &settings, audit::event_entry(command, actor, detail))
}

/// Says so when the key that signed is not (yet) one the committed policy trusts.
fn warn_unless_allowed(repo: &Repo, order: &WorkOrder, sig: &str) -> Result<(), CliError> {
    let loaded = policy::at_commit(
        &crate::args::PolicyArgs::default(),
        repo,
        repo.head_commit()?,
    )?;
    let head = repo.head_commit()?.map(|h| h.to_string());
    let signers = authority::signers_at(repo, head.as_deref(), &loaded.policy)?;
    if let Err(why) = signers.verify(&order.statement(), sig, order.issued_at.as_deref()) {
        eprintln!("warning: the signature will not count yet: {why}");
        eprintln!(
            "         add your key to {} (git's allowed-signers format) and commit it",
            loaded.policy.allowed_signers
        );
    }
    Ok(())
}

fn top() -> Result<Option<PathBuf>, CliError> {
    Ok(Repo::discover(&current_dir()?)
        .ok()
        .and_then(|r| r.workdir().map(|p| p.to_path_buf())))
}

fn path_of(args: &TaskFileArgs) -> Result<PathBuf, CliError> {
    match &args.task {
        Some(p) => Ok(p.clone()),
        None => Ok(top()?.unwrap_or(current_dir()?).join(DEFAULT_TASK_FILE)),
    }
}

pub fn run(cmd: &TaskCommand) -> Result<i32, CliError> {
    match cmd {
        TaskCommand::Start(a) => {
            let actor = crate::ancestry::actor();
            if let scopecheck_core::Actor::Agent { name, signal } = &actor {
                return Err(CliError::usage(
                    format!("a work order is issued by a person; this looks like {name} ({signal})"),
                    Some("ask the person you work for to run `scopecheck task start` in their own terminal".to_owned()),
                ));
            }
            let path = path_of(&a.file)?;
            if path.exists() && !a.force {
                return Err(CliError::usage(
                    format!("a work order already exists at {}", path.display()),
                    Some("`scopecheck task end` removes it; --force replaces it".to_owned()),
                ));
            }
            // Build the file text, then parse it back: the same validation as a
            // hand-written work order (bad globs are errors here, not at commit time).
            let draft = toml::to_string(&Draft {
                goal: &a.goal,
                scope: &a.scope,
                out_of_scope: &a.out_of_scope,
                allowed_commands: &a.allowed_commands,
                deny_commands: &a.deny_commands,
                stop_if: &a.stop_if,
                stop_conditions: &a.stop_conditions,
                max_files: a.max_files,
                max_lines: a.max_lines,
            })
            .map_err(|e| CliError::usage(format!("cannot write the work order: {e}"), None))?;
            let mut order = WorkOrder::parse("command line", &draft)?;
            order.file = shown_path(&path);
            order.issued_at = Some(scopecheck_trust::time::now_rfc3339());
            order.issued_by = authority::identity();
            let repo = Repo::discover(&current_dir()?).ok();
            let how = match authority::signing_key() {
                Some(key) => {
                    order.signature = Some(authority::sign(&key, &order.statement())?);
                    format!("signed with {key}")
                }
                None => match &repo {
                    Some(repo) => {
                        authority::record_work_order(repo, &order)?;
                        "unsigned (no SSH signing key: `git config gpg.format ssh` and `git config user.signingkey <key>`); its hash is recorded in the git directory, so an edit is detected on this machine, but only a signature makes it count in CI".to_owned()
                    }
                    None => "unsigned, outside a repository: nothing records it".to_owned(),
                },
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
            }
            std::fs::write(&path, order.to_toml()).map_err(CliError::io(&path))?;
            println!("wrote the work order {} ({how})", path.display());
            if let (Some(repo), Some(sig)) = (&repo, &order.signature) {
                warn_unless_allowed(repo, &order, sig)?;
            }
            if let Some(repo) = &repo {
                authority::mark_active(repo, &path, &order)?;
                log_event(
                    repo,
                    "task start",
                    &actor,
                    serde_json::json!({
                        "file": path.display().to_string(),
                        "statement-sha256": scopecheck_trust::sha256_hex(&order.statement()),
                        "signed": order.signature.is_some(),
                        "scope": order.scope,
                        "out-of-scope": order.out_of_scope,
                    }),
                )?;
            }
            print!("{}", order.instructions());
            Ok(0)
        }
        TaskCommand::Show(a) => {
            let top = top()?;
            let explicit = a.file.task.as_deref();
            let Some(mut order) = policy::work_order(explicit, top.as_deref())? else {
                println!("no work order is in force (scopecheck task start writes one)");
                return Ok(0);
            };
            if let Ok(repo) = Repo::discover(&current_dir()?) {
                let head = repo.head_commit()?;
                let loaded = policy::at_commit(&crate::args::PolicyArgs::default(), &repo, head)?;
                let head = head.map(|h| h.to_string());
                let signers = authority::signers_at(&repo, head.as_deref(), &loaded.policy)?;
                authority::establish(&mut order, &signers, Some(&authority::record_file(&repo)));
                authority::check_active(&repo, &mut order);
            }
            match a.format {
                TaskFormat::Text => {
                    print!("{}", order.instructions());
                    if order.trust != scopecheck_core::Trust::Unchecked {
                        println!(
                            "Issued{}: {}",
                            order
                                .issued_by
                                .as_ref()
                                .map(|b| format!(" by {b}"))
                                .unwrap_or_default(),
                            crate::cmd::precommit::trust_text(&order.trust)
                        );
                    }
                }
                TaskFormat::Toml => print!("{}", order.to_toml()),
            }
            Ok(0)
        }
        TaskCommand::End(a) => {
            let actor = crate::ancestry::actor();
            if let scopecheck_core::Actor::Agent { name, signal } = &actor {
                return Err(CliError::usage(
                    format!("a work order is ended by the person who issued it; this looks like {name} ({signal})"),
                    Some("tell the person you work for that the task is done".to_owned()),
                ));
            }
            let path = path_of(a)?;
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    println!("removed the work order {}", path.display());
                    if let Ok(repo) = Repo::discover(&current_dir()?) {
                        let _ = std::fs::remove_file(authority::active_file(&repo));
                        log_event(
                            &repo,
                            "task end",
                            &actor,
                            serde_json::json!({"file": path.display().to_string()}),
                        )?;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    println!("no work order at {}", path.display())
                }
                Err(e) => return Err(CliError::io(&path)(e)),
            }
            Ok(0)
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "kebab-case")]
struct Draft<'a> {
    goal: &'a str,
    scope: &'a [String],
    out_of_scope: &'a [String],
    allowed_commands: &'a [String],
    deny_commands: &'a [String],
    stop_if: &'a [String],
    stop_conditions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_lines: Option<u64>,
}
