//! `scopecheck task start|show|end`: the work order an agent (or a person) works under.

use std::path::{Path, PathBuf};

use scopecheck_core::task::DEFAULT_TASK_FILE;
use scopecheck_core::WorkOrder;
use scopecheck_git::Repo;

use crate::args::{TaskCommand, TaskFileArgs, TaskFormat, TaskStartArgs};
use crate::cmd::{current_dir, git};
use crate::error::CliError;
use crate::policy;
use crate::{audit, authority};

/// The work order's path as the checks will name it: relative to the repository top.
fn shown_path(top: Option<&Path>, path: &Path) -> String {
    top.and_then(|t| {
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
            let order = WorkOrder::parse("command line", &draft)?;
            let worktree = match &a.worktree {
                Some(p) => {
                    if a.file.task.is_some() {
                        return Err(CliError::usage(
                            "--worktree writes the work order inside the new worktree; --task cannot name another file",
                            None,
                        ));
                    }
                    Some(create_worktree(a, p.as_deref())?)
                }
                None => None,
            };
            let issued = issue(a, &actor, order, worktree.as_deref());
            if let (Err(_), Some(w)) = (&issued, &worktree) {
                // Nothing was issued: the worktree and branch just made are taken back.
                discard_worktree(w, a.branch.as_deref());
            }
            issued
        }
        TaskCommand::List => list(),
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
            let path = path_of(&a.file)?;
            // Everything is checked before anything is removed, and the work order is put
            // back if the worktree cannot be removed after all.
            let worktree = if a.remove_worktree {
                Some(removable_worktree()?)
            } else {
                None
            };
            let kept = std::fs::read(&path).ok();
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
            if let Some((common, top)) = worktree {
                if let Err(e) = git(&common, &["worktree", "remove", &top.to_string_lossy()]) {
                    if let Some(bytes) = kept {
                        crate::cmd::write_atomic(&path, &bytes)?;
                    }
                    return Err(e);
                }
                println!(
                    "removed the worktree {} (its branch is kept)",
                    top.display()
                );
            }
            Ok(0)
        }
    }
}

/// Writes, records and announces the work order `order` (validated) for `task start`, in
/// `worktree` when one was made for it.
fn issue(
    a: &TaskStartArgs,
    actor: &scopecheck_core::Actor,
    mut order: WorkOrder,
    worktree: Option<&Path>,
) -> Result<i32, CliError> {
    let dir = match worktree {
        Some(w) => w.to_path_buf(),
        None => current_dir()?,
    };
    let repo = Repo::discover(&dir).ok();
    let top = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf));
    let path = match &a.file.task {
        Some(p) => p.clone(),
        None => top
            .clone()
            .unwrap_or_else(|| dir.clone())
            .join(DEFAULT_TASK_FILE),
    };
    if path.exists() && !a.force {
        return Err(CliError::usage(
            format!("a work order already exists at {}", path.display()),
            Some("`scopecheck task end` removes it; --force replaces it".to_owned()),
        ));
    }
    order.file = shown_path(top.as_deref(), &path);
    order.issued_at = Some(scopecheck_trust::time::now_rfc3339());
    order.issued_by = authority::identity();
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
    crate::cmd::write_atomic(&path, order.to_toml().as_bytes())?;
    println!("wrote the work order {} ({how})", path.display());
    if let (Some(repo), Some(sig)) = (&repo, &order.signature) {
        warn_unless_allowed(repo, &order, sig)?;
    }
    if let Some(repo) = &repo {
        authority::mark_active(repo, &path, &order)?;
        log_event(
            repo,
            "task start",
            actor,
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
    if let Some(w) = worktree {
        println!(
                    "\nstart the agent in {} (branch {}); the main working tree was not touched. When its work is pushed or merged, `scopecheck task end --remove-worktree` there removes the worktree.",
                    w.display(),
                    a.branch.as_deref().unwrap_or_default()
                );
    }
    Ok(0)
}

/// Takes back a worktree and branch `task start --worktree` made, when issuing failed.
fn discard_worktree(path: &Path, branch: Option<&str>) {
    if let Ok(repo) = crate::cmd::open_repo() {
        let common = repo.common_dir().to_path_buf();
        let _ = git(
            &common,
            &["worktree", "remove", "--force", &path.to_string_lossy()],
        );
        if let Some(b) = branch {
            let _ = git(&common, &["branch", "-D", b]);
        }
    }
}

/// `git worktree add -b BRANCH PATH BASE` for `task start --worktree`: the task's own
/// isolated checkout. The default path is next to this working tree, named after it and
/// the branch.
fn create_worktree(a: &TaskStartArgs, path: Option<&Path>) -> Result<PathBuf, CliError> {
    let Some(branch) = a.branch.as_deref() else {
        return Err(CliError::usage(
            "--worktree needs --branch NAME (the task's new branch)",
            None,
        ));
    };
    let repo = crate::cmd::open_repo()?;
    let Some(top) = repo.workdir().map(Path::to_path_buf) else {
        return Err(CliError::usage("--worktree needs a working tree", None));
    };
    let path = if let Some(p) = path {
        current_dir()?.join(p)
    } else {
        let name = top
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "repo".to_owned());
        top.parent()
            .unwrap_or(&top)
            .join(format!("{name}-{}", branch.replace(['/', '\\'], "-")))
    };
    if path.exists() {
        return Err(CliError::usage(
            format!("{} already exists", path.display()),
            Some("pass another --worktree PATH".to_owned()),
        ));
    }
    let base = a.base.as_deref().unwrap_or("HEAD");
    // Both reach git as arguments: neither may pass for an option.
    if branch.starts_with('-') || base.starts_with('-') {
        return Err(CliError::usage(
            format!("`{branch}` / `{base}`: a branch or revision cannot start with '-'"),
            None,
        ));
    }
    git(
        &top,
        &[
            "worktree",
            "add",
            "--quiet",
            "-b",
            branch,
            &path.to_string_lossy(),
            base,
        ],
    )?;
    Ok(path.canonicalize().unwrap_or(path))
}

