//! Turns the built-in secret rule packs (`src/rules/*.toml`) into Rust code.
//!
//! The packs stay TOML, the format custom rules in `scopecheck.toml` are written in, but
//! parsing 150 KB of TOML costs every process ~4 ms before it scans a byte: a pre-commit
//! hook pays that on every commit. The packs become one static table of `StaticSpec`s
//! (borrowed strings in read-only data, nothing run at start-up: generating code that
//! built each `RuleSpec` made a 660 KB function whose first run cost every hook ~0.8 ms
//! of page faults); a unit test checks the table equals what the TOML parser makes of
//! the packs.

use std::fmt::Write as _;
use std::path::Path;

/// The packs in the order their rules are numbered (an earlier rule wins a tie between
/// two rules finding the same secret, so generic rules come last).
const PACKS: &[&str] = &[
    "keys.toml",
    "cloud.toml",
    "code-hosts.toml",
    "payment.toml",
    "messaging.toml",
    "ai.toml",
    "registries.toml",
    "databases.toml",
    "saas.toml",
    "services.toml",
    "generic.toml",
];

/// Optional string fields.
const OPTIONAL: &[&str] = &["regex", "secret"];
const STRING_LISTS: &[&str] = &[
    "keywords",
    "context",
    "stopwords",
    "context-stopwords",
    "allow",
    "paths",
    "examples",
    "negative-examples",
];
const FLAGS: &[&str] = &[
    "multiline",
    "keep-placeholders",
    "keyword-boundary",
    "fallback",
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules = Path::new(&manifest).join("src/rules");
    println!("cargo::rerun-if-changed=src/rules");
    let mut code = String::from(
        "/// The built-in packs, by file name (their TOML text, which tests parse).\n\
         #[cfg(test)]\n\
         pub(crate) const PACKS: &[(&str, &str)] = &[\n",
    );
    for name in PACKS {
        let path = rules.join(name);
        writeln!(code, "    ({name:?}, include_str!({:?})),", path.display()).unwrap();
    }
    code.push_str("];\n\n/// The built-in rules, as the packs declare them.\npub(crate) static BUILTIN: &[StaticSpec] = &[\n");
    for name in PACKS {
        let path = rules.join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let pack: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let list = pack
            .get("rule")
            .and_then(toml::Value::as_array)
            .unwrap_or_else(|| panic!("{name}: no [[rule]] array"));
        for rule in list {
            let table = rule
                .as_table()
                .unwrap_or_else(|| panic!("{name}: a rule that is not a table"));
            code.push_str(&rule_expr(name, table));
        }
    }
    code.push_str("];\n");
    // An identifier of the rule packs' exact text (FNV-1a, 64 bits): `--version` names
    // it, so two installs can tell whether they judge with the same rules.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for name in PACKS {
        let path = rules.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for b in name.bytes().chain(bytes) {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    writeln!(
        code,
        "\n/// The rule packs' digest (FNV-1a of their text), for `--version`.\npub const PACK_DIGEST: &str = \"{:016x}\";",
        digest
    )
    .unwrap();
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("packs.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}

/// One `StaticSpec { … }` literal. An unknown key or a value of the wrong type stops the
/// build here, as `deny_unknown_fields` would stop the TOML parser.
fn rule_expr(pack: &str, rule: &toml::Table) -> String {
    let id = rule.get("id").and_then(toml::Value::as_str).unwrap_or("?");
    let fail = |key: &str, what: &str| -> ! { panic!("{pack}: rule {id}: `{key}` {what}") };
    let string = |key: &str, v: &toml::Value| -> String {
        match v.as_str() {
            Some(s) => format!("{s:?}"),
            None => fail(key, "must be a string"),
        }
    };
    let strings = |key: &str, v: &toml::Value| -> String {
        let Some(items) = v.as_array() else {
            fail(key, "must be an array of strings")
        };
        let items: Vec<String> = items.iter().map(|i| string(key, i)).collect();
        format!("&[{}]", items.join(", "))
    };
    let mut fields = vec![
        ("id", None),
        ("name", None),
        ("keywords", Some("&[]".to_owned())),
        ("regex", Some("None".to_owned())),
        ("context", Some("&[]".to_owned())),
        ("secret", Some("None".to_owned())),
        ("entropy", Some("None".to_owned())),
        ("stopwords", Some("&[]".to_owned())),
        ("context-stopwords", Some("&[]".to_owned())),
        ("allow", Some("&[]".to_owned())),
        ("paths", Some("&[]".to_owned())),
        ("action", Some("None".to_owned())),
        ("multiline", Some("false".to_owned())),
        ("keep-placeholders", Some("false".to_owned())),
        ("keyword-boundary", Some("false".to_owned())),
        ("fallback", Some("false".to_owned())),
        ("examples", Some("&[]".to_owned())),
        ("negative-examples", Some("&[]".to_owned())),
    ];
    for (key, value) in rule {
        let expr = match key.as_str() {
            "id" | "name" => string(key, value),
            k if OPTIONAL.contains(&k) => format!("Some({})", string(key, value)),
            k if STRING_LISTS.contains(&k) => strings(key, value),
            k if FLAGS.contains(&k) => match value.as_bool() {
                Some(b) => b.to_string(),
                None => fail(key, "must be true or false"),
            },
            "entropy" => match value {
                toml::Value::Float(f) => format!("Some({f:?})"),
                toml::Value::Integer(i) => format!("Some({i}.0)"),
                _ => fail(key, "must be a number"),
            },
            "action" => match value.as_str() {
                Some(a @ ("allow" | "warn" | "review" | "block")) => {
                    let mut variant = a.to_owned();
                    variant[..1].make_ascii_uppercase();
                    format!("Some(Action::{variant})")
                }
                _ => fail(key, "must be allow, warn, review or block"),
            },
            _ => fail(key, "is not a rule field"),
        };
        match fields.iter_mut().find(|(k, _)| *k == key.as_str()) {
            Some(slot) => slot.1 = Some(expr),
            None => fail(key, "is not a rule field"),
        }
    }
    let mut out = String::from("    StaticSpec {\n");
    for (key, expr) in fields {
        let Some(expr) = expr else {
            fail(key, "is required")
        };
        writeln!(out, "        {}: {expr},", key.replace('-', "_")).unwrap();
    }
    out.push_str("    },\n");
    out
}
