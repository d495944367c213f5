//! Migration safety for each supported framework's layout, on real repositories:
//! adding, editing, deleting and renaming a migration, and a destructive statement.

mod common;

use common::TestRepo;

struct Case {
    framework: &'static str,
    /// An existing, harmless migration.
    first: &'static str,
    /// Where its rename goes (still a migration path).
    renamed: &'static str,
    /// A new migration with one destructive operation (and a down section that is not).
    second: &'static str,
    body: &'static str,
    destructive_line: u32,
}

const CASES: &[Case] = &[
    Case {
        framework: "Django",
        first: "shop/migrations/0001_initial.py",
        renamed: "shop/migrations/0001_first.py",
        second: "shop/migrations/0002_remove_legacy.py",
        body: "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [\n        migrations.RemoveField(model_name=\"order\", name=\"legacy\"),\n    ]\n",
        destructive_line: 6,
    },
    Case {
        framework: "Rails",
        first: "db/migrate/20240101000000_create_orders.rb",
        renamed: "db/migrate/20240101000000_create_all_orders.rb",
        second: "db/migrate/20240201000000_drop_legacy.rb",
        body: "class DropLegacy < ActiveRecord::Migration[7.1]\n  def up\n    remove_column :orders, :legacy\n  end\n\n  def down\n    add_column :orders, :legacy, :string\n    drop_table :tmp\n  end\nend\n",
        destructive_line: 3,
    },
    Case {
        framework: "Alembic",
        first: "alembic/versions/1a2b3c_create.py",
        renamed: "alembic/versions/1a2b3c_create_orders.py",
        second: "alembic/versions/4d5e6f_drop.py",
        body: "from alembic import op\n\ndef upgrade():\n    op.drop_column(\"orders\", \"legacy\")\n\ndef downgrade():\n    op.drop_table(\"tmp\")\n",
        destructive_line: 4,
    },
    Case {
        framework: "Flyway",
        first: "src/main/resources/db/migration/V1__create.sql",
        renamed: "src/main/resources/db/migration/V1__create_orders.sql",
        second: "src/main/resources/db/migration/V2__drop_legacy.sql",
        body: "-- remove the unused column\nALTER TABLE orders DROP COLUMN legacy;\n",
        destructive_line: 2,
    },
    Case {
        framework: "Liquibase",
        first: "src/main/resources/db/changelog/changes/001-create.xml",
        renamed: "src/main/resources/db/changelog/changes/001-create-orders.xml",
        second: "src/main/resources/db/changelog/changes/002-drop.xml",
        body: "<databaseChangeLog>\n  <changeSet id=\"2\" author=\"a\">\n    <dropTable tableName=\"legacy\"/>\n  </changeSet>\n</databaseChangeLog>\n",
        destructive_line: 3,
    },
    Case {
        framework: "Prisma",
        first: "prisma/migrations/20240101000000_init/migration.sql",
        renamed: "prisma/migrations/20240101000001_init/migration.sql",
        second: "prisma/migrations/20240201000000_drop/migration.sql",
        body: "-- DropTable\nDROP TABLE \"Legacy\";\n",
        destructive_line: 2,
    },
    Case {
        framework: "golang-migrate",
        first: "migrations/000001_create_orders.up.sql",
        renamed: "migrations/000001_create_all_orders.up.sql",
        second: "migrations/000002_drop_legacy.up.sql",
        body: "BEGIN;\nDROP TABLE legacy;\nCOMMIT;\n",
        destructive_line: 2,
    },
    Case {
        framework: "goose",
        first: "db/migrations/20240101000000_create.sql",
        renamed: "db/migrations/20240101000000_create_orders.sql",
        second: "db/migrations/20240201000000_truncate.sql",
        body: "-- +goose Up\nTRUNCATE audit_log;\n\n-- +goose Down\nDROP TABLE audit_log_copy;\n",
        destructive_line: 2,
    },
    Case {
        framework: "Knex",
        first: "migrations/20240101000000_create_orders.js",
        renamed: "migrations/20240101000000_create_all_orders.js",
        second: "migrations/20240201000000_drop_legacy.js",
        body: "exports.up = function (knex) {\n  return knex.schema.dropTable(\"legacy\");\n};\n\nexports.down = function (knex) {\n  return knex.schema.dropTable(\"tmp\");\n};\n",
        destructive_line: 2,
    },
    Case {
        framework: "Sequelize",
        first: "migrations/20240101000000-create-orders.js",
        renamed: "migrations/20240101000000-create-all-orders.js",
        second: "migrations/20240201000000-remove-legacy.js",
        body: "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeColumn(\"Orders\", \"legacy\");\n  },\n  async down(queryInterface) {\n    await queryInterface.dropTable(\"Tmp\");\n  },\n};\n",
        destructive_line: 3,
    },
    Case {
        framework: "TypeORM",
        first: "src/migrations/1700000000000-CreateOrders.ts",
        renamed: "src/migrations/1700000000000-CreateAllOrders.ts",
        second: "src/migrations/1700000000001-DropLegacy.ts",
        body: "import { MigrationInterface, QueryRunner } from \"typeorm\";\n\nexport class DropLegacy implements MigrationInterface {\n    public async up(queryRunner: QueryRunner): Promise<void> {\n        await queryRunner.dropColumn(\"orders\", \"legacy\");\n    }\n\n    public async down(queryRunner: QueryRunner): Promise<void> {\n        await queryRunner.dropTable(\"tmp\");\n    }\n}\n",
        destructive_line: 5,
    },
    Case {
        framework: "Ecto",
        first: "priv/repo/migrations/20240101000000_create_orders.exs",
        renamed: "priv/repo/migrations/20240101000000_create_all_orders.exs",
        second: "priv/repo/migrations/20240201000000_drop_legacy.exs",
        body: "defmodule App.Repo.Migrations.DropLegacy do\n  use Ecto.Migration\n\n  def up do\n    drop table(:legacy)\n  end\n\n  def down do\n    drop table(:tmp)\n  end\nend\n",
        destructive_line: 5,
    },
    Case {
        framework: "Diesel",
        first: "migrations/2024-01-01-000000_create_orders/up.sql",
        renamed: "migrations/2024-01-01-000000_create_all_orders/up.sql",
        second: "migrations/2024-02-01-000000_drop_legacy/up.sql",
        body: "DROP TABLE legacy;\n",
        destructive_line: 1,
    },
    Case {
        framework: "sqlx",
        first: "migrations/20240101000000_create_sessions.sql",
        renamed: "migrations/20240101000000_create_all_sessions.sql",
        second: "migrations/20240201000000_clear_sessions.sql",
        body: "-- every session, on purpose?\nDELETE FROM sessions;\nDELETE FROM tokens WHERE expired = true;\n",
        destructive_line: 2,
    },
    Case {
        framework: "Entity Framework",
        first: "Data/Migrations/20240101000000_Init.cs",
        renamed: "Data/Migrations/20240101000000_Initial.cs",
        second: "Data/Migrations/20240201000000_DropLegacy.cs",
        body: "public partial class DropLegacy : Migration\n{\n    protected override void Up(MigrationBuilder migrationBuilder)\n    {\n        migrationBuilder.DropTable(name: \"Legacy\");\n    }\n\n    protected override void Down(MigrationBuilder migrationBuilder)\n    {\n        migrationBuilder.DropTable(name: \"Tmp\");\n    }\n}\n",
        destructive_line: 5,
    },
    Case {
        framework: "Laravel",
        first: "database/migrations/2024_01_01_000000_create_orders_table.php",
        renamed: "database/migrations/2024_01_01_000000_create_all_orders_table.php",
        second: "database/migrations/2024_02_01_000000_drop_legacy_table.php",
        body: "<?php\nreturn new class extends Migration {\n    public function up(): void\n    {\n        Schema::dropIfExists('legacy');\n    }\n\n    public function down(): void\n    {\n        Schema::drop('tmp');\n    }\n};\n",
        destructive_line: 5,
    },
];

