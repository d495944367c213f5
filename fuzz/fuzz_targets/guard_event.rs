//! Agents' hook events: arbitrary bytes read as JSON and mapped onto tool calls in each
//! agent's protocol, then judged as an agent's calls. Every event is tool calls or an
//! error, never a panic; a write is judged with the edit applied to the file it names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::guard::event::{tool_calls, Agent, EventError, Workspace};
use scopecheck_core::guard::judge;
use scopecheck_core::Actor;

/// A repository at `/repo` in which every file holds the same few lines.
struct Mem;

impl Workspace for Mem {
    fn relative(&self, path: &str) -> Option<String> {
        let rel = path.strip_prefix("/repo/").unwrap_or(path);
        (!rel.starts_with('/') && !rel.split('/').any(|c| c == "..")).then(|| rel.to_owned())
    }

    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, EventError> {
        Ok((!rel.ends_with(".new")).then(|| b"key = value\ntoken = \"\"\n".to_vec()))
    }
}

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let policy = common::policy();
    let agent = Actor::Agent { name: "fuzz".into(), signal: "FUZZ=1".into() };
    for protocol in [Agent::Claude, Agent::Cursor, Agent::Gemini] {
        if let Ok((_, calls)) = tool_calls(protocol, &event, &Mem) {
            for call in &calls {
                let _ = judge(policy, call, &agent);
            }
        }
    }
});
