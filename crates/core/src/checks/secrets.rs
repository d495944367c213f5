//! The secret-content check: runs the [`Scanner`] over what a change adds and turns each
//! match into a finding whose evidence and snippet are redacted. The scanner itself (rules,
//! keyword pass, regex engines) is [`crate::secrets`], which knows nothing of policies.

use crate::policy::CONFIG_FILE_NAMES;
use crate::secrets::{archive, builtin_rule_meta, LineIndex, Scanner, SecretMatch, FIX};
use crate::{
    redact, secret_fingerprint, ChangeSet, ChangeStatus, FileChange, FileMode, Finding,
    FingerprintKey, Policy,
};

use super::{Check, Listing, RuleMeta};

/// The secret-content check.
pub struct Secrets;

impl Check for Secrets {
    fn rules(&self) -> &'static [RuleMeta] {
        builtin_rule_meta()
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        if !policy.secrets.enabled {
            return;
        }
        let candidates: Vec<&FileChange> = changes
            .files
            .iter()
            .filter(|c| {
                c.status != ChangeStatus::Deleted
                    && !matches!(c.new.as_ref().map(|s| s.mode), Some(FileMode::Submodule))
                    && !policy.secrets.exclude.is_match(&c.path)
                    // Really binary files have no lines to add (git shows no text
                    // diff for them); credential containers among them are sensitive
                    // files. Text with stray NULs and UTF-16 text are still text.
                    && c.new_contents().is_some_and(|d| {
                        !crate::looks_binary(d)
                            || crate::mostly_text(d)
                            || crate::decode_utf16(d).is_some()
                            || archive::is_zip(d)
                            || archive::is_gzip(d)
                    })
            })
            .collect();
        if candidates.is_empty() {
            // Nothing to read: do not even build the keyword automaton.
            return;
        }
        let scanner = policy.secrets.scanner();
        let key = policy.secrets.fingerprint_key.as_ref();
        let total: usize = candidates
            .iter()
            .map(|c| c.new_contents().map_or(0, <[u8]>::len))
            .sum();
        // Threads cost more than they save on a typical commit; a big change (a vendored
        // tree, a generated file) is scanned across cores.
        if total >= PARALLEL_THRESHOLD && candidates.len() > 1 {
            use rayon::prelude::*;
            let found: Vec<Vec<Finding>> = candidates
                .par_iter()
                .map(|c| scan_change(&scanner, key, c))
                .collect();
            out.extend(found.into_iter().flatten());
        } else {
            for c in candidates {
                out.extend(scan_change(&scanner, key, c));
            }
        }
    }
}

/// Total bytes of changed content above which files are scanned in parallel.
const PARALLEL_THRESHOLD: usize = 4 << 20;

/// Secrets a change adds: all of an all-new file, else those touching an added line.
fn scan_change(
    scanner: &Scanner,
    key: Option<&FingerprintKey>,
    change: &FileChange,
) -> Vec<Finding> {
    let Some(raw) = change.new_contents() else {
        return Vec::new();
    };
    if archive::is_zip(raw) || archive::is_gzip(raw) {
        return scan_archive(scanner, key, change, raw);
    }
    // UTF-16 text is scanned decoded, as a whole (its lines cannot be diffed as bytes).
    let decoded = (crate::looks_binary(raw) && !crate::mostly_text(raw))
        .then(|| crate::decode_utf16(raw))
        .flatten();
    let data = decoded.as_deref().unwrap_or(raw);
    // A file with no old side is new throughout: skip the line diff entirely (directory
    // and history scans are all-new files).
    let all_new = change.old.is_none() || decoded.is_some();
    let mut lines = LineIndex::new(data);
    let mut out = Vec::new();
    let mut listing = Listing::default();
    let (found, added) = if all_new {
        (scanner.scan(data, Some(&change.path)), &[][..])
    } else {
        // Candidates first, only where a keyword could reach the lines that differ; the
        // line diff runs only for a file that has one (a secret is rare, a diff is not
        // free).
        let regions = change.changed_regions();
        if regions.is_empty() {
            return Vec::new();
        }
        let found = scanner.scan_near(data, &regions, Some(&change.path));
        if found.is_empty() {
            return Vec::new();
        }
        (found, change.added_lines())
    };
    for m in found {
        if is_fingerprint_key(&change.path, data, &m) {
            continue;
        }
        // A secret counts when any of its bytes is on an added line, so a multi-line key
        // with one new line counts. Added lines are in offset order: binary search.
        let touches_added = all_new || {
            let i = added.partition_point(|l| l.offset + l.text.len().max(1) <= m.secret.start);
            added.get(i).is_some_and(|l| l.offset < m.secret.end)
        };
        let rule = &scanner.rules()[m.rule];
        if touches_added && listing.admit(&rule.id, rule.action) {
            out.push(secret_finding(
                scanner,
                key,
                &m,
                &change.path,
                data,
                &mut lines,
            ));
        }
    }
    listing.summarise(&change.path, &mut out);
    out
}