fn rules(r: &serde_json::Value) -> Vec<(String, String, String, u64)> {
    all_rules(r)
        .into_iter()
        .filter(|f| f.0 != "migration/no-rollback")
        .collect()
}

/// Every finding, `migration/no-rollback` included.
fn all_rules(r: &serde_json::Value) -> Vec<(String, String, String, u64)> {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["action"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn new_migration(path: &str) -> (String, String, String, u64) {
    (
        "migration/new-migration".into(),
        "review".into(),
        path.into(),
        1,
    )
}

fn applied_edit(path: &str, line: u64) -> (String, String, String, u64) {
    (
        "migration/applied-edit".into(),
        "block".into(),
        path.into(),
        line,
    )
}

#[test]
fn every_framework_add_edit_delete_rename_and_destructive() {
    for case in CASES {
        let fw = case.framework;
        let repo = TestRepo::new();
        repo.stage("README.md", "app\n");
        repo.commit("base");

        // Adding a harmless migration: review.
        repo.stage(case.first, "-- create orders\n");
        let (code, r) = repo.precommit_json();
        assert_eq!(code, 1, "{fw}: review stops the commit: {r}");
        assert_eq!(rules(&r), vec![new_migration(case.first)], "{fw}");
        repo.commit("add migration");

        // A new migration with a destructive operation: named by line; down parts ignored.
        repo.stage(case.second, case.body);
        let (_, r) = repo.precommit_json();
        let got = rules(&r);
        assert!(got.contains(&new_migration(case.second)), "{fw}: {got:?}");
        let destructive: Vec<_> = got
            .iter()
            .filter(|f| f.0 == "migration/destructive-operation")
            .collect();
        assert_eq!(destructive.len(), 1, "{fw}: {got:?}");
        assert_eq!(destructive[0].3, u64::from(case.destructive_line), "{fw}");
        assert_eq!(destructive[0].1, "review");
        repo.commit("second migration");

        // Editing an applied migration: block.
        repo.stage(
            case.first,
            "-- create orders, changed\n-- and a sneaky change\n",
        );
        let (code, r) = repo.precommit_json();
        assert_eq!(code, 1);
        assert_eq!(rules(&r), vec![applied_edit(case.first, 1)], "{fw}");
        repo.git(&["reset", "-q", "--hard"]);

        // Deleting one: block.
        repo.git(&["rm", "-q", case.first]);
        let (_, r) = repo.precommit_json();
        assert_eq!(rules(&r), vec![applied_edit(case.first, 1)], "{fw}");
        repo.git(&["reset", "-q", "--hard"]);

        // Renaming one: block, reported at the old name.
        let parent = std::path::Path::new(case.renamed).parent().expect("parent");
        std::fs::create_dir_all(repo.root.join(parent)).expect("mkdir");
        repo.git(&["mv", case.first, case.renamed]);
        let (_, r) = repo.precommit_json();
        assert_eq!(rules(&r), vec![applied_edit(case.first, 1)], "{fw}");
    }
}

#[test]
fn flyway_repeatable_and_liquibase_appends_are_not_applied_edits() {
    let repo = TestRepo::new();
    repo.stage("db/migration/R__views.sql", "CREATE VIEW v AS SELECT 1;\n");
    repo.stage(
        "db/changelog/changelog.xml",
        "<databaseChangeLog>\n</databaseChangeLog>\n",
    );
    repo.commit("base");
    repo.stage(
        "db/migration/R__views.sql",
        "CREATE OR REPLACE VIEW v AS SELECT 2;\n",
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "a repeatable migration is meant to be edited: {r}");
    repo.git(&["reset", "-q", "--hard"]);
    repo.stage(
        "db/changelog/changelog.xml",
        "<databaseChangeLog>\n</databaseChangeLog>\n<!-- changeset 2 -->\n",
    );
    let (_, r) = repo.precommit_json();
    assert_eq!(
        rules(&r).into_iter().map(|f| f.0).collect::<Vec<_>>(),
        vec!["migration/new-migration"]
    );
}

/// Layouts a replay of real repositories found missed: Flyway undo (`U`) and baseline
/// (`B`) migrations, Ecto repos other than `priv/repo` (recognised by layout, whatever
/// the module they `use`), and a versioned migration moved into a layout from a folder
/// no layout names, which is an existing migration relocated, not a new one.
#[test]
fn flyway_undo_and_baseline_other_ecto_repos_and_migrations_moved_into_a_layout() {
    let repo = TestRepo::new();
    repo.stage(
        "src/main/resources/db/migration/V2__add_legacy.sql",
        "ALTER TABLE orders ADD COLUMN legacy text;\n",
    );
    repo.stage(
        "db/sql/0003_add_index.sql",
        "CREATE INDEX i ON orders (id);\n",
    );
    repo.stage("notes/add_index.sql", "CREATE INDEX j ON orders (id);\n");
    repo.commit("base");

    let undo = "src/main/resources/db/migration/U2__add_legacy.sql";
    let baseline = "src/main/resources/db/migration/B5__baseline.sql";
    let ecto = "apps/metrics/priv/analytics_repo/migrations/20240101000000_create_events.exs";
    repo.stage(undo, "ALTER TABLE orders DROP COLUMN legacy;\n");
    repo.stage(baseline, "CREATE TABLE orders (id bigint);\n");
    repo.stage(
        ecto,
        "defmodule Metrics.AnalyticsRepo.Migrations.CreateEvents do\n  use Metrics.Schema.Changes\n\n  def change do\n    create table(:events)\n  end\nend\n",
    );
    let (_, r) = repo.precommit_json();
    let got = all_rules(&r);
    for path in [undo, baseline, ecto] {
        assert!(got.contains(&new_migration(path)), "{path}: {got:?}");
    }
    // An undo migration is the rollback: its DROP is not a destructive change to review,
    // and it needs no rollback of its own.
    assert!(
        !got.iter()
            .any(|f| f.2 == undo && f.0 != "migration/new-migration"),
        "{got:?}"
    );
    repo.git(&["reset", "-q", "--hard"]);

    // Moved into a layout: the versioned migration was already there (and may have
    // run); an unversioned script moved in and given a version is a new migration.
    std::fs::create_dir_all(repo.root.join("db/migrations")).expect("mkdir");
    repo.git(&[
        "mv",
        "db/sql/0003_add_index.sql",
        "db/migrations/0003_add_index.sql",
    ]);
    repo.git(&[
        "mv",
        "notes/add_index.sql",
        "db/migrations/0004_add_index.sql",
    ]);
    let (_, r) = repo.precommit_json();
    let got = rules(&r);
    assert!(
        got.contains(&applied_edit("db/sql/0003_add_index.sql", 1)),
        "{got:?}"
    );
    assert!(
        got.contains(&new_migration("db/migrations/0004_add_index.sql")),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn user_globs_and_exclusions() {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[migrations]\npaths = [\"schema/changes/*.sql\"]\nexclude-paths = [\"tools/migrations/**\"]\n",
    );
    repo.commit("policy");
    repo.stage("schema/changes/7.sql", "DROP SCHEMA old CASCADE;\n");
    repo.stage(
        "tools/migrations/0001_helper.py",
        "print('not a migration')\n",
    );
    let (_, r) = repo.precommit_json();
    let got: Vec<(String, String)> = rules(&r).into_iter().map(|f| (f.0, f.2)).collect();
    assert_eq!(
        got,
        vec![
            (
                "migration/destructive-operation".into(),
                "schema/changes/7.sql".into()
            ),
            (
                "migration/new-migration".into(),
                "schema/changes/7.sql".into()
            ),
        ]
    );
}

/// Layouts no glob list anticipates, found by a versioned name under a migrations
/// directory at any depth plus migration content; and each newer framework's layout.
#[test]
fn nested_and_unlisted_layouts_are_recognised_by_their_content() {
    let sql = "CREATE TABLE variants (id bigint primary key);\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "config/migrations/postgres/3_variants_attachment.up.sql",
            sql,
            "golang-migrate",
        ),
        (
            "internal/migrations/clickhouse/20250121202552_create_view.down.sql",
            "DROP VIEW IF EXISTS daily;\n",
            "golang-migrate",
        ),
        (
            "db/postgresql/migrations/07_remove_user_id/migration.sql",
            sql,
            "Prisma",
        ),
        (
            "db/mysql/migrations/04_team_redesign/migration.sql",
            sql,
            "Prisma",
        ),
        ("drizzle/0001_brave_storm.sql", sql, "Drizzle"),
        (
            "supabase/migrations/20240101120000_profiles.sql",
            sql,
            "Supabase",
        ),
        (
            "db/migrations/20240101120000_users.sql",
            "-- migrate:up\ncreate table users (id int);\n\n-- migrate:down\ndrop table users;\n",
            "dbmate",
        ),
        ("schema/Migrations/engine/2/0002-add.sql", sql, "SQL"),
        (
            "src/Migrations/Version20240101120000.php",
            "<?php\nfinal class Version20240101120000 extends AbstractMigration {}\n",
            "Doctrine",
        ),
        (
            "db/migrations/20240101120000_create_users.php",
            "<?php\nclass CreateUsers extends AbstractMigration {}\n",
            "Phinx",
        ),
        (
            "services/billing/migration/v2/003_add_invoices.py",
            "from alembic import op\n\ndef upgrade():\n    op.create_table('invoices')\n",
            "Alembic",
        ),
        (
            "deploy/add_users.sql",
            "-- Deploy app:add_users to pg\nBEGIN;\nCREATE TABLE users (id int);\nCOMMIT;\n",
            "Sqitch",
        ),
    ];
    for (path, body, fw) in cases {
        let repo = TestRepo::new();
        repo.stage("README.md", "app\n");
        repo.commit("base");
        repo.stage(path, body);
        let (code, r) = repo.precommit_json();
        assert_eq!(code, 1, "{path}: {r}");
        let got = rules(&r);
        assert!(got.contains(&new_migration(path)), "{path}: {got:?}");
        let message = r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["rule"] == "migration/new-migration")
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default();
        assert!(
            message.contains(&format!("new {fw} migration")),
            "{path}: {message}"
        );
        // Once committed, an edit is an edit of an applied migration.
        repo.commit("add");
        repo.stage(path, format!("{body}-- and one more thing\n"));
        let (_, r) = repo.precommit_json();
        assert!(
            rules(&r)
                .iter()
                .any(|f| f.0 == "migration/applied-edit" && f.2 == *path),
            "{path}: {r}"
        );
    }
}

/// A `migrations/` directory of documentation, one-off scripts or release notes is not a
/// migration: the content decides.
#[test]
fn migration_directories_without_migrations_stay_quiet() {
    let repo = TestRepo::new();
    repo.stage("README.md", "app\n");
    repo.commit("base");
    for (path, body) in [
        (
            "docs/migrations/01-intro.md",
            "# Migrating to v2\nDROP TABLE is gone.\n",
        ),
        (
            "website/migration/2-to-3.mdx",
            "CREATE TABLE in the new API\n",
        ),
        (
            "scripts/migrations/001_fix_users.py",
            "import csv\n\ndef main():\n    print('fixing')\n",
        ),
        (
            "changelog/123.feature.yml",
            "type: feature\ndescription: faster\n",
        ),
        ("tools/migrate/0001_notes.json", "{\"note\": \"hello\"}\n"),
        ("deploy/nginx.sql", "SELECT 1;\n"),
    ] {
        repo.stage(path, body);
    }
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 0, "{r}");
    assert!(rules(&r).is_empty(), "{r}");
}

