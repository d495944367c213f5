//! Who runs a command: the environment, and for a command that git started (a hook), the
//! environments of the processes that started git.
//!
//! An agent's shell carries its marker (`CLAUDECODE=1`, `CODEX_SANDBOX`…), and
//! `env -u CLAUDECODE git commit` removes it from git and from the hook git runs, but not
//! from the shell that ran git: that process is still there, and on Linux its starting
//! environment can be read in `/proc`. So when scopecheck runs under git, the processes
//! above git are asked too.
//!
//! Only above a `git` process: a person's own commands (and the test suite, which may
//! itself run in an agent's shell) are judged by their own environment. What this cannot
//! see: a git started by a process that detached itself from the agent (a double fork
//! re-parents it to init), a marker the agent never had, and systems without `/proc`.

use scopecheck_core::actor::{self, Actor};

/// The actor of this command.
pub fn actor() -> Actor {
    let own = actor::detect(|k| std::env::var(k).ok());
    if own.is_agent() {
        return own;
    }
    above_git().unwrap_or(own)
}

/// How far up the process tree to look: hooks sit a few levels under git, and git a
/// few under the agent.
const MAX_DEPTH: usize = 64;

/// An agent marker in the environment of a process above the nearest `git` ancestor.
#[cfg(target_os = "linux")]
fn above_git() -> Option<Actor> {
    let mut pid = parent("self")?;
    let mut under_git = false;
    for _ in 0..MAX_DEPTH {
        if pid <= 1 {
            return None;
        }
        let name = pid.to_string();
        if under_git {
            if let Some(found) = agent_in_environment(&name) {
                return Some(found);
            }
        } else if std::fs::read_to_string(format!("/proc/{name}/comm"))
            .is_ok_and(|comm| comm.trim_end() == "git")
        {
            under_git = true;
        }
        pid = parent(&name)?;
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn above_git() -> Option<Actor> {
    None
}

/// The parent of process `pid` (`self` for this one).
#[cfg(target_os = "linux")]
fn parent(pid: &str) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold anything, parentheses included;
    // the fields after the last `)` are the state, then the parent's id.
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// An agent named by the starting environment of process `pid`.
#[cfg(target_os = "linux")]
fn agent_in_environment(pid: &str) -> Option<Actor> {
    let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let vars: Vec<(&[u8], &[u8])> = env
        .split(|&b| b == 0)
        .filter_map(|kv| {
            let eq = kv.iter().position(|&b| b == b'=')?;
            Some((&kv[..eq], &kv[eq + 1..]))
        })
        .collect();
    let get = |k: &str| {
        vars.iter()
            .find(|(name, _)| *name == k.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    match actor::detect(get) {
        Actor::Agent { name, signal } => Some(Actor::Agent {
            name,
            signal: format!(
                "{signal} in the environment of process {pid}, above the git that runs this"
            ),
        }),
        Actor::Human => None,
    }
}
