//! `scopecheck init`: write the commented starter policy.

use scopecheck_core::config::{CONFIG_FILE_NAMES, DEFAULT_CONFIG};
use scopecheck_git::Repo;

use crate::args::InitArgs;
use crate::cmd::current_dir;
use crate::error::CliError;

pub fn run(args: &InitArgs) -> Result<i32, CliError> {
    let cwd = current_dir()?;
    let top = match Repo::discover(&cwd) {
        Ok(repo) => repo.workdir().map(|p| p.to_owned()).unwrap_or(cwd),
        Err(_) => cwd,
    };
    if !args.force {
        if let Some(existing) = CONFIG_FILE_NAMES
            .iter()
            .map(|n| top.join(n))
            .find(|p| p.exists())
        {
            return Err(CliError::usage(
                format!("{} already exists", existing.display()),
                Some("pass --force to overwrite it".to_owned()),
            ));
        }
    }
    let path = top.join(CONFIG_FILE_NAMES[0]);
    crate::cmd::write_atomic(&path, with_fingerprint_key(DEFAULT_CONFIG)?.as_bytes())?;
    println!("wrote {}", path.display());
    // The hooks judge a commit by the policy already committed (HEAD's, or the base's in
    // CI), never by the one being added: say so, or people expect it to apply at once.
    println!(
        "commit it (`git add {0} && git commit`): until then the embedded default policy applies, \
         and from the next commit on this file does. Committing it is recorded as policy/self-edit \
         (a warning for people; an agent's edit needs a person's approval).",
        CONFIG_FILE_NAMES[0]
    );
    Ok(0)
}

/// The starter policy with a fresh random `fingerprint-key`, so this repository's secret
/// fingerprints are keyed from the first commit.
fn with_fingerprint_key(template: &str) -> Result<String, CliError> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key)
        .map_err(|e| CliError::usage(format!("cannot draw a random fingerprint key: {e}"), None))?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    Ok(template.replacen(
        "# fingerprint-key = \"…\"",
        &format!("fingerprint-key = \"{hex}\""),
        1,
    ))
}
