//! `scopecheck doctor`: is this repository, and this session, actually protected?
//!
//! Every gate can be switched off without a trace until CI runs: `core.hooksPath`
//! pointed elsewhere, a hook deleted or pointing at a binary that is gone, a policy never
//! committed, an agent working without a work order. Doctor looks at each and says how to
//! fix what it finds. With `--env` it also looks at what credentials the session could
//! read: the environment, untracked files in the work tree, and well-known files in the
//! home directory.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use scopecheck_core::config::CONFIG_FILE_NAMES;
use scopecheck_core::suppress::Baseline;
use scopecheck_core::{evaluate, Actor, Content, FileMode, Finding, Policy, Trust};
use scopecheck_git::Repo;

use crate::args::{DoctorArgs, Format, Hook};
use crate::cmd::install::{husky_user_hook, MARKER};
use crate::error::CliError;
use crate::{ancestry, authority, cmd, policy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
struct Check {
    id: String,
    status: Status,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

fn check(id: &str, status: Status, message: impl Into<String>, fix: Option<&str>) -> Check {
    Check {
        id: id.to_owned(),
        status,
        message: message.into(),
        fix: fix.map(str::to_owned),
    }
}

pub fn run(args: &DoctorArgs) -> Result<i32, CliError> {
    let repo = cmd::open_repo()?;
    let Some(top) = repo.workdir().map(Path::to_path_buf) else {
        return Err(CliError::usage(
            "doctor checks a working tree; this repository is bare",
            None,
        ));
    };
    let actor = ancestry::actor();
    let loaded = policy::for_staged(&Default::default(), &repo);
    let mut checks = vec![
        hook_check(&repo, &top, Hook::PreCommit, Status::Fail),
        hook_check(&repo, &top, Hook::PrePush, Status::Warn),
    ];
    checks.extend(policy_checks(
        &repo,
        &top,
        loaded.as_ref().ok().map(|l| &l.policy),
    ));
    if let Ok(loaded) = &loaded {
        checks.extend(baseline_check(&repo, &loaded.policy));
        checks.extend(agent_checks(&repo, &top, &actor, &loaded.policy)?);
        checks.extend(signing_check(&repo, &loaded.policy));
    }
    let env = if args.env {
        let policy = match &loaded {
            Ok(l) => l.policy.clone(),
            Err(_) => Policy::embedded(),
        };
        Some(credential_hygiene(&repo, &top, &policy, &actor))
    } else {
        None
    };
    let worst = checks
        .iter()
        .chain(env.iter().flatten())
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Pass);
    match args.format {
        Format::Json => {
            let out = json!({
                "repository": top.display().to_string(),
                "actor": actor,
                "ok": worst != Status::Fail,
                "checks": checks,
                "credentials": env,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        _ => print!("{}", human(&top, &actor, &checks, env.as_deref())),
    }
    Ok(i32::from(worst == Status::Fail))
}

fn human(top: &Path, actor: &Actor, checks: &[Check], env: Option<&[Check]>) -> String {
    let mut out = format!("scopecheck doctor: {}\n", top.display());
    if let Actor::Agent { name, signal } = actor {
        out.push_str(&format!("session: an agent ({name}: {signal})\n"));
    }
    let mut section = |title: Option<&str>, items: &[Check]| {
        if let Some(t) = title {
            out.push_str(&format!("\n{t}\n"));
        }
        for c in items {
            let tag = match c.status {
                Status::Pass => "pass",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            out.push_str(&format!("  {tag}  {:<22} {}\n", c.id, c.message));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("        {:<22} fix: {fix}\n", ""));
            }
        }
    };
    section(None, checks);
    if let Some(env) = env {
        section(Some("credentials within reach (--env)"), env);
        if env.is_empty() {
            out.push_str("  pass  no credentials found in the environment, untracked files or home directory\n");
        }
    }
    let all: Vec<&Check> = checks.iter().chain(env.into_iter().flatten()).collect();
    let fails = all.iter().filter(|c| c.status == Status::Fail).count();
    let warns = all.iter().filter(|c| c.status == Status::Warn).count();
    out.push_str(&if fails > 0 {
        format!("\nnot protected: {fails} problem(s) to fix, {warns} warning(s)\n")
    } else {
        format!("\nprotected ({warns} warning(s))\n")
    });
    out
}

// ---- hooks ---------------------------------------------------------------------------

/// Whether git will run scopecheck for `hook`: the hook file where git looks for it
/// (`core.hooksPath` honoured), what it calls, and whether that binary runs.
fn hook_check(repo: &Repo, top: &Path, hook: Hook, missing: Status) -> Check {
    let id = format!("hook/{}", hook.name());
    let install = match hook {
        Hook::PreCommit => "scopecheck install".to_owned(),
        Hook::PrePush => "scopecheck install --hook pre-push".to_owned(),
    };
    let dir = match repo.hooks_dir() {
        Ok(d) => d,
        Err(e) => {
            return check(
                &id,
                Status::Fail,
                format!("cannot tell where git runs hooks from: {e}"),
                None,
            )
        }
    };
    let hooks_path = git_config(top, "core.hooksPath");
    if let Some(user) = husky_user_hook(&dir, hook) {
        let text = std::fs::read_to_string(&user).unwrap_or_default();
        if !text.contains(MARKER) {
            return check(
                &id,
                missing,
                format!(
                    "husky runs {}, which does not call scopecheck",
                    user.display()
                ),
                Some(&install),
            );
        }
        let bin = std::env::var("SCOPECHECK_BIN").unwrap_or_else(|_| "scopecheck".to_owned());
        return binary_check(&id, &bin, &format!("husky's {} calls it", user.display()));
    }
    let target = dir.join(hook.name());
    if !target.is_file() {
        let why = match &hooks_path {
            Some(p) => format!(
                "no {} hook in {} (core.hooksPath = {p}: git runs hooks only from there)",
                hook.name(),
                dir.display()
            ),
            None => format!("no {} hook in {}", hook.name(), dir.display()),
        };
        let fix = match &hooks_path {
            Some(_) => format!("{install} (writes it into core.hooksPath), or `git config --unset core.hooksPath` if that was not meant"),
            None => install,
        };
        return check(&id, missing, why, Some(&fix));
    }
    if !is_executable(&target) {
        return check(
            &id,
            Status::Fail,
            format!("{} is not executable, so git skips it", target.display()),
            Some(&format!("chmod +x {}", target.display())),
        );
    }
    let text = String::from_utf8_lossy(&std::fs::read(&target).unwrap_or_default()).into_owned();
    if text.contains(MARKER) {
        let bin = text
            .lines()
            .find_map(|l| l.rsplit_once("SCOPECHECK_BIN=").map(|(_, bin)| bin))
            .map(unquote)
            .unwrap_or_else(|| "scopecheck".to_owned());
        let bin = std::env::var("SCOPECHECK_BIN").unwrap_or(bin);
        return binary_check(&id, &bin, &format!("{}", target.display()));
    }
    // Hook managers write their own hook file; they run scopecheck if their config has a
    // line that runs it for this hook (not just the word in a comment).
    let needles: &[&str] = match hook {
        Hook::PreCommit => &[
            "scopecheck pre-commit",
            "id: scopecheck\n",
            "id: scopecheck-system",
        ],
        Hook::PrePush => &[
            "scopecheck pre-push",
            "scopecheck ci",
            "id: scopecheck-pre-push",
        ],
    };
    let managers: [(&str, &[&str]); 2] = [
        (
            "pre-commit",
            &[".pre-commit-config.yaml", ".pre-commit-config.yml"],
        ),
        (
            "lefthook",
            &["lefthook.yml", ".lefthook.yml", "lefthook.yaml"],
        ),
    ];
    for (manager, configs) in managers {
        if text.contains(manager) {
            let calls = configs.iter().any(|c| {
                std::fs::read_to_string(top.join(c)).is_ok_and(|t| {
                    t.lines()
                        .filter(|l| !l.trim_start().starts_with('#'))
                        .any(|l| {
                            needles
                                .iter()
                                .any(|n| format!("{}\n", l.trim()).contains(n))
                        })
                })
            });
            return if calls {
                check(
                    &id,
                    Status::Pass,
                    format!("{manager} runs scopecheck"),
                    None,
                )
            } else {
                check(
                    &id,
                    missing,
                    format!(
                        "the {} hook is {manager}'s, and its configuration does not run scopecheck",
                        hook.name()
                    ),
                    Some(&format!(
                        "add scopecheck to {} (see README: Integrations)",
                        configs[0]
                    )),
                )
            };
        }
    }
    if text.contains("scopecheck") {
        return check(
            &id,
            Status::Pass,
            format!("{} calls scopecheck (written by hand)", target.display()),
            None,
        );
    }
    check(
        &id,
        missing,
        format!(
            "the {} hook at {} does not run scopecheck",
            hook.name(),
            target.display()
        ),
        Some(&format!(
            "{install} (keeps the existing hook and runs it first)"
        )),
    )
}

fn binary_check(id: &str, bin: &str, via: &str) -> Check {
    match std::process::Command::new(bin)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => check(
            id,
            Status::Pass,
            format!(
                "{via} runs {bin} ({})",
                String::from_utf8_lossy(&out.stdout).trim()
            ),
            None,
        ),
        _ => check(
            id,
            Status::Fail,
            format!("{via} calls {bin}, which does not run (missing or moved): every commit is refused"),
            Some("scopecheck install (rewrites the hook with this binary's path), or set SCOPECHECK_BIN"),
        ),
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .map_or_else(|| s.to_owned(), |r| r.replace("'\\''", "'"))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

/// A git config value as git itself resolves it (includes, worktree config).
fn git_config(top: &Path, key: &str) -> Option<String> {
    let v = cmd::git(top, &["config", "--get", key]).ok()?;
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

// ---- policy and baseline -------------------------------------------------------------

fn policy_checks(repo: &Repo, top: &Path, parsed: Option<&Policy>) -> Vec<Check> {
    let mut out = Vec::new();
    let committed = CONFIG_FILE_NAMES.iter().find_map(|name| {
        repo.file_at("HEAD", name)
            .ok()
            .flatten()
            .map(|bytes| (*name, bytes))
    });
    let working = CONFIG_FILE_NAMES
        .iter()
        .find(|name| top.join(name).is_file())
        .copied();
    match (&committed, working) {
        (Some((name, bytes)), _) => {
            let text = String::from_utf8_lossy(bytes);
            match Policy::from_toml(name, &text) {
                Ok(_) => out.push(check("policy", Status::Pass, format!("{name} is committed and valid"), None)),
                Err(e) => out.push(check(
                    "policy",
                    Status::Fail,
                    format!("the committed {name} does not parse ({e}): every commit is refused"),
                    Some("fix it (`scopecheck config` shows the line) and commit the fix"),
                )),
            }
            let on_disk = std::fs::read(top.join(name)).ok();
            if on_disk.as_deref().is_some_and(|d| d != bytes.as_slice()) {
                out.push(check(
                    "policy/uncommitted",
                    Status::Warn,
                    format!("{name} has uncommitted changes: they apply from the commit after the one that commits them"),
                    Some(&format!("git add {name} && git commit")),
                ));
            }
        }
        (None, Some(name)) => out.push(check(
            "policy",
            Status::Fail,
            format!("{name} is not committed: the hooks and CI apply the embedded default policy until it is"),
            Some(&format!("git add {name} && git commit")),
        )),
        (None, None) => out.push(check(
            "policy",
            Status::Warn,
            "no scopecheck.toml: the embedded default policy applies",
            Some("scopecheck init, then commit scopecheck.toml"),
        )),
    }
    if committed.is_some() && parsed.is_some_and(|p| p.secrets.fingerprint_key.is_none()) {
        out.push(check(
            "policy/fingerprint-key",
            Status::Warn,
            "no `[secrets] fingerprint-key`: secret fingerprints in reports are plain hashes a weak password can be guessed back from",
            Some("add `fingerprint-key = \"…\"` (openssl rand -hex 32) under [secrets], then re-run `scopecheck baseline`"),
        ));
    }
    out
}

fn baseline_check(repo: &Repo, policy: &Policy) -> Option<Check> {
    let bytes = repo.file_at("HEAD", &policy.baseline).ok().flatten()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(match Baseline::parse(&text) {
        Ok(b) => check(
            "baseline",
            Status::Pass,
            format!(
                "{} is committed with {} accepted finding(s)",
                policy.baseline,
                b.len()
            ),
            None,
        ),
        Err(e) => check(
            "baseline",
            Status::Fail,
            format!("the committed {} does not parse: {e}", policy.baseline),
            Some("regenerate it with `scopecheck baseline` and commit it"),
        ),
    })
}

fn signing_check(repo: &Repo, policy: &Policy) -> Option<Check> {
    repo.file_at("HEAD", &policy.allowed_signers)
        .ok()
        .flatten()?;
    Some(match authority::signing_key() {
        Some(_) => check(
            "approvals/signing-key",
            Status::Pass,
            "an SSH signing key is configured: you can sign approvals and work orders",
            None,
        ),
        None => check(
            "approvals/signing-key",
            Status::Warn,
            format!("{} is committed, but git has no SSH signing key configured (global config): you cannot approve", policy.allowed_signers),
            Some("git config --global gpg.format ssh && git config --global user.signingkey ~/.ssh/id_ed25519.pub"),
        ),
    })
}

// ---- agent session -------------------------------------------------------------------

fn agent_checks(
    repo: &Repo,
    top: &Path,
    actor: &Actor,
    policy: &Policy,
) -> Result<Vec<Check>, CliError> {
    let Actor::Agent { name, .. } = actor else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let task = std::env::var_os("SCOPECHECK_TASK").map(PathBuf::from);
    match policy::work_order(task.as_deref(), Some(top)) {
        Ok(Some(mut order)) => {
            let head = repo.head_commit()?.map(|h| h.to_string());
            let signers = authority::signers_at(repo, head.as_deref(), policy)?;
            authority::establish(&mut order, &signers, Some(&authority::record_file(repo)));
            authority::check_active(repo, &mut order);
            out.push(match &order.trust {
                Trust::Signed { by, .. } => check("agent/work-order", Status::Pass, format!("{} is signed by {by}", order.file), None),
                Trust::Recorded => check(
                    "agent/work-order",
                    Status::Warn,
                    format!("{} is unsigned (issued on this machine by `task start`)", order.file),
                    Some("sign work orders: add an allowed-signers file and a signing key (README: Review and approvals)"),
                ),
                Trust::Untrusted { reason, .. } => check(
                    "agent/work-order",
                    Status::Fail,
                    format!("{} is not trusted: {reason}", order.file),
                    Some("a person issues a new one: scopecheck task start --goal … --scope …"),
                ),
                Trust::Unchecked => check("agent/work-order", Status::Warn, format!("{} was not checked", order.file), None),
            });
        }
        Ok(None) => out.push(check(
            "agent/work-order",
            Status::Fail,
            format!("{name} is working here without a work order: nothing limits what it may change"),
            Some("a person issues one: scopecheck task start --goal \"…\" --scope \"src/**\" (or --worktree for an isolated workspace)"),
        )),
        Err(e) => out.push(check(
            "agent/work-order",
            Status::Fail,
            format!("the work order cannot be read: {e}"),
            Some("a person issues a new one with `scopecheck task start`"),
        )),
    }
    if let Some(branch) = cmd::current_branch(top) {
        if policy.agent_protected_branches.is_match(&branch) {
            out.push(check(
                "agent/branch",
                Status::Fail,
                format!("{name} is working on `{branch}`, a branch the policy reserves for people"),
                Some("git switch -c agent/<task> (or `scopecheck task start --worktree`)"),
            ));
        } else {
            out.push(check(
                "agent/branch",
                Status::Pass,
                format!("on `{branch}`"),
                None,
            ));
        }
    }
    let guards: [(&str, &str); 3] = [
        ("claude", ".claude/settings.json"),
        ("cursor", ".cursor/hooks.json"),
        ("gemini", ".gemini/settings.json"),
    ];
    let lower = name.to_ascii_lowercase();
    if let Some((agent, file)) = guards.iter().find(|(a, _)| lower.contains(a)) {
        let calls = std::fs::read_to_string(top.join(file)).is_ok_and(|t| {
            t.contains("scopecheck") && t.contains(&format!("guard --agent {agent}"))
        });
        out.push(if calls {
            check("agent/guard", Status::Pass, format!("{file} runs `scopecheck guard` before tool calls"), None)
        } else {
            check(
                "agent/guard",
                Status::Warn,
                format!("{file} does not run `scopecheck guard`: tool calls are checked only at commit time"),
                Some(&format!("scopecheck guard install --agent {agent}")),
            )
        });
    }
    Ok(out)
}

// ---- credential hygiene --------------------------------------------------------------

/// Variables that hold a credential by their name alone, whatever the value looks like.
const CREDENTIAL_VARIABLES: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "GL_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "PYPI_TOKEN",
    "TWINE_PASSWORD",
    "CARGO_REGISTRY_TOKEN",
    "DOCKER_PASSWORD",
    "AZURE_CLIENT_SECRET",
    "ARM_CLIENT_SECRET",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "VAULT_TOKEN",
    "HEROKU_API_KEY",
    "DIGITALOCEAN_ACCESS_TOKEN",
    "CLOUDFLARE_API_TOKEN",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "STRIPE_SECRET_KEY",
    "DATABASE_URL",
    "KUBECONFIG",
];

/// Credential files in a home directory that a process running as the user can read.
const HOME_FILES: &[&str] = &[
    ".aws/credentials",
    ".config/gh/hosts.yml",
    ".docker/config.json",
    ".kube/config",
    ".netrc",
    ".pypirc",
    ".npmrc",
    ".cargo/credentials.toml",
    ".cargo/credentials",
    ".git-credentials",
    ".config/gcloud/application_default_credentials.json",
    ".azure/accessTokens.json",
];

const ADVICE: &str = "give the session staging or read-only, short-lived credentials (not production keys, not a control-plane token); unset what it does not need";

/// What credentials this session can read: each one a finding-like check with the
/// variable or path and a redacted value, never the value. People get warnings (their
/// own credentials are normal); an agent's session fails, as the policy's agent floor
/// would have it.
fn credential_hygiene(repo: &Repo, top: &Path, policy: &Policy, actor: &Actor) -> Vec<Check> {
    let status = if actor.is_agent() {
        Status::Fail
    } else {
        Status::Warn
    };
    let mut out = Vec::new();

    // The environment, one `NAME=value` line per variable, judged as a .env file would be.
    let vars: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().replace('\n', " "),
            )
        })
        .filter(|(k, v)| !v.is_empty() && !k.starts_with("SCOPECHECK_"))
        .collect();
    let text: String = vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let found = secret_findings(policy, "(environment)", text.into_bytes());
    let mut named: Vec<&str> = Vec::new();
    for f in &found {
        let Some((name, _)) = vars.get(f.line.saturating_sub(1) as usize) else {
            continue;
        };
        named.push(name);
        out.push(check(
            &format!("env:{name}"),
            status,
            format!("{} ({})", f.rule, f.evidence.clone().unwrap_or_default()),
            Some(ADVICE),
        ));
    }
    for (name, value) in &vars {
        if CREDENTIAL_VARIABLES.contains(&name.as_str()) && !named.contains(&name.as_str()) {
            out.push(check(
                &format!("env:{name}"),
                status,
                format!(
                    "a credential variable by name ({})",
                    scopecheck_core::redact(value.as_bytes())
                ),
                Some(ADVICE),
            ));
        }
    }

    // Credential files in the work tree that git does not track (ignored ones included:
    // `.gitignore` keeps them out of commits, not out of an agent's reach).
    let walker = ignore::WalkBuilder::new(top)
        .standard_filters(false)
        .hidden(false)
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && matches!(
                    n.as_ref(),
                    ".git" | "node_modules" | "target" | ".venv" | "venv" | "vendor"
                ))
        })
        .build();
    for entry in walker.filter_map(Result::ok) {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(top) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let Some((kind, _)) = scopecheck_core::checks::sensitive_files::path_kind(&rel, policy)
        else {
            continue;
        };
        if repo.staged_file(&rel).ok().flatten().is_some() {
            continue; // tracked: the hooks and CI judge it.
        }
        let found = secret_findings(
            policy,
            &rel,
            std::fs::read(entry.path()).unwrap_or_default(),
        );
        out.push(file_check(&rel, &found, kind, status, "untracked"));
    }

    // Well-known credential files in the home directory.
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        for rel in HOME_FILES {
            let path = home.join(rel);
            // Many of these files also hold plain settings (`.npmrc`, docker's
            // config.json): only one with a secret, or a credential field, counts.
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            let lower = String::from_utf8_lossy(&data).to_ascii_lowercase();
            let has_field = ["secret", "token", "password", "\"auth\"", "_auth", "login "]
                .iter()
                .any(|k| lower.contains(k));
            let shown = format!("~/{rel}");
            let found = secret_findings(policy, &shown, data);
            if has_field || !found.is_empty() {
                out.push(file_check(
                    &shown,
                    &found,
                    "credential file",
                    status,
                    "readable",
                ));
            }
        }
    }
    out
}

/// A credential file's check: its kind and, when its content holds a known secret, the
/// first one redacted.
fn file_check(shown: &str, found: &[Finding], kind: &str, status: Status, how: &str) -> Check {
    let detail = match found.first() {
        Some(f) => format!(
            "; holds {} ({}){}",
            f.rule,
            f.evidence.clone().unwrap_or_default(),
            if found.len() > 1 {
                format!(" and {} more", found.len() - 1)
            } else {
                String::new()
            }
        ),
        None => String::new(),
    };
    check(
        &format!("file:{shown}"),
        status,
        format!("{how} {kind}{detail}"),
        Some(ADVICE),
    )
}

/// The secret findings in `data`, judged as a new file at `path` (redacted by the check).
fn secret_findings(policy: &Policy, path: &str, data: Vec<u8>) -> Vec<Finding> {
    let size = data.len() as u64;
    let cs = cmd::scan::as_added(
        path.to_owned(),
        String::new(),
        FileMode::Regular,
        size,
        Content::Loaded(data.into()),
    );
    evaluate(policy, &cs)
        .findings
        .into_iter()
        .filter(|f| f.rule.starts_with("secret/") && f.rule != "secret/sensitive-file")
        .collect()
}
