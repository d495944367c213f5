//! The data a secret rule is written in: built-in packs (TOML under `src/rules/`, compiled
//! in) and custom rules in `scopecheck.toml` share this one format.

use std::ops::Range;

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
    /// A secret containing symbols a token issuer never puts in a token (`!@#$%^&*`) is
    /// reported only when the text around it (the identifier it is assigned to) contains
    /// one of these (case-insensitively): people choose such values for a `password` or
    /// a `secret`, while an `api_key` or a `token` is issued. Empty: no such condition.
    #[serde(default)]
    pub symbols_context: Vec<String>,
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
    /// With `multiline`: how many bytes past its keyword a match can end, when less than
    /// 16 KiB (a command continued over a few lines); a match may also begin up to that
    /// far (at most 4 KiB) before its keyword. Every change is searched that far around
    /// for the rule's keywords, so a short span keeps the rule cheap.
    pub span: Option<u32>,
    /// Report even values that look like placeholders (`xxxx`, `your-key-here`, `EXAMPLE`).
    #[serde(default)]
    pub keep_placeholders: bool,
    /// The keyword a match starts with must be a whole identifier segment: `etsy` in
    /// `etsy_key` or `myEtsyKey`, not in `SetSysctl`. Always on for context rules. Meant
    /// for regexes that begin with the keyword: a keyword inside a longer word is not
    /// searched around at all.
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

/// The built-in rules' keyword index, as build.rs made it.
pub(crate) fn builtin_keyword_index() -> super::keyword_index::KeywordIndex {
    super::keyword_index::KeywordIndex {
        keywords: INDEX_KEYWORDS
            .iter()
            .map(|&(rule, slot)| (usize::from(rule), usize::from(slot)))
            .collect(),
        keyword_rules: INDEX_KEYWORD_RULES
            .iter()
            .map(|&r| usize::from(r))
            .collect(),
        keyword_rules_at: INDEX_KEYWORD_RULES_AT.to_vec(),
        pair_order: INDEX_PAIR_ORDER.to_vec(),
        by_pair: INDEX_BY_PAIR.to_vec(),
    }
}

/// `text` as the part of the static table it is, if it is one.
pub(crate) fn static_text(text: &str) -> Option<&'static str> {
    // By address: a built-in spec's strings are slices of `TEXT`, and the slice is taken
    // again from `TEXT` (not made from the pointer) so this needs no `unsafe`.
    let start = (text.as_ptr() as usize).checked_sub(TEXT.as_ptr() as usize)?;
    TEXT.get(start..start.checked_add(text.len())?)
        .filter(|s| s.as_ptr() == text.as_ptr())
}

impl Str {
    fn get(self) -> &'static str {
        &TEXT[self.0 as usize..self.1 as usize]
    }
}

impl List {
    fn items(self) -> Vec<&'static str> {
        ITEMS[self.0 as usize..self.1 as usize]
            .iter()
            .map(|s| s.get())
            .collect()
    }

    fn unspanned(self) -> Vec<(&'static str, Range<usize>)> {
        ITEMS[self.0 as usize..self.1 as usize]
            .iter()
            .map(|s| (s.get(), 0..0))
            .collect()
    }
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
    symbols_context: List,
    allow: List,
    paths: List,
    action: Option<Action>,
    multiline: bool,
    span: Option<u32>,
    keep_placeholders: bool,
    keyword_boundary: bool,
    fallback: bool,
    examples: List,
    negative_examples: List,
}

impl StaticSpec {
    /// The rule's fields. Examples are test data: a process that scans has no use for a
    /// thousand of them.
    pub(crate) fn borrowed(&self) -> SpecRef<'static> {
        let examples = |l: List| if cfg!(test) { l.items() } else { Vec::new() };
        SpecRef {
            id: (self.id.get(), 0..0),
            name: self.name.get(),
            keywords: self.keywords.items(),
            regex: self.regex.map(|s| (s.get(), 0..0)),
            context: self.context.items(),
            secret: self.secret.map(|s| (s.get(), 0..0)),
            entropy: self.entropy,
            stopwords: self.stopwords.items(),
            context_stopwords: self.context_stopwords.items(),
            symbols_context: self.symbols_context.items(),
            allow: self.allow.unspanned(),
            paths: self.paths.unspanned(),
            action: self.action,
            multiline: self.multiline,
            span: self.span,
            keep_placeholders: self.keep_placeholders,
            keyword_boundary: self.keyword_boundary,
            fallback: self.fallback,
            examples: examples(self.examples),
            negative_examples: examples(self.negative_examples),
        }
    }
}

