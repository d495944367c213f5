//! Human authority end to end: throwaway SSH keys made by ssh-keygen in a temporary
//! HOME, signed work orders, approvals, and the audit log, through the real binary and
//! real git hooks.

mod common;

use std::process::Command;

use common::{findings, Run, TestRepo};

const AGENT: &[(&str, &str)] = &[("CLAUDECODE", "1")];

/// Makes an ed25519 key in the test's HOME and points git at it (as `git commit -S`
/// would use it). Returns the public key line.
fn signing_key(repo: &TestRepo, name: &str) -> String {
    let key = repo.home().join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("pub");
    public.trim().to_owned()
}

fn use_key(repo: &TestRepo, name: &str) {
    let key = repo.home().join(name).with_extension("pub");
    repo.git(&["config", "--global", "gpg.format", "ssh"]);
    repo.git(&[
        "config",
        "--global",
        "user.signingkey",
        key.to_str().expect("utf8"),
    ]);
}

/// A repository whose committed policy trusts Ann's key, with git signing as Ann.
fn with_signer() -> TestRepo {
    let repo = TestRepo::new();
    let ann = signing_key(&repo, "ann");
    repo.stage(
        ".scopecheck/allowed-signers",
        format!("ann@example.com {ann}\n"),
    );
    repo.stage(
        "scopecheck.toml",
        "[defaults]\nagent-action-floor = \"review\"\n",
    );
    repo.stage("src/a.rs", "fn a() {}\n");
    repo.stage("docs/d.md", "docs\n");
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\n",
    );
    repo.commit("adopt scopecheck");
    use_key(&repo, "ann");
    repo
}

