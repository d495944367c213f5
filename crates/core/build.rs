//! Turns the built-in secret rule packs (`src/rules/*.toml`) into Rust code.
//!
//! The packs stay TOML, the format custom rules in `scopecheck.toml` are written in, but
//! parsing 150 KB of TOML costs every process ~4 ms before it scans a byte: a pre-commit
//! hook pays that on every commit. The packs become one static table of `StaticSpec`s
//! in read-only data, nothing run at start-up: generating code that built each
//! `RuleSpec` made a 660 KB function whose first run cost every hook ~0.8 ms of page
//! faults. The table holds no pointers, only ranges of one text (`Str`) and of one list
//! of those (`List`): a pointer in a static is a relocation the loader applies, page by
//! page, at every start, and `&str` fields made 7,000 of them. A unit test checks the
//! table equals what the TOML parser makes of the packs.

use std::fmt::Write as _;
use std::path::Path;

// The built-in rules' keyword index is made here by the code the scanner uses for custom
// rules at run time.
#[path = "src/secrets/keyword_index.rs"]
mod keyword_index;

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
    "frameworks.toml",
    "generic.toml",
];

/// Optional string fields.
const OPTIONAL: &[&str] = &["regex", "secret"];
const STRING_LISTS: &[&str] = &[
    "keywords",
    "context",
    "stopwords",
    "context-stopwords",
    "symbols-context",
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
    let mut table = Table::default();
    let mut rule_keywords: Vec<Vec<String>> = Vec::new();
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
            let rule_table = rule
                .as_table()
                .unwrap_or_else(|| panic!("{name}: a rule that is not a table"));
            code.push_str(&rule_expr(name, rule_table, &mut table));
            rule_keywords.push(keywords(rule_table));
        }
    }
    code.push_str("];\n");
    code.push_str(&index_code(&rule_keywords));
    writeln!(
        code,
        "\n/// Every string of the table, one after the other.\nstatic TEXT: &str = {:?};",
        table.text
    )
    .unwrap();
    code.push_str("\n/// The items of every list of the table.\nstatic ITEMS: &[Str] = &[\n");
    for (start, end) in &table.items {
        writeln!(code, "    Str({start}, {end}),").unwrap();
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

/// A rule's keywords as the scanner uses them: `keywords`, else the `context` words,
/// lower-cased (`SecretRule::build` does the same; a test checks the index agrees).
fn keywords(rule: &toml::Table) -> Vec<String> {
    let list = |key: &str| -> Vec<String> {
        rule.get(key)
            .and_then(toml::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default()
    };
    let own = list("keywords");
    if own.is_empty() {
        list("context")
    } else {
        own
    }
}

/// The statics `builtin_keyword_index` reads: integers only, no pointers to relocate.
fn index_code(rule_keywords: &[Vec<String>]) -> String {
    let lists: Vec<&[String]> = rule_keywords.iter().map(Vec::as_slice).collect();
    let index = keyword_index::build(&lists);
    let mut code = String::from(
        "\n/// The built-in rules' keyword index (see `keyword_index`), made when the crate is built.\n",
    );
    let mut list = |name: &str, ty: &str, items: Vec<String>| {
        writeln!(code, "static {name}: &[{ty}] = &[{}];", items.join(",")).unwrap();
    };
    list(
        "INDEX_KEYWORDS",
        "(u16, u8)",
        index
            .keywords
            .iter()
            .map(|(rule, slot)| format!("({rule},{slot})"))
            .collect(),
    );
    let numbers = |v: &[usize]| v.iter().map(usize::to_string).collect();
    list("INDEX_KEYWORD_RULES", "u16", numbers(&index.keyword_rules));
    let numbers = |v: &[u32]| v.iter().map(u32::to_string).collect();
    list(
        "INDEX_KEYWORD_RULES_AT",
        "u32",
        numbers(&index.keyword_rules_at),
    );
    list("INDEX_PAIR_ORDER", "u32", numbers(&index.pair_order));
    list(
        "INDEX_BY_PAIR",
        "(u16, u32, u32)",
        index
            .by_pair
            .iter()
            .map(|(p, a, b)| format!("({p},{a},{b})"))
            .collect(),
    );
    code
}

/// The text and list items the rules' `Str` and `List` ranges point into.
#[derive(Default)]
struct Table {
    text: String,
    items: Vec<(usize, usize)>,
}

impl Table {
    fn str(&mut self, s: &str) -> (usize, usize) {
        let start = self.text.len();
        self.text.push_str(s);
        (start, self.text.len())
    }

    fn str_expr(&mut self, s: &str) -> String {
        let (start, end) = self.str(s);
        format!("Str({start}, {end})")
    }

    fn list_expr(&mut self, items: &[String]) -> String {
        let ranges: Vec<(usize, usize)> = items.iter().map(|i| self.str(i)).collect();
        let first = self.items.len();
        self.items.extend(ranges);
        format!("List({first}, {})", self.items.len())
    }
}

/// One `StaticSpec { … }` literal. An unknown key or a value of the wrong type stops the
/// build here, as `deny_unknown_fields` would stop the TOML parser.
fn rule_expr(pack: &str, rule: &toml::Table, table: &mut Table) -> String {
    let id = rule.get("id").and_then(toml::Value::as_str).unwrap_or("?");
    let fail = |key: &str, what: &str| -> ! { panic!("{pack}: rule {id}: `{key}` {what}") };
    let text = |key: &str, v: &toml::Value| -> String {
        v.as_str()
            .unwrap_or_else(|| fail(key, "must be a string"))
            .to_owned()
    };
    let texts = |key: &str, v: &toml::Value| -> Vec<String> {
        let Some(items) = v.as_array() else {
            fail(key, "must be an array of strings")
        };
        items.iter().map(|i| text(key, i)).collect()
    };
    let mut fields = vec![
        ("id", None),
        ("name", None),
        ("keywords", Some("List(0, 0)".to_owned())),
        ("regex", Some("None".to_owned())),
        ("context", Some("List(0, 0)".to_owned())),
        ("secret", Some("None".to_owned())),
        ("entropy", Some("None".to_owned())),
        ("stopwords", Some("List(0, 0)".to_owned())),
        ("context-stopwords", Some("List(0, 0)".to_owned())),
        ("symbols-context", Some("List(0, 0)".to_owned())),
        ("allow", Some("List(0, 0)".to_owned())),
        ("paths", Some("List(0, 0)".to_owned())),
        ("action", Some("None".to_owned())),
        ("multiline", Some("false".to_owned())),
        ("span", Some("None".to_owned())),
        ("keep-placeholders", Some("false".to_owned())),
        ("keyword-boundary", Some("false".to_owned())),
        ("fallback", Some("false".to_owned())),
        ("examples", Some("List(0, 0)".to_owned())),
        ("negative-examples", Some("List(0, 0)".to_owned())),
    ];
    for (key, value) in rule {
        let expr = match key.as_str() {
            "id" | "name" => table.str_expr(&text(key, value)),
            k if OPTIONAL.contains(&k) => format!("Some({})", table.str_expr(&text(key, value))),
            k if STRING_LISTS.contains(&k) => table.list_expr(&texts(key, value)),
            k if FLAGS.contains(&k) => match value.as_bool() {
                Some(b) => b.to_string(),
                None => fail(key, "must be true or false"),
            },
            "span" => match value.as_integer().map(u32::try_from) {
                Some(Ok(n)) => format!("Some({n})"),
                _ => fail(key, "must be a number of bytes"),
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
