//! `scopecheck install` and real `git commit` runs through the installed hook.

mod common;

use common::TestRepo;

const CREDENTIAL: &str = "DATABASE_URL=postgres://app:s3cr3t-passw0rd@db.internal/app\n";

fn commit(repo: &TestRepo, args: &[&str]) -> (bool, String) {
    let mut full = vec!["commit", "-q"];
    full.extend_from_slice(args);
    let out = repo.git_output(&full);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn installed_hook_refuses_a_staged_env_and_lets_a_clean_commit_through() {
    let repo = TestRepo::new();
    let run = repo.scopecheck(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());

    // The very first commit of an empty repository (unborn HEAD).
    repo.stage("README.md", "hello\n");
    let (ok, out) = commit(&repo, &["-m", "first"]);
    assert!(ok, "clean first commit refused:\n{out}");

    repo.stage(".env", CREDENTIAL);
    let (ok, out) = commit(&repo, &["-m", "add env"]);
    assert!(!ok, "a staged .env was committed");
    assert!(
        out.contains(".env"),
        "message does not name the file:\n{out}"
    );
    assert!(out.contains("secret/sensitive-file"), "{out}");
    assert!(
        !out.contains("s3cr3t-passw0rd"),
        "the secret was printed:\n{out}"
    );

    repo.git(&["rm", "-q", "--cached", ".env"]);
    repo.stage("src/main.rs", "fn main() {}\n");
    let (ok, out) = commit(&repo, &["-m", "clean"]);
    assert!(ok, "clean commit refused:\n{out}");
}

#[test]
fn commit_all_is_judged_by_the_temporary_index() {
    let repo = TestRepo::new();
    repo.stage("app.env", "PLACEHOLDER=1\n");
    repo.stage("a.txt", "a\n");
    repo.commit("base (hooks bypassed)");
    assert_eq!(repo.scopecheck(&["install"]).code, 0);

    // Only the working tree has the change: `git commit -a` stages it into a temporary
    // index (GIT_INDEX_FILE) that the hook must read.
    repo.write("app.env", CREDENTIAL);
    let (ok, out) = commit(&repo, &["-a", "-m", "edit env"]);
    assert!(
        !ok,
        "`git commit -a` slipped a credential file through:\n{out}"
    );
    assert!(out.contains("app.env"), "{out}");

    // A clean `git commit -a`.
    repo.git(&["checkout", "--", "app.env"]);
    repo.write("a.txt", "a\nb\n");
    let (ok, out) = commit(&repo, &["-a", "-m", "edit a"]);
    assert!(ok, "{out}");
}

#[test]
fn partial_commit_checks_only_the_paths_it_commits() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    assert_eq!(repo.scopecheck(&["install"]).code, 0);

    // .env is staged but `git commit a.txt` commits only a.txt (from a temporary index
    // built from HEAD): that commit carries no credential file and must pass.
    repo.stage(".env", CREDENTIAL);
    repo.write("a.txt", "a\nchanged\n");
    let (ok, out) = commit(&repo, &["-m", "only a", "--", "a.txt"]);
    assert!(ok, "partial commit of a clean path refused:\n{out}");
    let tracked = repo.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(!tracked.contains(".env"));

    // Committing the .env path itself is refused.
    let (ok, out) = commit(&repo, &["-m", "env", "--", ".env"]);
    assert!(!ok, "partial commit of .env went through:\n{out}");
}

#[test]
fn existing_hook_is_kept_chained_and_restored_on_uninstall() {
    let repo = TestRepo::new();
    let hooks = repo.root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    let original = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-dir)/chained-ran\"\n";
    std::fs::write(hooks.join("pre-commit"), original).expect("write hook");
    make_executable(&hooks.join("pre-commit"));

    let run = repo.scopecheck(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("kept the existing hook"),
        "{}",
        run.stdout
    );
    // Installing twice is harmless and keeps the original exactly once.
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.scopecheck-chained")).expect("kept"),
        original
    );

    repo.stage("a.txt", "a\n");
    let (ok, out) = commit(&repo, &["-m", "a"]);
    assert!(ok, "{out}");
    assert!(
        repo.root.join(".git/chained-ran").exists(),
        "the chained hook did not run"
    );

    repo.stage(".env", CREDENTIAL);
    let (ok, _) = commit(&repo, &["-m", "env"]);
    assert!(!ok, "chaining lost scopecheck's verdict");

    let run = repo.scopecheck(&["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).expect("restored"),
        original
    );
    assert!(!hooks.join("pre-commit.scopecheck-chained").exists());
}

#[test]
fn failing_chained_hook_stops_the_commit() {
    let repo = TestRepo::new();
    let hooks = repo.root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    std::fs::write(
        hooks.join("pre-commit"),
        "#!/bin/sh\necho lint failed >&2\nexit 3\n",
    )
    .expect("hook");
    make_executable(&hooks.join("pre-commit"));
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    repo.stage("a.txt", "a\n");
    let (ok, out) = commit(&repo, &["-m", "a"]);
    assert!(!ok);
    assert!(out.contains("lint failed"), "{out}");
}

