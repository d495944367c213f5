//! The real hook managers, where they are installed (`.ci/run` installs husky and
//! pre-commit when npm and pip are available): husky 9 rewriting its shims, and the
//! pre-commit framework running `.pre-commit-hooks.yaml`'s system hook, including
//! `pre-commit run --all-files`. A manager that is absent is skipped with a message.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TestRepo, BIN};

/// `name` on PATH, or a message saying the test is skipped.
fn installed(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!("skipped: {name} is not installed (on PATH); see .ci/run");
    }
    found
}

/// A directory holding only a `scopecheck` link to the binary under test, for PATH.
fn bin_dir(repo: &TestRepo) -> PathBuf {
    let dir = repo.sibling("bin");
    std::fs::create_dir_all(&dir).expect("bin dir");
    let link = dir.join("scopecheck");
    if !link.exists() {
        std::os::unix::fs::symlink(BIN, &link).expect("symlink");
    }
    dir
}

fn run(repo: &TestRepo, program: &Path, args: &[&str], extra_path: &Path) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(&repo.root);
    common::isolate(&mut cmd, repo.home());
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![extra_path.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).expect("PATH"));
    cmd.output().expect("run")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn husky_9_keeps_scopecheck_across_its_own_reinstall() {
    let Some(husky) = installed("husky") else {
        return;
    };
    let repo = TestRepo::new();
    let bins = bin_dir(&repo);
    let git = PathBuf::from("git");
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    let out = run(&repo, &husky, &[], &bins);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(repo.git(&["config", "core.hooksPath"]).trim(), ".husky/_");
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    // What `npm install` runs (the `prepare` script): husky writes its shims again.
    let out = run(&repo, &husky, &[], &bins);
    assert!(out.status.success(), "{}", text(&out));

    repo.stage(
        ".env",
        "DATABASE_URL=postgres://app:s3cr3t-passw0rd@db.internal/app\n",
    );
    let out = run(&repo, &git, &["commit", "-qm", "env"], &bins);
    assert!(
        !out.status.success(),
        "husky let the .env through: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("secret/sensitive-file"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("s3cr3t-passw0rd"));
    let doctor = repo.scopecheck_env(&["doctor"], &[]);
    assert!(doctor.stdout.contains("husky"), "{}", doctor.stdout);
}

#[test]
fn pre_commit_framework_runs_the_system_hook_and_all_files() {
    let Some(pre_commit) = installed("pre-commit") else {
        return;
    };
    let manifest: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.pre-commit-hooks.yaml"
        ))
        .expect("manifest"),
    )
    .expect("YAML");
    let hook = manifest
        .as_sequence()
        .and_then(|hooks| hooks.iter().find(|h| h["id"] == "scopecheck-system"))
        .expect("the system hook")
        .clone();
    let repo = TestRepo::new();
    let bins = bin_dir(&repo);
    let git = PathBuf::from("git");
    // The manifest's own hook definition, used as a local hook (no network needed).
    let mut local = hook.clone();
    if let Some(map) = local.as_mapping_mut() {
        map.remove("stages");
    }
    let config = serde_yaml_ng::to_string(&serde_yaml_ng::Value::Mapping(
        [(
            "repos".into(),
            serde_yaml_ng::Value::Sequence(vec![serde_yaml_ng::Value::Mapping(
                [
                    ("repo".into(), "local".into()),
                    ("hooks".into(), serde_yaml_ng::Value::Sequence(vec![local])),
                ]
                .into_iter()
                .collect(),
            )]),
        )]
        .into_iter()
        .collect(),
    ))
    .expect("config");
    repo.stage(".pre-commit-config.yaml", config);
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    repo.stage("deploy.sh", format!("export GITHUB_TOKEN={token}\n"));
    repo.commit("hooks bypassed");
    let out = run(&repo, &pre_commit, &["install"], &bins);
    assert!(out.status.success(), "{}", text(&out));

    // What pre-commit.ci and CI jobs run: the committed token is found.
    let out = run(&repo, &pre_commit, &["run", "--all-files"], &bins);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("secret/github-pat"), "{}", text(&out));
    assert!(!text(&out).contains(&token));

    // And a commit through the installed hook is judged.
    repo.git(&["rm", "-q", "deploy.sh"]);
    repo.commit("remove");
    repo.stage(".env", "K=v\n");
    let out = run(&repo, &git, &["commit", "-qm", "env"], &bins);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("secret/sensitive-file"),
        "{}",
        text(&out)
    );
    repo.git(&["rm", "-q", "--cached", ".env"]);
    repo.stage("b.txt", "b\n");
    let out = run(&repo, &git, &["commit", "-qm", "clean"], &bins);
    assert!(out.status.success(), "{}", text(&out));
}
