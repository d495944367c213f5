//! Ruby: Gemfile and Gemfile.lock.

use super::*;

pub(super) fn gemfile(text: &str) -> Vec<Dep> {
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

pub(super) fn gemfile_lock(text: &str) -> Vec<Dep> {
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
