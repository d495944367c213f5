//! One parser per manifest and lockfile format, one module per ecosystem. Each takes the
//! file's bytes and returns the packages it declares; structured formats use real parsers
//! (TOML, JSON, YAML, XML), line formats (requirements.txt, go.mod, Gemfile, yarn v1,
//! Cargo.lock and pnpm-lock.yaml as their tools write them) are read line by line.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use toml::Value as Toml;

mod actions;
mod cargo;
mod dart;
mod docker;
mod dotnet;
mod elixir;
mod go;
mod helm;
mod jvm;
mod npm;
mod php;
mod precommit;
mod python;
mod ruby;
mod swift;
mod terraform;
pub use actions::pinned as action_pinned;
pub use docker::pinned as image_pinned;

/// One declared package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    /// One of [`super::ECOSYSTEMS`]: npm, cargo, pypi, go, rubygems, maven, …
    pub ecosystem: &'static str,
    /// Package name as the ecosystem spells it.
    pub name: String,
    /// Version or requirement ("" when none is given).
    pub version: String,
    /// `registry`, or where else it comes from (`git+…`, `path:…`, a URL).
    pub source: String,
    /// Declared in a manifest (direct) rather than only resolved in a lockfile.
    pub direct: bool,
    /// npm lockfiles: the package runs install scripts.
    pub install_script: bool,
}

fn dep(eco: &'static str, name: &str, version: &str, source: &str, direct: bool) -> Dep {
    Dep {
        ecosystem: eco,
        name: name.to_owned(),
        version: version.to_owned(),
        source: source.to_owned(),
        direct,
        install_script: false,
    }
}

/// The format of a file, by name.
pub fn format_of(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "cargo.toml" => "Cargo.toml",
        "cargo.lock" => "Cargo.lock",
        "package.json" => "package.json",
        "package-lock.json" | "npm-shrinkwrap.json" => "package-lock.json",
        "yarn.lock" => "yarn.lock",
        "pnpm-lock.yaml" => "pnpm-lock.yaml",
        "pyproject.toml" => "pyproject.toml",
        "poetry.lock" => "poetry.lock",
        "uv.lock" => "uv.lock",
        "pipfile" => "Pipfile",
        "pipfile.lock" => "Pipfile.lock",
        "go.mod" => "go.mod",
        "go.sum" => "go.sum",
        "gemfile" => "Gemfile",
        "gemfile.lock" => "Gemfile.lock",
        "pom.xml" => "pom.xml",
        "build.gradle" | "build.gradle.kts" => "build.gradle",
        "libs.versions.toml" => "libs.versions.toml",
        "composer.json" => "composer.json",
        "composer.lock" => "composer.lock",
        "packages.lock.json" => "packages.lock.json",
        "mix.exs" => "mix.exs",
        "mix.lock" => "mix.lock",
        ".pre-commit-config.yaml" | ".pre-commit-config.yml" => "pre-commit config",
        ".terraform.lock.hcl" => "terraform lock",
        "chart.yaml" => "Chart.yaml",
        "package.resolved" => "Package.resolved",
        "pubspec.yaml" => "pubspec.yaml",
        "pubspec.lock" => "pubspec.lock",
        _ if lower.ends_with(".tf") => "Terraform",
        _ if docker::is_dockerfile(&lower) => "Dockerfile",
        _ if actions::is_actions_file(path, &lower) => "GitHub Actions workflow",
        _ if lower.ends_with(".txt")
            && (lower.contains("requirements") || path.contains("requirements/")) =>
        {
            "requirements.txt"
        }
        _ if lower.ends_with(".csproj")
            || lower.ends_with(".fsproj")
            || lower.ends_with(".vbproj") =>
        {
            "csproj"
        }
        _ => return None,
    })
}

