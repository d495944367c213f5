//! scopecheck never changes user work: across the read-only front ends and odd
//! repositories, the working tree, the index and `git status` are byte-for-byte the same
//! after a run as before it (scopecheck's own records live under `.git/scopecheck`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::TestRepo;

/// Every file of the working tree (not `.git`), the index file, and `git status`.
fn snapshot(repo: &TestRepo) -> (BTreeMap<String, Vec<u8>>, Vec<u8>, String) {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir)
            .expect("read dir")
            .filter_map(Result::ok)
        {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&p).expect("meta");
            let rel = p
                .strip_prefix(root)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            if meta.is_dir() {
                walk(&p, root, out);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).expect("link");
                out.insert(rel, target.to_string_lossy().into_owned().into_bytes());
            } else {
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&repo.root, &repo.root, &mut files);
    // `git status` itself may refresh the index's stat data: not with optional locks off.
    let status = repo.git(&[
        "--no-optional-locks",
        "status",
        "--porcelain=v2",
        "--untracked-files=all",
    ]);
    let index = std::fs::read(repo.root.join(".git/index")).unwrap_or_default();
    (files, index, status)
}

/// Repositories in the states users leave them in, each with staged, unstaged and
/// untracked changes.
fn odd_repositories() -> Vec<(&'static str, TestRepo)> {
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    let dirty = |repo: &TestRepo| {
        repo.stage("src/staged.py", format!("T = \"{token}\"\n"));
        repo.write("src/unstaged.py", "x = 1\n");
        repo.write("untracked.env", "K=v\n");
    };
    let mut out = Vec::new();

    let unborn = TestRepo::new();
    dirty(&unborn);
    out.push(("unborn HEAD", unborn));

    let normal = TestRepo::new();
    normal.stage("src/unstaged.py", "x = 0\n");
    normal.stage("README.md", "r\n");
    normal.commit("base");
    normal.git(&["branch", "base-branch"]);
    normal.stage("src/committed.py", "y = 1\n");
    normal.commit("second");
    dirty(&normal);
    out.push(("normal", normal));

    let detached = TestRepo::new();
    detached.stage("a.txt", "a\n");
    detached.commit("a");
    detached.git(&["branch", "base-branch"]);
    detached.stage("b.txt", "b\n");
    detached.commit("b");
    detached.git(&["checkout", "-q", "--detach", "HEAD"]);
    dirty(&detached);
    out.push(("detached HEAD", detached));

    let merging = TestRepo::new();
    merging.stage("a.txt", "base\n");
    merging.commit("base");
    merging.git(&["branch", "base-branch"]);
    merging.git(&["checkout", "-q", "-b", "other"]);
    merging.stage("a.txt", "theirs\n");
    merging.commit("theirs");
    merging.git(&["checkout", "-q", "main"]);
    merging.stage("a.txt", "ours\n");
    merging.commit("ours");
    let _ = merging.git_output(&["merge", "-q", "other"]);
    out.push(("merge in progress", merging));
    out
}

#[test]
fn no_read_only_command_changes_the_working_tree_or_the_index() {
    for (name, repo) in odd_repositories() {
        let has_base = repo
            .git_output(&["rev-parse", "--verify", "-q", "base-branch"])
            .status
            .success();
        let mut commands: Vec<Vec<&str>> = vec![
            vec!["pre-commit"],
            vec!["pre-commit", "--format", "json"],
            vec!["pre-commit", "src/unstaged.py", "README.md", "a.txt"],
            vec!["scan"],
            vec!["scan", "--history"],
            vec!["doctor"],
            vec!["doctor", "--env"],
            vec!["config"],
            vec!["task", "show"],
            vec!["task", "list"],
            vec!["rules"],
        ];
        if has_base {
            commands.push(vec!["ci", "--base", "base-branch", "--head", "HEAD"]);
            commands.push(vec!["ci", "--base", "base-branch", "--format", "sarif"]);
        }
        let before = snapshot(&repo);
        for args in &commands {
            let run = repo.scopecheck(args);
            assert!(
                run.code == 0 || run.code == 1 || (run.code == 2 && args[0] == "ci"),
                "{name}: {args:?} exited {}: {}",
                run.code,
                run.all()
            );
            let after = snapshot(&repo);
            for (what, same) in [
                ("the working tree", after.0 == before.0),
                ("the index", after.1 == before.1),
                ("git status", after.2 == before.2),
            ] {
                assert!(
                    same,
                    "{name}: `scopecheck {}` changed {what}",
                    args.join(" ")
                );
            }
        }
    }
}