/// The policy's own `fingerprint-key` is random by design and opens nothing (it only keys
/// fingerprints): the value `scopecheck init` writes is not a finding, or the starter file
/// could not be committed. Only that exact shape is exempt — a line holding nothing but
/// `fingerprint-key = "<32 or more hex digits>"`, the match inside the quotes — so the
/// key's line cannot carry anything else past the scanner.
fn is_fingerprint_key(path: &str, data: &[u8], m: &SecretMatch) -> bool {
    if !CONFIG_FILE_NAMES.contains(&path) {
        return false;
    }
    let start = data[..m.secret.start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
    let Some(rest) = data[start..end]
        .trim_ascii()
        .strip_prefix(b"fingerprint-key")
    else {
        return false;
    };
    let Some(value) = rest
        .trim_ascii_start()
        .strip_prefix(b"=")
        .map(<[u8]>::trim_ascii)
        .and_then(|v| v.strip_prefix(b"\""))
        .and_then(|v| v.strip_suffix(b"\""))
    else {
        return false;
    };
    let hex =
        value.len() >= crate::FingerprintKey::MIN_LEN && value.iter().all(u8::is_ascii_hexdigit);
    // The match must lie inside the value's quotes.
    let value_start = value.as_ptr() as usize - data.as_ptr() as usize;
    hex && m.secret.start >= value_start && m.secret.end <= value_start + value.len()
}

/// Secrets in the members of a zip archive (or the content of a gzip file), each member
/// new throughout unless the old archive held the same member with the same bytes.
/// Findings name the member as `archive.zip!path/in/archive` (`file.gz!name`, the name
/// the gzip header gives, else `file`).
fn scan_archive(
    scanner: &Scanner,
    key: Option<&FingerprintKey>,
    change: &FileChange,
    raw: &[u8],
) -> Vec<Finding> {
    let digest = |b: &[u8]| -> [u8; 32] { <sha2::Sha256 as sha2::Digest>::digest(b).into() };
    // A set: an archive may have 65,535 members, and each is looked up. Digests, not
    // copies: the old side's inflated members need not all stay in memory.
    let old: std::collections::HashSet<(String, [u8; 32])> = change
        .old_contents()
        .filter(|d| archive::is_zip(d) || archive::is_gzip(d))
        .map(archive::members)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, bytes)| (name, digest(&bytes)))
        .collect();
    let mut out = Vec::new();
    let mut listing = Listing::default();
    for (name, bytes) in archive::members(raw) {
        // Archives inside archives are not opened: one level is all a bound allows.
        if (crate::looks_binary(&bytes) && !crate::mostly_text(&bytes))
            || old.contains(&(name.clone(), digest(&bytes)))
        {
            continue;
        }
        // A gzip header need not name its file: the file's own name without `.gz` does.
        let name = if name.is_empty() {
            let base = change.path.rsplit('/').next().unwrap_or(&change.path);
            base.strip_suffix(".gz").unwrap_or(base).to_owned()
        } else {
            name
        };
        let path = format!("{}!{name}", change.path);
        let mut lines = LineIndex::new(&bytes);
        for m in scanner.scan(&bytes, Some(&path)) {
            let rule = &scanner.rules()[m.rule];
            if listing.admit(&rule.id, rule.action) {
                out.push(secret_finding(scanner, key, &m, &path, &bytes, &mut lines));
            }
        }
    }
    listing.summarise(&change.path, &mut out);
    out
}

