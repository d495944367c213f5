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
pub(crate) const MARKER: &str = "# scopecheck-managed-hook";
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

/// husky 9 points `core.hooksPath` at `.husky/_`, whose shims it writes again on every
/// `npm install` (a hook put there is wiped); the hooks a project owns and commits are
/// `.husky/<hook>`, which those shims run. `None` when husky is not in use.
pub(crate) fn husky_user_hook(dir: &Path, hook: Hook) -> Option<PathBuf> {
    let parent = dir.parent()?;
    (dir.file_name()? == "_" && parent.file_name()? == ".husky").then(|| parent.join(hook.name()))
}

const HUSKY_END: &str = "# end scopecheck-managed-hook";

/// The lines scopecheck adds to a husky hook, first in the file (an `exit` earlier in it
/// would skip them): the binary from PATH (the file is committed, so no machine's path
/// goes into it), failing closed when it is missing. For pre-push, git's lines on
/// standard input are read once and handed both to scopecheck and, restored, to the rest
/// of the hook (`git lfs pre-push` reads them too).
fn husky_block(hook: Hook) -> String {
    let run = match hook {
        Hook::PreCommit => "\"${SCOPECHECK_BIN:-scopecheck}\" pre-commit || exit $?\n".to_owned(),
        Hook::PrePush => "scopecheck_input=$(cat)\n\
             printf '%s\\n' \"$scopecheck_input\" | \"${SCOPECHECK_BIN:-scopecheck}\" pre-push \"$@\" || exit $?\n\
             exec 0<<SCOPECHECK_INPUT\n\
             $scopecheck_input\n\
             SCOPECHECK_INPUT\n"
            .to_owned(),
    };
    format!(
        "{MARKER} (husky): `scopecheck uninstall` removes these lines\n\
         if ! command -v \"${{SCOPECHECK_BIN:-scopecheck}}\" >/dev/null 2>&1; then\n\
         \x20 echo \"scopecheck: not found, so this is refused: install scopecheck or set SCOPECHECK_BIN\" >&2\n\
         \x20 exit 1\n\
         fi\n\
         {run}\
         {HUSKY_END}\n"
    )
}

/// `text` without scopecheck's block, and whether there was one. A start marker without
/// its end marker (the file was edited by hand) leaves the text untouched and is `None`:
/// removing "to the end" would delete the project's own lines.
fn without_husky_block(text: &str) -> Option<(String, bool)> {
    let mut out = String::new();
    let mut inside = false;
    let mut found = false;
    for line in text.split_inclusive('\n') {
        if !inside && line.starts_with(MARKER) {
            inside = true;
            found = true;
        } else if inside {
            inside = !line.starts_with(HUSKY_END);
        } else {
            out.push_str(line);
        }
    }
    (!inside).then_some((out, found))
}

fn broken_block(user_hook: &Path) -> CliError {
    CliError::usage(
        format!(
            "{} has scopecheck's start marker but not its end marker ({HUSKY_END})",
            user_hook.display()
        ),
        Some("remove scopecheck's lines by hand, then run this again".to_owned()),
    )
}

fn install_husky(user_hook: &Path, hook: Hook) -> Result<i32, CliError> {
    let old = match fs::read_to_string(user_hook) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(CliError::io(user_hook)(e)),
    };
    let (rest, had) = without_husky_block(&old).ok_or_else(|| broken_block(user_hook))?;
    // First in the file, after a shebang line if there is one.
    let (shebang, body) = match rest.strip_prefix("#!") {
        Some(_) => rest.split_at(rest.find('\n').map_or(rest.len(), |i| i + 1)),
        None => ("", rest.as_str()),
    };
    let mut text = shebang.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&husky_block(hook));
    text.push_str(body);
    crate::cmd::write_atomic(user_hook, text.as_bytes())?;
    make_executable(user_hook)?;
    println!(
        "{} scopecheck in husky's {} hook ({}): husky's own shims in .husky/_ are rewritten by `npm install`, this file is not",
        if had { "refreshed" } else { "added" },
        hook.name(),
        user_hook.display()
    );
    println!(
        "commit it (it is self-protected: editing it is a policy/self-edit finding) so every clone runs the gate"
    );
    Ok(0)
}

fn uninstall_husky(user_hook: &Path, hook: Hook) -> Result<i32, CliError> {
    let text = fs::read_to_string(user_hook).unwrap_or_default();
    let (rest, had) = without_husky_block(&text).ok_or_else(|| broken_block(user_hook))?;
    if !had {
        println!("scopecheck is not in husky's {} hook", hook.name());
        return Ok(0);
    }
    if rest.trim().is_empty() {
        fs::remove_file(user_hook).map_err(CliError::io(user_hook))?;
    } else {
        crate::cmd::write_atomic(user_hook, rest.as_bytes())?;
    }
    println!(
        "removed scopecheck from husky's {} hook ({})",
        hook.name(),
        user_hook.display()
    );
    Ok(0)
}

/// A chained hook left by an earlier install whose place was since taken by the same
/// script again (a hook manager rewriting its shim): the copy is redundant, drop it.
fn drop_stale_chain(target: &Path, chained: &Path) -> Result<bool, CliError> {
    let same = matches!((fs::read(target), fs::read(chained)), (Ok(a), Ok(b)) if a == b);
    if same {
        fs::remove_file(chained).map_err(CliError::io(chained))?;
    }
    Ok(same)
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
    if let Some(user_hook) = husky_user_hook(&dir, args.hook) {
        return install_husky(&user_hook, args.hook);
    }
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
            if fs::symlink_metadata(&chained).is_ok() && !drop_stale_chain(&target, &chained)? {
                return Err(CliError::usage(
                    format!(
                        "{} exists and {} is already taken, so the existing hook cannot be kept",
                        target.display(),
                        chained.display()
                    ),
                    Some("move one of them away, then run `scopecheck install` again".to_owned()),
                ));
            }
            // Linked, not moved: until scopecheck's hook replaces it in one rename, the
            // existing hook stays where git runs it, so a run killed in between leaves
            // the repository guarded as before rather than with no hook at all.
            if fs::hard_link(&target, &chained).is_err() {
                fs::rename(&target, &chained).map_err(CliError::io(&target))?;
            }
            kept = Some(chained.clone());
        }
    }
    let body = script(args.hook)?;
    crate::cmd::write_atomic(&target, body.as_bytes())?;
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
    if let Some(user_hook) = husky_user_hook(&dir, args.hook) {
        return uninstall_husky(&user_hook, args.hook);
    }
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
        // Another tool rewrote the hook after scopecheck chained the previous one: if the
        // chained copy is that same script, nothing is lost by dropping it.
        if fs::symlink_metadata(&chained).is_ok() && drop_stale_chain(&target, &chained)? {
            println!(
                "the {} hook was already replaced by another tool; removed scopecheck's stale copy of it",
                args.hook.name()
            );
            return Ok(0);
        }
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
