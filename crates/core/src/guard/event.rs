//! Agents' hook events mapped onto [`ToolCall`]s: Claude Code's `PreToolUse`, Cursor's
//! `before…` events and `preToolUse`, Gemini CLI's `BeforeTool`. An edit becomes a write
//! of the whole new file (the edit applied to what the file holds now), so it is judged
//! like any other change. The two things that need the file system (where a path lies
//! relative to the repository, and what a file holds) come through [`Workspace`].

use serde_json::Value;

use super::ToolCall;

/// Which agent's hook protocol an event speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// Claude Code.
    Claude,
    /// Cursor.
    Cursor,
    /// Gemini CLI.
    Gemini,
}

/// What the mapping needs from the repository the agent works in.
pub trait Workspace {
    /// `path` (absolute, or relative to the repository top) as a repository-relative
    /// path with `/` separators; `None` when it lies outside the repository.
    fn relative(&self, path: &str) -> Option<String>;
    /// The current contents of the repository file `rel`; `None` when it does not exist.
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, EventError>;
}

/// An event that cannot be mapped (the guard then denies: it fails closed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EventError(pub String);

fn bad(what: &str) -> EventError {
    EventError(format!("malformed hook event: {what}"))
}

/// The tool calls an event describes (several for multi-file reads).
pub fn tool_calls(
    agent: Agent,
    event: &Value,
    ws: &dyn Workspace,
) -> Result<(String, Vec<ToolCall>), EventError> {
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let input_of = |v: &Value| {
        v.get("tool_input")
            .filter(|v| v.is_object())
            .cloned()
            .ok_or_else(|| bad("no tool_input object"))
    };
    match agent {
        Agent::Claude => {
            let tool = str_of(event, "tool_name").ok_or_else(|| bad("no tool_name"))?;
            let input = input_of(event)?;
            let call = edit_like(ws, &tool, &input, ClaudeNames)?;
            Ok((tool, vec![call]))
        }
        Agent::Cursor => {
            let name = str_of(event, "hook_event_name").ok_or_else(|| bad("no hook_event_name"))?;
            let call = match name.as_str() {
                "beforeShellExecution" => ToolCall::Shell {
                    command: str_of(event, "command").ok_or_else(|| bad("no command"))?,
                },
                "beforeReadFile" => {
                    let p = str_of(event, "file_path").ok_or_else(|| bad("no file_path"))?;
                    ToolCall::Read {
                        path: ws.relative(&p).unwrap_or(p),
                    }
                }
                "beforeMCPExecution" => ToolCall::Other {
                    name: str_of(event, "tool_name").unwrap_or_else(|| "mcp".to_owned()),
                },
                "preToolUse" => {
                    let tool = str_of(event, "tool_name").ok_or_else(|| bad("no tool_name"))?;
                    edit_like(ws, &tool, &input_of(event)?, ClaudeNames)?
                }
                other => return Err(bad(&format!("unsupported Cursor event `{other}`"))),
            };
            Ok((name, vec![call]))
        }
        Agent::Gemini => {
            let tool = str_of(event, "tool_name").ok_or_else(|| bad("no tool_name"))?;
            let input = input_of(event)?;
            let calls = if tool == "read_many_files" {
                input
                    .get("paths")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("read_many_files without paths"))?
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|p| ToolCall::Read {
                        path: ws.relative(p).unwrap_or_else(|| p.to_owned()),
                    })
                    .collect()
            } else {
                vec![edit_like(ws, &tool, &input, GeminiNames)?]
            };
            Ok((tool, calls))
        }
    }
}

/// How an agent names its tools and their fields.
trait Names: Copy {
    fn kind(&self, tool: &str) -> Kind;
}

#[derive(Clone, Copy)]
struct ClaudeNames;
#[derive(Clone, Copy)]
struct GeminiNames;

enum Kind {
    Shell,
    Read,
    Write,
    Edit,
    MultiEdit,
    Notebook,
    Other,
}

impl Names for ClaudeNames {
    fn kind(&self, tool: &str) -> Kind {
        match tool {
            "Bash" | "Shell" => Kind::Shell,
            "Read" => Kind::Read,
            "Write" => Kind::Write,
            "Edit" | "StrReplace" => Kind::Edit,
            "MultiEdit" => Kind::MultiEdit,
            "NotebookEdit" => Kind::Notebook,
            _ => Kind::Other,
        }
    }
}

impl Names for GeminiNames {
    fn kind(&self, tool: &str) -> Kind {
        match tool {
            "run_shell_command" => Kind::Shell,
            "read_file" => Kind::Read,
            "write_file" => Kind::Write,
            "replace" => Kind::Edit,
            _ => Kind::Other,
        }
    }
}

