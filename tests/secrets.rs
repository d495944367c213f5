//! Secret detection end to end: pre-commit on real repositories, directory and history
//! scans, suppressions, baselines, custom rules, and redaction everywhere.

mod common;

use common::{findings, TestRepo};

/// Test tokens are assembled at run time so this file holds no literal credential.
fn github_pat() -> String {
    format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4")
}

fn stripe_key() -> String {
    format!("sk_live_{}", "51HxQ2pLk9Vn3Rt7Ws8Yz4Ab6Cd0Ef1Gh2Ij")
}

fn assert_redacted(output: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !output.contains(s),
            "a secret leaked into output:\n{output}"
        );
    }
}

#[test]
fn precommit_blocks_a_token_on_an_added_line_and_never_prints_it() {
    let repo = TestRepo::new();
    repo.stage("src/app.py", "import os\n\nDEBUG = False\n");
    repo.commit("base");
    let pat = github_pat();
    repo.stage(
        "src/app.py",
        format!("import os\n\nDEBUG = False\nGITHUB_TOKEN = \"{pat}\"\n"),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(
        findings(&r),
        vec![(
            "secret/github-pat".into(),
            "block".into(),
            "src/app.py".into()
        )]
    );
    let f = &r["findings"][0];
    assert_eq!(f["line"], 4);
    assert_eq!(f["column"], 17);
    let evidence = f["evidence"].as_str().expect("evidence");
    assert!(
        evidence.starts_with("ghp_…[redacted 40 chars"),
        "{evidence}"
    );
    assert_redacted(&r.to_string(), &[&pat]);

    let human = repo.scopecheck(&["pre-commit"]);
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains("src/app.py:4:17"), "{}", human.stdout);
    assert!(
        human.stdout.contains("GITHUB_TOKEN = \"ghp_…[redacted"),
        "{}",
        human.stdout
    );
    assert_redacted(&human.all(), &[&pat]);
}

#[test]
fn only_added_lines_count() {
    let repo = TestRepo::new();
    let key = stripe_key();
    repo.stage("config.py", format!("STRIPE = \"{key}\"\nA = 1\n"));
    repo.commit("a secret that is already committed (hooks bypassed)");
    repo.stage("config.py", format!("STRIPE = \"{key}\"\nA = 2\n"));
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "an untouched line was reported: {r}");
}

#[test]
fn a_private_key_is_found_when_any_of_its_lines_is_added() {
    let repo = TestRepo::new();
    let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\nLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo\n";
    let key = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n");
    repo.stage("deploy/key.txt", &key);
    repo.commit("base");
    let edited = key.replace("LxoS2tFczGkPLPgizsku", "LxoS2tFczGkPLPgizskX");
    repo.stage("deploy/key.txt", &edited);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    assert_eq!(findings(&r)[0].0, "secret/private-key");
    assert_redacted(&r.to_string(), &["VTLw7onLRnrq0"]);
}

#[test]
fn inline_allow_must_name_the_rule() {
    let repo = TestRepo::new();
    let pat = github_pat();
    repo.stage(
        "tests/fixture.py",
        format!(
            "# scopecheck:allow secret/github-pat -- fake token for the parser test\nA = \"{pat}\"\nB = \"{pat}\"  # scopecheck:allow secret/jwt\n"
        ),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "the line naming another rule is still reported");
    let f = findings(&r);
    assert_eq!(f.len(), 1);
    assert_eq!(r["findings"][0]["line"], 3);
    assert_eq!(r["suppressed"][0]["suppressed_by"], "inline");
    assert_eq!(r["suppressed"][0]["line"], 2);
    let unused = r["unused_suppressions"].to_string();
    assert!(
        unused.contains("tests/fixture.py:3") && unused.contains("secret/jwt"),
        "{unused}"
    );
}

