//! Arbitrary text as scopecheck.toml: every input is either a policy or an error with a
//! location, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = scopecheck_core::Policy::from_toml("fuzz.toml", text) {
            assert!(!e.problems.is_empty());
            for p in &e.problems {
                assert!(p.line >= 1 && p.column >= 1);
            }
        }
    }
});
