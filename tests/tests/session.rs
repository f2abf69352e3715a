//! The session against the real reference server: sign in, refresh, sign out, and every way
//! it can go wrong giving a typed error.

use std::time::Duration;

use companion_core::http::Timeouts;
use companion_core::{Account, Error, SessionState, Updates};
use companion_server::FaultKind;
use companion_tests::{
    DEMO_PASSWORD, RETRY_ATTEMPTS, TestServer, closed_port_url, open_phone, open_phone_with,
};

/// `GET /v1/me` with the phone's session.
async fn me(phone: &companion_core::Companion) -> Result<Account, Error> {
    phone.refresh_account().await
}

#[tokio::test]
async fn sign_in_persists_across_restart_and_sign_out_revokes_on_server() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    assert_eq!(phone.session_state(), SessionState::SignedOut);
    assert!(matches!(phone.account_database(), Err(Error::NotSignedIn)));

    let account = phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    assert_eq!(account.username, "maria");
    assert_eq!(account.warehouses.len(), 2);
    assert!(phone.account_database().unwrap().starts_with(dir.path()));
    assert_eq!(me(&phone).await.unwrap(), account);

    // The app is killed and relaunched: the session comes back from secure storage.
    drop(phone);
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    assert_eq!(
        phone.session_state(),
        SessionState::SignedIn {
            account: account.clone()
        }
    );
    assert_eq!(me(&phone).await.unwrap().id, account.id);

    phone.sign_out().await.unwrap();
    assert_eq!(phone.session_state(), SessionState::SignedOut);
    let revoked: i64 = rusqlite::Connection::open(server.db_path())
        .unwrap()
        .query_row(
            "SELECT count(*) FROM device_sessions WHERE revoked_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        revoked, 1,
        "sign-out must revoke the device session on the server"
    );
    assert!(matches!(me(&phone).await, Err(Error::NotSignedIn)));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_unauthorized_and_store_nothing() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    for (user, password) in [("maria", "wrong"), ("nobody", DEMO_PASSWORD)] {
        let err = phone.sign_in(user, password).await.unwrap_err();
        assert!(matches!(err, Error::Unauthorized(_)), "{user}: {err:?}");
    }
    assert_eq!(phone.session_state(), SessionState::SignedOut);
    let err = phone.sign_in("  ", "x").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "username"),
        "{err:?}"
    );
    let err = phone.sign_in("maria", "").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "password"),
        "{err:?}"
    );
}

#[tokio::test]
async fn unreachable_server_is_offline() {
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &closed_port_url()).unwrap();
    let err = phone.sign_in("maria", DEMO_PASSWORD).await.unwrap_err();
    assert!(matches!(err, Error::Offline(_)), "{err:?}");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let err = open_phone(dir.path(), "http://erp.example.com").unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "server_url"),
        "{err:?}"
    );
}

