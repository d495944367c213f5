//! Dependencies: packages a change adds, removes, re-versions or re-sources, read from the
//! old and new versions of manifests and lockfiles (never from diff text), offline.

pub mod parse;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Check, Listing, RuleMeta};
use crate::{Action, ChangeSet, Content, Finding, Policy, Side};
use parse::Dep;

/// A parsed manifest or lockfile, or why it does not parse.
type Parsed = Arc<Result<Vec<Dep>, String>>;

/// Parsed versions kept by blob id: in a range, a commit's new lockfile is the next
/// commit's old one, and a large `pnpm-lock.yaml` took most of a range's time to parse
/// twice per commit. Bounded; a side without an id (a hand-built change) is not cached.
const PARSE_CACHE_ENTRIES: usize = 32;

fn parse_side(format: &'static str, side: &Side, data: &[u8]) -> Parsed {
    type Cache = Mutex<HashMap<(String, &'static str, usize), Parsed>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    if side.id.is_empty() {
        return Arc::new(parse::parse(format, data));
    }
    let key = (side.id.clone(), format, data.len());
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let parsed: Parsed = Arc::new(parse::parse(format, data));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= PARSE_CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, parsed.clone());
    }
    parsed
}

/// A package is added.
pub const NEW: &str = "dependency/new-package";
/// A package on the deny list is added.
pub const DENIED: &str = "dependency/denied-package";
/// A package's source changes (registry → git, path, URL).
pub const SOURCE: &str = "dependency/source-changed";
/// A new npm package runs install scripts.
pub const INSTALL_SCRIPT: &str = "dependency/install-script";
/// A package's version changes.
pub const VERSION: &str = "dependency/version-changed";
/// A package is removed.
pub const REMOVED: &str = "dependency/removed-package";
/// A manifest or lockfile cannot be parsed.
pub const UNPARSEABLE: &str = "dependency/unparseable-manifest";
/// A new or changed third-party action or container image is not pinned to a digest.
pub const UNPINNED: &str = "dependency/unpinned-reference";

