//! Database migrations: new ones need review, applied ones must not change, and
//! destructive operations in a new one are called out line by line.

use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexSet};

mod declared;

use declared::Declared;
pub use declared::{wanted_dirs, CONFIG_FILES};

use super::{Check, RuleMeta};
use crate::{Action, ChangeSet, ChangeStatus, FileChange, Finding, Policy};

/// A migration was added.
pub const NEW: &str = "migration/new-migration";
/// An existing migration was edited, deleted or renamed.
pub const APPLIED_EDIT: &str = "migration/applied-edit";
/// A new migration drops, truncates or deletes data.
pub const DESTRUCTIVE: &str = "migration/destructive-operation";
pub use crate::rule::NO_ROLLBACK;
/// A schema file changes without a migration in the same change.
pub const SCHEMA_DRIFT: &str = "migration/schema-drift";

/// This check's rules.
pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        id: NEW,
        default_action: Action::Review,
        summary: "A new database migration is added",
        what_it_does: "Flags added files that are migrations: by the conventional layouts of Django, Rails, Alembic / Flask-Migrate, Flyway, Liquibase, Prisma, Supabase, Drizzle, golang-migrate, goose, dbmate, sqlx, Knex, Sequelize, TypeORM, Ecto, Diesel, Entity Framework, Laravel, Doctrine, Phinx and Sqitch; by a versioned file or folder (`0003_x`, a timestamp, `V3__x`) under a directory named migrations, migration, migrate or changelog at any depth, engine sub-directories included, whose content is a migration (SQL that changes a schema or its data, a framework's migration class or functions, a Liquibase changelog); by the locations the repository's own configuration declares (`alembic.ini` `script_location` / `version_locations`, `flyway.conf` / `flyway.toml` `locations`, `atlas.hcl` `migration { dir }`, `drizzle.config.*` `out`, Prisma's schema or migrations path in `package.json` or `prisma.config.ts`, a Liquibase master changelog's `include`/`includeAll` and `changeLogFile` in `liquibase.properties`, Spring Boot's `spring.flyway.locations` and `spring.liquibase.change-log`; each applies to its own directory and below, read from the change and the tree it lands on); or by `[migrations] paths`. A `migrations/` folder of documentation or one-off scripts is not flagged.",
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
    RuleMeta {
        id: NO_ROLLBACK,
        default_action: Action::Warn,
        summary: "A new migration has no rollback",
        what_it_does: "For frameworks with rollbacks, flags a new migration that cannot be undone: a golang-migrate `.up.sql` without its `.down.sql`, a Diesel `up.sql` without a non-empty `down.sql`, a goose/dbmate/sql-migrate file without a Down section, an Alembic `downgrade()` that is missing or only `pass`es, a Knex/Sequelize/TypeORM migration without `down`, a Rails `change` with irreversible operations (`execute`, `change_column`, `remove_column` without a type, `drop_table` without a block) and no `down`, `ActiveRecord::IrreversibleMigration`, and Django `RunPython`/`RunSQL` without a reverse. Agents get `review` (see `agent-action`).",
        why_is_this_bad: "A deploy that goes wrong is undone by rolling its migration back; without a down step the only way back is a restore from backup, under pressure. Design the rollback before handing a change to automation.",
        how_to_fix: "Write the down migration (the inverse statements, `def down`, `downgrade()`, `reverse_code=`), or state in the migration why it is irreversible and have a person approve it.",
    },
    RuleMeta {
        id: SCHEMA_DRIFT,
        default_action: Action::Review,
        summary: "A schema file changes without a new migration",
        what_it_does: "Flags changes to schema files that migrations generate or that should be followed by one (Rails `db/schema.rb` and `db/structure.sql`, Prisma `schema.prisma`) when the same change adds no migration.",
        why_is_this_bad: "The schema file then describes a database no migration produces: fresh environments built from the schema and production built from migrations drift apart, and the next generated migration carries surprises.",
        how_to_fix: "Generate the migration for the schema change (`rails g migration`, `prisma migrate dev`) and commit both together; for a project that syncs the schema without migrations (`prisma db push`), set `[rules.\"migration/schema-drift\"] action = \"allow\"`.",
    },
];

