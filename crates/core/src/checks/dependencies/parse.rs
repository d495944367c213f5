//! One parser per manifest and lockfile format. Each takes the file's bytes and returns
//! the packages it declares; structured formats use real parsers (TOML, JSON, YAML, XML),
//! line formats (requirements.txt, go.mod, Gemfile, yarn v1) are read line by line.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use toml::Value as Toml;

mod actions;
mod dart;
mod docker;
mod helm;
mod precommit;
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

/// Parses `data` as `format`.
pub fn parse(format: &str, data: &[u8]) -> Result<Vec<Dep>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not valid UTF-8".to_owned())?;
    match format {
        "Cargo.toml" => cargo_toml(text),
        "Cargo.lock" => cargo_lock(text),
        "package.json" => package_json(text),
        "package-lock.json" => package_lock(text),
        "yarn.lock" => yarn_lock(text),
        "pnpm-lock.yaml" => pnpm_lock(text),
        "pyproject.toml" => pyproject(text),
        "poetry.lock" | "uv.lock" => toml_packages(text, "pypi"),
        "Pipfile" => pipfile(text),
        "Pipfile.lock" => pipfile_lock(text),
        "requirements.txt" => Ok(requirements(text)),
        "go.mod" => Ok(go_mod(text)),
        "go.sum" => Ok(go_sum(text)),
        "Gemfile" => Ok(gemfile(text)),
        "Gemfile.lock" => Ok(gemfile_lock(text)),
        "pom.xml" => pom(text),
        "build.gradle" => Ok(gradle(text)),
        "libs.versions.toml" => version_catalog(text),
        "composer.json" => composer_json(text),
        "composer.lock" => composer_lock(text),
        "csproj" => csproj(text),
        "packages.lock.json" => nuget_lock(text),
        "mix.exs" => Ok(mix_exs(text)),
        "mix.lock" => Ok(mix_lock(text)),
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

fn cargo_table(deps: Option<&Toml>, out: &mut Vec<Dep>) {
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

fn cargo_toml(text: &str) -> Result<Vec<Dep>, String> {
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

fn cargo_lock(text: &str) -> Result<Vec<Dep>, String> {
    match cargo_lock_lines(text) {
        Some(deps) => Ok(deps),
        None => toml_packages(text, "cargo"),
    }
}

/// Cargo.lock as cargo writes it, read line by line: `[[package]]` headers and
/// `name`/`version`/`source` lines of plain basic strings (a 20 MB lockfile: 0.7 s through
/// the TOML parser). Anything else cargo would not write (an inline table, an escape, a
/// multi-line string, an unknown key) returns `None` and the TOML parser decides.
fn cargo_lock_lines(text: &str) -> Option<Vec<Dep>> {
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
fn cargo_lock_rest_is_plain(text: &str, header: &str) -> bool {
    text.split_once(&format!("\n{header}\n"))
        .is_some_and(|(_, rest)| !rest.contains("[[package]]"))
}

// ---- npm / yarn / pnpm ---------------------------------------------------------------

fn npm_source(spec: &str) -> String {
    let s = spec.trim();
    if s.starts_with("git")
        || s.starts_with("github:")
        || s.starts_with("http:")
        || s.starts_with("https:")
        || s.starts_with("file:")
        || s.starts_with("link:")
        || s.contains("://")
    {
        s.to_owned()
    } else if s.contains('/') && !s.starts_with('@') && !s.starts_with("npm:") {
        // `user/repo` is a GitHub shorthand.
        format!("github:{s}")
    } else {
        "registry".to_owned()
    }
}

fn package_json(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    for section in [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ] {
        for (name, spec) in v
            .get(section)
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
        {
            let spec = spec.as_str().unwrap_or("");
            out.push(dep("npm", name, spec, &npm_source(spec), true));
        }
    }
    Ok(out)
}

fn lock_source(resolved: Option<&str>) -> String {
    match resolved {
        Some(r) if r.contains("registry.npmjs.org") || r.contains("registry.yarnpkg.com") => {
            "registry".to_owned()
        }
        Some(r) if r.starts_with("https://") && r.ends_with(".tgz") && r.contains("/-/") => {
            "registry".to_owned()
        }
        Some(r) => r.to_owned(),
        None => "registry".to_owned(),
    }
}

fn package_lock(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    if let Some(packages) = v.get("packages").and_then(Json::as_object) {
        // lockfileVersion 2 and 3: keys are install paths.
        for (path, p) in packages {
            if path.is_empty() {
                continue;
            }
            let name = p
                .get("name")
                .and_then(Json::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    path.rsplit("node_modules/")
                        .next()
                        .unwrap_or(path)
                        .to_owned()
                });
            if p.get("link").and_then(Json::as_bool) == Some(true) {
                continue;
            }
            let mut d = dep(
                "npm",
                &name,
                p.get("version").and_then(Json::as_str).unwrap_or(""),
                &lock_source(p.get("resolved").and_then(Json::as_str)),
                false,
            );
            d.install_script = p.get("hasInstallScript").and_then(Json::as_bool) == Some(true);
            out.push(d);
        }
    } else if let Some(deps) = v.get("dependencies").and_then(Json::as_object) {
        // lockfileVersion 1: nested `dependencies`.
        fn walk(deps: &serde_json::Map<String, Json>, out: &mut Vec<Dep>) {
            for (name, p) in deps {
                out.push(dep(
                    "npm",
                    name,
                    p.get("version").and_then(Json::as_str).unwrap_or(""),
                    &lock_source(p.get("resolved").and_then(Json::as_str)),
                    false,
                ));
                if let Some(inner) = p.get("dependencies").and_then(Json::as_object) {
                    walk(inner, out);
                }
            }
        }
        walk(deps, &mut out);
    }
    Ok(out)
}

/// `"@scope/name@^1.0.0, @scope/name@^1.1.0":` → `@scope/name`.
fn name_from_spec(spec: &str) -> &str {
    let first = spec
        .split(',')
        .next()
        .unwrap_or(spec)
        .trim()
        .trim_matches('"');
    let at = if let Some(rest) = first.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        first.find('@')
    };
    match at {
        Some(i) => &first[..i],
        None => first,
    }
}

fn yarn_lock(text: &str) -> Result<Vec<Dep>, String> {
    if text.contains("__metadata:") {
        // Berry: YAML.
        let v = yaml(text)?;
        let mut out = Vec::new();
        for (key, entry) in v.as_mapping().into_iter().flatten() {
            let Some(key) = key.as_str() else { continue };
            if key == "__metadata" {
                continue;
            }
            let name = name_from_spec(key);
            let resolution = entry
                .get("resolution")
                .and_then(|r| r.as_str())
                .unwrap_or("");
            if resolution.contains("@workspace:") {
                continue;
            }
            let source = if resolution.contains("@npm:") {
                "registry".to_owned()
            } else {
                resolution.to_owned()
            };
            out.push(dep(
                "npm",
                name,
                entry.get("version").and_then(|r| r.as_str()).unwrap_or(""),
                &source,
                false,
            ));
        }
        return Ok(out);
    }
    // v1: `spec[, spec]:` blocks with indented `version "x"` and `resolved "url"`.
    let mut out = Vec::new();
    let mut current: Option<Dep> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') && line.ends_with(':') {
            out.extend(current.take());
            current = Some(dep(
                "npm",
                name_from_spec(line.trim_end_matches(':')),
                "",
                "registry",
                false,
            ));
        } else if let Some(d) = current.as_mut() {
            let t = line.trim();
            if let Some(v) = t.strip_prefix("version ") {
                d.version = v.trim_matches('"').to_owned();
            } else if let Some(r) = t.strip_prefix("resolved ") {
                d.source = lock_source(Some(r.trim_matches('"')));
            }
        }
    }
    out.extend(current);
    if out.is_empty() && !text.trim().is_empty() && !text.contains("yarn lockfile") {
        return Err("no package entries found".into());
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

/// The parts of `pnpm-lock.yaml` the check reads.
#[derive(serde::Deserialize)]
struct PnpmLock {
    #[serde(default)]
    packages: Option<BTreeMap<String, serde_yaml_ng::Value>>,
}

fn pnpm_lock(text: &str) -> Result<Vec<Dep>, String> {
    // pnpm writes its lockfile in one regular layout; read that layout line by line (a
    // range parses a 200 KB lockfile for every commit that touches it) and hand anything
    // else to the YAML parser.
    if let Some(deps) = pnpm_lock_lines(text) {
        return Ok(deps);
    }
    pnpm_lock_yaml(text)
}

/// `pnpm-lock.yaml` as pnpm writes it: a top-level `packages:` whose entries are keys
/// indented by two spaces, with `resolution` (a flow mapping, or a block one level
/// down) and `requiresBuild` indented by four. `None` on anything else (anchors, tabs,
/// escapes, multi-line flow values), so the YAML parser decides.
fn pnpm_lock_lines(text: &str) -> Option<Vec<Dep>> {
    // By key, the last of a repeated key winning, as in the YAML mapping.
    let mut out: BTreeMap<String, PnpmEntry> = BTreeMap::new();
    let mut in_packages = false;
    let mut in_resolution = false;
    let mut current: Option<PnpmEntry> = None;
    let finish = |entry: Option<PnpmEntry>, out: &mut BTreeMap<String, PnpmEntry>| {
        if let Some(e) = entry {
            out.insert(e.key.clone(), e);
        }
    };
    for raw in text.lines() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if line.contains('\t') || line.contains(" &") || line.contains(" *") || line.contains("<<")
        {
            return None;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if indent == 0 {
            if in_packages {
                finish(current.take(), &mut out);
            }
            in_packages = body == "packages:";
            continue;
        }
        if !in_packages {
            continue;
        }
        match indent {
            2 => {
                finish(current.take(), &mut out);
                let key = body.strip_suffix(':')?;
                current = Some(PnpmEntry {
                    key: unquote(key)?.to_owned(),
                    ..PnpmEntry::default()
                });
                in_resolution = false;
            }
            4 => {
                let entry = current.as_mut()?;
                in_resolution = false;
                if let Some(rest) = body.strip_prefix("resolution:") {
                    let rest = rest.trim();
                    if rest.is_empty() {
                        in_resolution = true;
                    } else {
                        let inner = rest.strip_prefix('{')?.strip_suffix('}')?;
                        for field in inner.split(", ") {
                            let (k, v) = field.split_once(": ")?;
                            entry.set(k.trim(), v.trim())?;
                        }
                    }
                } else if let Some(v) = body.strip_prefix("requiresBuild:") {
                    entry.script = matches!(v.trim(), "true" | "True" | "TRUE");
                }
            }
            6 if in_resolution => {
                let entry = current.as_mut()?;
                let (k, v) = body.split_once(": ")?;
                entry.set(k, v.trim())?;
            }
            _ if indent > 4 => {}
            _ => return None,
        }
    }
    if in_packages {
        finish(current.take(), &mut out);
    }
    Some(
        out.into_values()
            .map(|e| {
                let source = e.tarball.or(e.repo);
                pnpm_dep(&e.key, source.as_deref().unwrap_or("registry"), e.script)
            })
            .collect(),
    )
}

/// One `packages` entry of a pnpm lockfile as read line by line.
#[derive(Default)]
struct PnpmEntry {
    key: String,
    tarball: Option<String>,
    repo: Option<String>,
    script: bool,
}

impl PnpmEntry {
    /// A `resolution` field; `None` when its value needs a YAML parser.
    fn set(&mut self, field: &str, value: &str) -> Option<()> {
        match field {
            "tarball" => self.tarball = Some(unquote(value)?.to_owned()),
            "repo" => self.repo = Some(unquote(value)?.to_owned()),
            _ => {}
        }
        Some(())
    }
}

/// A plain or quoted scalar without escapes; `None` for anything needing a YAML parser.
fn unquote(s: &str) -> Option<&str> {
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return (!inner.contains('\'')).then_some(inner);
    }
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return (!inner.contains('\\') && !inner.contains('"')).then_some(inner);
    }
    let plain = !s.is_empty()
        && !s.starts_with(['\'', '"', '{', '[', '&', '*', '!', '|', '>', '%', '@', '`'])
        && !s.contains(": ")
        && !s.contains(" #");
    plain.then_some(s)
}

