//! Machine formats for pipelines: SARIF 2.1.0 (code scanning), JUnit XML, GitHub Actions
//! workflow commands, and a Markdown summary for a PR comment or `$GITHUB_STEP_SUMMARY`.

use scopecheck_core::{registry, Action, Finding, Report};
use serde_json::{json, Value};

fn level(a: Action) -> &'static str {
    match a {
        Action::Block | Action::Review => "error",
        Action::Warn => "warning",
        Action::Allow => "note",
    }
}

/// SARIF 2.1.0: every result has a physical location (file-level findings point at the
/// file's most relevant line), rules carry their help, and fingerprints are partial
/// fingerprints so code scanning tracks a finding across commits.
pub fn sarif(report: &Report) -> String {
    // Approved findings stay visible in code scanning, suppressed with the approval as
    // the justification (who, which key, why), as SARIF's external suppressions are meant.
    let all: Vec<(&Finding, Option<&scopecheck_core::Approval>)> = report
        .findings
        .iter()
        .map(|f| (f, None))
        .chain(
            report
                .approved
                .iter()
                .map(|a| (&a.finding, Some(&a.approval))),
        )
        .collect();
    let mut rule_ids: Vec<&str> = all.iter().map(|(f, _)| f.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let meta = registry::rule(id);
            let summary = meta.map_or(*id, |m| m.summary);
            let help = meta.map_or_else(String::new, |m| {
                format!(
                    "{}\n\nWhy: {}\n\nFix: {}",
                    m.what_it_does, m.why_is_this_bad, m.how_to_fix
                )
            });
            json!({
                "id": id,
                "name": id.replace(['/', '-'], "_"),
                "shortDescription": { "text": summary },
                "fullDescription": { "text": meta.map_or(summary, |m| m.what_it_does) },
                "help": { "text": if help.is_empty() { summary.to_owned() } else { help } },
                "defaultConfiguration": {
                    "level": level(meta.map_or(Action::Block, |m| m.default_action))
                },
                "properties": { "tags": [id.split('/').next().unwrap_or("scopecheck")] }
            })
        })
        .collect();
    let results: Vec<Value> = all
        .iter()
        .map(|(f, approval)| {
            let index = rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": level(f.action),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.path, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) }
                    }
                }],
                "partialFingerprints": { "scopecheck/v1": f.fingerprint },
                "properties": { "action": f.action.as_str() }
            });
            if let Some(a) = approval {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!(
                        "approved by {} ({}) at {}: {}",
                        a.approved_by, a.key, a.approved_at, a.reason
                    )
                }]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "scopecheck",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/scopecheck",
                    "rules": rules
                }
            },
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: one test case per finding (failing when it reaches `fail-on`), or one
/// passing case when there are none, so CI dashboards show the gate either way.
pub fn junit(report: &Report) -> String {
    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.action > Action::Allow)
        .collect();
    let failures = shown.iter().filter(|f| f.action >= report.fail_on).count();
    let tests = shown.len().max(1);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"scopecheck\" tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"scopecheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n"
    );
    if shown.is_empty() {
        s.push_str("    <testcase classname=\"scopecheck\" name=\"no findings\"/>\n");
    }
    for f in shown {
        let name = xml_escape(&format!("{}:{}", f.path, f.line));
        let class = xml_escape(&f.rule);
        if f.action >= report.fail_on {
            s.push_str(&format!(
                "    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                xml_escape(&f.message),
                f.action,
                xml_escape(&format!("{}\n{}", f.message, f.help))
            ));
        } else {
            s.push_str(&format!(
                "    <testcase classname=\"{class}\" name=\"{name}\">\n      <system-out>{}: {}</system-out>\n    </testcase>\n",
                f.action,
                xml_escape(&f.message)
            ));
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
pub fn github(report: &Report) -> String {
    let mut s = String::new();
    for f in report.findings.iter().filter(|f| f.action > Action::Allow) {
        let kind = match f.action {
            Action::Block | Action::Review => "error",
            _ => "warning",
        };
        s.push_str(&format!(
            "::{kind} file={},line={},col={},title={}::{}\n",
            gh_escape_property(&f.path),
            f.line.max(1),
            f.column.max(1),
            gh_escape_property(&format!("scopecheck {} ({})", f.rule, f.action)),
            gh_escape_data(&format!("{}\n{}", f.message, f.help))
        ));
    }
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
pub fn markdown(report: &Report, policy: &str) -> String {
    let verdict = if report.is_blocked() {
        "❌ **scopecheck stopped this change**"
    } else if report.findings.iter().any(|f| f.action == Action::Warn) {
        "⚠️ scopecheck passed with warnings"
    } else {
        "✅ scopecheck passed"
    };
    let mut s = format!(
        "### {verdict}\n\n{} file(s) checked · decision: `{}` · fails on: `{}` · policy: {}\n\n",
        report.files_checked,
        report.decision(),
        report.fail_on,
        md_cell(policy)
    );
    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.action > Action::Allow)
        .collect();
    if !shown.is_empty() {
        s.push_str("| action | rule | location | finding |\n| --- | --- | --- | --- |\n");
        for f in shown {
            s.push_str(&format!(
                "| {} | `{}` | `{}:{}` | {} |\n",
                f.action,
                f.rule,
                md_cell(&f.path),
                f.line,
                md_cell(&f.message)
            ));
        }
        s.push('\n');
    }
    if !report.suppressed.is_empty() {
        s.push_str(&format!(
            "{} finding(s) suppressed.\n\n",
            report.suppressed.len()
        ));
    }
    for n in &report.notes {
        s.push_str(&format!("> {}\n", md_cell(n)));
    }
    s
}
