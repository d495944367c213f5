//! Suppressions: inline `scopecheck:allow <rule-id>` comments and a baseline file of
//! fingerprints. Both must name what they suppress, and both report when they no longer
//! suppress anything.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::Finding;

/// The marker of an inline suppression.
pub const ALLOW_MARKER: &str = "scopecheck:allow";

/// Whether `data` holds an inline `scopecheck:allow` directive anywhere.
pub fn has_allow_directive(data: &[u8]) -> bool {
    memchr::memmem::find(data, ALLOW_MARKER.as_bytes()).is_some()
}

/// The rule ids an inline directive on `line` names (empty when there is none).
///
/// A directive is the marker followed by rule ids separated by spaces or commas, e.g.
/// the marker then `secret/github-pat, secret/jwt -- test fixture` names two rules;
/// parsing stops at the first word that is not a rule id.
pub fn allowed_rules(line: &[u8]) -> Vec<String> {
    let Some(at) = memchr::memmem::find(line, ALLOW_MARKER.as_bytes()) else {
        return Vec::new();
    };
    let rest = String::from_utf8_lossy(&line[at + ALLOW_MARKER.len()..]).into_owned();
    let mut out = Vec::new();
    for word in rest.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() {
            continue;
        }
        if is_rule_id(word) {
            out.push(word.to_owned());
        } else {
            break;
        }
    }
    out
}

/// The rule ids an inline directive on `line` of the file at `path` names, when the
/// directive sits in a comment of that file's syntax: text inside a string value (a
/// baseline's `reason`, a config value, a log message) is data, not a directive, and a
/// format without comments (JSON) has none.
pub fn directive_rules(path: &str, line: &[u8]) -> Vec<String> {
    let Some(at) = memchr::memmem::find(line, ALLOW_MARKER.as_bytes()) else {
        return Vec::new();
    };
    match comment_openers(path) {
        Some(openers) if in_comment(line, at, openers) => allowed_rules(line),
        _ => Vec::new(),
    }
}

/// What opens a comment in the file at `path`, by extension or name; `None` for formats
/// that have no comments. An unknown format gets the common openers.
fn comment_openers(path: &str) -> Option<&'static [&'static str]> {
    const HASH: &[&str] = &["#"];
    const C: &[&str] = &["//", "/*"];
    const C_HASH: &[&str] = &["//", "/*", "#"];
    const DASH: &[&str] = &["--", "/*"];
    const MARKUP: &[&str] = &["<!--"];
    const MARKUP_SCRIPT: &[&str] = &["<!--", "//", "/*"];
    const SEMI: &[&str] = &[";", "#"];
    const LISP: &[&str] = &[";"];
    const PERCENT: &[&str] = &["%"];
    const BATCH: &[&str] = &["rem ", "@rem ", "::"];
    const BASIC: &[&str] = &["'", "rem "];
    const ANY: &[&str] = &["#", "//", "/*", "--", "<!--", ";"];
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let by_name = match name.as_str() {
        "dockerfile" | "containerfile" | "makefile" | "gnumakefile" | "gemfile" | "rakefile"
        | "vagrantfile" | "podfile" | "brewfile" | "procfile" | "codeowners" => Some(HASH),
        "jenkinsfile" => Some(C),
        _ if name.starts_with(".env") || name.starts_with("dockerfile.") => Some(HASH),
        _ => None,
    };
    if by_name.is_some() {
        return by_name;
    }
    Some(match ext {
        "json" | "ipynb" | "har" | "webmanifest" => return None,
        "py" | "pyi" | "pyw" | "rb" | "sh" | "bash" | "zsh" | "fish" | "ksh" | "yaml" | "yml"
        | "toml" | "pl" | "pm" | "r" | "cfg" | "conf" | "env" | "properties" | "tf" | "tfvars"
        | "ps1" | "psm1" | "cmake" | "nix" | "mk" | "gitignore" | "gitattributes"
        | "dockerignore" | "editorconfig" | "cr" | "ex" | "exs" | "jl" | "coffee" | "tcl"
        | "awk" | "nim" | "rpy" | "bzl" | "star" | "gql" | "graphql" => HASH,
        "hcl" | "php" => C_HASH,
        "c" | "h" | "cc" | "cpp" | "cxx" | "hh" | "hpp" | "hxx" | "m" | "mm" | "cs" | "java"
        | "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "go" | "rs" | "swift"
        | "kt" | "kts" | "scala" | "sc" | "dart" | "groovy" | "gradle" | "proto" | "zig"
        | "sol" | "fs" | "fsx" | "css" | "scss" | "sass" | "less" | "jsonc" | "json5" | "cu"
        | "glsl" | "hlsl" | "v" | "sv" | "d" => C,
        "sql" | "lua" | "hs" | "elm" | "ada" | "adb" | "ads" | "purs" => DASH,
        "html" | "htm" | "xml" | "xhtml" | "svg" | "md" | "markdown" | "xsd" | "xsl" | "plist"
        | "csproj" | "vbproj" | "props" | "targets" | "resx" => MARKUP,
        "vue" | "svelte" | "astro" | "mdx" | "jsp" | "aspx" | "cshtml" | "razor" | "erb"
        | "ejs" | "hbs" => MARKUP_SCRIPT,
        "ini" | "reg" | "inf" | "asm" | "s" => SEMI,
        "clj" | "cljs" | "cljc" | "edn" | "lisp" | "el" | "scm" | "rkt" => LISP,
        "tex" | "sty" | "cls" | "erl" | "hrl" | "mat" => PERCENT,
        "bat" | "cmd" => BATCH,
        "vb" | "vbs" | "bas" | "vba" => BASIC,
        _ => ANY,
    })
}

