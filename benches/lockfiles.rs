//! Parsing large lockfiles: manifests and lockfiles are parsed whole, whatever the
//! policy's `max-file-size`, so a 20 MB lockfile must parse well under a second. Each
//! benchmark parses a generated ~20 MB lockfile of one format (one thread).
//!
//! Run: `cargo bench --bench lockfiles`. Divan reports time and bytes/s per format.

use std::fmt::Write as _;
use std::sync::LazyLock;

use divan::counter::BytesCount;
use scopecheck_core::checks::dependencies::parse::parse;

fn main() {
    divan::main();
}

const TARGET: usize = 20 << 20;

fn package_lock() -> String {
    let mut s = String::from("{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\"name\": \"app\", \"version\": \"1.0.0\"}");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            ",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.2.{i}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.2.{i}.tgz\",\n      \"integrity\": \"sha512-{i:0>86}==\",\n      \"dependencies\": {{\"dep-{i}\": \"^2.0.0\"}}\n    }}"
        );
        i += 1;
    }
    s.push_str("\n  }\n}\n");
    s
}

fn pnpm_lock() -> String {
    let mut s = String::from("lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      pkg-0:\n        specifier: ^1.0.0\n        version: 1.2.0\n\npackages:\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "  pkg-{i}@1.2.{i}:\n    resolution: {{integrity: sha512-{i:0>86}==}}\n    engines: {{node: '>=18'}}\n\n"
        );
        i += 1;
    }
    s
}

fn yarn_lock() -> String {
    let mut s = String::from("# yarn lockfile v1\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "\"pkg-{i}@^1.2.0\":\n  version \"1.2.{i}\"\n  resolved \"https://registry.yarnpkg.com/pkg-{i}/-/pkg-{i}-1.2.{i}.tgz#{i:0>40}\"\n  integrity sha512-{i:0>86}==\n  dependencies:\n    dep-{i} \"^2.0.0\"\n\n"
        );
        i += 1;
    }
    s
}

fn cargo_lock() -> String {
    let mut s = String::from("version = 4\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "[[package]]\nname = \"crate-{i}\"\nversion = \"1.2.{i}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{i:0>64}\"\ndependencies = [\n \"dep-{i}\",\n]\n\n"
        );
        i += 1;
    }
    s
}

static FILES: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    vec![
        ("package-lock.json", package_lock()),
        ("pnpm-lock.yaml", pnpm_lock()),
        ("yarn.lock", yarn_lock()),
        ("Cargo.lock", cargo_lock()),
    ]
});

#[divan::bench(args = ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "Cargo.lock"], sample_count = 5)]
fn parse_20mb(bencher: divan::Bencher, format: &str) {
    let text = &FILES
        .iter()
        .find(|(f, _)| *f == format)
        .expect("a generated file per format")
        .1;
    bencher.counter(BytesCount::new(text.len())).bench(|| {
        let deps = parse(format, text.as_bytes()).expect("the generated lockfile parses");
        assert!(deps.len() > 10_000);
        deps
    });
}

/// A lockfile whose every package is new (a first `npm install` committed, a lockfile
/// regenerated from scratch): the dependency check reports each one with its line.
/// Locating each finding once searched the whole file per finding (16,000 packages took
/// 80 s); now one pass finds them all.
#[divan::bench(args = [4_000, 16_000], sample_count = 3)]
fn judge_all_new(bencher: divan::Bencher, packages: usize) {
    use scopecheck_core::checks::{dependencies::Dependencies, Check};
    use scopecheck_core::{
        ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Policy, Side,
    };
    let mut text = String::from(
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"app\"}",
    );
    for i in 0..packages {
        let _ = write!(
            text,
            ",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.2.{i}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.2.{i}.tgz\"\n    }}"
        );
    }
    text.push_str("\n  }\n}\n");
    let side = |data: &[u8]| Side {
        id: String::new(),
        mode: FileMode::Regular,
        size: data.len() as u64,
        content: Content::Loaded(data.to_vec()),
    };
    let mut changes = ChangeSet::new(Origin::Custom);
    changes.files.push(FileChange::new(
        "package-lock.json",
        None,
        ChangeStatus::Modified,
        Some(side(b"{\"lockfileVersion\": 3, \"packages\": {}}")),
        Some(side(text.as_bytes())),
    ));
    let policy = Policy::embedded();
    bencher.bench(|| {
        let mut out = Vec::new();
        Dependencies.run(&changes, &policy, &mut out);
        assert_eq!(out.len(), packages);
        out
    });
}
