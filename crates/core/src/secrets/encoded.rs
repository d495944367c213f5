//! Text hidden in an encoding: a `.env` file or a `token: ghp_…` line pasted into a YAML
//! value, a CI variable or a test fixture as base64 carries no keyword a rule could see,
//! and a form body or query string (`aws_secret_access_key%3DwJal…%2F…`) splits both the
//! assignment and the token. Long base64 runs and percent-encoded runs are found
//! cheaply, decoded, and kept when they decode to text; the scanner then searches that
//! text (one level deep: nothing inside the decoded text is decoded again, which bounds
//! the work).

use std::fmt;
use std::ops::Range;

/// How a secret found in decoded text was encoded in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Standard or URL-safe base64.
    Base64,
    /// `%XX` escapes (URLs, form bodies).
    Percent,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Base64 => "base64-encoded",
            Encoding::Percent => "percent-encoded",
        })
    }
}

/// Shortest percent-encoded run decoded.
const MIN_PERCENT_RUN: usize = 16;

/// Characters a percent-encoded run is made of: what URLs and form bodies carry, without
/// whitespace, quotes and brackets, which delimit them in code and configuration.
fn is_url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'%' | b'.'
                | b'_'
                | b'~'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'&'
                | b':'
                | b'@'
                | b'?'
                | b'#'
                | b'!'
                | b'$'
                | b'*'
                | b','
                | b';'
        )
}

/// The runs of URL characters with at least one `%XX` escape, [`MIN_PERCENT_RUN`] long
/// or more, that overlap `within` (a range of `data`). Found from the `%` signs (one
/// vectorised search), so text without any costs nothing.
pub(super) fn percent_runs(data: &[u8], within: Range<usize>, out: &mut Vec<Range<usize>>) {
    let from = within.start.saturating_sub(MIN_PERCENT_RUN).min(data.len());
    let to = (within.end + MIN_PERCENT_RUN).min(data.len());
    let mut covered = from;
    for at in memchr::memchr_iter(b'%', &data[from..to]).map(|i| from + i) {
        if at < covered
            || !data
                .get(at + 1..at + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        {
            continue;
        }
        let (start, end) = widen(data, at, at + 3, is_url_char);
        covered = end;
        if end - start >= MIN_PERCENT_RUN
            && end - start <= MAX_RUN
            && start < within.end
            && end > within.start
        {
            out.push(start..end);
        }
    }
}

/// `run` with its `%XX` escapes decoded, if that is text (see [`decode_text`]).
pub(super) fn decode_percent(run: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        match (
            run[i],
            run.get(i + 1).and_then(|&b| hex(b)),
            run.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    is_text(&out, true).then_some(out)
}

/// Shortest run decoded: 24 bytes of text, about the shortest `name=token` worth a look
/// (a bare 20-character token has no keyword for a rule to find).
pub(super) const MIN_RUN: usize = 32;

/// Longest run decoded (64 KiB of text): beyond that it is an embedded file, and data
/// URIs of images would be decoded for nothing.
const MAX_RUN: usize = 88 * 1024;

/// Characters of a run decoded first to tell text from binary (72 bytes).
const PROBE: usize = 96;

/// The base64 alphabets' characters (standard and URL-safe), padding aside.
fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Whether some byte of `word` is certainly not base64: below `+` (whitespace, quotes,
/// parentheses, commas), above `z` (braces) or not ASCII. Eight bytes at once and
/// without a branch per byte, so that the probe costs about nothing on text, where
/// nearly every block has a space or a quote.
fn has_non_base64(word: u64) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES * 0x80;
    let below = word.wrapping_sub(ONES * u64::from(b'+')) & !word & HIGH;
    let above = (word.wrapping_add(ONES * u64::from(127 - b'z')) | word) & HIGH;
    below | above != 0
}

/// Whether all 16 bytes at `at` are base64: the cheap test first, then the exact one.
fn block_is_base64(data: &[u8], at: usize) -> bool {
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&data[i..i + 8]);
        u64::from_le_bytes(w)
    };
    !(has_non_base64(word(at)) || has_non_base64(word(at + 8)))
        && data[at..at + 16].iter().all(|&b| is_base64(b))
}

