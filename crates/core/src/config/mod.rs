//! Configuration in three stages (as ruff and cargo-deny do): raw serde options →
//! validated settings with every problem collected and spanned → the compiled [`Policy`].

mod raw;

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

pub use crate::error::{ConfigError, ConfigProblem};
pub use crate::glob::path_glob;
use crate::policy::RuleSetting;
pub use crate::policy::{
    AuditSettings, InlineAllows, MigrationSettings, Policy, PolicySource, ProtectedArea,
    SecretsSettings, SensitiveFilesSettings, CONFIG_FILE_NAMES, DEFAULT_BASELINE,
};
use raw::{RawConfig, RawRule};

use crate::checks;
use crate::registry;
use crate::secrets;
use crate::Action;

/// The embedded default policy, which is also what `scopecheck init` writes.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

impl Policy {
    /// The embedded default policy.
    pub fn embedded() -> Policy {
        match Policy::parse(DEFAULT_CONFIG, PolicySource::Embedded) {
            Ok(p) => p,
            // The embedded file is tested to parse; reaching this is a build defect.
            Err(e) => panic!("the embedded default policy is invalid: {e:?}"),
        }
    }

    /// Parses and validates a policy file. `name` is used in error messages.
    pub fn from_toml(name: &str, text: &str) -> Result<Policy, ConfigError> {
        Policy::parse(
            text,
            PolicySource::File {
                name: name.to_owned(),
            },
        )
    }

    fn parse(text: &str, source: PolicySource) -> Result<Policy, ConfigError> {
        let name = match &source {
            PolicySource::Embedded => "<embedded default policy>".to_owned(),
            PolicySource::File { name } => name.clone(),
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            // serde's messages do not always say which key they are about; the text does.
            let message = match key_at(text, span.start) {
                Some(key) if !e.message().contains(&key) => format!("`{key}`: {}", e.message()),
                _ => e.message().to_owned(),
            };
            ConfigError::new(
                &name,
                text,
                vec![ConfigProblem::new(text, span, message, None)],
            )
        })?;
        let mut v = Validator {
            text,
            problems: Vec::new(),
        };
        let policy = v.validate(raw, source);
        if v.problems.is_empty() {
            Ok(policy)
        } else {
            Err(ConfigError::new(&name, text, v.problems))
        }
    }

    /// The effective policy as a serialisable value, for `scopecheck config`.
    pub fn effective(&self) -> EffectivePolicy {
        let rules = registry::all_rules()
            .into_iter()
            .map(|meta| {
                let setting = self.rules.get(meta.id);
                let action = setting
                    .and_then(|s| s.action)
                    .unwrap_or(meta.default_action);
                (
                    meta.id.to_owned(),
                    EffectiveRule {
                        action,
                        default_action: meta.default_action,
                        exclude_paths: setting
                            .map(|s| s.exclude_patterns.clone())
                            .unwrap_or_default(),
                        reason: setting.and_then(|s| s.reason.clone()),
                    },
                )
            })
            .chain(self.secrets.custom.iter().map(|(id, _, action)| {
                let setting = self.rules.get(id);
                (
                    id.clone(),
                    EffectiveRule {
                        action: setting.and_then(|s| s.action).unwrap_or(*action),
                        default_action: *action,
                        exclude_paths: setting
                            .map(|s| s.exclude_patterns.clone())
                            .unwrap_or_default(),
                        reason: setting.and_then(|s| s.reason.clone()),
                    },
                )
            }))
            .collect();
        EffectivePolicy {
            source: self.source.clone(),
            defaults: EffectiveDefaults {
                max_file_size: self.max_file_size,
                fail_on: self.fail_on,
                baseline: self.baseline.clone(),
            },
            sensitive_files: EffectiveSensitive {
                enabled: self.sensitive_files.enabled,
                builtin_paths: checks::sensitive_files::builtin_patterns(),
                extra_paths: self.sensitive_files.extra_patterns.clone(),
            },
            protected: self
                .protected
                .iter()
                .map(|a| EffectiveProtected {
                    paths: a.patterns.clone(),
                    added: a.added,
                    modified: a.modified,
                    deleted: a.deleted,
                    reason: a.reason.clone(),
                })
                .collect(),
            migration_paths: self.migrations.extra_patterns.clone(),
            agent_action_floor: self.agent_action_floor,
            self_protected: self.self_protected.clone(),
            secrets: EffectiveSecrets {
                enabled: self.secrets.enabled,
                exclude_paths: self.secrets.exclude_patterns.clone(),
                builtin_rules: secrets::builtin_rule_count(),
                custom_rules: self.secrets.custom.iter().map(|c| c.0.clone()).collect(),
            },
            rules,
        }
    }
}

