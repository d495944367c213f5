//! Writing and reading the audit log in the git directory (shared by every worktree of
//! the repository): `<git common dir>/scopecheck/audit.jsonl`, its head record
//! `audit.head`, and rotated archives `audit-<first seq>-<last seq>.jsonl`.
//! The chain itself (what a line holds, how it is verified) is scopecheck-trust's.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use scopecheck_core::config::AuditSettings;
use scopecheck_core::{Actor, ChangeSet, Report};
use scopecheck_trust::audit::{chain_line, last_tip, Tip};
use scopecheck_trust::time;

use crate::error::CliError;

/// The head record's length before its newline: the longest `seq:hash` (a 20-digit
/// sequence number, a colon, 64 hex digits) and room to spare.
const HEAD_RECORD: usize = 95;

/// Most files listed in one line; a larger range records the count and the first ones.
const MAX_FILES: usize = 2000;

pub struct Log {
    dir: PathBuf,
}

impl Log {
    pub fn new(common_dir: &Path) -> Log {
        Log {
            dir: common_dir.join("scopecheck"),
        }
    }

    pub fn current(&self) -> PathBuf {
        self.dir.join("audit.jsonl")
    }

    pub fn head_file(&self) -> PathBuf {
        self.dir.join("audit.head")
    }

    /// Archives, oldest first (names sort by their zero-padded first seq).
    pub fn archives(&self) -> Result<Vec<PathBuf>, CliError> {
        let mut v: Vec<PathBuf> = match fs::read_dir(&self.dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("audit-") && n.ends_with(".jsonl"))
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(CliError::io(&self.dir)(e)),
        };
        v.sort();
        Ok(v)
    }

    /// Every file of the log, oldest first, with its text.
    pub fn segments(&self) -> Result<Vec<(PathBuf, String)>, CliError> {
        let mut out = Vec::new();
        for p in self.archives()?.into_iter().chain([self.current()]) {
            match fs::read(&p) {
                Ok(b) => out.push((p, String::from_utf8_lossy(&b).into_owned())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CliError::io(&p)(e)),
            }
        }
        Ok(out)
    }

    pub fn head(&self) -> Result<Option<Tip>, CliError> {
        let p = self.head_file();
        match fs::read_to_string(&p) {
            Ok(t) => Tip::decode(&t).map(Some).ok_or_else(|| {
                CliError::usage(
                    format!("{} is damaged (expected `seq:hash`)", p.display()),
                    Some("run `scopecheck audit verify`".to_owned()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::io(&p)(e)),
        }
    }

    /// Appends one decision. Concurrent hooks (several worktrees) serialise on a lock
    /// file; the line is written before the head record, so an interrupted run leaves
    /// at worst a head one line behind, which verification accepts.
    pub fn append(
        &self,
        settings: &AuditSettings,
        entry: Map<String, Value>,
    ) -> Result<Tip, CliError> {
        fs::create_dir_all(&self.dir).map_err(CliError::io(&self.dir))?;
        let lock_path = self.dir.join("audit.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(CliError::io(&lock_path))?;
        lock.lock().map_err(CliError::io(&lock_path))?;
        let current = self.current();
        let damaged = |why: String| {
            CliError::usage(
                format!("the audit log {} is damaged: {why}", current.display()),
                Some(
                    "`scopecheck audit verify` says where; move the log aside to start a new chain"
                        .to_owned(),
                ),
            )
        };
        // Only the last line matters for appending; the log may be megabytes.
        let (size, tail) = tail_of(&current)?;
        let mut tip = last_tip(&tail).map_err(damaged)?;
        if tip.is_none() {
            if let Some(last) = self.archives()?.pop() {
                tip = last_tip(&tail_of(&last)?.1).map_err(damaged)?;
            }
        }
        if size >= settings.max_size {
            self.rotate(&tail, settings.keep)?;
        }
        let (line, new_tip) = chain_line(tip.as_ref(), entry);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&current)
            .map_err(CliError::io(&current))?;
        f.write_all(format!("{line}\n").as_bytes())
            .map_err(CliError::io(&current))?;
        // Killed here, the head record lags the log by a line: verification accepts a
        // log that goes on past its head record, and the next append moves it on.
        crate::fault::point("audit:after-line");
        self.write_head(&new_tip)?;
        drop(lock);
        Ok(new_tip)
    }

    /// Rewrites the head record in place: one write of a fixed-length record (padded
    /// with spaces) at the start of the file. Replacing the file by a rename made ext4
    /// write the new file out at once on every commit (`auto_da_alloc`, its guard
    /// against empty files after a crash), a third of a millisecond of every hook; a
    /// record this short, well under a disk sector, is written whole or not at all.
    fn write_head(&self, tip: &Tip) -> Result<(), CliError> {
        use std::io::{Seek, SeekFrom};
        let head = self.head_file();
        let record = format!("{:<HEAD_RECORD$}\n", tip.encode());
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&head)
            .map_err(CliError::io(&head))?;
        f.seek(SeekFrom::Start(0))
            .and_then(|_| f.write_all(record.as_bytes()))
            .map_err(CliError::io(&head))?;
        // Only a head written by hand, or by an older version, can be longer.
        let len = record.len() as u64;
        if f.metadata().map_err(CliError::io(&head))?.len() > len {
            f.set_len(len).map_err(CliError::io(&head))?;
        }
        Ok(())
    }

    fn rotate(&self, tail: &str, keep: u32) -> Result<(), CliError> {
        let seq = |l: Option<&str>| {
            l.and_then(|l| serde_json::from_str::<Map<String, Value>>(l).ok())
                .and_then(|o| o.get("seq").and_then(Value::as_u64))
                .unwrap_or(0)
        };
        let current = self.current();
        let first = seq(first_line(&current)?.as_deref());
        let last = seq(tail.lines().last());
        let archive = self.dir.join(format!("audit-{first:012}-{last:012}.jsonl"));
        fs::rename(&current, &archive).map_err(CliError::io(&archive))?;
        let archives = self.archives()?;
        let excess = archives.len().saturating_sub(keep as usize);
        for old in &archives[..excess] {
            fs::remove_file(old).map_err(CliError::io(old))?;
        }
        Ok(())
    }
}

fn actor_json(actor: &Actor) -> Value {
    serde_json::to_value(actor).unwrap_or(Value::Null)
}

/// The common fields of a decision line.
pub fn decision_entry(
    command: &str,
    actor: &Actor,
    refs: Value,
    changes: &[&ChangeSet],
    report: &Report,
) -> Map<String, Value> {
    let mut files = Vec::new();
    let mut total = 0;
    for cs in changes {
        for f in &cs.files {
            total += 1;
            if files.len() < MAX_FILES {
                files.push(json!({
                    "path": f.path,
                    "old": f.old.as_ref().map(|s| s.id.clone()),
                    "new": f.new.as_ref().map(|s| s.id.clone()),
                }));
            }
        }
    }
    // Rule, path, action and fingerprint only: the log never holds evidence, so it can
    // never hold a secret.
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| json!({"rule": f.rule, "path": f.path, "action": f.action, "fingerprint": f.fingerprint}))
        .collect();
    let approved: Vec<Value> = report
        .approved
        .iter()
        .map(|a| {
            json!({
                "rule": a.finding.rule, "path": a.finding.path, "fingerprint": a.finding.fingerprint,
                "approved-by": a.approval.approved_by, "key": a.approval.key,
                "approved-at": a.approval.approved_at, "file": a.approval.file,
            })
        })
        .collect();
    let suppressed: Vec<Value> = report
        .suppressed
        .iter()
        .map(|s| json!({"rule": s.finding.rule, "path": s.finding.path, "fingerprint": s.finding.fingerprint, "by": s.suppressed_by}))
        .collect();
    let mut m = Map::new();
    m.insert("time".into(), json!(time::now_rfc3339()));
    m.insert("command".into(), json!(command));
    m.insert("actor".into(), actor_json(actor));
    m.insert("refs".into(), refs);
    m.insert("files".into(), Value::Array(files));
    m.insert("files-total".into(), json!(total));
    m.insert("findings".into(), Value::Array(findings));
    m.insert("approved".into(), Value::Array(approved));
    m.insert("suppressed".into(), Value::Array(suppressed));
    m.insert("decision".into(), json!(report.decision()));
    m.insert("exit".into(), json!(report.exit_code()));
    m
}

