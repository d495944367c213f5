//! pre-commit latency on a generated repository of 50,000 tracked files with 10 staged
//! files adding 500 lines (built by benches/make-repo.sh, once, under target/).
//!
//! Run: `cargo bench --bench precommit`. Compare with git and peers:
//! `benches/compare.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use scopecheck_core::{evaluate, Policy};
use scopecheck_git::{ReadOptions, Repo};

fn main() {
    divan::main();
}

const FILES: &str = "50000";

static REPO: LazyLock<PathBuf> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-repos/precommit-50k");
    if !dir.join(".git/index").exists() {
        let status = Command::new("bash")
            .arg(root.join("benches/make-repo.sh"))
            .args([dir.to_str().expect("utf-8 path"), FILES, "10", "500"])
            .status()
            .expect("run make-repo.sh");
        assert!(status.success(), "make-repo.sh failed");
    }
    dir
});

/// Everything `scopecheck pre-commit` does in-process: open the repository, read the
/// policy from the index, diff the index against HEAD, read the staged blobs, run the checks.
#[divan::bench(sample_count = 50)]
fn precommit_50k_files_10_staged(bencher: divan::Bencher) {
    let dir = REPO.as_path();
    bencher.bench(|| {
        let repo = Repo::discover(dir).expect("open");
        let policy = match repo.staged_file("scopecheck.toml").expect("index") {
            Some(text) => Policy::from_toml("scopecheck.toml", &String::from_utf8_lossy(&text))
                .expect("policy"),
            None => Policy::embedded(),
        };
        let changes = repo
            .staged(&ReadOptions {
                max_file_size: policy.max_file_size,
            })
            .expect("staged");
        assert_eq!(changes.files.len(), 10);
        evaluate(&policy, &changes)
    });
}

/// The floor: opening the repository alone.
#[divan::bench(sample_count = 50)]
fn open_repository(bencher: divan::Bencher) {
    let dir = REPO.as_path();
    bencher.bench(|| Repo::discover(dir).expect("open"));
}

/// Compiling the embedded policy (done once per run).
#[divan::bench]
fn compile_embedded_policy() -> Policy {
    Policy::embedded()
}