/// (glob, framework): the layouts frameworks create by convention. A path matching one
/// is a migration whatever it contains (an empty new migration still needs review).
const FRAMEWORKS: &[(&str, &str)] = &[
    ("**/migrations/[0-9][0-9][0-9][0-9]_*.py", "Django"),
    ("**/db/migrate/*.rb", "Rails"),
    ("**/alembic/versions/*.py", "Alembic"),
    ("**/migrations/versions/*.py", "Alembic / Flask-Migrate"),
    // Versioned (V), undo (U, Teams edition) and baseline (B) migrations.
    ("**/db/migration/{V,U,B}*__*.sql", "Flyway"),
    ("**/db/migration/{V,U,B}*__*.java", "Flyway"),
    ("**/{V,U,B}[0-9]*__*.sql", "Flyway"),
    ("**/R__*.sql", "Flyway"),
    ("**/db/changelog/**/*.xml", "Liquibase"),
    ("**/db/changelog/**/*.yaml", "Liquibase"),
    ("**/db/changelog/**/*.yml", "Liquibase"),
    ("**/db/changelog/**/*.sql", "Liquibase"),
    ("**/db/changelog/**/*.json", "Liquibase"),
    ("**/prisma/migrations/*/migration.sql", "Prisma"),
    ("**/supabase/migrations/*.sql", "Supabase"),
    ("**/drizzle/[0-9][0-9][0-9][0-9]_*.sql", "Drizzle"),
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
    // Every Ecto repo keeps its migrations in priv/<repo>/migrations (`repo` is only the
    // default name: `priv/analytics_repo/migrations`).
    ("**/priv/*/migrations/*.exs", "Ecto"),
    ("**/migrations/*/up.sql", "Diesel"),
    ("**/migrations/*/down.sql", "Diesel"),
    ("**/Migrations/[0-9]*_*.cs", "Entity Framework"),
    ("**/database/migrations/*.php", "Laravel"),
    ("**/{M,m}igrations/Version[0-9]*.php", "Doctrine"),
    ("**/db/migrations/[0-9]*_*.php", "Phinx"),
];

/// Directory names migrations live under, at any depth, in any framework's layout.
const MIGRATION_DIRS: &[&str] = &[
    "migrations",
    "migration",
    "migrate",
    "changelog",
    "changelogs",
    "changesets",
];

/// File kinds a migration is written in (documentation and data files are not).
const MIGRATION_EXTENSIONS: &[&str] = &[
    "sql", "cql", "py", "rb", "js", "mjs", "cjs", "ts", "go", "php", "exs", "cs", "java", "kt",
    "xml", "yaml", "yml", "json",
];

/// What a migration contains, by kind of file: SQL statements that change a schema or
/// its data (or a migration tool's markers), a framework's migration class or
/// functions, a Liquibase changelog.
const SQL_EVIDENCE: &str = r"(?im)^\s*(?:CREATE|ALTER|DROP|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|TRUNCATE|RENAME|COMMENT\s+ON|GRANT|REVOKE)\b|^\s*--\s*(?:\+goose|\+migrate|migrate:(?:up|down)|Deploy\s|Revert\s)";
const CODE_EVIDENCE: &str = r"(?m)\b(?:Migration|AbstractMigration|MigrationInterface|MigrationBuilder|ActiveRecord::Migration|Ecto\.Migration|migrations\.(?:Migration|RunSQL|RunPython|AddField|CreateModel)|queryInterface|knex\.schema|goose\.AddMigration|op\.(?:create|add|drop|alter|execute)\w*|Schema::(?:create|table|drop))\b|^\s*(?:def\s+(?:upgrade|downgrade)\s*\(|exports\.(?:up|down)\s*=)";
const CHANGELOG_EVIDENCE: &str = r"(?i)databaseChangeLog|changeSet";

