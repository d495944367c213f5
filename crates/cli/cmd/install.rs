//! `scopecheck install` / `uninstall`: manage the git hook shims.
//!
//! An existing hook is never clobbered: it is renamed to `<hook>.scopecheck-chained`
//! and the shim runs it first. Uninstalling puts it back.

use std::fs;
use std::path::{Path, PathBuf};

use crate::args::{Hook, HookArgs};
use crate::cmd::open_repo;
use crate::error::CliError;

/// The shim, shared with `hooks/` so the file users can copy by hand is the file we write.
const PRE_COMMIT_SHIM: &str = include_str!("../../../hooks/pre-commit");
const PRE_PUSH_SHIM: &str = include_str!("../../../hooks/pre-push");
const MARKER: &str = "# scopecheck-managed-hook";
const DEFAULT_BIN_LINE: &str = "SCOPECHECK_BIN=scopecheck";

fn shim(hook: Hook) -> &'static str {
    match hook {
        Hook::PreCommit => PRE_COMMIT_SHIM,
        Hook::PrePush => PRE_PUSH_SHIM,
    }
}

fn chained_path(dir: &Path, hook: Hook) -> PathBuf {
    dir.join(format!("{}.scopecheck-chained", hook.name()))
}

fn is_ours(path: &Path) -> bool {
    fs::read(path).is_ok_and(|b| String::from_utf8_lossy(&b).contains(MARKER))
}

/// Single-quotes a path for sh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn script(hook: Hook) -> Result<String, CliError> {
    // Hooks run with whatever PATH the git client has (GUI clients often have a minimal
    // one), so the shim points at this very binary, still overridable by SCOPECHECK_BIN.
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(CliError::io("the scopecheck executable"))?;
    let exe = exe.to_str().ok_or_else(|| {
        CliError::usage(
            format!(
                "the path of this executable is not UTF-8: {}",
                exe.display()
            ),
            None,
        )
    })?;
    let line = format!("SCOPECHECK_BIN={}", sh_quote(exe));
    Ok(shim(hook).replacen(DEFAULT_BIN_LINE, &line, 1))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(CliError::io(path))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), CliError> {
    Ok(())
}

pub fn install(args: &HookArgs) -> Result<i32, CliError> {
    let repo = open_repo()?;
    if repo.is_bare() {
        return Err(CliError::usage(
            "cannot install a commit hook in a bare repository: nothing is committed there",
            None,
        ));
    }
    let dir = repo.hooks_dir()?;
    if dir.exists() && !dir.is_dir() {
        return Err(CliError::usage(
            format!("the hooks path {} is not a directory", dir.display()),
            Some("check core.hooksPath (`git config core.hooksPath`)".to_owned()),
        ));
    }
    fs::create_dir_all(&dir).map_err(CliError::io(&dir))?;
    let target = dir.join(args.hook.name());
    let chained = chained_path(&dir, args.hook);
    let mut kept = None;
    if fs::symlink_metadata(&target).is_ok() {
        if target.is_dir() {
            return Err(CliError::usage(
                format!("{} is a directory, not a hook", target.display()),
                None,
            ));
        }
        if !is_ours(&target) {
            if fs::symlink_metadata(&chained).is_ok() {
                return Err(CliError::usage(
                    format!(
                        "{} exists and {} is already taken, so the existing hook cannot be kept",
                        target.display(),
                        chained.display()
                    ),
                    Some("move one of them away, then run `scopecheck install` again".to_owned()),
                ));
            }
            fs::rename(&target, &chained).map_err(CliError::io(&target))?;
            kept = Some(chained.clone());
        }
    }
    let body = script(args.hook)?;
    fs::write(&target, body).map_err(CliError::io(&target))?;
    make_executable(&target)?;
    println!(
        "installed the {} hook at {}",
        args.hook.name(),
        target.display()
    );
    if let Some(kept) = kept {
        println!(
            "kept the existing hook as {}; it runs first, then scopecheck",
            kept.display()
        );
    }
    if let Some(top) = repo.workdir() {
        if dir.starts_with(top) && !dir.starts_with(repo.common_dir()) {
            println!(
                "note: core.hooksPath points inside the working tree ({}); commit the hook or add `scopecheck {}` to your hook manager",
                dir.display(),
                args.hook.name()
            );
        }
    }
    Ok(0)
}

pub fn uninstall(args: &HookArgs) -> Result<i32, CliError> {
    let repo = open_repo()?;
    let dir = repo.hooks_dir()?;
    let target = dir.join(args.hook.name());
    let chained = chained_path(&dir, args.hook);
    if fs::symlink_metadata(&target).is_err() {
        println!(
            "no {} hook is installed in {}",
            args.hook.name(),
            dir.display()
        );
        return Ok(0);
    }
    if !is_ours(&target) {
        return Err(CliError::usage(
            format!(
                "{} was not written by scopecheck; leaving it alone",
                target.display()
            ),
            None,
        ));
    }
    fs::remove_file(&target).map_err(CliError::io(&target))?;
    if fs::symlink_metadata(&chained).is_ok() {
        fs::rename(&chained, &target).map_err(CliError::io(&chained))?;
        println!(
            "removed scopecheck's {} hook and restored the previous one",
            args.hook.name()
        );
    } else {
        println!("removed scopecheck's {} hook", args.hook.name());
    }
    Ok(0)
}
