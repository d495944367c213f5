//! pre-commit on unusual repositories and changes: every case a real user hits.

mod common;

use common::{findings, sensitive, TestRepo};

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

#[test]
fn unborn_head_checks_every_staged_file() {
    let repo = TestRepo::new();
    repo.stage("src/lib.rs", "pub fn f() {}\n");
    repo.stage("deploy/id_rsa", KEY);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(r["origin"]["head"], serde_json::Value::Null);
    assert_eq!(r["files_checked"], 2);
    assert_eq!(findings(&r), vec![sensitive("deploy/id_rsa")]);
}

#[test]
fn empty_index_in_a_fresh_repository_passes() {
    let repo = TestRepo::new();
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["files_checked"], 0);
}

#[test]
fn detached_head() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("one");
    repo.git(&["checkout", "-q", "--detach"]);
    repo.stage(".env", "X=1\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert!(r["origin"]["head"].is_string());
    assert_eq!(findings(&r), vec![sensitive(".env")]);
}

#[test]
fn working_tree_edits_are_never_read() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("one");
    // Staged: harmless certificate. Working tree: a private key. The index decides.
    repo.stage(
        "tls/server.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    repo.write("tls/server.pem", KEY);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    // And the reverse: a staged key with a harmless working copy is still found.
    repo.stage("tls/client.pem", KEY);
    repo.write("tls/client.pem", "-----BEGIN CERTIFICATE-----\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(findings(&r), vec![sensitive("tls/client.pem")]);
    // Nothing was changed: the working copies are as we left them.
    assert_eq!(
        std::fs::read_to_string(repo.root.join("tls/server.pem")).expect("read"),
        KEY
    );
}

#[test]
fn submodule_entries_are_skipped_with_a_note() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("one");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let cacheinfo = format!("160000,{},vendor/lib", head.trim());
    repo.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("vendor/lib") && notes.contains("submodule"),
        "{notes}"
    );
}

#[test]
fn binary_files_are_handled() {
    let repo = TestRepo::new();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(0u8, 4096));
    repo.stage("img/logo.png", &png);
    repo.stage(
        "certs/client.p12",
        b"\x30\x82\x0a\x00\x02\x01\x03\0\0binary",
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(findings(&r), vec![sensitive("certs/client.p12")]);
}

/// `max-file-size` bounds what a scan reads, not what a change is checked for: a token
/// appended to a text file over the limit is found on its line; only a file too large to
/// read at all (over 64 MiB) is reported unread, as a warning.
#[test]
fn large_files_are_checked_in_the_lines_a_change_adds() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[defaults]\nmax-file-size = \"64 KiB\"\n",
    );
    let log = "2026-01-01 12:00:00 INFO request served in 12 ms\n".repeat(40_000);
    repo.stage("logs/app.log", &log);
    repo.commit("policy and a 2 MB log");
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    repo.stage(
        "logs/app.log",
        format!("{log}export GITHUB_TOKEN={token}\n"),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let found = r["findings"].as_array().expect("findings");
    assert_eq!(found.len(), 1, "{r}");
    assert_eq!(found[0]["rule"], "secret/github-pat");
    assert_eq!(found[0]["line"], 40_001);
    assert!(!r.to_string().contains(&token), "the token is redacted");
    repo.git(&["reset", "-q", "--hard"]);

    // A large file without secrets passes quietly.
    repo.stage(
        "data/dump.sql",
        "INSERT INTO t VALUES (1);\n".repeat(10_000),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!((code, findings(&r)), (0, vec![]), "{r}");
    repo.git(&["reset", "-q", "--hard"]);

    // Over 64 MiB nothing is read: reported, and a warning does not stop the commit.
    repo.stage("data/huge.csv", "1,2,3\n".repeat(11_500_000));
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        findings(&r),
        vec![(
            "file/too-large-to-scan".into(),
            "warn".into(),
            "data/huge.csv".into()
        )]
    );
    repo.git(&["reset", "-q", "--hard"]);

    // A large credential file is still a credential file: the path decides.
    repo.stage("big.env", "A=1\n".repeat(40_000));
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert!(findings(&r).contains(&sensitive("big.env")));
}

#[test]
fn non_utf8_paths_and_contents() {
    let repo = TestRepo::new();
    repo.stage("latin1.txt", b"caf\xe9 cr\xe8me\n");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
        std::fs::write(repo.root.join(name), "K=v\n").expect("write");
        repo.git(&["add", "-A"]);
    }
    let (code, r) = repo.precommit_json();
    #[cfg(unix)]
    {
        assert_eq!(code, 1, "{r}");
        let f = findings(&r);
        assert_eq!(f.len(), 1);
        assert!(f[0].2.ends_with(".env"), "{f:?}");
    }
    #[cfg(not(unix))]
    assert_eq!(code, 0);
}

