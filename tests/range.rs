//! Range mode (`ci`, `pre-push`) judges each commit by what it adds itself: merges by
//! the lines no parent has, cherry-picks and reverts like any other commit, a change
//! repeated in the range once.

mod common;

use common::TestRepo;

fn token(tail: &str) -> String {
    format!("ghp_Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj{tail}")
}

fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

/// (rule, path, commit) of each secret finding, sorted.
fn secrets(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("secret/")))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["commit"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn ci(repo: &TestRepo, base: &str) -> serde_json::Value {
    let run = repo.scopecheck(&["ci", "--base", base, "--head", "HEAD", "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.all());
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()))
}

#[test]
fn merges_cherry_picks_and_reverts_are_judged_by_what_each_commit_adds() {
    let repo = TestRepo::new();
    let shared: String = (0..60).map(|i| format!("line {i}\n")).collect();
    repo.stage("shared.txt", &shared);
    repo.stage(
        "old.env.sh",
        format!("export GITHUB_TOKEN={}\n", token("0Aa0")),
    );
    repo.commit("base, with a secret pushed long ago");
    repo.git(&["branch", "base"]);

    // A topic branch adds a secret; a clean merge brings it to main.
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.stage("topic.py", format!("TOKEN = \"{}\"\n", token("1Bb1")));
    repo.commit("topic adds a secret");
    let topic_commit = head(&repo);
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("main.txt", "main moves on\n");
    repo.commit("main moves on");
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-verify",
        "-m",
        "clean merge",
        "topic",
    ]);

    // Two branches edit shared.txt; the merge resolves the conflict and slips in a
    // secret neither side had (an evil merge).
    repo.git(&["checkout", "-q", "-b", "left"]);
    repo.stage("shared.txt", shared.replace("line 30\n", "line 30 left\n"));
    repo.commit("left");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("shared.txt", shared.replace("line 30\n", "line 30 right\n"));
    repo.commit("right");
    let merge = repo.git_output(&["merge", "-q", "--no-verify", "left"]);
    assert!(!merge.status.success(), "expected a conflict");
    let resolved = shared.replace(
        "line 30\n",
        &format!("line 30 both\nexport GITHUB_TOKEN={}\n", token("2Cc2")),
    );
    repo.stage("shared.txt", &resolved);
    repo.git(&["commit", "-q", "--no-verify", "-m", "evil merge"]);
    let evil_merge = head(&repo);

    // A fix cherry-picked from another branch carries its secret along.
    repo.git(&["checkout", "-q", "-b", "maint", "base"]);
    repo.stage("fix.sh", format!("export GITHUB_TOKEN={}\n", token("3Dd3")));
    repo.commit("fix on maint");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["cherry-pick", "maint"]);
    let picked = head(&repo);

    // The old secret is removed, then the removal is reverted: the revert adds it back.
    repo.stage("old.env.sh", "export GITHUB_TOKEN=$GITHUB_TOKEN\n");
    repo.commit("remove the old secret");
    repo.git(&["revert", "--no-edit", "HEAD"]);
    let revert = head(&repo);

    let report = ci(&repo, "base");
    let want = vec![
        ("secret/github-pat".to_owned(), "fix.sh".to_owned(), picked),
        (
            "secret/github-pat".to_owned(),
            "old.env.sh".to_owned(),
            revert,
        ),
        (
            "secret/github-pat".to_owned(),
            "shared.txt".to_owned(),
            evil_merge,
        ),
        (
            "secret/github-pat".to_owned(),
            "topic.py".to_owned(),
            topic_commit,
        ),
    ];
    assert_eq!(secrets(&report), want, "{report:#}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("took unchanged from a parent"), "{notes}");
    assert!(
        !report.to_string().contains(&token("")[..20]),
        "a secret was printed"
    );
}

#[test]
fn a_merge_that_takes_one_side_unchanged_adds_nothing_of_its_own() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    repo.git(&["branch", "base"]);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.stage(
        "topic.sh",
        format!("export GITHUB_TOKEN={}\n", token("4Ee4")),
    );
    repo.commit("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("a.txt", "a\nb\n");
    repo.commit("main");
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-verify",
        "-m",
        "merge",
        "topic",
    ]);
    // Only the range's merge is judged (the topic commit is in the base).
    repo.git(&["branch", "-f", "base", "topic"]);
    let report = ci(&repo, "base");
    assert_eq!(secrets(&report), Vec::new(), "{report:#}");
    // A file brought in by the merge that only the first parent lacks is judged against
    // the parent that has it: nothing new.
    let skipped = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule"] == "policy/skipped-hooks");
    assert!(!skipped, "{report:#}");
}

