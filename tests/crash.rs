//! A run killed in the middle of writing leaves every file it was writing as it was: the
//! baseline, the policy `init` writes, a git hook `install` replaces, and the audit log.
//! Debug builds die at a named point when `SCOPECHECK_TEST_CRASH` names it (as `kill -9`
//! would: no destructors, nothing flushed); each case first shows the kill happened
//! mid-write (a partial temporary file is there), then that the previous state is intact,
//! then that the next run succeeds and leaves no temporary file behind.

mod common;

use std::fs;
use std::path::Path;

use common::TestRepo;

const POINTS: &[&str] = &["write:partial", "write:before-rename"];

/// Crash points exist only in debug builds (the binary the tests run is built with the
/// same profile as the tests).
fn crash_points_compiled_in() -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: crash points exist only in debug builds");
    }
    cfg!(debug_assertions)
}

fn temporaries(dir: &Path, name: &str) -> Vec<Vec<u8>> {
    let prefix = format!(".{name}.scopecheck-");
    let mut found: Vec<Vec<u8>> = fs::read_dir(dir)
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| fs::read(e.path()).expect("read temporary"))
        .collect();
    found.sort();
    found
}

/// Runs `args` killed at each crash point, then normally. `path` (in `dir`) must hold
/// `before` (`None`: not exist) after every kill, and after the normal run something
/// else, of which (when the command writes the same bytes every time) each killed run's
/// temporary file was a part.
fn killed_then_whole(
    repo: &TestRepo,
    args: &[&str],
    dir: &Path,
    name: &str,
    before: Option<&[u8]>,
    same_bytes: bool,
) {
    let path = dir.join(name);
    let mut partial = Vec::new();
    for point in POINTS {
        let run = repo.scopecheck_env(args, &[("SCOPECHECK_TEST_CRASH", point)]);
        assert_ne!(
            run.code,
            0,
            "{args:?} at {point} was not killed: {}",
            run.all()
        );
        assert_eq!(
            fs::read(&path).ok().as_deref(),
            before,
            "{args:?} killed at {point}"
        );
        let tmp = temporaries(dir, name);
        assert_eq!(tmp.len(), 1, "{args:?} at {point}: the kill was mid-write");
        partial.extend(tmp);
    }
    let run = repo.scopecheck(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.all());
    let after = fs::read(&path).expect("written");
    assert_ne!(Some(after.as_slice()), before, "{args:?} wrote nothing new");
    assert!(
        partial[0].len() < partial[1].len(),
        "{args:?}: the first kill was half-way"
    );
    for p in partial.iter().filter(|_| same_bytes) {
        assert!(
            after.starts_with(p),
            "{args:?}: a temporary file was not part of the file"
        );
    }
    assert_eq!(
        temporaries(dir, name),
        Vec::<Vec<u8>>::new(),
        "{args:?} left temporaries"
    );
}

#[test]
fn killed_writes_of_baseline_policy_and_hooks_leave_the_previous_files() {
    if !crash_points_compiled_in() {
        return;
    }
    let repo = TestRepo::new();
    let token = format!("ghp_{}", "k3Xb9QzR7mW2tY5uP8sL1nV4cJ6hD0fGa2Ee");
    repo.stage("a.txt", format!("token = \"{token}\"\n"));
    repo.commit("one secret");

    // A policy that did not exist stays absent.
    // (`init` writes a new random fingerprint key each time.)
    killed_then_whole(&repo, &["init"], &repo.root, "scopecheck.toml", None, false);

    // A baseline is the previous one until the new one is whole.
    repo.scopecheck(&["baseline"]);
    let name = ".scopecheck-baseline.json";
    let before = fs::read(repo.root.join(name)).expect("first baseline");
    let other = format!("glpat-{}", "Zx8Wq2Lm5Rt9Yv3Kb7Nc");
    repo.stage("b.txt", format!("gitlab = \"{other}\"\n"));
    repo.commit("another secret");
    killed_then_whole(&repo, &["baseline"], &repo.root, name, Some(&before), true);

    // A hook of the user's keeps running until scopecheck's replaces it in one step.
    let hooks = repo.root.join(".git/hooks");
    fs::create_dir_all(&hooks).expect("hooks dir");
    let user_hook = b"#!/bin/sh\necho the user's own hook\n".to_vec();
    fs::write(hooks.join("pre-commit"), &user_hook).expect("user hook");
    killed_then_whole(
        &repo,
        &["install"],
        &hooks,
        "pre-commit",
        Some(&user_hook),
        true,
    );
    assert_eq!(
        fs::read(hooks.join("pre-commit.scopecheck-chained")).expect("kept"),
        user_hook,
        "the user's hook is kept to run first"
    );
}

#[test]
fn a_run_killed_between_audit_line_and_head_record_loses_nothing() {
    if !crash_points_compiled_in() {
        return;
    }
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.stage("a.txt", "one\n");
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    let run = repo.scopecheck_env(
        &["pre-commit"],
        &[("SCOPECHECK_TEST_CRASH", "audit:after-line")],
    );
    assert_ne!(run.code, 0, "not killed: {}", run.all());
    let log = repo.root.join(".git/scopecheck/audit.jsonl");
    let lines = |p: &Path| fs::read_to_string(p).expect("log").lines().count();
    assert_eq!(lines(&log), 2, "the killed run's decision is in the log");
    let verify = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(
        verify.code,
        0,
        "a head record one line behind verifies: {}",
        verify.all()
    );
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    assert_eq!(lines(&log), 3);
    let verify = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.all());
}
