//! git's allowed-signers file (`gpg.ssh.allowedSignersFile`, see ssh-keygen(1),
//! "ALLOWED SIGNERS"): one key per line,
//!
//! ```text
//! ann@example.com,ann@corp.example namespaces="git,scopecheck" ssh-ed25519 AAAAC3Nz… ann laptop
//! ```
//!
//! The same file git uses to verify signed commits works here unchanged.

use ssh_key::PublicKey;

use crate::time::parse_ssh_time;

/// One line of the file.
#[derive(Debug, Clone)]
pub struct SignerEntry {
    /// The principals (identities) this key speaks for, as written (patterns allowed).
    pub principals: Vec<String>,
    /// `namespaces="…"`: the namespaces this key may sign in (`None`: any).
    pub namespaces: Option<Vec<String>>,
    /// `valid-after`, seconds since the epoch.
    pub valid_after: Option<i64>,
    /// `valid-before`, seconds since the epoch.
    pub valid_before: Option<i64>,
    /// The key.
    pub key: PublicKey,
    /// 1-based line in the file.
    pub line: usize,
}

impl SignerEntry {
    /// Whether this entry allows a signature in `namespace` made at `at` (epoch seconds).
    pub fn allows(&self, namespace: &str, at: i64) -> Result<(), String> {
        if let Some(ns) = &self.namespaces {
            if !ns.iter().any(|n| n == namespace) {
                return Err(format!(
                    "line {} limits this key to the namespaces {} (not `{namespace}`)",
                    self.line,
                    ns.join(", ")
                ));
            }
        }
        if self.valid_after.is_some_and(|t| at < t) {
            return Err(format!(
                "line {}: the key is not valid yet at the signature's time",
                self.line
            ));
        }
        if self.valid_before.is_some_and(|t| at >= t) {
            return Err(format!(
                "line {}: the key had expired at the signature's time",
                self.line
            ));
        }
        Ok(())
    }
}

/// A parsed allowed-signers file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    /// Where it came from, as shown to the user.
    pub source: String,
    /// The usable entries.
    pub entries: Vec<SignerEntry>,
    /// Lines that are valid for git but that scopecheck does not use (e.g.
    /// `cert-authority`), with why.
    pub skipped: Vec<String>,
}