/// New migrations that cannot be undone where their framework has a down step: a warning
/// for people, review for agents; the same migrations with their rollback pass quietly.
#[test]
fn migrations_without_rollback() {
    let without: &[&[(&str, &str)]] = &[
        &[("migrations/000003_add_index.up.sql", "CREATE INDEX i ON t (c);\n")],
        &[
            ("migrations/2024-03-01-000000_add/up.sql", "ALTER TABLE t ADD c int;\n"),
            ("migrations/2024-03-01-000000_add/down.sql", "-- This file should undo anything in `up.sql`\n"),
        ],
        &[("db/migrations/20240301000000_add.sql", "-- +goose Up\nALTER TABLE t ADD c int;\n")],
        &[("db/migrations/20240301000000_add.sql", "-- migrate:up\nALTER TABLE t ADD c int;\n\n-- migrate:down\n\n")],
        &[("alembic/versions/9f8e_add.py", "from alembic import op\n\ndef upgrade():\n    op.add_column('t', 'c')\n\n\ndef downgrade():\n    pass\n")],
        &[("db/migrate/20240301000000_backfill.rb", "class Backfill < ActiveRecord::Migration[7.1]\n  def change\n    execute \"UPDATE t SET c = 1\"\n  end\nend\n")],
        &[("shop/migrations/0003_backfill.py", "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RunPython(forwards),\n    ]\n")],
        &[("migrations/20240301000000_add.js", "exports.up = function (knex) {\n  return knex.schema.table('t', (t) => t.integer('c'));\n};\n")],
    ];
    let with: &[&[(&str, &str)]] = &[
        &[
            ("migrations/000003_add_index.up.sql", "CREATE INDEX i ON t (c);\n"),
            ("migrations/000003_add_index.down.sql", "DROP INDEX i;\n"),
        ],
        &[
            ("migrations/2024-03-01-000000_add/up.sql", "ALTER TABLE t ADD c int;\n"),
            ("migrations/2024-03-01-000000_add/down.sql", "ALTER TABLE t DROP COLUMN c;\n"),
        ],
        &[("db/migrations/20240301000000_add.sql", "-- +goose Up\nALTER TABLE t ADD c int;\n\n-- +goose Down\nALTER TABLE t DROP COLUMN c;\n")],
        &[("alembic/versions/9f8e_add.py", "from alembic import op\n\ndef upgrade():\n    op.add_column('t', 'c')\n\n\ndef downgrade():\n    op.drop_column('t', 'c')\n")],
        &[("db/migrate/20240301000000_add.rb", "class Add < ActiveRecord::Migration[7.1]\n  def change\n    add_column :t, :c, :integer\n    remove_column :t, :d, :string\n  end\nend\n")],
        &[("shop/migrations/0003_backfill.py", "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RunPython(forwards, migrations.RunPython.noop),\n    ]\n")],
        &[("migrations/20240301000000_add.js", "exports.up = function (knex) {\n  return knex.schema.table('t', (t) => t.integer('c'));\n};\n\nexports.down = function (knex) {\n  return knex.schema.table('t', (t) => t.dropColumn('c'));\n};\n")],
    ];
    let run = |files: &[(&str, &str)], env: &[(&str, &str)]| {
        let repo = TestRepo::new();
        repo.stage("README.md", "app\n");
        repo.commit("base");
        for (path, body) in files {
            repo.stage(path, body);
        }
        let out = repo.scopecheck_env(&["pre-commit", "--format", "json"], env);
        let r: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        all_rules(&r)
            .into_iter()
            .filter(|f| f.0 == "migration/no-rollback")
            .map(|f| (f.1, f.2))
            .collect::<Vec<_>>()
    };
    for files in without {
        assert_eq!(
            run(files, &[]),
            vec![("warn".to_owned(), files[0].0.to_owned())],
            "{files:?}"
        );
        assert_eq!(
            run(files, &[("SCOPECHECK_ACTOR", "agent")]),
            vec![("review".to_owned(), files[0].0.to_owned())],
            "{files:?} by an agent"
        );
    }
    for files in with {
        assert_eq!(run(files, &[]), vec![], "{files:?}");
    }
}