/// Whether `path` is laid out like a migration under a migrations directory at any
/// depth: `config/migrations/postgres/3_add.up.sql`, `db/mysql/migrations/04_x/migration.sql`.
/// The file or a directory below the migrations directory carries a version (a number,
/// a timestamp, `V3__`), and the file is of a kind migrations are written in.
fn generic_layout(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some(dir) = parts[..parts.len().saturating_sub(1)]
        .iter()
        .rposition(|p| MIGRATION_DIRS.contains(&p.to_ascii_lowercase().as_str()))
    else {
        return false;
    };
    let below = &parts[dir + 1..];
    let file = below.last().copied().unwrap_or_default();
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    below.len() <= 4
        && ext.is_some_and(|e| MIGRATION_EXTENSIONS.contains(&e.as_str()))
        && below.iter().any(|p| versioned(p))
}

/// `0001_init`, `20240101120000-add`, `2024-01-01-000000_x`, `3.up.sql`, and Flyway's
/// versioned, undo and baseline names `V3__x`, `U3__x`, `B3__x`.
fn versioned(name: &str) -> bool {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    let after = name.as_bytes().get(digits).copied();
    (digits > 0 && matches!(after, Some(b'_' | b'-' | b'.') | None))
        || (name.starts_with(['V', 'v', 'U', 'B'])
            && name[1..].bytes().take_while(u8::is_ascii_digit).count() > 0
            && name.contains("__"))
}

/// What a file found by [`generic_layout`] must contain to count as a migration, and
/// the framework its content or layout names.
fn generic_framework(path: &str, data: &[u8]) -> Option<&'static str> {
    let c = compiled();
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let lower = path.to_ascii_lowercase();
    if matches!(ext, "sql" | "cql") {
        c.sql_evidence.find(data)?;
        return Some(if let Some(tool) = sql_tool(data) {
            tool
        } else if lower.ends_with(".up.sql") || lower.ends_with(".down.sql") {
            "golang-migrate"
        } else if lower.ends_with("/migration.sql") {
            "Prisma"
        } else if lower.ends_with("/up.sql") || lower.ends_with("/down.sql") {
            "Diesel"
        } else {
            "SQL"
        });
    }
    if matches!(ext, "xml" | "yaml" | "yml" | "json") {
        return c.changelog_evidence.is_match(data).then_some("Liquibase");
    }
    if !c.code_evidence.is_match(data) {
        return None;
    }
    let named = CODE_TOOLS
        .iter()
        .find(|(needle, _)| memchr::memmem::find(data, needle.as_bytes()).is_some());
    Some(named.map_or("numbered", |(_, fw)| fw))
}

/// The framework a migration in code is written for, by a name only it uses.
const CODE_TOOLS: &[(&str, &str)] = &[
    ("ActiveRecord::Migration", "Rails"),
    ("Ecto.Migration", "Ecto"),
    ("MigrationInterface", "TypeORM"),
    ("MigrationBuilder", "Entity Framework"),
    ("queryInterface", "Sequelize"),
    ("knex", "Knex"),
    ("goose.", "goose"),
    ("AbstractMigration", "Doctrine / Phinx"),
    ("Schema::", "Laravel"),
    ("alembic", "Alembic"),
    ("migrations.", "Django"),
    ("op.", "Alembic"),
];

/// The tool a plain numbered SQL migration is written for, by its section markers
/// (several tools share the `migrations/<version>_<name>.sql` layout).
fn sql_tool(data: &[u8]) -> Option<&'static str> {
    let c = compiled();
    let m = c.sql_tool.find(data)?;
    Some(match m.as_bytes().to_ascii_lowercase().as_slice() {
        b if b.ends_with(b"goose") => "goose",
        b if b.ends_with(b"migrate:") => "dbmate",
        _ => "sql-migrate",
    })
}

