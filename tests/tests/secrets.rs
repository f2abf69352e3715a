//! Tokens and passwords never reach the SQLite databases or the logs.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use companion_core::Error;
use companion_core::platform::{LogLevel, LogRecord, LogSink, init_logging};
use companion_core::push::Category;
use companion_server::FaultKind;
use companion_tests::{DEMO_PASSWORD, TestServer, open_phone};

#[derive(Default)]
struct CapturedLogs(Mutex<Vec<String>>);

impl LogSink for CapturedLogs {
    fn log(&self, record: LogRecord) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.target, record.line));
    }
}

fn tokens_in_secure_storage(phone_dir: &Path) -> Vec<String> {
    let bytes = std::fs::read(phone_dir.join("secure/secure-storage.json")).unwrap();
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
    let Some(session) = map.get("session.v1").and_then(|v| v.as_str()) else {
        return vec![];
    };
    use base64::Engine;
    let session: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(session)
            .unwrap(),
    )
    .unwrap();
    vec![
        session["access_token"].as_str().unwrap().into(),
        session["refresh_token"].as_str().unwrap().into(),
    ]
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out)
        } else {
            out.push(path)
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_never_reach_databases_or_logs() {
    let logs = Arc::new(CapturedLogs::default());
    assert!(
        init_logging(Some(logs.clone()), LogLevel::Trace),
        "first logging init in this process"
    );

    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    let mut secrets = BTreeSet::new();
    secrets.insert(DEMO_PASSWORD.to_string());

    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    secrets.extend(tokens_in_secure_storage(dir.path()));
    // Something written to the account database.
    phone
        .push()
        .unwrap()
        .set_preference(Category::Approval, None, false)
        .unwrap();
    // Force a refresh so rotated tokens are covered too.
    server
        .server
        .db()
        .with(|c| c.execute("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'", []))
        .unwrap();
    assert_eq!(phone.refresh_account().await.unwrap().username, "maria");
    secrets.extend(tokens_in_secure_storage(dir.path()));
    // A failing call logs its error.
    server.server.faults().inject(
        "/v1/inventory",
        10,
        FaultKind::Status {
            status: 500,
            retry_after_secs: None,
        },
    );
    let err = phone.inventory().unwrap().sync().await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    server.server.faults().clear();
    phone.sign_out().await.unwrap();
    assert!(
        secrets.len() >= 5,
        "password + two token pairs: {}",
        secrets.len()
    );

    let mut files = Vec::new();
    files_under(dir.path(), &mut files);
    files.push(server.db_path());
    let mut checked_databases = 0;
    for file in files
        .iter()
        .filter(|f| !f.starts_with(dir.path().join("secure")))
    {
        let bytes = std::fs::read(file).unwrap();
        checked_databases += usize::from(file.to_string_lossy().contains(".db"));
        for secret in &secrets {
            assert!(
                !contains(&bytes, secret),
                "a secret was written to {}",
                file.display()
            );
        }
    }
    assert!(
        checked_databases >= 2,
        "the account and server databases were checked: {files:?}"
    );

    let lines = logs.0.lock().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("signed in")),
        "logging works: {} lines",
        lines.len()
    );
    for line in lines.iter() {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "a secret was logged: {line}"
            );
        }
    }
}

/// Entries the desktop secure-storage stand-in (Keystore/Keychain) may hold: keys and
/// tokens, nothing else.
fn allowed_secure_entry(name: &str) -> bool {
    matches!(
        name,
        "session.v1"
            | "session.pending_revocation"
            | "device.install_id"
            | "device.signing_key.pkcs8"
    ) || (name.starts_with("account.")
        && (name.ends_with(".db_key") || name.ends_with(".file_key")))
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_under_the_phone_data_dir_is_readable_after_a_working_day() {
    use companion_core::inventory::{AdjustReason, MovementKind, NewMovement};
    use companion_server::catalogue::{bin_id, item_id, lot_id};
    const WH: &str = "wh-north";

    let server = TestServer::start().await;
    server
        .server
        .db()
        .with(|c| companion_server::catalogue::seed(c, WH, 200))
        .unwrap();
    let item_names: Vec<String> = server.server.db().with(|c| {
        let mut stmt = c
            .prepare("SELECT name FROM inv_items WHERE warehouse_id = ?1 ORDER BY item_id LIMIT 5")
            .unwrap();
        stmt.query_map([WH], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    });
    assert_eq!(item_names.len(), 5);
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    let mut secrets: BTreeSet<String> = item_names.iter().cloned().collect();
    secrets.insert(DEMO_PASSWORD.to_string());

    let maria = phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    secrets.insert(maria.display_name.clone());
    secrets.extend(tokens_in_secure_storage(dir.path()));
    phone.inventory().unwrap().sync().await.unwrap();
    for n in 0..3 {
        phone
            .inventory()
            .unwrap()
            .record(NewMovement {
                warehouse_id: WH.into(),
                kind: MovementKind::Adjust,
                item_id: item_id(n),
                lot_id: lot_id(n, 0),
                location_id: bin_id('N', n),
                to_location_id: None,
                qty: -1,
                reason: Some(AdjustReason::Damage),
                po_line_id: None,
            })
            .await
            .unwrap();
    }
    phone.inventory().unwrap().sync().await.unwrap();
    // Another account on the same phone, synced and signed out.
    let lena = phone.sign_in("lena", DEMO_PASSWORD).await.unwrap();
    secrets.insert(lena.display_name.clone());
    secrets.extend(tokens_in_secure_storage(dir.path()));
    phone.inventory().unwrap().sync().await.unwrap();
    phone.sign_out().await.unwrap();
    drop(phone);

    let secure_file = dir.path().join("secure/secure-storage.json");
    let mut files = Vec::new();
    files_under(dir.path(), &mut files);
    let mut databases = 0;
    for file in files.iter().filter(|f| **f != secure_file) {
        let bytes = std::fs::read(file).unwrap();
        databases += usize::from(file.file_name().is_some_and(|n| n == "companion.db"));
        assert!(
            !contains(&bytes, "SQLite format 3"),
            "{} is a plaintext SQLite file",
            file.display()
        );
        for secret in &secrets {
            assert!(
                !contains(&bytes, secret),
                "{} holds {secret:?} in clear",
                file.display()
            );
        }
    }
    assert_eq!(
        databases, 2,
        "both accounts' databases were checked: {files:?}"
    );

    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&secure_file).unwrap()).unwrap();
    for name in map.keys() {
        assert!(allowed_secure_entry(name), "secure storage holds {name}");
    }
    for account in [&maria, &lena] {
        assert!(map.contains_key(&format!("account.{}.db_key", account.id)));
    }
    let raw = std::fs::read(&secure_file).unwrap();
    for secret in [DEMO_PASSWORD].iter().chain(
        item_names
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        assert!(!contains(&raw, secret), "secure storage holds {secret:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_database_can_be_encrypted_too() {
    let server =
        TestServer::start_with(|c| c.db_key = Some("server database passphrase".into())).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    let bytes = std::fs::read(server.db_path()).unwrap();
    assert!(!bytes.is_empty());
    assert!(!contains(&bytes, "SQLite format 3"));
    assert!(!contains(&bytes, "maria"));
}