#[test]
fn uninstall_leaves_foreign_hooks_alone() {
    let repo = TestRepo::new();
    let hooks = repo.root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\nexit 0\n").expect("hook");
    let run = repo.scopecheck(&["uninstall"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("not written by scopecheck"));
    assert!(hooks.join("pre-commit").exists());
}

#[test]
fn install_refuses_when_the_chained_name_is_taken() {
    let repo = TestRepo::new();
    let hooks = repo.root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\nexit 0\n").expect("hook");
    std::fs::write(
        hooks.join("pre-commit.scopecheck-chained"),
        "#!/bin/sh\necho another hook\n",
    )
    .expect("hook");
    let run = repo.scopecheck(&["install"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("cannot be kept"), "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).expect("untouched"),
        "#!/bin/sh\nexit 0\n"
    );
}

#[test]
fn install_and_uninstall_recover_from_a_stale_chain() {
    // A hook manager rewrote the hook scopecheck had chained: the chained copy is the
    // same script as the new hook, so nothing is lost by dropping it.
    let repo = TestRepo::new();
    let hooks = repo.root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    let manager = "#!/bin/sh\necho manager\n";
    std::fs::write(hooks.join("pre-commit"), manager).expect("hook");
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    std::fs::write(hooks.join("pre-commit"), manager).expect("rewritten");
    let run = repo.scopecheck(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let chained = hooks.join("pre-commit.scopecheck-chained");
    assert_eq!(std::fs::read_to_string(&chained).expect("chained"), manager);
    assert!(std::fs::read_to_string(hooks.join("pre-commit"))
        .expect("hook")
        .contains("scopecheck-managed-hook"));

    std::fs::write(hooks.join("pre-commit"), manager).expect("rewritten again");
    let run = repo.scopecheck(&["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!chained.exists());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).expect("hook"),
        manager
    );
}

/// husky 9: `core.hooksPath = .husky/_`, whose shims run `.husky/<hook>` and are written
/// again by every `npm install`. The shim here does what husky's does.
#[test]
fn husky_hooks_survive_npm_install_rewriting_its_shims() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    let shims = repo.root.join(".husky/_");
    std::fs::create_dir_all(&shims).expect("husky dir");
    let husky_shim = "#!/bin/sh\nh=\"$(dirname \"$0\")/../$(basename \"$0\")\"\n[ -f \"$h\" ] || exit 0\nexec sh -e \"$h\" \"$@\"\n";
    let write_shims = || {
        for hook in ["pre-commit", "pre-push"] {
            std::fs::write(shims.join(hook), husky_shim).expect("shim");
            make_executable(&shims.join(hook));
        }
    };
    write_shims();
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    std::fs::write(repo.root.join(".husky/pre-commit"), "echo user-hook-ran\n").expect("user hook");
    let run = repo.scopecheck(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let user = std::fs::read_to_string(repo.root.join(".husky/pre-commit")).expect("user hook");
    // scopecheck's lines come first (an `exit` in the project's lines cannot skip them).
    assert!(user.starts_with("# scopecheck-managed-hook"), "{user}");
    assert!(user.ends_with("echo user-hook-ran\n"), "{user}");
    assert!(user.contains("pre-commit || exit $?"), "{user}");
    assert_eq!(
        std::fs::read_to_string(shims.join("pre-commit")).expect("shim"),
        husky_shim,
        "husky's shim is left to husky"
    );
    // Installing twice does not add the lines twice.
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    let again = std::fs::read_to_string(repo.root.join(".husky/pre-commit")).expect("hook");
    assert_eq!(again, user);

    // `npm install` runs husky, which writes its shims again.
    write_shims();
    repo.stage(".env", CREDENTIAL);
    let out = repo
        .git_cmd(&["commit", "-q", "-m", "env"])
        .env("SCOPECHECK_BIN", common::BIN)
        .output()
        .expect("git");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "the .env went through husky:\n{text}"
    );
    assert!(text.contains("secret/sensitive-file"), "{text}");
    // A clean commit passes scopecheck and then runs the project's own lines.
    repo.git(&["rm", "-q", "--cached", ".env"]);
    repo.stage("b.txt", "b\n");
    let out = repo
        .git_cmd(&["commit", "-q", "-m", "clean"])
        .env("SCOPECHECK_BIN", common::BIN)
        .output()
        .expect("git");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("user-hook-ran"), "{text}");

    let run = repo.scopecheck(&["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(repo.root.join(".husky/pre-commit")).expect("kept"),
        "echo user-hook-ran\n",
        "the project's own lines stay"
    );
}

#[test]
fn install_refuses_in_a_bare_repository() {
    let repo = TestRepo::new();
    let bare = repo.sibling("bare.git");
    repo.git(&["init", "-q", "--bare", bare.to_str().expect("utf8")]);
    let run = repo.scopecheck_in(&bare, &["install"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("bare"), "{}", run.all());
}

#[test]
fn install_honours_core_hooks_path() {
    let repo = TestRepo::new();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let run = repo.scopecheck(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(repo.root.join(".githooks/pre-commit").exists());
    assert!(!repo.root.join(".git/hooks/pre-commit").exists());
    repo.stage(".env", CREDENTIAL);
    let (ok, _) = commit(&repo, &["-m", "env"]);
    assert!(!ok, "hook in core.hooksPath did not run");
}

#[test]
fn hook_fails_closed_when_the_binary_is_missing() {
    let repo = TestRepo::new();
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    repo.stage("a.txt", "a\n");
    let mut cmd = std::process::Command::new("git");
    cmd.args(["commit", "-q", "-m", "a"])
        .current_dir(&repo.root)
        .env("SCOPECHECK_BIN", "/nonexistent/scopecheck")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_DIR");
    let out = cmd.output().expect("git");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not found"));
}

#[test]
fn linked_worktree_uses_the_shared_hook() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    let wt = repo.sibling("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt.to_str().expect("utf8"),
    ]);
    let run = repo.scopecheck_in(&wt, &["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(repo.root.join(".git/hooks/pre-commit").exists());

    std::fs::write(wt.join(".env"), CREDENTIAL).expect("write");
    repo.git_in(&wt, &["add", ".env"]);
    let out = repo.git_output_in(&wt, &["commit", "-q", "-m", "env"]);
    assert!(
        !out.status.success(),
        "commit in a linked worktree went through"
    );
    // The main worktree's index is untouched and clean.
    let (code, report) = repo.precommit_json();
    assert_eq!(code, 0, "{report}");
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn an_agent_that_unsets_its_marker_for_git_is_still_an_agent() {
    let repo = TestRepo::new();
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    repo.stage("README.md", "hello\n");
    let (ok, out) = commit(&repo, &["-m", "first"]);
    assert!(ok, "{out}");
    // A directive an agent adds for its own finding counts for nothing.
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    repo.stage(
        "fixture.py",
        format!("# scopecheck:allow secret/github-pat -- parser fixture\nT = \"{token}\"\n"),
    );
    // The agent's shell has its marker; the commit runs with it removed.
    let mut shell = std::process::Command::new("sh");
    shell
        .args(["-c", "env -u CLAUDECODE git commit -q -m agent; exit $?"])
        .current_dir(&repo.root);
    common::isolate(&mut shell, repo.home());
    let out = shell.env("CLAUDECODE", "1").output().expect("sh runs");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "the agent's commit passed:\n{text}");
    assert!(text.contains("secret/github-pat"), "{text}");
    // The same commit by a person (no marker anywhere above git) is allowed.
    let (ok, out) = commit(&repo, &["-m", "person"]);
    assert!(ok, "{out}");
}

/// husky's pre-push: git's lines on standard input reach scopecheck and, restored, the
/// project's own lines after it (`git lfs pre-push` reads them too); an `exit 0` in the
/// project's lines cannot skip scopecheck.
#[test]
fn husky_pre_push_shares_standard_input_and_runs_first() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    std::fs::create_dir_all(repo.root.join(".husky/_")).expect("husky dir");
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    std::fs::write(
        repo.root.join(".husky/pre-push"),
        "#!/bin/sh\ncat > pushed-lines.txt\nexit 0\n",
    )
    .expect("hook");
    assert_eq!(repo.scopecheck(&["install", "--hook", "pre-push"]).code, 0);
    let text = std::fs::read_to_string(repo.root.join(".husky/pre-push")).expect("hook");
    assert!(
        text.starts_with("#!/bin/sh\n# scopecheck-managed-hook"),
        "{text}"
    );

    // A fake scopecheck that records what it was given and refuses.
    let fake = repo.root.join("fake-scopecheck");
    std::fs::write(&fake, "#!/bin/sh\ncat > scopecheck-lines.txt\nexit 1\n").expect("fake");
    make_executable(&fake);
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let line = format!(
        "refs/heads/main {head} refs/heads/main {}\n",
        "0".repeat(40)
    );
    let run = |bin: &std::path::Path| {
        common::output_with_stdin(
            std::process::Command::new("sh")
                .arg(".husky/pre-push")
                .arg("origin")
                .arg("file:///remote.git")
                .current_dir(&repo.root)
                .env("SCOPECHECK_BIN", bin),
            line.as_bytes(),
        )
        .status
    };
    assert!(!run(&fake).success(), "scopecheck's refusal stops the push");
    assert_eq!(
        std::fs::read_to_string(repo.root.join("scopecheck-lines.txt")).expect("lines"),
        line
    );
    // An accepting scopecheck: the project's lines then get the same input.
    std::fs::write(&fake, "#!/bin/sh\ncat > scopecheck-lines.txt\nexit 0\n").expect("fake");
    assert!(run(&fake).success());
    assert_eq!(
        std::fs::read_to_string(repo.root.join("pushed-lines.txt")).expect("lines"),
        line
    );
}