fn git_env(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(&repo.root);
    // Same isolation as the helpers: HOME and git config from the test's HOME.
    cmd.env("HOME", repo.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", repo.home().join(".gitconfig"))
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("CLAUDECODE")
        .env_remove("SCOPECHECK_ACTOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("git"))
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

fn rules(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = findings(&json(run)).into_iter().map(|f| f.0).collect();
    v.sort();
    v
}

fn widen(repo: &TestRepo) {
    let path = repo.root.join(".scopecheck/task.toml");
    let text = std::fs::read_to_string(&path).expect("task");
    assert!(text.contains("\"src/**\""), "{text}");
    std::fs::write(path, text.replace("\"src/**\"", "\"src/**\", \"docs/**\"")).expect("write");
}

#[test]
fn an_agent_widening_an_unsigned_work_order_is_stopped_at_commit() {
    // The reproduction of the issue, with no signing key configured.
    let repo = TestRepo::new();
    repo.stage("src/a.rs", "fn a() {}\n");
    repo.stage("docs/d.md", "docs\n");
    repo.commit("base");
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    let run = repo.scopecheck(&["task", "start", "--goal", "fix a", "--scope", "src/**"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("unsigned"), "{}", run.stdout);
    repo.stage("docs/d.md", "docs\nx\n");
    let c = git_env(&repo, &["commit", "-qm", "out of scope"], AGENT);
    assert_ne!(c.code, 0, "out of scope passed: {}", c.all());
    assert!(c.all().contains("scope/out-of-scope-path"), "{}", c.all());
    widen(&repo);
    let c = git_env(&repo, &["commit", "-qm", "after widening"], AGENT);
    assert_ne!(
        c.code,
        0,
        "the widened work order let it through: {}",
        c.all()
    );
    assert!(c.all().contains("task/untrusted-work-order"), "{}", c.all());
    assert!(c.all().contains("edited or written by hand"), "{}", c.all());
    // An agent cannot re-issue it either.
    let run = repo.scopecheck_env(
        &[
            "task", "start", "--force", "--goal", "fix a", "--scope", "**",
        ],
        AGENT,
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("issued by a person"), "{}", run.all());
}

#[test]
fn a_signed_work_order_widened_by_an_agent_is_stopped_at_commit_push_and_ci() {
    let repo = with_signer();
    let bare = repo.sibling("remote.git");
    repo.git(&["init", "-q", "--bare", bare.to_str().expect("utf8")]);
    repo.git(&["remote", "add", "origin", bare.to_str().expect("utf8")]);
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    assert_eq!(repo.scopecheck(&["install", "--hook", "pre-push"]).code, 0);
    let run = repo.scopecheck(&["task", "start", "--goal", "fix a", "--scope", "src/**"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("signed with"), "{}", run.stdout);
    assert!(!run.stderr.contains("will not count"), "{}", run.stderr);
    let text = std::fs::read_to_string(repo.root.join(".scopecheck/task.toml")).expect("task");
    assert!(text.contains("-----BEGIN SSH SIGNATURE-----"), "{text}");

    // The person commits the signed work order on the task branch: it travels to CI.
    repo.git(&["checkout", "-qb", "task"]);
    repo.git(&["add", ".scopecheck/task.toml"]);
    let c = git_env(&repo, &["commit", "-qm", "work order"], &[]);
    assert_eq!(c.code, 0, "{}", c.all());
    // In scope: fine for the agent.
    repo.stage("src/a.rs", "fn a() { 1; }\n");
    let c = git_env(&repo, &["commit", "-qm", "in scope"], AGENT);
    assert_eq!(c.code, 0, "{}", c.all());

    // The agent widens its work order and edits docs.
    widen(&repo);
    repo.stage("docs/d.md", "docs\nx\n");
    let c = git_env(&repo, &["commit", "-qm", "widened"], AGENT);
    assert_ne!(c.code, 0, "commit passed: {}", c.all());
    assert!(
        c.all().contains("changed after it was signed"),
        "{}",
        c.all()
    );

    // Committed anyway (hooks skipped, work order included): push and CI stop it.
    repo.git(&["add", "-A"]);
    repo.commit("widened, hooks skipped");
    let p = git_env(&repo, &["push", "-q", "origin", "task"], AGENT);
    assert_ne!(p.code, 0, "push passed: {}", p.all());
    assert!(p.all().contains("task/untrusted-work-order"), "{}", p.all());
    assert!(
        p.all().contains("changed after it was signed"),
        "{}",
        p.all()
    );
    let ci = repo.scopecheck(&["ci", "--base", "main", "--head", "task", "--format", "json"]);
    assert_eq!(ci.code, 1, "{}", ci.all());
    let got = findings(&json(&ci));
    assert!(
        got.contains(&(
            "task/untrusted-work-order".into(),
            "block".into(),
            ".scopecheck/task.toml".into()
        )),
        "{got:?}"
    );
}

#[test]
fn an_approved_new_dependency_passes_pre_commit_and_ci_until_its_content_changes() {
    let repo = with_signer();
    repo.git(&["checkout", "-qb", "feature"]);
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n",
    );
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["dependency/new-package"]);

    // Not on a terminal, approve asks for --yes; without a reason it refuses.
    let run = repo.scopecheck(&["approve", "--all", "--reason", "vetted"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("--yes"), "{}", run.all());
    let run = repo.scopecheck(&["approve", "--all", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("--reason"), "{}", run.all());

    let run = repo.scopecheck(&[
        "approve",
        "--rule",
        "dependency/new-package",
        "--path",
        "Cargo.toml",
        "--reason",
        "serde is vetted by the platform team",
        "--yes",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("approved by ann@example.com"),
        "{}",
        run.stdout
    );
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 0, "approved: {}", run.all());
    let r = json(&run);
    assert_eq!(r["approved"][0]["rule"], "dependency/new-package");
    assert_eq!(
        r["approved"][0]["approval"]["approved-by"],
        "ann@example.com"
    );
    assert!(r["approved"][0]["approval"]["key"]
        .as_str()
        .is_some_and(|k| k.starts_with("SHA256:")));
    let human = repo.scopecheck(&["pre-commit"]);
    assert!(human.stdout.contains("approved"), "{}", human.stdout);
    assert!(human.stdout.contains("serde is vetted"), "{}", human.stdout);

    // The approved content changes before the commit: the approval no longer applies.
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\nleft-pad = \"1\"\n",
    );
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("matches no review finding"),
        "{}",
        run.stdout
    );

    // Back to the approved content: commit, and CI honours the committed approval.
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n",
    );
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    repo.commit("add serde");
    let ci = repo.scopecheck(&[
        "ci", "--base", "main", "--head", "feature", "--format", "json",
    ]);
    assert_eq!(ci.code, 0, "{}", ci.all());
    assert_eq!(json(&ci)["approved"][0]["rule"], "dependency/new-package");
    let sarif = repo.scopecheck(&[
        "ci", "--base", "main", "--head", "feature", "--format", "sarif",
    ]);
    assert!(
        sarif.stdout.contains("\"suppressions\""),
        "{}",
        sarif.stdout
    );

    // A later edit of the approved file on the branch: CI asks for review again.
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\nrand = \"0.8\"\n",
    );
    repo.commit("and rand");
    let ci = repo.scopecheck(&[
        "ci", "--base", "main", "--head", "feature", "--format", "json",
    ]);
    assert_eq!(ci.code, 1, "{}", ci.all());
}

#[test]
fn agents_cannot_approve_and_block_findings_cannot_be_approved() {
    let repo = with_signer();
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n",
    );
    let run = repo.scopecheck_env(&["approve", "--all", "--reason", "ok", "--yes"], AGENT);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("person's decision"), "{}", run.all());
    assert!(!repo.root.join(".scopecheck/approvals").exists());

    repo.git(&["reset", "-q", "--hard"]);
    repo.stage(".env", "DATABASE_PASSWORD=correct-horse-battery\n");
    let run = repo.scopecheck(&["approve", "--all", "--reason", "ok", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("cannot be approved"), "{}", run.all());
    assert!(
        !run.all().contains("correct-horse-battery"),
        "secret printed: {}",
        run.all()
    );
}

