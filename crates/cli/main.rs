//! The `scopecheck` binary: argument parsing and dispatch. Everything it decides comes
//! from `scopecheck-core`; everything it reads from git comes from `scopecheck-git`.

mod ancestry;
mod args;
mod audit;
mod authority;
mod cmd;
mod error;
mod fault;
mod policy;
mod render;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::{Args, Command};
use scopecheck_core::EXIT_ERROR;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so `scopecheck … | head` would panic in println! once the
    // reader is gone. Like git and grep, end quietly instead.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The version names the rule pack too: two installs of one version can still judge
    // with different rules only if the packs differ, and the digest shows it.
    let version = format!(
        "{} (rule pack {}: {} secret rules)",
        env!("CARGO_PKG_VERSION"),
        scopecheck_core::secrets::PACK_DIGEST,
        scopecheck_core::secrets::builtin_rule_count()
    );
    // clap takes a static string; this one lives as long as the process anyway.
    let version: &'static str = Box::leak(version.into_boxed_str());
    let args = match Args::command()
        .version(version)
        .try_get_matches()
        .and_then(|m| Args::from_arg_matches(&m))
    {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let style = render::Style::detect(args.color);
    let result = match &args.command {
        Command::PreCommit(a) => cmd::precommit::run(a, &style),
        Command::Scan(a) => cmd::scan::run(a, &style),
        Command::PrePush(a) => cmd::push::pre_push(a, &style),
        Command::Ci(a) => cmd::push::ci(a, &style),
        Command::Baseline(a) => cmd::scan::baseline(a, &style),
        Command::Install(a) => cmd::install::install(a),
        Command::Uninstall(a) => cmd::install::uninstall(a),
        Command::Init(a) => cmd::init::run(a),
        Command::Config(a) => cmd::config::run(a),
        Command::Task(t) => cmd::task::run(t),
        Command::Approve(a) => cmd::approve::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Guard(a) => cmd::guard::run(a),
        Command::Rules => cmd::rules::list(),
        Command::Explain(a) => cmd::rules::explain(a),
        Command::Doctor(a) => cmd::doctor::run(a),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Args::command(),
                "scopecheck",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Command::Man => clap_mangen::Man::new(Args::command())
            .render(&mut std::io::stdout())
            .map(|()| 0)
            .map_err(error::CliError::io("standard output")),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // Fail closed: any error stops the commit (exit 2), with the reason.
            eprint!("{}", render::human::error(&e, &style));
            ExitCode::from(EXIT_ERROR as u8)
        }
    }
}
