//! Approvals: a person's signed decision that a `review` finding may pass.
//!
//! An approval names the rule, the path, the finding's fingerprint and the blob (the
//! exact content of the file, by git object id) it was given for. Any later edit of that
//! file changes the blob and the approval no longer applies. `block` findings cannot be
//! approved. This module only matches approvals to findings; verifying who signed an
//! approval is the front end's job (scopecheck-trust), and only verified approvals may be
//! passed to [`Report::apply_approvals`](crate::Report::apply_approvals).

use serde::{Deserialize, Serialize};

use crate::statement::canonical_json;
use crate::{Action, ChangeSet, Finding};

/// Where approval files live in the repository (committed with the change they approve).
pub const APPROVALS_DIR: &str = ".scopecheck/approvals/";

/// The allowed-signers file unless `[approvals] allowed-signers` names another.
pub const DEFAULT_ALLOWED_SIGNERS: &str = ".scopecheck/allowed-signers";

/// The `kind` of an approval statement.
pub const APPROVAL_KIND: &str = "scopecheck/approval";

/// One approved finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApprovalItem {
    /// The rule id.
    pub rule: String,
    /// The path of the finding.
    pub path: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The git object id of the file's content the approval was given for; `None` for a
    /// deletion.
    pub blob: Option<String>,
}

/// What a person signs: the findings they approve, why, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApprovalStatement {
    /// Always [`APPROVAL_KIND`].
    pub kind: String,
    /// Format version (1).
    pub version: u32,
    /// When it was signed (RFC 3339, UTC).
    pub issued_at: String,
    /// Why these findings may pass (required, shown wherever the approval is used).
    pub reason: String,
    /// The commit the approved change was made on: `HEAD` for a staged change (`None`
    /// before the first commit), the merge base for a range. An approval counts only for
    /// a change on that base, so an old approval cannot be replayed onto a later change
    /// that happens to restore the same content.
    #[serde(default)]
    pub base: Option<String>,
    /// The findings approved.
    pub items: Vec<ApprovalItem>,
}

impl ApprovalStatement {
    /// The exact bytes that are signed.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).unwrap_or_default();
        canonical_json(&value).into_bytes()
    }
}

/// An approval file as committed: the statement and its armored SSH signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalFile {
    /// What was approved.
    pub statement: ApprovalStatement,
    /// `-----BEGIN SSH SIGNATURE-----` … over [`ApprovalStatement::signed_bytes`].
    pub signature: String,
}

impl ApprovalFile {
    /// Parses an approval file, refusing anything that is not exactly one.
    pub fn parse(bytes: &[u8]) -> Result<ApprovalFile, String> {
        // serde's message may quote the offending value, which could be anything the
        // file holds (a secret included): report only where and what kind of problem.
        let file: ApprovalFile = serde_json::from_slice(bytes).map_err(|e| {
            let kind = match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "not valid JSON",
                serde_json::error::Category::Data => "not the approval format",
                serde_json::error::Category::Eof => "cut short",
            };
            format!(
                "not an approval file ({kind} at line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        if file.statement.kind != APPROVAL_KIND || file.statement.version != 1 {
            return Err(format!(
                "unknown statement kind `{}` version {}",
                file.statement.kind, file.statement.version
            ));
        }
        if file.statement.reason.trim().is_empty() {
            return Err("the approval has no reason".to_owned());
        }
        Ok(file)
    }

    /// The file as written: pretty JSON, so reviews of the commit can read it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// An approval whose signature verified against the allowed signers in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Approval {
    /// What it approves.
    #[serde(flatten)]
    pub item: ApprovalItem,
    /// Why.
    pub reason: String,
    /// The signer's principals, as the allowed-signers file names them.
    pub approved_by: String,
    /// The signing key's fingerprint (`SHA256:…`).
    pub key: String,
    /// When it was signed.
    pub approved_at: String,
    /// The approval file.
    pub file: String,
}

/// A finding that passed because a person approved it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Approved {
    /// The finding (its action is still `review`).
    #[serde(flatten)]
    pub finding: Finding,
    /// Who approved it, with which key, when, why, in which file.
    pub approval: Approval,
}

/// The blob a finding at `path` is judged on: the new side's object id, `None` when the
/// path is deleted (or not in the change at all, which no approval then matches).
pub fn blob_at(changes: &ChangeSet, path: &str) -> Option<Option<String>> {
    changes
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.new.as_ref().map(|s| s.id.clone()))
}

/// Whether `approval` covers `finding` as it stands in `changes`.
pub fn covers(approval: &ApprovalItem, finding: &Finding, changes: &ChangeSet) -> bool {
    finding.action == Action::Review
        && approval.rule == finding.rule
        && approval.path == finding.path
        && approval.fingerprint == finding.fingerprint
        && blob_at(changes, &finding.path).is_some_and(|b| b == approval.blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_never_quote_the_content() {
        let token = "ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXc9V";
        for text in [
            format!("{{\"statement\":\"{token}\",\"signature\":\"x\"}}"),
            format!("{{\"{token}\": 1}}"),
            format!("[\"{token}\""),
        ] {
            let e = ApprovalFile::parse(text.as_bytes()).expect_err("bad");
            assert!(!e.contains("ghp_"), "{e}");
            assert!(e.contains("line 1"), "{e}");
        }
    }
}
