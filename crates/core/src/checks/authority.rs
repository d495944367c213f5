//! Human authority: a work order or an approval that cannot be shown to come from a
//! person. The front end verifies signatures (scopecheck-trust) and records the outcome
//! on the work order ([`Trust`](crate::Trust)); this check turns a failed verification
//! into a finding, so it is never silently applied or ignored.

use super::{Check, RuleMeta};
use crate::{Action, ChangeSet, Finding, Policy, Trust};

/// The work order in force was changed after a person issued it, or never was issued.
pub const UNTRUSTED_WORK_ORDER: &str = "task/untrusted-work-order";

/// An approval file in the change whose signature does not verify.
pub const UNTRUSTED_APPROVAL: &str = "approval/untrusted";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        id: UNTRUSTED_WORK_ORDER,
        default_action: Action::Warn,
        summary: "The work order in force was not issued by a person, or was changed after it was",
        what_it_does: "Checks the work order's SSH signature (namespace `scopecheck`) against the allowed-signers file of the policy that judges the change; an unsigned work order must match the hash `scopecheck task start` recorded in the git directory. A work order that fails is reported and still applied; the finding is `block` when the work order carries a signature that does not verify or when an agent makes the change, and `warn` for a person's unsigned, unrecorded work order (a person may write their own task).",
        why_is_this_bad: "A work order bounds what an agent may touch. If the agent can widen its own scope (edit `.scopecheck/task.toml`), the boundary is a suggestion, not a gate.",
        how_to_fix: "Have a person re-issue the work order with `scopecheck task start --force …` (signed when `user.signingkey` is set with `gpg.format=ssh`), or remove the edit.",
    },
    RuleMeta {
        id: UNTRUSTED_APPROVAL,
        default_action: Action::Block,
        summary: "An approval file in the change is not signed by an allowed signer",
        what_it_does: "Every file added or changed under .scopecheck/approvals/ must be an approval statement whose SSH signature verifies against the allowed-signers file of the policy that judges the change. One that does not (edited, forged, unsigned, signed by an unknown key or in the wrong namespace) approves nothing and is reported.",
        why_is_this_bad: "An approval turns a `review` finding into a pass. A forged or edited approval is an attempt to pass review without the person who must give it.",
        how_to_fix: "Remove the file; have a person listed in the allowed-signers file run `scopecheck approve`.",
    },
];

/// See the module docs.
pub struct Authority;

impl Check for Authority {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        if changes.is_scan() {
            return;
        }
        if let (None, Some(why)) = (&policy.task, &policy.missing_task) {
            let action = if changes.actor.is_agent() {
                Action::Block
            } else {
                RULES[0].default_action
            };
            out.push(Finding::for_file(
                UNTRUSTED_WORK_ORDER,
                action,
                crate::task::DEFAULT_TASK_FILE,
                format!("no work order is in force, but {why}"),
                "Have the person who issued it end it (`scopecheck task end`) or issue a new one (`scopecheck task start`).".to_owned(),
            ));
        }
        let Some(task) = &policy.task else { return };
        let Trust::Untrusted {
            reason,
            broken_signature,
        } = &task.trust
        else {
            return;
        };
        let action = if changes.actor.is_agent() || *broken_signature {
            Action::Block
        } else {
            RULES[0].default_action
        };
        out.push(Finding::for_file(
            UNTRUSTED_WORK_ORDER,
            action,
            &task.file,
            format!(
                "the work order {} is not what a person issued: {reason}",
                task.file
            ),
            RULES[0].how_to_fix.to_owned(),
        ));
    }
}