const HOW: &str = "Check the package (maintainers, downloads, age, install scripts, licence) before accepting it; add it to `[dependencies] allow` with a reason once approved, or remove it.";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        id: NEW,
        default_action: Action::Review,
        summary: "A package is added to a manifest or lockfile",
        what_it_does: "Parses the old and new versions of manifests and lockfiles (Cargo, npm, Yarn, pnpm, pip requirements, pyproject/Poetry/uv, Pipfile, Go modules, Bundler, Maven dependencies, plugins, build extensions and parent POMs, Gradle dependencies in any configuration, `plugins {}` and version catalogs, Composer, NuGet, Mix, Dart pubspec.yaml/pubspec.lock, Swift Package.resolved, Helm Chart.yaml, Terraform modules and .terraform.lock.hcl providers, .pre-commit-config.yaml hook repositories, GitHub Actions `uses:` (third-party only) and Dockerfile `FROM` base images) and reports every package name that appears, as direct (manifest) or transitive (lockfile only). Version bumps of existing packages are not new packages.",
        why_is_this_bad: "Every new dependency is code from someone else that runs in your build or product; typosquats and hijacked packages arrive exactly this way, and an agent told to make something work will happily install one.",
        how_to_fix: HOW,
    },
    RuleMeta {
        id: DENIED,
        default_action: Action::Block,
        summary: "A package on the policy's deny list is added",
        what_it_does: "Reports added packages named in `[dependencies] deny`, with the entry's reason.",
        why_is_this_bad: "The package was banned on purpose (unmaintained, vulnerable, licence, replaced by something better).",
        how_to_fix: "Use the alternative the deny entry's reason names, or have the policy owners remove the entry.",
    },
    RuleMeta {
        id: SOURCE,
        default_action: Action::Review,
        summary: "A package's source changes (registry, git, path or URL)",
        what_it_does: "Reports packages whose source differs between the old and new file: a registry package now fetched from a git repository, a path or a tarball URL, or the reverse.",
        why_is_this_bad: "A source switch bypasses the registry's integrity and provenance: a fork or an unpinned branch can carry anything.",
        how_to_fix: "Point the package back at the registry, or review the fork and pin it to a commit.",
    },
    RuleMeta {
        id: INSTALL_SCRIPT,
        default_action: Action::Review,
        summary: "A new npm package runs install scripts",
        what_it_does: "Reports packages added to package-lock.json (hasInstallScript) or pnpm-lock.yaml (requiresBuild) that run scripts on install.",
        why_is_this_bad: "Install scripts run arbitrary code on every developer machine and CI runner at `npm install` time, the favourite vector of npm supply-chain attacks.",
        how_to_fix: "Review what the script does; prefer packages without one, or install with --ignore-scripts.",
    },
    RuleMeta {
        id: VERSION,
        default_action: Action::Allow,
        summary: "A package's version changes",
        what_it_does: "Records version changes of packages present before and after (recorded, not shown, unless the policy raises the action).",
        why_is_this_bad: "Usually routine; recorded so reports show the full dependency picture and policies can require review of upgrades.",
        how_to_fix: "Nothing is required; raise `[rules.\"dependency/version-changed\"] action` if upgrades must be reviewed in your repository.",
    },
    RuleMeta {
        id: REMOVED,
        default_action: Action::Allow,
        summary: "A package is removed from a manifest or lockfile",
        what_it_does: "Records packages that disappear from a manifest or lockfile.",
        why_is_this_bad: "Removing dependencies is usually good; recorded for completeness.",
        how_to_fix: "Nothing is required; make sure the lockfile was regenerated so no stale entry keeps the package installed.",
    },
    RuleMeta {
        id: UNPARSEABLE,
        default_action: Action::Review,
        summary: "A manifest or lockfile cannot be parsed",
        what_it_does: "Reports a changed manifest or lockfile whose new version does not parse, with the parser's message.",
        why_is_this_bad: "A file nobody can parse cannot be checked: waving it through would let any dependency in unseen, and the build will likely fail on it too.",
        how_to_fix: "Fix the file (regenerate a lockfile with its package manager).",
    },
    RuleMeta {
        id: UNPINNED,
        default_action: Action::Warn,
        summary: "A new or changed action or base image is not pinned to a digest",
        what_it_does: "Reports third-party GitHub Actions (`uses: owner/repo@ref`, not `actions/*` or `github/*`) whose ref is not a full 40-character commit SHA, and container base images (Dockerfile `FROM`, `docker://` actions) without an `@sha256:` digest, when they are added or their version changes. New actions and base images are also reported as `dependency/new-package` (ecosystems `github-actions` and `docker`); Gradle plugins are the `gradle-plugin` ecosystem.",
        why_is_this_bad: "A tag or branch is a pointer its owner (or whoever compromises the repository or registry account) can move to other code: the next CI run executes it with your secrets. A commit SHA or an image digest names exactly the code you reviewed.",
        how_to_fix: "Pin the reference: `uses: owner/repo@<full commit sha> # v1.2.3`, `FROM image:tag@sha256:<digest>`; let Dependabot or Renovate keep the pins fresh.",
    },
];

pub use crate::policy::DependencySettings;

/// Known ecosystem names, as used in policy entries (`npm:react`).
pub const ECOSYSTEMS: &[&str] = &[
    "npm",
    "cargo",
    "pypi",
    "go",
    "rubygems",
    "maven",
    "composer",
    "nuget",
    "hex",
    "gradle-plugin",
    "github-actions",
    "docker",
    "pre-commit",
    "terraform",
    "helm",
    "swift",
    "pub",
];

fn matches(entry: &(Option<String>, String), d: &Dep) -> bool {
    entry.0.as_deref().is_none_or(|e| e == d.ecosystem) && names_equal(&entry.1, d)
}

fn names_equal(name: &str, d: &Dep) -> bool {
    if d.ecosystem == "pypi" {
        name.to_ascii_lowercase().replace(['_', '.'], "-") == d.name
    } else {
        name == d.name
    }
}