/// The policy in force, every default filled in (what `scopecheck config` prints).
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EffectivePolicy {
    /// Where it came from.
    pub source: PolicySource,
    /// Global settings.
    pub defaults: EffectiveDefaults,
    /// The sensitive-file check.
    pub sensitive_files: EffectiveSensitive,
    /// Protected areas.
    pub protected: Vec<EffectiveProtected>,
    /// Extra migration globs.
    pub migration_paths: Vec<String>,
    /// The agent floor, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_action_floor: Option<Action>,
    /// Files whose change is `policy/self-edit`.
    pub self_protected: Vec<String>,
    /// The secret check.
    pub secrets: EffectiveSecrets,
    /// Every rule with its action.
    pub rules: BTreeMap<String, EffectiveRule>,
}

/// Global settings in force.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EffectiveDefaults {
    /// In bytes.
    pub max_file_size: u64,
    /// The lowest failing action.
    pub fail_on: Action,
    /// The baseline file.
    pub baseline: String,
}

/// The sensitive-file check in force.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EffectiveSensitive {
    /// Whether it runs.
    pub enabled: bool,
    /// The built-in globs.
    pub builtin_paths: Vec<String>,
    /// The user's globs.
    pub extra_paths: Vec<String>,
}

/// A protected area in force.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EffectiveProtected {
    /// Its globs.
    pub paths: Vec<String>,
    /// Action for added files.
    pub added: Action,
    /// Action for modified files.
    pub modified: Action,
    /// Action for deleted files.
    pub deleted: Action,
    /// Why.
    pub reason: String,
}

/// The secret check in force.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EffectiveSecrets {
    /// Whether it runs.
    pub enabled: bool,
    /// Paths it skips.
    pub exclude_paths: Vec<String>,
    /// How many built-in rules are loaded.
    pub builtin_rules: usize,
    /// The ids of custom rules.
    pub custom_rules: Vec<String>,
}

/// One rule in force.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EffectiveRule {
    /// The action it takes.
    pub action: Action,
    /// Its built-in action.
    pub default_action: Action,
    /// Paths it skips.
    pub exclude_paths: Vec<String>,
    /// Why it was changed, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

struct Validator<'a> {
    text: &'a str,
    problems: Vec<ConfigProblem>,
}

