//! Work orders: the task an agent (or a person) was given — a goal, the paths in scope,
//! paths explicitly out of scope, allowed commands, stop conditions, and size limits.
//! A change outside the work order is a finding (`scope/out-of-scope-path`).

use globset::{GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{ConfigError, ConfigProblem};
use crate::glob::path_glob;

/// Where a work order lives unless `--task` / `SCOPECHECK_TASK` names another file.
pub const DEFAULT_TASK_FILE: &str = ".scopecheck/task.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTask {
    goal: Option<String>,
    #[serde(default)]
    scope: Vec<Spanned<String>>,
    #[serde(default)]
    out_of_scope: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_commands: Vec<String>,
    #[serde(default)]
    deny_commands: Vec<String>,
    #[serde(default)]
    stop_if: Vec<String>,
    #[serde(default)]
    stop_conditions: Vec<String>,
    max_files: Option<Spanned<i64>>,
    max_lines: Option<Spanned<i64>>,
    issued: Option<RawIssued>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIssued {
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct TaskFile<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    goal: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    scope: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    out_of_scope: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    allowed_commands: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    deny_commands: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_if: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_conditions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_lines: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<RawIssued>,
}

/// The `kind` of a work-order statement.
pub const WORK_ORDER_KIND: &str = "scopecheck/work-order";

/// Whether the work order in force was issued by a person, as far as the front end could
/// establish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Trust {
    /// Nobody checked (library use, scans).
    Unchecked,
    /// Signed by a key in the allowed-signers file.
    Signed {
        /// The signer's principals.
        by: String,
        /// The key fingerprint.
        key: String,
    },
    /// Unsigned, but its hash was recorded in the git directory by `scopecheck task
    /// start` run by a person. This raises the bar; a signature closes it.
    Recorded,
    /// Changed after it was issued, or never issued by a person: why.
    Untrusted {
        /// Why.
        reason: String,
        /// It carries a signature that does not verify: evidence of an edit after
        /// signing (or of a signer nobody listed), not just a missing signature.
        broken_signature: bool,
    },
}

impl Trust {
    /// Whether this work order may be treated as a person's.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Trust::Signed { .. } | Trust::Recorded)
    }
}

/// A validated work order.
#[derive(Debug, Clone)]
pub struct WorkOrder {
    /// The file it came from (as shown to the user).
    pub file: String,
    /// What the task is for.
    pub goal: String,
    /// Globs of the paths the task may change (empty: everything not out of scope).
    pub scope: Vec<String>,
    /// Globs of the paths the task must not change.
    pub out_of_scope: Vec<String>,
    /// Commands the task may run (globs; `guard` asks before anything else).
    pub allowed_commands: Vec<String>,
    /// Commands the task must not run (globs; `guard` denies them).
    pub deny_commands: Vec<String>,
    /// Commands that need a person's decision first (globs; `guard` asks).
    pub stop_if: Vec<String>,
    /// When to stop and hand back to a person.
    pub stop_conditions: Vec<String>,
    /// Most files one change may touch.
    pub max_files: Option<u64>,
    /// Most lines (added plus removed) one change may touch.
    pub max_lines: Option<u64>,
    /// When it was issued (RFC 3339), as signed.
    pub issued_at: Option<String>,
    /// Who issued it (their git identity), as signed.
    pub issued_by: Option<String>,
    /// The armored SSH signature over [`WorkOrder::statement`], when signed.
    pub signature: Option<String>,
    /// Set by the front end once it checked the signature or the local record.
    pub trust: Trust,
    scope_set: GlobSet,
    out_set: GlobSet,
}

