//! Migration detection, rollback checks and destructive-statement search on arbitrary
//! content at the paths of every supported framework, with the old side also read as a
//! framework configuration file that declares migration locations: findings or silence,
//! never a panic, and every line a finding names is a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::checks::migrations::{framework, Migrations, CONFIG_FILES};
use scopecheck_core::checks::Check;

#[path = "common.rs"]
mod common;

const PATHS: &[&str] = &[
    "app/migrations/0002_auto.py",
    "db/migrate/20240101120000_add_users.rb",
    "alembic/versions/abc123_add.py",
    "src/main/resources/db/migration/V3__add.sql",
    "src/main/resources/db/changelog/db.changelog-master.xml",
    "src/main/resources/db/changelog/changes/001.yaml",
    "prisma/migrations/20240101_init/migration.sql",
    "db/postgresql/migrations/07_remove_user_id/migration.sql",
    "drizzle/0001_cool_name.sql",
    "supabase/migrations/20240101000000_init.sql",
    "migrations/20240101000000_init.up.sql",
    "migrations/20240101000000_init.down.sql",
    "internal/migrations/clickhouse/20250121202552_create_view.up.sql",
    "db/migrations/20240101000000_x.sql",
    "migrations/2024-01-01-000000_create/up.sql",
    "migrations/2024-01-01-000000_create/down.sql",
    "migrations/20240101_add.js",
    "src/migrations/1700000000000-Init.ts",
    "priv/repo/migrations/20240101_add.exs",
    "Migrations/20240101_Init.cs",
    "database/migrations/2024_01_01_000000_create_users_table.php",
    "deploy/add_users.sql",
    "docs/migrations/0001_guide.md",
    "db/schema.rb",
    "db/structure.sql",
    "prisma/schema.prisma",
    "src/db/schema.ts",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let policy = common::policy();
    let _ = framework(path, Some(rest), policy);
    let (old, new) = common::sides(rest);
    let lines = new.split(|&b| b == b'\n').count();
    let config = CONFIG_FILES[rest.len() % CONFIG_FILES.len()];
    let mut declared = common::change(path, None, new);
    declared.context.push((config.to_owned(), old.to_vec()));
    for cs in [common::change(path, None, new), common::change(path, Some(old), new), declared] {
        let mut out = Vec::new();
        Migrations.run(&cs, policy, &mut out);
        for f in &out {
            assert!(f.line as usize <= lines, "{}: line {} of {lines}", f.rule, f.line);
        }
    }
});
