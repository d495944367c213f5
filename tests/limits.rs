//! Resource limits: inputs built to exhaust a parser or the scanner each finish with a
//! finding or a clear error, never a crash or a hang (the suite's own time limit is the
//! bound; no timing is asserted). Sizes are those of the issue where a debug build allows.

mod common;

use common::{findings, TestRepo};

/// Stages `path` with `text` in a fresh repository and runs pre-commit.
fn judge(path: &str, text: String) -> (i32, serde_json::Value) {
    judge_with_policy(path, text, "")
}

/// The same, with `policy` (when not empty) committed as scopecheck.toml.
fn judge_with_policy(path: &str, text: String, policy: &str) -> (i32, serde_json::Value) {
    let repo = TestRepo::new();
    repo.stage("README.md", "r\n");
    if !policy.is_empty() {
        repo.stage("scopecheck.toml", policy);
    }
    repo.commit("base");
    repo.stage(path, text);
    let (code, r) = repo.precommit_json();
    assert!(code == 0 || code == 1, "{path}: exit {code}: {r}");
    (code, r)
}

fn rules_for(r: &serde_json::Value, path: &str) -> Vec<String> {
    findings(r)
        .into_iter()
        .filter(|f| f.2 == path)
        .map(|f| f.0)
        .collect()
}

#[test]
fn deeply_nested_lockfiles_are_unparseable_findings_not_crashes() {
    // 10,000 levels of JSON: past any parser's recursion limit.
    let depth = 10_000;
    let json = format!(
        "{{\"lockfileVersion\":3,\"packages\":{{\"\":{{\"name\":\"x\"}},\"node_modules/a\":{}1{}}}}}",
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let (_, r) = judge("package-lock.json", json);
    assert_eq!(
        rules_for(&r, "package-lock.json"),
        vec!["dependency/unparseable-manifest"],
        "{r}"
    );
    // 3,000 levels of YAML indentation in a pnpm lockfile: read line by line.
    let mut yaml = String::from("lockfileVersion: '9.0'\npackages:\n");
    for i in 1..3_000 {
        yaml.push_str(&"  ".repeat(i));
        yaml.push_str("a:\n");
    }
    judge("pnpm-lock.yaml", yaml);
    // Deep nesting in a file that is only scanned for secrets.
    judge(
        "deep.json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
}

#[test]
fn a_10_mb_single_line_file_is_scanned_to_its_end() {
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    let mut line = "k".repeat(10 << 20);
    line.push_str(&format!(" GITHUB_TOKEN={token}\n"));
    let (code, r) = judge("dump.txt", line);
    assert_eq!(code, 1, "{r}");
    assert_eq!(rules_for(&r, "dump.txt"), vec!["secret/github-pat"], "{r}");
    assert!(!r.to_string().contains(&token), "the token is redacted");
}

#[test]
fn keyword_dense_and_pathological_lines_finish_without_findings() {
    // A keyword every 60 bytes for 2 MB: every one opens a window for the rules.
    let dense = "token=abcxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ".repeat(35_000);
    let (_, r) = judge("dense.txt", dense);
    assert!(rules_for(&r, "dense.txt").is_empty(), "{r}");
    // One 5 MB quoted value after a secret-ish key, never closed.
    let open = format!("password = \"{}\n", "a".repeat(5 << 20));
    let (_, r) = judge("open.py", open);
    assert!(rules_for(&r, "open.py").is_empty(), "{r}");
}

#[test]
fn a_lockfile_of_a_hundred_thousand_entries_is_judged_whole() {
    // A file lists at most 1,000 findings per rule; the rest are one summary finding with
    // their count and strictest action. A million entries took 2.8 GB and 25 s when
    // every finding was kept, 1.4 GB and 12 s now (release build, same machine and load);
    // the debug suite uses 100,000.
    let n = 100_000;
    let mut text: String = (0..n).map(|i| format!("pkg{i}==1.0\n")).collect();
    // The last entry is banned: it must still decide the outcome from the summary.
    text.push_str("left-pad==1.0\n");
    let (code, r) = judge_with_policy(
        "requirements.txt",
        text,
        "[dependencies]\ndeny = [{ name = \"pypi:left-pad\", reason = \"banned\" }]\n",
    );
    let found = r["findings"].as_array().expect("findings");
    let new: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| f["rule"] == "dependency/new-package")
        .collect();
    assert_eq!(new.len(), 1_001, "1,000 listed and one summary");
    let summary = new
        .iter()
        .find(|f| f["message"].as_str().is_some_and(|m| m.contains("more")))
        .expect("a summary");
    assert!(
        summary["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{} more", n + 1 - 1_000 - 1)),
        "{summary}"
    );
    let banned: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| f["rule"] == "dependency/denied-package")
        .collect();
    assert_eq!(
        banned.len(),
        1,
        "a rule under its cap still lists its finding"
    );
    assert_eq!(code, 1, "blocked");
}

