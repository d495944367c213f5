//! `.pre-commit-config.yaml`: the hook repositories pre-commit fetches and runs.

use super::{dep, Dep};

/// Each `- repo: <url>` with its `rev:` as a `pre-commit` package. `local` and `meta`
/// hooks are the repository's own. Read line by line: the file is a flat list, and its
/// `rev:` may come before or after `repo:` within an entry.
pub(super) fn config(text: &str) -> Vec<Dep> {
    let mut out: Vec<Dep> = Vec::new();
    // (repo, rev) of the entry being read; an entry ends at the next `- `.
    let mut entry: Option<(String, String)> = None;
    let flush = |entry: &mut Option<(String, String)>, out: &mut Vec<Dep>| {
        if let Some((repo, rev)) = entry.take() {
            if !repo.is_empty() && repo != "local" && repo != "meta" {
                out.push(dep("pre-commit", &repo, &rev, "registry", true));
            }
        }
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("- repo:") {
            flush(&mut entry, &mut out);
            entry = Some((scalar(v), String::new()));
        } else if let Some(v) = t.strip_prefix("repo:") {
            if let Some(e) = entry.as_mut() {
                e.0 = scalar(v);
            }
        } else if let Some(v) = t.strip_prefix("rev:") {
            if let Some(e) = entry.as_mut() {
                e.1 = scalar(v);
            }
        }
    }
    flush(&mut entry, &mut out);
    out
}

/// A YAML plain or quoted scalar, without a trailing comment.
fn scalar(v: &str) -> String {
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.trim_matches(|c| c == '"' || c == '\'').to_owned()
}