/// Sqitch keeps deploy and revert scripts in `deploy/` and `revert/`, each opening with
/// a `-- Deploy project:change` header.
fn sqitch(path: &str, data: &[u8]) -> Option<&'static str> {
    let mut dirs = path.rsplit('/').skip(1);
    let dir = dirs.next()?;
    let header: &[u8] = match dir {
        "deploy" => b"-- Deploy ",
        "revert" => b"-- Revert ",
        _ => return None,
    };
    (path.ends_with(".sql") && data.trim_ascii_start().starts_with(header)).then_some("Sqitch")
}

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
const DOWN_START: &str = r"(?i)^\s*(?:--\s*\+goose\s+Down\b|--\s*\+migrate\s+Down\b|--\s*migrate:down\b|def\s+(?:down|downgrade)\b|exports\.down\b|module\.exports\.down\b|(?:public\s+|protected\s+override\s+|override\s+)?(?:async\s+)?(?:void\s+|function\s+)?down\s*[:(=]|down\s*:\s*(?:async\s*)?(?:function|\())";
const UP_START: &str = r"(?i)^\s*(?:--\s*\+goose\s+Up\b|--\s*\+migrate\s+Up\b|--\s*migrate:up\b|def\s+(?:up|upgrade|change)\b|exports\.up\b|module\.exports\.up\b|(?:public\s+|protected\s+override\s+|override\s+)?(?:async\s+)?(?:void\s+|function\s+)?up\s*[:(=]|up\s*:\s*(?:async\s*)?(?:function|\())";

struct Compiled {
    globs: GlobSet,
    sql_evidence: Regex,
    code_evidence: Regex,
    changelog_evidence: Regex,
    sql_tool: Regex,
    rails_irreversible: Regex,
    js_up: Regex,
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
            sql_evidence: re(SQL_EVIDENCE),
            code_evidence: re(CODE_EVIDENCE),
            changelog_evidence: re(CHANGELOG_EVIDENCE),
            rails_irreversible: re(r"(?m)^\s*(?:execute\b.*|change_column\b.*|remove_column\s+:\w+\s*,\s*:\w+\s*$|drop_table\s+:\w+\s*$)"),
            js_up: re(r"(?m)^\s*(?:exports\.up\b|module\.exports\.up\b|(?:public\s+)?(?:async\s+)?up\s*[(:=])"),
            sql_tool: re(r"(?im)^\s*--\s*(?:\+goose|migrate:|\+migrate)"),
            destructive: RegexSet::new(DESTRUCTIVE_PATTERNS)
                .unwrap_or_else(|e| panic!("destructive patterns: {e}")),
            delete_from: re(r"(?i)\bDELETE\s+FROM\b"),
            down_start: re(DOWN_START),
            up_start: re(UP_START),
        }
    })
}

/// Whether a built-in layout could match `path`: each names a directory or file pattern
/// (`migrat…`, `changelog`, `alembic`, `drizzle`, Sqitch's `deploy/`, Flyway's `V1__`),
/// so the paths of an ordinary commit skip the glob set (a few milliseconds to build)
/// and are not read past `max-file-size` for evidence.
pub fn could_be_migration(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        "migrat",
        "changelog",
        "changeset",
        "alembic",
        "drizzle",
        "deploy/",
        "revert/",
        "__",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

/// The migration framework `path` belongs to, if it is a migration: by a framework's
/// conventional layout, else by a versioned file under a migrations directory whose
/// `data` looks like a migration (a `migrations/` folder of documentation or of one-off
/// scripts is not one).
pub fn framework(path: &str, data: Option<&[u8]>, policy: &Policy) -> Option<&'static str> {
    framework_in(path, data, policy, &Declared::none())
}

