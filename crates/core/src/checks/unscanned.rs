//! `file/too-large-to-scan`: a file too large to read was added or changed, so its
//! contents were not checked.

use super::{Check, RuleMeta};
use crate::{Action, ChangeSet, Finding, Policy};

/// The rule id.
pub const TOO_LARGE: &str = "file/too-large-to-scan";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[RuleMeta {
    id: TOO_LARGE,
    default_action: Action::Warn,
    summary: "A file too large to read was added or changed, so its contents were not checked",
    what_it_does: "Reports every added or modified file whose contents were not read: in a change (pre-commit, pre-push, ci), a file over 64 MiB (smaller files over `defaults.max-file-size` are still read, and the lines the change adds are scanned); in `scan` of a tree or history, a file over `defaults.max-file-size`.",
    why_is_this_bad: "Anything inside an unread file, a credential included, passes unseen. Files this large are also often generated artefacts, dumps or archives that do not belong in the repository.",
    how_to_fix: "Keep large generated files out of the repository (or in Git LFS). If the file must be committed, raise `defaults.max-file-size` so it is scanned, or exclude its path from this rule with a reason.",
}];

/// See the module docs.
pub struct Unscanned;

impl Check for Unscanned {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        for change in changes.files.iter().filter(|c| c.is_too_large()) {
            let size = change.new.as_ref().map_or(0, |s| s.size);
            let limit = if changes.is_scan() {
                policy.max_file_size
            } else {
                super::change_read_limit(policy.max_file_size)
            };
            out.push(Finding::for_file(
                TOO_LARGE,
                RULES[0].default_action,
                &change.path,
                format!(
                    "{} is {} bytes, over the {} byte limit: its contents were not checked",
                    change.path, size, limit
                ),
                RULES[0].how_to_fix.to_owned(),
            ));
        }
    }
}
