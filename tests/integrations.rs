//! The integration files (pre-commit framework, lefthook, GitHub Action, GitLab CI) are
//! parsed, and the exact command lines they contain are run against real repositories.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{TestRepo, BIN};

fn yaml(rel: &str) -> serde_yaml_ng::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_yaml_ng::from_str(&std::fs::read_to_string(&path).expect("read")).expect("valid YAML")
}

/// Splits a command line the way sh would for these simple lines (double quotes only).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Runs `line` (whose first word is the scopecheck binary) in `repo`.
fn run(repo: &TestRepo, line: &str, env: &[(&str, &str)], stdin: &str) -> (i32, String) {
    let w = words(line);
    assert!(w[0].ends_with("scopecheck"), "{line}");
    let mut cmd = Command::new(BIN);
    cmd.args(&w[1..])
        .current_dir(&repo.root)
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // The suite may itself run in a CI job: only the variables a case sets count.
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_")
            || k.starts_with("CI_")
            || k.starts_with("PRE_COMMIT_")
            || k.starts_with("SCOPECHECK_")
        {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn repo_with_pr() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.stage("config/.env", "TOKEN=x\n");
    repo.commit("add env (hooks bypassed)");
    (repo, base)
}

#[test]
fn pre_commit_framework_hooks() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    for h in hooks {
        // Commit-time hooks take the file names (for --all-files) in one serial run;
        // push-time hooks read the pushed range, not names.
        let commit_time = h["stages"][0].as_str() == Some("pre-commit");
        assert_eq!(h["pass_filenames"].as_bool(), Some(commit_time), "{h:?}");
        if commit_time {
            assert_eq!(h["require_serial"].as_bool(), Some(true), "{h:?}");
        }
    }
    for (rust, system) in [
        ("scopecheck", "scopecheck-system"),
        ("scopecheck-pre-push", "scopecheck-pre-push-system"),
    ] {
        let by_id = |id: &str| {
            hooks
                .iter()
                .find(|h| h["id"].as_str() == Some(id))
                .expect("hook")
                .clone()
        };
        let (r, s) = (by_id(rust), by_id(system));
        assert_eq!(s["language"].as_str(), Some("system"));
        assert_eq!(r["entry"], s["entry"]);
    }
    let entry = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"].as_str() == Some(id))
            .and_then(|h| h["entry"].as_str())
            .expect("hook")
            .to_owned()
    };
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    assert_eq!(run(&repo, &entry("scopecheck"), &[], "").0, 0);
    repo.stage(".env", "K=v\n");
    assert_eq!(run(&repo, &entry("scopecheck"), &[], "").0, 1);
    // As a commit passes them: the staged files' names change nothing.
    assert_eq!(
        run(
            &repo,
            &format!("{} a.txt .env", entry("scopecheck")),
            &[],
            ""
        )
        .0,
        1
    );

    // `pre-commit run --all-files`: nothing is staged, every tracked file is named, and
    // a token committed earlier (without the hook) is found.
    let repo = TestRepo::new();
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    repo.stage("src/deploy.sh", format!("export GITHUB_TOKEN={token}\n"));
    repo.stage("README.md", "hello\n");
    repo.commit("hooks bypassed");
    assert_eq!(run(&repo, &entry("scopecheck"), &[], "").0, 0);
    let (code, out) = run(
        &repo,
        &format!("{} README.md src/deploy.sh", entry("scopecheck")),
        &[],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("src/deploy.sh") && out.contains("secret/github-pat"),
        "{out}"
    );
    assert!(!out.contains(&token), "{out}");
    // An untracked file named on the command line is not read.
    std::fs::write(repo.root.join("loose.sh"), format!("T={token}\n")).expect("write");
    let (code, out) = run(&repo, &format!("{} loose.sh", entry("scopecheck")), &[], "");
    assert_eq!(code, 0, "{out}");

    let (repo, base) = repo_with_pr();
    let (code, out) = run(
        &repo,
        &entry("scopecheck-pre-push"),
        &[
            ("PRE_COMMIT_FROM_REF", &base),
            ("PRE_COMMIT_TO_REF", "HEAD"),
        ],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("config/.env"), "{out}");
}

#[test]
fn lefthook_example() {
    let cfg = yaml("hooks/lefthook.yml");
    let pre_commit = cfg["pre-commit"]["commands"]["scopecheck"]["run"]
        .as_str()
        .expect("run");
    let repo = TestRepo::new();
    repo.stage(".env", "K=v\n");
    assert_eq!(run(&repo, pre_commit, &[], "").0, 1);

    let pre_push = cfg["pre-push"]["commands"]["scopecheck"]["run"]
        .as_str()
        .expect("run");
    let (repo, base) = repo_with_pr();
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let line = pre_push
        .replace("{1}", "origin")
        .replace("{2}", "file:///remote.git");
    let stdin = format!("refs/heads/main {head} refs/heads/main {base}\n");
    let (code, out) = run(&repo, &line, &[], &stdin);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("secret/sensitive-file"), "{out}");
}

