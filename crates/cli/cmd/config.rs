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
    let cannot =
        |e: &dyn std::fmt::Display| CliError::usage(format!("cannot print the policy: {e}"), None);
    let effective = serde_json::to_value(loaded.policy.effective()).map_err(|e| cannot(&e))?;
    // One block per rule is some 1,500 lines: by default only what this policy changes.
    let (shown, what) = if args.all {
        (effective, "every setting")
    } else {
        let default = serde_json::to_value(scopecheck_core::Policy::embedded().effective())
            .map_err(|e| cannot(&e))?;
        let mut changed =
            differences(effective.clone(), &default).unwrap_or_else(|| serde_json::json!({}));
        if let (Some(map), Some(source)) = (changed.as_object_mut(), effective.get("source")) {
            map.insert("source".to_owned(), source.clone());
        }
        (
            changed,
            "what differs from the embedded default (--all prints every setting)",
        )
    };
    let text = match args.format {
        ConfigFormat::Toml => {
            let body = toml::to_string_pretty(&shown).map_err(|e| cannot(&e))?;
            format!("# effective policy from: {}: {what}\n{body}", loaded.origin)
        }
        ConfigFormat::Json => {
            let body = serde_json::to_string_pretty(&shown).map_err(|e| cannot(&e))?;
            format!("{body}\n")
        }
    };
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    print!("{text}");
    Ok(0)
}

/// The parts of `value` that differ from `default`: objects compared key by key (a key
/// the default lacks is a difference), anything else whole. `None` when nothing differs.
fn differences(value: serde_json::Value, default: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    match (value, default) {
        (Value::Object(map), Value::Object(base)) => {
            let kept: serde_json::Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| match base.get(&k) {
                    Some(d) => differences(v, d).map(|v| (k, v)),
                    None => Some((k, v)),
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        (v, d) => (v != *d).then_some(v),
    }
}
