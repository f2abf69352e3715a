//! Push end to end: phones (the core) against the reference server, whose dispatcher talks
//! to the FCM stand-in on loopback. One threshold crossing reaches exactly the subscribed
//! phone, the phone parses it and opens its target offline, a dead token is dropped, and no
//! push token appears in any log line or file of the run.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use companion_core::Companion;
use companion_core::inventory::{MovementKind, NewMovement};
use companion_core::platform::{LogLevel, LogRecord, LogSink, init_logging};
use companion_core::push::lifecycle::RegisterReason;
use companion_core::push::{
    Category, DeepLink, NotificationKind, PushNotifications, RegisterOutcome,
};
use companion_push_providers::standin::{FcmStandin, ScriptedAnswer};
use companion_server::FaultKind;
use companion_server::catalogue::{bin_id, item_id, lot_id};
use companion_server::push::FcmSettings;
use companion_tests::{DEMO_PASSWORD, TestServer, open_phone};
use companion_wire::push::PushProvider;

const WH: &str = "wh-north";
const ERP_KEY: &str = "erp-e2e-key";
const TOKEN_A: &str = "eA1x:APA91bE2E-maria-phone-token-7f3a9c";
const TOKEN_C: &str = "eC1x:APA91bE2E-lena-phone-token-41be0d";
const TOKEN_A2: &str = "eA2x:APA91bE2E-maria-rotated-token-9d2e11";

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

async fn server(fcm: &FcmStandin, dir: &Path) -> TestServer {
    let sa = dir.join("service-account.json");
    std::fs::write(&sa, fcm.service_account_json()).unwrap();
    let url = fcm.url();
    let server = TestServer::start_with(move |c| {
        c.push.fcm = Some(FcmSettings {
            service_account_path: sa,
            send_base_url: url,
        });
        c.push.erp_api_key = Some(ERP_KEY.into());
        c.fault_injection_endpoint = true;
    })
    .await;
    server
        .server
        .db()
        .with(|c| companion_server::catalogue::seed(c, WH, 60))
        .unwrap();
    server
}

async fn phone(dir: &Path, server: &TestServer, user: &str) -> Companion {
    let phone = open_phone(dir, &server.url()).unwrap();
    phone.sign_in(user, DEMO_PASSWORD).await.unwrap();
    phone
}