#[test]
fn forged_or_foreign_approvals_are_not_honoured_in_ci() {
    let repo = with_signer();
    repo.git(&["checkout", "-qb", "feature"]);
    let dep = "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n";
    repo.stage("Cargo.toml", dep);
    // Mallory's key is not in the allowed-signers file.
    signing_key(&repo, "mallory");
    use_key(&repo, "mallory");
    let run = repo.scopecheck(&["approve", "--all", "--reason", "trust me", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("not be trusted"), "{}", run.all());
    // Ann approves; then the file is edited to approve something else (or hand-made).
    use_key(&repo, "ann");
    let run = repo.scopecheck(&["approve", "--all", "--reason", "vetted", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let dir = repo.root.join(".scopecheck/approvals");
    let file = std::fs::read_dir(&dir)
        .expect("dir")
        .next()
        .expect("one")
        .expect("entry")
        .path();
    let rel = format!(
        ".scopecheck/approvals/{}",
        file.file_name().expect("name").to_string_lossy()
    );
    let text = std::fs::read_to_string(&file).expect("read");
    repo.stage(&rel, text.replace("vetted", "vetted by everyone"));
    repo.commit("add serde with an edited approval");
    let ci = repo.scopecheck(&[
        "ci", "--base", "main", "--head", "feature", "--format", "json",
    ]);
    assert_eq!(ci.code, 1, "{}", ci.all());
    let got = findings(&json(&ci));
    assert!(
        got.contains(&("approval/untrusted".into(), "block".into(), rel.clone())),
        "{got:?}"
    );
    assert!(
        got.iter().any(|f| f.0 == "dependency/new-package"),
        "{got:?}"
    );
    // An unsigned approval file is no better.
    repo.stage(&rel, "{\"statement\": {}, \"signature\": \"\"}\n");
    repo.commit("unsigned approval");
    let ci = repo.scopecheck(&[
        "ci", "--base", "main", "--head", "feature", "--format", "json",
    ]);
    assert_eq!(ci.code, 1, "{}", ci.all());
    assert!(findings(&json(&ci))
        .iter()
        .any(|f| f.0 == "approval/untrusted"));
}

#[test]
fn bad_signers_files_and_corrupt_signatures_are_clear() {
    let repo = with_signer();
    repo.stage(
        ".scopecheck/allowed-signers",
        "ann@example.com ssh-ed25519 AAAA!!\n",
    );
    repo.commit("break the signers file");
    repo.stage("src/a.rs", "fn a() { 2; }\n");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.all().contains(".scopecheck/allowed-signers"),
        "{}",
        run.all()
    );
    assert!(run.all().contains(":1:"), "names the line: {}", run.all());

    let repo = with_signer();
    let run = repo.scopecheck(&["task", "start", "--goal", "g", "--scope", "src/**"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let path = repo.root.join(".scopecheck/task.toml");
    let text = std::fs::read_to_string(&path).expect("task");
    let broken = text.replace(
        "-----BEGIN SSH SIGNATURE-----\n",
        "-----BEGIN SSH SIGNATURE-----\nAAAA",
    );
    std::fs::write(&path, broken).expect("write");
    repo.stage("src/a.rs", "fn a() { 3; }\n");
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["task/untrusted-work-order"]);
    assert!(
        run.stdout.contains("not a readable SSH signature"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_audit_log_records_decisions_and_detects_tampering() {
    let repo = with_signer();
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n",
    );
    assert_eq!(repo.scopecheck_env(&["pre-commit"], AGENT).code, 1);
    assert_eq!(
        repo.scopecheck(&["approve", "--all", "--reason", "vetted", "--yes"])
            .code,
        0
    );
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    repo.stage(".env", "API_TOKEN=abcdefghijklmnopqrstuvwxyz012345\n");
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 1);

    let verify = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.all());
    assert!(verify.stdout.contains("4 line(s)"), "{}", verify.stdout);
    let tip = verify
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("tip "))
        .and_then(|l| l.split_whitespace().next())
        .expect("tip")
        .to_owned();

    let log = repo.root.join(".git/scopecheck/audit.jsonl");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains("abcdefghijklmnopqrstuvwxyz012345"),
        "secret in the audit log"
    );
    let show = repo.scopecheck(&["audit", "show", "--format", "json", "--actor", "agent"]);
    let entries: serde_json::Value = serde_json::from_str(&show.stdout).expect("json");
    assert_eq!(entries.as_array().map(Vec::len), Some(1), "{entries}");
    assert_eq!(entries[0]["decision"], "review");
    let show = repo.scopecheck(&["audit", "show", "--command", "approve"]);
    assert!(show.stdout.contains("approve"), "{}", show.stdout);
    let show = repo.scopecheck(&[
        "audit",
        "show",
        "--rule",
        "secret/sensitive-file",
        "--format",
        "json",
    ]);
    let entries: serde_json::Value = serde_json::from_str(&show.stdout).expect("json");
    assert_eq!(entries.as_array().map(Vec::len), Some(1));

    // Edit line 2: verify names it.
    let lines: Vec<&str> = text.lines().collect();
    let edited = text.replacen("\"decision\":\"review\"", "\"decision\":\"allow\"", 1);
    std::fs::write(&log, &edited).expect("write");
    let v = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(v.code, 1, "{}", v.all());
    assert!(v.stderr.contains("audit.jsonl:1:"), "{}", v.stderr);
    // Remove a line.
    let mut removed = lines.clone();
    removed.remove(1);
    std::fs::write(&log, removed.join("\n") + "\n").expect("write");
    let v = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(v.code, 1);
    assert!(
        v.stderr.contains("audit.jsonl:2:") && v.stderr.contains("removed"),
        "{}",
        v.stderr
    );
    // Reorder.
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    std::fs::write(&log, swapped.join("\n") + "\n").expect("write");
    let v = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("audit.jsonl:2:"), "{}", v.stderr);
    // Cut the last line (the head record notices), or truncate it mid-line.
    std::fs::write(&log, lines[..3].join("\n") + "\n").expect("write");
    let v = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("removed from the end"), "{}", v.stderr);
    std::fs::write(&log, &text[..text.len() - 20]).expect("write");
    let v = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("audit.jsonl:4:"), "{}", v.stderr);
    // A damaged log stops the hook (fails closed) with a clear error, not a panic.
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("audit log"), "{}", run.all());
    // Restored: intact, and the tip recorded earlier is still in the chain.
    std::fs::write(&log, &text).expect("write");
    let v = repo.scopecheck(&["audit", "verify", "--expect", &tip]);
    assert_eq!(v.code, 0, "{}", v.all());
}

