//! `scopecheck guard`: an agent's tool call, judged before it runs.
//!
//! Reads one hook event on stdin in the agent's protocol, maps it onto a
//! [`ToolCall`](scopecheck_core::guard::ToolCall), judges it with the policy committed at `HEAD` and the work order in
//! force, and answers in the same protocol: allow, allow with a message (warn), ask a
//! person (review) or deny (block). Anything that goes wrong — unreadable input, an
//! unknown tool payload, a broken policy — denies: the guard fails closed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use scopecheck_core::guard::event::{self, Agent, EventError};
use scopecheck_core::guard::judge;
use scopecheck_core::{Action, Actor, Report};
use scopecheck_git::Repo;

use crate::args::{AgentKind, GuardAction, GuardArgs, PolicyArgs};
use crate::error::CliError;
use crate::{audit, authority, policy};

/// Claude Code reads stdin of at most this size per event; a larger one is refused.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

pub fn run(args: &GuardArgs) -> Result<i32, CliError> {
    match (&args.action, args.agent) {
        (Some(GuardAction::Install { agent }), _) => install(*agent, true),
        (Some(GuardAction::Uninstall { agent }), _) => install(*agent, false),
        (None, Some(agent)) => Ok(hook(agent)),
        (None, None) => Err(CliError::usage(
            "say which agent's hook protocol to speak: --agent claude, cursor or gemini",
            Some("`scopecheck guard install --agent claude` sets it up".to_owned()),
        )),
    }
}

/// One hook event, start to finish; never an `Err`: every failure is a deny.
fn hook(agent: AgentKind) -> i32 {
    let mut input = String::new();
    let read = std::io::stdin().take(MAX_INPUT).read_to_string(&mut input);
    let verdict = read
        .map_err(|e| format!("cannot read the hook event: {e}"))
        .and_then(|_| decide(agent, &input).map_err(|e| e.to_string()));
    match verdict {
        Ok((action, reason)) => answer(agent, action, &reason),
        Err(why) => {
            let reason = format!("scopecheck guard failed, so the tool call is refused: {why}");
            answer(agent, Action::Block, &reason);
            // Exit 2 blocks in Claude Code's protocol even if the JSON went unread.
            eprintln!("{reason}");
            2
        }
    }
}

/// Writes the decision in the agent's protocol; the exit code to end with.
fn answer(agent: AgentKind, action: Action, reason: &str) -> i32 {
    let out = match agent {
        AgentKind::Claude => {
            let decision = match action {
                // "allow" would also skip the user's own permission prompts: for calls
                // the policy has nothing against, say nothing and leave those in charge.
                Action::Allow => {
                    println!("{{}}");
                    return 0;
                }
                Action::Warn => {
                    println!("{}", json!({ "systemMessage": reason }));
                    return 0;
                }
                Action::Review => "ask",
                Action::Block => "deny",
            };
            json!({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": decision,
                    "permissionDecisionReason": reason,
                }
            })
        }
        AgentKind::Cursor => {
            let permission = match action {
                Action::Allow | Action::Warn => "allow",
                Action::Review => "ask",
                Action::Block => "deny",
            };
            if action == Action::Allow {
                json!({ "permission": permission })
            } else {
                json!({ "permission": permission, "user_message": reason, "agent_message": reason })
            }
        }
        AgentKind::Gemini => match action {
            Action::Allow => json!({ "decision": "allow" }),
            Action::Warn => json!({ "decision": "allow", "systemMessage": reason }),
            // Gemini CLI cannot ask the user from a hook: a call that needs a person's
            // decision is refused, with the reason, and the person can run it.
            Action::Review => json!({
                "decision": "deny",
                "reason": format!("needs a person's decision (Gemini CLI hooks cannot ask): {reason}"),
            }),
            Action::Block => json!({ "decision": "deny", "reason": reason }),
        },
    };
    println!("{out}");
    0
}

/// The working tree, as the event mapping reads it.
struct WorkTree<'a> {
    top: &'a Path,
}

impl event::Workspace for WorkTree<'_> {
    fn relative(&self, path: &str) -> Option<String> {
        relative(self.top, path)
    }

    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, EventError> {
        let file = self.top.join(rel);
        match std::fs::read(&file) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(EventError(format!("{}: {e}", file.display()))),
        }
    }
}