/// A rule's fields, borrowed from a custom rule's spec (with the spans its errors point
/// at) or from the built-in table (whose spans are empty): what compiling a rule reads,
/// without first copying every string of the table.
pub(crate) struct SpecRef<'a> {
    pub id: (&'a str, Range<usize>),
    pub name: &'a str,
    pub keywords: Vec<&'a str>,
    pub regex: Option<(&'a str, Range<usize>)>,
    pub context: Vec<&'a str>,
    pub secret: Option<(&'a str, Range<usize>)>,
    pub entropy: Option<f64>,
    pub stopwords: Vec<&'a str>,
    pub context_stopwords: Vec<&'a str>,
    pub symbols_context: Vec<&'a str>,
    pub allow: Vec<(&'a str, Range<usize>)>,
    pub paths: Vec<(&'a str, Range<usize>)>,
    pub action: Option<Action>,
    pub multiline: bool,
    pub span: Option<u32>,
    pub keep_placeholders: bool,
    pub keyword_boundary: bool,
    pub fallback: bool,
    pub examples: Vec<&'a str>,
    pub negative_examples: Vec<&'a str>,
}

impl RuleSpec {
    /// The fields, borrowed.
    pub(crate) fn borrowed(&self) -> SpecRef<'_> {
        fn strs(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        fn spanned(s: &Spanned<String>) -> (&str, Range<usize>) {
            (s.get_ref().as_str(), s.span())
        }
        SpecRef {
            id: (self.id.get_ref().as_str(), self.id.span()),
            name: &self.name,
            keywords: strs(&self.keywords),
            regex: self.regex.as_ref().map(spanned),
            context: strs(&self.context),
            secret: self.secret.as_ref().map(spanned),
            entropy: self.entropy,
            stopwords: strs(&self.stopwords),
            context_stopwords: strs(&self.context_stopwords),
            symbols_context: strs(&self.symbols_context),
            allow: self.allow.iter().map(spanned).collect(),
            paths: self.paths.iter().map(spanned).collect(),
            action: self.action,
            multiline: self.multiline,
            span: self.span,
            keep_placeholders: self.keep_placeholders,
            keyword_boundary: self.keyword_boundary,
            fallback: self.fallback,
            examples: strs(&self.examples),
            negative_examples: strs(&self.negative_examples),
        }
    }
}

impl SpecRef<'_> {
    /// The rule as custom rules are written.
    pub(crate) fn to_spec(&self) -> RuleSpec {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
        let spanned =
            |(s, span): &(&str, Range<usize>)| Spanned::new(span.clone(), (*s).to_owned());
        RuleSpec {
            id: spanned(&self.id),
            name: self.name.to_owned(),
            keywords: owned(&self.keywords),
            regex: self.regex.as_ref().map(spanned),
            context: owned(&self.context),
            secret: self.secret.as_ref().map(spanned),
            entropy: self.entropy,
            stopwords: owned(&self.stopwords),
            context_stopwords: owned(&self.context_stopwords),
            symbols_context: owned(&self.symbols_context),
            allow: self.allow.iter().map(spanned).collect(),
            paths: self.paths.iter().map(spanned).collect(),
            action: self.action,
            multiline: self.multiline,
            span: self.span,
            keep_placeholders: self.keep_placeholders,
            keyword_boundary: self.keyword_boundary,
            fallback: self.fallback,
            examples: owned(&self.examples),
            negative_examples: owned(&self.negative_examples),
        }
    }
}

/// The built-in rules as [`RuleSpec`]s.
pub(crate) fn builtin() -> Vec<RuleSpec> {
    BUILTIN.iter().map(|s| s.borrowed().to_spec()).collect()
}

// `PACKS`, `BUILTIN`, `TEXT` and `ITEMS`: the packs, turned into a static table by
// build.rs.
include!(concat!(env!("OUT_DIR"), "/packs.rs"));
