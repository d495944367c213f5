//! Output contracts: the human report and the JSON schema documented in README.md.

mod common;

use common::TestRepo;

fn repo_with_env() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    repo.stage("svc/.env", "\nAPI_TOKEN=tok_live_9f8e7d6c5b4a39281706\n");
    repo
}

#[test]
fn human_output_names_rule_file_and_line_without_colour_when_not_a_tty() {
    let repo = repo_with_env();
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(out.contains("secret/sensitive-file"), "{out}");
    assert!(out.contains("svc/.env:2:1"), "{out}");
    assert!(out.contains("change stopped"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "colour on a pipe / with NO_COLOR:\n{out}"
    );
    assert!(
        !out.contains("tok_live_9f8e7d6c5b4a39281706"),
        "secret printed:\n{out}"
    );

    let run = repo.scopecheck(&["--color", "always", "pre-commit"]);
    assert!(
        run.stdout.contains('\u{1b}'),
        "--color always gave no colour"
    );
}

#[test]
fn json_schema_v1() {
    let repo = repo_with_env();
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["tool"]["name"], "scopecheck");
    assert_eq!(r["origin"]["kind"], "staged");
    assert_eq!(r["decision"], "block");
    assert_eq!(r["blocked"], true);
    assert_eq!(r["exit_code"], 1);
    assert_eq!(r["fail_on"], "review");
    assert_eq!(r["files_checked"], 1);
    let f = &r["findings"][0];
    for key in [
        "rule",
        "action",
        "path",
        "line",
        "column",
        "message",
        "help",
        "fingerprint",
    ] {
        assert!(!f[key].is_null(), "finding lacks `{key}`: {f}");
    }
    assert_eq!(f["line"], 2, "the first added line");
    assert!(!r.to_string().contains("tok_live_9f8e7d6c5b4a39281706"));

    // The fingerprint survives a line shift and re-staging.
    let before = f["fingerprint"].clone();
    repo.stage(
        "svc/.env",
        "# header\n\n\nAPI_TOKEN=tok_live_9f8e7d6c5b4a39281706\n",
    );
    let (_, r) = repo.precommit_json();
    assert_eq!(r["findings"][0]["fingerprint"], before);
}

#[test]
fn clean_change_passes_with_exit_zero() {
    let repo = TestRepo::new();
    repo.stage("src/lib.rs", "pub fn x() {}\n");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("passed"), "{}", run.stdout);
}
