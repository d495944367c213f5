//! Human authority in the binary: loading the allowed signers of the judging policy,
//! verifying work orders and approvals, and signing with the person's git signing key.
//!
//! Trust comes from the signature, never from where a file was found: an approval or a
//! work order may come from the index, the working tree or the head of a pull request,
//! because only a key listed in the allowed-signers file of the policy that judges the
//! change (HEAD for pre-commit, the base for pre-push and ci) can make it count.

use std::path::{Path, PathBuf};
use std::process::Command;

use scopecheck_core::approval::APPROVALS_DIR;
use scopecheck_core::checks::authority::{RULES as AUTHORITY_RULES, UNTRUSTED_APPROVAL};
use scopecheck_core::{Approval, ApprovalFile, ChangeSet, Finding, Policy, Trust, WorkOrder};
use scopecheck_git::Repo;
use scopecheck_trust::{time, verify, AllowedSigners, VerifyError};

use crate::error::CliError;

/// The signers in force, or why there are none.
pub struct Signers {
    pub signers: Option<AllowedSigners>,
    /// Where they came from (or were looked for), for notes and errors.
    pub origin: String,
}

impl Signers {
    fn none(origin: String) -> Signers {
        Signers {
            signers: None,
            origin,
        }
    }

    /// Verifies `armored` over `message`, signed at `at` (RFC 3339; now when absent or
    /// unreadable, which can only make a time-limited key fail, never pass).
    pub fn verify(
        &self,
        message: &[u8],
        armored: &str,
        at: Option<&str>,
    ) -> Result<scopecheck_trust::Signer, String> {
        let Some(s) = &self.signers else {
            return Err(format!(
                "no allowed-signers file is in force ({}), so no signature can be trusted",
                self.origin
            ));
        };
        let at = at
            .and_then(time::parse_rfc3339)
            .unwrap_or_else(time::now_unix);
        verify(s, message, armored, at).map_err(|e: VerifyError| e.to_string())
    }
}

fn parse(name: &str, bytes: Vec<u8>) -> Result<AllowedSigners, CliError> {
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{name} is not valid UTF-8"), None))?;
    AllowedSigners::parse(name, &text).map_err(|e| {
        CliError::usage(
            e.to_string(),
            Some("the file uses git's allowed-signers format: `principals [options] key-type base64-key`".to_owned()),
        )
    })
}

/// The allowed signers committed at `rev` (HEAD for pre-commit, the base for ranges).
pub fn signers_at(repo: &Repo, rev: Option<&str>, policy: &Policy) -> Result<Signers, CliError> {
    let path = &policy.allowed_signers;
    let Some(rev) = rev else {
        return Ok(Signers::none(format!("{path}: nothing is committed yet")));
    };
    let short: String = rev.chars().take(12).collect();
    match repo.file_at(rev, path)? {
        Some(bytes) => Ok(Signers {
            signers: Some(parse(&format!("{path} ({short})"), bytes)?),
            origin: format!("{path} at {short}"),
        }),
        None => Ok(Signers::none(format!("{path} is not committed at {short}"))),
    }
}

/// For a first commit of the policy: with nothing committed at HEAD, a person may use
/// the allowed-signers file they are committing. An agent never may (it would trust its
/// own key), and CI never does (see `--allowed-signers`).
pub fn bootstrap_signers(repo: &Repo, policy: &Policy) -> Result<Option<Signers>, CliError> {
    let path = &policy.allowed_signers;
    Ok(match repo.staged_file(path)? {
        Some(bytes) => Some(Signers {
            signers: Some(parse(&format!("{path} (staged)"), bytes)?),
            origin: format!("{path} as staged (first policy commit: nothing committed yet)"),
        }),
        None => None,
    })
}

/// An allowed-signers file named on the command line (CI: a file the pipeline owns).
pub fn signers_from_file(path: &Path) -> Result<Signers, CliError> {
    let bytes = std::fs::read(path).map_err(CliError::io(path))?;
    Ok(Signers {
        signers: Some(parse(&path.display().to_string(), bytes)?),
        origin: format!("{} (--allowed-signers)", path.display()),
    })
}

