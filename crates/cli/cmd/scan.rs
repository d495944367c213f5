//! `scopecheck scan [PATH]`: check every file of a directory (or, with `--history`,
//! every blob ever committed) as if it were being added. `scopecheck baseline` runs the
//! same scan and records what it finds as accepted.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use scopecheck_core::{
    evaluate_with, Baseline, ChangeSet, ChangeStatus, Content, FileChange, FileMode, Finding,
    Origin, Policy, Report, Side,
};
use scopecheck_git::Repo;

use crate::args::{BaselineArgs, ScanArgs, ScanTarget};
use crate::cmd::current_dir;
use crate::error::CliError;
use crate::policy::{self, Loaded};
use crate::render::{self, Style};

pub fn run(args: &ScanArgs, style: &Style) -> Result<i32, CliError> {
    let (mut loaded, mut report) = collect(&args.target, style, true)?;
    if let Some(fail_on) = args.fail_on {
        loaded.policy.fail_on = fail_on;
        report.fail_on = fail_on;
    }
    if let Some(b) = &loaded.baseline {
        for e in b.unused(&report.baseline_used) {
            report.notes.push(format!(
                "baseline entry {} ({} at {}) no longer matches anything: remove it",
                e.fingerprint, e.rule, e.path
            ));
        }
    }
    report.notes.extend(loaded.notes.iter().cloned());
    render::emit(
        args.format,
        args.output.as_deref(),
        &report,
        &Origin::Scan,
        &loaded.origin,
        style,
    )?;
    Ok(report.exit_code())
}

pub fn baseline(args: &BaselineArgs, style: &Style) -> Result<i32, CliError> {
    let root = root(&args.target)?;
    let top = top_of(&root);
    // In a work tree the baseline accepts only what git tracks (the index): a stray
    // untracked `.env` must not become an accepted finding that a later `git add -f`
    // then carries through every gate.
    let (loaded, report) = match Repo::discover(&root) {
        Ok(repo) if !args.target.history && repo.workdir().is_some() => {
            let loaded = policy::for_directory(&args.target.policy, &top)?;
            let report = tracked(&repo, &loaded.policy, &root, &top)?;
            (loaded, report)
        }
        _ => collect(&args.target, style, false)?,
    };
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| top.join(&loaded.policy.baseline));
    let baseline = Baseline::from_findings(&report.findings);
    crate::cmd::write_atomic(&path, baseline.to_json().as_bytes())?;
    println!(
        "wrote {} with {} accepted finding(s); commit it so pre-commit and CI use it",
        path.display(),
        baseline.len()
    );
    if loaded.policy.secrets.fingerprint_key.is_none()
        && report
            .findings
            .iter()
            .any(|f| f.rule.starts_with("secret/"))
    {
        println!(
            "note: the policy has no `[secrets] fingerprint-key`, so secret fingerprints are plain hashes that a weak password can be guessed back from; add one (`openssl rand -hex 32`, or `scopecheck init` writes it) and run `scopecheck baseline` again"
        );
    }
    Ok(0)
}

/// The tracked files under `root` (the index's content), judged as a directory scan.
fn tracked(repo: &Repo, policy: &Policy, root: &Path, top: &Path) -> Result<Report, CliError> {
    let prefix = crate::cmd::repo_relative(top, root).unwrap_or_default();
    // Large text files are read whole (up to 64 MiB), as a directory scan reads them in
    // chunks: the baseline must accept what `scan` reports.
    let changes = repo.tracked(
        &scopecheck_git::ReadOptions {
            max_file_size: scopecheck_core::checks::change_read_limit(policy.max_file_size),
        },
        |path| {
            prefix.is_empty()
                || path
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        },
    )?;
    Ok(evaluate_with(policy, &changes, None))
}

fn root(target: &ScanTarget) -> Result<PathBuf, CliError> {
    let root = match &target.path {
        Some(p) => p.clone(),
        None => current_dir()?,
    };
    if !root.exists() {
        return Err(CliError::usage(
            format!("{} does not exist", root.display()),
            None,
        ));
    }
    Ok(root)
}

fn top_of(root: &Path) -> PathBuf {
    Repo::discover(root)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| root.to_path_buf())
}

