//! The outcome of judging a change: findings, the decision and the exit code.

use serde::Serialize;

use crate::checks;
use crate::{Action, ChangeSet, Finding, Policy};

/// Exit code: nothing reached the policy's `fail-on` action.
pub const EXIT_PASS: i32 = 0;
/// Exit code: at least one finding needs review or blocks the change.
pub const EXIT_BLOCKED: i32 = 1;
/// Exit code: usage, configuration or repository error (scopecheck fails closed).
pub const EXIT_ERROR: i32 = 2;

/// All findings for one change and what they add up to.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Findings after the policy was applied, ordered by path, line and rule.
    pub findings: Vec<Finding>,
    /// Findings dropped because the policy excludes their path from their rule.
    pub excluded: usize,
    /// How many changed files were looked at.
    pub files_checked: usize,
    /// What the adapter could not check (submodules, unmerged paths, …).
    pub notes: Vec<String>,
    /// The lowest action that fails the report.
    pub fail_on: Action,
}

impl Report {
    /// The highest action among the findings, `allow` when there are none.
    pub fn decision(&self) -> Action {
        self.findings
            .iter()
            .map(|f| f.action)
            .max()
            .unwrap_or(Action::Allow)
    }

    /// Whether the change must stop.
    pub fn is_blocked(&self) -> bool {
        self.decision() >= self.fail_on
    }

    /// An empty report (for front ends that merge per-file reports).
    pub fn empty(fail_on: Action) -> Report {
        Report {
            findings: Vec::new(),
            excluded: 0,
            files_checked: 0,
            notes: Vec::new(),
            fail_on,
        }
    }

    /// Adds another report's findings and counts to this one, keeping the order.
    pub fn merge(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.excluded += other.excluded;
        self.files_checked += other.files_checked;
        self.notes.extend(other.notes);
        sort_findings(&mut self.findings);
    }

    /// 0 when the change may proceed, 1 when it is stopped.
    pub fn exit_code(&self) -> i32 {
        if self.is_blocked() {
            EXIT_BLOCKED
        } else {
            EXIT_PASS
        }
    }
}

/// Judges `changes` by `policy` with every built-in check.
///
/// ```
/// use scopecheck_core::{evaluate, Action, ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Policy, Side};
///
/// let mut changes = ChangeSet::new(Origin::Custom);
/// let data = b"DATABASE_PASSWORD=hunter2\n".to_vec();
/// changes.files.push(FileChange::new(".env", None, ChangeStatus::Added, None, Some(Side {
///     id: "0".repeat(40), mode: FileMode::Regular, size: data.len() as u64, content: Content::Loaded(data),
/// })));
/// let report = evaluate(&Policy::embedded(), &changes);
/// assert_eq!(report.decision(), Action::Block);
/// assert_eq!(report.findings[0].rule, "secret/sensitive-file");
/// assert_eq!(report.exit_code(), 1);
/// ```
pub fn evaluate(policy: &Policy, changes: &ChangeSet) -> Report {
    let mut raw = Vec::new();
    for check in checks::builtin() {
        check.run(changes, policy, &mut raw);
    }
    let before = raw.len();
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .filter_map(|mut f| {
            f.action = policy.action_for(&f.rule, &f.path, f.action)?;
            Some(f)
        })
        .collect();
    let excluded = before - findings.len();
    sort_findings(&mut findings);
    Report {
        findings,
        excluded,
        files_checked: changes.files.len(),
        notes: changes.notes.clone(),
        fail_on: policy.fail_on,
    }
}

fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule).cmp(&(&b.path, b.line, b.column, &b.rule))
    });
}
