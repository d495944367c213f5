//! Secret detection: built-in rules as data, custom rules from the policy, one keyword
//! pass per file, and findings whose evidence is always redacted.

pub(crate) mod archive;
mod encoded;
mod interleaved;
mod keyword_index;
mod scanner;
mod spec;
mod tiered;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

pub use encoded::Encoding;
pub use scanner::{shannon_entropy, RuleError, Scanner, SecretMatch, SecretRule};
pub use spec::{RuleSpec, PACK_DIGEST};

use crate::rule::RuleMeta;

/// The built-in rule specs (the embedded packs, compiled in by build.rs).
pub fn builtin_specs() -> &'static [RuleSpec] {
    static SPECS: OnceLock<Vec<RuleSpec>> = OnceLock::new();
    SPECS.get_or_init(spec::builtin)
}

/// How many built-in rules there are, without building them.
pub fn builtin_rule_count() -> usize {
    spec::BUILTIN.len()
}

/// The built-in rules, compiled straight from the static table: a scanning process never
/// needs the specs themselves.
fn builtin_rules() -> impl Iterator<Item = SecretRule> {
    spec::BUILTIN.iter().map(|s| {
        SecretRule::compile_builtin(s).unwrap_or_else(|e| panic!("rule {}: {}", e.id, e.message))
    })
}

/// The scanner over the built-in rules only, built once per process.
pub fn builtin_scanner() -> Arc<Scanner> {
    static SCANNER: OnceLock<Arc<Scanner>> = OnceLock::new();
    SCANNER
        .get_or_init(|| {
            Arc::new(Scanner::with_index(
                builtin_rules().collect(),
                spec::builtin_keyword_index(),
            ))
        })
        .clone()
}

/// Builds a scanner with the built-in rules plus `custom` ones.
pub fn scanner_with(custom: &[RuleSpec]) -> Result<Scanner, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut rules: Vec<SecretRule> = builtin_rules().collect();
    for spec in custom {
        match SecretRule::compile(spec) {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Scanner::new(rules))
    } else {
        Err(errors)
    }
}

const WHY: &str = "A credential in a commit is copied to every clone, fork and CI cache, and stays in history after the file is changed; public repositories are harvested for keys within minutes.";
pub(crate) const FIX: &str = "Remove the value from the change and load it from the environment or a secret manager. If it was ever committed or pushed, revoke and rotate it at the provider first, then purge it from history (git filter-repo). A deliberate test value can be suppressed with `scopecheck:allow <rule-id>` on its line or the line above, or recorded with `scopecheck baseline`.";

/// Metadata of every built-in secret rule, for `scopecheck rules` / `explain`.
pub fn builtin_rule_meta() -> &'static [RuleMeta] {
    static META: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    META.get_or_init(|| {
        let scanner = builtin_scanner();
        scanner
            .rules()
            .iter()
            .map(|r| {
                // Built once per process and kept for its lifetime, like the packs they
                // describe, so the registry can hand out `'static` metadata.
                let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
                RuleMeta {
                    id: match &r.id {
                        Cow::Borrowed(id) => id,
                        Cow::Owned(id) => leak(id.clone()),
                    },
                    default_action: r.action,
                    summary: leak(format!("{} in added content", r.name)),
                    what_it_does: leak(format!(
                        "Finds a {} in added lines (and, with `scan`, in files and history). Candidates are found by the keywords {} and confirmed by the rule's pattern; placeholder values are ignored.",
                        r.name,
                        r.keywords.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                    )),
                    why_is_this_bad: WHY,
                    how_to_fix: FIX,
                }
            })
            .collect()
    })
}

/// Line numbers from byte offsets by counting newlines between successive offsets, so a
/// file with many findings is walked once, never line by line.
pub struct LineIndex<'a> {
    data: &'a [u8],
    offset: usize,
    line: u32,
    line_start: usize,
}

impl<'a> LineIndex<'a> {
    /// An index positioned at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        LineIndex {
            data,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The 1-based line containing `offset` and that line's first byte.
    pub fn locate(&mut self, offset: usize) -> (u32, usize) {
        let offset = offset.min(self.data.len());
        if offset < self.offset {
            *self = LineIndex::new(self.data);
        }
        let chunk = &self.data[self.offset..offset];
        let n = memchr::memchr_iter(b'\n', chunk).count();
        if n > 0 {
            self.line += u32::try_from(n).unwrap_or(u32::MAX);
            self.line_start = self.offset + memchr::memrchr(b'\n', chunk).map_or(0, |i| i + 1);
        }
        self.offset = offset;
        (self.line, self.line_start)
    }
}

#[cfg(test)]
mod tests;