/// Runs the scan; `use_baseline` applies the baseline file (not when writing a new one).
fn collect(
    target: &ScanTarget,
    style: &Style,
    use_baseline: bool,
) -> Result<(Loaded, Report), CliError> {
    let root = root(target)?;
    let top = top_of(&root);
    let mut loaded = policy::for_directory(&target.policy, &top)?;
    if use_baseline {
        loaded = policy::with_directory_baseline(loaded, &top)?;
    }
    let report = if target.history {
        history(&loaded, &root, style)?
    } else {
        directory(
            &loaded.policy,
            loaded.baseline.as_ref(),
            &root,
            target.no_ignore,
        )
    };
    Ok((loaded, report))
}

/// One file as an all-new change, so every check judges it as if it were being added.
pub fn as_added(
    path: String,
    id: String,
    mode: FileMode,
    size: u64,
    content: Content,
) -> ChangeSet {
    let mut cs = ChangeSet::new(Origin::Scan);
    cs.files.push(FileChange::new(
        path,
        None,
        ChangeStatus::Added,
        None,
        Some(Side {
            id,
            mode,
            size,
            content,
        }),
    ));
    cs
}

fn directory(policy: &Policy, baseline: Option<&Baseline>, root: &Path, no_ignore: bool) -> Report {
    // A tree is bulk work: the keyword DFA is built while the walk runs, not after the
    // first 2 MiB scanned, with the scanning threads waiting on it.
    crate::cmd::prepare_scanner_for_bulk(policy);
    let files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(false)
        .ignore(!no_ignore)
        .git_ignore(!no_ignore)
        .git_global(!no_ignore)
        .git_exclude(!no_ignore)
        .parents(!no_ignore)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect();
    let reports: Vec<Report> = files
        .par_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            let content = if size > policy.max_file_size {
                match in_chunks(policy, baseline, path, &rel, size) {
                    Some(report) => return report,
                    None => Content::TooLarge,
                }
            } else {
                match std::fs::read(path) {
                    Ok(data) => Content::Loaded(data.into()),
                    Err(e) => {
                        let mut r = Report::empty(policy.fail_on);
                        r.notes.push(format!("{rel}: not read: {e}"));
                        return r;
                    }
                }
            };
            let cs = as_added(rel, String::new(), FileMode::Regular, size, content);
            evaluate_with(policy, &cs, baseline)
        })
        .collect();
    let mut report = Report::empty(policy.fail_on);
    for r in reports {
        report.merge(r);
    }
    report
}

/// How much of a chunk the next one repeats: more than any one secret (a 4096-bit RSA
/// key in PEM is about 3.3 KB), so a secret cut by a chunk's end is whole in the next.
const CHUNK_OVERLAP: usize = 64 << 10;

/// A text file over `max-file-size`, scanned in chunks of that size (at least 1 MiB),
/// each cut at a line end and starting [`CHUNK_OVERLAP`] bytes before the last one ended,
/// so memory stays one chunk whatever the file's size and nothing in the file goes
/// unread. Findings carry the file's line numbers; one found in two chunks is reported
/// once. `None` for a binary file (reported unread, as before) or one that cannot be
/// opened.
fn in_chunks(
    policy: &Policy,
    baseline: Option<&Baseline>,
    path: &Path,
    rel: &str,
    size: u64,
) -> Option<Report> {
    use std::io::Read;
    let chunk = usize::try_from(policy.max_file_size.max(1 << 20)).unwrap_or(1 << 20);
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf: Vec<u8> = Vec::with_capacity(chunk);
    let mut lines_before: u32 = 0;
    let mut seen = std::collections::HashSet::new();
    let mut report = Report::empty(policy.fail_on);
    loop {
        let want = chunk.saturating_sub(buf.len()).max(CHUNK_OVERLAP);
        let read = file.by_ref().take(want as u64).read_to_end(&mut buf).ok()?;
        let eof = read < want;
        if lines_before == 0
            && report.files_checked == 0
            && scopecheck_core::looks_binary(&buf)
            && !scopecheck_core::mostly_text(&buf)
        {
            return None;
        }
        let cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(buf.len(), |i| i + 1)
        };
        let cs = as_added(
            rel.to_owned(),
            String::new(),
            FileMode::Regular,
            size,
            Content::Loaded(buf[..cut].to_vec().into()),
        );
        let mut r = evaluate_with(policy, &cs, baseline);
        let located = |f: &mut Finding| {
            // Findings about the file (its name) have no line of their own.
            if f.snippet.is_some() {
                f.line += lines_before;
            }
        };
        r.findings.iter_mut().for_each(located);
        r.suppressed
            .iter_mut()
            .for_each(|s| located(&mut s.finding));
        let mut key = |f: &Finding| seen.insert((f.rule.clone(), f.fingerprint.clone(), f.line));
        r.findings.retain(|f| key(f));
        r.suppressed.retain(|s| key(&s.finding));
        r.files_checked = usize::from(report.files_checked == 0);
        report.merge(r);
        if eof {
            return Some(report);
        }
        // The next chunk starts at the first line start in the last CHUNK_OVERLAP bytes.
        let from = cut.saturating_sub(CHUNK_OVERLAP);
        let next = memchr::memchr(b'\n', &buf[from..cut]).map_or(cut, |i| from + i + 1);
        let next = if next >= cut { cut } else { next };
        lines_before +=
            u32::try_from(memchr::memchr_iter(b'\n', &buf[..next]).count()).unwrap_or(u32::MAX);
        buf.drain(..next);
    }
}

