//! Stage one: the file as serde reads it. Unknown keys are errors; values that need
//! checking keep their spans so validation can point at them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
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
    #[cfg_attr(test, schemars(with = "BTreeMap<String, RawRule>"))]
    pub rules: BTreeMap<Spanned<String>, RawRule>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSecrets {
    pub enabled: Option<bool>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub exclude_paths: Vec<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub fingerprint_key: Option<Spanned<String>>,
    #[serde(default)]
    pub rules: Vec<crate::secrets::RuleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDefaults {
    #[cfg_attr(test, schemars(with = "Option<serde_json::Value>"))]
    pub max_file_size: Option<Spanned<toml::Value>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub fail_on: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub baseline: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub agent_action_floor: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawScope {
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<RawProtected>"))]
    pub protected: Vec<Spanned<RawProtected>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawProtected {
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub paths: Vec<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub action: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub added: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub modified: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub deleted: Option<Spanned<String>>,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawMigrations {
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub paths: Vec<Spanned<String>>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub exclude_paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSensitiveFiles {
    pub enabled: Option<bool>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub extra_paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawRule {
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub action: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<crate::Action>"))]
    pub agent_action: Option<Spanned<String>>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub exclude_paths: Vec<Spanned<String>>,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDependencies {
    pub enabled: Option<bool>,
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub new: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub transitive: Option<Spanned<String>>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "BTreeMap<String, String>"))]
    pub ecosystems: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<serde_json::Value>"))]
    pub allow: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<serde_json::Value>"))]
    pub deny: Vec<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPush {
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub agent_protected_branches: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawApprovals {
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub allowed_signers: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSuppressions {
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub inline: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawAudit {
    pub enabled: Option<bool>,
    #[cfg_attr(test, schemars(with = "Option<serde_json::Value>"))]
    pub max_size: Option<Spanned<toml::Value>>,
    #[cfg_attr(test, schemars(with = "Option<i64>"))]
    pub keep: Option<Spanned<i64>>,
}
