//! The core crate is layered: each module uses only modules in layers below its own, so
//! the scanner can be reused without the policy, the policy without the checks, and so on.
//! This reads the sources and fails on any `crate::` path that points sideways or up,
//! including items reached through the crate root's re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Bottom first. A module may use any module of a lower layer, none of its own or above.
const LAYERS: &[&[&str]] = &[
    &["action", "actor", "statement", "error", "glob"],
    &["finding", "rule", "change"],
    &["approval", "suppress"],
    &["secrets", "task"],
    &["policy"],
    &["checks"],
    &["report"],
    &["guard"],
    &["registry"],
    &["config"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Non-test source text of a module (its file, or every file of its directory).
fn source(src: &Path, module: &str) -> String {
    let mut files = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.exists() {
        files.push(file);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs") {
                files.push(p);
            }
        }
    }
    let mut text = String::new();
    for f in files {
        let body = fs::read_to_string(&f).expect("read source");
        // Unit tests may reach up (a scanner test can build a policy); the code may not.
        let body = body.split("#[cfg(test)]").next().unwrap_or_default();
        for line in body.lines().filter(|l| !l.trim_start().starts_with("//")) {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// Item name → defining module, from the crate root's `pub use module::{…}` lines.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for stmt in lib.split("pub use ").skip(1) {
        let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
        let Some((module, items)) = stmt.split_once("::") else {
            continue;
        };
        for item in items.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !item.is_empty() {
                map.insert(item.to_owned(), module.trim().to_owned());
            }
        }
    }
    map
}

/// Modules `text` uses through `crate::module…` or `crate::{Item, module, …}`.
fn uses(text: &str, reexports: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for part in text.split("crate::").skip(1) {
        let names: Vec<&str> = if let Some(group) = part.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            group
                .split(',')
                .map(|s| s.trim().split("::").next().unwrap_or_default().trim())
                .collect()
        } else {
            let end = part
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(part.len());
            vec![&part[..end]]
        };
        for name in names {
            if layer_of(name).is_some() {
                out.insert(name.to_owned());
            } else if let Some(m) = reexports.get(name) {
                out.insert(m.clone());
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let reexports = reexports(&lib);
    let mut violations = Vec::new();
    for (level, modules) in LAYERS.iter().enumerate() {
        for module in *modules {
            assert!(
                lib.contains(&format!("mod {module};")),
                "{module} is not a module of lib.rs"
            );
            for used in uses(&source(&src, module), &reexports) {
                let to = layer_of(&used).unwrap_or(usize::MAX);
                if used != *module && to >= level {
                    violations.push(format!("{module} (layer {level}) uses {used} (layer {to})"));
                }
            }
        }
    }
    // Every module of the crate has a place, so a new one cannot sit outside the rule.
    for line in lib.lines() {
        if let Some(m) = line.trim_start_matches("pub ").strip_prefix("mod ") {
            let m = m.trim_end_matches(';');
            assert!(
                layer_of(m).is_some(),
                "module {m} is in no layer of this test"
            );
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_use() {
    let reexports = reexports("pub use policy::{Policy, PolicySource};");
    let found = uses(
        "use crate::{Action, Policy};\nlet x = crate::checks::builtin();",
        &reexports,
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["checks", "policy"],
        "both the re-exported item and the module path are seen"
    );
}