#[tokio::test]
async fn expired_access_token_is_refreshed_transparently() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    // The server expires every access token (as if 15 minutes had passed).
    server
        .server
        .db()
        .with(|c| c.execute("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'", []))
        .unwrap();
    assert_eq!(me(&phone).await.unwrap().username, "maria");
    let live_refresh: i64 = server
        .server
        .db()
        .with(|c| {
            c.query_row(
                "SELECT count(*) FROM tokens WHERE kind = 'refresh' AND revoked_at IS NULL",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(
        live_refresh, 1,
        "the refresh token rotates: exactly one is live"
    );
}

#[tokio::test]
async fn revoked_session_signs_the_phone_out_and_tells_listeners() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    let mut states = phone.session_updates();
    assert!(matches!(
        states.next().await,
        Some(SessionState::SignedIn { .. })
    ));
    // An administrator ends the session on the server.
    server
        .server
        .db()
        .with(|c| c.execute("UPDATE device_sessions SET revoked_at = 1", []))
        .unwrap();
    let err = me(&phone).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(phone.session_state(), SessionState::SignedOut);
    assert!(matches!(phone.account_database(), Err(Error::NotSignedIn)));
    assert!(matches!(phone.inventory(), Err(Error::NotSignedIn)));
    let state = tokio::time::timeout(Duration::from_secs(1), states.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state, SessionState::SignedOut);
}

#[tokio::test]
async fn server_faults_become_typed_errors_and_idempotent_calls_retry() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone_with(
        dir.path(),
        &server.url(),
        Timeouts {
            connect: Duration::from_secs(2),
            total: Duration::from_millis(800),
        },
    )
    .unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    let faults = server.server.faults();

    // Two 503s then success: the idempotent GET is retried and succeeds.
    faults.inject(
        "/v1/me",
        2,
        FaultKind::Status {
            status: 503,
            retry_after_secs: None,
        },
    );
    assert_eq!(me(&phone).await.unwrap().username, "maria");

    // Persistent 500: a Server error with the status once retries are spent.
    faults.inject(
        "/v1/me",
        10,
        FaultKind::Status {
            status: 500,
            retry_after_secs: None,
        },
    );
    let err = me(&phone).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    faults.clear();

    // Retry-After longer than we wait inline comes back to the caller with the delay.
    faults.inject(
        "/v1/me",
        1,
        FaultKind::Status {
            status: 503,
            retry_after_secs: Some(120),
        },
    );
    let err = me(&phone).await.unwrap_err();
    assert!(
        matches!(err, Error::Server { status: 503, retry_after: Some(d), .. } if d == Duration::from_secs(120)),
        "{err:?}"
    );

    // 200 with a body that is not JSON: not transient, so not retried.
    faults.inject("/v1/me", 1, FaultKind::GarbageBody);
    let err = me(&phone).await.unwrap_err();
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");

    // A body slower than the request timeout, on every attempt.
    faults.inject(
        "/v1/me",
        RETRY_ATTEMPTS,
        FaultKind::SlowBody { delay_ms: 3_000 },
    );
    let err = me(&phone).await.unwrap_err();
    assert!(matches!(err, Error::Offline(_)), "{err:?}");

    // The connection breaks mid-answer, on every attempt.
    faults.inject("/v1/me", RETRY_ATTEMPTS, FaultKind::DropAfterCommit);
    let err = me(&phone).await.unwrap_err();
    assert!(matches!(err, Error::Offline(_)), "{err:?}");

    // Once: the retry gets through.
    faults.inject("/v1/me", 1, FaultKind::DropAfterCommit);
    assert_eq!(me(&phone).await.unwrap().username, "maria");

    // Nothing above damaged the session.
    assert_eq!(me(&phone).await.unwrap().username, "maria");
}

#[tokio::test]
async fn offline_sign_out_revokes_at_the_next_chance() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    server
        .server
        .faults()
        .inject("/v1/auth/logout", 10, FaultKind::DropBeforeHandler);
    phone.sign_out().await.unwrap();
    assert_eq!(
        phone.session_state(),
        SessionState::SignedOut,
        "signing out works offline"
    );
    let live = |s: &TestServer| -> i64 {
        s.server
            .db()
            .with(|c| {
                c.query_row(
                    "SELECT count(*) FROM device_sessions WHERE revoked_at IS NULL",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap()
    };
    assert_eq!(live(&server), 1, "the server could not be told yet");
    server.server.faults().clear();
    phone.sign_in("dave", DEMO_PASSWORD).await.unwrap();
    assert_eq!(
        live(&server),
        1,
        "maria's old session is revoked before dave's starts"
    );
}

#[tokio::test]
async fn unwritable_data_dir_and_corrupt_database_are_typed_errors() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = open_phone(&file, &server.url()).unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err:?}");

    let phone_dir = dir.path().join("phone");
    let phone = open_phone(&phone_dir, &server.url()).unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    let db = phone.account_database().unwrap();
    drop(phone);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::write(&db, vec![0x42u8; 4096]).unwrap();
    let err = open_phone(&phone_dir, &server.url()).unwrap_err();
    assert!(matches!(err, Error::CorruptDatabase { .. }), "{err:?}");
}
