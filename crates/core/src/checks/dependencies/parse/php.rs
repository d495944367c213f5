//! PHP: composer.json and composer.lock.

use super::*;

pub(super) fn composer_json(text: &str) -> Result<Vec<Dep>, String> {
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

pub(super) fn composer_lock(text: &str) -> Result<Vec<Dep>, String> {
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
