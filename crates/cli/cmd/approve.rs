//! `scopecheck approve`: a person signs off `review` findings. The approval is a signed
//! statement bound to each finding's rule, path, fingerprint and the file's exact blob,
//! written under .scopecheck/approvals/ so it travels with the change to pre-push and CI.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::Command;

use serde_json::json;

use scopecheck_core::approval::{blob_at, APPROVALS_DIR, APPROVAL_KIND};
use scopecheck_core::{Action, ApprovalFile, ApprovalItem, ApprovalStatement, Finding};
use scopecheck_trust::time;

use crate::args::{ApproveArgs, CheckArgs, CommitCheckArgs, Format};
use crate::audit;
use crate::authority;
use crate::cmd::{open_repo, precommit, push};
use crate::error::CliError;

/// What the person confirms must be what they see: control characters (terminal escape
/// sequences in a file name could rewrite the list on screen) are shown escaped.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn selected(args: &ApproveArgs, f: &Finding) -> bool {
    let rule_ok = args.rule.as_ref().is_none_or(|r| *r == f.rule);
    let path_ok = args.path.as_ref().is_none_or(|p| {
        let p = p.trim_start_matches("./");
        f.path == p || (p.ends_with('/') && f.path.starts_with(p))
    });
    rule_ok && path_ok
}

