//! Stage one: the file as serde reads it. Unknown keys are errors; values that need
//! checking keep their spans so validation can point at them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    #[serde(default)]
    pub defaults: RawDefaults,
    #[serde(default)]
    pub sensitive_files: RawSensitiveFiles,
    #[serde(default)]
    pub secrets: RawSecrets,
    #[serde(default)]
    pub scope: RawScope,
    #[serde(default)]
    pub migrations: RawMigrations,
    #[serde(default)]
    pub dependencies: RawDependencies,
    #[serde(default)]
    pub push: RawPush,
    #[serde(default)]
    pub approvals: RawApprovals,
    #[serde(default)]
    pub audit: RawAudit,
    #[serde(default)]
    pub suppressions: RawSuppressions,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, RawRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSecrets {
    pub enabled: Option<bool>,
    #[serde(default)]
    pub exclude_paths: Vec<Spanned<String>>,
    pub fingerprint_key: Option<Spanned<String>>,
    #[serde(default)]
    pub rules: Vec<crate::secrets::RuleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDefaults {
    pub max_file_size: Option<Spanned<toml::Value>>,
    pub fail_on: Option<Spanned<String>>,
    pub baseline: Option<Spanned<String>>,
    pub agent_action_floor: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawScope {
    #[serde(default)]
    pub protected: Vec<Spanned<RawProtected>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawProtected {
    pub paths: Vec<Spanned<String>>,
    pub action: Option<Spanned<String>>,
    pub added: Option<Spanned<String>>,
    pub modified: Option<Spanned<String>>,
    pub deleted: Option<Spanned<String>>,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawMigrations {
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSensitiveFiles {
    pub enabled: Option<bool>,
    #[serde(default)]
    pub extra_paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawRule {
    pub action: Option<Spanned<String>>,
    pub agent_action: Option<Spanned<String>>,
    #[serde(default)]
    pub exclude_paths: Vec<Spanned<String>>,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDependencies {
    pub enabled: Option<bool>,
    pub new: Option<Spanned<String>>,
    pub transitive: Option<Spanned<String>>,
    #[serde(default)]
    pub ecosystems: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub allow: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    pub deny: Vec<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPush {
    #[serde(default)]
    pub agent_protected_branches: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawApprovals {
    pub allowed_signers: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSuppressions {
    pub inline: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawAudit {
    pub enabled: Option<bool>,
    pub max_size: Option<Spanned<toml::Value>>,
    pub keep: Option<Spanned<i64>>,
}