#[test]
fn the_audit_log_rotates_and_stays_verifiable() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[audit]\nmax-size = \"4 KiB\"\nkeep = 2\n",
    );
    repo.commit("policy");
    repo.stage("a.txt", "a\n");
    for _ in 0..40 {
        assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    }
    let dir = repo.root.join(".git/scopecheck");
    let archives = std::fs::read_dir(&dir)
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("audit-"))
        })
        .count();
    assert_eq!(archives, 2, "keeps two archives");
    let v = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(v.code, 0, "{}", v.all());
    assert!(v.stdout.contains("rotated out"), "{}", v.stdout);
}

#[test]
fn a_person_adopts_the_policy_without_no_verify_an_agent_needs_an_approval() {
    let repo = TestRepo::new();
    repo.stage("src/a.rs", "fn a() {}\n");
    repo.commit("base");
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    let ann = signing_key(&repo, "ann");
    use_key(&repo, "ann");
    repo.stage(
        ".scopecheck/allowed-signers",
        format!("ann@example.com {ann}\n"),
    );
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"review\"\n");
    // An agent cannot adopt (or bootstrap its own signers) without a person.
    let run = repo.scopecheck_env(&["pre-commit"], AGENT);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("policy/self-edit"), "{}", run.all());
    assert!(!run.all().contains("trusting"), "{}", run.all());
    // A person adopts through the hook, without --no-verify: the edit is shown and
    // recorded in the audit trail, not stopped.
    let c = git_env(&repo, &["commit", "-qm", "adopt"], &[]);
    assert_eq!(c.code, 0, "{}", c.all());
    assert!(c.all().contains("policy/self-edit"), "{}", c.all());
    let log = repo.scopecheck(&["audit", "show", "--format", "json"]);
    assert!(log.stdout.contains("policy/self-edit"), "{}", log.stdout);

    // A later edit by an agent stops; a person's approval lets it through.
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"block\"\n");
    let c = git_env(&repo, &["commit", "-qm", "loosen"], AGENT);
    assert_ne!(c.code, 0, "{}", c.all());
    let run = repo.scopecheck(&[
        "approve",
        "--rule",
        "policy/self-edit",
        "--path",
        "scopecheck.toml",
        "--reason",
        "fail only on block while we migrate",
        "--yes",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let c = git_env(&repo, &["commit", "-qm", "loosen"], AGENT);
    assert_eq!(c.code, 0, "{}", c.all());
    let log = repo.scopecheck(&[
        "audit",
        "show",
        "--format",
        "json",
        "--command",
        "pre-commit",
    ]);
    let entries: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    let last = entries.as_array().and_then(|a| a.last()).expect("entries");
    assert_eq!(
        last["approved"][0]["approved-by"], "ann@example.com",
        "{last}"
    );
    assert_eq!(last["actor"]["kind"], "agent");
}

#[test]
fn an_agent_deleting_or_ending_its_work_order_is_noticed() {
    let repo = TestRepo::new();
    repo.stage("src/a.rs", "fn a() {}\n");
    repo.stage("docs/d.md", "docs\n");
    repo.commit("base");
    let run = repo.scopecheck(&["task", "start", "--goal", "fix a", "--scope", "src/**"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = repo.scopecheck_env(&["task", "end"], AGENT);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(repo.root.join(".scopecheck/task.toml").exists());
    std::fs::remove_file(repo.root.join(".scopecheck/task.toml")).expect("rm");
    repo.stage("docs/d.md", "docs\nx\n");
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], AGENT);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["task/untrusted-work-order"]);
    assert!(run.stdout.contains("is gone"), "{}", run.stdout);
    // The person ends the task properly: nothing is missing any more.
    let run = repo.scopecheck(&["task", "start", "--goal", "g"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.scopecheck(&["task", "end"]).code, 0);
    assert_eq!(repo.scopecheck_env(&["pre-commit"], AGENT).code, 0);
}

#[test]
fn findings_about_the_gate_cannot_be_suppressed_inline_or_by_baseline() {
    let repo = with_signer();
    // The agent loosens the policy and tries to allow its own self-edit inline.
    repo.stage(
        "scopecheck.toml",
        "# scopecheck:allow policy/self-edit\n[secrets]\nexclude-paths = [\"**\"] # scopecheck:allow policy/self-edit\n",
    );
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], AGENT);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["policy/self-edit"]);
    assert!(
        run.stdout.contains("cannot be suppressed"),
        "{}",
        run.stdout
    );
    repo.git(&["reset", "-q", "--hard"]);
    // A committed baseline cannot hold the fingerprint of a gate finding either.
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"block\"\n");
    let fp = json(&repo.scopecheck(&["pre-commit", "--format", "json"]))["findings"][0]
        ["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    repo.git(&["reset", "-q", "--hard"]);
    repo.stage(
        ".scopecheck-baseline.json",
        format!(
            "{{\"version\": 1, \"entries\": [{{\"fingerprint\": \"{fp}\", \"rule\": \"policy/self-edit\", \"path\": \"scopecheck.toml\", \"reason\": \"scopecheck:allow policy/self-edit vetted\"}}]}}\n"
        ),
    );
    repo.commit("baseline (hooks skipped)");
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"block\"\n");
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], AGENT);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["policy/self-edit"]);
}

