//! GitHub Actions: the actions workflows and composite actions use (`uses:` lines).

use super::{dep, Dep};

/// The owners whose actions GitHub itself publishes: not third-party code.
const FIRST_PARTY: &[&str] = &["actions", "github"];

/// Whether `path` is a workflow or a composite action's metadata.
pub(super) fn is_actions_file(path: &str, lower_name: &str) -> bool {
    let workflow = path.contains(".github/workflows/")
        && (lower_name.ends_with(".yml") || lower_name.ends_with(".yaml"));
    workflow || lower_name == "action.yml" || lower_name == "action.yaml"
}

/// Every `uses:` of a workflow: `owner/repo[/path]@ref` as a `github-actions` package
/// (version = the ref), `docker://image:tag` as a `docker` image. Local actions
/// (`./path`) are the repository's own code. Read line by line, not as YAML: `uses:` is
/// always a plain scalar on its own line, and a workflow that is mid-edit or uses YAML
/// anchors still yields its references.
pub(super) fn workflow(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").map_or(t, str::trim_start);
        let Some(value) = t.strip_prefix("uses:") else {
            continue;
        };
        let value = value.split(" #").next().unwrap_or(value).trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if value.is_empty() || value.starts_with("./") || value.starts_with("${{") {
            continue;
        }
        if let Some(image) = value.strip_prefix("docker://") {
            if let Some(d) = super::docker::image(image) {
                out.push(d);
            }
            continue;
        }
        let (name, reference) = value.split_once('@').unwrap_or((value, ""));
        let owner = name.split('/').next().unwrap_or(name);
        let source = if FIRST_PARTY.contains(&owner.to_ascii_lowercase().as_str()) {
            "github"
        } else {
            "registry"
        };
        out.push(dep("github-actions", name, reference, source, true));
    }
    out
}

/// Whether an action reference is immutable: a full commit SHA (a tag or a branch can be
/// moved to other code by whoever controls the repository).
pub fn pinned(reference: &str) -> bool {
    reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit())
}