/// Turns a match into a finding with redacted evidence and snippet.
pub fn secret_finding(
    scanner: &Scanner,
    key: Option<&FingerprintKey>,
    m: &SecretMatch,
    path: &str,
    data: &[u8],
    lines: &mut LineIndex,
) -> Finding {
    let rule = &scanner.rules()[m.rule];
    let secret = &data[m.secret.clone()];
    let (line, line_start) = lines.locate(m.secret.start);
    let line_end =
        memchr::memchr(b'\n', &data[line_start..]).map_or(data.len(), |i| line_start + i);
    let column = m.secret.start - line_start + 1;
    let snippet = redacted_snippet(
        &data[line_start..line_end],
        m.secret.start - line_start,
        secret,
    );
    Finding {
        rule: rule.id.to_string(),
        action: rule.action,
        path: path.to_owned(),
        line,
        column: u32::try_from(column).unwrap_or(u32::MAX),
        message: match m.encoding {
            Some(encoding) => format!("{} ({encoding}) in {path}", rule.name),
            None => format!("{} in {path}", rule.name),
        },
        help: FIX.to_owned(),
        evidence: Some(redact(secret)),
        snippet: Some(snippet),
        fingerprint: secret_fingerprint(key, &rule.id, path, secret),
        commit: None,
    }
}

/// The line with the secret (and any other copy of it on the line) redacted, trimmed to
/// a readable width around the secret.
fn redacted_snippet(line: &[u8], at: usize, matched: &[u8]) -> String {
    // The whole token the secret sits in is hidden, not just the part a rule matched: a
    // multi-part credential (`AKIA…:<secret key>`, `user:password@host`) must not show
    // its other half next to the redaction.
    let delimiter = |b: &u8| crate::change::is_token_delimiter(*b);
    let at = at.min(line.len());
    let end = (at + matched.len()).min(line.len());
    let at = line[..at].iter().rposition(delimiter).map_or(0, |i| i + 1);
    let end = line[end..]
        .iter()
        .position(delimiter)
        .map_or(line.len(), |i| end + i);
    let secret = &line[at..end];
    let before = &line[..at];
    let after = &line[end..];
    let keep_before = before.len().saturating_sub(60);
    let keep_after = after.len().min(60);
    let mut s = String::new();
    if keep_before > 0 {
        s.push('…');
    }
    s.push_str(&String::from_utf8_lossy(&before[keep_before..]));
    s.push_str(&redact(secret));
    s.push_str(&String::from_utf8_lossy(&after[..keep_after]));
    if keep_after < after.len() {
        s.push('…');
    }
    for copy in [secret, matched] {
        let shown = String::from_utf8_lossy(copy);
        if shown.len() >= 4 {
            s = s.replace(shown.as_ref(), "[redacted]");
        }
    }
    s.replace(['\r', '\t'], " ")
}

#[cfg(test)]
mod snippet_tests {
    use super::redacted_snippet;

    #[test]
    fn both_halves_of_a_multi_part_credential_are_hidden() {
        let line =
            br#"AWS_CREDS = "AKIAZ7Q2LMNP4RSTUVWX:wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYq""#;
        let at = 13;
        let s = redacted_snippet(line, at, b"AKIAZ7Q2LMNP4RSTUVWX");
        assert!(!s.contains("wJalr"), "{s}");
        assert!(!s.contains("Z7Q2"), "{s}");
        assert!(s.starts_with("AWS_CREDS = \""), "{s}");
        let s = redacted_snippet(
            b"TOKEN=abcd1234efgh5678 # again: abcd1234efgh5678",
            6,
            b"abcd1234efgh5678",
        );
        assert!(!s.contains("abcd1234"), "{s}");
        assert!(s.starts_with("TOKEN="), "{s}");
    }
}