impl Validator<'_> {
    fn problem(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        self.problems
            .push(ConfigProblem::new(self.text, span, message, help));
    }

    fn action(&mut self, value: &toml::Spanned<String>, key: &str) -> Option<Action> {
        match value.get_ref().parse::<Action>() {
            Ok(a) => Some(a),
            Err(e) => {
                self.problem(
                    value.span(),
                    format!("`{key}`: {e}"),
                    Some("actions, least to most severe: allow, warn, review, block".into()),
                );
                None
            }
        }
    }

    fn globs(&mut self, patterns: &[toml::Spanned<String>], key: &str) -> (Vec<String>, GlobSet) {
        let mut b = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for p in patterns {
            match path_glob(p.get_ref()) {
                Ok(g) => {
                    b.add(g);
                    kept.push(p.get_ref().clone());
                }
                Err(e) => self.problem(
                    p.span(),
                    format!("`{key}`: invalid glob `{}`: {}", p.get_ref(), e.kind()),
                    None,
                ),
            }
        }
        // Building only fails for patterns that already failed to compile above.
        (kept, b.build().unwrap_or_else(|_| GlobSet::empty()))
    }

    fn validate(&mut self, raw: RawConfig, source: PolicySource) -> Policy {
        let max_file_size =
            match &raw.defaults.max_file_size {
                None => 1024 * 1024,
                Some(v) => match parse_size(v.get_ref()) {
                    Ok(n) => n,
                    Err(msg) => {
                        self.problem(v.span(), format!("`defaults.max-file-size`: {msg}"), Some(
                        "write a number of bytes or a size such as \"512 KiB\" or \"2 MiB\"".into(),
                    ));
                        0
                    }
                },
            };
        let fail_on = raw
            .defaults
            .fail_on
            .as_ref()
            .and_then(|v| self.action(v, "defaults.fail-on"))
            .unwrap_or(Action::Review);
        if fail_on == Action::Allow {
            if let Some(v) = &raw.defaults.fail_on {
                self.problem(
                    v.span(),
                    "`defaults.fail-on` cannot be `allow`: every change would fail".into(),
                    Some("use warn, review or block".into()),
                );
            }
        }

        let (extra_patterns, extra) = self.globs(
            &raw.sensitive_files.extra_paths,
            "sensitive-files.extra-paths",
        );
        let sensitive_files = SensitiveFilesSettings {
            enabled: raw.sensitive_files.enabled.unwrap_or(true),
            extra_patterns,
            extra,
        };

        let secrets = self.secrets(raw.secrets);
        let protected = self.protected(raw.scope.protected);
        let (extra_patterns, extra) = self.globs(&raw.migrations.paths, "migrations.paths");
        let (_, exclude) = self.globs(&raw.migrations.exclude_paths, "migrations.exclude-paths");
        let migrations = MigrationSettings {
            extra_patterns,
            extra,
            exclude,
        };
        let dependencies = self.dependencies(raw.dependencies);
        let mut branches = GlobSetBuilder::new();
        let mut agent_protected_branch_patterns = Vec::new();
        for b in &raw.push.agent_protected_branches {
            match GlobBuilder::new(b.get_ref())
                .literal_separator(true)
                .build()
            {
                Ok(g) => {
                    branches.add(g);
                    agent_protected_branch_patterns.push(b.get_ref().clone());
                }
                Err(e) => self.problem(
                    b.span(),
                    format!(
                        "`push.agent-protected-branches`: invalid glob `{}`: {}",
                        b.get_ref(),
                        e.kind()
                    ),
                    None,
                ),
            }
        }
        let agent_protected_branches = branches.build().unwrap_or_else(|_| GlobSet::empty());
        let agent_action_floor = raw
            .defaults
            .agent_action_floor
            .as_ref()
            .and_then(|a| self.action(a, "defaults.agent-action-floor"));
        let mut self_protected: Vec<String> =
            CONFIG_FILE_NAMES.iter().map(|s| (*s).to_owned()).collect();
        self_protected.push(crate::task::DEFAULT_TASK_FILE.to_owned());
        // Hook managers, CI definitions and agent hook settings run the gate: an edit
        // that adds `|| true` to any of them switches it off.
        for hook_config in [
            ".pre-commit-config.yaml",
            "lefthook.yml",
            "lefthook.yaml",
            ".lefthook.yml",
            ".husky/",
            ".github/workflows/",
            ".gitlab-ci.yml",
            ".claude/settings.json",
            ".claude/settings.local.json",
            ".cursor/hooks.json",
            ".gemini/settings.json",
        ] {
            self_protected.push(hook_config.to_owned());
        }
        let mut rules = BTreeMap::new();
        for (id, rule) in raw.rules {
            if let Some(setting) = self.rule(&id, rule, &secrets.custom) {
                rules.insert(id.into_inner(), setting);
            }
        }
        let baseline = match &raw.defaults.baseline {
            Some(b) if b.get_ref().trim().is_empty() || b.get_ref().starts_with('/') => {
                self.problem(
                    b.span(),
                    "`defaults.baseline` must be a path relative to the repository root".into(),
                    None,
                );
                String::new()
            }
            Some(b) => b.get_ref().clone(),
            None => DEFAULT_BASELINE.to_owned(),
        };
        self_protected.push(baseline.clone());
        let allowed_signers = match &raw.approvals.allowed_signers {
            Some(b) if b.get_ref().trim().is_empty() || b.get_ref().starts_with('/') => {
                self.problem(
                    b.span(),
                    "`approvals.allowed-signers` must be a path relative to the repository root"
                        .into(),
                    Some("the file is read from the committed policy's commit, so it must be in the repository".into()),
                );
                String::new()
            }
            Some(b) => b.get_ref().trim_start_matches("./").to_owned(),
            None => crate::approval::DEFAULT_ALLOWED_SIGNERS.to_owned(),
        };
        self_protected.push(allowed_signers.clone());
        let audit = self.audit(&raw.audit);
        let inline_allows = self.inline_allows(&raw.suppressions);
        Policy {
            source,
            max_file_size,
            fail_on,
            baseline,
            sensitive_files,
            secrets,
            protected,
            migrations,
            dependencies,
            agent_protected_branches,
            agent_protected_branch_patterns,
            agent_action_floor,
            self_protected,
            task: None,
            missing_task: None,
            allowed_signers,
            audit,
            inline_allows,
            rules,
        }
    }

    fn inline_allows(&mut self, raw: &raw::RawSuppressions) -> InlineAllows {
        let Some(v) = &raw.inline else {
            return InlineAllows::PeopleOnly;
        };
        match v.get_ref().as_str() {
            "allow" => InlineAllows::Allow,
            "people-only" => InlineAllows::PeopleOnly,
            "off" => InlineAllows::Off,
            other => {
                self.problem(
                    v.span(),
                    format!(
                        "`suppressions.inline`: `{other}` is not one of allow, people-only, off"
                    ),
                    Some("people-only (the default) ignores inline allows an agent adds".into()),
                );
                InlineAllows::PeopleOnly
            }
        }
    }

    fn audit(&mut self, raw: &raw::RawAudit) -> AuditSettings {
        let max_size = match &raw.max_size {
            None => 8 * 1024 * 1024,
            Some(v) => match parse_size(v.get_ref()) {
                Ok(n) if n >= 4096 => n,
                Ok(_) => {
                    self.problem(
                        v.span(),
                        "`audit.max-size` must be at least 4 KiB".into(),
                        None,
                    );
                    0
                }
                Err(msg) => {
                    self.problem(v.span(), format!("`audit.max-size`: {msg}"), None);
                    0
                }
            },
        };
        let keep = match &raw.keep {
            None => 8,
            Some(k) => match u32::try_from(*k.get_ref()) {
                Ok(n) => n,
                Err(_) => {
                    self.problem(k.span(), "`audit.keep` must be 0 or more".into(), None);
                    0
                }
            },
        };
        AuditSettings {
            enabled: raw.enabled.unwrap_or(true),
            max_size,
            keep,
        }
    }

    fn protected(&mut self, raw: Vec<toml::Spanned<raw::RawProtected>>) -> Vec<ProtectedArea> {
        let mut out = Vec::new();
        for entry in raw {
            let span = entry.span();
            let e = entry.into_inner();
            let (patterns, set) = self.globs(&e.paths, "scope.protected.paths");
            if e.paths.is_empty() {
                self.problem(
                    span.clone(),
                    "`scope.protected`: an entry needs `paths`".into(),
                    None,
                );
            }
            let base = e
                .action
                .as_ref()
                .and_then(|a| self.action(a, "scope.protected.action"))
                .unwrap_or(Action::Review);
            let mut per = |v: &Option<toml::Spanned<String>>, key: &str| {
                v.as_ref()
                    .and_then(|a| self.action(a, &format!("scope.protected.{key}")))
                    .unwrap_or(base)
            };
            let (added, modified, deleted) = (
                per(&e.added, "added"),
                per(&e.modified, "modified"),
                per(&e.deleted, "deleted"),
            );
            let reason = e.reason.unwrap_or_default();
            if reason.trim().is_empty() {
                self.problem(
                    span,
                    "`scope.protected`: every protected area needs a `reason`, shown to whoever touches it".into(),
                    Some("add reason = \"who owns this and why\"".into()),
                );
            }
            out.push(ProtectedArea {
                patterns,
                set,
                added,
                modified,
                deleted,
                reason,
            });
        }
        out
    }

    fn dependencies(
        &mut self,
        raw: raw::RawDependencies,
    ) -> crate::checks::dependencies::DependencySettings {
        use crate::checks::dependencies::{DependencySettings, ECOSYSTEMS};
        let mut d = DependencySettings {
            enabled: raw.enabled.unwrap_or(true),
            ..DependencySettings::default()
        };
        if let Some(a) = raw
            .new
            .as_ref()
            .and_then(|a| self.action(a, "dependencies.new"))
        {
            d.new_action = a;
        }
        if let Some(a) = raw
            .transitive
            .as_ref()
            .and_then(|a| self.action(a, "dependencies.transitive"))
        {
            d.transitive_action = a;
        }
        for (eco, action) in &raw.ecosystems {
            if !ECOSYSTEMS.contains(&eco.get_ref().as_str()) {
                self.problem(
                    eco.span(),
                    format!(
                        "`dependencies.ecosystems`: unknown ecosystem `{}`",
                        eco.get_ref()
                    ),
                    Some(format!("one of {}", ECOSYSTEMS.join(", "))),
                );
                continue;
            }
            if let Some(a) = self.action(
                action,
                &format!("dependencies.ecosystems.{}", eco.get_ref()),
            ) {
                d.ecosystems.insert(eco.get_ref().clone(), a);
            }
        }
        // Entries are "name", "ecosystem:name", or { name, ecosystem, reason }.
        let mut entry = |v: &toml::Spanned<toml::Value>, key: &str, need_reason: bool| {
            let (spec, eco, reason) = match v.get_ref() {
                toml::Value::String(s) => (s.clone(), None, None),
                toml::Value::Table(t) => (
                    t.get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_owned(),
                    t.get("ecosystem")
                        .and_then(|e| e.as_str())
                        .map(str::to_owned),
                    t.get("reason").and_then(|r| r.as_str()).map(str::to_owned),
                ),
                _ => (String::new(), None, None),
            };
            let (eco, name) = match (eco, spec.split_once(':')) {
                (Some(e), _) => (Some(e), spec),
                (None, Some((e, n))) if ECOSYSTEMS.contains(&e) => {
                    (Some(e.to_owned()), n.to_owned())
                }
                (None, _) => (None, spec),
            };
            if name.is_empty() {
                self.problem(
                    v.span(),
                    format!("`dependencies.{key}`: an entry is \"name\", \"ecosystem:name\" or {{ name = …, reason = … }}"),
                    None,
                );
                return None;
            }
            if let Some(e) = &eco {
                if !ECOSYSTEMS.contains(&e.as_str()) {
                    self.problem(
                        v.span(),
                        format!("`dependencies.{key}`: unknown ecosystem `{e}`"),
                        None,
                    );
                    return None;
                }
            }
            if need_reason && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                self.problem(
                    v.span(),
                    format!(
                        "`dependencies.{key}`: `{name}` needs a `reason`, shown to whoever adds it"
                    ),
                    None,
                );
                return None;
            }
            Some((eco, name, reason.unwrap_or_default()))
        };
        for v in &raw.allow {
            if let Some((eco, name, _)) = entry(v, "allow", false) {
                d.allow.push((eco, name));
            }
        }
        for v in &raw.deny {
            if let Some(e) = entry(v, "deny", true) {
                d.deny.push(e);
            }
        }
        d
    }

    fn secrets(&mut self, raw: raw::RawSecrets) -> SecretsSettings {
        let (exclude_patterns, exclude) = self.globs(&raw.exclude_paths, "secrets.exclude-paths");
        let mut custom: Vec<(String, String, Action)> = Vec::new();
        for spec in &raw.rules {
            let id = spec.id.get_ref();
            let well_formed = id.split_once('/').is_some_and(|(a, b)| {
                [a, b].iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                })
            });
            if !well_formed {
                self.problem(
                    spec.id.span(),
                    format!("`secrets.rules`: rule id `{id}` must look like `concern/name` in lower-case kebab-case"),
                    Some("for example id = \"acme/internal-token\"".into()),
                );
            } else if registry::rule(id).is_some() || custom.iter().any(|c| &c.0 == id) {
                self.problem(
                    spec.id.span(),
                    format!("`secrets.rules`: rule id `{id}` is already taken"),
                    None,
                );
            }
            custom.push((
                id.clone(),
                spec.name.clone(),
                spec.action.unwrap_or(Action::Block),
            ));
        }
        let scanner = if raw.rules.is_empty() {
            None
        } else {
            match secrets::scanner_with(&raw.rules) {
                Ok(s) => Some(Arc::new(s)),
                Err(errors) => {
                    for e in errors {
                        self.problem(
                            e.span,
                            format!("`secrets.rules` `{}`: {}", e.id, e.message),
                            None,
                        );
                    }
                    None
                }
            }
        };
        let fingerprint_key = raw.fingerprint_key.and_then(|k| {
            let key = crate::FingerprintKey::new(k.get_ref());
            if key.is_none() {
                self.problem(
                    k.span(),
                    format!(
                        "`secrets.fingerprint-key` must be at least {} characters",
                        crate::FingerprintKey::MIN_LEN
                    ),
                    Some(
                        "`scopecheck init` writes a random one; or use `openssl rand -hex 32`"
                            .into(),
                    ),
                );
            }
            key
        });
        SecretsSettings {
            enabled: raw.enabled.unwrap_or(true),
            exclude_patterns,
            exclude,
            custom,
            fingerprint_key,
            scanner,
        }
    }

    fn rule(
        &mut self,
        id: &toml::Spanned<String>,
        rule: RawRule,
        custom: &[(String, String, Action)],
    ) -> Option<RuleSetting> {
        let custom_default = custom
            .iter()
            .find(|c| &c.0 == id.get_ref())
            .map(|c| (c.0.as_str(), c.2));
        let Some((meta_id, default_action)) = registry::rule(id.get_ref())
            .map(|m| (m.id, m.default_action))
            .or(custom_default)
        else {
            self.problem(
                id.span(),
                format!("`rules`: unknown rule id `{}`", id.get_ref()),
                Some("`scopecheck rules` lists every rule id".into()),
            );
            return None;
        };
        let key = format!("rules.\"{meta_id}\"");
        let action = rule
            .action
            .as_ref()
            .and_then(|a| self.action(a, &format!("{key}.action")));
        let agent_action = rule
            .agent_action
            .as_ref()
            .and_then(|a| self.action(a, &format!("{key}.agent-action")));
        let (exclude_patterns, exclude) =
            self.globs(&rule.exclude_paths, &format!("{key}.exclude-paths"));
        let relaxes = action.is_some_and(|a| a < default_action) || !exclude_patterns.is_empty();
        let has_reason = rule.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        if relaxes && !has_reason {
            self.problem(
                id.span(),
                format!("`{key}`: lowering a rule's action or excluding paths needs a `reason`"),
                Some("add reason = \"why this exception is safe\"".into()),
            );
        }
        Some(RuleSetting {
            action,
            agent_action,
            exclude: (!exclude_patterns.is_empty()).then_some(exclude),
            exclude_patterns,
            reason: rule.reason,
        })
    }
}

