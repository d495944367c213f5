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

/// A range of the built-in rules' text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Str(u32, u32);

/// A range of the built-in rules' list items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct List(u32, u32);

impl Str {
    fn get(self) -> &'static str {
        &TEXT[self.0 as usize..self.1 as usize]
    }
}

impl List {
    fn owned(self) -> Vec<String> {
        self.items().map(str::to_owned).collect()
    }

    fn spanned(self) -> Vec<Spanned<String>> {
        self.items().map(spanned).collect()
    }

    fn items(self) -> impl Iterator<Item = &'static str> {
        ITEMS[self.0 as usize..self.1 as usize]
            .iter()
            .map(|s| s.get())
    }
}

fn spanned(s: &str) -> Spanned<String> {
    Spanned::new(0..0, s.to_owned())
}

/// A built-in rule as compiled in: [`RuleSpec`]'s fields, as ranges of static data.
#[derive(Debug)]
pub(crate) struct StaticSpec {
    id: Str,
    name: Str,
    keywords: List,
    regex: Option<Str>,
    context: List,
    secret: Option<Str>,
    entropy: Option<f64>,
    stopwords: List,
    context_stopwords: List,
    allow: List,
    paths: List,
    action: Option<Action>,
    multiline: bool,
    keep_placeholders: bool,
    keyword_boundary: bool,
    fallback: bool,
    examples: List,
    negative_examples: List,
}

impl StaticSpec {
    /// The rule as custom rules are written. Examples are test data: a process that
    /// scans has no use for a thousand of them allocated.
    pub(crate) fn to_spec(&self) -> RuleSpec {
        let examples = |l: List| if cfg!(test) { l.owned() } else { Vec::new() };
        RuleSpec {
            id: spanned(self.id.get()),
            name: self.name.get().to_owned(),
            keywords: self.keywords.owned(),
            regex: self.regex.map(|s| spanned(s.get())),
            context: self.context.owned(),
            secret: self.secret.map(|s| spanned(s.get())),
            entropy: self.entropy,
            stopwords: self.stopwords.owned(),
            context_stopwords: self.context_stopwords.owned(),
            allow: self.allow.spanned(),
            paths: self.paths.spanned(),
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

// `PACKS`, `BUILTIN`, `TEXT` and `ITEMS`: the packs, turned into a static table by
// build.rs.
include!(concat!(env!("OUT_DIR"), "/packs.rs"));