/// A schema file edited without a migration is drift; with one, it is the migration's
/// generated companion.
#[test]
fn schema_changes_without_a_migration() {
    let repo = TestRepo::new();
    repo.stage(
        "db/schema.rb",
        "ActiveRecord::Schema[7.1].define(version: 1) do\nend\n",
    );
    repo.stage("prisma/schema.prisma", "model User {\n  id Int @id\n}\n");
    repo.commit("base");
    repo.stage(
        "db/schema.rb",
        "ActiveRecord::Schema[7.1].define(version: 2) do\n  create_table \"t\"\nend\n",
    );
    repo.stage(
        "prisma/schema.prisma",
        "model User {\n  id Int @id\n  name String\n}\n",
    );
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let got: Vec<(String, String)> = rules(&r).into_iter().map(|f| (f.0, f.2)).collect();
    assert_eq!(
        got,
        vec![
            (
                "migration/schema-drift".to_owned(),
                "db/schema.rb".to_owned()
            ),
            (
                "migration/schema-drift".to_owned(),
                "prisma/schema.prisma".to_owned()
            ),
        ]
    );
    // With the migration that produced it, the schema change is expected.
    repo.stage("db/migrate/20240301000000_create_t.rb", "class CreateT < ActiveRecord::Migration[7.1]\n  def change\n    create_table :t\n  end\nend\n");
    let (_, r) = repo.precommit_json();
    assert!(
        !rules(&r).iter().any(|f| f.0 == "migration/schema-drift"),
        "{r}"
    );
}

