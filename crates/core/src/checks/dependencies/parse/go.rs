//! Go modules: go.mod and go.sum.

use super::*;

pub(super) fn go_mod(text: &str) -> Vec<Dep> {
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

pub(super) fn go_sum(text: &str) -> Vec<Dep> {
    let mut out: Vec<Dep> = Vec::new();
    // Each module appears twice (its tree and its go.mod hash): keep the first, with a
    // set, since a list search would be quadratic in a large go.sum.
    let mut seen = std::collections::HashSet::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() < 3 {
            continue;
        }
        let version = parts[1].trim_end_matches("/go.mod");
        if seen.insert((parts[0], version)) {
            out.push(dep("go", parts[0], version, "registry", false));
        }
    }
    out
}