/// Whether byte `at` of `line` is inside a comment: a comment opener comes before it
/// outside any quoted string, or the line continues a `/* … */` block (` * text`).
fn in_comment(line: &[u8], at: usize, openers: &[&str]) -> bool {
    let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    if openers.contains(&"/*") && line[lead..].starts_with(b"*") && !line[lead..].starts_with(b"*/")
    {
        return true;
    }
    let mut i = 0;
    while i < at {
        let rest = &line[i..];
        if openers
            .iter()
            .any(|o| rest.len() >= o.len() && rest[..o.len()].eq_ignore_ascii_case(o.as_bytes()))
        {
            return true;
        }
        let q = line[i];
        if matches!(q, b'"' | b'\'' | b'`') {
            // A quote opens a string only if it closes on the line (an apostrophe in
            // prose or a Rust lifetime does not); the directive inside one is data.
            let mut j = i + 1;
            let mut closed = None;
            while j < line.len() {
                match line[j] {
                    b'\\' => j += 2,
                    c if c == q => {
                        closed = Some(j);
                        break;
                    }
                    _ => j += 1,
                }
            }
            if let Some(end) = closed {
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    false
}

fn is_rule_id(word: &str) -> bool {
    word.split_once('/').is_some_and(|(a, b)| {
        [a, b].iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
    })
}

/// One accepted finding in a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The finding's fingerprint (rule, path and matched content; no commit, no line).
    pub fingerprint: String,
    /// The rule, for people reading the file.
    pub rule: String,
    /// The path, for people reading the file.
    pub path: String,
    /// Why it is accepted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Accepted findings, keyed by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeMap<String, BaselineEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<BaselineEntry>,
}

/// A baseline file that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid baseline file: {0}")]
pub struct BaselineError(String);

impl Baseline {
    /// A baseline accepting exactly `findings`.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        let entries = findings
            .into_iter()
            .map(|f| {
                (
                    f.fingerprint.clone(),
                    BaselineEntry {
                        fingerprint: f.fingerprint.clone(),
                        rule: f.rule.clone(),
                        path: f.path.clone(),
                        reason: String::new(),
                    },
                )
            })
            .collect();
        Baseline { entries }
    }

    /// Parses the JSON file `scopecheck baseline` writes.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| BaselineError(e.to_string()))?;
        if file.version != 1 {
            return Err(BaselineError(format!(
                "version {} is not supported (expected 1)",
                file.version
            )));
        }
        Ok(Baseline {
            entries: file
                .entries
                .into_iter()
                .map(|e| (e.fingerprint.clone(), e))
                .collect(),
        })
    }

    /// The file's JSON text (entries sorted by path, then rule).
    pub fn to_json(&self) -> String {
        let mut entries: Vec<BaselineEntry> = self.entries.values().cloned().collect();
        entries.sort_by(|a, b| {
            (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
        });
        let file = BaselineFile {
            version: 1,
            entries,
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Whether a fingerprint is accepted.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.entries.contains_key(fingerprint)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries whose fingerprint is not in `used`.
    pub fn unused<'a>(
        &'a self,
        used: &'a HashSet<String>,
    ) -> impl Iterator<Item = &'a BaselineEntry> {
        self.entries
            .values()
            .filter(move |e| !used.contains(&e.fingerprint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_must_name_rules() {
        assert_eq!(
            allowed_rules(
                concat!(
                    "x = 1 # scopecheck",
                    ":allow secret/jwt, secret/github-pat -- fixture"
                )
                .as_bytes()
            ),
            vec!["secret/jwt", "secret/github-pat"]
        );
        assert!(allowed_rules(b"# scopecheck:allow").is_empty());
        let pat = "secret/github-pat".to_owned();
        // In a comment of the file's syntax, on its own line or after code.
        for (path, line) in [
            ("a.py", "x = 1  # scopecheck:allow secret/github-pat"),
            (
                "a.rs",
                "const T: &str = \"v\"; // scopecheck:allow secret/github-pat",
            ),
            (
                "a.rs",
                "fn f<'a>(x: &'a str) {} // scopecheck:allow secret/github-pat",
            ),
            ("a.c", " * scopecheck:allow secret/github-pat"),
            ("a.sql", "-- scopecheck:allow secret/github-pat"),
            ("README.md", "x <!-- scopecheck:allow secret/github-pat -->"),
            ("run.BAT", "REM scopecheck:allow secret/github-pat"),
            (".env.local", "# scopecheck:allow secret/github-pat"),
            ("Dockerfile", "# scopecheck:allow secret/github-pat"),
            ("notes.unknown", "; scopecheck:allow secret/github-pat"),
        ] {
            assert_eq!(
                directive_rules(path, line.as_bytes()),
                vec![pat.clone()],
                "{path}: {line}"
            );
        }
        // Inside a string value, after a comment opener of another language, in JSON.
        for (path, line) in [
            ("a.py", "msg = \"# scopecheck:allow secret/github-pat\""),
            ("a.py", "x = 1  // scopecheck:allow secret/github-pat"),
            ("a.rs", "let s = \"// scopecheck:allow secret/github-pat\";"),
            ("a.toml", "reason = 'scopecheck:allow secret/github-pat'"),
            ("a.md", "scopecheck:allow secret/github-pat"),
            (
                ".scopecheck-baseline.json",
                "{\"reason\": \"scopecheck:allow secret/github-pat\"}",
            ),
            ("package.json", "// scopecheck:allow secret/github-pat"),
        ] {
            assert!(
                directive_rules(path, line.as_bytes()).is_empty(),
                "{path}: {line}"
            );
        }
        assert!(allowed_rules(b"# scopecheck:allow all").is_empty());
        assert!(allowed_rules(b"# nothing here").is_empty());
    }

    #[test]
    fn baseline_round_trips_and_rejects_garbage() {
        let f = Finding::for_file(
            "secret/sensitive-file",
            crate::Action::Block,
            ".env",
            String::new(),
            String::new(),
        );
        let b = Baseline::from_findings([&f]);
        let parsed = Baseline::parse(&b.to_json()).expect("parse");
        assert_eq!(parsed, b);
        assert!(parsed.contains(&f.fingerprint));
        assert!(Baseline::parse("{").is_err());
        assert!(Baseline::parse(r#"{"version": 2, "entries": []}"#).is_err());
    }
}
