//! Inputs the fuzz targets (fuzz/) once failed on, kept in fixtures/fuzz/<target>/ and
//! replayed here the way their target runs them, with the property that failed.

use std::fs;
use std::path::Path;

use scopecheck_core::checks::dependencies::parse;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/fuzz")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, fs::read(e.path()).expect("read input"))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs kept for {target}");
    out
}

/// `parse_manifest`: the first byte picks the format. Each kept input once produced a
/// package without a name (a yarn.lock line of NULs ending in `s:`), which the
/// dependency check would have reported as a new package called "".
#[test]
fn parse_manifest_inputs() {
    for (name, data) in inputs("parse_manifest") {
        let Some((&pick, rest)) = data.split_first() else {
            continue;
        };
        let file = parse::EXAMPLE_FILES[usize::from(pick) % parse::EXAMPLE_FILES.len()];
        let format = parse::format_of(file).expect("format");
        for d in parse::parse(format, rest).unwrap_or_default() {
            assert!(
                !d.name.is_empty(),
                "{name} ({format}): a package without a name"
            );
        }
    }
}