#[test]
fn an_agent_cannot_allow_its_own_findings_inline() {
    let repo = TestRepo::new();
    repo.stage("src/a.rs", "fn a() {}\n");
    repo.stage("docs/d.md", "docs\n");
    repo.commit("base");
    assert_eq!(
        repo.scopecheck(&["task", "start", "--goal", "g", "--scope", "src/**"])
            .code,
        0
    );
    repo.stage(
        "docs/d.md",
        "docs\nx <!-- scopecheck:allow scope/out-of-scope-path -->\n",
    );
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    repo.stage(
        "src/a.rs",
        format!("// scopecheck:allow secret/github-pat\nconst T: &str = \"{token}\";\n"),
    );
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], AGENT);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        rules(&run),
        vec!["scope/out-of-scope-path", "secret/github-pat"]
    );
    assert!(
        run.stdout
            .contains("an agent cannot allow its own findings"),
        "{}",
        run.stdout
    );
    // A person's inline allow of a content finding still works; of a path finding not.
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(
        rules(&run),
        vec!["scope/out-of-scope-path"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("only content findings"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_policy_decides_whose_inline_allows_count() {
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    let found = |inline: &str, env: &[(&str, &str)]| {
        let repo = TestRepo::new();
        repo.stage(
            "scopecheck.toml",
            format!("[suppressions]\ninline = \"{inline}\"\n"),
        );
        repo.commit("policy");
        repo.stage(
            "src/a.rs",
            format!("// scopecheck:allow secret/github-pat\nconst T: &str = \"{token}\";\n"),
        );
        let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], env);
        assert!(!run.all().contains(&token));
        (rules(&run), run.stdout)
    };
    let pat = vec!["secret/github-pat".to_owned()];
    assert_eq!(found("people-only", &[]).0, Vec::<String>::new());
    assert_eq!(found("people-only", AGENT).0, pat);
    assert_eq!(found("allow", AGENT).0, Vec::<String>::new());
    let (off, out) = found("off", &[]);
    assert_eq!(off, pat);
    assert!(out.contains("inline allows are off"), "{out}");
    // A value that is not a mode is a configuration error.
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[suppressions]\ninline = \"sometimes\"\n",
    );
    repo.commit("policy");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("suppressions.inline"), "{}", run.all());
}