fn history(loaded: &Loaded, root: &Path, style: &Style) -> Result<Report, CliError> {
    let repo = Repo::discover(root)?;
    let policy = &loaded.policy;
    let baseline = loaded.baseline.as_ref();
    crate::cmd::prepare_scanner_for_bulk(policy);
    let (blobs, commits) = repo.history_blobs()?;
    scopecheck_git::give_back_freed_memory();
    let progress = render::Progress::new(style, "scanning history");
    // A blob over `max-file-size` is still read, up to 64 MiB (a change's limit): a size
    // limit bounds memory, it is not a place to hide a token. git.git's history has six
    // such blobs, 9 MiB in all.
    let reports = repo.map_blobs(
        &blobs,
        &scopecheck_git::ReadOptions {
            max_file_size: scopecheck_core::checks::change_read_limit(policy.max_file_size),
        },
        |blob, side, previous| {
            let cs = match previous {
                // Only what this version changed is new: the rest was scanned with the
                // version it replaced.
                Some(old) => {
                    let mut cs = ChangeSet::new(Origin::Scan);
                    cs.files.push(FileChange::new(
                        blob.path.clone(),
                        None,
                        ChangeStatus::Modified,
                        Some(old),
                        Some(side),
                    ));
                    cs
                }
                None => as_added(
                    blob.path.clone(),
                    side.id.clone(),
                    side.mode,
                    side.size,
                    side.content,
                ),
            };
            let mut r = evaluate_with(policy, &cs, baseline);
            for f in &mut r.findings {
                f.commit = Some(blob.commit.to_string());
            }
            // Most blobs have nothing to say: keep only reports that do, so memory does
            // not grow with the number of blobs.
            let quiet = r.findings.is_empty()
                && r.suppressed.is_empty()
                && r.unused_suppressions.is_empty()
                && r.notes.is_empty()
                && r.baseline_used.is_empty();
            (!quiet).then_some(r)
        },
        &|done, total| {
            progress.update(done, total);
            if done % 16_384 < 256 {
                scopecheck_git::give_back_freed_memory();
            }
        },
    )?;
    progress.finish();
    let mut report = Report::empty(policy.fail_on);
    // Blobs come in first-appearance order: keep the first finding of each fingerprint,
    // so each secret is reported once, at the commit and path where it first appeared.
    let mut seen = HashSet::new();
    let mut missing = Vec::new();
    for (blob, r) in blobs.iter().zip(reports) {
        match r {
            None => missing.push(blob),
            Some(None) => {}
            Some(Some(mut r)) => {
                r.findings.retain(|f| seen.insert(f.fingerprint.clone()));
                report.merge(r);
            }
        }
    }
    report.files_checked = blobs.len() - missing.len();
    report.notes.push(format!(
        "history: {commits} commits, {} unique blobs scanned",
        report.files_checked
    ));
    if !missing.is_empty() {
        // Peers report and go on; so does this scan, naming what it could not read so a
        // clean result is never mistaken for a complete one.
        let shown: Vec<String> = missing
            .iter()
            .take(5)
            .map(|b| {
                format!(
                    "{} ({} in {})",
                    b.id,
                    b.path,
                    crate::cmd::short_id(&b.commit.to_string())
                )
            })
            .collect();
        report.notes.push(format!(
            "{} blob(s) are missing from this clone (a partial or blobless clone, or a damaged repository) and were not scanned: {}{}; fetch them (`git fetch --refetch` or a full clone) for a complete scan",
            missing.len(),
            shown.join(", "),
            if missing.len() > shown.len() { ", …" } else { "" }
        ));
    }
    Ok(report)
}
