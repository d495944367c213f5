//! Every manifest and lockfile parser on arbitrary bytes, then the dependency check on an
//! old and a new version of the same file: each input is a list of packages or an error,
//! never a panic, and every package found has a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::checks::dependencies::{parse, Dependencies};
use scopecheck_core::checks::Check;
use scopecheck_core::Policy;

#[path = "common.rs"]
mod common;

/// One file name per format `format_of` knows; the first byte picks one.
const FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    "requirements.txt",
    "go.mod",
    "go.sum",
    "Gemfile",
    "Gemfile.lock",
    "pom.xml",
    "build.gradle",
    "gradle/libs.versions.toml",
    "composer.json",
    "composer.lock",
    "App.csproj",
    "packages.lock.json",
    "mix.exs",
    "mix.lock",
    "Dockerfile",
    ".pre-commit-config.yaml",
    ".terraform.lock.hcl",
    "main.tf",
    "Chart.yaml",
    "Package.resolved",
    "pubspec.yaml",
    "pubspec.lock",
    ".github/workflows/ci.yml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let path = FILES[usize::from(pick) % FILES.len()];
    let format = parse::format_of(path).expect("every listed file has a format");
    if let Ok(deps) = parse::parse(format, rest) {
        for d in &deps {
            assert!(!d.name.is_empty(), "{format}: a package without a name");
        }
    }
    let (old, new) = common::sides(rest);
    let policy = Policy::embedded();
    let mut out = Vec::new();
    Dependencies.run(&common::change(path, Some(old), new), &policy, &mut out);
    Dependencies.run(&common::change(path, None, new), &policy, &mut out);
});