/// One `packages` entry of a pnpm lockfile as a dependency.
fn pnpm_dep(key: &str, source: &str, install_script: bool) -> Dep {
    // v5/v6: `/name@1.0.0` or `/name/1.0.0`; v9: `name@1.0.0`; peers in parentheses.
    let key = key.trim_start_matches('/');
    let key = key.split('(').next().unwrap_or(key);
    let (name, version) = match name_from_spec(key) {
        n if n.len() < key.len() => (n, &key[n.len() + 1..]),
        _ => match key.rfind('/') {
            Some(i) => (&key[..i], &key[i + 1..]),
            None => (key, ""),
        },
    };
    let mut d = dep("npm", name, version, source, false);
    d.install_script = install_script;
    d
}

fn pnpm_lock_yaml(text: &str) -> Result<Vec<Dep>, String> {
    let lock: PnpmLock = yaml_as(text)?;
    Ok(lock
        .packages
        .iter()
        .flatten()
        .map(|(key, entry)| {
            let resolution = entry.get("resolution");
            let source = resolution
                .and_then(|r| r.get("tarball").or_else(|| r.get("repo")))
                .and_then(|t| t.as_str())
                .unwrap_or("registry");
            let script = entry.get("requiresBuild").and_then(|b| b.as_bool()) == Some(true);
            pnpm_dep(key, source, script)
        })
        .collect())
}