#[test]
fn an_older_or_swapped_work_order_is_not_the_one_in_force() {
    let repo = with_signer();
    assert_eq!(
        repo.scopecheck(&["task", "start", "--goal", "all", "--scope", "**"])
            .code,
        0
    );
    let wide = repo.sibling("wide.toml");
    std::fs::copy(repo.root.join(".scopecheck/task.toml"), &wide).expect("copy");
    assert_eq!(
        repo.scopecheck(&["task", "start", "--force", "--goal", "fix a", "--scope", "src/**"])
            .code,
        0
    );
    repo.stage("docs/d.md", "docs\nx\n");
    // Put the older, wider (validly signed) work order back.
    std::fs::copy(&wide, repo.root.join(".scopecheck/task.toml")).expect("copy");
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], AGENT);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["task/untrusted-work-order"]);
    assert!(run.stdout.contains("last issued here"), "{}", run.stdout);
    // Or name it with SCOPECHECK_TASK.
    let run = repo.scopecheck_env(
        &["pre-commit", "--format", "json"],
        &[
            ("CLAUDECODE", "1"),
            ("SCOPECHECK_TASK", wide.to_str().expect("utf8")),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(rules(&run), vec!["task/untrusted-work-order"]);
    // Unsigned work orders do not count once an allowed-signers file is in force.
    repo.git(&["config", "--global", "--unset", "gpg.format"]);
    assert_eq!(
        repo.scopecheck(&["task", "start", "--force", "--goal", "g", "--scope", "**"])
            .code,
        0
    );
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], AGENT);
    assert_eq!(
        rules(&run),
        vec!["task/untrusted-work-order"],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("must be"), "{}", run.stdout);
}

