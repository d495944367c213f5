//! The integration files (pre-commit framework, lefthook, GitHub Action, GitLab CI) are
//! parsed, and the exact command lines they contain are run against real repositories.

mod common;

use std::path::Path;
use std::process::Command;

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
        .env_remove("GIT_INDEX_FILE");
    // The suite may itself run in a CI job: only the variables a case sets count.
    common::clear_ci_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = common::output_with_stdin(&mut cmd, stdin.as_bytes());
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
        .find(|s| s["name"].as_str() == Some("Check the change"))
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

/// The Action downloads a release binary when one exists, else restores a cached build,
/// and uploads its SARIF to code scanning.
#[test]
fn github_action_prefers_a_release_and_uploads_sarif() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        uses.iter().any(|u| u.starts_with("actions/cache@")),
        "{uses:?}"
    );
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    let download = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("release"))
        .and_then(|s| s["run"].as_str())
        .expect("a release download step");
    assert!(download.contains("hooks/install.sh"), "{download}");
    let build = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Build from source"))
        .expect("a build step");
    assert!(
        build["if"].as_str().unwrap_or("").contains("cache-hit"),
        "the build runs only on a cache miss"
    );
}

/// A release as `.github/workflows/release.yml` publishes it, served from a directory:
/// `hooks/install.sh` installs the binary for this platform only when its checksum
/// matches, and says when there is no binary to install (so callers build instead).
#[test]
fn install_script_checks_the_release_checksum() {
    let target = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "aarch64") => "aarch64-unknown-linux-musl",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        other => {
            eprintln!("skipped: no release target for {other:?}");
            return;
        }
    };
    let workflow = yaml(".github/workflows/release.yml");
    let targets: Vec<&str> = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("matrix")
        .iter()
        .filter_map(|t| t["target"].as_str())
        .collect();
    for t in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
        "aarch64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&t), "{t} is not released: {targets:?}");
    }
    let publish = workflow["jobs"]["publish"]["steps"][1]["run"]
        .as_str()
        .expect("publish");
    assert!(publish.contains("SHA256SUMS"), "{publish}");

    let repo = TestRepo::new();
    let release = repo.root.join("release/download/v9.9.9");
    std::fs::create_dir_all(&release).expect("release dir");
    let staging = repo.root.join("staging");
    std::fs::create_dir_all(&staging).expect("staging");
    // A stand-in executable: the installer does not care what it is, and the real
    // binary (debug build) would make the archive large.
    std::fs::write(
        staging.join("scopecheck"),
        "#!/bin/sh\necho scopecheck test-release\n",
    )
    .expect("stand-in");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            staging.join("scopecheck"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
    }
    let asset = format!("scopecheck-{target}.tar.gz");
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(release.join(&asset))
        .arg("-C")
        .arg(&staging)
        .arg("scopecheck")
        .status()
        .expect("tar");
    assert!(tar.success());
    let sum = |path: &Path| {
        let out = Command::new("sh")
            .arg("-c")
            .arg("sha256sum \"$1\" 2>/dev/null || shasum -a 256 \"$1\"")
            .arg("sh")
            .arg(path)
            .output()
            .expect("sha256");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .expect("a sum")
            .to_owned()
    };
    let good = format!(
        "{}  scopecheck-other.tar.gz\n{}  {asset}\n",
        "0".repeat(64),
        sum(&release.join(&asset))
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/install.sh");
    let install = |dest: &Path, version: &str| {
        let out = Command::new("sh")
            .arg(&script)
            .arg(dest)
            .arg(version)
            .env(
                "SCOPECHECK_RELEASES_URL",
                format!("file://{}", repo.root.join("release").display()),
            )
            .output()
            .expect("sh");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    std::fs::write(release.join("SHA256SUMS"), &good).expect("sums");
    let dest = repo.root.join("installed");
    let (code, err) = install(&dest, "v9.9.9");
    assert_eq!(code, 0, "{err}");
    let v = Command::new(dest.join("bin/scopecheck"))
        .arg("--version")
        .output()
        .expect("installed binary runs");
    assert!(String::from_utf8_lossy(&v.stdout).contains("scopecheck test-release"));

    // A version without this platform's binary: exit 3, so the Action builds instead.
    let (code, _) = install(&repo.root.join("none"), "v0.0.0");
    assert_eq!(code, 3);

    // A tampered archive is refused and nothing is installed.
    std::fs::write(
        release.join("SHA256SUMS"),
        good.replace(&sum(&release.join(&asset)), &"f".repeat(64)),
    )
    .expect("sums");
    let tampered = repo.root.join("tampered");
    let (code, err) = install(&tampered, "v9.9.9");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not match"), "{err}");
    assert!(!tampered.join("bin/scopecheck").exists());
}

/// GitLab's first pipeline of a new branch: CI_COMMIT_BEFORE_SHA is all zeros and the
/// clone has only the branch. The template's before_script fetches the default branch,
/// and its script checks what the branch added.
#[test]
fn gitlab_template_on_a_new_branch_pipeline() {
    let tpl = yaml("hooks/gitlab-ci.yml");
    let before: Vec<String> = tpl["scopecheck"]["before_script"]
        .as_sequence()
        .expect("before_script")
        .iter()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    let script = tpl["scopecheck"]["script"][0].as_str().expect("script");

    let (origin, _) = repo_with_pr();
    origin.git(&["branch", "-q", "-m", "feature"]);
    origin.git(&["branch", "-q", "main", "HEAD~1"]);
    let bare = origin.sibling("remote.git");
    origin.git(&[
        "clone",
        "-q",
        "--bare",
        origin.root.to_str().expect("utf8"),
        bare.to_str().expect("utf8"),
    ]);
    let runner = TestRepo::new();
    let checkout = runner.sibling("checkout");
    runner.git(&[
        "clone",
        "-q",
        "--single-branch",
        "--branch",
        "feature",
        &format!("file://{}", bare.display()),
        checkout.to_str().expect("utf8"),
    ]);
    // scopecheck is on the image's PATH, so nothing is downloaded.
    let bin_dir = runner.sibling("bin");
    std::fs::create_dir_all(&bin_dir).expect("bin dir");
    std::os::unix::fs::symlink(BIN, bin_dir.join("scopecheck")).expect("symlink");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut all = before.join("\n");
    all.push('\n');
    all.push_str(script);
    let out = Command::new("sh")
        .arg("-c")
        .arg(&all)
        .current_dir(&checkout)
        .env("PATH", path)
        .env("CI_COMMIT_BEFORE_SHA", "0".repeat(40))
        .env("CI_DEFAULT_BRANCH", "main")
        .env("CI_COMMIT_BRANCH", "feature")
        .env("HOME", runner.root.join("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("sh");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("a new branch"), "{text}");
    let junit =
        std::fs::read_to_string(checkout.join("scopecheck-junit.xml")).expect("JUnit written");
    assert!(junit.contains("config/.env"), "{junit}");
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
    let forced = event(
        "forced",
        serde_json::json!({"before": "1".repeat(40), "after": head, "forced": true, "repository": {"default_branch": "main"}}),
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
        (
            "gitlab schedule",
            vec![
                ("CI_COMMIT_BEFORE_SHA", &zero),
                ("CI_PIPELINE_SOURCE", "schedule"),
                ("CI_DEFAULT_BRANCH", "main"),
                ("CI_COMMIT_BRANCH", "feature"),
            ],
            Some("a `schedule` pipeline"),
        ),
        (
            "github force push",
            vec![
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_EVENT_PATH", &forced),
                ("GITHUB_REF_NAME", "feature"),
            ],
            Some("a new branch"),
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
    // A scheduled pipeline of the default branch has no range: an error, not the whole
    // history judged by the embedded policy.
    let (code, out) = run(
        &repo,
        &format!("{BIN} ci"),
        &[
            ("CI_COMMIT_BEFORE_SHA", &zero),
            ("CI_PIPELINE_SOURCE", "schedule"),
            ("CI_DEFAULT_BRANCH", "main"),
            ("CI_COMMIT_BRANCH", "main"),
        ],
        "",
    );
    assert_eq!(code, 2, "{out}");
    // With nothing to go on it is still an error that says what to pass.
    let (code, out) = run(&repo, &format!("{BIN} ci"), &[], "");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--base"), "{out}");
}