impl WorkOrder {
    /// Parses a work order file; every problem is reported with its line and key.
    pub fn parse(file: &str, text: &str) -> Result<WorkOrder, ConfigError> {
        let raw: RawTask = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            ConfigError::new(
                file,
                text,
                vec![ConfigProblem::new(text, span, e.message().to_owned(), None)],
            )
        })?;
        let mut problems = Vec::new();
        let mut globs = |list: &[Spanned<String>], key: &str| -> (Vec<String>, GlobSet) {
            let mut b = GlobSetBuilder::new();
            let mut kept = Vec::new();
            for g in list {
                match path_glob(g.get_ref()) {
                    Ok(glob) => {
                        b.add(glob);
                        kept.push(g.get_ref().clone());
                    }
                    Err(e) => problems.push(ConfigProblem::new(
                        text,
                        g.span(),
                        format!("`{key}`: invalid glob `{}`: {}", g.get_ref(), e.kind()),
                        None,
                    )),
                }
            }
            (kept, b.build().unwrap_or_else(|_| GlobSet::empty()))
        };
        let (scope, scope_set) = globs(&raw.scope, "scope");
        let (out_of_scope, out_set) = globs(&raw.out_of_scope, "out-of-scope");
        let mut limit = |v: &Option<Spanned<i64>>, key: &str| -> Option<u64> {
            let v = v.as_ref()?;
            match u64::try_from(*v.get_ref()) {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    problems.push(ConfigProblem::new(
                        text,
                        v.span(),
                        format!("`{key}` must be a positive number"),
                        None,
                    ));
                    None
                }
            }
        };
        let max_files = limit(&raw.max_files, "max-files");
        let max_lines = limit(&raw.max_lines, "max-lines");
        if !problems.is_empty() {
            return Err(ConfigError::new(file, text, problems));
        }
        Ok(WorkOrder {
            file: file.to_owned(),
            goal: raw.goal.unwrap_or_default(),
            scope,
            out_of_scope,
            allowed_commands: raw.allowed_commands,
            deny_commands: raw.deny_commands,
            stop_if: raw.stop_if,
            stop_conditions: raw.stop_conditions,
            max_files,
            max_lines,
            issued_at: raw.issued.as_ref().and_then(|i| i.at.clone()),
            issued_by: raw.issued.as_ref().and_then(|i| i.by.clone()),
            signature: raw.issued.and_then(|i| i.signature),
            trust: Trust::Unchecked,
            scope_set,
            out_set,
        })
    }

    /// The exact bytes a person signs: the work order's canonical JSON, every field
    /// that changes what the agent may do included (so widening `scope` breaks it).
    pub fn statement(&self) -> Vec<u8> {
        let value = serde_json::json!({
            "kind": WORK_ORDER_KIND,
            "version": 1,
            "goal": self.goal,
            "scope": self.scope,
            "out-of-scope": self.out_of_scope,
            "allowed-commands": self.allowed_commands,
            "deny-commands": self.deny_commands,
            "stop-if": self.stop_if,
            "stop-conditions": self.stop_conditions,
            "max-files": self.max_files,
            "max-lines": self.max_lines,
            "issued-at": self.issued_at,
            "issued-by": self.issued_by,
        });
        crate::statement::canonical_json(&value).into_bytes()
    }

    /// The work order as a TOML file (what `scopecheck task start` writes).
    pub fn to_toml(&self) -> String {
        let file = TaskFile {
            goal: &self.goal,
            scope: &self.scope,
            out_of_scope: &self.out_of_scope,
            allowed_commands: &self.allowed_commands,
            deny_commands: &self.deny_commands,
            stop_if: &self.stop_if,
            stop_conditions: &self.stop_conditions,
            max_files: self.max_files,
            max_lines: self.max_lines,
            issued: (self.issued_at.is_some()
                || self.issued_by.is_some()
                || self.signature.is_some())
            .then(|| RawIssued {
                at: self.issued_at.clone(),
                by: self.issued_by.clone(),
                signature: self.signature.clone(),
            }),
        };
        format!(
            "# Work order written by `scopecheck task start`; `scopecheck task show` prints it,\n# `scopecheck task end` removes it. Changes outside `scope` are stopped.\n# Editing it by hand breaks its signature (or its recorded hash): re-issue it instead.\n{}",
            toml::to_string(&file).unwrap_or_default()
        )
    }

    /// Why `path` is outside this work order, or `None` when it is inside.
    pub fn outside(&self, path: &str) -> Option<String> {
        if let Some(i) = self.out_set.matches(path).first() {
            return Some(format!(
                "matches the out-of-scope glob `{}`",
                self.out_of_scope[*i]
            ));
        }
        if !self.scope.is_empty() && !self.scope_set.is_match(path) {
            return Some(format!(
                "matches none of the scope globs ({})",
                self.scope
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        None
    }

    /// The work order as instructions a person or an agent can read.
    pub fn instructions(&self) -> String {
        let mut s = String::new();
        let list = |s: &mut String, title: &str, items: &[String]| {
            if !items.is_empty() {
                s.push_str(title);
                s.push('\n');
                for i in items {
                    s.push_str(&format!("  - {i}\n"));
                }
            }
        };
        s.push_str(&format!("Work order ({})\n", self.file));
        if !self.goal.is_empty() {
            s.push_str(&format!("Goal: {}\n", self.goal));
        }
        if self.scope.is_empty() {
            s.push_str("You may change any path not listed as out of scope.\n");
        } else {
            list(&mut s, "You may change only these paths:", &self.scope);
        }
        list(&mut s, "You must not change:", &self.out_of_scope);
        list(&mut s, "Commands you may run:", &self.allowed_commands);
        list(&mut s, "Commands you must not run:", &self.deny_commands);
        list(&mut s, "Ask a person before running:", &self.stop_if);
        list(&mut s, "Stop and ask a person when:", &self.stop_conditions);
        if let Some(n) = self.max_files {
            s.push_str(&format!("At most {n} files per commit.\n"));
        }
        if let Some(n) = self.max_lines {
            s.push_str(&format!("At most {n} changed lines per commit.\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_and_out_of_scope_name_the_deciding_glob() {
        let w = WorkOrder::parse(
            "task.toml",
            "goal = \"paginate orders\"\nscope = [\"src/orders/**\", \"tests/**\"]\nout-of-scope = [\"src/orders/migrations/**\"]\nmax-files = 5\n",
        )
        .expect("valid");
        assert_eq!(w.outside("src/orders/api.rs"), None);
        assert!(w
            .outside("src/orders/migrations/0002.py")
            .expect("out")
            .contains("src/orders/migrations/**"));
        assert!(w
            .outside("src/billing/x.rs")
            .expect("out")
            .contains("`src/orders/**`"));
        let again = WorkOrder::parse("t", &w.to_toml()).expect("round trip");
        assert_eq!(again.scope, w.scope);
        assert_eq!(again.max_files, Some(5));
        assert!(w.instructions().contains("You must not change:"));
    }

    #[test]
    fn bad_work_orders_are_located_errors() {
        let e = WorkOrder::parse("t", "scope = [\"a/[\"]\nmax-files = 0\n").expect_err("bad");
        assert_eq!(e.problems.len(), 2);
        let e = WorkOrder::parse("t", "scopes = []\n").expect_err("bad");
        assert!(e.problems[0].message.contains("scopes"));
    }
}