#[test]
fn a_file_of_many_secrets_lists_a_thousand_and_counts_the_rest() {
    let n = 1_200;
    // Distinct random-looking tokens (a placeholder would not count).
    let alphabet = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut token = || -> String {
        (0..36)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize] as char
            })
            .collect()
    };
    let text: String = (0..n)
        .map(|i| format!("token{i} = \"ghp_{}\"\n", token()))
        .collect();
    let (code, r) = judge("dump.env.txt", text);
    assert_eq!(code, 1, "blocked");
    let rules = rules_for(&r, "dump.env.txt");
    assert_eq!(rules.len(), 1_001, "{:?}", &rules[..3]);
    let summary = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("200 more"))
        })
        .expect("a summary of the 200 not listed");
    assert_eq!(summary["action"], "block", "{summary}");
}

/// An overlapping-member zip bomb: 60,000 directory entries all naming one stored member
/// of 64 KiB. Read once per entry that would be 3.9 GB to scan; each byte is read once.
#[test]
fn a_zip_whose_entries_all_name_the_same_bytes_is_read_once() {
    let token = "ghp_k3Xb9QzR7mW2tY5uP8sL1nV4cJ6hD0fGa2Ee";
    let mut body = "x = 1\n".repeat(64 * 1024 / 6).into_bytes();
    body.extend_from_slice(format!("token = \"{token}\"\n").as_bytes());
    let n: u16 = 60_000;
    let name = |i: u16| format!("f{i:05}.txt");
    // One local header and its bytes, then the directory.
    let mut zip = Vec::new();
    let header = |sig: &[u8], central: bool, name: &str| {
        let mut h = sig.to_vec();
        if central {
            h.extend_from_slice(&20u16.to_le_bytes());
        }
        h.extend_from_slice(&20u16.to_le_bytes());
        h.extend_from_slice(&[0; 4]); // flags, method 0 (stored)
        h.extend_from_slice(&[0; 8]); // time, date, crc
        h.extend_from_slice(&(body.len() as u32).to_le_bytes());
        h.extend_from_slice(&(body.len() as u32).to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h
    };
    zip.extend(header(b"PK\x03\x04", false, &name(0)));
    zip.extend_from_slice(name(0).as_bytes());
    zip.extend_from_slice(&body);
    let cd = zip.len() as u32;
    for i in 0..n {
        zip.extend(header(b"PK\x01\x02", true, &name(i)));
        zip.extend_from_slice(&[0; 10]); // comment, disk, attributes
        zip.extend_from_slice(&0u32.to_le_bytes()); // every entry: the one header
        zip.extend_from_slice(name(i).as_bytes());
    }
    let cd_len = zip.len() as u32 - cd;
    zip.extend_from_slice(b"PK\x05\x06");
    zip.extend_from_slice(&[0; 4]);
    zip.extend_from_slice(&n.to_le_bytes());
    zip.extend_from_slice(&n.to_le_bytes());
    zip.extend_from_slice(&cd_len.to_le_bytes());
    zip.extend_from_slice(&cd.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());

    let repo = TestRepo::new();
    repo.stage("README.md", "r\n");
    repo.commit("base");
    repo.stage("bundle.zip", &zip);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "the token blocks: {r}");
    let secrets: Vec<String> = findings(&r)
        .into_iter()
        .filter(|f| f.0.starts_with("secret/"))
        .map(|f| f.2)
        .collect();
    assert_eq!(secrets, vec!["bundle.zip!f00000.txt".to_owned()]);
}
