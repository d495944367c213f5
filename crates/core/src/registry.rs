//! Every rule scopecheck can report, from every layer: the checks, the secret packs and
//! the guard's command rules. The policy validates rule ids against it, and `rules` /
//! `explain` list it.

use crate::rule::RuleMeta;
use crate::{checks, guard, secrets};

/// Every rule of every built-in check.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = [
        checks::sensitive_files::RULES,
        checks::unscanned::RULES,
        checks::scope::RULES,
        checks::policy_files::RULES,
        checks::authority::RULES,
        checks::migrations::RULES,
        checks::dependencies::RULES,
        secrets::builtin_rule_meta(),
        guard::rule_meta(),
    ]
    .into_iter()
    .flatten()
    .collect();
    v.sort_by_key(|r| r.id);
    v
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    all_rules().into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::builtin;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let rules = all_rules();
        let mut ids: Vec<_> = rules.iter().map(|r| r.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), rules.len(), "duplicate rule id");
        for r in rules {
            let (concern, name) = r.id.split_once('/').expect("concern/name");
            for part in [concern, name] {
                assert!(!part.is_empty());
                assert!(part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            }
            for text in [r.summary, r.what_it_does, r.why_is_this_bad, r.how_to_fix] {
                assert!(text.len() > 20, "{} has a thin doc section", r.id);
            }
        }
        // Every check's rules are in the registry.
        for c in builtin() {
            for r in c.rules() {
                assert_eq!(rule(r.id), Some(r));
            }
        }
    }
}