/// For each of `names`, the line of `data` that first names it, or 1.
///
/// One pass splits the file into tokens (runs of bytes between quotes, whitespace and
/// punctuation no package name contains) and records where each first occurs, with the
/// forms a lockfile wraps a name in taken off: a leading `/` (pnpm), the path up to the
/// last `node_modules/` (package-lock), a trailing `@version` (yarn, pnpm) or
/// `:version` (Gradle). A name is then one lookup. Only a name no token holds (written
/// inside a longer word) is searched for in the bytes. Searching the whole file once per
/// package took 4 s for a lockfile adding 16,000 packages, and one automaton over every
/// name took 1 s to build.
fn lines_of(data: Option<&[u8]>, names: &[&str]) -> Vec<u32> {
    let Some(data) = data.filter(|_| !names.is_empty()) else {
        return vec![1; names.len()];
    };
    let delimiter = crate::change::is_token_delimiter;
    fn note<'a>(first: &mut HashMap<&'a [u8], usize>, form: &'a [u8], at: usize) {
        if !form.is_empty() {
            first.entry(form).or_insert(at);
        }
    }
    let mut first: HashMap<&[u8], usize> = HashMap::new();
    let mut at = 0;
    while at < data.len() {
        if delimiter(data[at]) {
            at += 1;
            continue;
        }
        let end = data[at..]
            .iter()
            .position(|&b| delimiter(b))
            .map_or(data.len(), |n| at + n);
        let token = &data[at..end];
        // YAML and TOML keys end in `:`.
        let token = token.strip_suffix(b":").unwrap_or(token);
        let token = token.strip_prefix(b"/").unwrap_or(token);
        let installed = memchr::memmem::rfind(token, b"node_modules/")
            .map_or(token, |i| &token[i + b"node_modules/".len()..]);
        for form in [token, installed] {
            note(&mut first, form, at);
            // `name@1.2.3`, `@scope/name@1.2.3`: the `@` of a scope is not a version.
            if let Some(i) = memchr::memrchr(b'@', form).filter(|&i| i > 0) {
                note(&mut first, &form[..i], at);
            }
            if let Some(i) = memchr::memrchr(b':', form).filter(|&i| i > 0) {
                note(&mut first, &form[..i], at);
            }
        }
        at = end;
    }
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', data).collect();
    let line =
        |at: usize| u32::try_from(newlines.partition_point(|&nl| nl < at) + 1).unwrap_or(u32::MAX);
    names
        .iter()
        .map(|name| {
            let short = name.rsplit(':').next().unwrap_or(name);
            [*name, short]
                .iter()
                .find_map(|form| first.get(form.as_bytes()).copied())
                .or_else(|| {
                    [*name, short]
                        .iter()
                        .find_map(|form| memchr::memmem::find(data, form.as_bytes()))
                })
                .map_or(1, line)
        })
        .collect()
}

struct FileDeps<'a> {
    path: &'a str,
    format: &'static str,
    data: Option<&'a [u8]>,
    old: Vec<Dep>,
    new: Vec<Dep>,
}

/// See the module docs.
pub struct Dependencies;

