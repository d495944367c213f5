//! Database migrations: new ones need review, applied ones must not change, and
//! destructive operations in a new one are called out line by line.

use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexSet};

use super::{Check, RuleMeta};
use crate::{Action, ChangeSet, ChangeStatus, FileChange, Finding, Policy};

/// A migration was added.
pub const NEW: &str = "migration/new-migration";
/// An existing migration was edited, deleted or renamed.
pub const APPLIED_EDIT: &str = "migration/applied-edit";
/// A new migration drops, truncates or deletes data.
pub const DESTRUCTIVE: &str = "migration/destructive-operation";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        id: NEW,
        default_action: Action::Review,
        summary: "A new database migration is added",
        what_it_does: "Flags added files that are migrations of Django, Rails, Alembic, Flyway, Liquibase, Prisma, golang-migrate, goose, Knex, Sequelize, TypeORM, Ecto, Diesel, sqlx, Entity Framework or Laravel (by their conventional paths), or match `[migrations] paths`.",
        why_is_this_bad: "A migration changes the production database when it is deployed, often irreversibly and under load; it deserves a person's review even when the code around it is routine.",
        how_to_fix: "Have someone who knows the database review the migration (locking, backfills, rollback), then approve it.",
    },
    RuleMeta {
        id: APPLIED_EDIT,
        default_action: Action::Block,
        summary: "An existing migration is edited, deleted or renamed",
        what_it_does: "Flags modifications, deletions and renames of files that are migrations (see migration/new-migration). Repeatable Flyway migrations (R__*.sql) and appended changesets in a Liquibase changelog are not flagged.",
        why_is_this_bad: "A migration that exists in the repository has probably been applied somewhere: migration tools record it as done and never run it again. Editing it makes the schema in those databases differ silently from a fresh one; deleting or renaming it breaks the tool's history (checksum errors, or the migration running twice).",
        how_to_fix: "Restore the original file (`git restore --staged --worktree <path>`) and write a new migration that makes the change you need.",
    },
    RuleMeta {
        id: DESTRUCTIVE,
        default_action: Action::Review,
        summary: "A new migration drops, truncates or deletes data",
        what_it_does: "In added lines of new migrations, finds DROP TABLE/COLUMN/SCHEMA/DATABASE, ALTER TABLE … DROP, TRUNCATE, DELETE without WHERE, and framework operations such as remove_column, drop_table, RemoveField, DeleteModel, op.drop_column, dropColumn, removeColumn, DropTable, Schema::drop. Down/downgrade migrations are skipped.",
        why_is_this_bad: "These operations destroy data when deployed; a typo or a missing WHERE cannot be undone without a restore, and code still running during the deploy may need the dropped column.",
        how_to_fix: "Make sure the data is no longer needed (or backed up), that no deployed code reads it, and consider a two-step migration (stop using, then drop). Suppress a reviewed line with `scopecheck:allow migration/destructive-operation`.",
    },
];

/// (glob, framework). Globs without `/` match at any depth.
const FRAMEWORKS: &[(&str, &str)] = &[
    ("**/migrations/[0-9][0-9][0-9][0-9]_*.py", "Django"),
    ("**/db/migrate/*.rb", "Rails"),
    ("**/alembic/versions/*.py", "Alembic"),
    ("**/migrations/versions/*.py", "Alembic"),
    ("**/db/migration/V*__*.sql", "Flyway"),
    ("**/db/migration/V*__*.java", "Flyway"),
    ("**/V[0-9]*__*.sql", "Flyway"),
    ("**/R__*.sql", "Flyway"),
    ("**/db/changelog/**/*.xml", "Liquibase"),
    ("**/db/changelog/**/*.yaml", "Liquibase"),
    ("**/db/changelog/**/*.yml", "Liquibase"),
    ("**/db/changelog/**/*.sql", "Liquibase"),
    ("**/db/changelog/**/*.json", "Liquibase"),
    ("**/prisma/migrations/*/migration.sql", "Prisma"),
    ("**/migrations/[0-9]*_*.up.sql", "golang-migrate"),
    ("**/migrations/[0-9]*_*.down.sql", "golang-migrate"),
    ("**/migrations/[0-9]*_*.sql", "goose / sqlx"),
    ("**/migrations/[0-9]*_*.go", "goose"),
    ("**/migrations/[0-9]*_*.js", "Knex"),
    ("**/migrations/[0-9]*_*.ts", "Knex"),
    ("**/migrations/[0-9]*-*.js", "Sequelize"),
    ("**/migrations/[0-9]*-*.cjs", "Sequelize"),
    ("**/migrations/[0-9]*-*.ts", "TypeORM / Sequelize"),
    ("**/migration/[0-9]*-*.ts", "TypeORM"),
    ("**/priv/repo/migrations/*.exs", "Ecto"),
    ("**/migrations/*/up.sql", "Diesel"),
    ("**/migrations/*/down.sql", "Diesel"),
    ("**/Migrations/[0-9]*_*.cs", "Entity Framework"),
    ("**/database/migrations/*.php", "Laravel"),
];

