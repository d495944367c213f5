//! npm, Yarn and pnpm: package.json, package-lock.json, yarn.lock, pnpm-lock.yaml.

use super::*;

pub(super) fn npm_source(spec: &str) -> String {
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

pub(super) fn package_json(text: &str) -> Result<Vec<Dep>, String> {
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

pub(super) fn lock_source(resolved: Option<&str>) -> String {
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

pub(super) fn package_lock(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    if let Some(packages) = v.get("packages").and_then(Json::as_object) {
        // lockfileVersion 2 and 3: keys are install paths.
        for (path, p) in packages {
            // "" is the root project and keys outside `node_modules/` (`apps/web`) are
            // workspace members: this repository's own code, not installed packages.
            if !path.contains("node_modules/") {
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
pub(super) fn name_from_spec(spec: &str) -> &str {
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

pub(super) fn yarn_lock(text: &str) -> Result<Vec<Dep>, String> {
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

/// The parts of `pnpm-lock.yaml` the check reads.
#[derive(serde::Deserialize)]
pub(super) struct PnpmLock {
    #[serde(default)]
    packages: Option<BTreeMap<String, serde_yaml_ng::Value>>,
}

pub(super) fn pnpm_lock(text: &str) -> Result<Vec<Dep>, String> {
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
pub(super) fn pnpm_lock_lines(text: &str) -> Option<Vec<Dep>> {
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
pub(super) struct PnpmEntry {
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
pub(super) fn unquote(s: &str) -> Option<&str> {
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
pub(super) fn pnpm_dep(key: &str, source: &str, install_script: bool) -> Dep {
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

pub(super) fn pnpm_lock_yaml(text: &str) -> Result<Vec<Dep>, String> {
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