/// Maps one tool call in Claude Code's or Gemini CLI's vocabulary.
fn edit_like(
    ws: &dyn Workspace,
    tool: &str,
    input: &Value,
    names: impl Names,
) -> Result<ToolCall, EventError> {
    let s = |k: &str| input.get(k).and_then(Value::as_str);
    let path = || {
        s("file_path")
            .or_else(|| s("absolute_path"))
            .or_else(|| s("notebook_path"))
            .or_else(|| s("path"))
            .ok_or_else(|| bad(&format!("{tool} without file_path")))
    };
    Ok(match names.kind(tool) {
        Kind::Shell => ToolCall::Shell {
            command: s("command")
                .ok_or_else(|| bad(&format!("{tool} without command")))?
                .to_owned(),
        },
        Kind::Read => {
            let p = path()?;
            ToolCall::Read {
                path: ws.relative(p).unwrap_or_else(|| p.to_owned()),
            }
        }
        Kind::Write => write(ws, path()?, |_| {
            Ok(s("content")
                .ok_or_else(|| bad(&format!("{tool} without content")))?
                .as_bytes()
                .to_vec())
        })?,
        Kind::Edit => write(ws, path()?, |old| {
            let (o, n) = (
                s("old_string").ok_or_else(|| bad("edit without old_string"))?,
                s("new_string").ok_or_else(|| bad("edit without new_string"))?,
            );
            let all = input
                .get("replace_all")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || input
                    .get("expected_replacements")
                    .and_then(Value::as_u64)
                    .is_some_and(|n| n > 1);
            Ok(apply_edit(old, o, n, all))
        })?,
        Kind::MultiEdit => write(ws, path()?, |old| {
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
        Kind::Notebook => write(ws, path()?, |old| {
            let mut text = old.to_vec();
            text.push(b'\n');
            text.extend_from_slice(s("new_source").unwrap_or("").as_bytes());
            Ok(text)
        })?,
        Kind::Other => ToolCall::Other {
            name: tool.to_owned(),
        },
    })
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

/// A write of `path`: its current contents read through `ws`, the new ones from `new`.
fn write(
    ws: &dyn Workspace,
    path: &str,
    new: impl FnOnce(&[u8]) -> Result<Vec<u8>, EventError>,
) -> Result<ToolCall, EventError> {
    let Some(rel) = ws.relative(path) else {
        return Ok(ToolCall::WriteOutside {
            path: path.to_owned(),
        });
    };
    let old = ws.read(&rel)?;
    let new = new(old.as_deref().unwrap_or_default())?;
    Ok(ToolCall::Write {
        path: rel,
        old,
        new,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A repository at `/repo` holding one file, `app.py`.
    struct Mem;

    impl Workspace for Mem {
        fn relative(&self, path: &str) -> Option<String> {
            let rel = path.strip_prefix("/repo/").unwrap_or(path);
            (!rel.starts_with('/')).then(|| rel.to_owned())
        }

        fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, EventError> {
            Ok((rel == "app.py").then(|| b"x = 1\ny = 2\n".to_vec()))
        }
    }

    #[test]
    fn each_protocol_maps_onto_tool_calls() {
        let edit = json!({"tool_name": "Edit", "tool_input": {"file_path": "/repo/app.py", "old_string": "y = 2", "new_string": "y = 3"}});
        let (tool, calls) = tool_calls(Agent::Claude, &edit, &Mem).expect("maps");
        assert_eq!(tool, "Edit");
        assert_eq!(
            calls,
            [ToolCall::Write {
                path: "app.py".into(),
                old: Some(b"x = 1\ny = 2\n".to_vec()),
                new: b"x = 1\ny = 3\n".to_vec(),
            }]
        );
        let shell = json!({"hook_event_name": "beforeShellExecution", "command": "ls"});
        let (_, calls) = tool_calls(Agent::Cursor, &shell, &Mem).expect("maps");
        assert_eq!(
            calls,
            [ToolCall::Shell {
                command: "ls".into()
            }]
        );
        let many =
            json!({"tool_name": "read_many_files", "tool_input": {"paths": ["a", "/etc/passwd"]}});
        let (_, calls) = tool_calls(Agent::Gemini, &many, &Mem).expect("maps");
        assert_eq!(
            calls,
            [
                ToolCall::Read { path: "a".into() },
                ToolCall::Read {
                    path: "/etc/passwd".into()
                }
            ]
        );
        let outside =
            json!({"tool_name": "Write", "tool_input": {"file_path": "/tmp/x", "content": "c"}});
        let (_, calls) = tool_calls(Agent::Claude, &outside, &Mem).expect("maps");
        assert_eq!(
            calls,
            [ToolCall::WriteOutside {
                path: "/tmp/x".into()
            }]
        );
    }

    #[test]
    fn a_malformed_event_is_an_error_naming_what_is_missing() {
        for (agent, event, missing) in [
            (Agent::Claude, json!({"tool_input": {}}), "no tool_name"),
            (
                Agent::Claude,
                json!({"tool_name": "Bash", "tool_input": {}}),
                "without command",
            ),
            (
                Agent::Cursor,
                json!({"hook_event_name": "beforeReadFile"}),
                "no file_path",
            ),
            (
                Agent::Gemini,
                json!({"tool_name": "replace", "tool_input": {"file_path": "app.py"}}),
                "old_string",
            ),
        ] {
            let e = tool_calls(agent, &event, &Mem).expect_err("malformed");
            assert!(e.0.contains(missing), "{e}");
        }
    }
}
