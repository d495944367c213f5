//! Migration locations a repository declares in its frameworks' own configuration:
//! Alembic's `script_location` / `version_locations`, Flyway's `locations`, Atlas's
//! `migration { dir }`, Drizzle's `out`, Prisma's schema and migrations paths, a
//! Liquibase master changelog's includes, and Spring Boot's settings for both. Built-in
//! layouts cover the conventional places; these name the rest (`db/revisions/`,
//! `sql/changes/`), so an unconventional layout is still recognised without a policy
//! entry.
//!
//! A configuration file applies to the directory it sits in and everything below, as
//! the framework itself reads it. The checks never read a repository: an adapter looks
//! for [`CONFIG_FILES`] in the ancestors of the directories [`wanted_dirs`] names and
//! supplies them as the change's context, and changed configuration files are read from
//! the change itself (both versions, so neither moving a location nor adding the file
//! with its first migration hides anything).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::{ChangeSet, FileChange};

/// File names whose content can declare where migrations live.
pub const CONFIG_FILES: &[&str] = &[
    "alembic.ini",
    "application.properties",
    "application.yaml",
    "application.yml",
    "atlas.hcl",
    "changelog-master.xml",
    "changelog-master.yaml",
    "db.changelog-master.json",
    "db.changelog-master.xml",
    "db.changelog-master.yaml",
    "db.changelog-master.yml",
    "drizzle.config.cjs",
    "drizzle.config.js",
    "drizzle.config.json",
    "drizzle.config.mjs",
    "drizzle.config.mts",
    "drizzle.config.ts",
    "flyway.conf",
    "flyway.toml",
    "liquibase.properties",
    "package.json",
    "prisma.config.ts",
];

/// The directories of changed files that could be migrations in a declared location:
/// named like one (a version or timestamp first, Flyway's `V1__`, Alembic's 12-hex
/// revision, Prisma's `migration.sql`). Empty for an ordinary change, so it costs no
/// lookups.
pub fn wanted_dirs(changes: &ChangeSet) -> Vec<String> {
    let mut dirs: Vec<String> = changes
        .files
        .iter()
        .flat_map(|c| std::iter::once(c.path.as_str()).chain(c.old_path.as_deref()))
        .filter(|p| shaped_like_migration(p))
        .map(|p| p.rsplit_once('/').map_or("", |(d, _)| d).to_owned())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

fn shaped_like_migration(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    let code = matches!(
        ext,
        "sql"
            | "py"
            | "js"
            | "ts"
            | "mjs"
            | "cjs"
            | "go"
            | "java"
            | "kt"
            | "rb"
            | "xml"
            | "yaml"
            | "yml"
            | "json"
    );
    let alembic_revision = stem.len() > 13
        && stem.as_bytes()[12] == b'_'
        && stem.as_bytes()[..12].iter().all(u8::is_ascii_hexdigit);
    code && (name == "migration.sql" || alembic_revision || super::versioned(name))
}

/// The declared locations in force for one change: globs, each with its framework.
pub(crate) struct Declared {
    set: GlobSet,
    frameworks: Vec<&'static str>,
}

impl Declared {
    /// From the change's context files and its changed configuration files (both sides).
    pub(crate) fn of(changes: &ChangeSet) -> Declared {
        let mut globs: Vec<Location> = Vec::new();
        for (path, data) in &changes.context {
            globs.extend(locations(path, data));
        }
        for change in changes.files.iter().filter(|c| is_config(&c.path)) {
            for data in sides(change) {
                globs.extend(locations(&change.path, data));
            }
        }
        let mut set = GlobSetBuilder::new();
        let mut frameworks = Vec::new();
        for ((dir, suffix), fw) in globs {
            let pattern = if dir.is_empty() {
                suffix.trim_start_matches('/').to_owned()
            } else {
                format!("{dir}{suffix}")
            };
            if let Ok(g) = GlobBuilder::new(&pattern).literal_separator(true).build() {
                set.add(g);
                frameworks.push(fw);
            }
        }
        Declared {
            set: set.build().unwrap_or_else(|_| GlobSet::empty()),
            frameworks,
        }
    }

    /// No declared locations.
    pub(crate) fn none() -> Declared {
        Declared {
            set: GlobSet::empty(),
            frameworks: Vec::new(),
        }
    }

    /// The framework whose declared location holds `path`.
    pub(crate) fn framework(&self, path: &str) -> Option<&'static str> {
        let i = *self.set.matches(path).first()?;
        self.frameworks.get(i).copied()
    }
}

