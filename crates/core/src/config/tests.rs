use super::*;

fn err(text: &str) -> ConfigError {
    Policy::from_toml("scopecheck.toml", text).expect_err("should be invalid")
}

#[test]
fn embedded_default_parses_and_is_the_documented_default() {
    let p = Policy::embedded();
    assert_eq!(p.source, PolicySource::Embedded);
    assert_eq!(p.max_file_size, 1024 * 1024);
    assert_eq!(p.fail_on, Action::Review);
    assert!(p.sensitive_files.enabled);
    assert_eq!(
        p.action_for("secret/sensitive-file", ".env", Action::Block),
        Some(Action::Block)
    );
}

#[test]
fn empty_file_is_the_default_policy() {
    let p = Policy::from_toml("scopecheck.toml", "").expect("valid");
    assert_eq!(p.max_file_size, Policy::embedded().max_file_size);
}

#[test]
fn unknown_key_names_the_key_with_line_and_column() {
    let e = err("[defaults]\nfail-on = \"block\"\nmax-file-sise = 10\n");
    assert_eq!(e.problems.len(), 1);
    let p = &e.problems[0];
    assert!(p.message.contains("max-file-sise"), "{}", p.message);
    assert_eq!((p.line, p.column), (3, 1));
}

#[test]
fn syntax_error_has_a_location() {
    let e = err("[defaults\nfail-on = 1\n");
    assert_eq!(e.problems[0].line, 1);
}

#[test]
fn every_semantic_problem_is_collected() {
    let text = r#"[defaults]
fail-on = "deny"
max-file-size = "12 parsecs"

[rules."secret/no-such-rule"]
action = "warn"

[rules."secret/sensitive-file"]
action = "allow"
exclude-paths = ["a/[b"]
"#;
    let e = err(text);
    let msgs: Vec<_> = e
        .problems
        .iter()
        .map(|p| (p.line, p.message.clone()))
        .collect();
    assert_eq!(e.problems.len(), 5, "{msgs:#?}");
    assert!(msgs
        .iter()
        .any(|(l, m)| *l == 2 && m.contains("defaults.fail-on")));
    assert!(msgs
        .iter()
        .any(|(l, m)| *l == 3 && m.contains("max-file-size")));
    assert!(msgs
        .iter()
        .any(|(l, m)| *l == 5 && m.contains("secret/no-such-rule")));
    assert!(msgs
        .iter()
        .any(|(l, m)| *l == 10 && m.contains("invalid glob")));
    assert!(msgs
        .iter()
        .any(|(l, m)| *l == 8 && m.contains("needs a `reason`")));
    assert!(e.summary().contains("scopecheck.toml:2:11:"));
}

#[test]
fn rule_overrides_and_exclusions_apply() {
    let p = Policy::from_toml(
        "scopecheck.toml",
        r#"
[rules."secret/sensitive-file"]
action = "warn"
exclude-paths = ["tests/fixtures/**"]
reason = "fixtures are generated"

[rules."file/too-large-to-scan"]
action = "block"
"#,
    )
    .expect("valid");
    assert_eq!(
        p.action_for(
            "secret/sensitive-file",
            "tests/fixtures/.env",
            Action::Block
        ),
        None
    );
    assert_eq!(
        p.action_for("secret/sensitive-file", "app/.env", Action::Block),
        Some(Action::Warn)
    );
    assert_eq!(
        p.action_for("file/too-large-to-scan", "big.bin", Action::Warn),
        Some(Action::Block)
    );
    let eff = p.effective();
    assert_eq!(eff.rules["secret/sensitive-file"].action, Action::Warn);
    assert_eq!(
        eff.rules["secret/sensitive-file"].default_action,
        Action::Block
    );
}

#[test]
fn sizes_accept_units() {
    for (text, want) in [
        ("10", 10u64),
        ("\"512 KiB\"", 512 * 1024),
        ("\"2MiB\"", 2 << 20),
        ("\"1.5 MB\"", 1_500_000),
    ] {
        let p =
            Policy::from_toml("t", &format!("[defaults]\nmax-file-size = {text}\n")).expect(text);
        assert_eq!(p.max_file_size, want, "{text}");
    }
    for bad in ["0", "-1", "\"ten\"", "true", "\"5 parsecs\""] {
        assert!(
            Policy::from_toml("t", &format!("[defaults]\nmax-file-size = {bad}\n")).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn globs_without_slash_match_at_any_depth_and_star_stays_in_a_directory() {
    let g = path_glob("*.pem").expect("glob").compile_matcher();
    assert!(g.is_match("a/b/c.pem"));
    let g = path_glob("infra/*").expect("glob").compile_matcher();
    assert!(g.is_match("infra/main.tf"));
    assert!(!g.is_match("infra/modules/x.tf"));
    let g = path_glob("/infra/**").expect("glob").compile_matcher();
    assert!(g.is_match("infra/modules/x.tf"));
}

/// The JSON Schema published for editors is generated from the types the policy is read
/// into, so it cannot drift from what `scopecheck` accepts. Run with
/// `SCOPECHECK_WRITE_SCHEMA=1` to rewrite it after changing the configuration types.
#[test]
fn the_published_json_schema_is_the_config_types() {
    let mut schema = schemars::schema_for!(super::raw::RawConfig);
    schema.insert("title".into(), "scopecheck.toml".into());
    schema.insert(
        "description".into(),
        "scopecheck's policy file (see the README's configuration reference).".into(),
    );
    let text = serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scopecheck.schema.json");
    if std::env::var_os("SCOPECHECK_WRITE_SCHEMA").is_some() {
        std::fs::write(path, &text).expect("write the schema");
    }
    let published = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        published == text,
        "{path} is out of date: run `SCOPECHECK_WRITE_SCHEMA=1 cargo test -p scopecheck-core the_published_json_schema`"
    );
    // It knows the sections and refuses unknown keys, as the parser does.
    for key in [
        "defaults",
        "secrets",
        "scope",
        "migrations",
        "dependencies",
        "suppressions",
        "rules",
    ] {
        assert!(text.contains(&format!("\"{key}\"")), "{key}");
    }
    assert!(text.contains("\"additionalProperties\": false"));
}