/// [`framework`], with the locations the repository's own configuration declares.
fn framework_in(
    path: &str,
    data: Option<&[u8]>,
    policy: &Policy,
    declared: &Declared,
) -> Option<&'static str> {
    if policy.migrations.exclude.is_match(path) {
        return None;
    }
    if policy.migrations.extra.is_match(path) {
        return Some("migrations.paths");
    }
    if let Some(fw) = declared.framework(path) {
        return Some(fw);
    }
    if !could_be_migration(path) {
        return None;
    }
    if let Some(&i) = compiled().globs.matches(path).first() {
        let fw = FRAMEWORKS[i].1;
        if fw == "goose / sqlx" {
            return Some(data.and_then(sql_tool).unwrap_or(fw));
        }
        return Some(fw);
    }
    let data = data?;
    if generic_layout(path) {
        return generic_framework(path, data);
    }
    sqitch(path, data)
}

/// Whether the old side of a rename was a migration already, wherever it lived: a
/// versioned file name and migration content.
fn versioned_migration(old_path: &str, change: &FileChange) -> bool {
    let name = old_path.rsplit('/').next().unwrap_or(old_path);
    let named = versioned(name)
        || old_path
            .rsplit('/')
            .nth(1)
            .is_some_and(|dir| versioned(dir) && name == "migration.sql");
    named
        && change
            .old_contents()
            .and_then(|data| generic_framework(old_path, data))
            .is_some()
}

fn is_down_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    path.ends_with(".down.sql")
        || path.ends_with("/down.sql")
        || path.contains("/revert/")
        // Flyway undo migration: U3__x.sql reverses V3__x.sql.
        || (file.starts_with('U') && versioned(file))
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
        let declared = Declared::of(changes);
        let framework = |path: &str, data| framework_in(path, data, policy, &declared);
        schema_drift(changes, policy, &declared, out);
        for change in &changes.files {
            // A deleted file is judged by what it held.
            let new_data = change.new_contents().or(change.old_contents());
            let new_fw = framework(&change.path, new_data);
            let old_fw = change
                .old_path
                .as_deref()
                .and_then(|p| framework(p, change.old_contents()));
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
                        if let Some(why) = missing_rollback(change, fw, changes) {
                            out.push(Finding::for_file(
                                NO_ROLLBACK,
                                RULES[3].default_action,
                                &change.path,
                                format!(
                                    "{} is a new {fw} migration with no rollback: {why}",
                                    change.path
                                ),
                                RULES[3].how_to_fix.to_owned(),
                            ));
                        }
                    }
                }
                ChangeStatus::Deleted => {
                    if let Some(fw) = new_fw {
                        out.push(applied(change, &change.path, fw, "deleted"));
                    }
                }
                ChangeStatus::Renamed => {
                    let from = change.old_path.as_deref().unwrap_or_default();
                    if let Some(fw) = old_fw {
                        out.push(applied(change, from, fw, "renamed"));
                    } else if let Some(fw) = new_fw.filter(|_| versioned_migration(from, change)) {
                        // Moved into a layout from a place no layout names (`db/sql/`,
                        // a folder being reorganised): it already was a versioned
                        // migration, so it may already be applied.
                        out.push(applied(change, from, fw, "moved into a migration layout"));
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

/// Schema files and the framework that keeps them in step with its migrations.
fn schema_file(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "schema.rb" | "structure.sql" if path.ends_with(&format!("db/{name}")) => Some("Rails"),
        "schema.prisma" => Some("Prisma"),
        _ => None,
    }
}

/// A schema file edited in a change that adds no migration.
fn schema_drift(changes: &ChangeSet, policy: &Policy, declared: &Declared, out: &mut Vec<Finding>) {
    let adds_migration = || {
        changes.files.iter().any(|c| {
            matches!(c.status, ChangeStatus::Added | ChangeStatus::Renamed)
                && framework_in(&c.path, c.new_contents(), policy, declared).is_some()
        })
    };
    for change in &changes.files {
        if !matches!(change.status, ChangeStatus::Modified | ChangeStatus::Added) {
            continue;
        }
        let Some(fw) = schema_file(&change.path) else {
            continue;
        };
        // A new schema file is a project being set up.
        if change.status == ChangeStatus::Added {
            continue;
        }
        // What changed in the statements that describe the database, added or removed
        // (a dropped column is a removed line); comments, blank lines, order, and
        // Prisma's generator and datasource blocks (the client and the connection) are
        // not schema.
        let new = schema_statements(fw, change.new_contents().unwrap_or_default());
        let old = schema_statements(fw, change.old_contents().unwrap_or_default());
        fn sorted<'a>(s: &[(u32, &'a [u8])]) -> Vec<&'a [u8]> {
            let mut v: Vec<&[u8]> = s.iter().map(|x| x.1).collect();
            v.sort_unstable();
            v
        }
        if sorted(&new) == sorted(&old) || adds_migration() {
            continue;
        }
        let old_set: std::collections::HashSet<&[u8]> = old.iter().map(|x| x.1).collect();
        let mut f = Finding::for_file(
            SCHEMA_DRIFT,
            RULES[4].default_action,
            &change.path,
            format!(
                "{} changes the {fw} schema but this change adds no migration",
                change.path
            ),
            RULES[4].how_to_fix.to_owned(),
        );
        if let Some(&(line, _)) = new.iter().find(|x| !old_set.contains(x.1)) {
            f.line = line;
        }
        out.push(f);
    }
}