/// A Poetry / Pipfile entry: `name = "^1.0"` or `name = { version = …, git = … }`.
fn pypi_table_dep(name: &str, spec: &Toml) -> Option<Dep> {
    let (version, source) = match spec {
        Toml::String(s) => (s.clone(), "registry".to_owned()),
        Toml::Table(s) => (
            s.get("version")
                .and_then(Toml::as_str)
                .unwrap_or("")
                .to_owned(),
            table_source(s),
        ),
        _ => return None,
    };
    Some(dep("pypi", &normalise_py(name), &version, &source, true))
}

/// Where a TOML dependency table points: `git`, `path` or `url`, else the registry.
fn table_source(t: &toml::map::Map<String, Toml>) -> String {
    t.get("git")
        .and_then(Toml::as_str)
        .map(|g| format!("git+{g}"))
        .or_else(|| {
            t.get("path")
                .and_then(Toml::as_str)
                .map(|p| format!("path:{p}"))
        })
        .or_else(|| t.get("url").and_then(Toml::as_str).map(str::to_owned))
        .unwrap_or_else(|| "registry".to_owned())
}

// ---- Python --------------------------------------------------------------------------

/// Name and the rest of a PEP 508 requirement (`Django[argon2]>=4.2; python_version>"3"`).
fn pep508(req: &str) -> Option<(String, String, String)> {
    let req = req.split('#').next().unwrap_or("").trim();
    if req.is_empty() {
        return None;
    }
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(req.len());
    let name = &req[..end];
    if name.is_empty() {
        return None;
    }
    let rest = req[end..].split(';').next().unwrap_or("");
    let rest = match rest.find(']') {
        Some(i) if rest.trim_start().starts_with('[') => &rest[i + 1..],
        _ => rest,
    };
    let (version, source) = match rest.find('@') {
        Some(i) => ("".to_owned(), rest[i + 1..].trim().to_owned()),
        None => (rest.trim().to_owned(), "registry".to_owned()),
    };
    Some((normalise_py(name), version, source))
}