/// One file name for each format [`format_of`] knows, for tests and fuzzing.
pub const EXAMPLE_FILES: &[&str] = &[
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

/// Parses `data` as `format`. A declaration without a name (a malformed line of a
/// line-based lockfile) is no package, and is left out.
pub fn parse(format: &str, data: &[u8]) -> Result<Vec<Dep>, String> {
    let mut deps = parse_format(format, data)?;
    deps.retain(|d| !d.name.is_empty());
    Ok(deps)
}

fn parse_format(format: &str, data: &[u8]) -> Result<Vec<Dep>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not valid UTF-8".to_owned())?;
    match format {
        "Cargo.toml" => cargo::cargo_toml(text),
        "Cargo.lock" => cargo::cargo_lock(text),
        "package.json" => npm::package_json(text),
        "package-lock.json" => npm::package_lock(text),
        "yarn.lock" => npm::yarn_lock(text),
        "pnpm-lock.yaml" => npm::pnpm_lock(text),
        "pyproject.toml" => python::pyproject(text),
        "poetry.lock" | "uv.lock" => toml_packages(text, "pypi"),
        "Pipfile" => python::pipfile(text),
        "Pipfile.lock" => python::pipfile_lock(text),
        "requirements.txt" => Ok(python::requirements(text)),
        "go.mod" => Ok(go::go_mod(text)),
        "go.sum" => Ok(go::go_sum(text)),
        "Gemfile" => Ok(ruby::gemfile(text)),
        "Gemfile.lock" => Ok(ruby::gemfile_lock(text)),
        "pom.xml" => jvm::pom(text),
        "build.gradle" => Ok(jvm::gradle(text)),
        "libs.versions.toml" => jvm::version_catalog(text),
        "composer.json" => php::composer_json(text),
        "composer.lock" => php::composer_lock(text),
        "csproj" => dotnet::csproj(text),
        "packages.lock.json" => dotnet::nuget_lock(text),
        "mix.exs" => Ok(elixir::mix_exs(text)),
        "mix.lock" => Ok(elixir::mix_lock(text)),
        "Dockerfile" => Ok(docker::dockerfile(text)),
        "pre-commit config" => Ok(precommit::config(text)),
        "terraform lock" => Ok(terraform::lock(text)),
        "Terraform" => Ok(terraform::modules(text)),
        "Chart.yaml" => helm::chart(text),
        "Package.resolved" => swift::resolved(text),
        "pubspec.yaml" => dart::pubspec(text),
        "pubspec.lock" => dart::lock(text),
        "GitHub Actions workflow" => Ok(actions::workflow(text)),
        other => Err(format!("unknown format {other}")),
    }
}

fn toml_of(text: &str) -> Result<Toml, String> {
    toml::from_str::<Toml>(text).map_err(|e| e.message().to_owned())
}

fn json_of(text: &str) -> Result<Json, String> {
    serde_json::from_str::<Json>(text).map_err(|e| e.to_string())
}

// ---- Rust ---------------------------------------------------------------------------

fn toml_packages(text: &str, eco: &'static str) -> Result<Vec<Dep>, String> {
    let v = toml_of(text)?;
    let mut out = Vec::new();
    for p in v
        .get("package")
        .and_then(Toml::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = p.get("name").and_then(Toml::as_str) else {
            continue;
        };
        let version = p.get("version").and_then(Toml::as_str).unwrap_or("");
        let source = match p.get("source") {
            Some(Toml::String(s)) if s.starts_with("registry+") || s.starts_with("sparse+") => {
                "registry".to_owned()
            }
            Some(Toml::String(s)) => s.clone(),
            // poetry.lock / uv.lock: `source = { type = "git", url = … }` or `{ registry = … }`.
            Some(Toml::Table(t)) => match (
                t.get("type").and_then(Toml::as_str),
                t.get("url").and_then(Toml::as_str),
            ) {
                (Some(kind), Some(url)) if kind != "legacy" => format!("{kind}+{url}"),
                _ => t
                    .get("git")
                    .and_then(Toml::as_str)
                    .map(|g| format!("git+{g}"))
                    .or_else(|| {
                        t.get("path")
                            .and_then(Toml::as_str)
                            .map(|p| format!("path:{p}"))
                    })
                    .or_else(|| {
                        t.get("editable")
                            .and_then(Toml::as_str)
                            .map(|p| format!("path:{p}"))
                    })
                    .or_else(|| {
                        t.get("virtual")
                            .and_then(Toml::as_str)
                            .map(|p| format!("path:{p}"))
                    })
                    .unwrap_or_else(|| "registry".to_owned()),
            },
            _ => {
                if eco == "cargo" {
                    "path".to_owned()
                } else {
                    "registry".to_owned()
                }
            }
        };
        out.push(dep(eco, name, version, &source, false));
    }
    Ok(out)
}

