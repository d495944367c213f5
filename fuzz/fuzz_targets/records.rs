//! Everything scopecheck reads back from disk besides its policy: work orders, baselines,
//! approval files, allowed-signers files, SSH signatures, audit logs and timestamps. The
//! first byte picks the reader; each input is a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::{ApprovalFile, Baseline, WorkOrder};
use scopecheck_trust::{audit, time, verify, AllowedSigners};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match pick % 7 {
        0 => {
            if let Err(e) = WorkOrder::parse("task.toml", &text) {
                assert!(!e.problems.is_empty());
            }
        }
        1 => {
            if let Ok(b) = Baseline::parse(&text) {
                // What was read writes back to something that reads the same.
                let again = Baseline::parse(&b.to_json()).expect("a written baseline reads");
                assert_eq!(again.len(), b.len());
            }
        }
        2 => {
            if let Ok(a) = ApprovalFile::parse(rest) {
                let _ = (a.statement.signed_bytes(), a.to_json());
            }
        }
        3 => {
            if let Ok(signers) = AllowedSigners::parse("allowed_signers", &text) {
                let _ = verify(&signers, b"message", &text, 0);
            }
        }
        4 => {
            let empty = AllowedSigners::parse("allowed_signers", "").expect("empty file");
            let _ = verify(&empty, rest, &text, time::now_unix());
        }
        5 => {
            let _ = audit::last_tip(&text);
            let seg = [audit::Segment { name: "audit.jsonl", text: &text }];
            let _ = audit::verify(&seg, None, None);
            let _ = audit::Tip::decode(&text);
        }
        _ => {
            let _ = (time::parse_rfc3339(&text), time::parse_ssh_time(&text));
            if let Some(t) = time::parse_rfc3339(&text) {
                assert_eq!(time::parse_rfc3339(&time::rfc3339(t)), Some(t));
            }
        }
    }
});