/// For `task end --remove-worktree`: the common git dir and this linked worktree's top,
/// once it is clear that removing it loses nothing: no uncommitted change (the work order
/// aside), and no commit on its branch that is neither pushed nor on another branch.
fn removable_worktree() -> Result<(PathBuf, PathBuf), CliError> {
    let repo = crate::cmd::open_repo()?;
    let Some(top) = repo.workdir().map(Path::to_path_buf) else {
        return Err(CliError::usage("not in a worktree", None));
    };
    if repo.git_dir() == repo.common_dir() {
        return Err(CliError::usage(
            "this is the repository's main working tree, not a task's worktree: nothing to remove",
            None,
        ));
    }
    // Ignored files count too: `git worktree remove` deletes them (a `.env`, local data,
    // an agent's output in an ignored folder).
    let status = git(
        &top,
        &[
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--ignored",
        ],
    )?;
    let dirty: Vec<&str> = status
        .lines()
        .filter(|l| !l.ends_with(DEFAULT_TASK_FILE))
        .collect();
    if !dirty.is_empty() {
        let shown: Vec<&str> = dirty
            .iter()
            .take(5)
            .map(|l| l.get(3..).unwrap_or(l))
            .collect();
        return Err(CliError::usage(
            format!(
                "{} has {} uncommitted change(s) or ignored file(s) ({}{}): removing it would lose them",
                top.display(),
                dirty.len(),
                shown.join(", "),
                if dirty.len() > shown.len() { ", …" } else { "" }
            ),
            Some("commit and push them, or move or delete them yourself, then run this again".to_owned()),
        ));
    }
    let canonical = top.canonicalize().unwrap_or_else(|_| top.clone());
    let locked = worktrees(&top)?
        .iter()
        .any(|w| w.locked && w.path.canonicalize().ok().as_ref() == Some(&canonical));
    if locked {
        return Err(CliError::usage(
            format!("{} is locked (`git worktree lock`)", top.display()),
            Some(
                "unlock it with `git worktree unlock` if it may go, then run this again".to_owned(),
            ),
        ));
    }
    let Some(branch) = crate::cmd::current_branch(&top) else {
        return Err(CliError::usage(
            format!(
                "{} has a detached HEAD: no branch to check for unpushed commits",
                top.display()
            ),
            Some("check out the task's branch, then run this again".to_owned()),
        ));
    };
    let unsaved = git(
        &top,
        &[
            "rev-list",
            "--count",
            "HEAD",
            "--not",
            // Patterns for --branches are matched without the refs/heads/ prefix.
            &format!("--exclude={branch}"),
            "--branches",
            "--remotes",
        ],
    )?;
    let unsaved: usize = unsaved.trim().parse().unwrap_or(usize::MAX);
    if unsaved > 0 {
        return Err(CliError::usage(
            format!(
                "{unsaved} commit(s) on {branch} are neither pushed nor merged into another branch: removing the worktree would strand them"
            ),
            Some(format!("git push -u origin {branch} (or merge it), then run this again")),
        ));
    }
    Ok((repo.common_dir().to_path_buf(), top))
}

/// One entry of `git worktree list --porcelain`.
struct Worktree {
    path: PathBuf,
    /// The branch checked out, or "(detached)".
    branch: String,
    locked: bool,
}

/// The repository's worktrees, as git lists them.
fn worktrees(dir: &Path) -> Result<Vec<Worktree>, CliError> {
    let listing = git(dir, &["worktree", "list", "--porcelain"])?;
    Ok(listing
        .split("\n\n")
        .filter_map(|block| {
            let mut w = Worktree {
                path: PathBuf::new(),
                branch: "(detached)".to_owned(),
                locked: false,
            };
            for line in block.lines() {
                if let Some(p) = line.strip_prefix("worktree ") {
                    w.path = PathBuf::from(p);
                } else if let Some(b) = line.strip_prefix("branch ") {
                    w.branch = b.trim_start_matches("refs/heads/").to_owned();
                } else if line.starts_with("locked") {
                    w.locked = true;
                }
            }
            (!w.path.as_os_str().is_empty()).then_some(w)
        })
        .collect())
}

/// `task list`: every worktree of the repository that has a work order.
fn list() -> Result<i32, CliError> {
    let repo = crate::cmd::open_repo()?;
    let dir = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo.common_dir().to_path_buf());
    let mut found = 0;
    for Worktree { path, branch, .. } in worktrees(&dir)? {
        let Some(order) = policy::work_order(None, Some(&path))? else {
            continue;
        };
        found += 1;
        println!(
            "{} [{branch}]: {} (scope: {})",
            path.display(),
            order.goal,
            if order.scope.is_empty() {
                "anything".to_owned()
            } else {
                order.scope.join(", ")
            }
        );
    }
    if found == 0 {
        println!("no open work orders (scopecheck task start writes one)");
    }
    Ok(0)
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
