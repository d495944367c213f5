//! `scopecheck guard`: an agent's tool call, judged before it runs.
//!
//! Reads one hook event on stdin in the agent's protocol, maps it onto a
//! [`ToolCall`], judges it with the policy committed at `HEAD` and the work order in
//! force, and answers in the same protocol: allow, allow with a message (warn), ask a
//! person (review) or deny (block). Anything that goes wrong — unreadable input, an
//! unknown tool payload, a broken policy — denies: the guard fails closed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use scopecheck_core::guard::{judge, ToolCall};
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
            "say which agent's hook protocol to speak: --agent claude",
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
    match agent {
        AgentKind::Claude => {
            let decision = match action {
                Action::Allow | Action::Warn => "allow", // not sent: see below
                Action::Review => "ask",
                Action::Block => "deny",
            };
            let mut out = json!({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": decision,
                    "permissionDecisionReason": reason,
                }
            });
            // "allow" would also skip the user's own permission prompts: for calls the
            // policy has nothing against, say nothing and leave those in charge.
            if action == Action::Allow {
                out = json!({});
            } else if action == Action::Warn {
                out = json!({ "systemMessage": reason });
            }
            println!("{out}");
            0
        }
    }
}

/// The tool call an event describes.
fn tool_call(agent: AgentKind, event: &Value, top: &Path) -> Result<(String, ToolCall), CliError> {
    let bad = |what: &str| CliError::usage(format!("malformed hook event: {what}"), None);
    match agent {
        AgentKind::Claude => {
            let tool = event
                .get("tool_name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("no tool_name"))?;
            let input = event
                .get("tool_input")
                .filter(|v| v.is_object())
                .ok_or_else(|| bad("no tool_input object"))?;
            let s = |k: &str| input.get(k).and_then(Value::as_str);
            let path = || {
                s("file_path")
                    .or_else(|| s("notebook_path"))
                    .ok_or_else(|| bad("no file_path"))
            };
            let call = match tool {
                "Bash" => ToolCall::Shell {
                    command: s("command")
                        .ok_or_else(|| bad("Bash without command"))?
                        .to_owned(),
                },
                "Read" => ToolCall::Read {
                    path: relative(top, path()?).unwrap_or_else(|| path().unwrap_or("").to_owned()),
                },
                "Write" => write(top, path()?, |_| {
                    Ok(s("content")
                        .ok_or_else(|| bad("Write without content"))?
                        .as_bytes()
                        .to_vec())
                })?,
                "Edit" => write(top, path()?, |old| {
                    let (o, n) = (
                        s("old_string").ok_or_else(|| bad("Edit without old_string"))?,
                        s("new_string").ok_or_else(|| bad("Edit without new_string"))?,
                    );
                    let all = input
                        .get("replace_all")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    Ok(apply_edit(old, o, n, all))
                })?,
                "MultiEdit" => write(top, path()?, |old| {
                    let edits = input
                        .get("edits")
                        .and_then(Value::as_array)
                        .ok_or_else(|| bad("MultiEdit without edits"))?;
                    let mut text = old.to_vec();
                    for e in edits {
                        let g = |k: &str| {
                            e.get(k)
                                .and_then(Value::as_str)
                                .ok_or_else(|| bad("edit without old_string/new_string"))
                        };
                        let all = e
                            .get("replace_all")
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        text = apply_edit(&text, g("old_string")?, g("new_string")?, all);
                    }
                    Ok(text)
                })?,
                "NotebookEdit" => write(top, path()?, |old| {
                    let src = s("new_source").unwrap_or("");
                    let mut text = old.to_vec();
                    text.extend_from_slice(b"\n");
                    text.extend_from_slice(src.as_bytes());
                    Ok(text)
                })?,
                other => ToolCall::Other {
                    name: other.to_owned(),
                },
            };
            Ok((tool.to_owned(), call))
        }
    }
}

/// Replaces `old` by `new` in `text` (every occurrence with `all`). When `old` is not
/// there the edit will fail in the agent too; the new text is still judged (appended),
/// so a secret in it is never waved through.
fn apply_edit(text: &[u8], old: &str, new: &str, all: bool) -> Vec<u8> {
    let s = String::from_utf8_lossy(text);
    if !old.is_empty() && s.contains(old) {
        if all {
            s.replace(old, new).into_bytes()
        } else {
            s.replacen(old, new, 1).into_bytes()
        }
    } else {
        let mut v = text.to_vec();
        v.push(b'\n');
        v.extend_from_slice(new.as_bytes());
        v
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

fn write(
    top: &Path,
    path: &str,
    new: impl FnOnce(&[u8]) -> Result<Vec<u8>, CliError>,
) -> Result<ToolCall, CliError> {
    let Some(rel) = relative(top, path) else {
        return Ok(ToolCall::WriteOutside {
            path: path.to_owned(),
        });
    };
    let file = top.join(&rel);
    let old = match std::fs::read(&file) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CliError::io(&file)(e)),
    };
    let new = new(old.as_deref().unwrap_or_default())?;
    Ok(ToolCall::Write {
        path: rel,
        old,
        new,
    })
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
    let cwd = event
        .get("cwd")
        .and_then(Value::as_str)
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
    let (tool, call) = tool_call(agent, &event, &top)?;
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
    let report = judge(&loaded.policy, &call, &actor);
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
    }
}