/// Prisma's generator and datasource blocks configure the client and the connection,
/// not the database: changing them is no drift (18 of 2,394 replayed umami commits that
/// touch neither migrations nor manifests were flagged for it). A dropped field is, even
/// with no line added.
#[test]
fn prisma_client_settings_are_not_schema_and_a_dropped_field_is() {
    let schema = |generator: &str, fields: &str| {
        format!("generator client {{\n  provider = \"{generator}\"\n  previewFeatures = [\"driverAdapters\"]\n}}\n\ndatasource db {{\n  provider = \"postgresql\"\n}}\n\nmodel User {{\n  id Int @id\n{fields}}}\n")
    };
    let repo = TestRepo::new();
    repo.stage(
        "db/schema.prisma",
        schema("prisma-client", "  name String\n"),
    );
    repo.commit("base");
    repo.stage(
        "db/schema.prisma",
        schema("prisma-client-js", "  name String\n"),
    );
    let (_, r) = repo.precommit_json();
    assert!(
        !rules(&r).iter().any(|f| f.0 == "migration/schema-drift"),
        "{r}"
    );
    repo.stage("db/schema.prisma", schema("prisma-client", ""));
    let (code, r) = repo.precommit_json();
    assert_eq!(code, 1, "{r}");
    let drift: Vec<(String, u64)> = rules(&r)
        .into_iter()
        .filter(|f| f.0 == "migration/schema-drift")
        .map(|f| (f.2, f.3))
        .collect();
    assert_eq!(drift, vec![("db/schema.prisma".to_owned(), 1)]);
}