fn normalise_py(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

fn requirements(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        // Options (-r includes, -e editables, --index-url…) are not packages of this file;
        // an included file is checked when it is itself part of the change.
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            if let Some(target) = line
                .strip_prefix("-e ")
                .or_else(|| line.strip_prefix("--editable "))
            {
                if let Some(egg) = target.split("#egg=").nth(1) {
                    out.push(dep("pypi", &normalise_py(egg), "", target.trim(), true));
                }
            }
            continue;
        }
        if line.contains("://") && !line.contains('@') {
            continue;
        }
        if let Some((name, version, source)) = pep508(line) {
            out.push(dep("pypi", &name, &version, &source, true));
        }
    }
    out
}

fn pyproject(text: &str) -> Result<Vec<Dep>, String> {
    let v = toml_of(text)?;
    let mut out = Vec::new();
    let mut reqs = |list: Option<&Toml>| {
        for r in list.and_then(Toml::as_array).into_iter().flatten() {
            if let Some((n, ver, src)) = r.as_str().and_then(pep508) {
                out.push(dep("pypi", &n, &ver, &src, true));
            }
        }
    };
    let project = v.get("project");
    reqs(project.and_then(|p| p.get("dependencies")));
    for group in project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(Toml::as_table)
        .into_iter()
        .flat_map(|t| t.values())
    {
        reqs(Some(group));
    }
    for group in v
        .get("dependency-groups")
        .and_then(Toml::as_table)
        .into_iter()
        .flat_map(|t| t.values())
    {
        reqs(Some(group));
    }
    let poetry = v.get("tool").and_then(|t| t.get("poetry"));
    let mut tables: Vec<&Toml> = Vec::new();
    if let Some(p) = poetry {
        tables.extend(p.get("dependencies"));
        tables.extend(p.get("dev-dependencies"));
        for g in p
            .get("group")
            .and_then(Toml::as_table)
            .into_iter()
            .flat_map(|t| t.values())
        {
            tables.extend(g.get("dependencies"));
        }
    }
    for t in tables {
        for (name, spec) in t.as_table().into_iter().flatten() {
            if name == "python" {
                continue;
            }
            out.extend(pypi_table_dep(name, spec));
        }
    }
    Ok(out)
}

fn pipfile(text: &str) -> Result<Vec<Dep>, String> {
    let v = toml_of(text)?;
    let mut out = Vec::new();
    for section in ["packages", "dev-packages"] {
        for (name, spec) in v
            .get(section)
            .and_then(Toml::as_table)
            .into_iter()
            .flatten()
        {
            out.extend(pypi_table_dep(name, spec));
        }
    }
    Ok(out)
}

fn pipfile_lock(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        for (name, p) in v
            .get(section)
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
        {
            let source = p
                .get("git")
                .and_then(Json::as_str)
                .map(|g| format!("git+{g}"))
                .unwrap_or_else(|| "registry".to_owned());
            out.push(dep(
                "pypi",
                &normalise_py(name),
                p.get("version")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .trim_start_matches("=="),
                &source,
                false,
            ));
        }
    }
    Ok(out)
}

// ---- Go ------------------------------------------------------------------------------

fn go_mod(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut replaces: BTreeMap<String, String> = BTreeMap::new();
    let mut block: Option<&str> = None;
    for raw in text.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line == ")" {
            block = None;
            continue;
        }
        let (kind, rest) = if let Some(b) = block {
            (b, line)
        } else if let Some(r) = line.strip_prefix("require ") {
            if r.trim() == "(" {
                block = Some("require");
                continue;
            }
            ("require", r)
        } else if let Some(r) = line.strip_prefix("replace ") {
            if r.trim() == "(" {
                block = Some("replace");
                continue;
            }
            ("replace", r)
        } else {
            if line.ends_with('(') {
                block = Some("other");
            }
            continue;
        };
        let parts: Vec<&str> = rest.split_whitespace().collect();
        match kind {
            "require" if parts.len() >= 2 => {
                out.push(dep("go", parts[0], parts[1], "registry", true))
            }
            "replace" => {
                if let Some(arrow) = parts.iter().position(|p| *p == "=>") {
                    let target = parts[arrow + 1..].join(" ");
                    replaces.insert(parts[0].to_owned(), format!("replace:{target}"));
                }
            }
            _ => {}
        }
    }
    for d in &mut out {
        if let Some(r) = replaces.get(&d.name) {
            d.source = r.clone();
        }
    }
    out
}

