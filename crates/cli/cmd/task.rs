//! `scopecheck task start|show|end`: the work order an agent (or a person) works under.

use std::path::PathBuf;

use scopecheck_core::task::DEFAULT_TASK_FILE;
use scopecheck_core::WorkOrder;
use scopecheck_git::Repo;

use crate::args::{TaskCommand, TaskFileArgs, TaskFormat};
use crate::cmd::current_dir;
use crate::error::CliError;
use crate::policy;

fn top() -> Result<Option<PathBuf>, CliError> {
    Ok(Repo::discover(&current_dir()?)
        .ok()
        .and_then(|r| r.workdir().map(|p| p.to_path_buf())))
}

fn path_of(args: &TaskFileArgs) -> Result<PathBuf, CliError> {
    match &args.task {
        Some(p) => Ok(p.clone()),
        None => Ok(top()?.unwrap_or(current_dir()?).join(DEFAULT_TASK_FILE)),
    }
}

pub fn run(cmd: &TaskCommand) -> Result<i32, CliError> {
    match cmd {
        TaskCommand::Start(a) => {
            let path = path_of(&a.file)?;
            if path.exists() && !a.force {
                return Err(CliError::usage(
                    format!("a work order already exists at {}", path.display()),
                    Some("`scopecheck task end` removes it; --force replaces it".to_owned()),
                ));
            }
            // Build the file text, then parse it back: the same validation as a
            // hand-written work order (bad globs are errors here, not at commit time).
            let draft = toml::to_string(&Draft {
                goal: &a.goal,
                scope: &a.scope,
                out_of_scope: &a.out_of_scope,
                allowed_commands: &a.allowed_commands,
                stop_conditions: &a.stop_conditions,
                max_files: a.max_files,
                max_lines: a.max_lines,
            })
            .map_err(|e| CliError::usage(format!("cannot write the work order: {e}"), None))?;
            let order = WorkOrder::parse("command line", &draft)?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
            }
            std::fs::write(&path, order.to_toml()).map_err(CliError::io(&path))?;
            println!("wrote the work order {}", path.display());
            print!("{}", order.instructions());
            Ok(0)
        }
        TaskCommand::Show(a) => {
            let top = top()?;
            let explicit = a.file.task.as_deref();
            let Some(order) = policy::work_order(explicit, top.as_deref())? else {
                println!("no work order is in force (scopecheck task start writes one)");
                return Ok(0);
            };
            match a.format {
                TaskFormat::Text => print!("{}", order.instructions()),
                TaskFormat::Toml => print!("{}", order.to_toml()),
            }
            Ok(0)
        }
        TaskCommand::End(a) => {
            let path = path_of(a)?;
            match std::fs::remove_file(&path) {
                Ok(()) => println!("removed the work order {}", path.display()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    println!("no work order at {}", path.display())
                }
                Err(e) => return Err(CliError::io(&path)(e)),
            }
            Ok(0)
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "kebab-case")]
struct Draft<'a> {
    goal: &'a str,
    scope: &'a [String],
    out_of_scope: &'a [String],
    allowed_commands: &'a [String],
    stop_conditions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_lines: Option<u64>,
}
