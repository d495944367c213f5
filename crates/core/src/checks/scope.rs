//! Scope: the work order's paths and size limits, and the policy's protected areas.

use super::{Check, RuleMeta};
use crate::approval::APPROVALS_DIR;
use crate::{Action, ChangeSet, ChangeStatus, FileChange, Finding, Policy};

/// A path outside the work order.
pub const OUT_OF_SCOPE: &str = "scope/out-of-scope-path";
/// A change larger than the work order allows.
pub const TOO_LARGE: &str = "scope/change-too-large";
/// A path in a protected area.
pub const PROTECTED: &str = "scope/protected-path";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        id: OUT_OF_SCOPE,
        default_action: Action::Block,
        summary: "A changed path is outside the work order's scope",
        what_it_does: "With a work order in force (.scopecheck/task.toml, --task or SCOPECHECK_TASK), flags every changed path (both sides of a rename) that matches an `out-of-scope` glob, or none of the `scope` globs. The message names the glob that decided.",
        why_is_this_bad: "A task given to an agent (or a person) has a boundary: a change outside it is unreviewed work nobody asked for, and is how a small fix turns into an edit of billing, auth or infrastructure code.",
        how_to_fix: "Revert the out-of-scope edits (`git restore --staged <path>`), or, if the task really needs them, have a person widen the work order's `scope` and commit again.",
    },
    RuleMeta {
        id: TOO_LARGE,
        default_action: Action::Block,
        summary: "A change touches more files or lines than the work order allows",
        what_it_does: "Compares the number of changed files, and of added plus removed lines, with the work order's `max-files` and `max-lines`.",
        why_is_this_bad: "Large changes are hard to review; a task that grows past its limit has usually drifted from its goal.",
        how_to_fix: "Split the change into smaller commits, or have a person raise the limit in the work order.",
    },
    RuleMeta {
        id: PROTECTED,
        default_action: Action::Review,
        summary: "A changed path is in a protected area of the repository",
        what_it_does: "Flags changes to paths matching a `[[scope.protected]]` entry of scopecheck.toml, with the action the entry sets for added, modified or deleted files, and the entry's reason.",
        why_is_this_bad: "Protected areas (infrastructure, CI workflows, security code) are owned by someone who must see every change to them: like CODEOWNERS, but enforced before the commit exists.",
        how_to_fix: "Ask the owners named in the reason to review the change, or leave those paths alone.",
    },
];

/// See the module docs.
pub struct Scope;

fn sides(change: &FileChange) -> Vec<&str> {
    let mut v = vec![change.path.as_str()];
    if let Some(old) = &change.old_path {
        v.push(old.as_str());
    }
    v
}

fn first_line(change: &FileChange) -> u32 {
    change.added_lines().first().map_or(1, |l| l.line)
}

impl Check for Scope {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        if changes.is_scan() {
            return;
        }
        // The policy's own files are judged by `policy/self-edit`, and approval files by
        // their signatures (`approval/untrusted`), not by the task's scope.
        let self_protected =
            |p: &str| policy.self_protected.iter().any(|s| s == p) || p.starts_with(APPROVALS_DIR);
        if let Some(task) = &policy.task {
            for change in &changes.files {
                for path in sides(change).into_iter().filter(|p| !self_protected(p)) {
                    let Some(why) = task.outside(path) else {
                        continue;
                    };
                    let mut f = Finding::for_file(
                        OUT_OF_SCOPE,
                        RULES[0].default_action,
                        path,
                        format!("{path} is outside the work order ({}): it {why}", task.file),
                        RULES[0].how_to_fix.to_owned(),
                    );
                    f.line = first_line(change);
                    out.push(f);
                }
            }
            let counted = || {
                changes
                    .files
                    .iter()
                    .filter(|c| !c.path.starts_with(APPROVALS_DIR))
            };
            let files = counted().count() as u64;
            let lines: u64 = counted()
                .map(|c| {
                    let (a, r) = c.line_stats();
                    (a + r) as u64
                })
                .sum();
            let anchor = changes
                .files
                .first()
                .map_or(task.file.as_str(), |c| c.path.as_str());
            let mut over = Vec::new();
            if let Some(max) = task.max_files.filter(|&m| files > m) {
                over.push(format!("{files} files (limit {max})"));
            }
            if let Some(max) = task.max_lines.filter(|&m| lines > m) {
                over.push(format!("{lines} changed lines (limit {max})"));
            }
            if !over.is_empty() {
                out.push(Finding::for_file(
                    TOO_LARGE,
                    RULES[1].default_action,
                    anchor,
                    format!(
                        "the change touches {}, more than the work order ({}) allows",
                        over.join(" and "),
                        task.file
                    ),
                    RULES[1].how_to_fix.to_owned(),
                ));
            }
        }
        for change in &changes.files {
            for path in sides(change) {
                for area in &policy.protected {
                    let Some(glob) = area.matching(path) else {
                        continue;
                    };
                    let (action, verb) = match change.status {
                        ChangeStatus::Added => (area.added, "added"),
                        ChangeStatus::Deleted => (area.deleted, "deleted"),
                        ChangeStatus::Renamed if path != change.path => (area.deleted, "moved out"),
                        _ => (area.modified, "modified"),
                    };
                    let mut f = Finding::for_file(
                        PROTECTED,
                        action,
                        path,
                        format!(
                            "{path} is {verb} in a protected area (`{glob}`): {}",
                            area.reason
                        ),
                        RULES[2].how_to_fix.to_owned(),
                    );
                    f.line = first_line(change);
                    out.push(f);
                    break;
                }
            }
        }
    }
}
