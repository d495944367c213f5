//! Arbitrary bytes through the whole content pipeline: keyword pass, windows, regexes,
//! filters, line index, redaction and the full check on a one-file change.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::{evaluate, ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Side};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let scanner = scopecheck_core::secrets::builtin_scanner();
    for m in scanner.scan(data, Some("fuzz.txt")) {
        assert!(m.secret.start < m.secret.end && m.secret.end <= data.len());
    }
    // Split the input into an old and a new side to exercise the line diff too.
    let cut = data.len() / 2;
    let side = |d: &[u8]| Side {
        id: String::new(),
        mode: FileMode::Regular,
        size: d.len() as u64,
        content: Content::Loaded(d.to_vec().into()),
    };
    let mut cs = ChangeSet::new(Origin::Custom);
    cs.files.push(FileChange::new(
        ".env.fuzz",
        None,
        ChangeStatus::Modified,
        Some(side(&data[..cut])),
        Some(side(data)),
    ));
    let report = evaluate(common::policy(), &cs);
    for f in &report.findings {
        if let Some(e) = &f.evidence {
            assert!(e.contains("redacted"));
        }
    }
});
