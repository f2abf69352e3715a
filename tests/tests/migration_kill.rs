//! A phone killed in the middle of a schema migration: the database must still open, with
//! nothing that was stored before lost, and the migration must complete on the next open.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use companion_core::keys::DatabaseKey;
use companion_core::scope::ACCOUNT_MIGRATIONS;
use companion_core::store::Store;
use companion_tests::key_to_hex;

#[test]
fn killed_mid_migration_database_opens_intact_and_migrates_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("companion.db");
    let key = DatabaseKey::generate();
    {
        let store = Store::open(&path, &key, &ACCOUNT_MIGRATIONS[..1]).unwrap();
        store
            .write(|w| w.set_meta("last_scan", "pallet 00012345678905"))
            .unwrap();
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_slow_migration"))
        .arg(&path)
        .arg(key_to_hex(&key))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "migrating");
    // Let it get well into the slow migration's transaction, then kill -9.
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the helper finished before it was killed; make SLOW slower"
    );

    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key_to_hex(&key)))
        .unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(
        version <= ACCOUNT_MIGRATIONS.len() as u32,
        "killed before the slow migration committed"
    );
    let partial: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'pallet_history'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(partial, 0, "no half-applied migration is visible");
    drop(conn);

    // The next launch: integrity check passes, data is there, migrations complete.
    let store = Store::open(&path, &key, ACCOUNT_MIGRATIONS).unwrap();
    assert_eq!(
        store.read(|r| r.meta("last_scan")).unwrap().as_deref(),
        Some("pallet 00012345678905")
    );
    let version: u32 = store
        .read(|c| Ok(c.pragma_query_value("user_version", |r| r.get(0))?))
        .unwrap();
    assert_eq!(version, ACCOUNT_MIGRATIONS.len() as u32);
}