pub fn run(args: &ApproveArgs) -> Result<i32, CliError> {
    let actor = crate::ancestry::actor();
    if let scopecheck_core::Actor::Agent { name, signal } = &actor {
        return Err(CliError::usage(
            format!("approvals are a person's decision; this looks like {name} ({signal})"),
            Some(
                "ask the person responsible to run `scopecheck approve` in their own terminal"
                    .to_owned(),
            ),
        ));
    }
    if !args.all && args.rule.is_none() && args.path.is_none() {
        return Err(CliError::usage(
            "say what to approve: --all, or --rule RULE and/or --path PATH",
            Some("`scopecheck pre-commit` lists the findings that need review".to_owned()),
        ));
    }
    let Some(reason) = args
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    else {
        return Err(CliError::usage(
            "an approval needs --reason TEXT",
            Some("say why these findings may pass; the reason is signed and shown wherever the approval is used".to_owned()),
        ));
    };
    let Some(key) = authority::signing_key() else {
        return Err(CliError::usage(
            "approvals are signed with your SSH signing key, and git has none configured",
            Some("git config gpg.format ssh && git config user.signingkey ~/.ssh/id_ed25519.pub (then add the public key to the allowed-signers file)".to_owned()),
        ));
    };
    let range = args.base.is_some();
    let (repo, report, changes, signers, policy, base) = if range {
        let check = CommitCheckArgs {
            policy: args.policy.clone(),
            task: args.task.clone(),
            format: Format::Human,
            output: None,
            fail_on: None,
        };
        let j = push::judge_ci(args.base.as_deref(), args.head.as_deref(), &check, None)?;
        let base = j.merge_base.map(|b| b.to_string());
        (j.repo, j.report, j.range, j.signers, j.loaded.policy, base)
    } else {
        let repo = open_repo()?;
        let check = CheckArgs {
            policy: args.policy.clone(),
            output: None,
            task: args.task.clone(),
            format: Format::Human,
            fail_on: None,
            files: Vec::new(),
        };
        let (report, changes, mut loaded) = precommit::judge_staged(&check, &repo)?;
        let signers = precommit::staged_signers(&repo, &mut loaded, &changes.actor)?;
        let base = repo.head_commit()?.map(|h| h.to_string());
        (repo, report, changes, signers, loaded.policy, base)
    };
    let Some(top) = repo.workdir().map(Path::to_path_buf) else {
        return Err(CliError::usage("approve needs a working tree", None));
    };

    let mut items = Vec::new();
    let mut shown = Vec::new();
    for f in report.findings.iter().filter(|f| selected(args, f)) {
        // Approvals exist mostly for agents' changes: a finding that is a warning for
        // the person approving but needs review when an agent commits it (a policy
        // edit, `agent-action-floor`) can be approved too.
        let action = if report.actor.is_agent() {
            f.action
        } else {
            f.action.max(policy.agent_action(&f.rule, f.action))
        };
        let line = format!(
            "  {:<6} {} {}:{}\n         {}{}",
            action.to_string(),
            printable(&f.rule),
            printable(&f.path),
            f.line,
            printable(&f.message),
            f.evidence
                .as_ref()
                .map(|e| format!("\n         evidence: {}", printable(e)))
                .unwrap_or_default()
        );
        if action == Action::Block {
            eprintln!("cannot be approved (block: fix it or change the policy):\n{line}");
            continue;
        }
        if action != Action::Review {
            continue;
        }
        let Some(blob) = blob_at(&changes, &f.path) else {
            eprintln!("cannot be approved (not a file of this change):\n{line}");
            continue;
        };
        shown.push(line);
        items.push(ApprovalItem {
            rule: f.rule.clone(),
            path: f.path.clone(),
            fingerprint: f.fingerprint.clone(),
            blob,
        });
    }
    if items.is_empty() {
        let approved = report
            .approved
            .iter()
            .filter(|a| selected(args, &a.finding))
            .count();
        return Err(CliError::usage(
            if approved > 0 {
                format!(
                    "nothing left to approve: {approved} matching finding(s) are approved already"
                )
            } else {
                "no `review` finding matches".to_owned()
            },
            None,
        ));
    }
    println!("Approving {} finding(s) for review:", items.len());
    for l in &shown {
        println!("{l}");
    }
    println!("reason: {}", printable(reason));
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                "refusing to approve without confirmation: standard input is not a terminal",
                Some("run it in a terminal, or pass --yes".to_owned()),
            ));
        }
        print!("Approve? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(CliError::io("standard input"))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("not approved");
            return Ok(1);
        }
    }
    let statement = ApprovalStatement {
        kind: APPROVAL_KIND.to_owned(),
        version: 1,
        issued_at: time::now_rfc3339(),
        reason: reason.to_owned(),
        base,
        items,
    };
    let signature = authority::sign(&key, &statement.signed_bytes())?;
    let signer = signers
        .verify(
            &statement.signed_bytes(),
            &signature,
            Some(&statement.issued_at),
        )
        .map_err(|why| {
            CliError::usage(
                format!("your signature would not be trusted: {why}"),
                Some(format!(
                    "a person already trusted adds your public key to {} and commits it",
                    signers.origin
                )),
            )
        })?;
    let file = ApprovalFile {
        statement,
        signature,
    };
    let json_text = file.to_json();
    let stamp: String = file
        .statement
        .issued_at
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let rel = format!(
        "{APPROVALS_DIR}{stamp}-{}.json",
        &scopecheck_trust::sha256_hex(json_text.as_bytes())[..8]
    );
    let path = top.join(&rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
    }
    crate::cmd::write_atomic(&path, json_text.as_bytes())?;
    if !range {
        // Stage only the new approval file, so the commit carries it to pre-push and CI.
        let status = Command::new("git")
            .current_dir(&top)
            .args(["add", "--", &rel])
            .status()
            .map_err(CliError::io("git"))?;
        if !status.success() {
            return Err(CliError::usage(format!("`git add {rel}` failed"), None));
        }
    }
    audit::record(
        &repo,
        &policy.audit,
        audit::event_entry(
            "approve",
            &actor,
            json!({
                "file": rel,
                "approved-by": signer.name(),
                "key": signer.fingerprint,
                "items": file.statement.items,
                "statement-sha256": scopecheck_trust::sha256_hex(&file.statement.signed_bytes()),
            }),
        ),
    )?;
    println!(
        "approved by {} ({}); wrote {rel}{}",
        signer.name(),
        signer.fingerprint,
        if range {
            ": commit it on the branch so CI sees it"
        } else {
            " and staged it: commit as usual"
        }
    );
    Ok(0)
}
