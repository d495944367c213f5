//! Parsing large lockfiles: manifests and lockfiles are parsed whole, whatever the
//! policy's `max-file-size`, so a 20 MB lockfile must parse well under a second. Each
//! benchmark parses a generated ~20 MB lockfile of one format (one thread).
//!
//! Run: `cargo bench --bench lockfiles`. Divan reports time and bytes/s per format.

use std::fmt::Write as _;
use std::sync::LazyLock;

use divan::counter::BytesCount;
use scopecheck_core::checks::dependencies::parse::parse;

fn main() {
    divan::main();
}

const TARGET: usize = 20 << 20;

fn package_lock() -> String {
    let mut s = String::from("{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\"name\": \"app\", \"version\": \"1.0.0\"}");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            ",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.2.{i}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.2.{i}.tgz\",\n      \"integrity\": \"sha512-{i:0>86}==\",\n      \"dependencies\": {{\"dep-{i}\": \"^2.0.0\"}}\n    }}"
        );
        i += 1;
    }
    s.push_str("\n  }\n}\n");
    s
}

fn pnpm_lock() -> String {
    let mut s = String::from("lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      pkg-0:\n        specifier: ^1.0.0\n        version: 1.2.0\n\npackages:\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "  pkg-{i}@1.2.{i}:\n    resolution: {{integrity: sha512-{i:0>86}==}}\n    engines: {{node: '>=18'}}\n\n"
        );
        i += 1;
    }
    s
}

fn yarn_lock() -> String {
    let mut s = String::from("# yarn lockfile v1\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "\"pkg-{i}@^1.2.0\":\n  version \"1.2.{i}\"\n  resolved \"https://registry.yarnpkg.com/pkg-{i}/-/pkg-{i}-1.2.{i}.tgz#{i:0>40}\"\n  integrity sha512-{i:0>86}==\n  dependencies:\n    dep-{i} \"^2.0.0\"\n\n"
        );
        i += 1;
    }
    s
}

fn cargo_lock() -> String {
    let mut s = String::from("version = 4\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "[[package]]\nname = \"crate-{i}\"\nversion = \"1.2.{i}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{i:0>64}\"\ndependencies = [\n \"dep-{i}\",\n]\n\n"
        );
        i += 1;
    }
    s
}

static FILES: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    vec![
        ("package-lock.json", package_lock()),
        ("pnpm-lock.yaml", pnpm_lock()),
        ("yarn.lock", yarn_lock()),
        ("Cargo.lock", cargo_lock()),
    ]
});

#[divan::bench(args = ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "Cargo.lock"], sample_count = 5)]
fn parse_20mb(bencher: divan::Bencher, format: &str) {
    let text = &FILES
        .iter()
        .find(|(f, _)| *f == format)
        .expect("a generated file per format")
        .1;
    bencher.counter(BytesCount::new(text.len())).bench(|| {
        let deps = parse(format, text.as_bytes()).expect("the generated lockfile parses");
        assert!(deps.len() > 10_000);
        deps
    });
}