/// `start..end` widened both ways over the bytes `keep` accepts.
fn widen(data: &[u8], mut start: usize, mut end: usize, keep: fn(u8) -> bool) -> (usize, usize) {
    while start > 0 && keep(data[start - 1]) {
        start -= 1;
    }
    while end < data.len() && keep(data[end]) {
        end += 1;
    }
    (start, end)
}

/// The runs of at least [`MIN_RUN`] base64 characters (with their `=` padding) that
/// overlap `within` (a range of `data`).
///
/// Every such run holds a whole 16-byte block at a multiple of 16, so only those blocks
/// are probed, eight bytes at a time ([`has_non_base64`]): in code and prose nearly
/// every block fails at once, a small fraction of the keyword pass's cost.
pub(super) fn runs(data: &[u8], within: Range<usize>, out: &mut Vec<Range<usize>>) {
    // A run overlapping `within` has a whole aligned block within 31 bytes of it.
    let from = within.start.saturating_sub(MIN_RUN) / 16 * 16;
    let to = (within.end + MIN_RUN).min(data.len());
    let mut block = from;
    while block + 16 <= to {
        if !block_is_base64(data, block) {
            block += 16;
            continue;
        }
        let (start, end) = widen(data, block, block + 16, is_base64);
        let padded = end
            + data[end..]
                .iter()
                .take(2)
                .take_while(|&&b| b == b'=')
                .count();
        if end - start >= MIN_RUN && start < within.end && padded > within.start {
            out.push(start..padded);
        }
        block = end.div_ceil(16) * 16;
    }
}