/// A line for a command that is not a check (approve, task start/end).
pub fn event_entry(command: &str, actor: &Actor, detail: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("time".into(), json!(time::now_rfc3339()));
    m.insert("command".into(), json!(command));
    m.insert("actor".into(), actor_json(actor));
    m.insert("detail".into(), detail);
    m
}

/// Appends `entry` to the repository's log when the policy keeps one.
pub fn record(
    repo: &scopecheck_git::Repo,
    settings: &AuditSettings,
    entry: Map<String, Value>,
) -> Result<(), CliError> {
    if !settings.enabled {
        return Ok(());
    }
    Log::new(repo.common_dir()).append(settings, entry)?;
    Ok(())
}

/// The file's size and a suffix of it that holds its whole last line (all of it for a
/// small file). Missing files are empty.
fn tail_of(path: &Path) -> Result<(u64, String), CliError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, String::new())),
        Err(e) => return Err(CliError::io(path)(e)),
    };
    let size = f.metadata().map_err(CliError::io(path))?.len();
    // A decision line is a few KiB; reading 64 KiB and decoding it as text each time
    // cost every commit a quarter of a millisecond.
    let mut chunk: u64 = 8 * 1024;
    loop {
        let start = size.saturating_sub(chunk);
        f.seek(SeekFrom::Start(start)).map_err(CliError::io(path))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).map_err(CliError::io(path))?;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        // A newline before the last line means the chunk holds all of it.
        if start == 0 || body.contains(&b'\n') {
            return Ok((size, String::from_utf8_lossy(&buf).into_owned()));
        }
        chunk *= 4;
    }
}