/// Destructive operations, SQL and framework calls (matched case-insensitively per line).
const DESTRUCTIVE_PATTERNS: &[&str] = &[
    r"(?i)\bDROP\s+(?:TABLE|SCHEMA|DATABASE|COLUMN|VIEW|MATERIALIZED\s+VIEW|TYPE)\b",
    r"(?i)\bALTER\s+TABLE\b.*\bDROP\b",
    r"(?i)\bTRUNCATE\b",
    r"\b(?:remove_column|remove_columns|drop_table|drop_join_table|remove_reference|remove_belongs_to|remove_timestamps)\b",
    r"\bmigrations\.(?:RemoveField|DeleteModel)\b",
    r"\bop\.(?:drop_table|drop_column)\b",
    r"\.(?:dropTable|dropTableIfExists|dropColumn|dropColumns|removeColumn|dropAllTables|bulkDelete)\b",
    r"\.(?:DropTable|DropColumn)\s*\(",
    r"\bdrop(?:_if_exists)?\s+table\b",
    r"\bremove\s+:\w+",
    r"\bSchema::(?:drop|dropIfExists)\b",
    r"<(?:dropTable|dropColumn|delete)\b",
    r"(?:^|\s|-\s)(?:dropTable|dropColumn|delete):",
];

/// Lines that open a down/downgrade (reverse) migration, and lines that open an up one.
const DOWN_START: &str = r"(?i)^\s*(?:--\s*\+goose\s+Down\b|--\s*\+migrate\s+Down\b|def\s+(?:down|downgrade)\b|exports\.down\b|module\.exports\.down\b|(?:public\s+|protected\s+override\s+|override\s+)?(?:async\s+)?(?:void\s+|function\s+)?down\s*[:(=]|down\s*:\s*(?:async\s*)?(?:function|\())";
const UP_START: &str = r"(?i)^\s*(?:--\s*\+goose\s+Up\b|--\s*\+migrate\s+Up\b|def\s+(?:up|upgrade|change)\b|exports\.up\b|module\.exports\.up\b|(?:public\s+|protected\s+override\s+|override\s+)?(?:async\s+)?(?:void\s+|function\s+)?up\s*[:(=]|up\s*:\s*(?:async\s*)?(?:function|\())";

struct Compiled {
    globs: GlobSet,
    destructive: RegexSet,
    delete_from: Regex,
    down_start: Regex,
    up_start: Regex,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let mut b = GlobSetBuilder::new();
        for (g, _) in FRAMEWORKS {
            // Built-in constants, covered by the tests: a bad one is a build defect.
            b.add(
                GlobBuilder::new(g)
                    .literal_separator(true)
                    .build()
                    .unwrap_or_else(|e| panic!("migration glob {g}: {e}")),
            );
        }
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("migration regex {p}: {e}"));
        Compiled {
            globs: b.build().unwrap_or_else(|e| panic!("migration globs: {e}")),
            destructive: RegexSet::new(DESTRUCTIVE_PATTERNS)
                .unwrap_or_else(|e| panic!("destructive patterns: {e}")),
            delete_from: re(r"(?i)\bDELETE\s+FROM\b"),
            down_start: re(DOWN_START),
            up_start: re(UP_START),
        }
    })
}

/// The migration framework `path` belongs to, if it is a migration.
pub fn framework(path: &str, policy: &Policy) -> Option<&'static str> {
    if policy.migrations.exclude.is_match(path) {
        return None;
    }
    if policy.migrations.extra.is_match(path) {
        return Some("migrations.paths");
    }
    // Every built-in layout names its directory or file pattern: skip building the glob
    // set (a few milliseconds per run) for the paths of an ordinary commit.
    let lower = path.to_ascii_lowercase();
    if !["migrat", "changelog", "alembic", "__"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return None;
    }
    compiled()
        .globs
        .matches(path)
        .first()
        .map(|&i| FRAMEWORKS[i].1)
}

fn is_down_file(path: &str) -> bool {
    path.ends_with(".down.sql") || path.ends_with("/down.sql")
}

fn is_repeatable(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with("R__"))
}

fn is_liquibase_master(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|n| n.contains("master"))
}

/// A modification that only appends (no line removed), as when a changeset is added at
/// the end of a Liquibase changelog.
fn append_only(change: &FileChange) -> bool {
    change.line_stats().1 == 0
}

/// See the module docs.
pub struct Migrations;