#[test]
fn crlf_files() {
    let repo = TestRepo::new();
    repo.git(&["config", "core.autocrlf", "false"]);
    repo.stage("win.txt", "one\r\ntwo\r\n");
    repo.stage("config/.env.local", "TOKEN=abc\r\nOTHER=def\r\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(findings(&r), vec![sensitive("config/.env.local")]);
    assert_eq!(r["findings"][0]["line"], 1);
}

#[test]
fn renames_deletions_and_symlinks() {
    let repo = TestRepo::new();
    repo.stage("notes.txt", "TOKEN=abc\n");
    repo.stage("old.env", "A=1\n");
    repo.commit("base (hooks bypassed)");

    // Deleting a credential file is good news.
    repo.git(&["rm", "-q", "old.env"]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");

    // Renaming a file to a credential name is caught under its new name.
    repo.git(&["mv", "notes.txt", "prod.env"]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(findings(&r), vec![sensitive("prod.env")]);
    repo.git(&["mv", "prod.env", "notes.txt"]);

    // A symlink named .env commits a path, not a secret.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("../secrets/.env", repo.root.join(".env")).expect("symlink");
        repo.git(&["add", ".env"]);
        let (code, r) = repo.precommit_json();
        assert_eq!(code, 0, "{r}");
    }
}

#[test]
fn runs_from_a_subdirectory_with_root_relative_paths() {
    let repo = TestRepo::new();
    repo.stage("services/api/.env", "X=1\n");
    std::fs::create_dir_all(repo.root.join("services/api/src")).expect("mkdir");
    let run = repo.scopecheck_in(
        &repo.root.join("services/api/src"),
        &["pre-commit", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(findings(&r), vec![sensitive("services/api/.env")]);
}

#[test]
fn merge_in_progress() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "base\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.stage("a.txt", "theirs\n");
    repo.commit("theirs");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("a.txt", "ours\n");
    repo.commit("ours");
    let out = repo.git_output(&["merge", "-q", "other"]);
    assert!(!out.status.success(), "expected a conflict");

    // Unmerged entries: reported, not crashed on.
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    assert!(r["notes"].to_string().contains("a.txt"), "{r}");

    // Resolving the conflict while slipping in a credential file.
    repo.stage("a.txt", "resolved\n");
    repo.stage(".env", "X=1\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(findings(&r), vec![sensitive(".env")]);
}

#[test]
fn shallow_clone() {
    let origin = TestRepo::new();
    for i in 0..3 {
        origin.stage(&format!("f{i}.txt"), format!("{i}\n"));
        origin.commit(&format!("c{i}"));
    }
    let clone = origin.sibling("shallow");
    let url = format!("file://{}", origin.root.display());
    origin.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        clone.to_str().expect("utf8"),
    ]);
    assert!(clone.join(".git/shallow").exists());
    std::fs::write(clone.join("terraform.tfstate"), "{}\n").expect("write");
    origin.git_in(&clone, &["add", "terraform.tfstate"]);
    let run = origin.scopecheck_in(&clone, &["pre-commit", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(findings(&r), vec![sensitive("terraform.tfstate")]);
}

#[test]
fn many_directories_only_changed_ones_matter() {
    // Exercises the cache-tree shortcut: most directories are unchanged and skipped,
    // a change deep inside one must still be found, as must a deleted directory.
    let repo = TestRepo::new();
    for d in 0..20 {
        for f in 0..5 {
            repo.write(&format!("pkg{d}/sub/f{f}.txt"), format!("{d}{f}\n"));
        }
    }
    repo.git(&["add", "-A"]);
    repo.commit("many");
    repo.stage("pkg7/sub/deeper/.env", "X=1\n");
    repo.git(&["rm", "-q", "-r", "pkg3"]);
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1);
    assert_eq!(findings(&r), vec![sensitive("pkg7/sub/deeper/.env")]);
    assert_eq!(r["files_checked"], 6, "1 added + 5 deleted: {r}");
}

#[test]
fn not_a_repository_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(common::BIN)
        .args(["pre-commit"])
        .current_dir(dir.path())
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.path().parent().expect("parent"),
        )
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not inside a git repository"));
}

#[test]
fn corrupt_index_is_an_error() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    std::fs::write(repo.root.join(".git/index"), b"DIRC garbage").expect("corrupt");
    let run = repo.scopecheck(&["pre-commit"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("index"), "{}", run.stderr);
}

#[test]
fn sparse_checkout_with_a_sparse_index() {
    let repo = TestRepo::new();
    repo.stage("keep/a.txt", "a\n");
    repo.stage("other/deep/b.txt", "b\n");
    repo.commit("base");
    let out = repo.git_output(&["sparse-checkout", "set", "--cone", "--sparse-index", "keep"]);
    if !out.status.success() {
        // Older git without sparse-index support: nothing to test here.
        return;
    }
    repo.stage("keep/.env", "K=v\n");
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    assert_eq!(findings(&r), vec![sensitive("keep/.env")]);
    assert_eq!(
        r["files_checked"], 1,
        "collapsed directories are unchanged: {r}"
    );
}

/// A blobless or partial clone lacks blobs: `scan --history` says which are missing and
/// still reports what it can read (with the commit each finding came in).
#[test]
fn history_scan_goes_on_past_missing_blobs() {
    let repo = TestRepo::new();
    repo.stage("notes.txt", "nothing here\n");
    repo.commit("notes");
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    repo.stage("deploy.sh", format!("export GITHUB_TOKEN={token}\n"));
    repo.commit("deploy");
    let commit = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // The objects are loose (nothing was packed): remove one blob's file.
    let blob = repo.git(&["rev-parse", "HEAD:notes.txt"]).trim().to_owned();
    let file = repo
        .root
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&file).expect("a loose blob");

    let run = repo.scopecheck(&["scan", "--history"]);
    assert_eq!(
        run.code,
        1,
        "the secret still fails the scan: {}",
        run.all()
    );
    let out = run.all();
    assert!(out.contains("secret/github-pat"), "{out}");
    assert!(
        out.contains(&format!("(commit {})", &commit[..12])),
        "{out}"
    );
    assert!(out.contains("1 blob(s) are missing"), "{out}");
    assert!(out.contains(&blob) && out.contains("notes.txt"), "{out}");
    assert!(!out.contains(&token), "{out}");
}