/// The statements of a schema file, trimmed, with their line numbers: no blank lines,
/// comments, or (Prisma) `generator` and `datasource` blocks and relation fields. A
/// relation field (`posts Post[]`, `author User @relation(…)`) names another model and
/// has no column of its own: the foreign key is a scalar field beside it.
fn schema_statements<'a>(fw: &str, data: &'a [u8]) -> Vec<(u32, &'a [u8])> {
    let mut out = Vec::new();
    let mut in_config_block = false;
    let models: std::collections::HashSet<&[u8]> = if fw == "Prisma" {
        data.split(|&b| b == b'\n')
            .filter_map(|l| l.trim_ascii().strip_prefix(b"model "))
            .filter_map(|rest| rest.split(|b| b.is_ascii_whitespace() || *b == b'{').next())
            .filter(|name| !name.is_empty())
            .collect()
    } else {
        Default::default()
    };
    let relation = |t: &[u8]| {
        let mut words = t
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty());
        let (Some(_), Some(ty)) = (words.next(), words.next()) else {
            return false;
        };
        let ty = ty.strip_suffix(b"?").unwrap_or(ty);
        let ty = ty.strip_suffix(b"[]").unwrap_or(ty);
        models.contains(ty)
    };
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        let t = line.trim_ascii();
        if t.is_empty() || t.starts_with(b"#") || t.starts_with(b"//") || t.starts_with(b"--") {
            continue;
        }
        if fw == "Prisma" {
            if t.starts_with(b"generator ") || t.starts_with(b"datasource ") {
                in_config_block = !t.ends_with(b"}");
                continue;
            }
            if in_config_block {
                in_config_block = !t.starts_with(b"}");
                continue;
            }
            if relation(t) {
                continue;
            }
        }
        out.push((u32::try_from(i + 1).unwrap_or(u32::MAX), t));
    }
    out
}

