//! Checks: one per concern. A check reads a [`ChangeSet`] and emits [`Finding`]s with the
//! rule's default action; the engine then applies the policy. Checks do no I/O: the
//! adapter that built the change set supplied every byte they read.

pub mod authority;
pub mod dependencies;
pub mod migrations;
pub mod policy_files;
pub mod scope;
pub mod sensitive_files;
pub mod unscanned;

use crate::{Action, ChangeSet, Finding, Policy};

/// A rule's documented metadata. Every finding names one rule by its `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case id, `<concern>/<pattern-flagged>`.
    pub id: &'static str,
    /// The action when the policy says nothing about this rule.
    pub default_action: Action,
    /// One line, for `scopecheck rules`.
    pub summary: &'static str,
    /// What the rule detects.
    pub what_it_does: &'static str,
    /// Why that is a problem.
    pub why_is_this_bad: &'static str,
    /// What to do when it fires.
    pub how_to_fix: &'static str,
}

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

/// The built-in checks, in the order they run.
pub fn builtin() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(sensitive_files::SensitiveFiles),
        Box::new(crate::secrets::Secrets),
        Box::new(unscanned::Unscanned),
        Box::new(scope::Scope),
        Box::new(policy_files::PolicyFiles),
        Box::new(authority::Authority),
        Box::new(migrations::Migrations),
        Box::new(dependencies::Dependencies),
    ]
}

/// Every rule of every built-in check.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = [
        sensitive_files::RULES,
        unscanned::RULES,
        scope::RULES,
        policy_files::RULES,
        authority::RULES,
        migrations::RULES,
        dependencies::RULES,
        crate::secrets::builtin_rule_meta(),
        crate::guard::rule_meta(),
    ]
    .into_iter()
    .flatten()
    .collect();
    v.sort_by_key(|r| r.id);
    v
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    all_rules().into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let rules = all_rules();
        let mut ids: Vec<_> = rules.iter().map(|r| r.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), rules.len(), "duplicate rule id");
        for r in rules {
            let (concern, name) = r.id.split_once('/').expect("concern/name");
            for part in [concern, name] {
                assert!(!part.is_empty());
                assert!(part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            }
            for text in [r.summary, r.what_it_does, r.why_is_this_bad, r.how_to_fix] {
                assert!(text.len() > 20, "{} has a thin doc section", r.id);
            }
        }
        // Every check's rules are in the registry.
        for c in builtin() {
            for r in c.rules() {
                assert_eq!(rule(r.id), Some(r));
            }
        }
    }
}