/// A Prisma relation field names another model and has no column: renaming one, or
/// adding the back-relation list, is no drift; adding the foreign-key column is.
#[test]
fn prisma_relation_fields_are_not_columns() {
    let schema = |user_extra: &str, post_extra: &str| {
        format!("model User {{\n  id Int @id\n{user_extra}}}\n\nmodel Post {{\n  id Int @id\n{post_extra}}}\n")
    };
    let repo = TestRepo::new();
    repo.stage(
        "prisma/schema.prisma",
        schema(
            "  posts Post[]\n",
            "  authorId Int\n  author User @relation(fields: [authorId], references: [id])\n",
        ),
    );
    repo.commit("base");
    repo.stage(
        "prisma/schema.prisma",
        schema(
            "  articles Post[]\n",
            "  authorId Int\n  writer User? @relation(fields: [authorId], references: [id])\n",
        ),
    );
    let (_, r) = repo.precommit_json();
    assert!(
        !rules(&r).iter().any(|f| f.0 == "migration/schema-drift"),
        "{r}"
    );
    repo.stage("prisma/schema.prisma", schema("  articles Post[]\n", "  authorId Int\n  editorId Int\n  writer User? @relation(fields: [authorId], references: [id])\n"));
    let (_, r) = repo.precommit_json();
    let drift: Vec<u64> = rules(&r)
        .into_iter()
        .filter(|f| f.0 == "migration/schema-drift")
        .map(|f| f.3)
        .collect();
    assert_eq!(drift, vec![9], "the new column's line: {r}");
}

