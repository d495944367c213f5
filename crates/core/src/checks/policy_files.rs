//! `policy/self-edit`: a change to the files that define the gate itself.

use super::{Check, RuleMeta};
use crate::{Action, ChangeSet, Finding, Policy};

pub use crate::rule::SELF_EDIT;

/// An agent pushes to a branch the policy reserves for people.
pub const AGENT_PUSH: &str = "policy/agent-push-to-protected-branch";

/// A pushed or merged commit carries findings a pre-commit hook would have stopped.
pub const SKIPPED_HOOKS: &str = "policy/skipped-hooks";

/// This check's rules. (`policy/skipped-hooks` is reported by the pre-push and CI front
/// ends, which see commits one by one; it is registered here for its documentation.)
pub const RULES: &[RuleMeta] = &[RuleMeta {
    id: SELF_EDIT,
    default_action: Action::Warn,
    summary: "The change edits scopecheck's policy, baseline, work order or hooks",
    what_it_does: "Flags changes to scopecheck.toml / .scopecheck.toml, the baseline file, the work order (.scopecheck/task.toml or the one in force), hook manager configuration (.pre-commit-config.yaml, lefthook.yml, .husky/), CI definitions (.github/workflows/, .gitlab-ci.yml), agent hook settings (.claude/settings.json, .cursor/hooks.json, .gemini/settings.json), the allowed-signers file, and hook scripts in a committed hooks directory. A person's edit is recorded and shown (warn), so adopting scopecheck or tuning it needs no `--no-verify`; an agent's edit needs a person (review), who approves it with `scopecheck approve`. It cannot be suppressed inline or by the baseline.",
    why_is_this_bad: "A change that loosens the rules it is judged by can disable the gate: an agent told to make the tests pass could as well exclude its path from every rule. CI judges a change by the base branch's policy, but the edit itself still needs a person's eyes.",
    how_to_fix: "Have a person review the policy change on its own, in a separate commit or pull request.",
}, RuleMeta {
    id: SKIPPED_HOOKS,
    default_action: Action::Warn,
    summary: "A commit carries findings that the pre-commit hook would have stopped",
    what_it_does: "In pre-push and CI, judges every commit of the range on its own; a commit whose own findings reach `fail-on` could not have passed an installed pre-commit hook, so it was made with --no-verify, elsewhere, or without the hook.",
    why_is_this_bad: "Bypassed hooks are how secrets and out-of-scope edits reach shared branches; knowing which commits skipped the gate shows where the local setup (or an agent's instructions) needs fixing.",
    how_to_fix: "Install the hook (`scopecheck install`) where the commit was made, fix the findings the commit carries, and avoid --no-verify.",
}, RuleMeta {
    id: AGENT_PUSH,
    default_action: Action::Block,
    summary: "An AI agent pushes directly to a protected branch",
    what_it_does: "In pre-push, when the pusher is an agent (see the README's agent signals) and the remote branch matches `[push] agent-protected-branches` (e.g. main, release/*).",
    why_is_this_bad: "Protected branches deploy or release; an agent's work should reach them through a reviewed pull request, not a direct push.",
    how_to_fix: "Push to a feature branch and open a pull request for a person to merge.",
}];

/// See the module docs.
pub struct PolicyFiles;

impl Check for PolicyFiles {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        if changes.is_scan() {
            return;
        }
        let task_file = policy.task.as_ref().map(|t| t.file.as_str());
        for change in &changes.files {
            if issued_work_order(change, policy) {
                continue;
            }
            let paths = std::iter::once(change.path.as_str()).chain(change.old_path.as_deref());
            for path in paths {
                let hit = policy
                    .self_protected
                    .iter()
                    .any(|p| p == path || (p.ends_with('/') && path.starts_with(p.as_str())))
                    || task_file == Some(path);
                if hit {
                    let mut f = Finding::for_file(
                        SELF_EDIT,
                        RULES[0].default_action,
                        path,
                        format!("{path} defines scopecheck's own gate: this change edits the policy that judges it"),
                        RULES[0].how_to_fix.to_owned(),
                    );
                    if let Some(l) = change.added_lines().first() {
                        f.line = l.line;
                    }
                    out.push(f);
                    break;
                }
            }
        }
    }
}

/// Whether `change` commits exactly the work order in force, and that work order was
/// issued by a person (signed, or recorded by `task start`): the issuing is the person's
/// decision, so committing it (to carry it to CI) is not an edit of the gate.
fn issued_work_order(change: &crate::FileChange, policy: &Policy) -> bool {
    let Some(task) = policy.task.as_ref().filter(|t| t.trust.is_trusted()) else {
        return false;
    };
    if change.path != task.file && change.path != crate::task::DEFAULT_TASK_FILE {
        return false;
    }
    let Some(text) = change
        .new_contents()
        .and_then(|b| std::str::from_utf8(b).ok())
    else {
        return false;
    };
    crate::WorkOrder::parse(&change.path, text)
        .is_ok_and(|w| w.statement() == task.statement() && w.signature == task.signature)
}
