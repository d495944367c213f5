//! The gate's own integrity: ways around the git boundary that must not work.

mod common;

use common::TestRepo;

fn pat() -> String {
    format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4")
}

#[test]
fn replace_refs_do_not_hide_a_staged_secret() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.stage("deploy.sh", format!("export GITHUB_TOKEN={}\n", pat()));
    // Make HEAD *look* like a commit that already has the staged tree.
    let tree = repo.git(&["write-tree"]);
    let fake = repo.git(&["commit-tree", tree.trim(), "-p", "HEAD", "-m", "fake"]);
    repo.git(&["replace", "HEAD", fake.trim()]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "the secret passed through a replace ref: {r}");
    assert!(
        r["findings"].to_string().contains("secret/github-pat"),
        "{r}"
    );
    // The same through ci: the pushed commit really adds the secret.
    repo.commit("add deploy script");
    let run = repo.scopecheck(&["ci", "--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("secret/github-pat"), "{}", run.stdout);
}

#[test]
fn no_part_of_a_multi_part_credential_is_printed() {
    let repo = TestRepo::new();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYq";
    repo.stage(
        "creds.py",
        format!("AWS_CREDS = \"AKIAZ7Q2LMNP4RSTUVWX:{secret}\"\n"),
    );
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        let run = repo.scopecheck(&["pre-commit", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.all());
        assert!(
            !run.all().contains("wJalrXUtnFEMI"),
            "{format} leaks the secret half:\n{}",
            run.all()
        );
        assert!(
            !run.all().contains("Z7Q2LMNP4RSTUVWX"),
            "{format} leaks the key id:\n{}",
            run.all()
        );
    }
}

#[test]
fn a_stray_nul_or_utf16_does_not_hide_a_secret() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    repo.stage("n.py", format!("token = \"{}\"\0\n", pat()));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("GITHUB_TOKEN={}\r\n", pat())
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    repo.stage("w.ps1", utf16);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let paths: Vec<&str> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "secret/github-pat")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"n.py"), "{r}");
    assert!(paths.contains(&"w.ps1"), "{r}");
    assert!(!r.to_string().contains(&pat()));
    // A real binary (NUL-dense) is still not read as text.
    let mut bin = vec![0u8; 4096];
    bin[100..100 + pat().len()].copy_from_slice(pat().as_bytes());
    repo.git(&["reset", "-q"]);
    repo.stage("tool.bin", bin);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
}

/// Where the TREE (cache-tree) extension of an index file starts: git writes it last,
/// just before the 20-byte checksum.
fn tree_extension(index: &[u8]) -> usize {
    let end = index.len() - 20;
    (12..end.saturating_sub(8))
        .rev()
        .find(|&i| {
            let size = u32::from_be_bytes([index[i + 4], index[i + 5], index[i + 6], index[i + 7]]);
            &index[i..i + 4] == b"TREE" && i + 8 + size as usize == end
        })
        .expect("the index ends with a TREE extension")
}

#[test]
fn a_crafted_cache_tree_does_not_commit_an_unchecked_tree() {
    let repo = TestRepo::new();
    repo.stage("src/app.py", "print('hi')\n");
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    let index = repo.root.join(".git/index");
    // The tree an agent wants committed: its cache-tree, primed by write-tree.
    repo.stage("src/app.py", format!("TOKEN = \"{}\"\n", pat()));
    let smuggled = repo.git(&["write-tree"]).trim().to_owned();
    let with_secret = std::fs::read(&index).expect("index");
    // Index entries back to HEAD's, then the smuggled cache-tree spliced in. A zero
    // checksum is one git accepts (index.skipHash).
    repo.git(&["read-tree", "HEAD"]);
    let clean = std::fs::read(&index).expect("index");
    let mut crafted = clean[..tree_extension(&clean)].to_vec();
    crafted.extend_from_slice(&with_secret[tree_extension(&with_secret)..with_secret.len() - 20]);
    crafted.extend_from_slice(&[0; 20]);
    std::fs::write(&index, crafted).expect("write index");
    // git itself would commit the smuggled tree: it trusts a valid cache-tree.
    assert_eq!(repo.git(&["write-tree"]).trim(), smuggled);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "the smuggled tree's secret passed: {r}");
    assert!(
        r["findings"].to_string().contains("secret/github-pat"),
        "{r}"
    );
}

