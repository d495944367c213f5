//! Every manifest and lockfile parser on arbitrary bytes, then the dependency check on an
//! old and a new version of the same file: each input is a list of packages or an error,
//! never a panic or a hang. The first byte picks the format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::checks::dependencies::{parse, Dependencies};
use scopecheck_core::checks::Check;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let path = parse::EXAMPLE_FILES[usize::from(pick) % parse::EXAMPLE_FILES.len()];
    let format = parse::format_of(path).expect("every listed file has a format");
    let _ = parse::parse(format, rest);
    let (old, new) = common::sides(rest);
    let policy = common::policy();
    let mut out = Vec::new();
    Dependencies.run(&common::change(path, Some(old), new), policy, &mut out);
    Dependencies.run(&common::change(path, None, new), policy, &mut out);
});
