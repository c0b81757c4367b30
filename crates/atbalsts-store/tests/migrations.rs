//! The two dialects must move in step: the same migrations, by number and name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::migration_files;

fn names(dialect: &str) -> Vec<String> {
    migration_files(dialect)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sqlite_and_postgres_migrations_match() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[test]
fn both_dialects_create_the_same_tables_and_indexes() {
    let objects = |dialect: &str| {
        let mut found = Vec::new();
        for path in migration_files(dialect) {
            for line in std::fs::read_to_string(path).unwrap().lines() {
                let line = line.trim();
                if let Some(rest) = line
                    .strip_prefix("CREATE TABLE ")
                    .or_else(|| line.strip_prefix("CREATE INDEX "))
                {
                    found.push(rest.split_whitespace().next().unwrap().to_string());
                }
            }
        }
        found
    };
    let sqlite = objects("sqlite");
    assert!(sqlite.len() > 20);
    assert_eq!(sqlite, objects("postgres"));
}