/// One repeated entry per format: `(format, header, entry, separator, footer)`. The
/// entry's `{i}` becomes the entry's number, so every package is distinct.
const SHAPES: &[(&str, &str, &str, &str, &str)] = &[
    ("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\n", "crate-{i} = \"1.{i}\"\n", "", ""),
    ("package.json", "{\"name\": \"app\", \"dependencies\": {\n", "  \"pkg-{i}\": \"^1.{i}.0\"", ",\n", "\n}}\n"),
    ("pyproject.toml", "[project]\nname = \"app\"\ndependencies = [\n", "  \"pkg-{i}>=1.{i}\",\n", "", "]\n"),
    ("poetry.lock", "", "[[package]]\nname = \"pkg-{i}\"\nversion = \"1.{i}\"\ndescription = \"\"\noptional = false\npython-versions = \">=3.8\"\nfiles = [\n    {file = \"pkg-{i}.whl\", hash = \"sha256:{i}\"},\n]\n\n", "", ""),
    ("uv.lock", "version = 1\n\n", "[[package]]\nname = \"pkg-{i}\"\nversion = \"1.{i}\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n", "", ""),
    ("Pipfile", "[packages]\n", "pkg-{i} = \"==1.{i}\"\n", "", ""),
    ("Pipfile.lock", "{\"_meta\": {}, \"default\": {\n", "\"pkg-{i}\": {\"hashes\": [\"sha256:{i}\"], \"version\": \"==1.{i}\"}", ",\n", "\n}, \"develop\": {}}\n"),
    ("requirements.txt", "", "pkg-{i}==1.{i}\n", "", ""),
    ("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire (\n", "\texample.com/mod{i} v1.{i}.0\n", "", ")\n"),
    ("go.sum", "", "example.com/mod{i} v1.{i}.0 h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=\nexample.com/mod{i} v1.{i}.0/go.mod h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=\n", "", ""),
    ("Gemfile", "source \"https://rubygems.org\"\n\n", "gem \"gem-{i}\", \"~> 1.{i}\"\n", "", ""),
    ("Gemfile.lock", "GEM\n  remote: https://rubygems.org/\n  specs:\n", "    gem-{i} (1.{i})\n      dep-{i} (>= 1.0)\n", "", "\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  gem-0\n"),
    ("pom.xml", "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <dependencies>\n", "    <dependency>\n      <groupId>com.example</groupId>\n      <artifactId>lib-{i}</artifactId>\n      <version>1.{i}</version>\n    </dependency>\n", "", "  </dependencies>\n</project>\n"),
    ("build.gradle", "dependencies {\n", "    implementation 'com.example:lib-{i}:1.{i}'\n", "", "}\n"),
    ("libs.versions.toml", "[libraries]\n", "lib-{i} = \"com.example:lib-{i}:1.{i}\"\n", "", ""),
    ("composer.json", "{\"require\": {\n", "\"vendor/pkg-{i}\": \"^1.{i}\"", ",\n", "\n}}\n"),
    ("composer.lock", "{\"packages\": [\n", "{\"name\": \"vendor/pkg-{i}\", \"version\": \"1.{i}.0\", \"source\": {\"type\": \"git\", \"url\": \"https://github.com/vendor/pkg-{i}.git\"}}", ",\n", "\n], \"packages-dev\": []}\n"),
    ("csproj", "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n", "    <PackageReference Include=\"Lib{i}\" Version=\"1.{i}.0\" />\n", "", "  </ItemGroup>\n</Project>\n"),
    ("packages.lock.json", "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n", "\"Lib{i}\": {\"type\": \"Direct\", \"requested\": \"[1.{i}.0, )\", \"resolved\": \"1.{i}.0\", \"contentHash\": \"abc{i}==\"}", ",\n", "\n}}}\n"),
    ("mix.exs", "defmodule App.MixProject do\n  defp deps do\n    [\n", "      {:dep_{i}, \"~> 1.{i}\"},\n", "", "    ]\n  end\nend\n"),
    ("mix.lock", "%{\n", "  \"dep_{i}\": {:hex, :dep_{i}, \"1.{i}.0\", \"abc{i}\", [:mix], [], \"hexpm\", \"def{i}\"},\n", "", "}\n"),
    ("Dockerfile", "", "FROM registry.example.com/team/image-{i}:1.{i} AS stage{i}\nRUN true\n", "", ""),
    ("pre-commit config", "repos:\n", "  - repo: https://github.com/example/hook-{i}\n    rev: v1.{i}.0\n    hooks:\n      - id: hook-{i}\n", "", ""),
    ("terraform lock", "", "provider \"registry.terraform.io/example/p{i}\" {\n  version     = \"1.{i}.0\"\n  constraints = \"~> 1.0\"\n  hashes = [\n    \"h1:abc{i}=\",\n  ]\n}\n\n", "", ""),
    ("Terraform", "", "module \"m{i}\" {\n  source  = \"example/m{i}/aws\"\n  version = \"1.{i}.0\"\n}\n\n", "", ""),
    ("Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n", "  - name: chart-{i}\n    version: 1.{i}.0\n    repository: https://charts.example.com\n", "", ""),
    ("Package.resolved", "{\"pins\": [\n", "{\"identity\": \"pkg-{i}\", \"kind\": \"remoteSourceControl\", \"location\": \"https://github.com/example/pkg-{i}\", \"state\": {\"revision\": \"{i}\", \"version\": \"1.{i}.0\"}}", ",\n", "\n], \"version\": 2}\n"),
    ("pubspec.yaml", "name: app\ndependencies:\n", "  pkg_{i}: ^1.{i}.0\n", "", ""),
    ("pubspec.lock", "packages:\n", "  pkg_{i}:\n    dependency: transitive\n    description:\n      name: pkg_{i}\n      url: \"https://pub.dev\"\n    source: hosted\n    version: \"1.{i}.0\"\n", "", "sdks:\n  dart: \">=3.0.0 <4.0.0\"\n"),
    ("GitHub Actions workflow", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n", "      - uses: example/action-{i}@v1.{i}\n", "", ""),
];

/// A file of `format` of about `size` bytes, and the number of entries in it.
fn generated(format: &str, size: usize) -> (String, usize) {
    let (_, header, entry, sep, footer) = SHAPES
        .iter()
        .find(|s| s.0 == format)
        .expect("a shape per format");
    let mut s = String::with_capacity(size + 4096);
    s.push_str(header);
    let mut n = 0;
    while s.len() < size {
        if n > 0 {
            s.push_str(sep);
        }
        s.push_str(&entry.replace("{i}", &n.to_string()));
        n += 1;
    }
    s.push_str(footer);
    (s, n)
}

/// Every format at 10 MB and at 2.5 MB: a parser that is linear in its input takes about
/// four times as long on the larger file; a quadratic one, sixteen.
#[divan::bench(
    consts = [2_621_440, 10_485_760],
    args = ["Cargo.toml", "package.json", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile",
            "Pipfile.lock", "requirements.txt", "go.mod", "go.sum", "Gemfile", "Gemfile.lock",
            "pom.xml", "build.gradle", "libs.versions.toml", "composer.json", "composer.lock",
            "csproj", "packages.lock.json", "mix.exs", "mix.lock", "Dockerfile",
            "pre-commit config", "terraform lock", "Terraform", "Chart.yaml",
            "Package.resolved", "pubspec.yaml", "pubspec.lock", "GitHub Actions workflow"],
    sample_count = 3
)]
fn every_format<const SIZE: usize>(bencher: divan::Bencher, format: &str) {
    let (text, entries) = generated(format, SIZE);
    bencher.counter(BytesCount::new(text.len())).bench(|| {
        let deps = parse(format, text.as_bytes())
            .unwrap_or_else(|e| panic!("the generated {format} does not parse: {e}"));
        // Every entry is one package (go.sum lists each module twice, once per hash).
        assert!(
            deps.len() >= entries,
            "{format}: {} packages from {entries} entries",
            deps.len()
        );
        deps
    });
}

