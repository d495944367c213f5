//! `--format json`: a stable, versioned report. The schema is documented in README.md;
//! fields are only ever added within a schema version.

use scopecheck_core::{Action, Finding, Origin, Report, Suppressed};
use serde::Serialize;

/// Bumped when a field changes meaning or disappears.
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    origin: &'a Origin,
    actor: &'a scopecheck_core::Actor,
    policy: &'a str,
    decision: Action,
    blocked: bool,
    exit_code: i32,
    fail_on: Action,
    files_checked: usize,
    excluded: usize,
    findings: &'a [Finding],
    suppressed: &'a [Suppressed],
    approved: &'a [scopecheck_core::Approved],
    unused_suppressions: &'a [String],
    notes: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn report(report: &Report, origin: &Origin, policy: &str) -> String {
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "scopecheck",
            version: env!("CARGO_PKG_VERSION"),
        },
        origin,
        actor: &report.actor,
        policy,
        decision: report.decision(),
        blocked: report.is_blocked(),
        exit_code: report.exit_code(),
        fail_on: report.fail_on,
        files_checked: report.files_checked,
        excluded: report.excluded,
        findings: &report.findings,
        suppressed: &report.suppressed,
        approved: &report.approved,
        unused_suppressions: &report.unused_suppressions,
        notes: &report.notes,
    };
    // Serialising plain data with string keys cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
