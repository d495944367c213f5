//! `secret/sensitive-file`: a credential file (dotenv, private key, keystore, Terraform
//! state, cloud credentials, kubeconfig, …) is being committed.

use super::{Check, RuleMeta};
use crate::{Action, ChangeSet, ChangeStatus, FileChange, FileMode, Finding, Policy};

/// The rule id.
pub const SENSITIVE_FILE: &str = "secret/sensitive-file";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[RuleMeta {
    id: SENSITIVE_FILE,
    default_action: Action::Block,
    summary: "A credential file (.env, private key, keystore, Terraform state, kubeconfig…) is being committed",
    what_it_does: "Flags added, modified or renamed files whose path marks them as credential stores: dotenv files, SSH and PEM private keys, PKCS#12 and Java keystores, PuTTY keys, KeePass databases, Terraform state, cloud and registry credential files, netrc/pgpass, kubeconfig and Kerberos keytabs. PEM/.key files are flagged only when they hold a private key, and .npmrc only when it holds an auth token; templates such as `.env.example` are not flagged.",
    why_is_this_bad: "These files exist to hold secrets. Once committed, a secret is in every clone and in history forever, even after the file is deleted; anyone with read access (or a leaked fork) can use it.",
    how_to_fix: "Unstage the file (`git rm --cached <path>`), add it to .gitignore, and commit a template without values (e.g. `.env.example`) instead. If it was ever pushed, rotate every credential in it and purge it from history (git filter-repo).",
}];

/// What has to hold of a file's contents for a path match to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    /// The path alone decides.
    Always,
    /// Only when the contents hold a PEM private-key block (certificates are public).
    PrivateKeyBlock,
    /// Only when the contents hold a registry auth token.
    NpmAuth,
}

/// (glob, what the file is, condition). Globs without `/` match the file name at any depth.
const BUILTIN: &[(&str, &str, Condition)] = &[
    (".env", "dotenv file", Condition::Always),
    (".env.*", "dotenv file", Condition::Always),
    ("*.env", "dotenv file", Condition::Always),
    ("id_rsa", "SSH private key", Condition::Always),
    ("id_dsa", "SSH private key", Condition::Always),
    ("id_ecdsa", "SSH private key", Condition::Always),
    ("id_ed25519", "SSH private key", Condition::Always),
    ("id_ecdsa_sk", "SSH private key", Condition::Always),
    ("id_ed25519_sk", "SSH private key", Condition::Always),
    ("*.pem", "PEM private key", Condition::PrivateKeyBlock),
    ("*.key", "private key", Condition::PrivateKeyBlock),
    ("*.p12", "PKCS#12 keystore", Condition::Always),
    ("*.pfx", "PKCS#12 keystore", Condition::Always),
    ("*.jks", "Java keystore", Condition::Always),
    ("*.keystore", "keystore", Condition::Always),
    ("*.bks", "BouncyCastle keystore", Condition::Always),
    ("*.ppk", "PuTTY private key", Condition::Always),
    ("*.kdbx", "KeePass database", Condition::Always),
    ("*.keytab", "Kerberos keytab", Condition::Always),
    ("secring.gpg", "GnuPG secret keyring", Condition::Always),
    ("*.tfstate", "Terraform state", Condition::Always),
    ("*.tfstate.backup", "Terraform state", Condition::Always),
    ("credentials.json", "credentials file", Condition::Always),
    (
        "client_secret*.json",
        "OAuth client secret",
        Condition::Always,
    ),
    (
        ".aws/credentials",
        "AWS credentials file",
        Condition::Always,
    ),
    (
        "**/.aws/credentials",
        "AWS credentials file",
        Condition::Always,
    ),
    (
        ".docker/config.json",
        "Docker registry credentials",
        Condition::Always,
    ),
    (
        "**/.docker/config.json",
        "Docker registry credentials",
        Condition::Always,
    ),
    (".netrc", "netrc credentials", Condition::Always),
    ("_netrc", "netrc credentials", Condition::Always),
    (".pgpass", "PostgreSQL password file", Condition::Always),
    (".pypirc", "PyPI credentials", Condition::Always),
    (
        ".git-credentials",
        "git credential store",
        Condition::Always,
    ),
    (".htpasswd", "htpasswd file", Condition::Always),
    ("kubeconfig", "kubeconfig", Condition::Always),
    ("*.kubeconfig", "kubeconfig", Condition::Always),
    (".kube/config", "kubeconfig", Condition::Always),
    ("**/.kube/config", "kubeconfig", Condition::Always),
    (".npmrc", "npm credentials", Condition::NpmAuth),
];

/// Names that mark a template or a public half, never a credential store.
const NOT_SENSITIVE: &[&str] = &[
    "*.example",
    "*.sample",
    "*.template",
    "*.tmpl",
    "*.tpl",
    "*.dist",
    "*.defaults",
    "*.schema",
    "*.pub",
    "*.example.*",
    "*.sample.*",
];

