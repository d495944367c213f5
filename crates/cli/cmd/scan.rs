//! `scopecheck scan [PATH]`: check every file of a directory (or, with `--history`,
//! every blob ever committed) as if it were being added.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use scopecheck_core::{
    evaluate, ChangeSet, ChangeStatus, Content, FileChange, FileMode, Origin, Policy, Report, Side,
};
use scopecheck_git::Repo;

use crate::args::{Format, ScanArgs};
use crate::cmd::current_dir;
use crate::error::CliError;
use crate::policy;
use crate::render::{self, Style};

pub fn run(args: &ScanArgs, style: &Style) -> Result<i32, CliError> {
    let root = match &args.path {
        Some(p) => p.clone(),
        None => current_dir()?,
    };
    if !root.exists() {
        return Err(CliError::usage(
            format!("{} does not exist", root.display()),
            None,
        ));
    }
    let (mut loaded, report, origin) = if args.history {
        history(args, &root, style)?
    } else {
        let top = Repo::discover(&root)
            .ok()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
            .unwrap_or_else(|| root.clone());
        let loaded = policy::for_directory(&args.policy, &top)?;
        let report = directory(&loaded.policy, &root, args.no_ignore);
        (loaded, report, Origin::Custom)
    };
    let mut report = report;
    if let Some(fail_on) = args.fail_on {
        loaded.policy.fail_on = fail_on;
        report.fail_on = fail_on;
    }
    report.notes.extend(loaded.notes.iter().cloned());
    let out = match args.format {
        Format::Human => render::human::report(&report, &loaded.origin, style),
        Format::Json => render::json::report(&report, &origin, &loaded.origin),
    };
    print!("{out}");
    Ok(report.exit_code())
}

/// One file as an all-new change, so every check judges it as if it were being added.
pub fn as_added(
    path: String,
    id: String,
    mode: FileMode,
    size: u64,
    content: Content,
) -> ChangeSet {
    let mut cs = ChangeSet::new(Origin::Custom);
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

fn directory(policy: &Policy, root: &Path, no_ignore: bool) -> Report {
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
                Content::TooLarge
            } else {
                match std::fs::read(path) {
                    Ok(data) => Content::Loaded(data),
                    Err(e) => {
                        let mut r = Report::empty(policy.fail_on);
                        r.notes.push(format!("{rel}: not read: {e}"));
                        return r;
                    }
                }
            };
            evaluate(
                policy,
                &as_added(rel, String::new(), FileMode::Regular, size, content),
            )
        })
        .collect();
    let mut report = Report::empty(policy.fail_on);
    for r in reports {
        report.merge(r);
    }
    report
}

fn history(
    args: &ScanArgs,
    root: &Path,
    style: &Style,
) -> Result<(policy::Loaded, Report, Origin), CliError> {
    let repo = Repo::discover(root)?;
    let top = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf());
    let loaded = policy::for_directory(&args.policy, &top)?;
    let policy = &loaded.policy;
    let (blobs, commits) = repo.history_blobs()?;
    let progress = render::Progress::new(style, "scanning history");
    let reports = repo.map_blobs(
        &blobs,
        &scopecheck_git::ReadOptions {
            max_file_size: policy.max_file_size,
        },
        |blob, side| {
            let cs = as_added(
                blob.path.clone(),
                side.id.clone(),
                side.mode,
                side.size,
                side.content,
            );
            let mut r = evaluate(policy, &cs);
            for f in &mut r.findings {
                f.commit = Some(blob.commit.to_string());
            }
            r
        },
        &|done, total| progress.update(done, total),
    )?;
    progress.finish();
    let mut report = Report::empty(policy.fail_on);
    // Blobs are in first-appearance order: keep the first finding of each fingerprint,
    // so every secret is reported once, at the commit and path where it first appeared.
    let mut seen = std::collections::HashSet::new();
    for mut r in reports {
        r.findings.retain(|f| seen.insert(f.fingerprint.clone()));
        report.merge(r);
    }
    report.notes.push(format!(
        "history: {commits} commits, {} unique blobs scanned",
        blobs.len()
    ));
    Ok((loaded, report, Origin::Custom))
}
