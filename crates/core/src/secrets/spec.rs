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

/// A built-in rule as compiled in: [`RuleSpec`]'s fields, borrowed from read-only data.
#[derive(Debug)]
pub(crate) struct StaticSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub keywords: &'static [&'static str],
    pub regex: Option<&'static str>,
    pub context: &'static [&'static str],
    pub secret: Option<&'static str>,
    pub entropy: Option<f64>,
    pub stopwords: &'static [&'static str],
    pub context_stopwords: &'static [&'static str],
    pub allow: &'static [&'static str],
    pub paths: &'static [&'static str],
    pub action: Option<Action>,
    pub multiline: bool,
    pub keep_placeholders: bool,
    pub keyword_boundary: bool,
    pub fallback: bool,
    pub examples: &'static [&'static str],
    pub negative_examples: &'static [&'static str],
}

impl StaticSpec {
    /// The rule as custom rules are written. Examples are test data: a process that
    /// scans has no use for a thousand of them allocated.
    pub(crate) fn to_spec(&self) -> RuleSpec {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let spanned = |s: &str| Spanned::new(0..0, s.to_owned());
        let examples = |v: &[&str]| if cfg!(test) { owned(v) } else { Vec::new() };
        RuleSpec {
            id: spanned(self.id),
            name: self.name.to_owned(),
            keywords: owned(self.keywords),
            regex: self.regex.map(spanned),
            context: owned(self.context),
            secret: self.secret.map(spanned),
            entropy: self.entropy,
            stopwords: owned(self.stopwords),
            context_stopwords: owned(self.context_stopwords),
            allow: self.allow.iter().map(|s| spanned(s)).collect(),
            paths: self.paths.iter().map(|s| spanned(s)).collect(),
            action: self.action,
            multiline: self.multiline,
            keep_placeholders: self.keep_placeholders,
            keyword_boundary: self.keyword_boundary,
            fallback: self.fallback,
            examples: examples(self.examples),
            negative_examples: examples(self.negative_examples),
        }
    }
}

/// The built-in rules as [`RuleSpec`]s.
pub(crate) fn builtin() -> Vec<RuleSpec> {
    BUILTIN.iter().map(StaticSpec::to_spec).collect()
}

// `PACKS` and `BUILTIN`: the packs, turned into a static table by build.rs.
include!(concat!(env!("OUT_DIR"), "/packs.rs"));