fn is_config(path: &str) -> bool {
    CONFIG_FILES.contains(&path.rsplit('/').next().unwrap_or(path))
}

fn sides(change: &FileChange) -> impl Iterator<Item = &[u8]> {
    change
        .new_contents()
        .into_iter()
        .chain(change.old_contents())
}

/// A declared location: a repository path (taken literally) and the glob suffix of the
/// migration files under it.
type Location = ((String, &'static str), &'static str);

/// The locations the configuration file at `path` declares.
fn locations(path: &str, data: &[u8]) -> Vec<Location> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Vec::new();
    };
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let name = path.rsplit('/').next().unwrap_or(path);
    let at = |rel: &str, suffix: &'static str, fw: &'static str| {
        resolve(dir, rel).map(|p| ((p, suffix), fw))
    };
    let mut out = Vec::new();
    match name {
        "alembic.ini" => {
            // Every section: a multi-database setup names one per database
            // (`alembic -n org`), each with its own script location.
            for (key, value) in ini_values(text, "") {
                let value = value.replace("%(here)s", ".");
                match key {
                    "script_location" => out.extend(at(&value, "/versions/*.py", "Alembic")),
                    // Separated by `version_path_separator`: the OS's (`:`), or a space,
                    // comma or semicolon.
                    "version_locations" => out.extend(
                        value
                            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'))
                            .filter_map(|v| at(v, "/*.py", "Alembic")),
                    ),
                    _ => {}
                }
            }
        }
        "flyway.conf" | "liquibase.properties" | "application.properties" => {
            for (key, value) in ini_values(text, "") {
                match key {
                    "flyway.locations" => out.extend(flyway(dir, value.split(','))),
                    "spring.flyway.locations" => out.extend(flyway(dir, value.split(','))),
                    "changeLogFile" | "changelog-file" | "spring.liquibase.change-log" => {
                        out.extend(liquibase_master(dir, value));
                    }
                    _ => {}
                }
            }
        }
        "application.yml" | "application.yaml" => {
            // Spring's nested keys, read line by line: `locations:` under `flyway:` and
            // `change-log:` under `liquibase:` (their only meaning in these files).
            for (key, value) in yaml_scalars(text) {
                match key {
                    "locations" => out.extend(flyway(dir, value.split(','))),
                    "change-log" => out.extend(liquibase_master(dir, value)),
                    _ => {}
                }
            }
        }
        _ if name.contains("changelog-master") => {
            for (key, value) in yaml_scalars(text)
                .into_iter()
                .map(|(k, v)| (k, v.to_owned()))
                .chain(quoted_after(text, "file").into_iter().map(|v| ("file", v)))
                .chain(quoted_after(text, "path").into_iter().map(|v| ("path", v)))
            {
                // `include` names a file, `includeAll` a directory; either relative to
                // the master (relativeToChangelogFile) or to the classpath.
                let suffix = match key {
                    "file" => "",
                    "path" => "/**/*.{xml,yaml,yml,json,sql}",
                    _ => continue,
                };
                out.extend(at(&value, suffix, "Liquibase"));
                out.extend(classpath(dir, &value).map(|p| ((p, suffix), "Liquibase")));
            }
        }
        "flyway.toml" => {
            let mut found = Vec::new();
            if let Ok(v) = toml::from_str::<toml::Value>(text) {
                toml_locations(&v, &mut found);
            }
            out.extend(flyway(dir, found.iter().map(String::as_str)));
        }
        "atlas.hcl" => {
            for value in quoted_after(text, "dir") {
                if let Some(rel) = value.strip_prefix("file://") {
                    let rel = rel.split('?').next().unwrap_or(rel);
                    out.extend(at(rel, "/*.sql", "Atlas"));
                }
            }
        }
        "package.json" => {
            let schema = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("prisma")?.get("schema")?.as_str().map(str::to_owned));
            if let Some(schema) = schema {
                out.extend(prisma_schema(dir, &schema));
            }
        }
        "prisma.config.ts" => {
            for value in quoted_after(text, "schema") {
                out.extend(prisma_schema(dir, &value));
            }
            if let Some(block) = text.split("migrations").nth(1) {
                let block = block.split('}').next().unwrap_or_default();
                for value in quoted_after(block, "path") {
                    out.extend(at(&value, "/*/migration.sql", "Prisma"));
                }
            }
        }
        _ if name.starts_with("drizzle.config.") => {
            for value in quoted_after(text, "out") {
                out.extend(at(&value, "/**/*.sql", "Drizzle"));
            }
        }
        _ => {}
    }
    out
}