/// `path` relative to the repository top, or `None` when it lies outside.
fn relative(top: &Path, path: &str) -> Option<String> {
    let p = Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        top.join(p)
    };
    // The file may not exist yet: canonicalise the deepest existing ancestor.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?.to_path_buf();
    }
    let mut full = existing.canonicalize().ok()?;
    for r in rest.iter().rev() {
        full.push(r);
    }
    let rel = full.strip_prefix(top).ok()?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    (!rel.is_empty() && !rel.split('/').any(|c| c == "..")).then_some(rel)
}

fn decide(agent: AgentKind, input: &str) -> Result<(Action, String), CliError> {
    let event: Value = serde_json::from_str(input).map_err(|e| {
        CliError::usage(
            format!(
                "the hook event is not JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
            None,
        )
    })?;
    if !event.is_object() {
        return Err(CliError::usage(
            "malformed hook event: not a JSON object",
            None,
        ));
    }
    let cwd = event
        .get("cwd")
        .and_then(Value::as_str)
        .or_else(|| {
            event
                .get("workspace_roots")
                .and_then(|r| r.get(0))
                .and_then(Value::as_str)
        })
        .map(PathBuf::from)
        .map_or_else(crate::cmd::current_dir, Ok)?;
    let repo = Repo::discover(&cwd)?;
    let top = repo
        .workdir()
        .ok_or_else(|| {
            CliError::usage(
                "the guard needs a working tree; this repository is bare",
                None,
            )
        })?
        .canonicalize()
        .map_err(CliError::io("the repository"))?;
    let protocol = match agent {
        AgentKind::Claude => Agent::Claude,
        AgentKind::Cursor => Agent::Cursor,
        AgentKind::Gemini => Agent::Gemini,
    };
    let (tool, calls) = event::tool_calls(protocol, &event, &WorkTree { top: &top })
        .map_err(|e| CliError::usage(e.0, None))?;
    // The agent calling is an agent, whatever its environment says.
    let actor = Actor::Agent {
        name: agent.display().to_owned(),
        signal: "scopecheck guard --agent".to_owned(),
    };
    let head = repo.head_commit()?;
    let loaded = policy::at_commit(&PolicyArgs::default(), &repo, head)?;
    let mut loaded = policy::with_repo_context(loaded, &repo, None)?;
    let head_rev = head.map(|h| h.to_string());
    let signers = authority::signers_at(&repo, head_rev.as_deref(), &loaded.policy)?;
    match loaded.policy.task.as_mut() {
        Some(task) => {
            let task = Arc::make_mut(task);
            authority::establish(task, &signers, Some(&authority::record_file(&repo)));
            authority::check_active(&repo, task);
        }
        None => loaded.policy.missing_task = authority::missing_task(&repo),
    }
    let mut report = Report::empty(loaded.policy.fail_on);
    for call in &calls {
        report.merge(judge(&loaded.policy, call, &actor));
    }
    report
        .findings
        .dedup_by(|a, b| a.rule == b.rule && a.path == b.path && a.message == b.message);
    let (action, reason) = verdict(&report);
    audit::record(
        &repo,
        &loaded.policy.audit,
        audit::decision_entry(
            "guard",
            &actor,
            json!({"head": head_rev, "tool": tool, "work-order": crate::cmd::precommit::work_order_json(&loaded)}),
            &[],
            &report,
        ),
    )?;
    Ok((action, reason))
}

/// The decision and the reason shown to the agent (and the person, when asked).
fn verdict(report: &Report) -> (Action, String) {
    let action = report.decision();
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.action >= Action::Warn)
        .map(|f| {
            let path = if f.path == "(shell)" {
                String::new()
            } else {
                format!(" {}:", f.path)
            };
            format!("[{}] {}{path} {} — {}", f.action, f.rule, f.message, f.help)
        })
        .collect();
    lines.dedup();
    if lines.is_empty() {
        return (action, "scopecheck: allowed".to_owned());
    }
    (action, format!("scopecheck: {}", lines.join("\n")))
}