fn go_sum(text: &str) -> Vec<Dep> {
    let mut out: Vec<Dep> = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() < 3 {
            continue;
        }
        let version = parts[1].trim_end_matches("/go.mod");
        if !out
            .iter()
            .any(|d| d.name == parts[0] && d.version == version)
        {
            out.push(dep("go", parts[0], version, "registry", false));
        }
    }
    out
}

// ---- Ruby ----------------------------------------------------------------------------

fn gemfile(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        let Some(rest) = line
            .strip_prefix("gem ")
            .or_else(|| line.strip_prefix("gem("))
        else {
            continue;
        };
        let args: Vec<&str> = rest.split(',').map(str::trim).collect();
        let unquote = |s: &str| {
            s.trim_matches(|c| c == '"' || c == '\'' || c == ')')
                .to_owned()
        };
        let Some(name) = args.first().map(|s| unquote(s)) else {
            continue;
        };
        let version = args
            .get(1)
            .filter(|a| a.starts_with('"') || a.starts_with('\''))
            .map(|s| unquote(s))
            .unwrap_or_default();
        let source = args
            .iter()
            .find_map(|a| {
                let a = a.replace(' ', "");
                for key in ["git:", ":git=>", "github:", ":github=>", "path:", ":path=>"] {
                    if let Some(v) = a.strip_prefix(key) {
                        return Some(format!(
                            "{}{}",
                            key.trim_matches(|c| c == ':' || c == '=' || c == '>'),
                            unquote(v)
                        ));
                    }
                }
                None
            })
            .unwrap_or_else(|| "registry".to_owned());
        out.push(dep("rubygems", &name, &version, &source, true));
    }
    out
}

fn gemfile_lock(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut section = "";
    let mut remote = String::from("registry");
    for line in text.lines() {
        if !line.starts_with(' ') {
            section = line.trim();
            remote = "registry".to_owned();
            continue;
        }
        if let Some(r) = line.trim().strip_prefix("remote: ") {
            if section == "GIT" || section == "PATH" {
                remote = format!("{}:{r}", section.to_ascii_lowercase());
            }
            continue;
        }
        // Specs are indented exactly four spaces: `    name (1.2.3)`.
        if line.starts_with("    ")
            && !line.starts_with("     ")
            && matches!(section, "GEM" | "GIT" | "PATH")
        {
            let t = line.trim();
            if let Some((name, version)) = t.split_once(' ') {
                out.push(dep(
                    "rubygems",
                    name,
                    version.trim_matches(|c| c == '(' || c == ')'),
                    &remote,
                    false,
                ));
            }
        }
    }
    out
}

// ---- JVM -----------------------------------------------------------------------------

fn pom(text: &str) -> Result<Vec<Dep>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    // One (groupId, artifactId, version) per open <dependency> or <plugin>: a plugin's
    // own <dependencies> nest inside it.
    let mut frames: Vec<[String; 3]> = Vec::new();
    let coordinate = |n: &str| n == "dependency" || n == "plugin";
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?
        {
            Event::Start(e) => {
                let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                if coordinate(&name) {
                    frames.push(Default::default());
                }
                stack.push(name);
            }
            Event::End(e) => {
                let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                stack.pop();
                if !coordinate(&name) {
                    continue;
                }
                let Some([mut group, artifact, version]) = frames.pop() else {
                    continue;
                };
                if artifact.is_empty() {
                    continue;
                }
                // Maven's own plugins may leave their group out.
                if group.is_empty() && name == "plugin" {
                    group = "org.apache.maven.plugins".to_owned();
                }
                out.push(dep(
                    "maven",
                    &format!("{group}:{artifact}"),
                    &version,
                    "registry",
                    true,
                ));
            }
            Event::Text(t) => {
                let value = AsRef::<str>::as_ref(&t).trim().to_owned();
                let in_coordinate = stack.iter().rev().nth(1).is_some_and(|p| coordinate(p));
                let slot = match stack.last().map(String::as_str) {
                    Some("groupId") => 0,
                    Some("artifactId") => 1,
                    Some("version") => 2,
                    _ => continue,
                };
                if let Some(frame) = frames.last_mut().filter(|_| in_coordinate) {
                    frame[slot] = value;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn gradle(text: &str) -> Vec<Dep> {
    // `implementation "g:a:v"`, `api("g:a:v")`, `testImplementation 'g:a:v'`,
    // `implementation(libs.foo)` (catalog aliases are reported by the catalog).
    const CONFIGS: &[&str] = &[
        "implementation",
        "api",
        "compileOnly",
        "runtimeOnly",
        "testImplementation",
        "testRuntimeOnly",
        "testCompileOnly",
        "androidTestImplementation",
        "kapt",
        "ksp",
        "annotationProcessor",
        "classpath",
        "compile",
        "testCompile",
        "debugImplementation",
        "releaseImplementation",
    ];
    let mut out = Vec::new();
    let mut in_plugins = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("plugins") && line.contains('{') {
            in_plugins = !line.contains('}');
            if let Some(p) = gradle_plugin(line.split_once('{').map_or("", |(_, r)| r)) {
                out.push(p);
            }
            continue;
        }
        if in_plugins {
            if line.starts_with('}') {
                in_plugins = false;
            } else if let Some(p) = gradle_plugin(line) {
                out.push(p);
            }
            continue;
        }
        if let Some(id) = line
            .strip_prefix("apply plugin:")
            .map(|r| r.trim().trim_matches(|c| c == '"' || c == '\''))
        {
            if id.contains('.') {
                out.push(dep("gradle-plugin", id, "", "registry", true));
            }
            continue;
        }
        // Any configuration, a plugin's own included (`checkstyle`, `detekt`,
        // `errorprone`): the word, then a quoted `group:artifact:version`. Unknown words
        // need the full three-part coordinate with a dotted group, so a task argument
        // like `println "a:b"` is not taken for a package.
        let word_len = line
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if word_len == 0 {
            continue;
        }
        let (word, rest) = line.split_at(word_len);
        if !rest.starts_with([' ', '(', '\t']) {
            continue;
        }
        let known = CONFIGS.contains(&word);
        let rest = rest.trim_start_matches([' ', '(', '\t']);
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let inner = &rest[1..];
        let Some(end) = inner.find(quote) else {
            continue;
        };
        let coord = &inner[..end];
        let parts: Vec<&str> = coord.split(':').collect();
        let plausible = parts.len() >= 2
            && parts[..2].iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            });
        if plausible && (known || (parts.len() >= 3 && parts[0].contains('.'))) {
            out.push(dep(
                "maven",
                &format!("{}:{}", parts[0], parts[1]),
                parts.get(2).copied().unwrap_or(""),
                "registry",
                true,
            ));
        }
    }
    out
}

