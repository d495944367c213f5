//! The guard's shell parser and judgement on arbitrary command lines: every line either
//! parses into commands or is refused with an error, and judging it never panics, as a
//! person or as an agent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::guard::{judge, shell, ToolCall};
use scopecheck_core::Actor;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    if let Ok(commands) = shell::parse(line) {
        for c in &commands {
            let _ = (c.program(), c.text());
        }
    }
    let policy = common::policy();
    let call = ToolCall::Shell { command: line.to_owned() };
    let agent = Actor::Agent { name: "fuzz".into(), signal: "FUZZ=1".into() };
    for actor in [Actor::Human, agent] {
        let _ = judge(policy, &call, &actor);
    }
    let _ = judge(policy, &ToolCall::Read { path: line.to_owned() }, &Actor::Human);
});
