//! Human output, rendered by miette: each finding with its rule, location, the source
//! line (already redacted by the check) and help.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};
use scopecheck_core::{Action, Finding, Report};

use super::Style;

fn handler(style: &Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_wrap_lines(false)
}

/// Renders any diagnostic (used for errors).
pub fn error(diagnostic: &dyn Diagnostic, style: &Style) -> String {
    let mut out = String::new();
    if handler(style).render_report(&mut out, diagnostic).is_err() {
        out = format!("error: {diagnostic}\n");
    }
    out
}

/// One source line standing in for the whole file: the line number is the real one, the
/// text is the check's redacted snippet, so no secret can reach the terminal.
#[derive(Debug)]
struct Snippet {
    path: String,
    text: String,
    line: usize,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _context_lines_before: usize,
        _context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let _ = span;
        Ok(Box::new(MietteSpanContents::new_named(
            self.path.clone(),
            self.text.as_bytes(),
            SourceSpan::from(0..self.text.len()),
            self.line.saturating_sub(1),
            0,
            1,
        )))
    }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    snippet: Option<Snippet>,
    /// The rule's help is shown with its first finding only: twenty leaked keys do not
    /// need the same paragraph twenty times.
    show_help: bool,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule", &self.finding.rule)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.finding;
        write!(
            f,
            "[{}] {}:{}:{}: {}",
            x.action, x.path, x.line, x.column, x.message
        )?;
        // History and range findings say where the content came in, so it can be found
        // (and purged) without a second search.
        match &x.commit {
            Some(c) => write!(f, " (commit {})", crate::cmd::short_id(c)),
            None => Ok(()),
        }
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<Severity> {
        Some(match self.finding.action {
            Action::Block | Action::Review => Severity::Error,
            Action::Warn => Severity::Warning,
            Action::Allow => Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if !self.show_help {
            return None;
        }
        let review = (self.finding.action == Action::Review).then_some(
            "needs review: a human must look at this change before it is committed; it stops the commit until a person listed in the allowed-signers file runs `scopecheck approve`. ",
        );
        Some(Box::new(format!(
            "{}{}",
            review.unwrap_or(""),
            self.finding.help
        )))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let s = self.snippet.as_ref()?;
        let col = (self.finding.column as usize)
            .saturating_sub(1)
            .min(s.text.len());
        let len = self
            .finding
            .evidence
            .as_ref()
            .map_or(s.text.len() - col, |e| e.len().min(s.text.len() - col));
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.finding.rule.clone()),
            col,
            len,
        ))))
    }
}

/// The whole report: each finding, notes, then a one-line verdict.
pub fn report(report: &Report, policy_origin: &str, style: &Style) -> String {
    let h = handler(style);
    let mut out = String::new();
    // Most severe first (the sort is stable, so path order holds within an action): what
    // stops the change is read before the warnings.
    let mut shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.action > Action::Allow)
        .collect();
    shown.sort_by_key(|f| std::cmp::Reverse(f.action));
    let mut helped = std::collections::HashSet::new();
    for f in shown {
        let diagnostic = FindingDiagnostic {
            show_help: helped.insert((f.rule.as_str(), f.action)),
            finding: f,
            snippet: f.snippet.as_ref().map(|text| Snippet {
                path: f.path.clone(),
                text: text.clone(),
                line: f.line as usize,
            }),
        };
        if h.render_report(&mut out, &diagnostic).is_err() {
            out.push_str(&format!("{diagnostic}\n"));
        }
        out.push('\n');
    }
    for a in &report.approved {
        out.push_str(&format!(
            "approved: [{}] {}:{}: {} — by {} ({}) at {}: {}\n",
            a.finding.rule,
            a.finding.path,
            a.finding.line,
            a.finding.message,
            a.approval.approved_by,
            a.approval.key,
            a.approval.approved_at,
            a.approval.reason
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    for unused in &report.unused_suppressions {
        out.push_str(&format!("warning: {unused}\n"));
    }
    if !report.suppressed.is_empty() {
        out.push_str(&format!(
            "note: {} finding(s) suppressed (inline scopecheck:allow or baseline)\n",
            report.suppressed.len()
        ));
    }
    let count = |a: Action| report.findings.iter().filter(|f| f.action == a).count();
    let (block, review, warn) = (
        count(Action::Block),
        count(Action::Review),
        count(Action::Warn),
    );
    let files = report.files_checked;
    let verdict = if report.is_blocked() {
        format!(
            "scopecheck: change stopped — {block} blocking, {review} needing review, {warn} warnings in {files} file(s)"
        )
    } else if warn > 0 {
        format!("scopecheck: passed with {warn} warning(s) in {files} file(s)")
    } else {
        format!("scopecheck: passed — {files} file(s) checked")
    };
    out.push_str(&format!("{verdict} (policy: {policy_origin})\n"));
    out
}
