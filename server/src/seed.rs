//! Demo data for development, the README's demo and tests.

use rusqlite::params;

use crate::auth::hash_password;
use crate::db::{Db, now};
use crate::error::StartError;

/// The demo password of every demo user (development only; printed by `companion serve`).
pub const DEMO_PASSWORD: &str = "demo-password";

/// (id, username, display name, warehouses)
pub const DEMO_USERS: &[(&str, &str, &str, &[&str])] = &[
    (
        "acct-maria",
        "maria",
        "Maria Okafor (warehouse)",
        &["wh-north", "wh-south"],
    ),
    (
        "acct-dave",
        "dave",
        "Dave Lindqvist (driver)",
        &["wh-north"],
    ),
    ("acct-lena", "lena", "Lena Park (warehouse)", &["wh-north"]),
];

pub const DEMO_WAREHOUSES: &[(&str, &str)] = &[
    ("wh-north", "North DC — Chilled produce"),
    ("wh-south", "South DC — Ambient & bananas"),
];

/// Creates the demo warehouses and users if they do not exist yet. Idempotent.
pub async fn demo(db: &Db) -> Result<(), StartError> {
    let existing: i64 =
        db.with(|c| c.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)))?;
    if existing > 0 {
        return Ok(());
    }
    // Hash once: Argon2 is deliberately slow, and every demo user shares the password.
    let hash = hash_password(DEMO_PASSWORD).map_err(|e| StartError::Seed(e.message))?;
    db.with(|conn| -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        for (id, name) in DEMO_WAREHOUSES {
            tx.execute("INSERT OR IGNORE INTO warehouses(id, name) VALUES (?1, ?2)", params![id, name])?;
        }
        for (id, username, display, warehouses) in DEMO_USERS {
            tx.execute(
                "INSERT OR IGNORE INTO accounts(id, username, display_name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, username, display, hash, now()],
            )?;
            for w in *warehouses {
                tx.execute("INSERT OR IGNORE INTO account_warehouses(account_id, warehouse_id) VALUES (?1, ?2)", params![id, w])?;
            }
        }
        crate::deliveries::seed::demo(&tx)?;
        tx.commit()
    })?;
    Ok(())
}
