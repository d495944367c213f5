//! pre-push with a bare "remote" in a temp dir, and CI mode on ranges.

mod common;

use common::TestRepo;

fn pat() -> String {
    format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4")
}

/// A repository with a bare remote `origin` that already has `main`, and the
/// pre-push hook installed.
fn with_remote() -> TestRepo {
    let repo = TestRepo::new();
    let bare = repo.sibling("remote.git");
    repo.git(&["init", "-q", "--bare", bare.to_str().expect("utf8")]);
    repo.git(&["remote", "add", "origin", bare.to_str().expect("utf8")]);
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let run = repo.scopecheck(&["install", "--hook", "pre-push"]);
    assert_eq!(run.code, 0, "{}", run.all());
    repo
}

/// `scopecheck pre-push origin URL --format json` fed git's pre-push lines: its exit
/// code and report.
fn pre_push_json(repo: &TestRepo, url: &str, input: &str) -> (Option<i32>, serde_json::Value) {
    let out = common::output_with_stdin(
        std::process::Command::new(common::BIN)
            .args(["pre-push", "origin", url, "--format", "json"])
            .current_dir(&repo.root)
            .env_remove("GIT_DIR"),
        input.as_bytes(),
    );
    let report = serde_json::from_slice(&out.stdout).expect("json");
    (out.status.code(), report)
}

fn push(repo: &TestRepo, args: &[&str]) -> (bool, String) {
    let mut full = vec!["push", "-q"];
    full.extend_from_slice(args);
    let out = repo.git_output(&full);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_secret_in_an_earlier_pushed_commit_is_refused_even_if_removed_later() {
    let repo = with_remote();
    repo.stage("deploy.sh", format!("export GITHUB_TOKEN={}\n", pat()));
    repo.commit("oops (hooks bypassed)");
    repo.stage("deploy.sh", "export GITHUB_TOKEN=$GITHUB_TOKEN\n");
    repo.commit("remove it");
    let (ok, out) = push(&repo, &["origin", "main"]);
    assert!(!ok, "the push went through:\n{out}");
    assert!(out.contains("secret/github-pat"), "{out}");
    assert!(out.contains("policy/skipped-hooks"), "{out}");
    assert!(!out.contains(&pat()), "secret printed:\n{out}");
}

#[test]
fn a_new_branch_checks_only_its_new_commits() {
    let repo = with_remote();
    // main on the remote already carries a secret (pushed with --no-verify long ago).
    repo.stage("old.py", format!("T = \"{}\"\n", pat()));
    repo.commit("old secret");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("feature.txt", "clean work\n");
    repo.commit("feature");
    let (ok, out) = push(&repo, &["origin", "feature"]);
    assert!(ok, "a clean new branch was refused:\n{out}");
    // A dirty commit on the new branch is caught.
    repo.stage(
        "feature.txt",
        format!(
            "clean work\nSTRIPE = \"sk_live_{}\"\n",
            "51HxQ2pLk9Vn3Rt7Ws8Yz4Ab6Cd0Ef1Gh2Ij"
        ),
    );
    repo.commit("dirty");
    let (ok, out) = push(&repo, &["origin", "feature"]);
    assert!(!ok, "{out}");
}

#[test]
fn deleting_a_remote_ref_passes() {
    let repo = with_remote();
    repo.git(&["checkout", "-q", "-b", "gone"]);
    repo.stage("x.txt", "x\n");
    repo.commit("x");
    repo.git(&["push", "-q", "--no-verify", "origin", "gone"]);
    let (ok, out) = push(&repo, &["origin", "--delete", "gone"]);
    assert!(ok, "{out}");
}

#[test]
fn pre_push_reads_several_refs_and_tags() {
    let repo = with_remote();
    repo.stage("a.txt", "a\n");
    repo.commit("a");
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    let (ok, out) = push(&repo, &["origin", "main", "v1"]);
    assert!(ok, "{out}");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let zero = "0".repeat(40);
    let input = format!(
        "refs/heads/main {head} refs/heads/main {head}\nrefs/heads/x {zero} refs/heads/x {head}\n"
    );
    let (code, r) = pre_push_json(&repo, "url", &input);
    assert_eq!(code, Some(0));
    assert!(
        r["notes"].to_string().contains("nothing new to push"),
        "{r}"
    );
}

#[test]
fn ci_uses_the_base_policy_and_reports_the_policy_edit() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // The PR switches secret scanning off in the policy it brings…
    repo.stage(
        "scopecheck.toml",
        "[secrets]\nenabled = false\n[sensitive-files]\nenabled = false\n",
    );
    repo.stage("src/config.py", format!("TOKEN = \"{}\"\n", pat()));
    repo.commit("disable the gate and add a token");
    let run = repo.scopecheck(&["ci", "--base", "main", "--head", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or(""))
        .collect();
    // …but the base's policy judges it: the secret is found and the edit is reported.
    assert!(rules.contains(&"secret/github-pat"), "{rules:?}");
    assert!(rules.contains(&"policy/self-edit"), "{rules:?}");
    let secret = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "secret/github-pat")
        .expect("secret finding");
    assert_eq!(secret["commit"].as_str().map(str::len), Some(40));
}

