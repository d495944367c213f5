//! The audit log: one JSON object per line, each chained to the one before.
//!
//! Every line carries `seq` (1, 2, 3, … with no gaps), `prev` (the `hash` of the line
//! before; 64 zeros for the first line ever) and `hash` (SHA-256 of the line's
//! canonical JSON without `hash`). So an edited line fails its own hash, a removed line
//! leaves a gap in `seq`, and a reordered line breaks `seq` and `prev`; a separate head
//! record (the last `seq` and `hash`) catches lines cut from the end.
//!
//! Rotation keeps the chain: the current file is renamed to an archive and the next line
//! links to the archive's last line. When old archives are deleted, the chain verifies
//! from the oldest line still present, and says so.
//!
//! What a chain does not do: a process with write access to the log can rewrite every
//! line and the head consistently. Record [`Tip`]s elsewhere (CI logs, a ticket) to make
//! such a rewrite visible; `verify` takes an expected tip for that.

use serde_json::{Map, Value};

use scopecheck_core::statement::canonical_json;

use crate::sha256_hex;

/// The `prev` of the first line of a log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The last line of a chain: its `seq` and `hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    /// The line's sequence number.
    pub seq: u64,
    /// The line's hash.
    pub hash: String,
}

impl Tip {
    /// `seq:hash`, the form the head file and `--expect` use.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.seq, self.hash)
    }

    /// Parses [`Tip::encode`]'s form.
    pub fn decode(s: &str) -> Option<Tip> {
        let (seq, hash) = s.trim().split_once(':')?;
        let ok = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| {
            Some(Tip {
                seq: seq.parse().ok()?,
                hash: hash.to_ascii_lowercase(),
            })
        })
        .flatten()
    }
}

fn line_hash(obj: &Map<String, Value>) -> String {
    let mut copy = obj.clone();
    copy.remove("hash");
    sha256_hex(canonical_json(&Value::Object(copy)).as_bytes())
}

/// Chains `entry` (a JSON object of the decision) after `tip`; returns the line to
/// append (without its newline) and the new tip. Keys `seq`, `prev` and `hash` in
/// `entry` are overwritten.
pub fn chain_line(tip: Option<&Tip>, mut entry: Map<String, Value>) -> (String, Tip) {
    let seq = tip.map_or(1, |t| t.seq.saturating_add(1));
    entry.insert("seq".into(), Value::from(seq));
    entry.insert(
        "prev".into(),
        Value::from(tip.map_or(GENESIS, |t| t.hash.as_str())),
    );
    entry.remove("hash");
    let hash = line_hash(&entry);
    entry.insert("hash".into(), Value::from(hash.clone()));
    (canonical_json(&Value::Object(entry)), Tip { seq, hash })
}

/// The tip of a log file's text, from its last line (for appending), or an error when
/// that line is unreadable.
pub fn last_tip(text: &str) -> Result<Option<Tip>, String> {
    let Some(last) = text.lines().rev().find(|l| !l.trim().is_empty()) else {
        return Ok(None);
    };
    let obj: Map<String, Value> = serde_json::from_str(last)
        .map_err(|e| format!("the last line of the audit log is not JSON ({e})"))?;
    match (
        obj.get("seq").and_then(Value::as_u64),
        obj.get("hash").and_then(Value::as_str),
    ) {
        (Some(seq), Some(hash)) => Ok(Some(Tip {
            seq,
            hash: hash.to_owned(),
        })),
        _ => Err("the last line of the audit log has no seq/hash".to_owned()),
    }
}

/// A file of the log: its name and text, oldest file first.
pub struct Segment<'a> {
    /// As shown to the user.
    pub name: &'a str,
    /// Its contents.
    pub text: &'a str,
}