#[test]
fn github_action_command_line() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let check = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Check the pull request"))
        .and_then(|s| s["run"].as_str())
        .expect("check step");
    let line = check
        .trim()
        .replace("${{ runner.temp }}/scopecheck/bin/scopecheck", BIN)
        .replace("${{ inputs.fail-on }}", "review");
    let (repo, base) = repo_with_pr();
    let (code, out) = run(&repo, &line, &[("SCOPECHECK_BASE", &base)], "");
    assert_eq!(code, 1, "{out}");
    let sarif = std::fs::read_to_string(repo.root.join("scopecheck.sarif")).expect("SARIF written");
    assert!(sarif.contains("secret/sensitive-file"));
}

#[test]
fn gitlab_template_command_line() {
    let tpl = yaml("hooks/gitlab-ci.yml");
    let script = tpl["scopecheck"]["script"][0].as_str().expect("script");
    let (repo, base) = repo_with_pr();
    let (code, out) = run(&repo, script, &[("CI_COMMIT_BEFORE_SHA", &base)], "");
    assert_eq!(code, 1, "{out}");
    let junit =
        std::fs::read_to_string(repo.root.join("scopecheck-junit.xml")).expect("JUnit written");
    assert!(junit.contains("<failure"), "{junit}");
}

/// `ci` with no `--base`, in the environment of each CI event: GitHub pull requests,
/// pushes (existing and new branches, a repository's first push), manual runs and merge
/// queues; GitLab merge requests, pushes and new-branch pipelines. Each finds the `.env`
/// the branch added, and says what it compared with when it had to choose.
#[test]
fn ci_finds_its_base_in_every_ci_event() {
    let (repo, base) = repo_with_pr();
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["update-ref", "refs/remotes/origin/main", &base]);
    let zero = "0".repeat(40);
    let event = |name: &str, payload: serde_json::Value| {
        let path = repo.root.join(format!("{name}.json"));
        std::fs::write(&path, payload.to_string()).expect("payload");
        path.to_string_lossy().into_owned()
    };
    let push = event(
        "push",
        serde_json::json!({"before": base, "after": head, "repository": {"default_branch": "main"}}),
    );
    let created = event(
        "created",
        serde_json::json!({"before": zero, "after": head, "created": true, "repository": {"default_branch": "main"}}),
    );
    let dispatch = event(
        "dispatch",
        serde_json::json!({"repository": {"default_branch": "main"}}),
    );
    let queue = event(
        "queue",
        serde_json::json!({"merge_group": {"base_sha": base, "head_sha": head}}),
    );
    // (event, its environment, what the report says about the base it chose)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "github pull_request",
            vec![
                ("GITHUB_EVENT_NAME", "pull_request"),
                ("GITHUB_BASE_REF", "main"),
            ],
            None,
        ),
        (
            "github push",
            vec![
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_EVENT_PATH", &push),
                ("GITHUB_BASE_REF", ""),
            ],
            Some("previous tip"),
        ),
        (
            "github new branch",
            vec![
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_EVENT_PATH", &created),
                ("GITHUB_REF_NAME", "feature"),
            ],
            Some("a new branch"),
        ),
        (
            "github first push",
            vec![
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_EVENT_PATH", &created),
                ("GITHUB_REF_NAME", "main"),
            ],
            Some("every commit is checked"),
        ),
        (
            "github workflow_dispatch",
            vec![
                ("GITHUB_EVENT_NAME", "workflow_dispatch"),
                ("GITHUB_EVENT_PATH", &dispatch),
            ],
            Some("workflow_dispatch"),
        ),
        (
            "github merge_group",
            vec![
                ("GITHUB_EVENT_NAME", "merge_group"),
                ("GITHUB_EVENT_PATH", &queue),
            ],
            Some("merge queue"),
        ),
        (
            "gitlab merge request",
            vec![("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)],
            None,
        ),
        ("gitlab push", vec![("CI_COMMIT_BEFORE_SHA", &base)], None),
        (
            "gitlab new branch",
            vec![
                ("CI_COMMIT_BEFORE_SHA", &zero),
                ("CI_DEFAULT_BRANCH", "main"),
                ("CI_COMMIT_BRANCH", "feature"),
            ],
            Some("a new branch"),
        ),
        (
            "gitlab first pipeline",
            vec![
                ("CI_COMMIT_BEFORE_SHA", &zero),
                ("CI_DEFAULT_BRANCH", "main"),
                ("CI_COMMIT_BRANCH", "main"),
            ],
            Some("every commit is checked"),
        ),
    ];
    for (name, env, says) in cases {
        let (code, out) = run(&repo, &format!("{BIN} ci"), &env, "");
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("config/.env"), "{name}: {out}");
        if let Some(says) = says {
            assert!(out.contains(says), "{name} does not say why: {out}");
        }
    }
    // With nothing to go on it is still an error that says what to pass.
    let (code, out) = run(&repo, &format!("{BIN} ci"), &[], "");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--base"), "{out}");
}