#[test]
fn an_allow_directive_inside_a_string_or_json_is_data() {
    let repo = TestRepo::new();
    let token = pat();
    // In a string value on the line above, and in a JSON file (which has no comments).
    repo.stage(
        "app.py",
        format!("NOTE = \"# scopecheck:allow secret/github-pat -- vetted\"\nTOKEN = \"{token}\"\n"),
    );
    repo.stage(
        "config.json",
        format!(
            "{{\"note\": \"scopecheck:allow secret/github-pat vetted\", \"token\": \"{token}\"}}\n"
        ),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let paths: Vec<String> = common::findings(&r)
        .into_iter()
        .filter(|(rule, _, _)| rule == "secret/github-pat")
        .map(|(_, _, path)| path)
        .collect();
    assert_eq!(paths, vec!["app.py", "config.json"], "{r}");
    // The same directive in a comment is honoured.
    repo.stage(
        "app.py",
        format!("# scopecheck:allow secret/github-pat -- parser fixture\nTOKEN = \"{token}\"\n"),
    );
    repo.stage("config.json", "{}\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["suppressed"][0]["suppressed_by"], "inline", "{r}");
}

/// A zip (by `git archive`, with `options`) of a commit holding `inner/deploy.sh` with
/// `script`; the script is then removed again, so only the archive can carry it.
fn archived_script(repo: &TestRepo, script: &str, options: &[&str]) -> Vec<u8> {
    repo.stage("inner/deploy.sh", script);
    repo.commit("to be archived (hooks skipped)");
    let zip = repo.sibling("bundle.zip");
    let mut args = vec!["archive", "--format=zip"];
    args.extend_from_slice(options);
    args.extend(["-o", zip.to_str().expect("utf8"), "HEAD"]);
    repo.git(&args);
    repo.git(&["rm", "-q", "inner/deploy.sh"]);
    repo.commit("remove it");
    std::fs::read(&zip).expect("zip")
}

/// `git archive` deflates members by default; a `.gz` file is one deflated stream. Both
/// are inflated (within bounds) and read like text files.
#[test]
fn a_secret_in_a_deflated_zip_member_or_a_gzip_file_is_found() {
    let repo = TestRepo::new();
    // Long enough that deflating pays, or git stores the member as it is.
    let steps = "echo \"deploying step\"\n".repeat(40);
    let zipped = archived_script(
        &repo,
        &format!("{steps}export GITHUB_TOKEN={}\n", pat()),
        &[],
    );
    // Deflated: the token's bytes are not in the archive as they are.
    assert!(!zipped.windows(pat().len()).any(|w| w == pat().as_bytes()));
    let mut gz = vec![0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 3];
    gz.extend_from_slice(b"release.env\0");
    gz.extend(miniz_oxide::deflate::compress_to_vec(
        format!("GITHUB_TOKEN={}\n", pat()).as_bytes(),
        6,
    ));
    gz.extend_from_slice(&[0; 8]);
    repo.stage("vendor/bundle.zip", zipped);
    repo.stage("dist/release.env.gz", gz);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "the archived token passed: {r}");
    let f = common::findings(&r);
    for path in [
        "vendor/bundle.zip!inner/deploy.sh",
        "dist/release.env.gz!release.env",
    ] {
        assert!(
            f.iter()
                .any(|(rule, _, p)| rule == "secret/github-pat" && p == path),
            "{path}: {r}"
        );
    }
    assert!(!r.to_string().contains(&pat()), "secret printed: {r}");
}

#[test]
fn a_secret_in_a_stored_zip_member_is_found() {
    let repo = TestRepo::new();
    // `git archive -0` stores members uncompressed: the token's bytes are in the zip.
    let zip = archived_script(&repo, &format!("export GITHUB_TOKEN={}\n", pat()), &["-0"]);
    repo.stage("vendor/bundle.zip", zip);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "the zipped token passed: {r}");
    let f = common::findings(&r);
    assert!(
        f.iter().any(|(rule, _, path)| rule == "secret/github-pat"
            && path == "vendor/bundle.zip!inner/deploy.sh"),
        "{r}"
    );
    assert!(!r.to_string().contains(&pat()), "secret printed: {r}");
}

/// Standard base64 with padding (test input only).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().fold(0u32, |a, &b| a << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

#[test]
fn base64_does_not_hide_a_secret() {
    let repo = TestRepo::new();
    // Base64 that decodes to binary (a lockfile's integrity hash) or to harmless text is
    // not a finding.
    let harmless = base64(b"this is a perfectly ordinary sentence, nothing to see here\n");
    repo.stage(
        "values.yaml",
        format!("integrity: sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==\nnote: {harmless}\n"),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    repo.commit("base");
    // A `.env` pasted into a Kubernetes secret as base64 carries no keyword in sight.
    let env = base64(format!("APP_ENV=prod\nGITHUB_TOKEN={}\n", pat()).as_bytes());
    repo.stage(
        "values.yaml",
        format!("integrity: none\ndata:\n  env: {env}\n"),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let finding = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "secret/github-pat")
        .unwrap_or_else(|| panic!("no github-pat finding: {r}"));
    assert_eq!(finding["line"], 3, "{r}");
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("base64-encoded")),
        "{r}"
    );
    assert!(!r.to_string().contains(&pat()), "{r}");
    assert!(
        !r.to_string().contains(&env[8..40]),
        "the encoded secret is printed: {r}"
    );
    // Committed, the same is found in the commit's added lines.
    repo.commit("add env");
    let run = repo.scopecheck(&["ci", "--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("secret/github-pat"), "{}", run.stdout);
}

#[test]
fn percent_encoding_does_not_hide_a_secret() {
    let repo = TestRepo::new();
    repo.stage("README.md", "hello\n");
    repo.commit("base");
    // A form body splits the assignment and the key (`%3D`, `%2F`, `%2B`).
    let secret = "Qx7Hk2Lp9Vz3%2FRt6Yw1Nb4Mc8Df5Gs0Ja2Ue7Io3%2BPk";
    repo.stage(
        "deploy.sh",
        format!("curl -d \"grant=client&aws_secret_access_key%3D{secret}&region=eu\" https://sts.example.org\nprintf '%02x%s\\n' 10 done\n"),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let messages: Vec<&str> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|rule| rule.starts_with("secret/"))
        })
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("percent-encoded")),
        "{r}"
    );
    assert!(!r.to_string().contains("Rt6Yw1Nb4Mc8"), "{r}");
}