/// The file in the git directory where `task start` records unsigned work orders.
pub fn record_file(repo: &Repo) -> PathBuf {
    repo.common_dir().join("scopecheck").join("work-orders")
}

/// The marker `task start` leaves while a work order is active: its path. An agent that
/// deletes the work order itself (the widest possible scope) is then noticed.
pub fn active_file(repo: &Repo) -> PathBuf {
    // One marker per worktree (each task's worktree has its own work order), all kept
    // in the common git dir so that a new worktree cannot start without any: see
    // `check_active`.
    let dir = repo.common_dir().join("scopecheck");
    if repo.git_dir() == repo.common_dir() {
        return dir.join("active-task");
    }
    let name = repo
        .git_dir()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!("active-task.{name}"))
}

/// The work-order hashes of every worktree's active marker.
fn active_hashes(repo: &Repo) -> Vec<String> {
    let dir = repo.common_dir().join("scopecheck");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("active-task"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|t| t.lines().nth(1).map(|h| h.trim().to_owned()))
        .collect()
}

/// Why the policy has no work order although one is active, if so.
pub fn missing_task(repo: &Repo) -> Option<String> {
    let text = std::fs::read_to_string(active_file(repo)).ok()?;
    let path = PathBuf::from(text.lines().next()?.trim());
    (!path.is_file()).then(|| {
        format!(
            "`scopecheck task start` issued one at {} and it is gone (deleted, or moved away) without `scopecheck task end`",
            path.display()
        )
    })
}

/// Marks `order` (at `path`) as the active work order.
pub fn mark_active(repo: &Repo, path: &Path, order: &WorkOrder) -> Result<(), CliError> {
    let active = active_file(repo);
    if let Some(dir) = active.parent() {
        std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
    }
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let hash = scopecheck_trust::sha256_hex(&order.statement());
    crate::cmd::write_atomic(&active, format!("{}\n{hash}\n", abs.display()).as_bytes())
}

/// A trusted work order that is not the one `task start` last issued here (an older
/// signed one put back, or another file named by --task / SCOPECHECK_TASK) is untrusted.
///
/// A worktree without a marker of its own (one made with `git worktree add`, not `task
/// start --worktree`) may only carry a work order active in some other worktree:
/// otherwise an agent could make a fresh worktree and put an older, wider order in it.
pub fn check_active(repo: &Repo, order: &mut WorkOrder) {
    if !order.trust.is_trusted() {
        return;
    }
    let hash = scopecheck_trust::sha256_hex(&order.statement());
    let own = std::fs::read_to_string(active_file(repo))
        .ok()
        .and_then(|t| t.lines().nth(1).map(|h| h.trim().to_owned()));
    let stale = match own {
        Some(want) => want != hash,
        None => {
            let any = active_hashes(repo);
            !any.is_empty() && !any.contains(&hash)
        }
    };
    if stale {
        order.trust = Trust::Untrusted {
            reason: "it is not the work order last issued here by `scopecheck task start` (an older or another work order was put in its place)".to_owned(),
            broken_signature: false,
        };
    }
}

/// Records an unsigned work order's hash (shared by all worktrees).
pub fn record_work_order(repo: &Repo, order: &WorkOrder) -> Result<(), CliError> {
    use std::io::Write;
    let path = record_file(repo);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(CliError::io(&path))?;
    writeln!(f, "{}", scopecheck_trust::sha256_hex(&order.statement())).map_err(CliError::io(&path))
}