/// Most nesting of flow collections (`[`, `{`) a lockfile may have. Real lockfiles nest a
/// few levels; the YAML scanner's cost grows with the square of the depth (a 200 KB file
/// of nested brackets took 32 s), so a file past this is refused before it is parsed.
const MAX_YAML_FLOW_DEPTH: usize = 64;

/// Parses a YAML lockfile after a linear check that it cannot make the parser quadratic.
fn yaml(text: &str) -> Result<serde_yaml_ng::Value, String> {
    yaml_as(text)
}

/// YAML into `T`, after refusing flow collections nested deeper than any lockfile has
/// (the parser recurses on them). A typed `T` reads only the fields it names: the rest of
/// a 200 KB lockfile is skipped, not built into a tree of values.
fn yaml_as<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let (mut depth, mut quote) = (0usize, None::<u8>);
    let (mut prev, mut escaped, mut comment) = (b'\n', false, false);
    for &b in text.as_bytes() {
        if b == b'\n' {
            // Lockfiles keep quoted scalars on one line; starting each line afresh means a
            // stray quote can only ever make this count more, never hide brackets.
            (quote, comment, escaped, prev) = (None, false, false, b);
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some(b'"') if b == b'\\' && !escaped => {
                escaped = true;
                prev = b;
                continue;
            }
            Some(q) if b == q && !escaped => quote = None,
            Some(_) => {}
            None => {
                // Quotes open a scalar only where a token starts, as in YAML itself.
                let token_start = matches!(
                    prev,
                    b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':' | b'-'
                );
                match b {
                    b'"' | b'\'' if token_start => quote = Some(b),
                    b'#' if matches!(prev, b' ' | b'\t' | b'\n') => comment = true,
                    b'[' | b'{' => {
                        depth += 1;
                        if depth > MAX_YAML_FLOW_DEPTH {
                            return Err(format!(
                                "collections nested more than {MAX_YAML_FLOW_DEPTH} levels deep: not a lockfile scopecheck will parse"
                            ));
                        }
                    }
                    b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        escaped = false;
        prev = b;
    }
    serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod yaml_depth_tests {
    use super::yaml;

    #[test]
    fn deep_nesting_is_refused_before_parsing_and_quotes_cannot_hide_it() {
        let deep = format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(yaml(&deep).expect_err("too deep").contains("nested"));
        let hidden = format!("x: [a'b, {}{}]\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(yaml(&hidden).is_err());
        let commented = format!("# don't\nx: {}{}\n", "[".repeat(1_000), "]".repeat(1_000));
        assert!(yaml(&commented).is_err());
        assert!(yaml("a: \"[[[[\"\nb: '{{{{'\nc: [1, [2, {d: 3}]] # [[[\n").is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_example_file_is_a_different_known_format() {
        let mut formats: Vec<&str> = EXAMPLE_FILES
            .iter()
            .map(|f| format_of(f).unwrap_or_else(|| panic!("{f} has no format")))
            .collect();
        for f in &formats {
            if let Err(e) = parse(f, b"") {
                assert!(!e.starts_with("unknown format"), "{f}: {e}");
            }
        }
        formats.sort_unstable();
        let n = formats.len();
        formats.dedup();
        assert_eq!(formats.len(), n, "two example files of one format");
    }

    #[test]
    fn requirement_file_names() {
        for p in [
            "requirements.txt",
            "requirements-dev.txt",
            "dev-requirements.txt",
            "requirements/prod.txt",
        ] {
            assert_eq!(format_of(p), Some("requirements.txt"), "{p}");
        }
        assert_eq!(format_of("docs/notes.txt"), None);
    }

    #[test]
    fn spec_names() {
        assert_eq!(
            npm::name_from_spec("\"@babel/core@^7.0.0, @babel/core@^7.1.0\""),
            "@babel/core"
        );
        assert_eq!(npm::name_from_spec("lodash@^4.17.21"), "lodash");
        assert_eq!(
            python::pep508("Django[argon2]>=4.2; python_version > \"3\"").map(|p| p.0),
            Some("django".into())
        );
        assert_eq!(
            python::pep508("pkg @ git+https://x/y.git").map(|p| p.2),
            Some("git+https://x/y.git".into())
        );
    }
}
