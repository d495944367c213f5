//! One module per subcommand.

pub mod approve;
pub mod audit;
pub mod config;
pub mod doctor;
pub mod guard;
pub mod init;
pub mod install;
pub mod precommit;
pub mod push;
pub mod rules;
pub mod scan;
pub mod task;

use std::path::{Path, PathBuf};

use scopecheck_git::Repo;

use crate::error::CliError;

pub fn current_dir() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(CliError::io("."))
}

pub fn open_repo() -> Result<Repo, CliError> {
    Ok(Repo::discover(&current_dir()?)?)
}

/// Writes `bytes` to `path` so that a reader, or a process killed half-way, sees the old
/// file or the new one and never a part of it: a temporary file next to it, flushed to
/// disk, renamed over it. An existing file's permissions (a hook's executable bit) are
/// kept. Temporary files that a killed writer of the same file left behind are removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.scopecheck-");
    remove_stale_temporaries(dir, &prefix);
    let tmp = dir.join(format!("{prefix}{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        f.write_all(first)?;
        crate::fault::point("write:partial");
        f.write_all(rest)?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        f.sync_all()?;
        crate::fault::point("write:before-rename");
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(CliError::io(path))
}

/// Removes `<prefix><pid>.tmp` files in `dir` whose writer is no longer running. A live
/// writer's file is left alone: removing it would fail that writer's rename.
fn remove_stale_temporaries(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only asks whether the process exists; nothing is delivered.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        // Without a cheap check, assume it runs: a stray file beats a failed write.
        let _ = pid;
        true
    }
}

/// The branch checked out in the work tree at `dir`; `None` when HEAD is detached.
pub fn current_branch(dir: &Path) -> Option<String> {
    let b = git(dir, &["symbolic-ref", "--quiet", "--short", "HEAD"]).ok()?;
    Some(b.trim().to_owned()).filter(|b| !b.is_empty())
}

/// Has the secret scanner build its bulk automata on a spare thread, for a scan about
/// to read many MiB (see `Scanner::prepare_for_bulk`). The thread is not waited for: a
/// scan that reaches the DFA first waits for the build, one that ends sooner exits.
pub fn prepare_scanner_for_bulk(policy: &scopecheck_core::Policy) {
    if !policy.secrets.enabled {
        return;
    }
    let scanner = policy.secrets.scanner();
    // No thread to spare: the scan builds them when it needs them, as without this.
    let _ = std::thread::Builder::new()
        .name("scanner-prepare".to_owned())
        .spawn(move || scanner.prepare_for_bulk());
}

/// The first 12 hex digits of an object id, as reports show commits.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `path` (relative to the current directory, or absolute) as a path inside the work
/// tree at `top`, with `/` separators; `None` when it is outside. Lexical: the file need
/// not exist.
pub fn repo_relative(top: &Path, path: &Path) -> Option<String> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let joined = current_dir().ok()?.join(path);
    // The directory is resolved (symlinked temp dirs, `..`), the name is not: a tracked
    // symlink names itself, not its target.
    let full = match (joined.parent(), joined.file_name()) {
        (Some(dir), Some(name)) => canonical(dir).join(name),
        _ => canonical(&joined),
    };
    let rel = full.strip_prefix(canonical(top)).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Runs git in `dir`: its standard output, or its first error line as a usage error.
pub fn git(dir: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(CliError::io("git"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(CliError::usage(
            format!(
                "git {} failed: {}",
                args.first().copied().unwrap_or_default(),
                err.lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
            ),
            None,
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::write_atomic;

    #[test]
    fn atomic_writes_replace_whole_files_keep_permissions_and_leave_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hook");
        std::fs::write(&path, "old\n").expect("old");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        write_atomic(&path, b"new\n").expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o755, "the executable bit is kept");
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["hook".to_owned()], "no temporary file is left");
        // A new file, and a directory that does not exist (an error, nothing left).
        write_atomic(&dir.path().join("fresh.json"), b"{}").expect("fresh");
        assert!(write_atomic(&dir.path().join("missing/x"), b"x").is_err());
        assert!(!dir.path().join("missing").exists());
    }
}