/// Decides whether `order` was issued by a person: a valid signature, else (locally) a
/// hash recorded by `task start`.
pub fn establish(order: &mut WorkOrder, signers: &Signers, record: Option<&Path>) {
    order.trust = match &order.signature {
        Some(sig) => match signers.verify(&order.statement(), sig, order.issued_at.as_deref()) {
            Ok(s) => Trust::Signed {
                by: s.name(),
                key: s.fingerprint,
            },
            Err(why) => Trust::Untrusted {
                reason: why,
                broken_signature: true,
            },
        },
        None if signers.signers.is_some() => Trust::Untrusted {
            reason: format!(
                "it is not signed, and with an allowed-signers file in force ({}) a work order must be",
                signers.origin
            ),
            broken_signature: false,
        },
        None => {
            let hash = scopecheck_trust::sha256_hex(&order.statement());
            let recorded = record
                .and_then(|p| std::fs::read_to_string(p).ok())
                .is_some_and(|t| t.lines().any(|l| l.trim() == hash));
            if recorded {
                Trust::Recorded
            } else if record.is_none() {
                Trust::Untrusted {
                    reason: "it is not signed, and an unsigned work order is trusted only on the machine where `scopecheck task start` recorded it".to_owned(),
                    broken_signature: false,
                }
            } else {
                Trust::Untrusted {
                    reason: "it is not signed and does not match any work order `scopecheck task start` issued here: it was edited or written by hand".to_owned(),
                    broken_signature: false,
                }
            }
        }
    };
}

/// Approval files the change adds or modifies, verified. Returns the approvals that
/// verified, and a finding for each file that did not.
///
/// `bases` are the commits an approval for this change may have been made on (HEAD for
/// pre-commit; the base and every commit of the range for pre-push and ci). Approvals
/// made elsewhere verify but do not apply: they are noted in `stale`.
pub fn approvals_in(
    changes: &ChangeSet,
    signers: &Signers,
    bases: &[Option<String>],
    stale: &mut Vec<String>,
) -> (Vec<Approval>, Vec<Finding>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for change in &changes.files {
        if !change.path.starts_with(APPROVALS_DIR) {
            continue;
        }
        let Some(new) = &change.new else {
            continue; // removing an approval approves nothing
        };
        // Whatever sits here is exempt from scope only because it is judged by its
        // signature: a submodule, symlink, binary or oversized entry cannot be one.
        let verdict = match (new.mode, change.new_contents()) {
            (scopecheck_core::FileMode::Regular, Some(bytes)) => Ok(bytes),
            (mode, _) => Err(format!(
                "a {mode:?} entry (or unreadable content) is not an approval file"
            )),
        }
        .and_then(ApprovalFile::parse)
        .and_then(|file| {
            let st = &file.statement;
            signers
                .verify(&st.signed_bytes(), &file.signature, Some(&st.issued_at))
                .map(|s| (file.clone(), s))
        });
        match verdict {
            Ok((file, _)) if !bases.contains(&file.statement.base) => {
                stale.push(format!(
                    "the approval in {} was made on {} and this change is not: it does not apply here (re-approve after a rebase; an old approval cannot be replayed)",
                    change.path,
                    file.statement
                        .base
                        .as_deref()
                        .map_or("an empty repository".to_owned(), |b| format!("commit {}", &b[..b.len().min(12)]))
                ));
            }
            Ok((file, signer)) => {
                for item in file.statement.items {
                    ok.push(Approval {
                        item,
                        reason: file.statement.reason.clone(),
                        approved_by: signer.name(),
                        key: signer.fingerprint.clone(),
                        approved_at: file.statement.issued_at.clone(),
                        file: change.path.clone(),
                    });
                }
            }
            Err(why) => {
                let meta = &AUTHORITY_RULES[1];
                bad.push(Finding::for_file(
                    UNTRUSTED_APPROVAL,
                    meta.default_action,
                    &change.path,
                    format!("{} approves nothing: {why}", change.path),
                    meta.how_to_fix.to_owned(),
                ));
            }
        }
    }
    (ok, bad)
}

/// A git setting from the person's own configuration (global, then system), never the
/// repository's `.git/config`: an agent can write that file, and a repository-local
/// `gpg.ssh.program` or `user.signingkey` would make the person's next signature sign
/// what the agent chose.
fn git_config(key: &str) -> Option<String> {
    ["--global", "--system"].into_iter().find_map(|scope| {
        let out = Command::new("git")
            .args(["config", scope, "--get", key])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    })
}

