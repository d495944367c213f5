//! Work orders, protected areas, actor awareness and policy self-protection, end to end.

mod common;

use common::{findings, TestRepo};

fn rules(r: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v = findings(r);
    v.sort();
    v
}

fn start_task(repo: &TestRepo, extra: &[&str]) {
    let mut args = vec![
        "task",
        "start",
        "--goal",
        "paginate the orders API",
        "--scope",
        "src/orders/**",
        "--scope",
        "tests/orders/**",
        "--out-of-scope",
        "src/orders/migrations/**",
        "--allow-command",
        "cargo test",
        "--stop-when",
        "a schema change is needed",
    ];
    args.extend_from_slice(extra);
    let run = repo.scopecheck(&args);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn in_scope_passes_and_out_of_scope_is_blocked_naming_the_glob() {
    let repo = TestRepo::new();
    repo.stage("src/orders/api.rs", "fn list() {}\n");
    repo.stage("src/billing/charge.rs", "fn charge() {}\n");
    repo.commit("base");
    start_task(&repo, &[]);

    repo.stage("src/orders/api.rs", "fn list() {}\nfn page() {}\n");
    repo.stage("tests/orders/page.rs", "#[test] fn t() {}\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "in-scope change: {r}");
    assert!(
        r["notes"].to_string().contains(".scopecheck/task.toml"),
        "{r}"
    );

    repo.stage("src/billing/charge.rs", "fn charge() { refund() }\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![(
            "scope/out-of-scope-path".into(),
            "block".into(),
            "src/billing/charge.rs".into()
        )]
    );
    let msg = r["findings"][0]["message"].as_str().expect("message");
    assert!(
        msg.contains("`src/orders/**`") && msg.contains("`tests/orders/**`"),
        "{msg}"
    );
    repo.git(&["reset", "-q", "--hard"]);

    repo.stage(
        "src/orders/migrations/0002_x.sql",
        "ALTER TABLE t ADD c int;\n",
    );
    let (_, r) = repo.precommit_json();
    let out: Vec<_> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "scope/out-of-scope-path")
        .collect();
    assert_eq!(out.len(), 1);
    assert!(out[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("out-of-scope glob `src/orders/migrations/**`"));
}

#[test]
fn renames_count_on_both_sides() {
    let repo = TestRepo::new();
    repo.stage("src/billing/util.rs", "fn u() {}\n");
    repo.commit("base");
    start_task(&repo, &[]);
    std::fs::create_dir_all(repo.root.join("src/orders")).expect("mkdir");
    repo.git(&["mv", "src/billing/util.rs", "src/orders/util.rs"]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "moving a file out of billing touches billing: {r}");
    assert_eq!(
        rules(&r),
        vec![(
            "scope/out-of-scope-path".into(),
            "block".into(),
            "src/billing/util.rs".into()
        )]
    );
}

#[test]
fn committing_the_issued_work_order_passes_but_an_edited_one_is_review() {
    let repo = TestRepo::new();
    start_task(&repo, &[]);
    // Carrying the work order a person issued (to push and CI) is not an edit of the gate.
    repo.git(&["add", ".scopecheck/task.toml"]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "the issued work order: {r}");
    assert_eq!(rules(&r), vec![]);
    // Edited afterwards by the agent: a self-edit to review, and a work order nobody
    // issued.
    let text = std::fs::read_to_string(repo.root.join(".scopecheck/task.toml")).expect("read");
    repo.stage(".scopecheck/task.toml", text.replace("src/orders/**", "**"));
    let (code, r) = repo.precommit_json_env(&[("CLAUDECODE", "1")]);
    assert_eq!(code, 1, "review stops the commit: {r}");
    assert_eq!(
        rules(&r),
        vec![
            (
                "policy/self-edit".into(),
                "review".into(),
                ".scopecheck/task.toml".into()
            ),
            (
                "task/untrusted-work-order".into(),
                "block".into(),
                ".scopecheck/task.toml".into()
            ),
        ]
    );
}

#[test]
fn size_limits() {
    let repo = TestRepo::new();
    start_task(&repo, &["--max-files", "2", "--max-lines", "5"]);
    for i in 0..3 {
        repo.stage(&format!("src/orders/f{i}.rs"), "a\nb\n");
    }
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "scope/change-too-large");
    let msg = f["message"].as_str().expect("message");
    assert!(
        msg.contains("3 files (limit 2)") && msg.contains("6 changed lines (limit 5)"),
        "{msg}"
    );
}

