//! Terraform: providers pinned in `.terraform.lock.hcl` and modules sourced in `*.tf`.

use super::{dep, Dep};

/// Each `provider "registry.terraform.io/hashicorp/aws" { version = "5.31.0" … }` block
/// of the dependency lock file.
pub(super) fn lock(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("provider ") {
            current = quoted(rest).map(str::to_owned);
        } else if let (Some(name), Some(v)) = (current.as_ref(), t.strip_prefix("version")) {
            let version = v
                .trim_start()
                .strip_prefix('=')
                .and_then(quoted)
                .unwrap_or("");
            out.push(dep("terraform", name, version, "registry", false));
            current = None;
        }
    }
    out
}

/// Each `module "name" { source = "…" version = "…" }` whose source is not a local path:
/// a registry module, a git repository or an archive URL is someone else's code.
pub(super) fn modules(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    // (source, version) of the module block being read, and its brace depth.
    let mut block: Option<(String, String)> = None;
    let mut depth = 0i32;
    for line in text.lines() {
        let t = line.trim();
        if block.is_none() {
            if t.starts_with("module ") && t.ends_with('{') {
                block = Some((String::new(), String::new()));
                depth = 1;
            }
            continue;
        }
        if depth == 1 {
            if let Some(rest) = assignment(t, "source") {
                if let Some(b) = block.as_mut() {
                    b.0 = rest.to_owned();
                }
            } else if let Some(rest) = assignment(t, "version") {
                if let Some(b) = block.as_mut() {
                    b.1 = rest.to_owned();
                }
            }
        }
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
        if depth <= 0 {
            if let Some((source, version)) = block.take() {
                let local = source.starts_with("./") || source.starts_with("../");
                if !source.is_empty() && !local {
                    let origin = if source.contains("://") || source.starts_with("git::") {
                        "url"
                    } else {
                        "registry"
                    };
                    out.push(dep("terraform", &source, &version, origin, true));
                }
            }
        }
    }
    out
}

/// The quoted value of `key = "value"`.
fn assignment<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
    quoted(rest)
}

fn quoted(s: &str) -> Option<&str> {
    let s = s.trim_start().strip_prefix('"')?;
    Some(&s[..s.find('"')?])
}