/// A line of an allowed-signers file that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct SignersError {
    /// The file, as shown to the user.
    pub source_name: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Splits on unquoted whitespace; double quotes group (and are kept, as OpenSSH's
/// option values need them to carry commas).
fn tokens(line: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => {
                quoted = !quoted;
                start.get_or_insert(i);
            }
            c if c.is_whitespace() && !quoted => {
                if let Some(s) = start.take() {
                    out.push(&line[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if quoted {
        return Err("unterminated quote".to_owned());
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    Ok(out)
}

fn is_key_type(t: &str) -> bool {
    t.starts_with("ssh-") || t.starts_with("ecdsa-sha2-") || t.starts_with("sk-")
}

/// Splits `a,b="x,y",c` on commas outside quotes.
fn split_options(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

impl AllowedSigners {
    /// Parses the file. Every malformed line is an error naming its line: a signer
    /// list that silently dropped a line would silently drop a person.
    pub fn parse(source: &str, text: &str) -> Result<AllowedSigners, SignersError> {
        let mut out = AllowedSigners {
            source: source.to_owned(),
            ..AllowedSigners::default()
        };
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |message: String| SignersError {
                source_name: source.to_owned(),
                line,
                message,
            };
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let toks = tokens(trimmed).map_err(err)?;
            let (principals, rest) = toks
                .split_first()
                .ok_or_else(|| err("empty line".to_owned()))?;
            let (options, rest) = match rest.first() {
                Some(t) if !is_key_type(t) => (Some(*t), &rest[1..]),
                _ => (None, rest),
            };
            let [kind, body, ..] = rest else {
                return Err(err(
                    "expected `principals [options] key-type base64-key`".to_owned()
                ));
            };
            let mut entry_ns = None;
            let (mut after, mut before, mut ca) = (None, None, false);
            for opt in options.map(split_options).unwrap_or_default() {
                let (name, value) = match opt.split_once('=') {
                    Some((n, v)) => (n, Some(v.trim_matches('"'))),
                    None => (opt, None),
                };
                match (name.to_ascii_lowercase().as_str(), value) {
                    ("cert-authority", None) => ca = true,
                    ("namespaces", Some(v)) => {
                        entry_ns = Some(v.split(',').map(|s| s.trim().to_owned()).collect())
                    }
                    ("valid-after", Some(v)) => {
                        after = Some(parse_ssh_time(v).ok_or_else(|| {
                            err(format!("valid-after: `{v}` is not YYYYMMDD[HHMM[SS]][Z]"))
                        })?)
                    }
                    ("valid-before", Some(v)) => {
                        before = Some(parse_ssh_time(v).ok_or_else(|| {
                            err(format!("valid-before: `{v}` is not YYYYMMDD[HHMM[SS]][Z]"))
                        })?)
                    }
                    _ => return Err(err(format!("unknown option `{opt}`"))),
                }
            }
            let key = PublicKey::from_openssh(&format!("{kind} {body}"))
                .map_err(|e| err(format!("cannot read the `{kind}` key: {e}")))?;
            if ca {
                out.skipped.push(format!(
                    "{source}:{line}: cert-authority entries are not supported; sign with the key itself"
                ));
                continue;
            }
            out.entries.push(SignerEntry {
                principals: principals
                    .trim_matches('"')
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
                namespaces: entry_ns,
                valid_after: after,
                valid_before: before,
                key,
                line,
            });
        }
        Ok(out)
    }

    /// The entries holding this key.
    pub fn for_key<'a>(
        &'a self,
        key: &'a ssh_key::public::KeyData,
    ) -> impl Iterator<Item = &'a SignerEntry> + 'a {
        self.entries.iter().filter(move |e| e.key.key_data() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDtnURqSi4VYNtk3cEyWmnhHBlN8UNvaOuoYZNWglO2+";

    #[test]
    fn reads_git_format_with_options_and_comments() {
        let text = format!(
            "# team\n\nann@example.com {KEY} ann laptop\nbob@example.com,\"b@x\" namespaces=\"git,scopecheck\",valid-after=\"20260101\" {KEY}\n"
        );
        let s = AllowedSigners::parse("signers", &text).expect("valid");
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.entries[0].principals, ["ann@example.com"]);
        assert_eq!(s.entries[0].line, 3);
        assert!(s.entries[0].allows("scopecheck", 0).is_ok());
        let bob = &s.entries[1];
        assert_eq!(
            bob.namespaces.as_deref(),
            Some(&["git".to_owned(), "scopecheck".to_owned()][..])
        );
        assert!(bob.allows("scopecheck", 1_800_000_000).is_ok());
        assert!(bob.allows("scopecheck", 0).is_err());
        assert!(bob.allows("file", 1_800_000_000).is_err());
    }

    #[test]
    fn malformed_lines_name_their_line() {
        for (text, line, needle) in [
            ("a@b\n", 1, "expected"),
            (
                &format!("# c\na@b bogus=1 {KEY}\n") as &str,
                2,
                "unknown option",
            ),
            ("a@b ssh-ed25519 AAAAnotbase64!!\n", 1, "cannot read"),
            (
                &format!("a@b valid-after=\"2026\" {KEY}\n"),
                1,
                "valid-after",
            ),
            ("a@b \"unterminated ssh-ed25519 AAAA\n", 1, "quote"),
        ] {
            let e = AllowedSigners::parse("f", text).expect_err(text);
            assert_eq!(e.line, line, "{text}");
            assert!(e.to_string().contains(needle), "{e}");
        }
    }

    #[test]
    fn cert_authorities_are_skipped_with_a_reason() {
        let s = AllowedSigners::parse("f", &format!("*@example.com cert-authority {KEY}\n"))
            .expect("valid");
        assert!(s.entries.is_empty());
        assert!(s.skipped[0].contains("cert-authority"));
    }
}