#[test]
fn baseline_accepts_known_findings_and_reports_stale_entries() {
    let repo = TestRepo::new();
    let pat = github_pat();
    repo.stage("legacy/settings.py", format!("TOKEN = \"{pat}\"\n"));
    // Untracked (not ignored) files and unstaged edits lying around are not accepted:
    // only what git tracks goes into a baseline.
    repo.write(".env", "AWS_SECRET=1\n");
    repo.stage("legacy/other.py", "X = 1\n");
    repo.write("legacy/other.py", format!("X = \"{}\"\n", stripe_key()));
    let run = repo.scopecheck(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());

    let run = repo.scopecheck(&["baseline"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("no `[secrets] fingerprint-key`"),
        "{}",
        run.stdout
    );
    let written =
        std::fs::read_to_string(repo.root.join(".scopecheck-baseline.json")).expect("baseline");
    assert!(written.contains("secret/github-pat"));
    assert!(!written.contains(".env"), "{written}");
    assert!(!written.contains("other.py"), "{written}");
    assert_redacted(&written, &[&pat]);
    std::fs::remove_file(repo.root.join(".env")).expect("rm .env");
    repo.write("legacy/other.py", "X = 1\n");

    let run = repo.scopecheck(&["scan", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(r["suppressed"][0]["suppressed_by"], "baseline");

    // The secret is removed: the entry is stale and says so.
    repo.write("legacy/settings.py", "TOKEN = os.environ[\"TOKEN\"]\n");
    let run = repo.scopecheck(&["scan"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("no longer matches anything"),
        "{}",
        run.stdout
    );

    // pre-commit honours the committed baseline.
    repo.git(&["rm", "--cached", "-q", "-f", "legacy/settings.py"]);
    repo.git(&["add", ".scopecheck-baseline.json"]);
    repo.commit("baseline");
    repo.write("legacy/settings.py", format!("TOKEN = \"{pat}\"\n"));
    repo.git(&["add", "-A"]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
}

#[test]
fn directory_scan_respects_gitignore_unless_told_not_to() {
    let repo = TestRepo::new();
    let key = stripe_key();
    repo.write(".gitignore", "build/\n");
    repo.write("build/out.js", format!("var k='{key}';\n"));
    repo.write("src/pay.js", format!("const stripeKey = '{key}';\n"));
    let run = repo.scopecheck(&["scan", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let paths: Vec<String> = findings(&r).into_iter().map(|f| f.2).collect();
    assert_eq!(paths, vec!["src/pay.js"]);
    let run = repo.scopecheck(&["scan", "--no-ignore", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let paths: Vec<String> = findings(&r).into_iter().map(|f| f.2).collect();
    assert_eq!(paths, vec!["build/out.js", "src/pay.js"]);
    assert_redacted(&run.all(), &[&key]);
}

#[test]
fn history_scan_reports_the_first_commit_of_a_removed_secret() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("one");
    let pat = github_pat();
    repo.stage("ci/deploy.sh", format!("export GITHUB_TOKEN={pat}\n"));
    repo.commit("two: oops");
    let leaked_in = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // The same secret copied elsewhere later, then everything removed.
    repo.stage("ci/other.sh", format!("export GITHUB_TOKEN={pat}\n"));
    repo.commit("three");
    repo.git(&["rm", "-q", "ci/deploy.sh", "ci/other.sh"]);
    repo.commit("four: remove");

    // The working tree is clean of secrets...
    assert_eq!(repo.scopecheck(&["scan"]).code, 0);
    // ...but history is not.
    let run = repo.scopecheck(&["scan", "--history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let deploy: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"] == "ci/deploy.sh")
        .collect();
    assert_eq!(deploy.len(), 1, "{r}");
    assert_eq!(deploy[0]["commit"], leaked_in.as_str());
    assert!(
        r["notes"].to_string().contains("4 commits"),
        "{}",
        r["notes"]
    );
    assert_redacted(&run.all(), &[&pat]);
}

#[test]
fn custom_rules_from_the_policy() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        r#"[[secrets.rules]]
id = "acme/internal-token"
name = "ACME internal token"
keywords = ["acme_"]
regex = '\bacme_[a-z0-9]{32}\b'
entropy = 3.0
"#,
    );
    repo.commit("policy");
    repo.stage(
        "app.ts",
        "const t = \"acme_0f3k9x7q2m5n8b4v1c6z0l9p2r7t4w3y\";\n",
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    assert_eq!(findings(&r)[0].0, "acme/internal-token");

    repo.stage(
        "scopecheck.toml",
        "[[secrets.rules]]\nid = \"acme/broken\"\nname = \"broken\"\nkeywords = [\"acme_\"]\nregex = 'acme_[a-z'\n",
    );
    repo.commit("broken policy (hooks bypassed)");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("invalid regex"), "{}", run.stderr);
    assert!(run.stderr.contains("line 5, column 9"), "{}", run.stderr);
}

#[test]
fn rules_lists_the_pack_and_explain_covers_secret_rules() {
    let repo = TestRepo::new();
    let run = repo.scopecheck(&["rules"]);
    assert!(
        run.stdout.lines().count() >= 250,
        "{}",
        run.stdout.lines().count()
    );
    let run = repo.scopecheck(&["explain", "secret/aws-access-key-id"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("rotate"), "{}", run.stdout);
}

#[test]
fn binary_files_are_not_scanned_for_text_secrets() {
    let repo = TestRepo::new();
    let mut blob = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    blob.extend_from_slice(format!("token={}\0", github_pat()).as_bytes());
    repo.write("bin/tool", &blob);
    repo.write("src/app.py", format!("TOKEN = \"{}\"\n", github_pat()));
    let run = repo.scopecheck(&["scan", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let paths: Vec<String> = findings(&r).into_iter().map(|f| f.2).collect();
    assert_eq!(paths, vec!["src/app.py"]);
}

#[test]
fn history_scan_finds_a_secret_added_to_a_later_version_and_merged_branches() {
    let repo = TestRepo::new();
    let body: String = (0..200).map(|i| format!("echo step {i}\n")).collect();
    repo.stage("ci/deploy.sh", &body);
    repo.commit("one");
    // A later version of the same file gains a secret in the middle.
    let pat = github_pat();
    let with_secret = body.replace(
        "echo step 100\n",
        &format!("echo step 100\nexport GITHUB_TOKEN={pat}\n"),
    );
    repo.stage("ci/deploy.sh", &with_secret);
    repo.commit("two: oops");
    let leaked_in = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // More versions that keep the secret line: it is reported once, where it appeared.
    repo.stage("ci/deploy.sh", format!("{with_secret}echo done\n"));
    repo.commit("three");
    // A branch with its own secret, merged: found in the branch's commit.
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let key = format!("sk_live_{}", "51HxQ2pLk9Vn3Rt7Ws8Yz4Ab6Cd0Ef1Gh2Ij");
    repo.stage("pay.js", format!("const k = \"{key}\";\n"));
    repo.commit("topic");
    let topic = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("README.md", "readme\n");
    repo.commit("main moves");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);

    let run = repo.scopecheck(&["scan", "--history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found: Vec<(String, String, u64)> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|x| x.starts_with("secret/")))
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["commit"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("ci/deploy.sh".to_owned(), leaked_in, 102),
            ("pay.js".to_owned(), topic, 1),
        ],
        "{r:#}"
    );
    assert_redacted(&run.all(), &[&pat, &key]);
}

/// The detection defects found by replaying real repositories (issue 17), one labelled
/// row each in `fixtures/secrets/replay-defects.jsonl`: every row is staged as its own
/// file and judged by one pre-commit run; a `match` row must get a secret finding in its
/// file, a `nomatch` row none, and no secret text may reach the output.
#[test]
fn replay_defects_are_found_and_real_code_is_not_flagged() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/secrets/replay-defects.jsonl");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl row"))
        .collect();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let repo = TestRepo::new();
    repo.stage("README.md", "cases\n");
    repo.commit("base");
    let mut files = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let name = row["path"].as_str().unwrap_or("input.txt");
        let path = format!("case{i:02}/{name}");
        repo.stage(&path, row["text"].as_str().expect("text"));
        files.push(path);
    }
    let (_, report) = repo.precommit_json();
    let mut wrong = Vec::new();
    for (row, path) in rows.iter().zip(&files) {
        let rules: Vec<&str> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["path"] == path.as_str())
            .filter_map(|f| f["rule"].as_str())
            .filter(|r| r.starts_with("secret/"))
            .collect();
        let expect_match = row["expect"] == "match";
        if expect_match == rules.is_empty() {
            wrong.push(format!(
                "{} {}: {rules:?} {}",
                row["rule"], row["expect"], path
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Redaction: no value of a `match` row (its longest word with a digit) is printed.
    let output = report.to_string();
    for row in rows.iter().filter(|r| r["expect"] == "match") {
        let text = row["text"].as_str().expect("text");
        let longest = text
            .split(|c: char| c.is_whitespace() || "\"'=(),;{}<>".contains(c))
            .filter(|w| w.bytes().any(|b| b.is_ascii_digit()))
            .max_by_key(|w| w.len())
            .unwrap_or("");
        assert!(!output.contains(longest), "leaked: {longest}");
    }
}

/// The plain (unkeyed) fingerprint, as `sha256sum` computes it: rule, path and secret
/// joined by NUL bytes, first 16 bytes in hex.
fn plain_fingerprint(rule: &str, path: &str, secret: &str) -> String {
    let out = common::output_with_stdin(
        &mut std::process::Command::new("sha256sum"),
        format!("{rule}\0{path}\0{secret}").as_bytes(),
    );
    String::from_utf8_lossy(&out.stdout)[..32].to_owned()
}

#[test]
fn secret_fingerprints_are_keyed_by_the_policy_and_evidence_carries_no_hash() {
    let pat = github_pat();
    let fingerprint_in = |policy: Option<&str>| {
        let repo = TestRepo::new();
        if let Some(p) = policy {
            repo.stage("scopecheck.toml", p);
            repo.commit("policy");
        }
        repo.stage("config.py", format!("TOKEN = \"{pat}\"\n"));
        let (code, r) = repo.precommit_json();
        assert_eq!(code, 1, "{r}");
        let f = &r["findings"][0];
        assert_eq!(f["rule"], "secret/github-pat", "{r}");
        let evidence = f["evidence"].as_str().expect("evidence").to_owned();
        assert!(!evidence.contains("sha256"), "{evidence}");
        assert_redacted(&r.to_string(), &[&pat]);
        f["fingerprint"].as_str().expect("fingerprint").to_owned()
    };
    let key = |k: &str| format!("[secrets]\nfingerprint-key = \"{}\"\n", k.repeat(32));
    // Without a key: the plain hash, so existing baselines and approvals keep matching.
    let plain = fingerprint_in(None);
    assert_eq!(
        plain,
        plain_fingerprint("secret/github-pat", "config.py", &pat)
    );
    // With one, a different hash per key, stable for a given key.
    let a = fingerprint_in(Some(&key("a")));
    assert_ne!(a, plain);
    assert_eq!(a, fingerprint_in(Some(&key("a"))));
    assert_ne!(a, fingerprint_in(Some(&key("b"))));

    // A keyed repository's baseline still accepts its finding.
    let repo = TestRepo::new();
    repo.stage("scopecheck.toml", key("c"));
    repo.commit("policy");
    repo.stage("legacy.py", format!("TOKEN = \"{pat}\"\n"));
    repo.commit("legacy");
    let run = repo.scopecheck(&["baseline"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.stdout.contains("fingerprint-key"), "{}", run.stdout);
    let written =
        std::fs::read_to_string(repo.root.join(".scopecheck-baseline.json")).expect("baseline");
    assert!(!written.contains(&plain_fingerprint("secret/github-pat", "legacy.py", &pat)));
    assert_eq!(repo.scopecheck(&["scan"]).code, 0);

    // A key too short to be one is a configuration error at its line.
    repo.stage("scopecheck.toml", "[secrets]\nfingerprint-key = \"abc\"\n");
    repo.commit("short key");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.all().contains("secrets.fingerprint-key"),
        "{}",
        run.all()
    );

    // Only the exact shape `init` writes is exempt from the secret rules in the policy
    // file: anything else on the key's line, or a key that is a token, is still found.
    let repo = TestRepo::new();
    let hex = "0123456789abcdef".repeat(4);
    for (text, found) in [
        (format!("[secrets]\nfingerprint-key = \"{hex}\"\n"), false),
        (
            format!("[secrets]\nfingerprint-key = \"{hex}\" # {pat}\n"),
            true,
        ),
        (format!("[secrets]\nfingerprint-key = \"{pat}\"\n"), true),
    ] {
        repo.stage("scopecheck.toml", &text);
        let (_, r) = repo.precommit_json();
        let secret = findings(&r).iter().any(|f| f.0.starts_with("secret/"));
        assert_eq!(secret, found, "{text}: {r}");
        assert_redacted(&r.to_string(), &[&pat]);
    }

    // `init` writes a fresh random key each time.
    let keys: Vec<String> = (0..2)
        .map(|_| {
            let repo = TestRepo::new();
            assert_eq!(repo.scopecheck(&["init"]).code, 0);
            let text = std::fs::read_to_string(repo.root.join("scopecheck.toml")).expect("init");
            let line = text
                .lines()
                .find(|l| l.starts_with("fingerprint-key = "))
                .expect("a key line")
                .to_owned();
            assert_eq!(line.len(), "fingerprint-key = \"\"".len() + 64, "{line}");
            line
        })
        .collect();
    assert_ne!(keys[0], keys[1]);
}

/// A text file over `max-file-size` is scanned to its end in chunks, not skipped: a token
/// on the line where the first chunk ends, a private key across that end, and a token on
/// the last line are each found once, at their own lines. A binary file that size is
/// still reported unread.
#[test]
fn scan_reads_a_large_text_file_in_chunks() {
    let repo = TestRepo::new();
    let filler = |i: usize| format!("{i:06} {}\n", "x".repeat(92)); // 100 bytes a line
    let lines_per_mib = (1 << 20) / 100;
    let key = "-----BEGIN RSA PRIVATE KEY-----\nWAFR7+U42fJAHS5lDtgJJgU5pdhhiuRqDmFTDk7z9z2aoYXPZ+yYJ1V3x+N7E90M\nE+bu/VS7pEhzxtpLBLRje3JaE4HAr7k8xYzcb6iauujCtA/rxCRZebzSHbFtF39v\nmbLmjZJTpRCwc3F5FmQiy3dWARW4XqtqZkeE7+pr==\n-----END RSA PRIVATE KEY-----\n";
    let mut text = String::new();
    let mut line = 0;
    let mut push = |text: &mut String, s: &str| {
        text.push_str(s);
        line += s.matches('\n').count();
        line
    };
    for i in 0..lines_per_mib - 3 {
        push(&mut text, &filler(i));
    }
    // The first chunk (1 MiB) ends inside the key, which starts two lines later.
    let near_end = push(&mut text, &format!("token = \"{}\"\n", github_pat()));
    push(&mut text, &filler(0));
    let key_line = push(&mut text, key) - 4;
    for i in 0..2 * lines_per_mib {
        push(&mut text, &filler(i));
    }
    let last = push(&mut text, &format!("stripe = \"{}\"\n", stripe_key()));
    assert!(text.len() > 5 << 19, "three chunks");
    repo.write("big.log", &text);
    repo.write("big.bin", vec![0u8; 2 << 20]);
    let run = repo.scopecheck(&["scan", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let mut found: Vec<(String, String, u64)> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    let at = |rule: &str, path: &str, line: usize| (rule.to_owned(), path.to_owned(), line as u64);
    assert_eq!(
        found,
        vec![
            at("file/too-large-to-scan", "big.bin", 1),
            at("secret/github-pat", "big.log", near_end),
            at("secret/private-key", "big.log", key_line),
            at("secret/stripe-secret-key", "big.log", last),
        ],
        "{}",
        run.stderr
    );
    assert_redacted(&run.stdout, &[&github_pat(), &stripe_key()]);
}

/// A history scan and a baseline read a text file over `max-file-size` too: a token at the
/// end of a 2 MB file committed once is found in history, and a baseline written from the
/// tree accepts exactly what `scan` then reports.
#[test]
fn history_and_baseline_read_large_text_files() {
    let repo = TestRepo::new();
    let mut text = "log line\n".repeat(240_000);
    text.push_str(&format!("token = \"{}\"\n", github_pat()));
    repo.stage("big.log", &text);
    repo.commit("a large log");
    let run = repo.scopecheck(&["scan", "--history", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let rules: Vec<String> = findings(&r).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, vec!["secret/github-pat".to_owned()], "{}", run.all());
    assert_eq!(repo.scopecheck(&["baseline"]).code, 0);
    let after = repo.scopecheck(&["scan", "--format", "json"]);
    assert_eq!(
        after.code,
        0,
        "the baseline accepts the large file's token: {}",
        after.all()
    );
}

/// The hand-written labelled set in `fixtures/secrets/constructed.jsonl` (secrets in
/// assignments, command lines, calls and credential files; lines that must stay silent),
/// each row as its own file in one directory scan: every row is judged as labelled, except
/// the known misses listed here, which must still be missed (a fix removes them).
#[test]
fn constructed_corpus_rows_are_judged_as_labelled() {
    const KNOWN_MISSES: &[&str] = &[
        // A dotted `.properties` key: `.key` names files (`tls.key`) far more often.
        "api.key=q8Zr3",
        // No name at all: a constructor's only argument.
        "NewClient(\"q8Zr3",
        // A positional argument among five.
        "Net::SMTP.start(",
        // `$k` in an unquoted value reads as an interpolation.
        "db.password=N7$kq2",
    ];
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/secrets/constructed.jsonl"
    ))
    .expect("read the corpus");
    let repo = TestRepo::new();
    let mut rows = Vec::new();
    for (i, line) in corpus.lines().enumerate() {
        let row: serde_json::Value = serde_json::from_str(line).expect("a JSON row");
        let text = row["text"].as_str().expect("text").to_owned();
        let name = row["path"].as_str().unwrap_or("input.txt");
        let name = name.rsplit('/').next().unwrap_or(name);
        repo.write(&format!("case{i:04}/{name}"), &text);
        rows.push((text, row["expect"] == "match"));
    }
    let run = repo.scopecheck(&[
        "scan",
        "--no-ignore",
        "--default-policy",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let mut hit = std::collections::BTreeSet::new();
    for f in report["findings"].as_array().expect("findings") {
        let (rule, path) = (
            f["rule"].as_str().unwrap_or(""),
            f["path"].as_str().unwrap_or(""),
        );
        if let Some(n) = path.strip_prefix("case").and_then(|p| p.get(..4)) {
            if rule.starts_with("secret/") {
                hit.insert(n.parse::<usize>().expect("a case number"));
            }
        }
    }
    let mut wrong = Vec::new();
    for (i, (text, expect)) in rows.iter().enumerate() {
        let known = KNOWN_MISSES.iter().any(|k| text.contains(k));
        let want = *expect && !known;
        if hit.contains(&i) != want {
            wrong.push(format!("{i}: expected {want}: {text:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rows judged wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