#[test]
fn an_old_approval_cannot_be_replayed_onto_restored_content() {
    let repo = with_signer();
    repo.git(&["checkout", "-qb", "feature"]);
    let loose = "[defaults]\nfail-on = \"block\"\n";
    repo.stage("scopecheck.toml", loose);
    assert_eq!(
        repo.scopecheck(&["approve", "--all", "--reason", "loosen for a week", "--yes"])
            .code,
        0
    );
    repo.commit("loosen");
    let old_approval = repo.git(&[
        "diff",
        "--name-only",
        "HEAD~1",
        "HEAD",
        "--",
        ".scopecheck/approvals",
    ]);
    let old_approval = old_approval.trim().to_owned();
    repo.stage(
        "scopecheck.toml",
        "[defaults]\nagent-action-floor = \"review\"\n",
    );
    assert_eq!(
        repo.scopecheck(&["approve", "--all", "--reason", "tighten again", "--yes"])
            .code,
        0
    );
    repo.commit("tighten");
    repo.git(&["branch", "base-for-replay"]);
    repo.git(&["checkout", "-q", "-b", "replay"]);
    // The agent restores the loose policy together with the old approval file.
    repo.stage("scopecheck.toml", loose);
    let text = repo.git(&["show", &format!("HEAD~1:{old_approval}")]);
    repo.stage(".scopecheck/approvals/replayed.json", text);
    repo.commit("restore");
    // The agent's pipeline run (a person's own restore would be a recorded warning).
    let ci = repo.scopecheck_env(
        &[
            "ci",
            "--base",
            "base-for-replay",
            "--head",
            "replay",
            "--format",
            "json",
        ],
        AGENT,
    );
    assert_eq!(ci.code, 1, "{}", ci.all());
    // The loosening is back under review (the commit also shows it skipped the hook).
    assert_eq!(rules(&ci), vec!["policy/self-edit", "policy/skipped-hooks"]);
    assert!(ci.stdout.contains("cannot be replayed"), "{}", ci.stdout);
}

#[test]
fn repository_local_signing_settings_are_ignored_and_odd_entries_are_not_approvals() {
    let repo = with_signer();
    // An agent points the repository's git config at its own "ssh-keygen".
    repo.git(&["config", "gpg.ssh.program", "/bin/false"]);
    repo.git(&["config", "user.signingkey", "/nonexistent"]);
    let run = repo.scopecheck(&["task", "start", "--goal", "g", "--scope", "src/**"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("signed with"), "{}", run.stdout);
    // A submodule entry where approvals live is not an approval.
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},.scopecheck/approvals/sub", head.trim()),
    ]);
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        rules(&run).contains(&"approval/untrusted".to_owned()),
        "{}",
        run.stdout
    );
}

/// Hooks in two worktrees of one repository run at the same moment (two agents, or a
/// person and an agent, committing at once): every decision reaches the log they share
/// whole, in one chain that still verifies, and none is lost.
#[test]
fn concurrent_hooks_in_two_worktrees_append_to_one_chain() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.git(&["add", "-A"]);
    repo.commit("init");
    let other = repo.sibling("second-worktree");
    let other_arg = other.to_str().expect("utf-8 path");
    repo.git(&["worktree", "add", "-q", "-b", "second", other_arg]);
    repo.stage("b.txt", "b\n");
    std::fs::write(other.join("c.txt"), "c\n").expect("write");
    repo.git_in(&other, &["add", "c.txt"]);
    let per_worktree = 8;
    let children: Vec<_> = (0..per_worktree)
        .flat_map(|_| [repo.root.as_path(), other.as_path()])
        .map(|dir| {
            let mut cmd = Command::new(common::BIN);
            cmd.arg("pre-commit").current_dir(dir);
            common::isolate(&mut cmd, repo.home());
            cmd.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn scopecheck")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("scopecheck finishes");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let verify = repo.scopecheck(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.all());
    assert!(
        verify
            .stdout
            .contains(&format!("{} line(s)", 2 * per_worktree)),
        "{}",
        verify.stdout
    );
}
