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
    summary: "A changed file is larger than `max-file-size`, so its contents were not checked",
    what_it_does: "Reports every added or modified file whose new contents exceed the policy's `defaults.max-file-size`. Such files are not read, so no content rule looked at them.",
    why_is_this_bad: "Anything inside an unread file, a credential included, passes unseen. Large files are also often generated artefacts, dumps or archives that do not belong in the repository.",
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
            out.push(Finding::for_file(
                TOO_LARGE,
                RULES[0].default_action,
                &change.path,
                format!(
                    "{} is {} bytes, over the {} byte limit: its contents were not checked",
                    change.path, size, policy.max_file_size
                ),
                RULES[0].how_to_fix.to_owned(),
            ));
        }
    }
}
