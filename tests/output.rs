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

fn findings_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    repo.stage("svc/.env", "\nAPI_TOKEN=tok_live_9f8e7d6c5b4a39281706\n");
    repo.stage(
        "db/migrate/20240101000000_drop.rb",
        "class Drop\n  def up\n    drop_table :users\n  end\nend\n",
    );
    repo
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_every_result_has_a_location() {
    let repo = findings_repo();
    let run = repo.scopecheck(&["pre-commit", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    let schema_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schemas/sarif-2.1.0.json");
    // The official schema's `run.language` pattern has a stray `]` that strict ECMA-262
    // checking rejects; escape it so the rest of the schema can be enforced as published.
    let text = std::fs::read_to_string(schema_path)
        .expect("schema")
        .replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2}\\\\]?$");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator is not vacuous: a broken log fails it.
    let broken = serde_json::json!({"version": "2.0.0", "runs": [{"results": [{"message": 1}]}]});
    assert!(validator.iter_errors(&broken).count() > 0);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() >= 3, "{sarif}");
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string(), "{r}");
        assert!(
            loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{r}"
        );
    }
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules
        .iter()
        .all(|r| r["help"]["text"].as_str().is_some_and(|t| t.len() > 20)));
    assert!(!run.stdout.contains("tok_live_9f8e7d6c5b4a39281706"));
}

#[test]
fn junit_github_markdown_and_output_file() {
    let repo = findings_repo();
    let run = repo.scopecheck(&["pre-commit", "--format", "junit"]);
    assert!(run.stdout.starts_with("<?xml"), "{}", run.stdout);
    assert!(run.stdout.contains("<failure"), "{}", run.stdout);
    assert!(run.stdout.contains("classname=\"secret/sensitive-file\""));

    let run = repo.scopecheck(&["pre-commit", "--format", "github"]);
    assert!(
        run.stdout.lines().any(|l| l.starts_with(
            "::error file=svc/.env,line=2,col=1,title=scopecheck secret/sensitive-file (block)::"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("::error file=db/migrate/20240101000000_drop.rb,line=3,"),
        "{}",
        run.stdout
    );

    let run = repo.scopecheck(&["pre-commit", "--format", "markdown"]);
    assert!(
        run.stdout.contains("scopecheck stopped this change"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("| block | `secret/sensitive-file` | `svc/.env:2` |"),
        "{}",
        run.stdout
    );

    let out = repo.root.join("../report.sarif");
    let run = repo.scopecheck(&[
        "pre-commit",
        "--format",
        "sarif",
        "--output",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("change stopped"),
        "human output on stdout: {}",
        run.stdout
    );
    let written = std::fs::read_to_string(&out).expect("written");
    assert!(written.contains("\"version\": \"2.1.0\""));
}

#[test]
fn human_output_puts_what_stops_the_change_first_and_each_rules_help_once() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("base");
    // Three warnings of one rule at paths sorting before a blocking finding.
    for dir in ["a", "b", "c"] {
        repo.stage(
            &format!("{dir}/package.json"),
            format!("{{\"dependencies\": {{\"left-pad-{dir}\": \"1.0.0\"}}}}\n"),
        );
    }
    repo.stage("z/.env", "X=1\n");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    let first_block = out.find("z/.env").expect("the block finding");
    let first_warn = out.find("a/package.json").expect("a warning");
    assert!(first_block < first_warn, "block not first:\n{out}");
    assert!(out.matches("dependency/new-package").count() >= 3, "{out}");
    assert_eq!(
        out.matches("Check the package (maintainers").count(),
        1,
        "the rule's help once:\n{out}"
    );
}