/// The value of a base64 character in either alphabet.
fn sextet(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// `run` decoded (padding ignored), or `None` when it is not base64 of text: mixed
/// alphabets, or bytes that are not UTF-8 text without control characters.
pub(super) fn decode_base64(run: &[u8]) -> Option<Vec<u8>> {
    let body = match run.iter().position(|&b| b == b'=') {
        Some(i) => &run[..i],
        None => run,
    };
    if body.len() > MAX_RUN
        || (body.iter().any(|&b| b == b'+' || b == b'/')
            && body.iter().any(|&b| b == b'-' || b == b'_'))
    {
        return None;
    }
    // Binary data (hashes, keys, images, compressed blobs) shows in its first bytes.
    let probe = decode(&body[..body.len().min(PROBE)])?;
    if !is_text(&probe, body.len() <= PROBE) {
        return None;
    }
    let all = if body.len() <= PROBE {
        probe
    } else {
        decode(body)?
    };
    is_text(&all, true).then_some(all)
}

/// `chars` decoded from either base64 alphabet (no padding; a last lone character, which
/// encodes no whole byte, is ignored), or `None` at a character outside both.
pub(super) fn decode(chars: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(chars.len() / 4 * 3 + 2);
    for quad in chars.chunks(4) {
        let mut acc = 0u32;
        for &c in quad {
            acc = acc << 6 | sextet(c)?;
        }
        match quad.len() {
            4 => out.extend_from_slice(&acc.to_be_bytes()[1..]),
            3 => out.extend_from_slice(&(acc << 6).to_be_bytes()[1..3]),
            2 => out.push((acc >> 4) as u8),
            // One character encodes no whole byte.
            _ => {}
        }
    }
    Some(out)
}

/// UTF-8 text with no control characters but tab, line feed and carriage return. A
/// `partial` prefix may end inside a multi-byte character.
fn is_text(bytes: &[u8], whole: bool) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => !whole && e.error_len().is_none(),
    };
    valid
        && bytes
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7f || matches!(b, b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in text.as_bytes().chunks(3) {
            let n =
                chunk.iter().fold(0u32, |a, &b| a << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
        out
    }

    fn found(data: &str, within: Range<usize>) -> Vec<&str> {
        let mut out = Vec::new();
        runs(data.as_bytes(), within, &mut out);
        out.into_iter().map(|r| &data[r]).collect()
    }

    #[test]
    fn finds_long_runs_wherever_they_sit() {
        let env = b64("GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n");
        for prefix in ["", "x:", "value: \"", "0123456789abcde: "] {
            let text = format!("{prefix}{env}\" and more text");
            assert_eq!(
                found(&text, 0..text.len()),
                [env.as_str()],
                "after {prefix:?}"
            );
        }
        // Overlapping the range only by its last character, or its padding, still counts.
        let text = format!("{env} tail");
        assert_eq!(found(&text, env.len() - 1..env.len()), [env.as_str()]);
        assert!(found(&text, env.len() + 1..text.len()).is_empty());
        // Short runs and ordinary code are not runs.
        let short = b64("a=b");
        assert!(found(&short, 0..short.len()).is_empty());
        let code = "fn main() { let value = compute(argument, other_argument); }";
        assert!(found(code, 0..code.len()).is_empty());
    }

    /// The word test never calls a base64 byte foreign, and calls the bytes that
    /// separate words in code and prose foreign.
    #[test]
    fn the_word_test_is_a_superset_of_the_alphabet() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = *b"AAAAAAAA";
                word[at] = b;
                let foreign = has_non_base64(u64::from_le_bytes(word));
                if is_base64(b) {
                    assert!(!foreign, "{b:#x} at {at}");
                }
                if !(b'+'..=b'z').contains(&b) {
                    assert!(foreign, "{b:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn finds_and_decodes_percent_encoded_runs() {
        let body = "grant=client&aws_secret_access_key%3DwJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCY";
        let text = format!("curl -d \"{body}\" https://example.org");
        let mut out = Vec::new();
        percent_runs(text.as_bytes(), 0..text.len(), &mut out);
        let found: Vec<&str> = out.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, [body]);
        assert_eq!(
            decode_percent(body.as_bytes()).as_deref(),
            Some(&b"grant=client&aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCY"[..])
        );
        // printf formats are not escapes, short runs are not runs, and an escape of a
        // control character is not text.
        for code in [
            "printf(\"%s: %d\\n\", name, n);",
            "x%20y",
            "secret%00hidden%01value=1234",
        ] {
            let mut out = Vec::new();
            percent_runs(code.as_bytes(), 0..code.len(), &mut out);
            assert!(
                out.iter()
                    .all(|r| decode_percent(&code.as_bytes()[r.clone()]).is_none()),
                "{code}"
            );
        }
    }

    #[test]
    fn decodes_text_and_rejects_binary_and_mixed_alphabets() {
        let text = "password: hunter2-but-much-longer-than-that\nuser: admin\n";
        assert_eq!(
            decode_base64(b64(text).as_bytes()).as_deref(),
            Some(text.as_bytes())
        );
        // Longer than the probe, URL-safe alphabet, no padding.
        let long = "API_KEY=".to_owned() + &"k".repeat(300);
        let url_safe = b64(&long)
            .replace('+', "-")
            .replace('/', "_")
            .replace('=', "");
        assert_eq!(
            decode_base64(url_safe.as_bytes()).as_deref(),
            Some(long.as_bytes())
        );
        // A sha512 integrity hash of a lockfile, and a hex digest: not text.
        assert!(decode_base64(b"z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==").is_none());
        assert!(decode_base64(b"3f786850e387550fdab836ed7e6dc881de23001b").is_none());
        // Both alphabets in one run is not base64.
        assert!(decode_base64(b"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo+/-_").is_none());
        // Text with control characters is not text.
        assert!(
            decode_base64(b64("\u{1}\u{2}binary-ish header then text.....").as_bytes()).is_none()
        );
    }
}
