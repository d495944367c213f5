//! `scopecheck config`: print the effective policy.

use scopecheck_git::Repo;

use crate::args::{ConfigArgs, ConfigFormat};
use crate::cmd::current_dir;
use crate::error::CliError;
use crate::policy;

pub fn run(args: &ConfigArgs) -> Result<i32, CliError> {
    let cwd = current_dir()?;
    let loaded = match Repo::discover(&cwd) {
        Ok(repo) if !repo.is_bare() => policy::for_staged(&args.policy, &repo)?,
        _ => policy::for_directory(&args.policy, &cwd)?,
    };
    let effective = loaded.policy.effective();
    let text = match args.format {
        ConfigFormat::Toml => {
            let body = toml::to_string_pretty(&effective)
                .map_err(|e| CliError::usage(format!("cannot print the policy: {e}"), None))?;
            format!("# effective policy from: {}\n{body}", loaded.origin)
        }
        ConfigFormat::Json => {
            let body = serde_json::to_string_pretty(&effective)
                .map_err(|e| CliError::usage(format!("cannot print the policy: {e}"), None))?;
            format!("{body}\n")
        }
    };
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    print!("{text}");
    Ok(0)
}