/// The built-in globs, for `scopecheck config`.
pub fn builtin_patterns() -> Vec<String> {
    BUILTIN.iter().map(|(g, _, _)| (*g).to_owned()).collect()
}

/// Whether the lower-cased `path` matches a built-in pattern, as globset would with
/// `**/` before a bare name and `*` not crossing `/`. The built-ins use only what this
/// supports (a test checks every one against globset): a file name with `*` wildcards,
/// matched against the last path component, or a literal path with `/`, at the root or,
/// after `**/`, at any depth. Building a GlobSet of them (regexes for the wildcard ones)
/// cost each commit half a millisecond; this costs nothing to build.
fn builtin_match(pattern: &str, path: &str) -> bool {
    if let Some(rest) = pattern.strip_prefix("**/") {
        return path
            .strip_suffix(rest)
            .is_some_and(|head| head.is_empty() || head.ends_with('/'));
    }
    if pattern.contains('/') {
        return path == pattern;
    }
    crate::glob::name_matches(pattern, path)
}

/// The built-in patterns `lower` (a lower-cased path) matches, in table order.
fn builtin_hits(lower: &str) -> impl Iterator<Item = usize> + '_ {
    BUILTIN
        .iter()
        .enumerate()
        .filter(move |(_, (g, _, _))| builtin_match(g, lower))
        .map(|(i, _)| i)
}

fn is_exception(lower: &str) -> bool {
    NOT_SENSITIVE.iter().any(|g| builtin_match(g, lower))
}

/// See the module docs.
pub struct SensitiveFiles;

/// What kind of credential file `path` names, judged by the path alone (for reads, where
/// there is no change): the kind, and whether the path is conclusive (`false` for kinds
/// that hold a secret only sometimes, such as `*.pem`, which may be a certificate).
pub fn path_kind(path: &str, policy: &Policy) -> Option<(&'static str, bool)> {
    let path = path.trim_start_matches('/');
    if policy.sensitive_files.extra.is_match(path) {
        return Some(("credential file (sensitive-files.extra-paths)", true));
    }
    let lower = path.to_ascii_lowercase();
    if is_exception(&lower) {
        return None;
    }
    let hits: Vec<usize> = builtin_hits(&lower).collect();
    let kind = |i: &usize| BUILTIN[*i];
    hits.iter()
        .map(kind)
        .find(|(_, _, cond)| *cond == Condition::Always)
        .or_else(|| hits.first().map(kind))
        .map(|(_, kind, cond)| (kind, cond == Condition::Always))
}

/// What kind of credential file `change` is, if any.
fn classify(change: &FileChange, policy: &Policy) -> Option<&'static str> {
    let path = change.path.as_str();
    if policy.sensitive_files.extra.is_match(path) {
        return Some("credential file (sensitive-files.extra-paths)");
    }
    let lower = path.to_ascii_lowercase();
    if is_exception(&lower) {
        return None;
    }
    // The first matching built-in names the kind; a later pattern may match where an
    // earlier one's condition fails, so all matches are tried in order.
    let kind = builtin_hits(&lower).find_map(|i| {
        let (_, kind, cond) = BUILTIN[i];
        condition_holds(cond, change).then_some(kind)
    });
    kind
}

