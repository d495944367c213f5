//! The data a secret rule is written in: built-in packs (TOML under `src/rules/`, compiled
//! in) and custom rules in `scopecheck.toml` share this one format.

use serde::Deserialize;
use toml::Spanned;

use crate::Action;

/// One secret rule as written. A rule either gives a full `regex`, or names the
/// identifiers a secret is assigned to (`context`) and what the value looks like
/// (`secret`), from which scopecheck builds the assignment pattern.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    /// Stable id, `secret/<provider>-<token-kind>`.
    #[cfg_attr(test, schemars(with = "String"))]
    pub id: Spanned<String>,
    /// What the secret is, e.g. "GitHub personal access token (classic)".
    pub name: String,
    /// Literal strings, matched case-insensitively, at least one of which must occur near
    /// a match. Defaults to `context` for context rules.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A full regular expression. The secret is the group named `secret`, else group 1,
    /// else the whole match.
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub regex: Option<Spanned<String>>,
    /// Identifier words the secret is assigned to (`stripe`, `slack_token`…), for rules
    /// whose secrets have no distinctive prefix.
    #[serde(default)]
    pub context: Vec<String>,
    /// What the assigned value looks like, as a regex (with `context`).
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub secret: Option<Spanned<String>>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: Option<f64>,
    /// Secrets containing any of these (case-insensitively) are not reported.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Matches whose text around the secret (the identifier it is assigned to) contains
    /// any of these (case-insensitively) are not reported: `public_key`, `credentialsId`…
    #[serde(default)]
    pub context_stopwords: Vec<String>,
    /// Secrets matching any of these regexes are not reported.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub allow: Vec<Spanned<String>>,
    /// Only files whose path matches one of these globs are scanned with this rule.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub paths: Vec<Spanned<String>>,
    /// The action when this rule fires (default `block`).
    pub action: Option<Action>,
    /// The secret may span lines (PEM blocks): look up to 16 KiB past a keyword.
    #[serde(default)]
    pub multiline: bool,
    /// Report even values that look like placeholders (`xxxx`, `your-key-here`, `EXAMPLE`).
    #[serde(default)]
    pub keep_placeholders: bool,
    /// The keyword a match starts with must be a whole identifier segment: `etsy` in
    /// `etsy_key` or `myEtsyKey`, not in `SetSysctl`. Always on for context rules.
    #[serde(default)]
    pub keyword_boundary: bool,
    /// A catch-all rule (generic assignments, URLs with passwords): reported only when no
    /// specific rule found the same secret.
    #[serde(default)]
    pub fallback: bool,
    /// Texts the rule must match (checked by the test suite).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts the rule must not match (checked by the test suite).
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A pack file: `[[rule]]` entries.
#[cfg(test)]
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct Pack {
    pub rule: Vec<RuleSpec>,
}

// `PACKS` and `builtin()`: the packs, turned into `RuleSpec` literals by build.rs.
include!(concat!(env!("OUT_DIR"), "/packs.rs"));
