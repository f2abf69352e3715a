//! Versioned schema migrations of the account database.
//!
//! Each migration runs in its own transaction together with the `user_version` bump, so a
//! process killed mid-migration leaves the database at the previous version, intact, and
//! the next open simply runs the migration again. Append new migrations; never edit one
//! that has shipped.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// One schema step. `version` starts at 1 and increases by one.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The account database's migrations, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "meta",
        sql: "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;",
    },
    Migration {
        version: 2,
        name: "inventory",
        sql: crate::inventory::local::MIGRATION_SQL,
    },
    Migration {
        version: 3,
        name: "inventory lots by item",
        sql: "CREATE INDEX inv_lot_item ON inv_lot(warehouse_id, item_id);",
    },
];

/// Brings `conn` to the last version in `migrations`.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<()> {
    let latest = migrations.last().map_or(0, |m| m.version);
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > latest {
        return Err(Error::Storage(format!(
            "database schema version {current} is newer than this app supports ({latest}); update the app"
        )));
    }
    if current == latest {
        return Ok(());
    }
    // All pending steps in one transaction: on a fresh install that is one WAL sync instead
    // of one per step (the cold open is dominated by fsyncs), and a kill leaves the
    // database exactly at its old version.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for migration in migrations.iter().filter(|m| m.version > current) {
        tx.execute_batch(migration.sql).map_err(|e| {
            Error::Storage(format!(
                "migration {} ({}) failed: {e}",
                migration.version, migration.name
            ))
        })?;
        tracing::debug!(
            version = migration.version,
            name = migration.name,
            "migrating account database"
        );
    }
    tx.pragma_update(None, "user_version", latest)?;
    tx.commit()?;
    Ok(())
}

/// The schema as SQLite reports it, for comparing databases.
pub fn dump_schema(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
         WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_contiguous() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version as usize,
                i + 1,
                "migration {} is out of order",
                m.name
            );
        }
    }

    /// A database migrated step by step from every older version must equal a fresh one.
    #[test]
    fn migrated_schema_equals_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = Connection::open(dir.path().join("fresh.db")).unwrap();
        migrate(&mut fresh, MIGRATIONS).unwrap();
        let expected = dump_schema(&fresh).unwrap();
        assert!(!expected.is_empty());
        for start in 1..MIGRATIONS.len() {
            let mut old = Connection::open(dir.path().join(format!("from-{start}.db"))).unwrap();
            migrate(&mut old, &MIGRATIONS[..start]).unwrap();
            migrate(&mut old, MIGRATIONS).unwrap();
            assert_eq!(
                dump_schema(&old).unwrap(),
                expected,
                "migrating from version {start}"
            );
        }
    }

    #[test]
    fn newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("new.db")).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = migrate(&mut conn, MIGRATIONS).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn failing_migration_leaves_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("f.db")).unwrap();
        migrate(&mut conn, &MIGRATIONS[..1]).unwrap();
        let broken = [
            MIGRATIONS[0],
            Migration {
                version: 2,
                name: "broken",
                sql: "CREATE TABLE t (x); INSERT INTO nope VALUES (1);",
            },
        ];
        assert!(migrate(&mut conn, &broken).is_err());
        let v: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        let t: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 't'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(t, 0, "a failed migration must not leave half its tables");
    }
}