/// A base that moved on after the head branched off is not the start of the range:
/// the merge base is, with its policy. What the base gained since (a protected file,
/// a policy it broke) is neither judged as deleted by the head nor read as its policy;
/// and a head the base already contains has nothing to judge.
#[test]
fn ci_against_a_base_that_moved_on_starts_from_the_merge_base() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[[scope.protected]]\npaths = [\"infra/**\"]\ndeleted = \"block\"\nreason = \"platform\"\n",
    );
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("src/app.py", "print('hi')\n");
    repo.commit("feature work");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("infra/new.tf", "resource \"x\" \"y\" {}\n");
    repo.stage("scopecheck.toml", "[[scope.protected]\nthis is not toml\n");
    repo.commit("main moves on");
    let run = repo.scopecheck(&[
        "ci", "--base", "main", "--head", "feature", "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(0), "{r}");
    // The other way round, the head is an ancestor of the base: nothing to judge.
    let run = repo.scopecheck(&[
        "ci",
        "--base",
        "feature",
        "--head",
        "feature~1",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn ci_base_from_the_environment_and_missing_base() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.git(&["branch", "base-branch"]);
    repo.stage("db/migrate/20240101000000_x.rb", "class X; end\n");
    repo.commit("migration");
    let run = repo.scopecheck_env(
        &["ci", "--format", "github"],
        &[("SCOPECHECK_BASE", "base-branch")],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("::error file=db/migrate/20240101000000_x.rb"),
        "{}",
        run.stdout
    );
    let run = repo.scopecheck(&["ci"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot tell what to compare against"),
        "{}",
        run.stderr
    );
}

#[test]
fn ci_in_a_shallow_clone_says_how_to_fetch() {
    let origin = TestRepo::new();
    for i in 0..3 {
        origin.stage(&format!("f{i}.txt"), format!("{i}\n"));
        origin.commit(&format!("c{i}"));
    }
    let base = origin.git(&["rev-parse", "HEAD~2"]).trim().to_owned();
    let clone = origin.sibling("shallow");
    let url = format!("file://{}", origin.root.display());
    origin.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        clone.to_str().expect("utf8"),
    ]);
    let run = origin.scopecheck_in(&clone, &["ci", "--base", &base]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
}

#[test]
fn agents_may_not_push_to_protected_branches() {
    let repo = with_remote();
    repo.stage(
        "scopecheck.toml",
        "[push]\nagent-protected-branches = [\"main\", \"release/*\"]\n",
    );
    repo.commit("policy");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.stage("a.txt", "a\n");
    repo.commit("work");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let old = repo.git(&["rev-parse", "HEAD~1"]).trim().to_owned();
    let run_push = |head: &str, env: &[(&str, &str)]| {
        let stdin = format!("refs/heads/main {head} refs/heads/main {old}\n");
        let mut cmd = std::process::Command::new(common::BIN);
        cmd.args(["pre-push", "origin", "url"])
            .current_dir(&repo.root)
            .env_remove("CLAUDECODE")
            .env_remove("SCOPECHECK_ACTOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = common::output_with_stdin(&mut cmd, stdin.as_bytes());
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(run_push(&head, &[]).0, Some(0), "a person may push to main");
    let (code, out) = run_push(&head, &[("CLAUDECODE", "1")]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("policy/agent-push-to-protected-branch"),
        "{out}"
    );
    // An agent's commit (by its trailer) pushed from a plain shell is still an agent's.
    repo.stage("b.txt", "b\n");
    repo.commit("more work\n\nCo-authored-by: Claude <noreply@anthropic.com>");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let (code, out) = run_push(&head, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("policy/agent-push-to-protected-branch"),
        "{out}"
    );
}

#[test]
fn a_force_push_checks_the_rewritten_commits() {
    let repo = with_remote();
    repo.stage("a.txt", "a\n");
    repo.commit("a");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    // Rewrite the last commit so that it also carries a credential file.
    repo.stage("prod.env", "DB_PASSWORD=x\n");
    repo.git(&["commit", "-q", "--no-verify", "--amend", "-m", "a, amended"]);
    let (ok, out) = push(&repo, &["--force", "origin", "main"]);
    assert!(!ok, "force push went through:\n{out}");
    assert!(out.contains("prod.env"), "{out}");
}

#[test]
fn a_forged_remote_tracking_ref_does_not_hide_new_commits() {
    let repo = with_remote();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("deploy.sh", format!("export GITHUB_TOKEN={}\n", pat()));
    repo.commit("secret (hooks bypassed)");
    // Make the remote *look* like it already has the branch's commits.
    repo.git(&["update-ref", "refs/remotes/origin/cache", "HEAD"]);
    let (ok, out) = push(&repo, &["origin", "feature"]);
    assert!(!ok, "the forged ref hid the secret:\n{out}");
    assert!(out.contains("secret/github-pat"), "{out}");
    // What the remote really has is still hidden: main's commit is not judged again.
    assert!(!out.contains("README.md"), "{out}");
}

#[test]
fn when_the_remote_cannot_be_asked_local_refs_are_used_and_said() {
    let repo = with_remote();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("feature.txt", "clean work\n");
    repo.commit("feature");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let zero = "0".repeat(40);
    let input = format!("refs/heads/feature {head} refs/heads/feature {zero}\n");
    let gone = repo.sibling("no-such-remote.git");
    let (code, r) = pre_push_json(&repo, gone.to_str().expect("utf8"), &input);
    assert_eq!(code, Some(0));
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("could not be listed") && notes.contains("refs/remotes/origin"),
        "{r}"
    );
    // Only the branch's own commit was judged: origin/main's was hidden.
    assert!(notes.contains("1 new commit"), "{r}");
}

#[test]
fn a_first_push_to_an_empty_remote_says_it_checks_the_whole_history() {
    let repo = TestRepo::new();
    let bare = repo.sibling("empty.git");
    repo.git(&["init", "-q", "--bare", bare.to_str().expect("utf8")]);
    repo.git(&["remote", "add", "origin", bare.to_str().expect("utf8")]);
    for i in 0..3 {
        repo.stage(&format!("f{i}.txt"), format!("{i}\n"));
        repo.commit(&format!("c{i}"));
    }
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let zero = "0".repeat(40);
    let (code, r) = pre_push_json(
        &repo,
        bare.to_str().expect("utf8"),
        &format!("refs/heads/main {head} refs/heads/main {zero}\n"),
    );
    assert_eq!(code, Some(0), "{r}");
    let notes = r["notes"].to_string();
    assert!(notes.contains("3 new commit(s)"), "{notes}");
    assert!(
        notes.contains("the remote has none of this history"),
        "{notes}"
    );

    // Once the remote has main, a new branch is not the whole history again.
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-qb", "feature"]);
    repo.stage("g.txt", "g\n");
    repo.commit("g");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let (code, r) = pre_push_json(
        &repo,
        bare.to_str().expect("utf8"),
        &format!("refs/heads/feature {head} refs/heads/feature {zero}\n"),
    );
    assert_eq!(code, Some(0), "{r}");
    let notes = r["notes"].to_string();
    assert!(notes.contains("1 new commit(s)"), "{notes}");
    assert!(!notes.contains("none of this history"), "{notes}");
}

#[test]
fn ci_counts_a_suppressed_secret_once() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.git(&["branch", "base-branch"]);
    let token = pat();
    repo.stage(
        "tests/fixture.py",
        format!("# scopecheck:allow secret/github-pat\nT = \"{token}\"\n"),
    );
    repo.commit("a person's test fixture");
    let run = repo.scopecheck(&["ci", "--base", "base-branch", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        r["suppressed"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r["suppressed"]
    );
    let human = repo.scopecheck(&["ci", "--base", "base-branch"]);
    assert!(
        human.stdout.contains("1 finding(s) suppressed"),
        "{}",
        human.stdout
    );
}

/// In `ci` the actor comes from commit trailers, which an agent can leave out: an edit of
/// the gate needs a person's approval there even when the commit looks like a person's
/// (locally the same person's commit is a recorded warning).
#[test]
fn ci_holds_a_gate_edit_for_review_whoever_seems_to_have_made_it() {
    let repo = TestRepo::new();
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"review\"\n");
    repo.commit("policy");
    repo.git(&["branch", "base-branch"]);
    repo.stage(
        "scopecheck.toml",
        "[defaults]\nfail-on = \"review\"\n[secrets]\nexclude-paths = [\"**\"]\n",
    );
    let (code, _) = repo.precommit_json();
    assert_eq!(code, 0, "a person's local commit is a recorded warning");
    repo.commit("loosen, no trailer");
    let run = repo.scopecheck(&["ci", "--base", "base-branch", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert!(
        r["findings"].as_array().is_some_and(|f| f
            .iter()
            .any(|f| f["rule"] == "policy/self-edit" && f["action"] == "review")),
        "{r}"
    );
}