#[test]
fn a_change_repeated_in_the_range_is_judged_once() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    repo.git(&["branch", "base"]);
    let dirty = format!("export GITHUB_TOKEN={}\n", token("5Ff5"));
    repo.stage("x.sh", &dirty);
    repo.commit("add");
    repo.git(&["rm", "-q", "x.sh"]);
    repo.commit("remove");
    repo.stage("x.sh", &dirty);
    repo.commit("add again");
    let report = ci(&repo, "base");
    assert_eq!(secrets(&report).len(), 1, "{report:#}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("1 change(s) repeated"), "{notes}");
}

/// With two merge bases (criss-cross merges), the commits judged are those the head
/// reaches and the base does not: a commit already in the base through either merge
/// base is not judged again, whichever merge base the range diff starts from.
#[test]
fn with_two_merge_bases_only_commits_missing_from_the_base_are_judged() {
    let repo = TestRepo::new();
    repo.stage("README.md", "root\n");
    repo.commit("root");
    repo.git(&["branch", "b"]);
    // One side adds a secret, the other a plain file; each side then merges the other.
    repo.stage("a.py", format!("TOKEN = \"{}\"\n", token("2Cc2")));
    repo.commit("a1: a secret");
    let a1 = head(&repo);
    repo.git(&["checkout", "-q", "b"]);
    repo.stage("b.txt", "b1\n");
    repo.commit("b1");
    let b1 = head(&repo);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-edit", &b1]);
    repo.git(&["branch", "pushed"]);
    repo.git(&["checkout", "-q", "b"]);
    repo.git(&["merge", "-q", "--no-edit", &a1]);
    let bases = repo.git(&["merge-base", "--all", "pushed", "HEAD"]);
    assert_eq!(bases.lines().count(), 2, "not a criss-cross: {bases}");
    repo.stage("c.py", format!("TOKEN = \"{}\"\n", token("3Dd3")));
    repo.commit("c: a new secret");
    let c = head(&repo);
    let report = ci(&repo, "pushed");
    // The merge and the new commit; neither a1 nor b1, which `pushed` already has.
    assert!(
        report["notes"].to_string().contains("2 commit(s) checked"),
        "{report}"
    );
    assert_eq!(
        secrets(&report),
        [("secret/github-pat".to_owned(), "c.py".to_owned(), c)],
        "{report}"
    );
}

/// Merges are compared with their parents folder by folder: a folder a parent already
/// has is not judged again (a file turned into a folder on a branch included), while a
/// file the merge itself adds inside a folder both sides changed is.
#[test]
fn merges_are_judged_folder_by_folder_against_every_parent() {
    let repo = TestRepo::new();
    repo.stage("src/app.py", "print('app')\n");
    repo.stage("conf", "plain file\n");
    repo.stage("docs/readme.md", "docs\n");
    repo.commit("base");
    repo.git(&["branch", "base"]);

    // The topic turns `conf` into a folder holding a secret and edits src/.
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.git(&["rm", "-q", "conf"]);
    repo.stage(
        "conf/settings.py",
        format!("GITHUB_TOKEN = \"{}\"\n", token("2Cc2")),
    );
    repo.stage("src/topic.py", "print('topic')\n");
    repo.commit("topic: conf becomes a folder");
    let topic_commit = head(&repo);

    // main edits src/ and docs/ too, so src/ differs from both parents in the merge.
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("src/main.py", "print('main')\n");
    repo.stage("docs/readme.md", "docs, edited on main\n");
    repo.commit("main: src and docs");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "topic"]);
    // Evil: the merge adds a secret of its own inside src/, which both sides changed.
    repo.stage("src/evil.py", format!("TOKEN = \"{}\"\n", token("3Dd3")));
    repo.git(&["commit", "-q", "-m", "merge topic"]);
    let merge = head(&repo);

    let report = ci(&repo, "base");
    let want = vec![
        (
            "secret/github-pat".to_owned(),
            "conf/settings.py".to_owned(),
            topic_commit,
        ),
        (
            "secret/github-pat".to_owned(),
            "src/evil.py".to_owned(),
            merge,
        ),
    ];
    assert_eq!(secrets(&report), want, "{report:#}");
}