fn first_line(path: &Path) -> Result<Option<String>, CliError> {
    use std::io::BufRead;
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::io(path)(e)),
    };
    let mut line = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut line)
        .map_err(CliError::io(path))?;
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head record is rewritten in place and reads back as written, whatever the
    /// file held before: nothing, an older version's shorter record, or a longer one.
    #[test]
    fn the_head_record_is_rewritten_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::new(dir.path());
        fs::create_dir_all(&log.dir).unwrap();
        let tip = |seq: u64, c: char| Tip {
            seq,
            hash: c.to_string().repeat(64),
        };
        log.write_head(&tip(7, 'a')).unwrap();
        assert_eq!(log.head().unwrap(), Some(tip(7, 'a')));
        for before in ["12:".to_owned() + &"b".repeat(64) + "\n", "x".repeat(300)] {
            fs::write(log.head_file(), before).unwrap();
            log.write_head(&tip(u64::MAX, 'c')).unwrap();
            assert_eq!(log.head().unwrap(), Some(tip(u64::MAX, 'c')));
            assert_eq!(
                fs::metadata(log.head_file()).unwrap().len(),
                HEAD_RECORD as u64 + 1
            );
        }
    }

    /// The tail always holds the whole last line, however long (the first read is a few
    /// KiB; a decision about thousands of files is far longer).
    #[test]
    fn the_tail_holds_the_whole_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        for last_len in [0, 10, 8 * 1024 - 1, 8 * 1024, 8 * 1024 + 1, 300_000] {
            let last = "x".repeat(last_len);
            let text = format!("{}\n{last}\n", "y".repeat(50_000));
            fs::write(&path, &text).unwrap();
            let (size, tail) = tail_of(&path).unwrap();
            assert_eq!(size, text.len() as u64);
            assert!(text.ends_with(&tail));
            // A newline before the last line: all of it is there.
            let body = tail.strip_suffix('\n').unwrap();
            assert_eq!(body.rsplit_once('\n').map(|(_, l)| l), Some(last.as_str()));
        }
        assert_eq!(
            tail_of(&dir.path().join("missing")).unwrap(),
            (0, String::new())
        );
    }
}
