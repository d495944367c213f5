//! Container base images: `FROM` lines of Dockerfiles and Containerfiles.

use super::{dep, Dep};

/// Whether a file name is a Dockerfile (`Dockerfile`, `Containerfile`, `Dockerfile.dev`,
/// `api.Dockerfile`).
pub(super) fn is_dockerfile(lower_name: &str) -> bool {
    lower_name == "dockerfile"
        || lower_name == "containerfile"
        || lower_name.starts_with("dockerfile.")
        || lower_name.ends_with(".dockerfile")
}

/// The base images a Dockerfile builds from, as `docker` packages (version = tag and
/// digest). Stages built earlier in the file (`FROM build AS …`), `scratch` and images
/// named by a build argument (`FROM ${BASE}`: unknown until build time) are not images
/// pulled from a registry by name.
pub(super) fn dockerfile(text: &str) -> Vec<Dep> {
    let mut stages: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let mut words = words.skip_while(|w| w.starts_with("--"));
        let Some(image) = words.next() else { continue };
        let lower = image.to_ascii_lowercase();
        let earlier_stage = stages.contains(&lower);
        if let (Some(kw), Some(stage)) = (words.next(), words.next()) {
            if kw.eq_ignore_ascii_case("AS") {
                stages.insert(stage.to_ascii_lowercase());
            }
        }
        if lower == "scratch" || image.contains('$') || earlier_stage {
            continue;
        }
        if let Some(d) = self::image(image) {
            out.push(d);
        }
    }
    out
}

/// `registry:5000/team/app:1.2@sha256:…` → name `registry:5000/team/app`, version
/// `1.2@sha256:…`.
pub(super) fn image(reference: &str) -> Option<Dep> {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (reference, None),
    };
    // A tag's `:` comes after the last `/` (a registry's port comes before it).
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], &rest[slash + i + 1..]),
        None => (rest, ""),
    };
    if name.is_empty() {
        return None;
    }
    let version = match digest {
        Some(d) => format!("{tag}@{d}"),
        None => tag.to_owned(),
    };
    Some(dep("docker", name, &version, "registry", true))
}

/// Whether an image reference is immutable (pinned by digest).
pub fn pinned(version: &str) -> bool {
    version.contains("@sha256:")
}