fn condition_holds(cond: Condition, change: &FileChange) -> bool {
    let Some(data) = change.new_contents() else {
        // Unread (too large): the path is all we know, so fail closed.
        return true;
    };
    match cond {
        Condition::Always => true,
        Condition::PrivateKeyBlock => contains(data, b"PRIVATE KEY-----"),
        Condition::NpmAuth => {
            contains(data, b"_authToken")
                || contains(data, b"_auth=")
                || contains(data, b"_password")
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl Check for SensitiveFiles {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        if !policy.sensitive_files.enabled {
            return;
        }
        for change in &changes.files {
            if change.status == ChangeStatus::Deleted {
                continue;
            }
            // A symlink or submodule named like a credential file commits no secret.
            if matches!(
                change.new.as_ref().map(|s| s.mode),
                Some(FileMode::Symlink | FileMode::Submodule)
            ) {
                continue;
            }
            let Some(kind) = classify(change, policy) else {
                continue;
            };
            let mut f = Finding::for_file(
                SENSITIVE_FILE,
                RULES[0].default_action,
                &change.path,
                format!(
                    "{} is a {kind}: credential files must not be committed",
                    change.path
                ),
                RULES[0].how_to_fix.to_owned(),
            );
            // The most relevant line: the first added line with content, not a comment.
            let lines = change.added_lines();
            let meaningful = lines.iter().find(|l| {
                let t = l.text.trim_ascii();
                !t.is_empty() && !t.starts_with(b"#") && !t.starts_with(b"//")
            });
            if let Some(l) = meaningful.or(lines.first()) {
                f.line = l.line;
                f.snippet = Some(crate::redact_line(&l.text));
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Content, Origin, Side};

    fn change(path: &str, data: &[u8]) -> ChangeSet {
        let mut cs = ChangeSet::new(Origin::Custom);
        cs.files.push(FileChange::new(
            path,
            None,
            ChangeStatus::Added,
            None,
            Some(Side {
                id: String::new(),
                mode: FileMode::Regular,
                size: data.len() as u64,
                content: Content::Loaded(data.to_vec().into()),
            }),
        ));
        cs
    }

    fn flagged(path: &str, data: &[u8]) -> bool {
        let mut out = Vec::new();
        SensitiveFiles.run(&change(path, data), &Policy::embedded(), &mut out);
        !out.is_empty()
    }

    #[test]
    fn flags_credential_files() {
        for p in [
            ".env",
            "app/.env.production",
            "deploy/prod.env",
            "home/.ssh/id_rsa",
            "id_ed25519",
            "certs/STORE.P12",
            "Deploy/Prod.ENV",
            "home/.SSH/ID_RSA",
            "Infra/Terraform.TFState",
            "infra/terraform.tfstate",
            "infra/terraform.tfstate.backup",
            "config/credentials.json",
            "client_secret_1234.apps.googleusercontent.com.json",
            ".aws/credentials",
            "ops/.kube/config",
            "cluster.kubeconfig",
            ".git-credentials",
            "android/release.keystore",
        ] {
            assert!(flagged(p, b"x=1\n"), "{p} should be flagged");
        }
    }

    #[test]
    fn ignores_templates_public_halves_and_lookalikes() {
        for p in [
            ".env.example",
            ".env.sample",
            "config/.env.template",
            ".env.dist",
            "Config/.ENV.Example",
            "id_rsa.pub",
            "ID_RSA.PUB",
            "environment.ts",
            "src/env.rs",
            ".envrc",
            "venv/.env/bin/activate",
            "docs/credentials.md",
        ] {
            assert!(!flagged(p, b"x=1\n"), "{p} should not be flagged");
        }
    }

    #[test]
    fn pem_and_key_files_need_a_private_key_block() {
        let cert = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let key = b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";
        assert!(!flagged("ca.pem", cert));
        assert!(flagged("server.pem", key));
        assert!(flagged("tls/server.key", key));
        assert!(!flagged("slides.key", b"PK\x03\x04binary keynote"));
    }

    #[test]
    fn npmrc_only_with_a_token() {
        assert!(!flagged(
            ".npmrc",
            b"registry=https://registry.npmjs.org/\n"
        ));
        assert!(flagged(".npmrc", b"//registry.npmjs.org/:_authToken=abc\n"));
    }

    /// The matcher answers as globset does (bare names under `**/`, `*` not crossing
    /// `/`) for every built-in pattern, on paths built from the patterns themselves.
    #[test]
    fn builtin_patterns_match_as_globset_does() {
        use globset::GlobBuilder;
        let patterns: Vec<&str> = BUILTIN
            .iter()
            .map(|(g, _, _)| *g)
            .chain(NOT_SENSITIVE.iter().copied())
            .collect();
        let mut names: Vec<String> = Vec::new();
        for p in &patterns {
            assert!(
                !p.contains(['?', '[', '{', '\\']),
                "{p}: unsupported glob syntax"
            );
            for fill in ["", "x", "a.b", "x/y"] {
                names.push(p.trim_start_matches("**/").replace('*', fill));
            }
        }
        let mut paths = Vec::new();
        for n in &names {
            for dir in ["", "a/", "a/b/", ".aws/", "x.env/"] {
                paths.push(format!("{dir}{n}"));
                paths.push(format!("{dir}{n}.bak"));
                paths.push(format!("{dir}old-{n}"));
            }
        }
        let mut checked = 0;
        for p in &patterns {
            let full = if p.contains('/') {
                (*p).to_owned()
            } else {
                format!("**/{p}")
            };
            let glob = GlobBuilder::new(&full)
                .literal_separator(true)
                .build()
                .unwrap()
                .compile_matcher();
            for path in &paths {
                assert_eq!(builtin_match(p, path), glob.is_match(path), "{p} on {path}");
                checked += usize::from(glob.is_match(path));
            }
        }
        assert!(checked > 300, "only {checked} matching pairs");
    }

    #[test]
    fn user_globs_extend_the_list() {
        let policy = Policy::from_toml(
            "t.toml",
            "[sensitive-files]\nextra-paths = [\"secrets/**\"]\n",
        )
        .expect("valid");
        let mut out = Vec::new();
        SensitiveFiles.run(&change("secrets/db.yaml", b"pw: x\n"), &policy, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, SENSITIVE_FILE);
    }
}
