//! `scopecheck audit verify|show`: the decision log.

use serde_json::{Map, Value};

use scopecheck_trust::audit::{verify, Segment, Tip};
use scopecheck_trust::time;

use crate::args::{AuditCommand, AuditFormat, AuditShowArgs};
use crate::audit::Log;
use crate::cmd::open_repo;
use crate::error::CliError;

pub fn run(cmd: &AuditCommand) -> Result<i32, CliError> {
    let repo = open_repo()?;
    let log = Log::new(repo.common_dir());
    let segments = log.segments()?;
    match cmd {
        AuditCommand::Verify(a) => {
            let expect = match &a.expect {
                Some(s) => Some(Tip::decode(s).ok_or_else(|| {
                    CliError::usage(format!("--expect `{s}` is not `seq:hash`"), None)
                })?),
                None => None,
            };
            let names: Vec<String> = segments
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect();
            let segs: Vec<Segment<'_>> = segments
                .iter()
                .zip(&names)
                .map(|((_, text), name)| Segment { name, text })
                .collect();
            let head = log.head()?;
            if segs.is_empty() && head.is_none() && expect.is_none() {
                println!("no audit log yet ({})", log.current().display());
                return Ok(0);
            }
            match verify(&segs, head.as_ref(), expect.as_ref()) {
                Ok(v) => {
                    println!(
                        "audit log intact: {} line(s){}",
                        v.lines,
                        if v.first_seq > 1 {
                            format!(
                                " from seq {} (earlier archives were rotated out)",
                                v.first_seq
                            )
                        } else {
                            String::new()
                        }
                    );
                    if let Some(t) = v.tip {
                        println!(
                            "tip {} (record it elsewhere; `--expect` checks it later)",
                            t.encode()
                        );
                    }
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("audit log damaged: {e}");
                    Ok(1)
                }
            }
        }
        AuditCommand::Show(a) => show(a, &segments),
    }
}

fn bound(s: &Option<String>, what: &str) -> Result<Option<i64>, CliError> {
    let Some(s) = s else { return Ok(None) };
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.clone()
    };
    time::parse_rfc3339(&full).map(Some).ok_or_else(|| {
        CliError::usage(
            format!("--{what} `{s}` is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"),
            None,
        )
    })
}

fn has_rule(e: &Map<String, Value>, rule: &str) -> bool {
    ["findings", "approved"].iter().any(|k| {
        e.get(*k).and_then(Value::as_array).is_some_and(|a| {
            a.iter()
                .any(|f| f.get("rule").and_then(Value::as_str) == Some(rule))
        })
    }) || e
        .get("detail")
        .and_then(|d| d.get("items"))
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|f| f.get("rule").and_then(Value::as_str) == Some(rule))
        })
}

fn show(a: &AuditShowArgs, segments: &[(std::path::PathBuf, String)]) -> Result<i32, CliError> {
    let since = bound(&a.since, "since")?;
    let until = bound(&a.until, "until")?;
    let decision = a.decision.map(|d| d.to_string());
    let mut shown = Vec::new();
    for (path, text) in segments {
        for (i, line) in text.lines().enumerate() {
            let e: Map<String, Value> = serde_json::from_str(line).map_err(|err| {
                CliError::usage(
                    format!("{}:{}: not an audit line ({err})", path.display(), i + 1),
                    Some("run `scopecheck audit verify`".to_owned()),
                )
            })?;
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("");
            let t = time::parse_rfc3339(s("time")).unwrap_or(0);
            let kind = e
                .get("actor")
                .and_then(|x| x.get("kind"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let keep = since.is_none_or(|b| t >= b)
                && until.is_none_or(|b| t < b)
                && a.actor.as_deref().is_none_or(|x| x == kind)
                && decision.as_deref().is_none_or(|d| s("decision") == d)
                && a.command.as_deref().is_none_or(|c| s("command") == c)
                && a.rule.as_deref().is_none_or(|r| has_rule(&e, r));
            if keep {
                shown.push(e);
            }
        }
    }
    match a.format {
        AuditFormat::Json => {
            let v = Value::Array(shown.into_iter().map(Value::Object).collect());
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        AuditFormat::Human => {
            for e in &shown {
                let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("-").to_owned();
                let actor = match e.get("actor") {
                    Some(x) if x.get("kind").and_then(Value::as_str) == Some("agent") => format!(
                        "agent ({})",
                        x.get("name").and_then(Value::as_str).unwrap_or("?")
                    ),
                    _ => "human".to_owned(),
                };
                let n = |k: &str| e.get(k).and_then(Value::as_array).map_or(0, Vec::len);
                let what = if e.contains_key("decision") {
                    format!(
                        "{} (exit {}), {} finding(s), {} approved",
                        s("decision"),
                        e.get("exit").and_then(Value::as_i64).unwrap_or(-1),
                        n("findings"),
                        n("approved")
                    )
                } else {
                    e.get("detail").map(Value::to_string).unwrap_or_default()
                };
                println!(
                    "#{:<5} {} {:<11} {:<18} {}",
                    e.get("seq").and_then(Value::as_u64).unwrap_or(0),
                    s("time"),
                    s("command"),
                    actor,
                    what
                );
                for f in e
                    .get("findings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let g = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("");
                    println!("        {:<6} {} {}", g("action"), g("rule"), g("path"));
                }
            }
            if shown.is_empty() {
                println!("no matching entries");
            }
        }
    }
    Ok(0)
}
