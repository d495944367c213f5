//! Checks: one per concern. A check reads a [`ChangeSet`] and emits [`Finding`]s with the
//! rule's default action; the engine then applies the policy. Checks do no I/O: the
//! adapter that built the change set supplied every byte they read.

pub mod authority;
pub mod dependencies;
pub mod migrations;
pub mod policy_files;
pub mod scope;
pub mod secrets;
pub mod sensitive_files;
pub mod unscanned;

use std::collections::{BTreeMap, HashMap};

pub use crate::rule::RuleMeta;
use crate::{Action, ChangeSet, Finding, Policy};

/// One concern's check.
pub trait Check: Send + Sync {
    /// The rules this check can report.
    fn rules(&self) -> &'static [RuleMeta];
    /// Appends findings for `changes` to `out`, each with its rule's default action.
    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>);
}

/// Largest manifest, lockfile or migration read whatever the policy's `max-file-size`:
/// that limit bounds what secret scanning reads, and a lockfile over it must still be
/// parsed (a 1.2 MB `package-lock.json` is ordinary), or a package could hide in it.
pub const STRUCTURED_FILE_LIMIT: u64 = 64 << 20;

/// Largest file a change (`pre-commit`, `pre-push`, `ci`) reads whatever `max-file-size`
/// says. A change's large text file is only scanned in the lines it adds, so reading it
/// costs memory for the two versions, not a scan of the whole file; skipping it instead
/// let a token appended to a 2 MB log pass. Above this, the file is reported unread.
pub const CHANGE_FILE_LIMIT: u64 = 64 << 20;

/// How many bytes of a changed file an adapter should load in a change (not a scan of a
/// tree or history, where `max-file-size` bounds what is read).
pub fn change_read_limit(max_file_size: u64) -> u64 {
    max_file_size.max(CHANGE_FILE_LIMIT)
}

/// How many bytes of the file at `path` an adapter should load for the checks, given the
/// policy's `max-file-size`: more for files that are parsed as a whole (manifests and
/// lockfiles) or judged by their content (files in a migrations directory).
pub fn content_limit(path: &str, max_file_size: u64) -> u64 {
    if dependencies::parse::format_of(path).is_some() || migrations::could_be_migration(path) {
        max_file_size.max(STRUCTURED_FILE_LIMIT)
    } else {
        max_file_size
    }
}

/// How many findings of one rule one file lists one by one. Past that, the rest are
/// counted in one summary finding that keeps their strictest action: a million-package
/// lockfile or a dump of a million tokens must not cost gigabytes for a report no one
/// reads line by line, and must still stop the change.
pub const LISTED_PER_FILE: usize = 1_000;

/// Counts one file's findings per rule against [`LISTED_PER_FILE`].
#[derive(Default)]
pub(crate) struct Listing {
    listed: HashMap<String, usize>,
    over: BTreeMap<String, (usize, Action)>,
}

impl Listing {
    /// Whether a finding of `rule` is listed; if not, it is counted for the summary.
    pub(crate) fn admit(&mut self, rule: &str, action: Action) -> bool {
        let listed = self.listed.entry(rule.to_owned()).or_default();
        if *listed < LISTED_PER_FILE {
            *listed += 1;
            return true;
        }
        let over = self.over.entry(rule.to_owned()).or_insert((0, action));
        over.0 += 1;
        over.1 = over.1.max(action);
        false
    }

    /// Keeps `out[from..]` to the findings still listed.
    pub(crate) fn trim(&mut self, out: &mut Vec<Finding>, from: usize) {
        let tail: Vec<Finding> = out.drain(from..).collect();
        out.extend(tail.into_iter().filter(|f| self.admit(&f.rule, f.action)));
    }

    /// One finding per rule that went over, for the file at `path`.
    pub(crate) fn summarise(self, path: &str, out: &mut Vec<Finding>) {
        for (rule, (n, action)) in self.over {
            let mut f = Finding::for_file(
                &rule,
                action,
                path,
                format!(
                    "{n} more `{rule}` findings in {path} are not listed one by one (a file lists at most {LISTED_PER_FILE} per rule)"
                ),
                "Review the file as a whole: so many findings usually mean a generated, vendored or dumped file that does not belong in the change.".to_owned(),
            );
            f.fingerprint = crate::fingerprint(&rule, path, b"\0more findings");
            out.push(f);
        }
    }
}

/// The built-in checks, in the order they run.
pub fn builtin() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(sensitive_files::SensitiveFiles),
        Box::new(secrets::Secrets),
        Box::new(unscanned::Unscanned),
        Box::new(scope::Scope),
        Box::new(policy_files::PolicyFiles),
        Box::new(authority::Authority),
        Box::new(migrations::Migrations),
        Box::new(dependencies::Dependencies),
    ]
}
