//! Elixir: mix.exs and mix.lock.

use super::*;

pub(super) fn mix_exs(text: &str) -> Vec<Dep> {
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

pub(super) fn mix_lock(text: &str) -> Vec<Dep> {
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