/// Why a new migration cannot be rolled back, for the frameworks that have rollbacks.
fn missing_rollback(change: &FileChange, fw: &str, changes: &ChangeSet) -> Option<String> {
    let data = change.new_contents()?;
    let path = change.path.as_str();
    let added = |p: &str| {
        changes
            .files
            .iter()
            .find(|c| c.path == p && c.status != ChangeStatus::Deleted)
    };
    if let Some(stem) = path.strip_suffix(".up.sql") {
        let down = format!("{stem}.down.sql");
        return added(&down)
            .is_none()
            .then(|| format!("no {down} in this change"));
    }
    if let Some(dir) = path.strip_suffix("/up.sql") {
        let down = format!("{dir}/down.sql");
        return match added(&down).and_then(FileChange::new_contents) {
            None => Some(format!("no {down} in this change")),
            Some(d) if !has_statement(d) => Some(format!("{down} is empty")),
            Some(_) => None,
        };
    }
    let text = String::from_utf8_lossy(data);
    let c = compiled();
    match fw {
        "goose" | "dbmate" | "sql-migrate" => {
            let mut lines = data.split(|&b| b == b'\n');
            if !lines.any(|l| c.down_start.is_match(l)) {
                return Some("it has no Down section".to_owned());
            }
            // The rest of the file after the Down marker (an Up marker after it would
            // have been written first by every tool's convention).
            let rest: Vec<&[u8]> = lines.collect();
            (!rest.iter().any(|l| has_statement(l)))
                .then(|| "its Down section has no statements".to_owned())
        }
        _ if text.contains("def upgrade") => match text.find("def downgrade") {
            None => Some("no downgrade()".to_owned()),
            Some(at) if python_body_is_empty(&text[at..]) => {
                Some("downgrade() does nothing".to_owned())
            }
            Some(_) => None,
        },
        _ if text.contains("ActiveRecord::IrreversibleMigration") => {
            Some("it raises ActiveRecord::IrreversibleMigration".to_owned())
        }
        _ if text.contains("ActiveRecord::Migration") => {
            let has_down = text.lines().any(|l| l.trim_start().starts_with("def down"));
            let change_body = text.split("def change").nth(1)?;
            let op = c.rails_irreversible.find(change_body.as_bytes())?;
            (!has_down && !change_body.contains("reversible")).then(|| {
                format!(
                    "`{}` in `change` cannot be reversed automatically and there is no `down`",
                    String::from_utf8_lossy(op.as_bytes()).trim()
                )
            })
        }
        _ if text.contains("migrations.RunPython(") || text.contains("migrations.RunSQL(") => {
            let calls = text.split("migrations.Run").skip(1);
            // `RunPython.noop` as an argument is a reverse, not another call.
            let mut calls = calls.filter(|c| c.starts_with("Python(") || c.starts_with("SQL("));
            let irreversible = calls.any(|call| {
                let args = call_arguments(call);
                !(args.contains("reverse_code")
                    || args.contains("reverse_sql")
                    || has_second_argument(args))
            });
            irreversible.then(|| "RunPython/RunSQL without a reverse".to_owned())
        }
        _ if c.js_up.is_match(data) => (!data
            .split(|&b| b == b'\n')
            .any(|l| c.down_start.is_match(l)))
        .then(|| "it defines `up` but no `down`".to_owned()),
        _ => None,
    }
}

/// Whether SQL text has a statement (anything but blanks and comments).
fn has_statement(sql: &[u8]) -> bool {
    sql.split(|&b| b == b'\n').any(|l| {
        let t = l.trim_ascii();
        !t.is_empty() && !t.starts_with(b"--") && !t.starts_with(b"/*") && !t.starts_with(b"*")
    })
}

/// Whether the Python function starting at `def` only `pass`es (docstrings and
/// comments aside).
fn python_body_is_empty(def: &str) -> bool {
    let mut body = def
        .lines()
        .skip(1)
        .take_while(|l| l.trim().is_empty() || l.starts_with(' ') || l.starts_with('\t'));
    body.all(|l| {
        let t = l.trim();
        t.is_empty() || t == "pass" || t.starts_with('#') || t.starts_with("\"\"\"") || t == "..."
    })
}

/// The text of a call's arguments, from its `(` to the matching `)` (or the end).
fn call_arguments(call: &str) -> &str {
    let Some(open) = call.find('(') else {
        return "";
    };
    let mut depth = 0i32;
    for (i, ch) in call[open..].char_indices() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return &call[open..open + i + 1];
                }
            }
            _ => {}
        }
    }
    &call[open..]
}

/// `RunPython(forwards, backwards)` / `RunSQL(sql, reverse)`: a second argument at the
/// top level of the call is the reverse.
fn has_second_argument(args: &str) -> bool {
    let mut depth = 0i32;
    for ch in args.chars() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 1 => return true,
            _ => {}
        }
    }
    false
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
