//! Suppressions: inline `scopecheck:allow <rule-id>` comments and a baseline file of
//! fingerprints. Both must name what they suppress, and both report when they no longer
//! suppress anything.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::Finding;

/// The marker of an inline suppression.
pub const ALLOW_MARKER: &str = "scopecheck:allow";

/// Whether `data` holds an inline `scopecheck:allow` directive anywhere.
pub fn has_allow_directive(data: &[u8]) -> bool {
    memchr::memmem::find(data, ALLOW_MARKER.as_bytes()).is_some()
}

/// The rule ids an inline directive on `line` names (empty when there is none).
///
/// A directive is the marker followed by rule ids separated by spaces or commas, e.g.
/// the marker then `secret/github-pat, secret/jwt -- test fixture` names two rules;
/// parsing stops at the first word that is not a rule id.
pub fn allowed_rules(line: &[u8]) -> Vec<String> {
    let Some(at) = memchr::memmem::find(line, ALLOW_MARKER.as_bytes()) else {
        return Vec::new();
    };
    let rest = String::from_utf8_lossy(&line[at + ALLOW_MARKER.len()..]).into_owned();
    let mut out = Vec::new();
    for word in rest.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() {
            continue;
        }
        if is_rule_id(word) {
            out.push(word.to_owned());
        } else {
            break;
        }
    }
    out
}

fn is_rule_id(word: &str) -> bool {
    word.split_once('/').is_some_and(|(a, b)| {
        [a, b].iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
    })
}

/// One accepted finding in a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The finding's fingerprint (rule, path and matched content; no commit, no line).
    pub fingerprint: String,
    /// The rule, for people reading the file.
    pub rule: String,
    /// The path, for people reading the file.
    pub path: String,
    /// Why it is accepted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Accepted findings, keyed by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeMap<String, BaselineEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<BaselineEntry>,
}

/// A baseline file that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid baseline file: {0}")]
pub struct BaselineError(String);

impl Baseline {
    /// A baseline accepting exactly `findings`.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        let entries = findings
            .into_iter()
            .map(|f| {
                (
                    f.fingerprint.clone(),
                    BaselineEntry {
                        fingerprint: f.fingerprint.clone(),
                        rule: f.rule.clone(),
                        path: f.path.clone(),
                        reason: String::new(),
                    },
                )
            })
            .collect();
        Baseline { entries }
    }

    /// Parses the JSON file `scopecheck baseline` writes.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| BaselineError(e.to_string()))?;
        if file.version != 1 {
            return Err(BaselineError(format!(
                "version {} is not supported (expected 1)",
                file.version
            )));
        }
        Ok(Baseline {
            entries: file
                .entries
                .into_iter()
                .map(|e| (e.fingerprint.clone(), e))
                .collect(),
        })
    }

    /// The file's JSON text (entries sorted by path, then rule).
    pub fn to_json(&self) -> String {
        let mut entries: Vec<BaselineEntry> = self.entries.values().cloned().collect();
        entries.sort_by(|a, b| {
            (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
        });
        let file = BaselineFile {
            version: 1,
            entries,
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Whether a fingerprint is accepted.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.entries.contains_key(fingerprint)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries whose fingerprint is not in `used`.
    pub fn unused<'a>(
        &'a self,
        used: &'a HashSet<String>,
    ) -> impl Iterator<Item = &'a BaselineEntry> {
        self.entries
            .values()
            .filter(move |e| !used.contains(&e.fingerprint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_must_name_rules() {
        assert_eq!(
            allowed_rules(
                concat!(
                    "x = 1 # scopecheck",
                    ":allow secret/jwt, secret/github-pat -- fixture"
                )
                .as_bytes()
            ),
            vec!["secret/jwt", "secret/github-pat"]
        );
        assert!(allowed_rules(b"# scopecheck:allow").is_empty());
        assert!(allowed_rules(b"# scopecheck:allow all").is_empty());
        assert!(allowed_rules(b"# nothing here").is_empty());
    }

    #[test]
    fn baseline_round_trips_and_rejects_garbage() {
        let f = Finding::for_file(
            "secret/sensitive-file",
            crate::Action::Block,
            ".env",
            String::new(),
            String::new(),
        );
        let b = Baseline::from_findings([&f]);
        let parsed = Baseline::parse(&b.to_json()).expect("parse");
        assert_eq!(parsed, b);
        assert!(parsed.contains(&f.fingerprint));
        assert!(Baseline::parse("{").is_err());
        assert!(Baseline::parse(r#"{"version": 2, "entries": []}"#).is_err());
    }
}
