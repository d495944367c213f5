//! Dart and Flutter: `pubspec.yaml` dependencies and the `pubspec.lock` resolution.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value as Yaml;

use super::{dep, Dep};

#[derive(Deserialize)]
struct Pubspec {
    #[serde(default)]
    dependencies: BTreeMap<String, Yaml>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Yaml>,
}

/// Direct dependencies of a pubspec.yaml. SDK packages (`flutter: {sdk: flutter}`) come
/// with the SDK; `path:` and `git:` ones are reported with that source.
pub(super) fn pubspec(text: &str) -> Result<Vec<Dep>, String> {
    let spec: Pubspec = super::yaml_as(text)?;
    let mut out = Vec::new();
    for (name, v) in spec.dependencies.iter().chain(&spec.dev_dependencies) {
        let (version, source) = match v {
            Yaml::String(s) => (s.clone(), "registry".to_owned()),
            Yaml::Mapping(m) => {
                let get = |k: &str| m.get(Yaml::String(k.to_owned()));
                if get("sdk").is_some() {
                    continue;
                }
                let version = get("version")
                    .and_then(Yaml::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let source = if let Some(p) = get("path").and_then(Yaml::as_str) {
                    format!("path:{p}")
                } else if let Some(g) = get("git") {
                    let url = g
                        .as_str()
                        .or_else(|| g.get("url").and_then(Yaml::as_str))
                        .unwrap_or("git");
                    format!("git+{url}")
                } else {
                    "registry".to_owned()
                };
                (version, source)
            }
            _ => (String::new(), "registry".to_owned()),
        };
        out.push(dep("pub", name, &version, &source, true));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: BTreeMap<String, Locked>,
}

#[derive(Deserialize)]
struct Locked {
    #[serde(default)]
    source: String,
    #[serde(default)]
    version: String,
}

/// Every package of a pubspec.lock, SDK packages aside. All count as resolved
/// (transitive) here, as in the other lockfiles: pubspec.yaml reports the direct ones,
/// and its additions are then not reported again from the lock.
pub(super) fn lock(text: &str) -> Result<Vec<Dep>, String> {
    let lock: Lock = super::yaml_as(text)?;
    Ok(lock
        .packages
        .into_iter()
        .filter(|(_, p)| p.source != "sdk")
        .map(|(name, p)| {
            let source = match p.source.as_str() {
                "hosted" | "" => "registry".to_owned(),
                other => other.to_owned(),
            };
            dep("pub", &name, &p.version, &source, false)
        })
        .collect())
}