impl Check for Dependencies {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        let settings = &policy.dependencies;
        if changes.is_scan() || !settings.enabled {
            return;
        }
        let mut files = Vec::new();
        for change in &changes.files {
            let Some(format) = parse::format_of(&change.path) else {
                continue;
            };
            if let Some(side) = change
                .new
                .as_ref()
                .filter(|s| s.content == Content::TooLarge)
            {
                out.push(Finding::for_file(
                    UNPARSEABLE,
                    RULES[6].default_action,
                    &change.path,
                    format!(
                        "{} ({} bytes) is too large to read, so its packages cannot be checked",
                        change.path, side.size
                    ),
                    RULES[6].how_to_fix.to_owned(),
                ));
                continue;
            }
            let new = match (change.new.as_ref(), change.new_contents()) {
                (Some(side), Some(data)) => match &*parse_side(format, side, data) {
                    Ok(d) => d.clone(),
                    Err(e) => {
                        out.push(Finding::for_file(
                            UNPARSEABLE,
                            RULES[6].default_action,
                            &change.path,
                            format!("{} cannot be parsed as {format}: {e}", change.path),
                            RULES[6].how_to_fix.to_owned(),
                        ));
                        continue;
                    }
                },
                _ => Vec::new(),
            };
            // An old side that no longer parses is compared as empty only if there was
            // none; otherwise its packages are unknown and nothing is reported as new.
            let old = match (change.old.as_ref(), change.old_contents()) {
                (Some(side), Some(data)) => match &*parse_side(format, side, data) {
                    Ok(d) => d.clone(),
                    Err(_) => new.clone(),
                },
                // Not read: its packages are unknown, not absent. Comparing against nothing
                // would report every package in the file as new (911 in one real commit).
                (Some(side), None) if side.content == Content::TooLarge => {
                    out.push(Finding::for_file(
                        UNPARSEABLE,
                        RULES[6].default_action,
                        &change.path,
                        format!(
                            "the previous version of {} ({} bytes) is too large to read: the packages this change adds cannot be told from those it had",
                            change.path, side.size
                        ),
                        "Check the change to this file by hand, or raise `max-file-size` so both versions are read.".to_owned(),
                    ));
                    continue;
                }
                _ => Vec::new(),
            };
            files.push(FileDeps {
                path: &change.path,
                format,
                data: change.new_contents(),
                old,
                new,
            });
        }
        // Packages a manifest adds in this change: the lockfile entries for them are the
        // same additions, not transitive ones.
        let mut direct_added: HashSet<(&'static str, String)> = HashSet::new();
        for f in &files {
            let old: HashSet<(&str, &str)> = f
                .old
                .iter()
                .map(|d| (d.ecosystem, d.name.as_str()))
                .collect();
            for d in f.new.iter().filter(|d| d.direct) {
                if !old.contains(&(d.ecosystem, d.name.as_str())) {
                    direct_added.insert((d.ecosystem, d.name.clone()));
                }
            }
        }
        for f in &files {
            diff_file(f, settings, &direct_added, out);
        }
    }
}

fn finding(
    rule: &str,
    action: Action,
    f: &FileDeps<'_>,
    d: &Dep,
    message: String,
    help: &str,
) -> Finding {
    let mut x = Finding::for_file(rule, action, f.path, message, help.to_owned());
    x.fingerprint = crate::fingerprint(
        rule,
        f.path,
        format!("{}:{}", d.ecosystem, d.name).as_bytes(),
    );
    x
}

