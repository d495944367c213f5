//! What every rule documents, and the ids of rules that the policy itself treats
//! specially. This is the bottom layer the checks, the secret scanner, the guard and the
//! policy all build on.

use crate::Action;

/// A rule's documented metadata. Every finding names one rule by its `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case id, `<concern>/<pattern-flagged>`.
    pub id: &'static str,
    /// The action when the policy says nothing about this rule.
    pub default_action: Action,
    /// One line, for `scopecheck rules`.
    pub summary: &'static str,
    /// What the rule detects.
    pub what_it_does: &'static str,
    /// Why that is a problem.
    pub why_is_this_bad: &'static str,
    /// What to do when it fires.
    pub how_to_fix: &'static str,
}

/// `policy/self-edit`: the gate's own files changed. Stricter for agents, and for `ci`
/// (see [`crate::Policy::gate_edits_need_review`]).
pub const SELF_EDIT: &str = "policy/self-edit";

/// `migration/no-rollback`: a new migration that cannot be undone. Stricter for agents.
pub const NO_ROLLBACK: &str = "migration/no-rollback";