/// What a verified log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Lines checked.
    pub lines: u64,
    /// The first `seq` present (greater than 1 when archives were rotated out).
    pub first_seq: u64,
    /// The last line.
    pub tip: Option<Tip>,
}

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct AuditError {
    /// The file.
    pub file: String,
    /// 1-based line in that file (0 when the problem is the head record).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Verifies the chain across `segments` and against `head` (the head record, when
/// there is one) and `expect` (a tip recorded elsewhere).
pub fn verify(
    segments: &[Segment<'_>],
    head: Option<&Tip>,
    expect: Option<&Tip>,
) -> Result<Verified, AuditError> {
    let mut prev: Option<Tip> = None;
    let mut first_seq = None;
    let mut lines = 0;
    let mut last_place = (String::new(), 0);
    for seg in segments {
        for (i, raw) in seg.text.split('\n').enumerate() {
            let n = i + 1;
            let err = |message: String| AuditError {
                file: seg.name.to_owned(),
                line: n,
                message,
            };
            if raw.is_empty() {
                if seg.text.len() == seg.text.trim_end_matches('\n').len() + 1
                    && n == seg.text.split('\n').count()
                {
                    continue; // the newline that ends the file
                }
                if seg.text.is_empty() {
                    continue;
                }
                return Err(err(
                    "empty line: a line was removed or the file was edited".into()
                ));
            }
            let obj: Map<String, Value> = serde_json::from_str(raw).map_err(|e| {
                err(format!(
                    "not a JSON object ({e}): the line was edited or cut short"
                ))
            })?;
            let seq = obj.get("seq").and_then(Value::as_u64);
            let p = obj.get("prev").and_then(Value::as_str);
            let h = obj.get("hash").and_then(Value::as_str);
            let (Some(seq), Some(p), Some(h)) = (seq, p, h) else {
                return Err(err(
                    "missing seq, prev or hash: not a line scopecheck wrote".into(),
                ));
            };
            if line_hash(&obj) != h {
                return Err(err(format!(
                    "line (seq {seq}) was edited: its content no longer matches its hash"
                )));
            }
            match &prev {
                None => {
                    if seq == 1 && p != GENESIS {
                        return Err(err("the first line does not start the chain".into()));
                    }
                    first_seq = Some(seq);
                }
                Some(t) => {
                    let next = t.seq.checked_add(1);
                    if Some(seq) != next {
                        return Err(err(if next.is_some_and(|n| seq > n) {
                            format!(
                                "seq {seq} follows seq {}: {} line(s) before it were removed",
                                t.seq,
                                seq - t.seq - 1 // seq > t.seq + 1 here: no underflow
                            )
                        } else {
                            format!(
                                "seq {seq} follows seq {}: lines were reordered or repeated",
                                t.seq
                            )
                        }));
                    }
                    if p != t.hash {
                        return Err(err(format!(
                            "seq {seq} does not link to the line before it: a line was replaced"
                        )));
                    }
                }
            }
            prev = Some(Tip {
                seq,
                hash: h.to_owned(),
            });
            lines += 1;
            last_place = (seg.name.to_owned(), n);
        }
    }
    // The head record and an expected tip must be lines of the chain. The chain may go
    // on past them (a write interrupted between the line and the head record, or lines
    // logged after the tip was noted), but may not stop short of them.
    for (what, want) in [("head record", head), ("expected tip", expect)] {
        let Some(want) = want else { continue };
        let have = prev.as_ref();
        let ok =
            have.is_some_and(|t| t == want || (t.seq > want.seq && chain_contains(segments, want)));
        if !ok {
            let shown = have.map_or("nothing".to_owned(), Tip::encode);
            let message = if have.is_some_and(|t| t.seq > want.seq) {
                format!(
                    "the {what} {} is not a line of the log: the log was rewritten",
                    want.encode()
                )
            } else {
                format!(
                    "the log ends at {shown} but the {what} says {}: lines were removed from the end or the log was rewritten",
                    want.encode()
                )
            };
            return Err(AuditError {
                file: last_place.0.clone(),
                line: last_place.1,
                message,
            });
        }
    }
    Ok(Verified {
        lines,
        first_seq: first_seq.unwrap_or(0),
        tip: prev,
    })
}

fn chain_contains(segments: &[Segment<'_>], want: &Tip) -> bool {
    segments.iter().any(|s| {
        s.text.lines().any(|l| {
            serde_json::from_str::<Map<String, Value>>(l).is_ok_and(|o| {
                o.get("seq").and_then(Value::as_u64) == Some(want.seq)
                    && o.get("hash").and_then(Value::as_str) == Some(want.hash.as_str())
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: u64) -> (String, Tip) {
        let mut text = String::new();
        let mut tip = None;
        for i in 0..n {
            let mut m = Map::new();
            m.insert("command".into(), Value::from("pre-commit"));
            m.insert("exit".into(), Value::from(i % 2));
            let (line, t) = chain_line(tip.as_ref(), m);
            text.push_str(&line);
            text.push('\n');
            tip = Some(t);
        }
        (text, tip.expect("lines"))
    }

    fn check(text: &str, head: Option<&Tip>) -> Result<Verified, AuditError> {
        verify(
            &[Segment {
                name: "audit.jsonl",
                text,
            }],
            head,
            None,
        )
    }

    #[test]
    fn untouched_log_verifies() {
        let (text, tip) = log(5);
        let v = check(&text, Some(&tip)).expect("valid");
        assert_eq!((v.lines, v.first_seq), (5, 1));
        assert_eq!(last_tip(&text).expect("tip"), Some(tip.clone()));
        assert_eq!(Tip::decode(&tip.encode()), Some(tip));
    }

    #[test]
    fn each_tampering_names_the_line() {
        let (text, tip) = log(5);
        let lines: Vec<&str> = text.lines().collect();
        let join = |v: Vec<&str>| v.join("\n") + "\n";

        let edited = text.replacen("\"exit\":1", "\"exit\":0", 1);
        let e = check(&edited, Some(&tip)).expect_err("edited");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("edited"));

        let mut removed = lines.clone();
        removed.remove(2);
        let e = check(&join(removed), Some(&tip)).expect_err("removed");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("removed"));

        let mut swapped = lines.clone();
        swapped.swap(1, 3);
        let e = check(&join(swapped), Some(&tip)).expect_err("reordered");
        assert_eq!(e.line, 2, "{e}");

        let cut = join(lines[..4].to_vec());
        let e = check(&cut, Some(&tip)).expect_err("cut");
        assert!(e.message.contains("removed from the end"), "{e}");

        let truncated = &text[..text.len() - 10];
        let e = check(truncated, None).expect_err("truncated");
        assert_eq!(e.line, 5);
    }

    #[test]
    fn rotation_keeps_the_chain_and_old_tips_are_checked() {
        let (text, tip) = log(6);
        let lines: Vec<&str> = text.lines().collect();
        let a = lines[..3].join("\n") + "\n";
        let b = lines[3..].join("\n") + "\n";
        let segs = [
            Segment {
                name: "a",
                text: &a,
            },
            Segment {
                name: "b",
                text: &b,
            },
        ];
        assert_eq!(verify(&segs, Some(&tip), None).expect("ok").lines, 6);
        // The oldest archive rotated out: the rest still verifies, from seq 4.
        let v = verify(&segs[1..], Some(&tip), None).expect("ok");
        assert_eq!(v.first_seq, 4);
        let old = last_tip(&a).expect("tip").expect("some");
        assert!(verify(&segs, Some(&tip), Some(&old)).is_ok());
        let forged = Tip {
            seq: 2,
            hash: "ab".repeat(32),
        };
        assert!(verify(&segs, Some(&tip), Some(&forged)).is_err());
    }
}

#[cfg(test)]
mod overflow_tests {
    use super::*;

    #[test]
    fn a_hostile_seq_is_an_error_not_a_panic() {
        let mut m = Map::new();
        m.insert("x".into(), Value::from(1));
        let (line, tip) = chain_line(
            Some(&Tip {
                seq: u64::MAX,
                hash: GENESIS.into(),
            }),
            m.clone(),
        );
        assert_eq!(tip.seq, u64::MAX);
        let (line2, _) = chain_line(Some(&tip), m);
        let text = format!("{line}\n{line2}\n");
        assert!(verify(
            &[Segment {
                name: "a",
                text: &text
            }],
            None,
            None
        )
        .is_err());
    }
}
