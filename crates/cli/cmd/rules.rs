//! `scopecheck rules` and `scopecheck explain`.

use scopecheck_core::registry;

use crate::args::ExplainArgs;
use crate::error::CliError;

pub fn list() -> Result<i32, CliError> {
    let rules = registry::all_rules();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in rules {
        println!(
            "{:width$}  {:6}  {}",
            r.id,
            r.default_action.as_str(),
            r.summary
        );
    }
    Ok(0)
}

pub fn explain(args: &ExplainArgs) -> Result<i32, CliError> {
    let Some(r) = registry::rule(&args.rule) else {
        return Err(CliError::usage(
            format!("unknown rule `{}`", args.rule),
            Some("`scopecheck rules` lists every rule id".to_owned()),
        ));
    };
    println!("{}  (default action: {})\n", r.id, r.default_action);
    println!("{}\n", r.summary);
    println!("## What it does\n{}\n", r.what_it_does);
    println!("## Why is this bad\n{}\n", r.why_is_this_bad);
    println!("## How to fix\n{}", r.how_to_fix);
    Ok(0)
}
