//! Which policy judges a change.
//!
//! A commit is judged by the policy already committed at `HEAD` — never by the version
//! the commit brings (staged) nor by an unstaged working-tree edit. Otherwise a change
//! could loosen the very rules that judge it: "raise fail-on to block" would wave its
//! own review finding through. The edit itself is a `policy/self-edit` finding, and the
//! new policy applies from the next commit on (CI does the same with the base branch).

use std::path::Path;

use scopecheck_core::config::CONFIG_FILE_NAMES;
use scopecheck_core::{Baseline, Policy};
use scopecheck_git::Repo;

use crate::args::PolicyArgs;
use crate::error::CliError;

/// The policy and a line describing where it came from.
pub struct Loaded {
    pub policy: Policy,
    pub origin: String,
    pub notes: Vec<String>,
    pub baseline: Option<Baseline>,
}

fn parse_baseline(name: &str, bytes: Vec<u8>) -> Result<Baseline, CliError> {
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{name} is not valid UTF-8"), None))?;
    Baseline::parse(&text).map_err(|e| {
        CliError::usage(
            format!("{name}: {e}"),
            Some("regenerate it with `scopecheck baseline`".to_owned()),
        )
    })
}

/// Adds the baseline committed at `HEAD` (see the module docs for why not the staged one).
pub fn with_committed_baseline(mut loaded: Loaded, repo: &Repo) -> Result<Loaded, CliError> {
    let name = loaded.policy.baseline.clone();
    if repo.head_commit()?.is_some() {
        if let Some(bytes) = repo.file_at("HEAD", &name)? {
            loaded.baseline = Some(parse_baseline(&format!("{name} (HEAD)"), bytes)?);
        }
    }
    Ok(loaded)
}

/// Adds the baseline from the working tree at `top`.
pub fn with_directory_baseline(mut loaded: Loaded, top: &Path) -> Result<Loaded, CliError> {
    let path = top.join(&loaded.policy.baseline);
    if path.is_file() {
        let bytes = std::fs::read(&path).map_err(CliError::io(&path))?;
        loaded.baseline = Some(parse_baseline(&path.display().to_string(), bytes)?);
    }
    Ok(loaded)
}

fn from_file(path: &Path) -> Result<Policy, CliError> {
    let bytes = std::fs::read(path).map_err(CliError::io(path))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::usage(
            format!("{} is not valid UTF-8", path.display()),
            Some("TOML files must be UTF-8".to_owned()),
        )
    })?;
    Ok(Policy::from_toml(&path.display().to_string(), &text)?)
}

/// The file named by `--config`.
fn explicit(path: &Path) -> Result<Loaded, CliError> {
    Ok(Loaded {
        policy: from_file(path)?,
        origin: format!("{} (--config)", path.display()),
        notes: Vec::new(),
        baseline: None,
    })
}

/// Loads the policy for a check of the index of `repo`: the committed one.
pub fn for_staged(args: &PolicyArgs, repo: &Repo) -> Result<Loaded, CliError> {
    if let Some(path) = &args.config {
        return explicit(path);
    }
    if args.default_policy {
        return Ok(embedded());
    }
    let has_head = repo.head_commit()?.is_some();
    for name in CONFIG_FILE_NAMES {
        let committed = if has_head {
            repo.file_at("HEAD", name)?
        } else {
            None
        };
        let staged = repo.staged_file(name)?;
        let mut notes = Vec::new();
        if staged.is_some() && staged != committed {
            notes.push(format!(
                "{name} is changed in this commit: the committed version judges it, the new one applies from the next commit"
            ));
        } else if committed.is_some() {
            // An edit that is not even staged: people expect it to apply now.
            let on_disk = repo
                .workdir()
                .and_then(|t| std::fs::read(t.join(name)).ok());
            if on_disk.is_some() && on_disk != committed {
                notes.push(format!(
                    "{name} has uncommitted edits: the committed version applies; this file applies from the commit after the one that commits it"
                ));
            }
        }
        let Some(bytes) = committed else {
            if !notes.is_empty() {
                let mut loaded = embedded();
                loaded.notes = notes;
                return Ok(loaded);
            }
            continue;
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            CliError::usage(format!("the committed {name} is not valid UTF-8"), None)
        })?;
        let policy = Policy::from_toml(&format!("{name} (HEAD)"), &text)?;
        return Ok(Loaded {
            policy,
            origin: format!("{name} at HEAD"),
            notes,
            baseline: None,
        });
    }
    Ok(embedded())
}