/// One entry of a `plugins {}` block: `id "x.y" version "1"`, `id("x.y") version "1"`,
/// `kotlin("jvm") version "1.9.0"`. Gradle's core plugins (`java`, `application`:
/// no dot, no version) ship with Gradle and are not packages.
fn gradle_plugin(line: &str) -> Option<Dep> {
    let line = line.trim().trim_end_matches('}').trim();
    let quoted = |s: &str| -> Option<String> {
        let s = s.trim_start_matches(['(', ' ']);
        let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &s[1..];
        Some(inner[..inner.find(q)?].to_owned())
    };
    let (id, rest) = if let Some(r) = line.strip_prefix("id") {
        let id = quoted(r)?;
        let after = r.find(&id).map_or("", |i| &r[i + id.len() + 1..]);
        (id, after)
    } else if let Some(r) = line.strip_prefix("kotlin(") {
        let module = quoted(r)?;
        let after = r.find(&module).map_or("", |i| &r[i + module.len() + 1..]);
        (format!("org.jetbrains.kotlin.{module}"), after)
    } else {
        return None;
    };
    let version = rest
        .find("version")
        .and_then(|i| quoted(rest[i + "version".len()..].trim_start()))
        .unwrap_or_default();
    (id.contains('.') || !version.is_empty())
        .then(|| dep("gradle-plugin", &id, &version, "registry", true))
}

fn version_catalog(text: &str) -> Result<Vec<Dep>, String> {
    let v = toml_of(text)?;
    let versions = v.get("versions").and_then(Toml::as_table);
    let mut out = Vec::new();
    for lib in v
        .get("libraries")
        .and_then(Toml::as_table)
        .into_iter()
        .flat_map(|t| t.values())
    {
        let (name, version) = match lib {
            Toml::String(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                if parts.len() < 2 {
                    continue;
                }
                (
                    format!("{}:{}", parts[0], parts[1]),
                    parts.get(2).copied().unwrap_or("").to_owned(),
                )
            }
            Toml::Table(t) => {
                let name = match (
                    t.get("module").and_then(Toml::as_str),
                    t.get("group").and_then(Toml::as_str),
                    t.get("name").and_then(Toml::as_str),
                ) {
                    (Some(m), _, _) => m.to_owned(),
                    (None, Some(g), Some(n)) => format!("{g}:{n}"),
                    _ => continue,
                };
                let version = match t.get("version") {
                    Some(Toml::String(s)) => s.clone(),
                    Some(Toml::Table(vt)) => vt
                        .get("ref")
                        .and_then(Toml::as_str)
                        .and_then(|r| versions.and_then(|vs| vs.get(r)).and_then(Toml::as_str))
                        .unwrap_or("")
                        .to_owned(),
                    _ => String::new(),
                };
                (name, version)
            }
            _ => continue,
        };
        out.push(dep("maven", &name, &version, "registry", true));
    }
    Ok(out)
}

// ---- PHP, .NET, Elixir ---------------------------------------------------------------

fn composer_json(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    for section in ["require", "require-dev"] {
        for (name, spec) in v
            .get(section)
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
        {
            // Platform requirements (`php`, `ext-json`) are not packages.
            if name == "php"
                || name.starts_with("ext-")
                || name.starts_with("lib-")
                || !name.contains('/')
            {
                continue;
            }
            out.push(dep(
                "composer",
                name,
                spec.as_str().unwrap_or(""),
                "registry",
                true,
            ));
        }
    }
    Ok(out)
}

