//! Rust: Cargo.toml and Cargo.lock.

use super::*;

pub(super) fn cargo_table(deps: Option<&Toml>, out: &mut Vec<Dep>) {
    let Some(Toml::Table(t)) = deps else { return };
    for (key, spec) in t {
        let (name, version, source) = match spec {
            Toml::String(v) => (key.clone(), v.clone(), "registry".to_owned()),
            Toml::Table(s) => {
                let name = s
                    .get("package")
                    .and_then(Toml::as_str)
                    .unwrap_or(key)
                    .to_owned();
                let version = s
                    .get("version")
                    .and_then(Toml::as_str)
                    .unwrap_or("")
                    .to_owned();
                let source = if let Some(g) = s.get("git").and_then(Toml::as_str) {
                    format!("git+{g}")
                } else if let Some(p) = s.get("path").and_then(Toml::as_str) {
                    format!("path:{p}")
                } else if let Some(r) = s.get("registry").and_then(Toml::as_str) {
                    format!("registry:{r}")
                } else if s.get("workspace").and_then(Toml::as_bool) == Some(true) {
                    "workspace".to_owned()
                } else {
                    "registry".to_owned()
                };
                (name, version, source)
            }
            _ => continue,
        };
        out.push(dep("cargo", &name, &version, &source, true));
    }
}

pub(super) fn cargo_toml(text: &str) -> Result<Vec<Dep>, String> {
    let v = toml_of(text)?;
    let mut out = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        cargo_table(v.get(section), &mut out);
    }
    if let Some(Toml::Table(targets)) = v.get("target") {
        for t in targets.values() {
            for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                cargo_table(t.get(section), &mut out);
            }
        }
    }
    cargo_table(
        v.get("workspace").and_then(|w| w.get("dependencies")),
        &mut out,
    );
    Ok(out)
}

pub(super) fn cargo_lock(text: &str) -> Result<Vec<Dep>, String> {
    match cargo_lock_lines(text) {
        Some(deps) => Ok(deps),
        None => toml_packages(text, "cargo"),
    }
}

/// Cargo.lock as cargo writes it, read line by line: `[[package]]` headers and
/// `name`/`version`/`source` lines of plain basic strings (a 20 MB lockfile: 0.7 s through
/// the TOML parser). Anything else cargo would not write (an inline table, an escape, a
/// multi-line string, an unknown key) returns `None` and the TOML parser decides.
pub(super) fn cargo_lock_lines(text: &str) -> Option<Vec<Dep>> {
    let mut out = Vec::new();
    // name, version, source of the package being read.
    let mut current: Option<(&str, &str, Option<&str>)> = None;
    let mut in_list = false;
    let finish = |p: Option<(&str, &str, Option<&str>)>, out: &mut Vec<Dep>| -> Option<()> {
        if let Some((name, version, source)) = p {
            if name.is_empty() {
                return None;
            }
            let source = match source {
                Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => "registry",
                Some(s) => s,
                None => "path",
            };
            out.push(dep("cargo", name, version, source, false));
        }
        Some(())
    };
    for line in text.lines() {
        let line = line.trim_end();
        if in_list {
            in_list = line != "]";
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[package]]" {
            finish(current.take(), &mut out)?;
            current = Some(("", "", None));
            continue;
        }
        if line.starts_with('[') {
            // [metadata] (lockfile v1) or [[patch.unused]]: no more packages to read.
            finish(current.take(), &mut out)?;
            if line == "[metadata]" || line == "[[patch.unused]]" {
                return cargo_lock_rest_is_plain(text, line).then_some(out);
            }
            return None;
        }
        let (key, value) = line.split_once(" = ")?;
        let string = || {
            let v = value.strip_prefix('"')?.strip_suffix('"')?;
            (!v.contains(['"', '\\'])).then_some(v)
        };
        match (key, current.as_mut()) {
            ("version", None) => {}
            ("name", Some(p)) => p.0 = string()?,
            ("version", Some(p)) => p.1 = string()?,
            ("source", Some(p)) => p.2 = Some(string()?),
            ("checksum", Some(_)) => {
                string()?;
            }
            ("dependencies", Some(_)) if value == "[" => in_list = true,
            ("dependencies", Some(_)) if value == "[]" => {}
            _ => return None,
        }
    }
    finish(current.take(), &mut out)?;
    Some(out)
}

/// A lockfile's tail after `[metadata]`: packages never come after it in what cargo
/// writes; if one does, the TOML parser reads the file.
pub(super) fn cargo_lock_rest_is_plain(text: &str, header: &str) -> bool {
    text.split_once(&format!("\n{header}\n"))
        .is_some_and(|(_, rest)| !rest.contains("[[package]]"))
}

#[cfg(test)]
mod cargo_lines_tests {
    use super::{cargo_lock_lines, toml_packages};

    /// The line reader agrees with the TOML parser on this repository's own Cargo.lock
    /// (v4), on the v1 layout with `[metadata]`, on git and path packages; anything cargo
    /// would not write goes to the TOML parser.
    #[test]
    fn the_cargo_lock_line_reader_equals_the_toml_parser() {
        let own = include_str!("../../../../../../Cargo.lock");
        let v1 = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\n \"b 0.1.0 (registry+https://github.com/rust-lang/crates.io-index)\",\n]\n\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\nsource = \"git+https://example.com/b#0123\"\n\n[[package]]\nname = \"local\"\nversion = \"0.0.1\"\ndependencies = []\n\n[metadata]\n\"checksum a 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)\" = \"abc\"\n";
        for text in [own, v1] {
            let lines = cargo_lock_lines(text).expect("a layout cargo writes");
            let parsed = toml_packages(text, "cargo").expect("valid TOML");
            assert_eq!(lines, parsed);
        }
        assert!(cargo_lock_lines(own).expect("own").len() > 200);
        let unusual = [
            "[[package]]\nname = 'single'\nversion = \"1\"\n",
            "[[package]]\nname = \"a\\u0041\"\nversion = \"1\"\n",
            "[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { git = \"x\" }\n",
            "[[package]]\nname = \"a\"\nversion = \"1\"\n[metadata]\nx = \"y\"\n[[package]]\nname = \"late\"\nversion = \"2\"\n",
            "[[package]]\nversion = \"1\"\n",
        ];
        for text in unusual {
            assert!(cargo_lock_lines(text).is_none(), "{text}");
        }
    }
}
