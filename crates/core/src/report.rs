//! The outcome of judging a change: findings, the decision and the exit code.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::approval::{self, Approval, Approved};
use crate::checks;
use crate::policy::InlineAllows;
use crate::suppress::{directive_rules, Baseline, ALLOW_MARKER};
use crate::{Action, ChangeSet, FileChange, Finding, Policy};

/// A finding that a suppression silenced.
#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    /// The finding (evidence redacted as always).
    #[serde(flatten)]
    pub finding: Finding,
    /// `inline` (a `scopecheck:allow` comment) or `baseline`.
    pub suppressed_by: &'static str,
}

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
    /// Findings silenced by an inline comment or the baseline.
    pub suppressed: Vec<Suppressed>,
    /// Inline suppressions that silenced nothing (`path:line: rule`).
    pub unused_suppressions: Vec<String>,
    /// Baseline fingerprints that silenced something here.
    #[serde(skip)]
    pub baseline_used: HashSet<String>,
    /// Who made the change.
    pub actor: crate::Actor,
    /// `review` findings a person approved (see [`Report::apply_approvals`]).
    pub approved: Vec<Approved>,
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
            suppressed: Vec::new(),
            unused_suppressions: Vec::new(),
            baseline_used: HashSet::new(),
            actor: crate::Actor::Human,
            approved: Vec::new(),
        }
    }

    /// Adds another report's findings and counts to this one, keeping the order.
    pub fn merge(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.excluded += other.excluded;
        self.files_checked += other.files_checked;
        self.notes.extend(other.notes);
        self.suppressed.extend(other.suppressed);
        self.unused_suppressions.extend(other.unused_suppressions);
        self.baseline_used.extend(other.baseline_used);
        self.approved.extend(other.approved);
        sort_findings(&mut self.findings);
    }

    /// Moves every `review` finding that one of `approvals` covers (same rule, path,
    /// fingerprint, and the file still has the approved content in `changes`) from
    /// `findings` to `approved`. `block` findings stay: they cannot be approved.
    /// Returns which approvals were used (indexes into `approvals`).
    ///
    /// Pass only approvals whose signatures were verified.
    pub fn apply_approvals(
        &mut self,
        changes: &ChangeSet,
        approvals: &[Approval],
    ) -> HashSet<usize> {
        let mut used = HashSet::new();
        let mut kept = Vec::with_capacity(self.findings.len());
        for f in std::mem::take(&mut self.findings) {
            match approvals
                .iter()
                .position(|a| approval::covers(&a.item, &f, changes))
            {
                Some(i) => {
                    used.insert(i);
                    self.approved.push(Approved {
                        finding: f,
                        approval: approvals[i].clone(),
                    });
                }
                None => kept.push(f),
            }
        }
        self.findings = kept;
        used
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
///     id: "0".repeat(40), mode: FileMode::Regular, size: data.len() as u64, content: Content::Loaded(data.into()),
/// })));
/// let report = evaluate(&Policy::embedded(), &changes);
/// assert_eq!(report.decision(), Action::Block);
/// assert_eq!(report.findings[0].rule, "secret/sensitive-file");
/// assert_eq!(report.exit_code(), 1);
/// ```
pub fn evaluate(policy: &Policy, changes: &ChangeSet) -> Report {
    evaluate_with(policy, changes, None)
}

/// [`evaluate`], with a baseline of accepted fingerprints.
pub fn evaluate_with(policy: &Policy, changes: &ChangeSet, baseline: Option<&Baseline>) -> Report {
    let mut raw = Vec::new();
    for check in checks::builtin() {
        check.run(changes, policy, &mut raw);
    }
    let before = raw.len();
    let acted: Vec<Finding> = raw
        .into_iter()
        .filter_map(|mut f| {
            f.action = policy.action_for(&f.rule, &f.path, f.action)?;
            if changes.actor.is_agent() {
                f.action = policy.agent_action(&f.rule, f.action);
            }
            Some(f)
        })
        .collect();
    let excluded = before - acted.len();

    let files: HashMap<&str, &FileChange> =
        changes.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut line_cache: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    let mut baseline_used = HashSet::new();
    // (path, line of the directive, rule) for every directive that silenced something.
    let mut used_directives: HashSet<(String, u32, String)> = HashSet::new();
    for f in acted {
        // Findings about the gate itself are never silenced by the files they are about:
        // an agent could otherwise put `scopecheck:allow policy/self-edit` into the very
        // policy edit it wants through, or its fingerprint into a baseline it commits.
        if unsuppressible(&f.rule) {
            findings.push(f);
            continue;
        }
        if let Some(b) = baseline {
            if b.contains(&f.fingerprint) {
                baseline_used.insert(f.fingerprint.clone());
                suppressed.push(Suppressed {
                    finding: f,
                    suppressed_by: "baseline",
                });
                continue;
            }
        }
        // Inline directives speak about a line's content, so they silence content
        // findings (secrets) only; what a change does to a path (scope, migrations,
        // dependencies, credential files) is not the file's own business. And an agent
        // cannot waive its own finding: a directive it adds in this change counts for
        // nothing.
        let directive = inline_suppressible(policy, &f.rule)
            .then(|| files.get(f.path.as_str()))
            .flatten()
            .and_then(|change| {
                let data = change.new_contents()?;
                let starts = line_cache
                    .entry(change.path.as_str())
                    .or_insert_with(|| line_starts(data));
                [f.line, f.line.saturating_sub(1)]
                    .into_iter()
                    .filter(|&l| l >= 1)
                    .filter(|&l| match policy.inline_allows {
                        InlineAllows::Allow => true,
                        InlineAllows::PeopleOnly => {
                            !(changes.actor.is_agent() && is_added(change, l))
                        }
                        InlineAllows::Off => false,
                    })
                    .find(|&l| {
                        directive_rules(&change.path, line_text(data, starts, l)).contains(&f.rule)
                    })
            });
        match directive {
            Some(l) => {
                used_directives.insert((f.path.clone(), l, f.rule.clone()));
                suppressed.push(Suppressed {
                    finding: f,
                    suppressed_by: "inline",
                });
            }
            None => findings.push(f),
        }
    }
    let unused_suppressions = unused_directives(policy, changes, &used_directives);
    sort_findings(&mut findings);
    Report {
        findings,
        excluded,
        files_checked: changes.files.len(),
        notes: changes.notes.clone(),
        fail_on: policy.fail_on,
        suppressed,
        unused_suppressions,
        baseline_used,
        actor: changes.actor.clone(),
        approved: Vec::new(),
    }
}

/// Rules about the gate's own integrity (`policy/*`, `task/*`, `approval/*`): no inline
/// directive or baseline entry silences them; a person's signed approval (for `review`)
/// is the only way through.
pub fn unsuppressible(rule: &str) -> bool {
    ["policy/", "task/", "approval/"]
        .iter()
        .any(|p| rule.starts_with(p))
}

/// Whether an inline `scopecheck:allow` may silence `rule`: content rules only (the
/// built-in secret rules and the policy's custom ones).
pub fn inline_suppressible(policy: &Policy, rule: &str) -> bool {
    let content = (rule.starts_with("secret/") && rule != "secret/sensitive-file")
        || policy.secrets.custom.iter().any(|c| c.0 == rule);
    content && !unsuppressible(rule)
}

fn is_added(change: &FileChange, line: u32) -> bool {
    change.old.is_none() || change.added_lines().iter().any(|l| l.line == line)
}

/// Directives on lines this change adds that silenced nothing: stale suppressions are
/// reported so they can be removed before they hide a future secret.
fn unused_directives(
    policy: &Policy,
    changes: &ChangeSet,
    used: &HashSet<(String, u32, String)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for change in &changes.files {
        let Some(data) = change.new_contents() else {
            continue;
        };
        if memchr::memmem::find(data, ALLOW_MARKER.as_bytes()).is_none() {
            continue;
        }
        let lines: Vec<(u32, &[u8])> = if change.old.is_none() {
            data.split(|&b| b == b'\n')
                .enumerate()
                .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
                .collect()
        } else {
            change
                .added_lines()
                .iter()
                .map(|l| (l.line, l.text.as_slice()))
                .collect()
        };
        for (n, text) in lines {
            for rule in directive_rules(&change.path, text) {
                if !inline_suppressible(policy, &rule) {
                    let why = if unsuppressible(&rule) {
                        "findings about the gate itself cannot be suppressed (a person approves them with `scopecheck approve`)"
                    } else {
                        "only content findings (secret rules) can be allowed inline; use the baseline or `scopecheck approve`"
                    };
                    out.push(format!(
                        "{}:{n}: scopecheck:allow {rule} has no effect: {why}",
                        change.path
                    ));
                    continue;
                }
                let ignored = match policy.inline_allows {
                    InlineAllows::Off => Some("inline allows are off in this policy (`[suppressions] inline = \"off\"`): use the baseline or `scopecheck approve`"),
                    InlineAllows::PeopleOnly if changes.actor.is_agent() => {
                        Some("an agent cannot allow its own findings")
                    }
                    _ => None,
                };
                if let Some(why) = ignored {
                    out.push(format!(
                        "{}:{n}: scopecheck:allow {rule} has no effect: {why}",
                        change.path
                    ));
                    continue;
                }
                // A rule that never looks at this path cannot have fired here.
                let excluded = policy
                    .action_for(&rule, &change.path, Action::Block)
                    .is_none()
                    || (rule.starts_with("secret/")
                        && policy.secrets.exclude.is_match(&change.path));
                if !excluded && !used.contains(&(change.path.clone(), n, rule.clone())) {
                    out.push(format!(
                        "{}:{n}: scopecheck:allow {rule} suppresses nothing",
                        change.path
                    ));
                }
            }
        }
    }
    out
}

fn line_starts(data: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', data).map(|i| i + 1))
        .collect()
}

fn line_text<'a>(data: &'a [u8], starts: &[usize], line: u32) -> &'a [u8] {
    let i = line as usize - 1;
    let Some(&start) = starts.get(i) else {
        return &[];
    };
    let end = starts
        .get(i + 1)
        .map_or(data.len(), |&e| e.saturating_sub(1));
    &data[start..end.max(start)]
}

fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule).cmp(&(&b.path, b.line, b.column, &b.rule))
    });
}