/// Flyway reads `filesystem:` locations from where it runs (the configuration file's
/// directory), and `classpath:` ones (the default prefix) from any source or resource
/// root below it: SQL in `src/main/resources/db/x`, Java in `src/main/java/db/x`.
fn flyway<'a>(dir: &str, values: impl Iterator<Item = &'a str>) -> Vec<Location> {
    let mut out = Vec::new();
    for v in values.map(str::trim).filter(|v| !v.is_empty()) {
        let found = if let Some(rel) = v.strip_prefix("filesystem:") {
            resolve(dir, rel)
        } else {
            classpath(dir, v)
        };
        out.extend(found.map(|p| ((p, "/**/*__*"), "Flyway")));
    }
    out
}

/// Where a `classpath:` (or prefix-less) path can be, below `dir`: under any source or
/// resource root.
fn classpath(dir: &str, value: &str) -> Option<String> {
    let rel = value
        .trim()
        .strip_prefix("classpath:")
        .unwrap_or(value.trim());
    let rel = resolve("", rel.trim_start_matches('/'))?;
    (!rel.is_empty()).then(|| join(dir, &format!("**/{rel}")))
}

/// The changelog files beside and below a Liquibase master changelog.
fn liquibase_master(dir: &str, value: &str) -> Option<Location> {
    let master = classpath(dir, value)?;
    let (folder, _) = master.rsplit_once('/')?;
    // A master at the classpath root would make every file a changelog.
    (folder != "**" && !folder.ends_with("/**")).then(|| {
        (
            (folder.to_owned(), "/**/*.{xml,yaml,yml,json,sql}"),
            "Liquibase",
        )
    })
}

/// `key: value` lines of a YAML file (list dashes and quotes removed), at any depth.
fn yaml_scalars(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim().trim_start_matches("- ");
            let (k, v) = l.split_once(':')?;
            let v = v.trim().trim_matches(['"', '\'']);
            (!v.is_empty() && !k.contains(' ')).then_some((k.trim(), v))
        })
        .collect()
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Prisma keeps migrations in `migrations/` beside the schema file (or inside the
/// schema folder, for a multi-file schema).
fn prisma_schema(dir: &str, schema: &str) -> Option<Location> {
    let folder = if schema.ends_with(".prisma") {
        schema.rsplit_once('/').map_or(".", |(d, _)| d)
    } else {
        schema
    };
    resolve(dir, folder).map(|p| ((p, "/migrations/*/migration.sql"), "Prisma"))
}

/// Every `locations` array in a Flyway TOML file, at any depth (`[flyway]` or an
/// environment's table).
fn toml_locations(v: &toml::Value, out: &mut Vec<String>) {
    if let toml::Value::Table(t) = v {
        for (k, v) in t {
            match v {
                toml::Value::Array(items) if k == "locations" => {
                    out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)));
                }
                toml::Value::String(s) if k == "locations" => out.push(s.clone()),
                _ => toml_locations(v, out),
            }
        }
    }
}

/// `key = value` pairs of an INI file, in the named section (`""`: every section).
fn ini_values<'a>(text: &'a str, section: &str) -> Vec<(&'a str, &'a str)> {
    let mut current = "";
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim();
        } else if let Some((k, v)) = line.split_once('=') {
            if section.is_empty() || current == section {
                out.push((k.trim(), v.trim()));
            }
        }
    }
    out
}

/// String literals assigned to `key` in code or HCL (`key: "v"`, `key = 'v'`, `"key": "v"`).
fn quoted_after(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(key) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + key.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let after = after.trim_start_matches(['"', '\'']).trim_start();
        let Some(value) = after.strip_prefix([':', '=']).map(str::trim_start) else {
            continue;
        };
        let Some(quote) = value
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))
        else {
            continue;
        };
        if let Some(end) = value[1..].find(quote) {
            out.push(value[1..1 + end].to_owned());
        }
    }
    out
}