/// Where each agent keeps project hook settings.
fn settings_path(top: &Path, agent: AgentKind) -> PathBuf {
    match agent {
        AgentKind::Claude => top.join(".claude").join("settings.json"),
        AgentKind::Cursor => top.join(".cursor").join("hooks.json"),
        AgentKind::Gemini => top.join(".gemini").join("settings.json"),
    }
}

fn our_command(agent: AgentKind) -> Result<String, CliError> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(CliError::io("the scopecheck executable"))?;
    Ok(format!(
        "'{}' guard --agent {}",
        exe.display().to_string().replace('\'', "'\\''"),
        agent.name()
    ))
}

fn is_ours(cmd: &str, agent: AgentKind) -> bool {
    cmd.contains("scopecheck") && cmd.ends_with(&format!("guard --agent {}", agent.name()))
}

/// The events the guard registers for, per agent.
fn events(agent: AgentKind) -> &'static [&'static str] {
    match agent {
        AgentKind::Claude => &["PreToolUse"],
        AgentKind::Cursor => &[
            "beforeShellExecution",
            "beforeReadFile",
            "beforeMCPExecution",
        ],
        AgentKind::Gemini => &["BeforeTool"],
    }
}

/// Merges (or removes) the guard's hook entries in the agent's settings, keeping every
/// other setting and hook as it was.
fn install(agent: AgentKind, add: bool) -> Result<i32, CliError> {
    let repo = crate::cmd::open_repo()?;
    let top = repo
        .workdir()
        .ok_or_else(|| CliError::usage("guard install needs a working tree", None))?
        .to_path_buf();
    let path = settings_path(&top, agent);
    let shown = path.display().to_string();
    let mut settings: Value = match std::fs::read_to_string(&path) {
        Ok(t) if t.trim().is_empty() => json!({}),
        Ok(t) => serde_json::from_str(&t).map_err(|e| {
            CliError::usage(
                format!("{shown} is not valid JSON (line {}, column {}); fix it first, scopecheck will not overwrite it", e.line(), e.column()),
                None,
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(CliError::io(&path)(e)),
    };
    let command = our_command(agent)?;
    let not = |what: &str| CliError::usage(format!("{shown}: {what}"), None);
    let root = settings
        .as_object_mut()
        .ok_or_else(|| not("not a JSON object"))?;
    if agent == AgentKind::Cursor {
        root.entry("version").or_insert(json!(1));
    }
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| not("`hooks` is not an object"))?;
    let mut removed = 0;
    for event in events(agent) {
        let list = hooks
            .entry(*event)
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or_else(|| not(&format!("`hooks.{event}` is not a list")))?;
        let ours = |h: &Value| {
            h.get("command")
                .and_then(Value::as_str)
                .is_some_and(|c| is_ours(c, agent))
        };
        if agent == AgentKind::Cursor {
            // Cursor: a flat list of {command} per event.
            let before = list.len();
            list.retain(|h| !ours(h));
            removed += before - list.len();
            if add {
                list.push(json!({ "command": command }));
            }
        } else {
            // Claude Code and Gemini CLI: groups of {matcher, hooks: [...]}.
            for group in list.iter_mut() {
                if let Some(inner) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                    let before = inner.len();
                    inner.retain(|h| !ours(h));
                    removed += before - inner.len();
                }
            }
            list.retain(|g| {
                g.get("hooks")
                    .and_then(Value::as_array)
                    .is_none_or(|h| !h.is_empty())
            });
            if add {
                let (matcher, timeout) = match agent {
                    AgentKind::Gemini => (".*", 30_000),
                    _ => ("*", 30),
                };
                list.push(json!({
                    "matcher": matcher,
                    "hooks": [{ "type": "command", "command": command, "timeout": timeout }]
                }));
            }
        }
        if list.is_empty() {
            hooks.remove(*event);
        }
    }
    if hooks.is_empty() {
        root.remove("hooks");
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
    }
    let text = serde_json::to_string_pretty(&settings).unwrap_or_default() + "\n";
    crate::cmd::write_atomic(&path, text.as_bytes())?;
    if add {
        println!(
            "{}: tool calls now go through `{command}` ({shown})",
            agent.display()
        );
        println!("commit {shown} so the whole team gets it (it is self-protected: later edits need review)");
    } else {
        println!("removed {removed} scopecheck hook(s) from {shown}");
    }
    Ok(0)
}
