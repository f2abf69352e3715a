//! Test helper process: opens an account database whose newest migration is slow, so the
//! test can kill this process in the middle of it (`tests/migration_kill.rs`).

use companion_core::scope::ACCOUNT_MIGRATIONS as MIGRATIONS;
use companion_core::store::{Migration, Store};

/// Writes a few million rows: seconds of work inside one migration transaction.
pub const SLOW: &str =
    "CREATE TABLE pallet_history (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000)
INSERT INTO pallet_history SELECT x, randomblob(48) FROM n;";

fn main() {
    let (Some(path), Some(key)) = (std::env::args().nth(1), std::env::args().nth(2)) else {
        eprintln!("usage: slow_migration DB_PATH KEY_HEX");
        std::process::exit(2);
    };
    let key = companion_tests::key_from_hex(&key);
    let mut migrations: Vec<Migration> = MIGRATIONS.to_vec();
    migrations.push(Migration {
        version: MIGRATIONS.len() as u32 + 1,
        name: "slow",
        sql: SLOW,
    });
    println!("migrating");
    match Store::open(&path, &key, &migrations) {
        Ok(_) => println!("done"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