#[test]
fn task_show_and_end() {
    let repo = TestRepo::new();
    start_task(&repo, &[]);
    let run = repo.scopecheck(&["task", "show"]);
    assert!(
        run.stdout.contains("Goal: paginate the orders API"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("You must not change:\n  - src/orders/migrations/**"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("cargo test"));
    assert_eq!(
        repo.scopecheck(&["task", "start", "--goal", "again"]).code,
        2,
        "no silent overwrite"
    );
    let run = repo.scopecheck(&["task", "end"]);
    assert_eq!(run.code, 0);
    assert!(!repo.root.join(".scopecheck/task.toml").exists());
    // Without a work order there is no scope to leave.
    repo.stage("anywhere/x.rs", "x\n");
    assert_eq!(repo.precommit_json().0, 0);
}

#[test]
fn a_named_work_order_via_flag_or_environment() {
    let repo = TestRepo::new();
    repo.write(
        "../order.toml",
        "goal = \"docs only\"\nscope = [\"docs/**\"]\n",
    );
    let order = repo.root.parent().expect("parent").join("order.toml");
    let order = order.to_str().expect("utf8");
    repo.stage("src/x.rs", "x\n");
    let run = repo.scopecheck(&["pre-commit", "--task", order]);
    assert_eq!(run.code, 1, "{}", run.all());
    let run = repo.scopecheck_env(&["pre-commit"], &[("SCOPECHECK_TASK", order)]);
    assert_eq!(run.code, 1, "{}", run.all());
    std::fs::write(repo.root.join("../bad.toml"), "scope = [\"a/[\"]\n").expect("write");
    let bad = repo.root.parent().expect("parent").join("bad.toml");
    let run = repo.scopecheck(&["pre-commit", "--task", bad.to_str().expect("utf8")]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("invalid glob"), "{}", run.stderr);
}

const PROTECTED: &str = r#"[[scope.protected]]
paths = ["infra/**", ".github/workflows/**"]
action = "review"
deleted = "block"
reason = "the platform team owns these"
"#;

#[test]
fn protected_areas_with_per_status_actions_and_reasons() {
    let repo = TestRepo::new();
    repo.stage("scopecheck.toml", PROTECTED);
    repo.stage("infra/main.tf", "resource \"x\" \"y\" {}\n");
    repo.stage(".github/workflows/ci.yml", "on: push\n");
    repo.commit("base");

    repo.stage("infra/main.tf", "resource \"x\" \"z\" {}\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![(
            "scope/protected-path".into(),
            "review".into(),
            "infra/main.tf".into()
        )]
    );
    assert!(r["findings"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("the platform team owns these"));
    repo.git(&["reset", "-q", "--hard"]);

    repo.git(&["rm", "-q", ".github/workflows/ci.yml"]);
    let (_, r) = repo.precommit_json();
    // A CI definition also runs the gate, so removing it is a self-edit too.
    assert_eq!(
        rules(&r),
        vec![
            (
                "policy/self-edit".into(),
                "warn".into(),
                ".github/workflows/ci.yml".into()
            ),
            (
                "scope/protected-path".into(),
                "block".into(),
                ".github/workflows/ci.yml".into()
            )
        ]
    );
}

#[test]
fn protected_areas_need_a_reason() {
    let repo = TestRepo::new();
    repo.write(
        "p.toml",
        "[[scope.protected]]\npaths = [\"infra/**\"]\naction = \"block\"\n",
    );
    let run = repo.scopecheck(&["config", "--config", "p.toml"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("needs a `reason`"), "{}", run.stderr);
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);
}

#[test]
fn agents_get_the_agent_floor_and_cannot_claim_to_be_human() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[defaults]\nagent-action-floor = \"block\"\n",
    );
    repo.commit("policy");
    // A package only the lockfile names (a transitive one): a warning by default.
    repo.stage(
        "package-lock.json",
        r#"{"lockfileVersion": 3, "packages": {"": {"name": "app"}, "node_modules/left-pad": {"version": "1.3.0"}}}"#,
    );
    // A person: the finding is a warning and the commit passes.
    let run = repo.scopecheck(&["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    // An agent (Claude Code's shell sets CLAUDECODE=1): the floor makes it block.
    let run = repo.scopecheck_env(&["pre-commit", "--format", "json"], &[("CLAUDECODE", "1")]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(r["actor"]["kind"], "agent");
    assert_eq!(r["actor"]["name"], "Claude Code");
    assert_eq!(r["findings"][0]["action"], "block");
    let run = repo.scopecheck_env(
        &["pre-commit"],
        &[("CLAUDECODE", "1"), ("SCOPECHECK_ACTOR", "human")],
    );
    assert_eq!(run.code, 1, "an agent saying it is human is still an agent");
    let run = repo.scopecheck_env(&["pre-commit"], &[("SCOPECHECK_ACTOR", "agent")]);
    assert_eq!(run.code, 1);
}

#[test]
fn per_rule_agent_action() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[rules.\"migration/new-migration\"]\naction = \"warn\"\nagent-action = \"block\"\nreason = \"people may add migrations; agents may not\"\n",
    );
    repo.commit("policy");
    repo.stage("db/migrate/20240101000000_add.rb", "class Add; end\n");
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    let run = repo.scopecheck_env(&["pre-commit"], &[("GEMINI_CLI", "1")]);
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn editing_the_policy_or_baseline_is_a_warning_for_people_and_review_for_agents() {
    let repo = TestRepo::new();
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"review\"\n");
    repo.commit("policy");
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"block\"\n");
    repo.stage(
        ".scopecheck-baseline.json",
        "{\"version\": 1, \"entries\": []}\n",
    );
    for (env, code_wanted, action) in [
        (&[][..], 0, "warn"),
        (&[("CURSOR_AGENT", "1")][..], 1, "review"),
    ] {
        let (code, r) = repo.precommit_json_env(env);
        assert_eq!(code, code_wanted, "{r}");
        assert_eq!(
            rules(&r),
            vec![
                (
                    "policy/self-edit".into(),
                    action.into(),
                    ".scopecheck-baseline.json".into()
                ),
                (
                    "policy/self-edit".into(),
                    action.into(),
                    "scopecheck.toml".into()
                ),
            ]
        );
    }
    // A policy that sets the rule's action itself is taken at its word for agents too.
    repo.stage(
        "scopecheck.toml",
        "[rules.\"policy/self-edit\"]\naction = \"review\"\nreason = \"two people\"\n",
    );
    repo.commit("strict");
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"block\"\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
}

