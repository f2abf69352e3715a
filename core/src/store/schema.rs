//! Versioned schema migrations of the account database.
//!
//! Each migration runs in its own transaction together with the `user_version` bump, so a
//! process killed mid-migration leaves the database at the previous version, intact, and
//! the next open simply runs the migration again. Append new migrations; never edit one
//! that has shipped. The store knows no feature: each feature owns its SQL, and the account
//! scope (`crate::scope`) lists the steps in the order they shipped.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// One schema step. `version` starts at 1 and increases by one.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The first step of every account database: the `meta` table, where components keep
/// small per-account state (cursors, settings) as key/value pairs.
pub const META_MIGRATION: Migration = Migration {
    version: 1,
    name: "meta",
    sql: "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;",
};

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

    const STEPS: &[Migration] = &[
        META_MIGRATION,
        Migration {
            version: 2,
            name: "t",
            sql: "CREATE TABLE t (x INTEGER) STRICT;",
        },
    ];

    #[test]
    fn newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("new.db")).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = migrate(&mut conn, STEPS).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn failing_migration_leaves_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("f.db")).unwrap();
        migrate(&mut conn, &STEPS[..1]).unwrap();
        let broken = [
            META_MIGRATION,
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