fn composer_lock(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    for section in ["packages", "packages-dev"] {
        for p in v
            .get(section)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = p.get("name").and_then(Json::as_str) else {
                continue;
            };
            let source = match p
                .get("dist")
                .and_then(|d| d.get("url"))
                .and_then(Json::as_str)
            {
                Some(u)
                    if u.contains("api.github.com")
                        || u.contains("packagist")
                        || u.contains("repo.packagist.org") =>
                {
                    "registry".to_owned()
                }
                Some(u) => u.to_owned(),
                None => p
                    .get("source")
                    .and_then(|s| s.get("url"))
                    .and_then(Json::as_str)
                    .unwrap_or("registry")
                    .to_owned(),
            };
            out.push(dep(
                "composer",
                name,
                p.get("version").and_then(Json::as_str).unwrap_or(""),
                &source,
                false,
            ));
        }
    }
    Ok(out)
}

fn csproj(text: &str) -> Result<Vec<Dep>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    let mut in_version = false;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?
        {
            Event::Start(e) | Event::Empty(e)
                if AsRef::<str>::as_ref(&e.name()) == "PackageReference" =>
            {
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| AsRef::<str>::as_ref(&a.key) == k)
                        .map(|a| a.value.to_string())
                };
                let name = attr("Include")
                    .or_else(|| attr("Update"))
                    .unwrap_or_default();
                let version = attr("Version").unwrap_or_default();
                if !name.is_empty() {
                    out.push(dep("nuget", &name, &version, "registry", true));
                    open = Some((name, version));
                }
            }
            Event::Start(e) if AsRef::<str>::as_ref(&e.name()) == "Version" && open.is_some() => {
                in_version = true
            }
            Event::Text(t) if in_version => {
                if let Some(last) = out.last_mut() {
                    last.version = AsRef::<str>::as_ref(&t).trim().to_owned();
                }
            }
            Event::End(e) if AsRef::<str>::as_ref(&e.name()) == "Version" => in_version = false,
            Event::End(e) if AsRef::<str>::as_ref(&e.name()) == "PackageReference" => open = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn nuget_lock(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    for framework in v
        .get("dependencies")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for (name, p) in framework.as_object().into_iter().flatten() {
            let kind = p.get("type").and_then(Json::as_str).unwrap_or("");
            if kind == "Project" {
                continue;
            }
            let version = p.get("resolved").and_then(Json::as_str).unwrap_or("");
            if !out
                .iter()
                .any(|d: &Dep| &d.name == name && d.version == version)
            {
                out.push(dep("nuget", name, version, "registry", false));
            }
        }
    }
    Ok(out)
}

fn mix_exs(text: &str) -> Vec<Dep> {
    // `{:phoenix, "~> 1.7"}`, `{:dep, git: "https://…"}`, `{:local, path: "../x"}`.
    let mut out = Vec::new();
    for raw in text.lines() {
        let mut rest = raw;
        while let Some(i) = rest.find("{:") {
            let t = &rest[i + 2..];
            let end = t.find('}').unwrap_or(t.len());
            let tuple = &t[..end];
            rest = &t[end..];
            let mut parts = tuple.splitn(2, ',');
            let name = parts.next().unwrap_or("").trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let args = parts.next().unwrap_or("").trim();
            let version = if args.starts_with('"') {
                args.split('"').nth(1).unwrap_or("").to_owned()
            } else {
                String::new()
            };
            let source = ["git:", "github:", "path:"]
                .iter()
                .find_map(|k| {
                    args.find(k).map(|p| {
                        format!(
                            "{}{}",
                            k,
                            args[p + k.len()..].split('"').nth(1).unwrap_or("")
                        )
                    })
                })
                .unwrap_or_else(|| "registry".to_owned());
            out.push(dep("hex", name, &version, &source, true));
        }
    }
    out
}