fn diff_file(
    f: &FileDeps<'_>,
    settings: &DependencySettings,
    direct_added: &HashSet<(&'static str, String)>,
    out: &mut Vec<Finding>,
) {
    let key = |d: &Dep| (d.ecosystem, d.name.clone());
    let old: BTreeMap<(&str, String), Vec<&Dep>> =
        f.old.iter().fold(BTreeMap::new(), |mut m, d| {
            m.entry(key(d)).or_insert_with(Vec::new).push(d);
            m
        });
    let new: BTreeMap<(&str, String), Vec<&Dep>> =
        f.new.iter().fold(BTreeMap::new(), |mut m, d| {
            m.entry(key(d)).or_insert_with(Vec::new).push(d);
            m
        });
    // Each package's findings are located once the file's are all known: one pass over
    // the file finds every name (a lockfile adding 16,000 packages took 80 s searched
    // once per finding).
    let mut located: Vec<(usize, &str)> = Vec::new();
    let mut listing = Listing::default();
    for ((eco, name), deps) in &new {
        let from = out.len();
        // Looked up once: a 20 MB lockfile has a hundred thousand entries.
        let before = old.get(&(*eco, name.clone()));
        judge_package(
            f,
            settings,
            direct_added,
            eco,
            name,
            deps,
            before.map(Vec::as_slice),
            out,
        );
        listing.trim(out, from);
        located.extend((from..out.len()).map(|i| (i, name.as_str())));
    }
    let names: Vec<&str> = located.iter().map(|(_, n)| *n).collect();
    for ((i, _), line) in located.iter().zip(lines_of(f.data, &names)) {
        out[*i].line = line;
    }
    for ((eco, name), deps) in &old {
        if !new.contains_key(&(*eco, name.clone())) {
            let mut x = finding(
                REMOVED,
                RULES[5].default_action,
                f,
                deps[0],
                format!("{eco} package `{name}` is removed from {}", f.path),
                RULES[5].how_to_fix,
            );
            x.line = 1;
            if listing.admit(&x.rule, x.action) {
                out.push(x);
            }
        }
    }
    listing.summarise(f.path, out);
}

/// The findings for one package of a file's new version (`deps`: its entries there;
/// `before`: its entries in the old version).
#[allow(clippy::too_many_arguments)]
fn judge_package(
    f: &FileDeps<'_>,
    settings: &DependencySettings,
    direct_added: &HashSet<(&'static str, String)>,
    eco: &'static str,
    name: &str,
    deps: &[&Dep],
    before: Option<&[&Dep]>,
    out: &mut Vec<Finding>,
) {
    let d = deps[0];
    let unpinned = match eco {
        "github-actions" => d.source != "github" && !parse::action_pinned(&d.version),
        "docker" => !parse::image_pinned(&d.version),
        _ => false,
    };
    let changed = || {
        before.is_none_or(|b| {
            b.iter()
                .map(|x| &x.version)
                .ne(deps.iter().map(|n| &n.version))
        })
    };
    if unpinned && changed() && !settings.allow.iter().any(|e| matches(e, d)) {
        let what = if eco == "docker" {
            "base image"
        } else {
            "action"
        };
        let at = if d.version.is_empty() {
            "no tag".to_owned()
        } else {
            format!("`{}`", d.version)
        };
        out.push(finding(
            UNPINNED,
            RULES[7].default_action,
            f,
            d,
            format!("{what} `{name}` is referenced by {at}, not pinned to a digest"),
            RULES[7].how_to_fix,
        ));
    }
    let kind = if d.direct { "direct" } else { "transitive" };
    let version = if d.version.is_empty() {
        String::new()
    } else {
        format!(" {}", d.version)
    };
    match before {
        None => {
            if let Some(deny) = settings
                .deny
                .iter()
                .find(|e| matches(&(e.0.clone(), e.1.clone()), d))
            {
                out.push(finding(
                    DENIED,
                    RULES[1].default_action,
                    f,
                    d,
                    format!(
                        "{eco} package `{name}`{version} is denied by the policy: {}",
                        deny.2
                    ),
                    RULES[1].how_to_fix,
                ));
                return;
            }
            if settings.allow.iter().any(|e| matches(e, d)) {
                return;
            }
            // Install scripts are only known from lockfiles: report them even when the
            // manifest already reported the package itself.
            if deps.iter().any(|d| d.install_script) {
                out.push(finding(
                    INSTALL_SCRIPT,
                    RULES[3].default_action,
                    f,
                    d,
                    format!("new npm package `{name}`{version} runs install scripts"),
                    RULES[3].how_to_fix,
                ));
            }
            if !d.direct && direct_added.contains(&(eco, name.to_owned())) {
                return;
            }
            // GitHub's own actions are the platform, not a new supplier.
            if eco == "github-actions" && d.source == "github" {
                return;
            }
            let action = if d.direct {
                settings
                    .ecosystems
                    .get(eco)
                    .copied()
                    .unwrap_or(settings.new_action)
            } else {
                settings.transitive_action
            };
            let source = if d.source == "registry" {
                String::new()
            } else {
                format!(" from {}", d.source)
            };
            out.push(finding(
                NEW,
                action,
                f,
                d,
                format!(
                    "new {kind} {eco} package `{name}`{version}{source} in {} ({})",
                    f.path, f.format
                ),
                HOW,
            ));
        }
        Some(before) => {
            let old_sources: BTreeSet<&str> = before.iter().map(|d| d.source.as_str()).collect();
            let new_sources: BTreeSet<&str> = deps.iter().map(|d| d.source.as_str()).collect();
            if old_sources != new_sources {
                out.push(finding(
                    SOURCE,
                    RULES[2].default_action,
                    f,
                    d,
                    format!(
                        "{eco} package `{name}` changes source: {} → {}",
                        old_sources.into_iter().collect::<Vec<_>>().join(", "),
                        new_sources.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                    RULES[2].how_to_fix,
                ));
            }
            let old_versions: BTreeSet<&str> = before.iter().map(|d| d.version.as_str()).collect();
            let new_versions: BTreeSet<&str> = deps.iter().map(|d| d.version.as_str()).collect();
            if old_versions != new_versions {
                out.push(finding(
                    VERSION,
                    RULES[4].default_action,
                    f,
                    d,
                    format!(
                        "{eco} package `{name}` changes version: {} → {}",
                        old_versions.into_iter().collect::<Vec<_>>().join(", "),
                        new_versions.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                    RULES[4].how_to_fix,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeStatus, FileChange, FileMode, Origin};

    fn side(id: &str, content: Content, size: u64) -> Side {
        Side {
            id: id.to_owned(),
            mode: FileMode::Regular,
            size,
            content,
        }
    }

    fn lock(names: &[String]) -> Vec<u8> {
        let entries: Vec<String> = names
            .iter()
            .map(|n| format!("    \"node_modules/{n}\": {{\n      \"version\": \"1.0.0\"\n    }}"))
            .collect();
        format!(
            "{{\n  \"lockfileVersion\": 3,\n  \"packages\": {{\n{}\n  }}\n}}\n",
            entries.join(",\n")
        )
        .into_bytes()
    }

    fn run(old: Option<Side>, new: Option<Side>) -> Vec<Finding> {
        let mut changes = ChangeSet::new(Origin::Custom);
        changes.files.push(FileChange::new(
            "package-lock.json",
            None,
            ChangeStatus::Modified,
            old,
            new,
        ));
        let mut out = Vec::new();
        Dependencies.run(&changes, &Policy::embedded(), &mut out);
        out
    }

    /// A version too large to read is unknown, not empty: one finding says the file
    /// could not be compared, instead of every package in it reported as new.
    #[test]
    fn an_unread_side_is_reported_once_not_compared_as_empty() {
        let names: Vec<String> = (0..50).map(|i| format!("pkg{i}")).collect();
        let new = lock(&names);
        let n = new.len() as u64;
        let found = run(
            Some(side("a", Content::TooLarge, 70 << 20)),
            Some(side("b", Content::Loaded(new.clone().into()), n)),
        );
        let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, [UNPARSEABLE], "{found:?}");
        assert!(found[0].message.contains("previous version"));
        let found = run(
            Some(side("a", Content::Loaded(new.into()), n)),
            Some(side("b", Content::TooLarge, 70 << 20)),
        );
        let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, [UNPARSEABLE], "{found:?}");
        assert!(found[0].message.contains("too large to read"));
    }

    /// Every finding of a file points at the line that first names its package, the same
    /// line a search for that one name finds, however many packages the file adds.
    #[test]
    fn findings_point_at_the_line_naming_their_package() {
        // Under the 1,000 a file lists per rule, so each has its own finding.
        let names: Vec<String> = (0..990).map(|i| format!("pkg-{i}")).collect();
        let new = lock(&names);
        let n = new.len() as u64;
        let found = run(
            Some(side("a", Content::Loaded(lock(&[]).into()), 40)),
            Some(side("b", Content::Loaded(new.clone().into()), n)),
        );
        assert_eq!(found.len(), names.len());
        let text = String::from_utf8(new).expect("utf-8");
        for f in &found {
            let name = f.message.split('`').nth(1).expect("package in message");
            let at = text
                .find(&format!("node_modules/{name}\""))
                .expect("named in the file");
            let line = text[..at].matches('\n').count() + 1;
            assert_eq!(f.line as usize, line, "{name}");
        }
        // Names that are prefixes of others (`pkg-1` of `pkg-10`) still get their own line.
        assert_eq!(
            found.iter().map(|f| f.line).collect::<HashSet<_>>().len(),
            found.len()
        );
    }
}