impl Check for Migrations {
    fn rules(&self) -> &'static [RuleMeta] {
        RULES
    }

    fn run(&self, changes: &ChangeSet, policy: &Policy, out: &mut Vec<Finding>) {
        if changes.is_scan() {
            return;
        }
        for change in &changes.files {
            let new_fw = framework(&change.path, policy);
            let old_fw = change
                .old_path
                .as_deref()
                .and_then(|p| framework(p, policy));
            match change.status {
                ChangeStatus::Added => {
                    let Some(fw) = new_fw else { continue };
                    out.push(Finding::for_file(
                        NEW,
                        RULES[0].default_action,
                        &change.path,
                        format!("{} is a new {fw} migration: it needs review before it reaches a database", change.path),
                        RULES[0].how_to_fix.to_owned(),
                    ));
                    if !is_down_file(&change.path) {
                        destructive_lines(change, out);
                    }
                }
                ChangeStatus::Deleted => {
                    if let Some(fw) = new_fw {
                        out.push(applied(change, &change.path, fw, "deleted"));
                    }
                }
                ChangeStatus::Renamed => {
                    if let Some(fw) = old_fw {
                        let from = change.old_path.as_deref().unwrap_or_default();
                        out.push(applied(change, from, fw, "renamed"));
                    } else if let Some(fw) = new_fw {
                        // A file moved into a migrations directory is a new migration.
                        out.push(Finding::for_file(
                            NEW,
                            RULES[0].default_action,
                            &change.path,
                            format!("{} is a new {fw} migration (moved in)", change.path),
                            RULES[0].how_to_fix.to_owned(),
                        ));
                    }
                }
                ChangeStatus::Modified | ChangeStatus::TypeChanged => {
                    let Some(fw) = new_fw else { continue };
                    if is_repeatable(&change.path) {
                        continue;
                    }
                    if fw == "Liquibase"
                        && (is_liquibase_master(&change.path) || append_only(change))
                    {
                        if !is_liquibase_master(&change.path) {
                            out.push(Finding::for_file(
                                NEW,
                                RULES[0].default_action,
                                &change.path,
                                format!(
                                    "{} gains new Liquibase changesets: they need review",
                                    change.path
                                ),
                                RULES[0].how_to_fix.to_owned(),
                            ));
                            destructive_lines(change, out);
                        }
                        continue;
                    }
                    out.push(applied(change, &change.path, fw, "edited"));
                }
            }
        }
    }
}

fn applied(change: &FileChange, path: &str, fw: &str, verb: &str) -> Finding {
    let mut f = Finding::for_file(
        APPLIED_EDIT,
        RULES[1].default_action,
        path,
        format!("{path} is an existing {fw} migration and was {verb}: it has probably been applied somewhere; write a new migration instead"),
        RULES[1].how_to_fix.to_owned(),
    );
    if verb == "edited" {
        if let Some(l) = change.added_lines().first() {
            f.line = l.line;
        }
    }
    f
}

/// One finding per added line with a destructive operation outside a down migration.
fn destructive_lines(change: &FileChange, out: &mut Vec<Finding>) {
    let Some(data) = change.new_contents() else {
        return;
    };
    let c = compiled();
    let added: std::collections::HashSet<u32> = if change.old.is_none() {
        std::collections::HashSet::new()
    } else {
        change.added_lines().iter().map(|l| l.line).collect()
    };
    let mut in_down = false;
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if c.down_start.is_match(line) {
            in_down = true;
        } else if c.up_start.is_match(line) {
            in_down = false;
        }
        if in_down || (change.old.is_some() && !added.contains(&n)) {
            continue;
        }
        let trimmed = line.trim_ascii_start();
        if trimmed.starts_with(b"--") || trimmed.starts_with(b"#") || trimmed.starts_with(b"//") {
            continue;
        }
        let mut destructive = c.destructive.is_match(line);
        if !destructive && c.delete_from.is_match(line) {
            // DELETE without WHERE: look at the statement up to its `;`.
            let rest: Vec<u8> = lines[i..]
                .iter()
                .take(20)
                .flat_map(|l| l.iter().copied().chain(std::iter::once(b' ')))
                .collect();
            let stmt = rest.split(|&b| b == b';').next().unwrap_or(&rest);
            destructive = !stmt.to_ascii_uppercase().windows(5).any(|w| w == b"WHERE");
        }
        if destructive {
            let text = String::from_utf8_lossy(trimmed).trim_end().to_owned();
            let mut f = Finding::for_file(
                DESTRUCTIVE,
                RULES[2].default_action,
                &change.path,
                format!(
                    "{}:{n} destroys data: `{}`",
                    change.path,
                    truncate(&text, 120)
                ),
                RULES[2].how_to_fix.to_owned(),
            );
            f.line = n;
            f.snippet = Some(text.clone());
            f.fingerprint = crate::fingerprint(DESTRUCTIVE, &change.path, text.as_bytes());
            out.push(f);
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}
