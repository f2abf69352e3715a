//! Tokens and passwords never reach the SQLite databases or the logs.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use companion_core::platform::{LogLevel, LogRecord, LogSink, init_logging};
use companion_core::{Account, Error};
use companion_tests::{DEMO_PASSWORD, TestServer, open_phone};
use reqwest::Method;

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
    phone.store().unwrap().set_meta("note", "synced").unwrap();
    // Force a refresh so rotated tokens are covered too.
    server
        .server
        .db()
        .with(|c| c.execute("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'", []))
        .unwrap();
    let _: Account = phone
        .send::<(), Account>(Method::GET, "/v1/me", None, true)
        .await
        .unwrap();
    secrets.extend(tokens_in_secure_storage(dir.path()));
    // A failing call logs its error.
    let _ = phone
        .send::<(), Account>(Method::GET, "/v1/nope", None, true)
        .await
        .map_err(|e| assert!(matches!(e, Error::NotFound(_))));
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
