//! Configuration files through the real binary: valid fixtures load, each invalid fixture
//! fails with exit 2 naming its line, column and key (declared in its `# expect:` line).

mod common;

use std::path::Path;

use common::{findings, TestRepo};

fn fixtures(kind: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/configs")
        .join(kind);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {}", dir.display());
    v
}

#[test]
fn valid_configs_load() {
    let repo = TestRepo::new();
    for path in fixtures("valid") {
        let p = path.to_str().expect("utf8");
        let run = repo.scopecheck(&["config", "--all", "--config", p]);
        assert_eq!(run.code, 0, "{p}: {}", run.all());
        assert!(
            run.stdout.contains("[rules.\"secret/sensitive-file\"]"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn invalid_configs_name_line_column_and_key() {
    let repo = TestRepo::new();
    for path in fixtures("invalid") {
        let text = std::fs::read_to_string(&path).expect("read");
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks an `# expect:` line", path.display()));
        let (loc, key) = expect.split_once(' ').expect("`line:col key`");
        let (line, col) = loc.split_once(':').expect("line:col");
        let p = path.to_str().expect("utf8");
        for args in [
            vec!["config", "--config", p],
            vec!["pre-commit", "--config", p],
        ] {
            let run = repo.scopecheck(&args);
            assert_eq!(run.code, 2, "{p}: {}", run.all());
            let err = &run.stderr;
            assert!(!err.contains("panicked"), "{p}: {err}");
            assert!(err.contains(key), "{p}: key `{key}` not named:\n{err}");
            assert!(
                err.contains(&format!("line {line}, column {col}")),
                "{p}: location {line}:{col} not given:\n{err}"
            );
        }
    }
}

#[test]
fn the_committed_policy_judges_and_a_staged_edit_waits_for_the_next_commit() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[rules.\"secret/sensitive-file\"]\naction = \"warn\"\nreason = \"demo repository\"\n",
    );
    repo.commit("policy");
    repo.stage(".env", "X=1\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "warn does not stop the commit: {r}");
    assert_eq!(
        findings(&r),
        vec![("secret/sensitive-file".into(), "warn".into(), ".env".into())]
    );
    assert_eq!(r["policy"], "scopecheck.toml at HEAD");

    // A staged edit that would switch the check off does not judge its own commit, and
    // is itself a finding; an unstaged edit changes nothing at all.
    repo.stage("scopecheck.toml", "[sensitive-files]\nenabled = false\n");
    repo.write("scopecheck.toml", "[secrets]\nenabled = false\n");
    // A person's edit is shown and recorded (warn); it passes without --no-verify.
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        findings(&r),
        vec![
            ("secret/sensitive-file".into(), "warn".into(), ".env".into()),
            (
                "policy/self-edit".into(),
                "warn".into(),
                "scopecheck.toml".into()
            ),
        ]
    );
    assert!(
        r["notes"].to_string().contains("changed in this commit"),
        "{r}"
    );
    // Unstaged only: the committed policy still judges, and the report says the edit
    // waits for a commit.
    repo.git(&["reset", "-q", "scopecheck.toml"]);
    let (_, r) = repo.precommit_json();
    assert!(
        r["notes"].to_string().contains("has uncommitted edits"),
        "{r}"
    );
    assert_eq!(
        findings(&r),
        vec![("secret/sensitive-file".into(), "warn".into(), ".env".into())]
    );
}

#[test]
fn a_committed_malformed_policy_fails_closed() {
    let repo = TestRepo::new();
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"sometimes\"\n");
    repo.commit("broken policy (hooks bypassed)");
    repo.stage("a.txt", "a\n");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("defaults.fail-on"), "{}", run.stderr);
    assert!(run.stderr.contains("scopecheck.toml"), "{}", run.stderr);
}

#[test]
fn exclusions_and_fail_on() {
    let repo = TestRepo::new();
    repo.stage(
        ".scopecheck.toml",
        "[defaults]\nfail-on = \"block\"\n[rules.\"secret/sensitive-file\"]\naction = \"review\"\nexclude-paths = [\"tests/fixtures/**\"]\nreason = \"generated test keys\"\n",
    );
    repo.commit("policy");
    repo.stage("tests/fixtures/.env", "X=1\n");
    repo.stage("app/.env", "X=1\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "review is below fail-on = block: {r}");
    assert_eq!(r["excluded"], 1);
    assert_eq!(
        findings(&r),
        vec![(
            "secret/sensitive-file".into(),
            "review".into(),
            "app/.env".into()
        )]
    );
    // --fail-on overrides the policy.
    let run = repo.scopecheck(&["pre-commit", "--fail-on", "review"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("needs review"), "{}", run.stdout);
}

#[test]
fn default_policy_flag_ignores_the_repository_file() {
    let repo = TestRepo::new();
    repo.stage("scopecheck.toml", "[sensitive-files]\nenabled = false\n");
    repo.commit("policy");
    repo.stage(".env", "X=1\n");
    assert_eq!(repo.scopecheck(&["pre-commit"]).code, 0);
    assert_eq!(repo.scopecheck(&["pre-commit", "--default-policy"]).code, 1);
}

#[test]
fn init_writes_the_starter_which_is_the_default() {
    let repo = TestRepo::new();
    let run = repo.scopecheck(&["init"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let written = std::fs::read_to_string(repo.root.join("scopecheck.toml")).expect("written");
    assert!(written.contains("fail-on = \"review\""));
    assert_eq!(repo.scopecheck(&["init"]).code, 2, "refuses to overwrite");
    assert_eq!(repo.scopecheck(&["init", "--force"]).code, 0);
    repo.git(&["add", "scopecheck.toml"]);
    repo.commit("policy");
    let staged = repo.scopecheck(&["config", "--format", "json", "--all"]);
    let embedded = repo.scopecheck(&["config", "--format", "json", "--all", "--default-policy"]);
    let mut a: serde_json::Value = serde_json::from_str(&staged.stdout).expect("json");
    let mut b: serde_json::Value = serde_json::from_str(&embedded.stdout).expect("json");
    assert_eq!(a["source"]["name"], "scopecheck.toml (HEAD)");
    a["source"] = serde_json::Value::Null;
    b["source"] = serde_json::Value::Null;
    assert_eq!(
        a, b,
        "the starter file must be exactly the embedded default"
    );
    // By default `config` prints only what differs from the embedded default.
    let short = repo.scopecheck(&["config"]);
    assert!(short.stdout.lines().count() < 10, "{}", short.stdout);
    repo.stage(
        "scopecheck.toml",
        "[defaults]\nfail-on = \"block\"\n[rules.\"secret/jwt\"]\naction = \"warn\"\nreason = \"test tokens\"\n",
    );
    repo.commit("tuned");
    let short = repo.scopecheck(&["config"]);
    let text = &short.stdout;
    assert!(text.contains("fail-on = \"block\""), "{text}");
    assert!(text.contains("secret/jwt"), "{text}");
    assert!(!text.contains("secret/github-pat"), "{text}");
    assert!(text.lines().count() < 40, "{text}");
    let all = repo.scopecheck(&["config", "--all"]);
    assert!(all.stdout.contains("secret/github-pat"));
}

#[test]
fn version_completions_and_man_page() {
    let repo = TestRepo::new();
    let v = repo.scopecheck(&["--version"]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.contains("rule pack"), "{}", v.stdout);
    assert!(v.stdout.contains("secret rules"), "{}", v.stdout);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let c = repo.scopecheck(&["completions", shell]);
        assert_eq!(c.code, 0, "{shell}");
        assert!(
            c.stdout.contains("doctor") && c.stdout.contains("pre-commit"),
            "{shell}"
        );
    }
    let man = repo.scopecheck(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH scopecheck"),
        "{}",
        man.stdout
    );
    assert!(man.stdout.contains("doctor"));
}

#[test]
fn rules_and_explain() {
    let repo = TestRepo::new();
    let run = repo.scopecheck(&["rules"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("secret/sensitive-file"));
    assert!(run.stdout.contains("file/too-large-to-scan"));
    let run = repo.scopecheck(&["explain", "secret/sensitive-file"]);
    assert_eq!(run.code, 0);
    for section in ["## What it does", "## Why is this bad", "## How to fix"] {
        assert!(run.stdout.contains(section), "{}", run.stdout);
    }
    assert_eq!(repo.scopecheck(&["explain", "secret/nope"]).code, 2);
}

/// The README's rule counts are the tool's: a number that drifts from the rule pack is
/// a test failure, not a stale claim.
#[test]
fn readme_rule_counts_match_the_rule_pack() {
    let repo = TestRepo::new();
    let run = repo.scopecheck(&["config", "--all", "--format", "json", "--default-policy"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let builtin = v["secrets"]["builtin-rules"].as_u64().expect("count");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for claim in [
        format!("({builtin} built-in rules"),
        format!("`secret/<provider>-<kind>` ({builtin} rules)"),
    ] {
        assert!(readme.contains(&claim), "README does not say {claim:?}");
    }
    let listed = repo.scopecheck(&["rules"]);
    let secret_rules = listed
        .stdout
        .lines()
        .filter(|l| l.starts_with("secret/") && !l.starts_with("secret/sensitive-file"))
        .count() as u64;
    assert_eq!(
        secret_rules, builtin,
        "`scopecheck rules` lists every built-in rule"
    );
}
