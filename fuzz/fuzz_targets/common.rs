//! Shared by the targets: a one-file change built from fuzz bytes.
#![allow(dead_code)]

use std::sync::OnceLock;

use scopecheck_core::{
    ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Policy, Side,
};

/// The embedded policy, parsed once: parsing it on every input took most of each run.
pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::embedded)
}

fn side(data: &[u8]) -> Side {
    Side {
        id: format!("{:040x}", data.len()),
        mode: FileMode::Regular,
        size: data.len() as u64,
        content: Content::Loaded(data.to_vec().into()),
    }
}

/// `path` changed from `old` to `new` (added when `old` is `None`).
pub fn change(path: &str, old: Option<&[u8]>, new: &[u8]) -> ChangeSet {
    let status = if old.is_some() { ChangeStatus::Modified } else { ChangeStatus::Added };
    let mut cs = ChangeSet::new(Origin::Custom);
    cs.files.push(FileChange::new(path, None, status, old.map(side), Some(side(new))));
    cs
}

/// Splits `data` at a point its first byte chooses, so one input is an old and a new side.
pub fn sides(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&b, rest)) if !rest.is_empty() => {
            let cut = usize::from(b) * rest.len() / 256;
            (&rest[..cut], rest)
        }
        _ => (&[], data),
    }
}
