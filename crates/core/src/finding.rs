//! Findings: what a check reports, with redacted evidence and a rebase-stable fingerprint.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Action;

/// One thing a check found in a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable, kebab-case rule id such as `secret/sensitive-file`.
    pub rule: String,
    /// What the policy asks for; set from the rule's default, then adjusted by the policy.
    pub action: Action,
    /// The path the finding is about, relative to the repository root.
    pub path: String,
    /// 1-based line. File-level findings use the most relevant line (1 when there is none),
    /// so every finding has a physical location.
    pub line: u32,
    /// 1-based column (in bytes) of the evidence on that line.
    pub column: u32,
    /// One sentence saying what was found.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// The matched content, redacted (see [`redact`]); never the raw secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The source line with any evidence redacted, for human output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Identifies the finding across rebases and line shifts (see [`fingerprint`]).
    pub fingerprint: String,
    /// For history scans: the first commit in which the content appeared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl Finding {
    /// A file-level finding at line 1, fingerprinted by rule and path.
    pub fn for_file(rule: &str, action: Action, path: &str, message: String, help: String) -> Self {
        Finding {
            rule: rule.to_owned(),
            action,
            path: path.to_owned(),
            line: 1,
            column: 1,
            message,
            help,
            evidence: None,
            snippet: None,
            fingerprint: fingerprint(rule, path, b""),
            commit: None,
        }
    }
}

/// A fingerprint that survives rebases, line shifts and re-staging: a hash of the rule,
/// the normalised path and the matched content. It never includes a commit id or a
/// line number.
pub fn fingerprint(rule: &str, path: &str, matched: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(normalise_path(path).as_bytes());
    h.update([0]);
    h.update(matched);
    hex(&h.finalize()[..16])
}

fn normalise_path(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}

/// The key that makes secret fingerprints a keyed hash (`[secrets] fingerprint-key`).
///
/// Without one, a fingerprint is a plain hash of rule, path and secret: whoever sees it in
/// a CI log, a SARIF upload or an audit file can test guesses of a weak password against
/// it offline. Under a key the same test needs the key, which lives with the policy, so
/// only those who can read the repository (and so its secrets) can run it.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey(Vec<u8>);

impl FingerprintKey {
    /// A key from the policy's text; `None` when it is too short to be a key.
    pub fn new(text: &str) -> Option<FingerprintKey> {
        (text.len() >= FingerprintKey::MIN_LEN).then(|| FingerprintKey(text.as_bytes().to_vec()))
    }

    /// The shortest key accepted, in bytes.
    pub const MIN_LEN: usize = 32;
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(…)")
    }
}

/// The fingerprint of a secret finding: [`fingerprint`] keyed with HMAC-SHA-256 when the
/// policy has a key, else [`fingerprint`] itself (so baselines and approvals written
/// before a key was set keep matching until one is).
pub fn secret_fingerprint(
    key: Option<&FingerprintKey>,
    rule: &str,
    path: &str,
    matched: &[u8],
) -> String {
    use hmac::{Hmac, Mac};
    let Some(key) = key else {
        return fingerprint(rule, path, matched);
    };
    // new_from_slice only fails for fixed-size-key MACs; HMAC takes any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else {
        return fingerprint(rule, path, matched);
    };
    mac.update(rule.as_bytes());
    mac.update(&[0]);
    mac.update(normalise_path(path).as_bytes());
    mac.update(&[0]);
    mac.update(matched);
    hex(&mac.finalize().into_bytes()[..16])
}

/// Redacts a secret for display: at most a 4-character prefix (only for secrets of 16
/// characters or more) and the length. No hash of the value: a short unkeyed hash is a
/// dictionary oracle for a weak password, and the finding's fingerprint already tells
/// two reports' findings apart.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let len = text.chars().count();
    if len >= 16 {
        let prefix: String = text.chars().take(4).collect();
        format!("{prefix}…[redacted {len} chars]")
    } else {
        format!("[redacted {len} chars]")
    }
}

/// A source line made safe to print: an assignment keeps its key and has its value
/// redacted, a PEM armour line is kept (it names the kind of key, not the key), and any
/// other line is redacted whole.
pub fn redact_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with("-----BEGIN ") || trimmed.starts_with("-----END ")
    {
        return text.into_owned();
    }
    match text.find(['=', ':']) {
        Some(i) => {
            let (key, rest) = text.split_at(i + 1);
            let value = rest.trim();
            if value.is_empty() {
                text.into_owned()
            } else {
                let lead = &rest[..rest.len() - rest.trim_start().len()];
                format!("{key}{lead}{}", redact(value.as_bytes()))
            }
        }
        None => redact(trimmed.as_bytes()),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_leading_dot_slash_but_not_content() {
        let a = fingerprint("r", "./a/b", b"x");
        assert_eq!(a, fingerprint("r", "a/b", b"x"));
        assert_ne!(a, fingerprint("r", "a/b", b"y"));
        assert_ne!(a, fingerprint("q", "a/b", b"x"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn a_keyed_secret_fingerprint_is_not_the_plain_hash_and_depends_on_the_key() {
        let k1 = FingerprintKey::new("0123456789abcdef0123456789abcdef").expect("long enough");
        let k2 = FingerprintKey::new("fedcba9876543210fedcba9876543210").expect("long enough");
        let plain = fingerprint("secret/x", "a/b", b"hunter22");
        assert_eq!(
            secret_fingerprint(None, "secret/x", "a/b", b"hunter22"),
            plain
        );
        let keyed = secret_fingerprint(Some(&k1), "secret/x", "./a/b", b"hunter22");
        assert_ne!(keyed, plain);
        assert_eq!(keyed.len(), 32);
        assert_eq!(
            keyed,
            secret_fingerprint(Some(&k1), "secret/x", "a/b", b"hunter22")
        );
        assert_ne!(
            keyed,
            secret_fingerprint(Some(&k2), "secret/x", "a/b", b"hunter22")
        );
        assert_ne!(
            keyed,
            secret_fingerprint(Some(&k1), "secret/x", "a/b", b"hunter23")
        );
        assert!(FingerprintKey::new("short").is_none());
        assert!(!format!("{k1:?}").contains("0123"));
    }

    #[test]
    fn redacted_lines_keep_keys_and_armour_only() {
        let l = redact_line(b"DATABASE_PASSWORD=correct-horse-battery-staple");
        assert!(
            l.starts_with("DATABASE_PASSWORD=corr…[redacted 28 chars"),
            "{l}"
        );
        assert!(!l.contains("battery"));
        assert_eq!(
            redact_line(b"-----BEGIN RSA PRIVATE KEY-----"),
            "-----BEGIN RSA PRIVATE KEY-----"
        );
        let l = redact_line(b"MIIEpAIBAAKCAQEA7bq98s");
        assert!(!l.contains("MIIE") || l.contains("…[redacted"), "{l}");
        assert!(!l.contains("AKCAQEA7bq98s"));
        assert_eq!(redact_line(b"token: "), "token: ");
    }

    #[test]
    fn redaction_never_contains_the_secret() {
        let secret = b"AKIAIOSFODNN7EXAMPLEKEY";
        let r = redact(secret);
        assert!(!r.contains("AKIAIOSFODNN7EXAMPLEKEY"));
        assert!(r.starts_with("AKIA…"));
        assert!(r.contains("23 chars"));
        let short = redact(b"hunter2");
        assert!(!short.contains("hunter2"));
        assert!(!short.contains("hunt"));
        // No hash of the value either: it would let a weak password be guessed offline.
        assert_eq!(short, "[redacted 7 chars]");
    }
}