fn mix_lock(text: &str) -> Vec<Dep> {
    // `  "name": {:hex, :name, "1.2.3", …}` or `{:git, "url", "sha", …}`.
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('"') else {
            continue;
        };
        let Some((name, rest)) = rest.split_once("\":") else {
            continue;
        };
        let rest = rest.trim().trim_start_matches('{');
        let fields: Vec<&str> = rest.split(',').map(str::trim).collect();
        match fields.first().copied() {
            Some(":hex") => out.push(dep(
                "hex",
                name,
                fields.get(2).map(|v| v.trim_matches('"')).unwrap_or(""),
                "registry",
                false,
            )),
            Some(":git") => out.push(dep(
                "hex",
                name,
                fields.get(2).map(|v| v.trim_matches('"')).unwrap_or(""),
                &format!(
                    "git+{}",
                    fields.get(1).map(|v| v.trim_matches('"')).unwrap_or("")
                ),
                false,
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
            name_from_spec("\"@babel/core@^7.0.0, @babel/core@^7.1.0\""),
            "@babel/core"
        );
        assert_eq!(name_from_spec("lodash@^4.17.21"), "lodash");
        assert_eq!(
            pep508("Django[argon2]>=4.2; python_version > \"3\"").map(|p| p.0),
            Some("django".into())
        );
        assert_eq!(
            pep508("pkg @ git+https://x/y.git").map(|p| p.2),
            Some("git+https://x/y.git".into())
        );
    }
}

#[cfg(test)]
mod pnpm_lines_tests {
    use super::{pnpm_lock_lines, pnpm_lock_yaml};

    fn sorted(mut v: Vec<super::Dep>) -> Vec<super::Dep> {
        v.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        v
    }

    /// The line reader agrees with the YAML parser on every lockfile layout pnpm has
    /// written (checked on all 806 versions of vuejs/core's lockfile, formats 5.4, 6.0
    /// and 9.0), and hands anything unusual to the YAML parser.
    #[test]
    fn the_line_reader_equals_the_yaml_parser_and_falls_back_on_anything_unusual() {
        let v9 = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n  '@scope/pkg@1.2.3':\n    resolution: {integrity: sha512-abc==}\n    engines: {node: '>=12'}\n\n  esbuild@0.21.5:\n    resolution: {integrity: sha512-def==}\n    hasBin: true\n    requiresBuild: true\n\n  remote@1.0.0:\n    resolution: {integrity: sha512-x==, tarball: https://example.com/remote-1.0.0.tgz}\n\n  dup@1.0.0:\n    resolution: {integrity: sha512-1==}\n\n  dup@1.0.0:\n    resolution: {integrity: sha512-2==, tarball: https://example.com/dup.tgz}\n\nsnapshots:\n\n  esbuild@0.21.5: {}\n";
        let v6 = "lockfileVersion: '6.0'\n\npackages:\n\n  /@babel/core@7.24.0(supports-color@8.0.0):\n    resolution: {integrity: sha512-y==}\n    engines: {node: '>=6.9.0'}\n    dependencies:\n      debug: 4.3.4\n    dev: true\n\n  /fsevents@2.3.3:\n    resolution: {integrity: sha512-z==}\n    os: [darwin]\n    requiresBuild: true\n    dev: true\n    optional: true\n";
        let v5 = "lockfileVersion: 5.4\n\npackages:\n\n  /left-pad/1.3.0:\n    resolution:\n      integrity: sha512-q==\n      tarball: https://example.com/left-pad.tgz\n    dev: false\n\n  /right-pad/1.0.0:\n    resolution: {integrity: sha1-w=}\n";
        for text in [v9, v6, v5] {
            let lines = pnpm_lock_lines(text).expect("a layout pnpm writes");
            let yaml = pnpm_lock_yaml(text).expect("valid YAML");
            assert_eq!(sorted(lines), sorted(yaml), "{text}");
        }
        let lines = sorted(pnpm_lock_lines(v9).expect("v9"));
        let dup = lines.iter().find(|d| d.name == "dup").expect("dup");
        assert_eq!(
            dup.source, "https://example.com/dup.tgz",
            "the last of a repeated key wins"
        );
        assert!(lines
            .iter()
            .any(|d| d.name == "esbuild" && d.install_script));
        assert!(lines
            .iter()
            .any(|d| d.name == "@scope/pkg" && d.version == "1.2.3"));
        // pnpm 10 writes an environment document before the lockfile proper: both are
        // read (the YAML parser refused the file as unparseable).
        let two = "---\nlockfileVersion: '9.0'\n\npackages:\n\n  pnpm@10.0.0:\n    resolution: {integrity: sha512-p==}\n\n---\nlockfileVersion: '9.0'\n\npackages:\n\n  vue@3.5.0:\n    resolution: {integrity: sha512-v==}\n";
        assert!(pnpm_lock_yaml(two).is_err());
        let names: Vec<String> = sorted(pnpm_lock_lines(two).expect("two documents"))
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["pnpm", "vue"]);
        // Anchors, tabs, escapes and multi-line flow values go to the YAML parser.
        let unusual = [
            "packages:\n  a@1.0.0: &x\n    resolution: {integrity: q}\n",
            "packages:\n\ta@1.0.0:\n",
            "packages:\n  \"a\\u0041@1.0.0\":\n    resolution: {integrity: q}\n",
            "packages:\n  a@1.0.0:\n    resolution: {integrity: q,\n      tarball: t}\n",
        ];
        for text in unusual {
            assert!(pnpm_lock_lines(text).is_none(), "{text}");
        }
    }
}

#[cfg(test)]
mod cargo_lines_tests {
    use super::{cargo_lock_lines, toml_packages};

    /// The line reader agrees with the TOML parser on this repository's own Cargo.lock
    /// (v4), on the v1 layout with `[metadata]`, on git and path packages; anything cargo
    /// would not write goes to the TOML parser.
    #[test]
    fn the_cargo_lock_line_reader_equals_the_toml_parser() {
        let own = include_str!("../../../../../Cargo.lock");
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
