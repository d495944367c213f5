//! Python: requirements files, pyproject.toml, Pipfile and Pipfile.lock (poetry.lock and uv.lock share `toml_packages`).

use super::*;

/// A Poetry / Pipfile entry: `name = "^1.0"` or `name = { version = …, git = … }`.
pub(super) fn pypi_table_dep(name: &str, spec: &Toml) -> Option<Dep> {
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
pub(super) fn table_source(t: &toml::map::Map<String, Toml>) -> String {
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

/// Name and the rest of a PEP 508 requirement (`Django[argon2]>=4.2; python_version>"3"`).
pub(super) fn pep508(req: &str) -> Option<(String, String, String)> {
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

pub(super) fn normalise_py(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

pub(super) fn requirements(text: &str) -> Vec<Dep> {
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

pub(super) fn pyproject(text: &str) -> Result<Vec<Dep>, String> {
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

pub(super) fn pipfile(text: &str) -> Result<Vec<Dep>, String> {
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

pub(super) fn pipfile_lock(text: &str) -> Result<Vec<Dep>, String> {
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