/// The person's git identity, `Name <email>`.
pub fn identity() -> Option<String> {
    match (git_config("user.name"), git_config("user.email")) {
        (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
        (None, Some(e)) => Some(e),
        (Some(n), None) => Some(n),
        (None, None) => None,
    }
}

/// Whether git is set up to sign with an SSH key (what `task start` and `approve` use).
pub fn signing_key() -> Option<String> {
    let ssh = git_config("gpg.format").is_some_and(|f| f.eq_ignore_ascii_case("ssh"));
    ssh.then(|| git_config("user.signingkey")).flatten()
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Result<Scratch, CliError> {
    let dir = std::env::temp_dir().join(format!(
        "scopecheck-sign-{}-{}",
        std::process::id(),
        time::now_unix()
    ));
    std::fs::create_dir_all(&dir).map_err(CliError::io(&dir))?;
    Ok(Scratch(dir))
}

/// Signs `message` with `key` (git's `user.signingkey`: a key file, or a literal public
/// key whose private half is in ssh-agent) through `ssh-keygen -Y sign -n scopecheck`,
/// as `git commit -S` does. The person may be asked for a passphrase or a touch.
pub fn sign(key: &str, message: &[u8]) -> Result<String, CliError> {
    let dir = scratch()?;
    let data = dir.0.join("statement");
    std::fs::write(&data, message).map_err(CliError::io(&data))?;
    let literal = key.strip_prefix("key::").or_else(|| {
        (key.starts_with("ssh-") || key.starts_with("ecdsa-") || key.starts_with("sk-"))
            .then_some(key)
    });
    let program = git_config("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".to_owned());
    let mut cmd = Command::new(&program);
    cmd.args(["-Y", "sign", "-n", scopecheck_trust::NAMESPACE]);
    match literal {
        Some(pubkey) => {
            let f = dir.0.join("key.pub");
            std::fs::write(&f, format!("{pubkey}\n")).map_err(CliError::io(&f))?;
            cmd.arg("-U").arg("-f").arg(f);
        }
        None => {
            let path = match key.strip_prefix("~/") {
                Some(rest) => std::env::var_os("HOME")
                    .map_or_else(|| PathBuf::from(key), |h| PathBuf::from(h).join(rest)),
                None => PathBuf::from(key),
            };
            cmd.arg("-f").arg(path);
        }
    }
    let out = cmd
        .arg(&data)
        .stdin(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            CliError::usage(
                format!("cannot run `{program}` to sign: {e}"),
                Some("install OpenSSH's ssh-keygen (or set gpg.ssh.program)".to_owned()),
            )
        })?;
    if !out.status.success() {
        return Err(CliError::usage(
            format!(
                "signing failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Some("check `git config user.signingkey` (a key file, or `key::ssh-…` with the key in ssh-agent)".to_owned()),
        ));
    }
    let sig_path = dir.0.join("statement.sig");
    let sig = std::fs::read_to_string(&sig_path).map_err(CliError::io(&sig_path))?;
    Ok(sig)
}

/// Adds a finding for each approval file in `changes` that does not verify, then passes
/// the `review` findings that verified approvals cover. Notes which approvals matched
/// nothing (stale: the content changed after approval).
pub fn apply(
    report: &mut scopecheck_core::Report,
    changes: &ChangeSet,
    policy: &Policy,
    signers: &Signers,
    bases: &[Option<String>],
) {
    let mut stale = Vec::new();
    let (approvals, rejected) = approvals_in(changes, signers, bases, &mut stale);
    report.notes.extend(stale);
    for mut f in rejected {
        let Some(action) = policy.action_for(&f.rule, &f.path, f.action) else {
            continue;
        };
        f.action = action;
        report.findings.push(f);
    }
    let used = report.apply_approvals(changes, &approvals);
    note_unused(report, &approvals, &used);
}

/// Notes approvals that matched no finding.
pub fn note_unused(
    report: &mut scopecheck_core::Report,
    approvals: &[Approval],
    used: &std::collections::HashSet<usize>,
) {
    for (i, a) in approvals.iter().enumerate() {
        if !used.contains(&i) {
            report.notes.push(format!(
                "approval in {} for {} on {} matches no review finding here (the content changed since it was approved, or the finding is gone)",
                a.file, a.item.rule, a.item.path
            ));
        }
    }
}
