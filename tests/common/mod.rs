//! Helpers shared by the end-to-end tests: real git repositories in temporary
//! directories, and the real `scopecheck` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_scopecheck");

/// A git repository in a temporary directory, isolated from the user's git config.
pub struct TestRepo {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    home: PathBuf,
}

/// Environment variables git sets for hooks; a test run from inside a hook must not
/// inherit them, or every command would act on the outer repository.
const GIT_HOOK_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
];

pub fn isolate(cmd: &mut Command, home: &Path) {
    for v in GIT_HOOK_VARS {
        cmd.env_remove(v);
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("NO_COLOR", "1")
        .env_remove("SCOPECHECK_BIN")
        .env_remove("SCOPECHECK_TASK");
    // Tests may run inside an agent's shell: they decide the actor themselves.
    for v in [
        "SCOPECHECK_ACTOR",
        "CLAUDECODE",
        "CLAUDE_CODE_ENTRYPOINT",
        "CURSOR_AGENT",
        "CODEX_SANDBOX",
        "CODEX_SANDBOX_NETWORK_DISABLED",
        "GEMINI_CLI",
        "COPILOT_AGENT_SESSION_ID",
        "GITHUB_COPILOT_AGENT",
    ] {
        cmd.env_remove(v);
    }
    // Nor do the variables of a CI job the suite may run in: `ci` takes its base from them.
    clear_ci_env(cmd);
}

/// Runs `cmd` with `input` on its standard input, capturing its output.
pub fn output_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write standard input");
    child.wait_with_output().expect("wait")
}

/// Removes the CI variables `ci` reads its base from (GitHub, GitLab, pre-commit,
/// scopecheck's own).
pub fn clear_ci_env(cmd: &mut Command) {
    for (k, _) in std::env::vars() {
        if ["GITHUB_", "CI_", "PRE_COMMIT_", "SCOPECHECK_"]
            .iter()
            .any(|p| k.starts_with(p))
        {
            cmd.env_remove(k);
        }
    }
}

impl TestRepo {
    /// `git init` in a fresh temporary directory (branch `main`).
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&root).expect("repo dir");
        let repo = TestRepo {
            _tmp: tmp,
            root,
            home,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// The isolated HOME of this repository's commands.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A second directory inside the same temporary directory.
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.root.parent().expect("parent").join(name)
    }

    /// Runs git in `dir`; panics with its output when it fails.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_output_in(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.root, args)
    }

    /// Runs git and returns its output whatever the status.
    pub fn git_output_in(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(dir);
        isolate(&mut cmd, &self.home);
        cmd.output().expect("run git")
    }

    /// A `git` command in the repository, isolated like the others, for a test to add
    /// its own environment to.
    pub fn git_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&self.root);
        isolate(&mut cmd, &self.home);
        cmd
    }

    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_output_in(&self.root, args)
    }

    /// Writes a file (creating directories).
    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let p = self.root.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, contents).expect("write");
    }

    /// Writes and stages a file.
    pub fn stage(&self, path: &str, contents: impl AsRef<[u8]>) {
        self.write(path, contents);
        self.git(&["add", "--", path]);
    }

    /// Commits whatever is staged, bypassing hooks.
    pub fn commit(&self, message: &str) {
        self.git(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
    }

    /// Runs scopecheck in `dir`.
    pub fn scopecheck_in(&self, dir: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(dir);
        isolate(&mut cmd, &self.home);
        Run::from(cmd.output().expect("run scopecheck"))
    }

    pub fn scopecheck(&self, args: &[&str]) -> Run {
        self.scopecheck_in(&self.root, args)
    }

    /// Runs scopecheck at the top of the repository with extra environment variables.
    pub fn scopecheck_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(&self.root);
        isolate(&mut cmd, &self.home);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run scopecheck"))
    }

    /// `scopecheck pre-commit --format json`, parsed.
    pub fn precommit_json(&self) -> (i32, serde_json::Value) {
        self.precommit_json_env(&[])
    }

    /// `scopecheck pre-commit --format json` with extra environment variables, parsed.
    pub fn precommit_json_env(&self, env: &[(&str, &str)]) -> (i32, serde_json::Value) {
        let run = self.scopecheck_env(&["pre-commit", "--format", "json"], env);
        let v = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
        (run.code, v)
    }
}

/// What a scopecheck run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// The (rule, action, path) of every finding in a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_owned(),
                f["action"].as_str().expect("action").to_owned(),
                f["path"].as_str().expect("path").to_owned(),
            )
        })
        .collect()
}

pub fn sensitive(path: &str) -> (String, String, String) {
    (
        "secret/sensitive-file".to_owned(),
        "block".to_owned(),
        path.to_owned(),
    )
}
