//! Dependency detection replayed on before/after fixtures (fixtures/deps/<case>/): each
//! case's `before/` tree is committed, its `after/` tree staged, and the findings must be
//! exactly those its expect.toml lists.

mod common;

use std::path::{Path, PathBuf};

use common::TestRepo;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("prefix").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn copy_tree(from: &Path, repo: &TestRepo) {
    for rel in files_under(from) {
        let data = std::fs::read(from.join(&rel)).expect("read fixture");
        repo.write(rel.to_str().expect("utf8"), data);
    }
}

type Row = (String, String, String, String);

fn expected(case: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(case.join("expect.toml")).expect("expect.toml");
    let v: toml::Value = toml::from_str(&text).expect("expect.toml parses");
    let mut rows: Vec<Row> = v
        .get("finding")
        .and_then(|f| f.as_array())
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
                    (s("rule"), s("path"), s("package"), s("action"))
                })
                .collect()
        })
        .unwrap_or_default();
    rows.sort();
    rows
}

fn actual(r: &serde_json::Value) -> Vec<Row> {
    let mut rows: Vec<Row> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().unwrap_or("").starts_with("dependency/"))
        .map(|f| {
            let msg = f["message"].as_str().unwrap_or("");
            let path = f["path"].as_str().unwrap_or("").to_owned();
            let package = msg
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| path.clone());
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                path,
                package,
                f["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn every_fixture_case_reports_exactly_its_expected_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/deps");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/deps")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let repo = TestRepo::new();
        copy_tree(&case.join("before"), &repo);
        repo.git(&["add", "-A"]);
        repo.commit("before");
        for rel in files_under(&case.join("before")) {
            if !case.join("after").join(&rel).exists() {
                std::fs::remove_file(repo.root.join(&rel)).expect("remove");
            }
        }
        copy_tree(&case.join("after"), &repo);
        repo.git(&["add", "-A"]);
        let (_, r) = repo.precommit_json();
        let (want, got) = (expected(case), actual(&r));
        if want != got {
            failures.push(format!(
                "{name}:\n  expected {want:#?}\n  got      {got:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_new_direct_package_stops_the_commit_and_names_file_and_line() {
    let repo = TestRepo::new();
    repo.stage(
        "package.json",
        "{\n  \"dependencies\": {\n    \"react\": \"^18.0.0\"\n  }\n}\n",
    );
    repo.commit("base");
    repo.stage(
        "package.json",
        "{\n  \"dependencies\": {\n    \"react\": \"^18.0.0\",\n    \"lefft-pad\": \"^1.0.0\"\n  }\n}\n",
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "review stops the commit: {r}");
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "dependency/new-package");
    assert_eq!(f["line"], 4);
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("direct npm package `lefft-pad` ^1.0.0"),
        "{f}"
    );
}

#[test]
fn policy_entries_are_validated() {
    let repo = TestRepo::new();
    repo.write(
        "p.toml",
        "[dependencies]\ndeny = [\"left-pad\"]\necosystems = { cobol = \"block\" }\ntransitive = \"sometimes\"\n",
    );
    let run = repo.scopecheck(&["config", "--config", "p.toml"]);
    assert_eq!(run.code, 2, "{}", run.all());
    for needle in [
        "needs a `reason`",
        "unknown ecosystem `cobol`",
        "dependencies.transitive",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
}

/// A lockfile over `max-file-size` (1 MiB) is still parsed: a package with an install
/// script added to a 2 MB `package-lock.json` is reported, not waved through with a
/// size warning.
#[test]
fn a_package_added_to_a_two_megabyte_lockfile_is_reported() {
    let lock = |extra: &str| {
        let mut packages = String::from("    \"\": {\"name\": \"app\", \"version\": \"1.0.0\"}");
        for i in 0..12_000 {
            packages.push_str(&format!(
                ",\n    \"node_modules/pkg-{i:05}\": {{\"version\": \"1.0.{i}\", \"resolved\": \"https://registry.npmjs.org/pkg-{i:05}/-/pkg-{i:05}-1.0.{i}.tgz\", \"integrity\": \"sha512-{i:0>40}\"}}"
            ));
        }
        packages.push_str(extra);
        format!("{{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {{\n{packages}\n  }}\n}}\n")
    };
    let repo = TestRepo::new();
    let before = lock("");
    assert!(before.len() > 2_000_000, "{} bytes", before.len());
    repo.stage("package-lock.json", &before);
    repo.commit("base");
    repo.stage(
        "package-lock.json",
        lock(",\n    \"node_modules/evil-postinstall\": {\"version\": \"0.0.1\", \"resolved\": \"https://registry.npmjs.org/evil-postinstall/-/evil-postinstall-0.0.1.tgz\", \"hasInstallScript\": true}"),
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let got = actual(&r);
    assert!(
        got.contains(&(
            "dependency/install-script".to_owned(),
            "package-lock.json".to_owned(),
            "evil-postinstall".to_owned(),
            "review".to_owned()
        )),
        "{got:?}"
    );
    assert!(
        !r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "file/too-large-to-scan"),
        "{r}"
    );
}
