//! Who is making a change: a person or an AI coding agent. Detection is a pure function
//! of the environment (and, for commits, the message) so front ends decide what to pass.
//!
//! Signals, in order (the first that matches names the agent):
//!
//! | signal | agent |
//! | --- | --- |
//! | `SCOPECHECK_ACTOR=agent` | whatever set it (explicit) |
//! | `CLAUDECODE=1` or `CLAUDE_CODE_ENTRYPOINT` set | Claude Code |
//! | `CURSOR_AGENT` set | Cursor |
//! | `CODEX_SANDBOX` or `CODEX_SANDBOX_NETWORK_DISABLED` set | Codex CLI |
//! | `GEMINI_CLI=1` | Gemini CLI |
//! | `COPILOT_AGENT_SESSION_ID` or `GITHUB_COPILOT_AGENT` set | GitHub Copilot agent |
//! | `GIT_AUTHOR_NAME` / `GIT_COMMITTER_NAME` ending in `(aider)` | Aider |
//! | commit message trailer `Co-authored-by:` naming Claude, Cursor, Copilot, Codex, Gemini, Aider, or a "Generated with Claude Code" line | that agent |
//!
//! `SCOPECHECK_ACTOR=human` is honoured only when no agent signal is present: an agent
//! cannot declare itself a person.

use serde::Serialize;

/// Who made the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Actor {
    /// A person (the default when no agent signal is found).
    #[default]
    Human,
    /// An AI coding agent.
    Agent {
        /// Which agent, as far as the signal tells.
        name: String,
        /// The signal that identified it, e.g. `CLAUDECODE=1`.
        signal: String,
    },
}

impl Actor {
    /// Whether this is an agent.
    pub fn is_agent(&self) -> bool {
        matches!(self, Actor::Agent { .. })
    }

    fn agent(name: &str, signal: String) -> Actor {
        Actor::Agent {
            name: name.to_owned(),
            signal,
        }
    }
}

/// Detects the actor from environment variables (`get` returns a variable's value).
pub fn detect(get: impl Fn(&str) -> Option<String>) -> Actor {
    let set = |k: &str| get(k).filter(|v| !v.is_empty());
    if let Some(v) = set("SCOPECHECK_ACTOR") {
        if v.eq_ignore_ascii_case("agent") {
            return Actor::agent("agent", "SCOPECHECK_ACTOR=agent".into());
        }
    }
    if set("CLAUDECODE").is_some_and(|v| v == "1") {
        return Actor::agent("Claude Code", "CLAUDECODE=1".into());
    }
    const PRESENT: &[(&str, &str)] = &[
        ("CLAUDE_CODE_ENTRYPOINT", "Claude Code"),
        ("CURSOR_AGENT", "Cursor"),
        ("CODEX_SANDBOX", "Codex CLI"),
        ("CODEX_SANDBOX_NETWORK_DISABLED", "Codex CLI"),
        ("COPILOT_AGENT_SESSION_ID", "GitHub Copilot agent"),
        ("GITHUB_COPILOT_AGENT", "GitHub Copilot agent"),
    ];
    for (var, name) in PRESENT {
        if set(var).is_some() {
            return Actor::agent(name, format!("{var} is set"));
        }
    }
    if set("GEMINI_CLI").is_some_and(|v| v == "1") {
        return Actor::agent("Gemini CLI", "GEMINI_CLI=1".into());
    }
    for var in ["GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"] {
        if set(var).is_some_and(|v| v.trim_end().ends_with("(aider)")) {
            return Actor::agent("Aider", format!("{var} ends in (aider)"));
        }
    }
    Actor::Human
}

/// Detects an agent from a commit message's trailers.
pub fn detect_in_message(message: &str) -> Option<Actor> {
    const AGENTS: &[(&str, &str)] = &[
        ("claude", "Claude Code"),
        ("cursor", "Cursor"),
        ("copilot", "GitHub Copilot"),
        ("codex", "Codex"),
        ("gemini", "Gemini"),
        ("aider", "Aider"),
    ];
    for line in message.lines() {
        let lower = line.trim().to_ascii_lowercase();
        let trailer = lower.starts_with("co-authored-by:");
        let generated = lower.contains("generated with") && lower.contains("claude code");
        if !(trailer || generated) {
            continue;
        }
        if let Some((_, name)) = AGENTS.iter().find(|(k, _)| lower.contains(k)) {
            return Some(Actor::agent(
                name,
                format!("commit message: {}", line.trim()),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(a, _)| *a == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn detects_each_documented_signal() {
        assert_eq!(detect(env(&[])), Actor::Human);
        for (k, v, name) in [
            ("CLAUDECODE", "1", "Claude Code"),
            ("CLAUDE_CODE_ENTRYPOINT", "cli", "Claude Code"),
            ("CURSOR_AGENT", "1", "Cursor"),
            ("CODEX_SANDBOX", "seatbelt", "Codex CLI"),
            ("GEMINI_CLI", "1", "Gemini CLI"),
            ("COPILOT_AGENT_SESSION_ID", "x", "GitHub Copilot agent"),
            ("GIT_AUTHOR_NAME", "Ann (aider)", "Aider"),
            ("SCOPECHECK_ACTOR", "agent", "agent"),
        ] {
            match detect(env(&[(k, v)])) {
                Actor::Agent { name: n, .. } => assert_eq!(n, name, "{k}"),
                Actor::Human => panic!("{k}={v} not detected"),
            }
        }
    }

    #[test]
    fn an_agent_cannot_claim_to_be_human() {
        assert!(detect(env(&[("SCOPECHECK_ACTOR", "human"), ("CLAUDECODE", "1")])).is_agent());
        assert!(!detect(env(&[("SCOPECHECK_ACTOR", "human")])).is_agent());
    }

    #[test]
    fn trailers() {
        let msg = "Fix it\n\nCo-authored-by: Claude <noreply@anthropic.com>\n";
        assert!(detect_in_message(msg).is_some_and(|a| a.is_agent()));
        assert!(detect_in_message("Fix it\n\nCo-authored-by: Ann <ann@example.com>\n").is_none());
    }
}