/// The dotted key assigned on the line containing `offset`, qualified by the table header
/// above it (`[sensitive-files]` + `enabled = …` → `sensitive-files.enabled`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let (key, _) = text[line_start..line_end].split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let table = text[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.starts_with('[')
            .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned())
    });
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_owned(),
    })
}

fn parse_size(v: &toml::Value) -> Result<u64, String> {
    match v {
        toml::Value::Integer(n) if *n > 0 => Ok(*n as u64),
        toml::Value::Integer(_) => Err("must be greater than zero".into()),
        toml::Value::String(s) => {
            let s = s.trim();
            let split = s
                .find(|c: char| !c.is_ascii_digit() && c != '.')
                .unwrap_or(s.len());
            let (num, unit) = s.split_at(split);
            let num: f64 = num
                .parse()
                .map_err(|_| format!("`{s}` does not start with a number"))?;
            let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
                "" | "b" => 1,
                "kib" => 1 << 10,
                "mib" => 1 << 20,
                "gib" => 1 << 30,
                "kb" => 1_000,
                "mb" => 1_000_000,
                "gb" => 1_000_000_000,
                other => return Err(format!("unknown unit `{other}`")),
            };
            let bytes = num * mult as f64;
            if bytes < 1.0 {
                Err("must be at least one byte".into())
            } else {
                Ok(bytes as u64)
            }
        }
        other => Err(format!(
            "expected a number of bytes or a size string, found a {}",
            other.type_str()
        )),
    }
}

#[cfg(test)]
mod tests;
