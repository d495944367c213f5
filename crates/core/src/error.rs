//! Errors in the files a person writes for scopecheck (the policy, work orders): every
//! problem with its file, line, column and key, rendered by miette with the offending
//! source line. Below every reader of such files, so none of them depends on another.

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, NamedSource, SourceSpan};

/// One problem in a configuration file.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{message} (line {line}, column {column})")]
#[diagnostic(code(scopecheck::config))]
pub struct ConfigProblem {
    /// What is wrong, naming the key.
    pub message: String,
    /// 1-based line of the offending text.
    pub line: usize,
    /// 1-based column (in characters) of the offending text.
    pub column: usize,
    #[label("here")]
    span: SourceSpan,
    #[help]
    help: Option<String>,
}

impl ConfigProblem {
    pub(crate) fn new(
        text: &str,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) -> Self {
        let start = span.start.min(text.len());
        let before = &text[..floor_char_boundary(text, start)];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigProblem {
            message,
            line,
            column,
            span: SourceSpan::from(start..span.end.max(start).min(text.len())),
            help,
        }
    }

    /// The byte range of the offending text.
    pub fn span(&self) -> Range<usize> {
        self.span.offset()..self.span.offset() + self.span.len()
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A configuration file that cannot be used. Carries every problem found, not just the first.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[diagnostic(
    code(scopecheck::config::invalid),
    help("fix the file, or run `scopecheck config` to see the effective policy")
)]
pub struct ConfigError {
    /// The file's name as shown to the user.
    pub file: String,
    /// Every problem found.
    #[related]
    pub problems: Vec<ConfigProblem>,
    #[source_code]
    source_code: NamedSource<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: invalid configuration ({n} problem{})",
            self.file,
            if n == 1 { "" } else { "s" }
        )
    }
}

impl ConfigError {
    /// One line per problem, `file:line:column: message`, for logs and plain-text callers.
    pub fn summary(&self) -> String {
        self.problems
            .iter()
            .map(|p| format!("{}:{}:{}: {}", self.file, p.line, p.column, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub(crate) fn new(file: &str, text: &str, problems: Vec<ConfigProblem>) -> Self {
        ConfigError {
            file: file.to_owned(),
            problems,
            source_code: NamedSource::new(file, text.to_owned()).with_language("toml"),
        }
    }
}