/// Loads the policy outside a repository check: `--config`, else the file at the top of
/// the working tree (or the current directory), else the embedded default.
pub fn for_directory(args: &PolicyArgs, top: &Path) -> Result<Loaded, CliError> {
    if let Some(path) = &args.config {
        return explicit(path);
    }
    if !args.default_policy {
        for name in CONFIG_FILE_NAMES {
            let path = top.join(name);
            if path.is_file() {
                return Ok(Loaded {
                    policy: from_file(&path)?,
                    origin: path.display().to_string(),
                    notes: Vec::new(),
                    baseline: None,
                });
            }
        }
    }
    Ok(embedded())
}

fn embedded() -> Loaded {
    Loaded {
        policy: Policy::embedded(),
        origin: "embedded default policy".to_owned(),
        notes: Vec::new(),
        baseline: None,
    }
}

/// Loads the work order in force: `--task` / `SCOPECHECK_TASK`, else
/// `.scopecheck/task.toml` at the top of the working tree. Paths inside the repository are
/// recorded relative to its top, so an edit of the work order is recognised.
pub fn work_order(
    explicit: Option<&Path>,
    top: Option<&Path>,
) -> Result<Option<scopecheck_core::WorkOrder>, CliError> {
    let path = match (explicit, top) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(t)) => {
            let p = t.join(scopecheck_core::task::DEFAULT_TASK_FILE);
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
        (None, None) => return Ok(None),
    };
    let bytes = std::fs::read(&path).map_err(CliError::io(&path))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{} is not valid UTF-8", path.display()), None))?;
    let shown = top
        .and_then(|t| {
            let abs = std::fs::canonicalize(&path).ok()?;
            let top = std::fs::canonicalize(t).ok()?;
            abs.strip_prefix(top)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        .unwrap_or_else(|| path.display().to_string());
    Ok(Some(scopecheck_core::WorkOrder::parse(&shown, &text)?))
}

/// Adds what only the repository knows to the policy: the work order in force and the
/// hooks directory, when it is inside the working tree (so editing hooks is self-edit).
pub fn with_repo_context(
    mut loaded: Loaded,
    repo: &Repo,
    task: Option<&Path>,
) -> Result<Loaded, CliError> {
    let top = repo.workdir().map(Path::to_path_buf);
    if let Some(order) = work_order(task, top.as_deref())? {
        loaded.policy.task = Some(std::sync::Arc::new(order));
    }
    if let (Some(top), Ok(hooks)) = (top, repo.hooks_dir()) {
        if let Ok(rel) = hooks.strip_prefix(&top) {
            if !rel.as_os_str().is_empty() && !hooks.starts_with(repo.common_dir()) {
                loaded
                    .policy
                    .protect_path(format!("{}/", rel.to_string_lossy().replace('\\', "/")));
            }
        }
    }
    Ok(loaded)
}

/// The policy and baseline committed at `commit` (the base of a push or merge), or the
/// embedded default when there is none. `--config` / `--default-policy` still win.
pub fn at_commit(
    args: &PolicyArgs,
    repo: &Repo,
    commit: Option<scopecheck_git::ObjectId>,
) -> Result<Loaded, CliError> {
    if args.config.is_some() || args.default_policy {
        return for_directory(args, Path::new("."));
    }
    let Some(commit) = commit else {
        return Ok(embedded());
    };
    let rev = commit.to_string();
    let short = &rev[..12];
    for name in CONFIG_FILE_NAMES {
        let Some(bytes) = repo.file_at(&rev, name)? else {
            continue;
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::usage(format!("{name} at {short} is not valid UTF-8"), None))?;
        let policy = Policy::from_toml(&format!("{name} ({short})"), &text)?;
        let mut loaded = Loaded {
            policy,
            origin: format!("{name} at {short} (the base)"),
            notes: Vec::new(),
            baseline: None,
        };
        let baseline = loaded.policy.baseline.clone();
        if let Some(bytes) = repo.file_at(&rev, &baseline)? {
            loaded.baseline = Some(parse_baseline(&format!("{baseline} ({short})"), bytes)?);
        }
        return Ok(loaded);
    }
    Ok(embedded())
}

/// The audit settings of the policy committed at HEAD (the embedded default's when none).
pub fn committed_audit_settings(
    repo: &Repo,
) -> Result<scopecheck_core::config::AuditSettings, CliError> {
    Ok(
        at_commit(&PolicyArgs::default(), repo, repo.head_commit()?)?
            .policy
            .audit,
    )
}