#[test]
fn hooks_in_a_committed_hooks_directory_are_protected() {
    let repo = TestRepo::new();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    assert_eq!(repo.scopecheck(&["install"]).code, 0);
    repo.git(&["add", ".githooks/pre-commit"]);
    let (_, r) = repo.precommit_json();
    assert_eq!(
        rules(&r),
        vec![(
            "policy/self-edit".into(),
            "warn".into(),
            ".githooks/pre-commit".into()
        )]
    );
}

/// `task start --worktree` gives the task its own checkout and branch without touching
/// the main working tree; `task end --remove-worktree` removes it only once nothing in it
/// would be lost.
#[test]
fn task_worktrees_round_trip_without_losing_work() {
    let repo = TestRepo::new();
    let bare = repo.sibling("origin.git");
    repo.git(&["init", "-q", "--bare", bare.to_str().expect("utf8")]);
    repo.git(&["remote", "add", "origin", bare.to_str().expect("utf8")]);
    repo.stage("src/orders/a.rs", "fn a() {}\n");
    repo.stage("docs/d.md", "docs\n");
    repo.commit("base");
    let before = repo.git(&["status", "--porcelain", "--untracked-files=all"]);
    let head = repo.git(&["rev-parse", "HEAD"]);

    let run = repo.scopecheck(&[
        "task",
        "start",
        "--worktree",
        "--branch",
        "agent/orders",
        "--goal",
        "fix orders",
        "--scope",
        "src/orders/**",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let name = repo
        .root
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let wt = repo.sibling(&format!("{name}-agent-orders"));
    assert!(run.stdout.contains("start the agent in"), "{}", run.stdout);
    assert!(wt.join(".scopecheck/task.toml").is_file());
    // The main working tree is as it was.
    assert!(!repo.root.join(".scopecheck/task.toml").exists());
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        before
    );
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    let listed = repo.scopecheck(&["task", "list"]);
    assert!(
        listed
            .stdout
            .contains("[agent/orders]: fix orders (scope: src/orders/**)"),
        "{}",
        listed.stdout
    );

    // The work order applies in the worktree.
    std::fs::write(wt.join("docs/d.md"), "changed\n").expect("write");
    repo.git_in(&wt, &["add", "docs/d.md"]);
    let run = repo.scopecheck_in(&wt, &["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("scope/out-of-scope-path"),
        "{}",
        run.stdout
    );
    repo.git_in(&wt, &["reset", "-q", "--hard"]);

    // A commit that exists only in the worktree's branch: removal is refused.
    std::fs::write(wt.join("src/orders/a.rs"), "fn a() { 1; }\n").expect("write");
    repo.git_in(&wt, &["commit", "-qam", "orders"]);
    let run = repo.scopecheck_in(&wt, &["task", "end", "--remove-worktree"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.all().contains("neither pushed nor merged"),
        "{}",
        run.all()
    );
    assert!(
        wt.join(".scopecheck/task.toml").is_file(),
        "nothing removed on refusal"
    );
    // Uncommitted work is refused too.
    std::fs::write(wt.join("src/orders/b.rs"), "fn b() {}\n").expect("write");
    repo.git_in(
        &wt,
        &["push", "-q", "--no-verify", "origin", "agent/orders"],
    );
    let run = repo.scopecheck_in(&wt, &["task", "end", "--remove-worktree"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("src/orders/b.rs"), "{}", run.all());
    std::fs::remove_file(wt.join("src/orders/b.rs")).expect("rm");

    // Ignored files would be deleted with the worktree: refused too.
    std::fs::write(wt.join(".gitignore"), "local.env\n").expect("write");
    repo.git_in(&wt, &["add", ".gitignore"]);
    repo.git_in(&wt, &["commit", "-qm", "ignore local.env"]);
    repo.git_in(
        &wt,
        &["push", "-q", "--no-verify", "origin", "agent/orders"],
    );
    std::fs::write(wt.join("local.env"), "X=1\n").expect("write");
    let run = repo.scopecheck_in(&wt, &["task", "end", "--remove-worktree"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("local.env"), "{}", run.all());
    std::fs::remove_file(wt.join("local.env")).expect("rm");

    // Pushed and clean: the worktree goes, the branch stays, the main tree is untouched.
    let run = repo.scopecheck_in(&wt, &["task", "end", "--remove-worktree"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!wt.exists());
    assert!(repo
        .git(&["branch", "--list", "agent/orders"])
        .contains("agent/orders"));
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        before
    );
    // The main tree is not a task worktree.
    let run = repo.scopecheck(&["task", "end", "--remove-worktree"]);
    assert_eq!(run.code, 2, "{}", run.all());
}

/// A worktree made with plain `git worktree add` has no marker of its own: an older work
/// order put there (one `task start` recorded, then replaced) is not trusted, while the
/// order active in the main tree still is.
#[test]
fn a_new_worktree_cannot_bring_back_an_older_work_order() {
    let repo = TestRepo::new();
    repo.stage("src/orders/a.rs", "fn a() {}\n");
    repo.stage("docs/d.md", "docs\n");
    repo.commit("base");
    let start = |scope: &str| {
        let run = repo.scopecheck(&["task", "start", "--force", "--goal", "g", "--scope", scope]);
        assert_eq!(run.code, 0, "{}", run.all());
        std::fs::read_to_string(repo.root.join(".scopecheck/task.toml")).expect("order")
    };
    let wide = start("**");
    let _narrow = start("src/orders/**");
    let wt = repo.sibling("plain-worktree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "side",
        wt.to_str().expect("utf8"),
    ]);
    std::fs::create_dir_all(wt.join(".scopecheck")).expect("dir");
    std::fs::write(wt.join(".scopecheck/task.toml"), &wide).expect("old order");
    std::fs::write(wt.join("docs/d.md"), "changed\n").expect("write");
    repo.git_in(&wt, &["add", "docs/d.md"]);
    let run = repo.scopecheck_in(&wt, &["pre-commit", "--format", "json"]);
    assert!(
        run.stdout.contains("task/untrusted-work-order"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("not the work order last issued"),
        "{}",
        run.stdout
    );
}
