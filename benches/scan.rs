//! Content-scan throughput with the whole built-in rule pack loaded, on real source text:
//! the Rust sources in the local cargo registry (~200 MB of crates), capped at 64 MiB.
//! Falls back to generated code-like text when no registry is present.
//!
//! Run: `cargo bench --bench scan`. Divan reports bytes/s per benchmark (one thread).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use divan::counter::BytesCount;
use scopecheck_core::secrets::builtin_scanner;

fn main() {
    divan::main();
}

const CAP: usize = 64 << 20;

struct Corpus {
    files: Vec<(String, Vec<u8>)>,
    bytes: usize,
}

fn registry_src() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    std::fs::read_dir(home.join("registry/src"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir())
}

fn walk(dir: &Path, out: &mut Vec<(String, Vec<u8>)>, bytes: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if *bytes >= CAP {
            return;
        }
        if p.is_dir() {
            walk(&p, out, bytes);
        } else if p.extension().is_some_and(|e| {
            ["rs", "toml", "md", "json", "yml", "yaml", "txt"].contains(&e.to_str().unwrap_or(""))
        }) {
            if let Ok(data) = std::fs::read(&p) {
                *bytes += data.len();
                out.push((p.display().to_string(), data));
            }
        }
    }
}

static CORPUS: LazyLock<Corpus> = LazyLock::new(|| {
    let mut files = Vec::new();
    let mut bytes = 0;
    if let Some(src) = registry_src() {
        walk(&src, &mut files, &mut bytes);
    }
    if bytes < 8 << 20 {
        // Generated fallback: code with identifiers, strings and comments, no secrets.
        let mut text = String::new();
        let mut i = 0u64;
        while text.len() < 32 << 20 {
            text.push_str(&format!(
                "/// Returns the value for key {i}.\npub fn value_{i}(map: &HashMap<String, u64>) -> Option<u64> {{\n    let name = format!(\"item-{{}}\", {i});\n    map.get(&name).copied().map(|v| v.wrapping_mul({i}))\n}}\n"
            ));
            i += 1;
        }
        bytes = text.len();
        files = vec![("generated.rs".to_owned(), text.into_bytes())];
    }
    eprintln!(
        "scan corpus: {} files, {:.1} MiB",
        files.len(),
        bytes as f64 / (1u64 << 20) as f64
    );
    Corpus { files, bytes }
});

/// The whole pack, one thread, every file as pre-commit or `scan` would see it.
#[divan::bench(sample_count = 10)]
fn scan_source_corpus(bencher: divan::Bencher) {
    let corpus = &*CORPUS;
    let scanner = builtin_scanner();
    bencher.counter(BytesCount::new(corpus.bytes)).bench(|| {
        let mut n = 0;
        for (path, data) in &corpus.files {
            n += scanner.scan(data, Some(path)).len();
        }
        n
    });
}

/// The keyword pass alone (the floor the regexes add to).
#[divan::bench(sample_count = 10)]
fn keyword_prefilter_only(bencher: divan::Bencher) {
    let corpus = &*CORPUS;
    let scanner = builtin_scanner();
    bencher.counter(BytesCount::new(corpus.bytes)).bench(|| {
        corpus
            .files
            .iter()
            .map(|(_, d)| scanner.keyword_hits(d))
            .sum::<usize>()
    });
}