async fn erp(server: &TestServer, path: &str, body: serde_json::Value) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/v1{path}", server.url()))
        .header("x-erp-api-key", ERP_KEY)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn registrations(server: &TestServer, account: &str) -> i64 {
    server.server.db().with(|c| {
        c.query_row(
            "SELECT count(*) FROM push_registrations WHERE account_id = ?1",
            [account],
            |r| r.get(0),
        )
        .unwrap()
    })
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

#[tokio::test(flavor = "multi_thread")]
async fn a_threshold_crossing_reaches_the_subscribed_phone_only_and_dead_tokens_are_dropped() {
    let logs = Arc::new(CapturedLogs::default());
    assert!(init_logging(Some(logs.clone()), LogLevel::Trace));
    let fcm = FcmStandin::start().await.unwrap();
    let run = tempfile::tempdir().unwrap();
    let server = server(&fcm, run.path()).await;
    let (da, db, dc) = (
        run.path().join("a"),
        run.path().join("b"),
        run.path().join("c"),
    );
    let a = phone(&da, &server, "maria").await;
    let b = phone(&db, &server, "dave").await;
    let c = phone(&dc, &server, "lena").await;
    a.inventory().unwrap().sync().await.unwrap();
    b.inventory().unwrap().sync().await.unwrap();

    // Phone A registers; handing over the same token again makes no request.
    let out = a
        .push()
        .unwrap()
        .register_token(PushProvider::Fcm, TOKEN_A, None)
        .await
        .unwrap();
    assert!(matches!(
        out,
        RegisterOutcome::Registered {
            reason: RegisterReason::First,
            ..
        }
    ));
    server.server.faults().inject(
        "/v1/push",
        10,
        FaultKind::Status {
            status: 500,
            retry_after_secs: None,
        },
    );
    let out = a
        .push()
        .unwrap()
        .register_token(PushProvider::Fcm, TOKEN_A, None)
        .await
        .unwrap();
    assert_eq!(
        out,
        RegisterOutcome::UpToDate,
        "no request: the injected 500 would have failed it"
    );
    server.server.faults().clear();
    assert!(a.push().unwrap().status().unwrap().registered);

    // Phone C registers but switches stock alerts off for wh-north (offline edit, then synced).
    c.push()
        .unwrap()
        .register_token(PushProvider::Fcm, TOKEN_C, None)
        .await
        .unwrap();
    c.push()
        .unwrap()
        .set_preference(Category::StockBelowThreshold, Some(WH), false)
        .unwrap();
    assert!(
        !c.push()
            .unwrap()
            .is_enabled(Category::StockBelowThreshold, Some(WH))
            .unwrap()
    );
    assert_eq!(c.push().unwrap().status().unwrap().preferences_pending, 1);
    let synced = c.push().unwrap().sync_preferences().await.unwrap();
    assert_eq!(synced.len(), 1);
    assert_eq!(c.push().unwrap().status().unwrap().preferences_pending, 0);

    // The ERP sets the threshold at the item's current stock; phone B picks one.
    let (item, lot, bin) = (item_id(0), lot_id(0, 0), bin_id('N', 0));
    let total: i64 = a
        .inventory()
        .unwrap()
        .item(WH, &item)
        .await
        .unwrap()
        .lines
        .iter()
        .map(|l| l.qty)
        .sum();
    assert_eq!(
        erp(
            &server,
            "/erp/push/thresholds",
            serde_json::json!({"warehouse_id": WH, "item_id": item, "threshold": total})
        )
        .await,
        204
    );
    b.inventory()
        .unwrap()
        .record(NewMovement {
            warehouse_id: WH.into(),
            kind: MovementKind::Pick,
            item_id: item.clone(),
            lot_id: lot.clone(),
            location_id: bin.clone(),
            to_location_id: None,
            qty: 1,
            reason: None,
            po_line_id: None,
        })
        .await
        .unwrap();
    b.inventory().unwrap().sync().await.unwrap();
    wait_for("the notification", || fcm.received_by(TOKEN_A).len() == 1).await;
    // Give a duplicate time to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fcm.received_by(TOKEN_A).len(), 1, "exactly one message");
    assert!(
        fcm.received_by(TOKEN_C).is_empty(),
        "category off: nothing for C"
    );

    // Phone A parses it into the typed event and opens its target from the local store.
    let got = &fcm.received_by(TOKEN_A)[0];
    let event = PushNotifications::parse_fcm(&got.data).unwrap();
    assert!(
        matches!(&event.kind, NotificationKind::StockBelowThreshold { on_hand, .. } if *on_hand == total - 1)
    );
    let Some(DeepLink::Item {
        warehouse_id,
        item_id,
    }) = event.target()
    else {
        panic!("{event:?}")
    };
    let opened = a
        .inventory()
        .unwrap()
        .item(&warehouse_id, &item_id)
        .await
        .unwrap();
    assert_eq!(opened.item.item_id, item);

    // The token dies: FCM answers UNREGISTERED on the next send and the server drops it.
    fcm.script(TOKEN_A, [ScriptedAnswer::Unregistered]);
    assert_eq!(
        erp(&server, "/erp/push/events", serde_json::json!({"kind": "approval_waiting", "username": "maria", "approval_id": "APR-1", "title": "Approval waiting", "body": "Credit note"})).await,
        202
    );
    wait_for("the registration to be dropped", || {
        registrations(&server, "acct-maria") == 0
    })
    .await;
    assert_eq!(
        fcm.answers_for(TOKEN_A).last().map(String::as_str),
        Some("404 UNREGISTERED")
    );

    // Rotation registers the new token at once.
    let out = a
        .push()
        .unwrap()
        .register_token(PushProvider::Fcm, TOKEN_A2, None)
        .await
        .unwrap();
    assert!(matches!(
        out,
        RegisterOutcome::Registered {
            reason: RegisterReason::Rotated,
            ..
        }
    ));
    assert_eq!(registrations(&server, "acct-maria"), 1);

    // Sign-out unregisters, also when the server cannot be reached first: queued, then sent.
    server.server.faults().inject(
        "/v1/push/unregister",
        10,
        FaultKind::Status {
            status: 503,
            retry_after_secs: None,
        },
    );
    assert!(!a.push().unwrap().unregister().await.unwrap(), "queued");
    assert!(a.push().unwrap().status().unwrap().unregister_pending);
    assert_eq!(registrations(&server, "acct-maria"), 1);
    server.server.faults().clear();
    a.push().unwrap().flush_unregister().await.unwrap();
    assert_eq!(registrations(&server, "acct-maria"), 0);
    assert!(!a.push().unwrap().status().unwrap().unregister_pending);
    c.push().unwrap().unregister().await.unwrap();
    a.sign_out().await.unwrap();
    c.sign_out().await.unwrap();

    // No push token in any log line or any file of the run (phones, server, stand-in config).
    let tokens = [TOKEN_A, TOKEN_C, TOKEN_A2];
    assert!(
        !logs.0.lock().unwrap().is_empty(),
        "the run logged something to scan"
    );
    for line in logs.0.lock().unwrap().iter() {
        for t in tokens {
            assert!(!line.contains(t), "a push token was logged: {line}");
        }
    }
    server
        .server
        .db()
        .with(|c| c.execute_batch("PRAGMA wal_checkpoint(FULL)").unwrap());
    let mut files = Vec::new();
    files_under(run.path(), &mut files);
    files_under(server.dir.path(), &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().ends_with("companion.db"))
    );
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for t in tokens {
            assert!(
                !bytes.windows(t.len()).any(|w| w == t.as_bytes()),
                "a push token is in {}",
                f.display()
            );
        }
    }
    drop(b);
}
