//! The compiled policy: what every check and front end reads. It is plain settings plus
//! the lookups that apply them (a rule's action at a path, for a person or an agent);
//! reading and validating `scopecheck.toml` into it is [`crate::config`], one layer up.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::GlobSet;
use serde::Serialize;

use crate::rule;
use crate::secrets::Scanner;
use crate::Action;

/// Where the baseline file is, unless `defaults.baseline` says otherwise.
pub const DEFAULT_BASELINE: &str = ".scopecheck-baseline.json";

/// The names a policy file may have at the repository root, in order of preference.
pub const CONFIG_FILE_NAMES: [&str; 2] = ["scopecheck.toml", ".scopecheck.toml"];

/// Where the policy came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PolicySource {
    /// The default compiled into scopecheck.
    Embedded,
    /// A file; `name` says which (and where it was read, e.g. "scopecheck.toml (index)").
    File {
        /// A human-readable name of the file.
        name: String,
    },
}

/// Rules whose built-in action is stricter for agents than for people.
const AGENT_DEFAULTS: &[(&str, Action)] = &[
    (rule::NO_ROLLBACK, Action::Review),
    // A person adopting or tuning the gate commits its files without --no-verify; an
    // agent widening its own gate waits for a person.
    (rule::SELF_EDIT, Action::Review),
];

/// Settings of one rule after validation.
#[derive(Debug, Clone)]
pub(crate) struct RuleSetting {
    pub(crate) action: Option<Action>,
    pub(crate) agent_action: Option<Action>,
    pub(crate) exclude_patterns: Vec<String>,
    pub(crate) exclude: Option<GlobSet>,
    pub(crate) reason: Option<String>,
}

/// The sensitive-file check's settings.
#[derive(Debug, Clone)]
pub struct SensitiveFilesSettings {
    /// Whether the check runs.
    pub enabled: bool,
    /// The user's extra globs, as written.
    pub extra_patterns: Vec<String>,
    /// The user's extra globs, compiled.
    pub extra: GlobSet,
}

/// The secret check's settings.
#[derive(Debug, Clone)]
pub struct SecretsSettings {
    /// Whether the check runs.
    pub enabled: bool,
    /// Paths never scanned for secrets, as written.
    pub exclude_patterns: Vec<String>,
    /// Paths never scanned for secrets, compiled.
    pub exclude: GlobSet,
    /// The custom rules' ids and names.
    pub custom: Vec<(String, String, Action)>,
    /// The key secret fingerprints are hashed with (`fingerprint-key`), when set.
    pub fingerprint_key: Option<crate::FingerprintKey>,
    pub(crate) scanner: Option<Arc<Scanner>>,
}

impl SecretsSettings {
    /// The scanner: the shared built-in one, or one that also has the custom rules.
    pub fn scanner(&self) -> Arc<Scanner> {
        self.scanner
            .clone()
            .unwrap_or_else(crate::secrets::builtin_scanner)
    }
}

/// A protected area: changes to its paths need the given action, with a reason.
#[derive(Debug, Clone)]
pub struct ProtectedArea {
    /// The globs, as written.
    pub patterns: Vec<String>,
    pub(crate) set: GlobSet,
    /// Action for added files.
    pub added: Action,
    /// Action for modified (and renamed or type-changed) files.
    pub modified: Action,
    /// Action for deleted files.
    pub deleted: Action,
    /// Why the area is protected (shown with every finding).
    pub reason: String,
}

impl ProtectedArea {
    /// The first glob matching `path`, if any.
    pub fn matching(&self, path: &str) -> Option<&str> {
        self.set
            .matches(path)
            .first()
            .map(|&i| self.patterns[i].as_str())
    }
}

/// Migration detection settings.
#[derive(Debug, Clone)]
pub struct MigrationSettings {
    /// Extra globs of migration files, as written.
    pub extra_patterns: Vec<String>,
    /// Extra globs of migration files.
    pub extra: GlobSet,
    /// Paths never treated as migrations.
    pub exclude: GlobSet,
}

/// `[audit]`: the hash-chained decision log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AuditSettings {
    /// Whether decisions are logged.
    pub enabled: bool,
    /// The current log file is rotated into an archive once it exceeds this many bytes.
    pub max_size: u64,
    /// How many archives are kept (older ones are deleted; the chain then verifies from
    /// the oldest line still present).
    pub keep: u32,
}

/// `[suppressions] inline`: whose `scopecheck:allow` comments count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InlineAllows {
    /// Every directive counts, whoever added it.
    Allow,
    /// Directives count, except those an agent's change adds: an agent cannot waive its
    /// own findings (the default).
    PeopleOnly,
    /// No directive counts; only the baseline and signed approvals silence findings.
    Off,
}

