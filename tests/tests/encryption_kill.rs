//! A phone killed while its plaintext database from the previous release is being
//! encrypted: at every instant the account has either the old plaintext database or the new
//! encrypted one, with every row, never neither and never a half-made one.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use companion_core::keys::DatabaseKey;
use companion_core::scope::ACCOUNT_MIGRATIONS;
use companion_core::store::Store;
use companion_tests::key_to_hex;

/// Enough rows (~40 MB) that the copy takes a while on any machine.
const ROWS: i64 = 600_000;

fn is_plaintext(path: &Path) -> bool {
    std::fs::read(path)
        .unwrap()
        .starts_with(b"SQLite format 3\0")
}

fn rows(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM pallet_history", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn killed_mid_encryption_the_old_or_the_new_database_is_there_whole() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("plain-template.db");
    {
        let store = Store::open_plaintext(&template, ACCOUNT_MIGRATIONS).unwrap();
        store
            .write(|w| w.set_meta("outbox", "receive 40 crates of leeks"))
            .unwrap();
        store
            .write(|tx| {
                tx.execute_batch(&format!(
                    "CREATE TABLE pallet_history (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
                     WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {ROWS})
                     INSERT INTO pallet_history SELECT x, randomblob(48) FROM n;"
                ))?;
                Ok(())
            })
            .unwrap();
    }
    let key = DatabaseKey::generate();
    let path = dir.path().join("companion.db");
    let (mut killed_mid_copy, mut finished) = (0, 0);
    for delay_ms in [5u64, 40, 80, 150, 250, 400, 700, 1200, 3000] {
        for suffix in ["", "-wal", "-shm", ".encrypting"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        std::fs::copy(&template, &path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_open_store"))
            .arg(&path)
            .arg(key_to_hex(&key))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Kept open until the child is gone, so a helper that finishes can print "done".
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "opening");
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        drop(stdout);
        finished += usize::from(status.success());

        assert!(path.exists(), "after {delay_ms} ms: the database is gone");
        if is_plaintext(&path) {
            killed_mid_copy +=
                usize::from(Path::new(&format!("{}.encrypting", path.display())).exists());
            let conn = rusqlite::Connection::open(&path).unwrap();
            assert_eq!(
                rows(&conn),
                ROWS,
                "after {delay_ms} ms: plaintext lost rows"
            );
        } else {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key_to_hex(&key)))
                .unwrap();
            assert_eq!(
                rows(&conn),
                ROWS,
                "after {delay_ms} ms: encrypted copy lost rows"
            );
        }
        // The next launch finishes the job from whatever the kill left.
        let store = Store::open(&path, &key, ACCOUNT_MIGRATIONS).unwrap();
        assert_eq!(
            store.read(|r| r.meta("outbox")).unwrap().as_deref(),
            Some("receive 40 crates of leeks")
        );
        let kept: i64 = store
            .read(|r| Ok(r.query_row("SELECT count(*) FROM pallet_history", [], |row| row.get(0))?))
            .unwrap();
        assert_eq!(kept, ROWS);
        drop(store);
        assert!(!is_plaintext(&path));
    }
    assert!(
        killed_mid_copy > 0,
        "no kill landed during the copy; make ROWS larger"
    );
    assert!(finished < 9, "every helper finished before it was killed");
}
