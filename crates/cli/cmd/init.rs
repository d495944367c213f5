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
    std::fs::write(&path, DEFAULT_CONFIG).map_err(CliError::io(&path))?;
    println!("wrote {}", path.display());
    println!(
        "stage it (`git add {}`) for pre-commit to use it",
        CONFIG_FILE_NAMES[0]
    );
    Ok(0)
}