/// A compiled policy, ready to judge a [`ChangeSet`](crate::ChangeSet).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where it came from.
    pub source: PolicySource,
    /// Files larger than this many bytes are not read.
    pub max_file_size: u64,
    /// The lowest action that makes the report fail (exit 1).
    pub fail_on: Action,
    /// Repository-relative path of the baseline file.
    pub baseline: String,
    /// The sensitive-file check's settings.
    pub sensitive_files: SensitiveFilesSettings,
    /// The secret check's settings.
    pub secrets: SecretsSettings,
    /// Protected areas, in file order.
    pub protected: Vec<ProtectedArea>,
    /// Migration detection.
    pub migrations: MigrationSettings,
    /// Dependency policy.
    pub dependencies: DependencySettings,
    /// Branches (globs) an agent may not push to, e.g. `main`, `release/*`.
    pub agent_protected_branches: GlobSet,
    /// The same, as written.
    pub agent_protected_branch_patterns: Vec<String>,
    /// Findings in changes made by an agent never go below this (from `warn` up).
    pub agent_action_floor: Option<Action>,
    /// Paths whose change is a `policy/self-edit` finding: the policy, baseline, work
    /// order and hook files (front ends add the installed hooks' location).
    pub self_protected: Vec<String>,
    /// The work order in force, if any (set by the front end).
    pub task: Option<Arc<crate::WorkOrder>>,
    /// Set by the front end when a work order a person issued is no longer there (say,
    /// deleted by the agent it bound): why. Reported as `task/untrusted-work-order`.
    pub missing_task: Option<String>,
    /// Repository-relative path of the allowed-signers file whose keys may sign work
    /// orders and approvals.
    pub allowed_signers: String,
    /// The audit log's settings.
    pub audit: AuditSettings,
    /// `[suppressions] inline`: whose inline allows count.
    pub inline_allows: InlineAllows,
    pub(crate) rules: BTreeMap<String, RuleSetting>,
}

impl Policy {
    /// The action for a finding of `rule` at `path`, starting from the rule's default.
    /// `None` means the policy excludes that path from the rule.
    pub fn action_for(&self, rule: &str, path: &str, default: Action) -> Option<Action> {
        match self.rules.get(rule) {
            None => Some(default),
            Some(s) => {
                if s.exclude.as_ref().is_some_and(|g| g.is_match(path)) {
                    None
                } else {
                    Some(s.action.unwrap_or(default))
                }
            }
        }
    }

    /// The action for a finding in a change made by an agent: the rule's `agent-action`
    /// if set, else the finding's action raised to `agent-action-floor` (for findings of
    /// `warn` and above; `allow` stays allowed).
    pub fn agent_action(&self, rule: &str, action: Action) -> Action {
        let setting = self.rules.get(rule);
        if let Some(a) = setting.and_then(|s| s.agent_action) {
            return a;
        }
        // Some rules are advice for people and a stop for agents, unless the policy set
        // the rule's action itself.
        let action = match AGENT_DEFAULTS.iter().find(|(r, _)| *r == rule) {
            Some(&(_, a)) if setting.and_then(|s| s.action).is_none() => action.max(a),
            _ => action,
        };
        match self.agent_action_floor {
            Some(floor) if action >= Action::Warn => action.max(floor),
            _ => action,
        }
    }

    /// For `ci`: who made a range's commits is read from their trailers, which anyone can
    /// leave out, so an edit of the gate itself (`policy/self-edit`) needs a person
    /// (review) there, as it does for an agent, unless the policy sets the rule's action.
    /// Locally a person's edit stays a recorded warning.
    pub fn gate_edits_need_review(&mut self) {
        let rule = rule::SELF_EDIT;
        match self.rules.get_mut(rule) {
            Some(s) if s.action.is_some() => {}
            Some(s) => s.action = Some(Action::Review),
            None => {
                self.rules.insert(
                    rule.to_owned(),
                    RuleSetting {
                        action: Some(Action::Review),
                        agent_action: None,
                        exclude_patterns: Vec::new(),
                        exclude: None,
                        reason: None,
                    },
                );
            }
        }
    }

    /// Adds a path to the self-protected list (e.g. the hooks directory).
    pub fn protect_path(&mut self, path: impl Into<String>) {
        let p = path.into();
        if !self.self_protected.contains(&p) {
            self.self_protected.push(p);
        }
    }
}

/// Dependency policy after validation.
#[derive(Debug, Clone)]
pub struct DependencySettings {
    /// Whether the check runs.
    pub enabled: bool,
    /// Action for a new direct package (default review).
    pub new_action: Action,
    /// Action for a package only added to a lockfile (default warn).
    pub transitive_action: Action,
    /// Per-ecosystem action for new packages (`npm = "block"`).
    pub ecosystems: BTreeMap<String, Action>,
    /// Accepted packages: (ecosystem or any, name).
    pub allow: Vec<(Option<String>, String)>,
    /// Banned packages: (ecosystem or any, name, reason).
    pub deny: Vec<(Option<String>, String, String)>,
}

impl Default for DependencySettings {
    fn default() -> Self {
        DependencySettings {
            enabled: true,
            new_action: Action::Review,
            transitive_action: Action::Warn,
            ecosystems: BTreeMap::new(),
            allow: Vec::new(),
            deny: Vec::new(),
        }
    }
}