#[test]
fn explain_covers_the_migration_rules() {
    let repo = TestRepo::new();
    for rule in [
        "migration/new-migration",
        "migration/applied-edit",
        "migration/destructive-operation",
        "migration/no-rollback",
        "migration/schema-drift",
    ] {
        let run = repo.scopecheck(&["explain", rule]);
        assert_eq!(run.code, 0, "{rule}");
        assert!(run.stdout.contains("## Why is this bad"));
    }
    let run = repo.scopecheck(&["explain", "migration/applied-edit"]);
    assert!(run.stdout.contains("new migration"), "{}", run.stdout);
}

/// Locations the repository's own framework configuration declares, in directories no
/// built-in layout names: found with the configuration committed (read from the index),
/// added in the same change, or in a pushed range (read from each commit's tree); the same
/// files without the configuration are not migrations.
#[test]
fn locations_declared_in_framework_configuration() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "Alembic",
            "backend/alembic.ini",
            "[alembic]\nscript_location = %(here)s/db/revisions\nsqlalchemy.url = driver://\n",
            "backend/db/revisions/versions/1975ea83b712_add_orders.py",
            "from alembic import op\n\ndef upgrade():\n    op.create_table(\"orders\")\n\ndef downgrade():\n    op.drop_table(\"orders\")\n",
        ),
        (
            "Atlas",
            "atlas.hcl",
            "env \"dev\" {\n  migration {\n    dir = \"file://schema/changes\"\n  }\n}\n",
            "schema/changes/20240101000000_init.sql",
            "CREATE TABLE orders (id int);\n",
        ),
        (
            "Drizzle",
            "web/drizzle.config.ts",
            "import { defineConfig } from \"drizzle-kit\";\nexport default defineConfig({ out: \"./db/out\", dialect: \"postgresql\" });\n",
            "web/db/out/0000_init.sql",
            "CREATE TABLE orders (id int);\n",
        ),
        (
            "Flyway",
            "flyway.conf",
            "flyway.url=jdbc:h2:mem:x\nflyway.locations=classpath:db/changes\n",
            "src/main/java/db/changes/V2__Seed_users.java",
            "public class V2__Seed_users extends BaseJavaMigration {}\n",
        ),
        (
            "Liquibase",
            "res/liquibase/db.changelog-master.xml",
            "<databaseChangeLog>\n  <includeAll path=\"sets/\" relativeToChangelogFile=\"true\"/>\n</databaseChangeLog>\n",
            "res/liquibase/sets/002-orders.xml",
            "<databaseChangeLog>\n  <changeSet id=\"2\" author=\"a\">\n    <createTable tableName=\"orders\"/>\n  </changeSet>\n</databaseChangeLog>\n",
        ),
        (
            "Prisma",
            "prisma.config.ts",
            "export default defineConfig({\n  schema: \"db/schema.prisma\",\n  migrations: { path: \"db/history\" },\n});\n",
            "db/history/20240101000000_init/migration.sql",
            "CREATE TABLE \"Order\" (id int);\n",
        ),
    ];
    let migration_findings = |r: &serde_json::Value| -> Vec<(String, String)> {
        rules(r)
            .into_iter()
            .filter(|f| f.0 == "migration/new-migration")
            .map(|f| (f.0, f.2))
            .collect()
    };
    for &(fw, config, config_text, path, body) in cases {
        let expected = vec![("migration/new-migration".to_owned(), path.to_owned())];
        // Without the configuration, the file is not a migration.
        let plain = TestRepo::new();
        plain.stage("README.md", "app\n");
        plain.commit("base");
        plain.stage(path, body);
        let (_, r) = plain.precommit_json();
        assert_eq!(migration_findings(&r), vec![], "{fw}: no configuration");

        // Configuration committed: read from the index.
        let repo = TestRepo::new();
        repo.stage(config, config_text);
        repo.commit("configure");
        repo.stage(path, body);
        let (_, r) = repo.precommit_json();
        assert_eq!(
            migration_findings(&r),
            expected,
            "{fw}: committed configuration"
        );
        let message = r["findings"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(fw), "{fw}: {message}");

        // Configuration added in the same change: read from the change.
        let fresh = TestRepo::new();
        fresh.stage("README.md", "app\n");
        fresh.commit("base");
        fresh.stage(config, config_text);
        fresh.stage(path, body);
        let (_, r) = fresh.precommit_json();
        assert_eq!(
            migration_findings(&r),
            expected,
            "{fw}: configuration in the change"
        );

        // In a range (ci), the configuration is read from the commit's tree.
        repo.commit("migration");
        repo.stage("README.md", "more\n");
        repo.commit("later");
        let run = repo.scopecheck(&[
            "ci", "--base", "HEAD~2", "--head", "HEAD", "--format", "json",
        ]);
        let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        assert_eq!(migration_findings(&r), expected, "{fw}: ci range");

        // Changing a line of it once committed is an edit of an applied migration (a
        // line only added would be a new Liquibase changeset).
        let rest = body.split_once('\n').map_or("", |(_, rest)| rest);
        repo.stage(path, format!("changed\n{rest}"));
        let (_, r) = repo.precommit_json();
        let edits: Vec<String> = rules(&r)
            .into_iter()
            .filter(|f| f.0 == "migration/applied-edit")
            .map(|f| f.2)
            .collect();
        assert_eq!(edits, vec![path.to_owned()], "{fw}: applied edit");
    }
}