/// A lockfile whose every package is new (a first `npm install` committed, a lockfile
/// regenerated from scratch): the dependency check reports each one with its line.
/// Locating each finding once searched the whole file per finding (16,000 packages took
/// 80 s); now one pass finds them all.
#[divan::bench(args = [4_000, 16_000], sample_count = 3)]
fn judge_all_new(bencher: divan::Bencher, packages: usize) {
    use scopecheck_core::checks::{dependencies::Dependencies, Check};
    use scopecheck_core::{
        ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Policy, Side,
    };
    let mut text = String::from(
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"app\"}",
    );
    for i in 0..packages {
        let _ = write!(
            text,
            ",\n    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.2.{i}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.2.{i}.tgz\"\n    }}"
        );
    }
    text.push_str("\n  }\n}\n");
    let side = |data: &[u8]| Side {
        id: String::new(),
        mode: FileMode::Regular,
        size: data.len() as u64,
        content: Content::Loaded(data.to_vec().into()),
    };
    let mut changes = ChangeSet::new(Origin::Custom);
    changes.files.push(FileChange::new(
        "package-lock.json",
        None,
        ChangeStatus::Modified,
        Some(side(b"{\"lockfileVersion\": 3, \"packages\": {}}")),
        Some(side(text.as_bytes())),
    ));
    let policy = Policy::embedded();
    bencher.bench(|| {
        let mut out = Vec::new();
        Dependencies.run(&changes, &policy, &mut out);
        assert_eq!(out.len(), packages);
        out
    });
}