fn our_command(agent: AgentKind) -> Result<String, CliError> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(CliError::io("the scopecheck executable"))?;
    let name = match agent {
        AgentKind::Claude => "claude",
    };
    Ok(format!(
        "'{}' guard --agent {name}",
        exe.display().to_string().replace('\'', "'\\''")
    ))
}

fn is_ours(cmd: &str, agent: AgentKind) -> bool {
    let name = match agent {
        AgentKind::Claude => "claude",
    };
    cmd.contains("scopecheck") && cmd.ends_with(&format!("guard --agent {name}"))
}

/// Merges (or removes) the guard's hook entry in the agent's settings, keeping every
/// other setting and hook as it was.
fn install(agent: AgentKind, add: bool) -> Result<i32, CliError> {
    let repo = crate::cmd::open_repo()?;
    let top = repo
        .workdir()
        .ok_or_else(|| CliError::usage("guard install needs a working tree", None))?
        .to_path_buf();
    let path = settings_path(&top, agent);
    let mut settings: Value = match std::fs::read_to_string(&path) {
        Ok(t) if t.trim().is_empty() => json!({}),
        Ok(t) => serde_json::from_str(&t).map_err(|e| {
            CliError::usage(
                format!("{} is not valid JSON (line {}, column {}); fix it first, scopecheck will not overwrite it", path.display(), e.line(), e.column()),
                None,
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(CliError::io(&path)(e)),
    };
    let command = our_command(agent)?;
    let Some(root) = settings.as_object_mut() else {
        return Err(CliError::usage(
            format!("{} is not a JSON object", path.display()),
            None,
        ));
    };
    let hooks = root.entry("hooks").or_insert_with(|| json!({}));
    let Some(hooks) = hooks.as_object_mut() else {
        return Err(CliError::usage(
            format!("{}: `hooks` is not an object", path.display()),
            None,
        ));
    };
    let list = hooks.entry("PreToolUse").or_insert_with(|| json!([]));
    let Some(list) = list.as_array_mut() else {
        return Err(CliError::usage(
            format!("{}: `hooks.PreToolUse` is not a list", path.display()),
            None,
        ));
    };
    // Drop our entries (re-added below when installing), keep everyone else's.
    let mut removed = 0;
    for group in list.iter_mut() {
        if let Some(inner) = group.get_mut("hooks").and_then(Value::as_array_mut) {
            let before = inner.len();
            inner.retain(|h| {
                !h.get("command")
                    .and_then(Value::as_str)
                    .is_some_and(|c| is_ours(c, agent))
            });
            removed += before - inner.len();
        }
    }
    list.retain(|g| {
        g.get("hooks")
            .and_then(Value::as_array)
            .is_none_or(|h| !h.is_empty())
    });
    if add {
        list.push(json!({
            "matcher": "*",
            "hooks": [{ "type": "command", "command": command, "timeout": 30 }]
        }));
    }
    if list.is_empty() {
        hooks.remove("PreToolUse");
    }
    if hooks.is_empty() {
        root.remove("hooks");
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
    }
    let text = serde_json::to_string_pretty(&settings).unwrap_or_default() + "\n";
    std::fs::write(&path, text).map_err(CliError::io(&path))?;
    if add {
        println!(
            "{}: every tool call now goes through `{command}` ({})",
            agent.display(),
            path.display()
        );
        println!(
            "commit {} so the whole team gets it (it is self-protected: later edits need review)",
            path.display()
        );
    } else {
        println!(
            "removed {removed} scopecheck hook(s) from {}",
            path.display()
        );
    }
    Ok(0)
}