/// `rel` resolved against the repository directory `dir`: `./` and `..` are followed;
/// an absolute path, a package reference (`myapp:migrations`), one leaving the
/// repository, or one with glob syntax (it would match more than the one directory)
/// names nothing in it.
fn resolve(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    let odd = |c: char| matches!(c, ':' | '\\' | '*' | '?' | '[' | ']' | '{' | '}');
    if rel.is_empty() || rel.starts_with('/') || rel.contains(odd) {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeStatus, Content, FileMode, Origin, Side};

    /// (directory, glob suffix, framework) of each location `text` at `path` declares.
    fn declared(path: &str, text: &str) -> Vec<(String, &'static str, &'static str)> {
        locations(path, text.as_bytes())
            .into_iter()
            .map(|((dir, suffix), fw)| (dir, suffix, fw))
            .collect()
    }

    fn one(
        dir: &str,
        suffix: &'static str,
        fw: &'static str,
    ) -> Vec<(String, &'static str, &'static str)> {
        vec![(dir.to_owned(), suffix, fw)]
    }

    #[test]
    fn each_framework_configuration() {
        assert_eq!(
            declared(
                "api/alembic.ini",
                "[alembic]\nscript_location = %(here)s/db/rev\n"
            ),
            one("api/db/rev", "/versions/*.py", "Alembic")
        );
        assert_eq!(
            declared(
                "alembic.ini",
                "[alembic]\n# script_location = old\nscript_location = app:migrations\nversion_locations = %(here)s/a, b;../c\n"
            ),
            vec![
                ("a".to_owned(), "/*.py", "Alembic"),
                ("b".to_owned(), "/*.py", "Alembic"),
            ],
            "a package reference and a path leaving the repository name nothing"
        );
        assert_eq!(
            declared(
                "svc/alembic.ini",
                "[public]\nscript_location = svc_db/public\nversion_locations = %(here)s/x:%(here)s/y\n[org]\nscript_location = .\n"
            ),
            vec![
                ("svc/svc_db/public".to_owned(), "/versions/*.py", "Alembic"),
                ("svc/x".to_owned(), "/*.py", "Alembic"),
                ("svc/y".to_owned(), "/*.py", "Alembic"),
                ("svc".to_owned(), "/versions/*.py", "Alembic"),
            ],
            "one section per database; the OS path separator"
        );
        assert_eq!(
            declared(
                "svc/flyway.conf",
                "flyway.locations=filesystem:sql/up,classpath:db/x\n"
            ),
            vec![
                ("svc/sql/up".to_owned(), "/**/*__*", "Flyway"),
                ("svc/**/db/x".to_owned(), "/**/*__*", "Flyway"),
            ]
        );
        assert_eq!(
            declared(
                "flyway.toml",
                "[environments.dev.flyway]\nlocations = [\"filesystem:db/sql\"]\n[flyway]\nmixed = true\n"
            ),
            one("db/sql", "/**/*__*", "Flyway")
        );
        assert_eq!(
            declared("db/atlas.hcl", "env {\n  migration {\n    dir = \"file://versions?format=golang-migrate\"\n  }\n}\n"),
            one("db/versions", "/*.sql", "Atlas")
        );
        assert_eq!(
            declared(
                "drizzle.config.ts",
                "export default { layout: 'x', outDir: 'y', out: './src/drizzle-out' }"
            ),
            one("src/drizzle-out", "/**/*.sql", "Drizzle")
        );
        assert_eq!(
            declared("drizzle.config.json", "{ \"out\": \"meta\" }"),
            one("meta", "/**/*.sql", "Drizzle")
        );
        assert_eq!(
            declared(
                "web/package.json",
                "{\"prisma\": {\"schema\": \"db/schema.prisma\"}}"
            ),
            one("web/db", "/migrations/*/migration.sql", "Prisma")
        );
        assert_eq!(
            declared("prisma.config.ts", "export default defineConfig({ schema: 'prisma/schema', migrations: { path: 'db/history' } })"),
            vec![
                ("prisma/schema".to_owned(), "/migrations/*/migration.sql", "Prisma"),
                ("db/history".to_owned(), "/*/migration.sql", "Prisma"),
            ]
        );
        let changelogs = "/**/*.{xml,yaml,yml,json,sql}";
        assert_eq!(
            declared(
                "svc/liquibase.properties",
                "changeLogFile=db/sql-changes/master.xml\n"
            ),
            one("svc/**/db/sql-changes", changelogs, "Liquibase")
        );
        assert_eq!(
            declared("liquibase.properties", "changeLogFile=master.xml\n"),
            vec![]
        );
        assert_eq!(
            declared(
                "src/main/resources/application.yml",
                "spring:\n  liquibase:\n    change-log: classpath:/schema/master.yaml\n  flyway:\n    locations: classpath:db/x,filesystem:y\n"
            ),
            vec![
                ("src/main/resources/**/schema".to_owned(), changelogs, "Liquibase"),
                ("src/main/resources/**/db/x".to_owned(), "/**/*__*", "Flyway"),
                ("src/main/resources/y".to_owned(), "/**/*__*", "Flyway"),
            ]
        );
        assert_eq!(
            declared(
                "application.properties",
                "spring.flyway.locations=classpath:db/v2\n"
            ),
            one("**/db/v2", "/**/*__*", "Flyway")
        );
        assert_eq!(
            declared(
                "res/db.changelog-master.xml",
                "<databaseChangeLog xmlns:xsi=\"x\">\n  <include file=\"parts/a.xml\" relativeToChangelogFile=\"true\"/>\n  <includeAll path=\"db/all/\"/>\n</databaseChangeLog>\n"
            ),
            vec![
                ("res/parts/a.xml".to_owned(), "", "Liquibase"),
                ("res/**/parts/a.xml".to_owned(), "", "Liquibase"),
                ("res/db/all".to_owned(), changelogs, "Liquibase"),
                ("res/**/db/all".to_owned(), changelogs, "Liquibase"),
            ]
        );
        assert_eq!(
            declared(
                "db.changelog-master.yaml",
                "databaseChangeLog:\n  - include:\n      file: changes/001.yaml\n"
            ),
            vec![
                ("changes/001.yaml".to_owned(), "", "Liquibase"),
                ("**/changes/001.yaml".to_owned(), "", "Liquibase"),
            ]
        );
        assert_eq!(declared("package.json", "{\"name\": \"x\"}"), vec![]);
        assert_eq!(declared("atlas.hcl", "dir = \"/abs/path\""), vec![]);
        assert_eq!(declared("alembic.ini", "\u{0}\u{ff}"), vec![]);
    }

    #[test]
    fn locations_resolve_inside_the_repository_only() {
        assert_eq!(resolve("a/b", "./c/../d").as_deref(), Some("a/b/d"));
        assert_eq!(resolve("a", "..").as_deref(), Some(""));
        assert_eq!(resolve("a", "../.."), None);
        assert_eq!(resolve("", "/etc"), None);
        assert_eq!(resolve("", "db/*"), None);
        assert_eq!(resolve("", "pkg:dir"), None);
    }

    fn added(path: &str, data: &[u8]) -> crate::FileChange {
        let side = Side {
            id: String::new(),
            mode: FileMode::Regular,
            size: data.len() as u64,
            content: Content::Loaded(data.to_vec().into()),
        };
        crate::FileChange::new(path, None, ChangeStatus::Added, None, Some(side))
    }

    #[test]
    fn only_files_shaped_like_migrations_ask_for_configuration() {
        let mut cs = ChangeSet::new(Origin::Custom);
        for p in [
            "README.md",
            "t/t0300-credentials.sh",
            "Documentation/RelNotes/2.51.0.adoc",
            "src/main.py",
            "db/rev/versions/1975ea83b712_add.py",
            "x/V2__Seed.java",
            "y/z/0001_init.sql",
            "h/20240101000000_init/migration.sql",
        ] {
            cs.files.push(added(p, b"x"));
        }
        assert_eq!(
            wanted_dirs(&cs),
            ["db/rev/versions", "h/20240101000000_init", "x", "y/z"]
        );
    }

    #[test]
    fn a_changed_configuration_counts_in_both_versions() {
        let mut cs = ChangeSet::new(Origin::Custom);
        let old = b"[alembic]\nscript_location = old\n";
        let new = b"[alembic]\nscript_location = new\n";
        let side = |d: &[u8]| Side {
            id: String::new(),
            mode: FileMode::Regular,
            size: d.len() as u64,
            content: Content::Loaded(d.to_vec().into()),
        };
        cs.files.push(crate::FileChange::new(
            "alembic.ini",
            None,
            ChangeStatus::Modified,
            Some(side(old)),
            Some(side(new)),
        ));
        cs.context
            .push(("sub/atlas.hcl".into(), b"dir = \"file://m\"".to_vec()));
        let d = Declared::of(&cs);
        assert_eq!(d.framework("old/versions/a.py"), Some("Alembic"));
        assert_eq!(d.framework("new/versions/a.py"), Some("Alembic"));
        assert_eq!(d.framework("sub/m/1.sql"), Some("Atlas"));
        assert_eq!(d.framework("sub/m/deeper/1.sql"), None);
        assert_eq!(d.framework("new/a.py"), None);
    }
}
