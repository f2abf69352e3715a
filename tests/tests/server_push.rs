//! Push on the reference server against the FCM and APNs stand-ins: registrations, events
//! from real movements, preferences, the ERP endpoints, and every provider answer the
//! dispatcher must act on. The dispatcher is stepped by hand and the clock is injected.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use companion_push_providers::standin::{ApnsStandin, FcmStandin, ScriptedAnswer};
use companion_server::push::{ApnsSettings, Clock, FcmSettings, IDLE_PRUNE_AFTER_SECS};
use companion_server::{RunningServer, ServerConfig};
use serde_json::{Value, json};

const ERP_KEY: &str = "erp-test-key-5b1f";
const T0: i64 = 1_800_000_000;

struct Rig {
    server: RunningServer,
    fcm: FcmStandin,
    apns: ApnsStandin,
    clock: Arc<AtomicI64>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn start() -> Rig {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let fcm = FcmStandin::start().await.unwrap();
        let apns = ApnsStandin::start().await.unwrap();
        let sa = dir.path().join("service-account.json");
        std::fs::write(&sa, fcm.service_account_json()).unwrap();
        let p8 = dir.path().join("AuthKey.p8");
        std::fs::write(&p8, apns.key_pem()).unwrap();
        let apns_cfg = apns.client_config();
        let clock = Arc::new(AtomicI64::new(T0));
        let c = clock.clone();
        let mut config = ServerConfig::in_dir(dir.path());
        config.push.fcm = Some(FcmSettings {
            service_account_path: sa,
            send_base_url: fcm.url(),
        });
        config.push.apns = Some(ApnsSettings {
            key_path: p8,
            key_id: apns_cfg.key_id,
            team_id: apns_cfg.team_id,
            topic: apns_cfg.topic,
            production_url: apns.url(),
            sandbox_url: apns.url(),
        });
        config.push.erp_api_key = Some(ERP_KEY.into());
        config.push.clock = Clock(Arc::new(move || c.load(Ordering::SeqCst)));
        config.push.background_dispatch = false;
        let server = companion_server::start(config).await.unwrap();
        server
            .db()
            .with(|c| companion_server::catalogue::seed(c, "wh-north", 40))
            .unwrap();
        Rig {
            server,
            fcm,
            apns,
            clock,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.server.url())
    }

    async fn login(&self, user: &str, install: &str) -> String {
        let device = json!({"install_id": install, "platform": "android", "model": "m", "os_version": "o", "app_version": "a", "public_key": "k"});
        let v: Value = self
            .http
            .post(self.url("/auth/login"))
            .json(&json!({"username": user, "password": companion_server::seed::DEMO_PASSWORD, "device": device}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    async fn post(&self, bearer: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, bearer: &str, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn register(&self, bearer: &str, provider: &str, token: &str) {
        let (status, body) = self
            .post(
                bearer,
                "/push/registration",
                json!({"provider": provider, "token": token}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["registered_at"], self.clock.load(Ordering::SeqCst));
    }

    async fn erp(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .header("x-erp-api-key", ERP_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// (item, lot, bin, qty) of a stock row, and the item's total in wh-north.
    fn stock_row(&self) -> (String, String, String, i64, i64) {
        self.server.db().with(|c| {
            let row: (String, String, String, i64) = c
                .query_row(
                    "SELECT item_id, lot_id, location_id, qty FROM inv_stock WHERE warehouse_id = 'wh-north' AND qty >= 5 ORDER BY item_id LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .unwrap();
            let total: i64 = c
                .query_row(
                    "SELECT SUM(qty) FROM inv_stock WHERE warehouse_id = 'wh-north' AND item_id = ?1",
                    [&row.0],
                    |r| r.get(0),
                )
                .unwrap();
            (row.0, row.1, row.2, row.3, total)
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn movement(
        &self,
        bearer: &str,
        seq: i64,
        kind: &str,
        item: &str,
        lot: &str,
        bin: &str,
        qty: i64,
    ) {
        let mut m = json!({
            "id": uuid_v4(), "origin_seq": seq, "warehouse_id": "wh-north", "kind": kind,
            "item_id": item, "lot_id": lot, "location_id": bin, "qty": qty, "created_at_ms": 0
        });
        if kind == "adjust" {
            m["reason"] = json!("found");
        }
        let (status, body) = self
            .post(
                bearer,
                "/inventory/movements",
                json!({"origin": "test-origin", "movements": [m]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["results"][0]["status"], "applied", "{body}");
    }

    fn registrations(&self) -> i64 {
        self.server.db().with(|c| {
            c.query_row("SELECT count(*) FROM push_registrations", [], |r| r.get(0))
                .unwrap()
        })
    }
}

fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).unwrap();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

const FCM_A: &str = "fcmA:APA91bHunK1-pushTokenForMariaPhone";
const FCM_B: &str = "fcmB:APA91bHunK1-pushTokenForLenaPhone";

#[tokio::test]
async fn a_threshold_crossing_notifies_subscribed_devices_once_per_crossing() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    let lena = rig.login("lena", "install-lena").await;
    let dave = rig.login("dave", "install-dave").await;
    rig.register(&maria, "fcm", FCM_A).await;
    rig.register(&lena, "fcm", FCM_B).await;
    let apns_token = "ab".repeat(32);
    rig.register(&dave, "apns", &apns_token).await;
    // Lena switches stock alerts off for wh-north.
    let (status, prefs) = rig
        .post(
            &lena,
            "/push/preferences",
            json!({"preferences": [{"category": "stock_below_threshold", "warehouse_id": "wh-north", "enabled": false}]}),
        )
        .await;
    assert_eq!(status, 200, "{prefs}");
    assert_eq!(prefs["preferences"][0]["enabled"], false);

    let (item, lot, bin, qty, total) = rig.stock_row();
    let (status, _) = rig
        .erp(
            "/erp/push/thresholds",
            json!({"warehouse_id": "wh-north", "item_id": item, "threshold": total}),
        )
        .await;
    assert_eq!(status, 204);
    // Down one: below the threshold for the first time.
    rig.movement(&maria, 1, "pick", &item, &lot, &bin, 1).await;
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    let got = rig.fcm.received_by(FCM_A);
    assert_eq!(got.len(), 1);
    assert!(
        rig.fcm.received_by(FCM_B).is_empty(),
        "Lena's category is off"
    );
    assert_eq!(
        rig.apns.received_by(&apns_token).len(),
        1,
        "Dave works in wh-north too"
    );
    let data = &got[0].data;
    assert_eq!(data["type"], "stock_below_threshold");
    assert_eq!(data["item_id"], item);
    assert_eq!(data["on_hand"], (total - 1).to_string());
    let event = companion_wire::notification::NotificationEvent::from_fcm_data(data).unwrap();
    assert_eq!(
        event.target(),
        Some(companion_wire::notification::DeepLink::Item {
            warehouse_id: "wh-north".into(),
            item_id: item.clone()
        })
    );

    // Further picks while below: nothing new.
    rig.movement(&maria, 2, "pick", &item, &lot, &bin, 1).await;
    rig.movement(&maria, 3, "pick", &item, &lot, &bin, 1).await;
    rig.server.push().drain().await.unwrap();
    assert_eq!(rig.fcm.received_by(FCM_A).len(), 1);

    // Back up to the threshold, then down again: a second crossing, a second notification.
    rig.movement(&maria, 4, "adjust", &item, &lot, &bin, 3)
        .await;
    rig.movement(&maria, 5, "pick", &item, &lot, &bin, 1).await;
    rig.server.push().drain().await.unwrap();
    assert_eq!(rig.fcm.received_by(FCM_A).len(), 2);
    assert!(rig.fcm.received_by(FCM_B).is_empty());
    assert!(qty >= 5);

    // Every delivery left an attempt.
    let attempts: i64 = rig.server.db().with(|c| {
        c.query_row(
            "SELECT count(*) FROM push_attempts WHERE outcome = 'delivered'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(attempts, 4);
}

#[tokio::test]
async fn receiving_against_a_po_line_notifies_progress() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    rig.register(&maria, "fcm", FCM_A).await;
    let (line, item, ordered, received): (String, String, i64, i64) = rig.server.db().with(|c| {
        c.query_row(
            "SELECT po_line_id, item_id, qty_ordered, qty_received FROM inv_po_lines WHERE warehouse_id = 'wh-north' AND open = 1 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    });
    let (lot, bin): (String, String) = rig.server.db().with(|c| {
        c.query_row(
            "SELECT l.lot_id, (SELECT location_id FROM inv_locations WHERE warehouse_id = 'wh-north' AND archived = 0 LIMIT 1)
             FROM inv_lots l WHERE l.warehouse_id = 'wh-north' AND l.item_id = ?1 LIMIT 1",
            [&item],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    let m = json!({"id": uuid_v4(), "origin_seq": 1, "warehouse_id": "wh-north", "kind": "receive",
        "item_id": item, "lot_id": lot, "location_id": bin, "qty": 2, "po_line_id": line, "created_at_ms": 0});
    let (status, body) = rig
        .post(
            &maria,
            "/inventory/movements",
            json!({"origin": "o", "movements": [m]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    rig.server.push().drain().await.unwrap();
    let got = rig.fcm.received_by(FCM_A);
    assert_eq!(got.len(), 1);
    let event =
        companion_wire::notification::NotificationEvent::from_fcm_data(&got[0].data).unwrap();
    match &event.kind {
        companion_wire::notification::NotificationKind::PurchaseOrderProgress {
            qty_received,
            qty_ordered,
            po_line_id,
            ..
        } => {
            assert_eq!(*qty_received, received + 2);
            assert_eq!(*qty_ordered, ordered);
            assert_eq!(po_line_id, &line);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        event.target(),
        Some(companion_wire::notification::DeepLink::PurchaseOrder { .. })
    ));
}

#[tokio::test]
async fn erp_events_need_the_erp_key_and_reach_only_their_user() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    let lena = rig.login("lena", "install-lena").await;
    rig.register(&maria, "fcm", FCM_A).await;
    rig.register(&lena, "fcm", FCM_B).await;
    let event = json!({"kind": "approval_waiting", "username": "maria", "approval_id": "APR-17", "title": "Approval waiting", "body": "Credit note for Green Grocers"});
    // A phone's bearer token is not the ERP key.
    let (status, _) = rig.post(&maria, "/erp/push/events", event.clone()).await;
    assert_eq!(status, 401);
    let r = rig
        .http
        .post(rig.url("/erp/push/events"))
        .header("x-erp-api-key", "wrong")
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (status, body) = rig.erp("/erp/push/events", event).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["deliveries"], 1);
    let (status, _) = rig
        .erp("/erp/push/events", json!({"kind": "delivery_assigned", "username": "lena", "stop_id": "STOP-4", "title": "New stop", "body": "Stop 4"}))
        .await;
    assert_eq!(status, 202);
    // Lena turns assignments off: the next one is not even queued.
    rig.post(
        &lena,
        "/push/preferences",
        json!({"preferences": [{"category": "delivery_assignment", "enabled": false}]}),
    )
    .await;
    let (_, body) = rig
        .erp("/erp/push/events", json!({"kind": "delivery_assigned", "username": "lena", "stop_id": "STOP-5", "title": "New stop", "body": "Stop 5"}))
        .await;
    assert_eq!(body["deliveries"], 0);
    let (status, _) = rig
        .erp(
            "/erp/push/events",
            json!({"kind": "weather", "username": "lena"}),
        )
        .await;
    assert_eq!(status, 400);
    rig.server.push().drain().await.unwrap();
    let a = rig.fcm.received_by(FCM_A);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].data["approval_id"], "APR-17");
    assert_eq!(a[0].data["link"], "companion://approval/APR-17");
    let b = rig.fcm.received_by(FCM_B);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].data["stop_id"], "STOP-4");
}

async fn approval_for(rig: &Rig, user: &str) {
    let (status, _) = rig
        .erp("/erp/push/events", json!({"kind": "approval_waiting", "username": user, "approval_id": "A1", "title": "t", "body": "b"}))
        .await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn dead_tokens_are_removed_for_every_documented_answer() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    let lena = rig.login("lena", "install-lena").await;
    let dave = rig.login("dave", "install-dave").await;
    let dave_apns = "cd".repeat(32);
    rig.register(&maria, "fcm", FCM_A).await;
    rig.register(&lena, "fcm", FCM_B).await;
    rig.register(&dave, "apns", &dave_apns).await;
    rig.fcm.script(FCM_A, [ScriptedAnswer::Unregistered]);
    rig.fcm.script(FCM_B, [ScriptedAnswer::BadToken]);
    rig.apns.script(&dave_apns, [ScriptedAnswer::Unregistered]);
    for u in ["maria", "lena", "dave"] {
        approval_for(&rig, u).await;
    }
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.dead, 3, "{report:?}");
    assert_eq!(rig.registrations(), 0);
    for bearer in [&maria, &lena, &dave] {
        assert_eq!(
            rig.get(bearer, "/push/registration").await["registered"],
            false
        );
    }
    let detail: String = rig.server.db().with(|c| {
        c.query_row(
            "SELECT detail FROM push_attempts WHERE detail LIKE '410%'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert!(detail.contains("invalid since"), "{detail}");
    // Nothing more is sent to them.
    approval_for(&rig, "maria").await;
    let before = rig.fcm.requests();
    rig.server.push().drain().await.unwrap();
    assert_eq!(rig.fcm.requests(), before);

    // APNs 400 BadDeviceToken, and 403 ExpiredProviderToken (renewed, then delivered).
    let dave_new = "ef".repeat(32);
    rig.register(&dave, "apns", &dave_new).await;
    rig.apns
        .script(&dave_new, [ScriptedAnswer::ExpiredProviderToken]);
    approval_for(&rig, "dave").await;
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    rig.apns.script(&dave_new, [ScriptedAnswer::BadToken]);
    approval_for(&rig, "dave").await;
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.dead, 1, "{report:?}");
    assert_eq!(rig.registrations(), 0);
}

#[tokio::test]
async fn a_rate_limited_provider_is_left_alone_until_retry_after() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    let lena = rig.login("lena", "install-lena").await;
    rig.register(&maria, "fcm", FCM_A).await;
    rig.register(&lena, "fcm", FCM_B).await;
    rig.fcm.script(
        FCM_A,
        [ScriptedAnswer::RateLimited {
            retry_after_secs: 30,
        }],
    );
    approval_for(&rig, "maria").await;
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.rate_limited, 1, "{report:?}");
    assert_eq!(rig.fcm.requests(), 1);
    // Another user's event during the pause is held back too: the quota is the project's.
    approval_for(&rig, "lena").await;
    rig.clock.fetch_add(10, Ordering::SeqCst);
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.deferred, 1, "{report:?}");
    assert_eq!(rig.fcm.requests(), 1, "no request during Retry-After");
    rig.clock.fetch_add(21, Ordering::SeqCst);
    let report = rig.server.push().drain().await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(rig.fcm.received().len(), 2);
    assert_eq!(rig.fcm.answers_for(FCM_A), ["429 QUOTA_EXCEEDED", "200"]);

    // 5xx and garbage: retried with backoff, not dropped.
    rig.fcm.script(
        FCM_A,
        [ScriptedAnswer::ServerError, ScriptedAnswer::Garbage],
    );
    approval_for(&rig, "maria").await;
    let r = rig.server.push().drain().await.unwrap();
    assert_eq!(r.transient, 1, "{r:?}");
    rig.clock.fetch_add(10, Ordering::SeqCst);
    let r = rig.server.push().drain().await.unwrap();
    assert_eq!(r.transient, 1, "{r:?}");
    rig.clock.fetch_add(20, Ordering::SeqCst);
    let r = rig.server.push().drain().await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(rig.registrations(), 2);
}

#[tokio::test]
async fn idle_registrations_are_pruned_and_refreshing_keeps_them() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    let lena = rig.login("lena", "install-lena").await;
    rig.register(&maria, "fcm", FCM_A).await;
    rig.register(&lena, "fcm", FCM_B).await;
    rig.clock
        .fetch_add(IDLE_PRUNE_AFTER_SECS - 100, Ordering::SeqCst);
    // Maria's phone refreshes (as it does monthly); Lena's does not.
    rig.register(&maria, "fcm", FCM_A).await;
    rig.clock.fetch_add(200, Ordering::SeqCst);
    let report = rig.server.push().run_round().await.unwrap();
    assert_eq!(report.pruned, 1);
    assert_eq!(
        rig.get(&maria, "/push/registration").await["registered"],
        true
    );
    assert_eq!(
        rig.get(&lena, "/push/registration").await["registered"],
        false
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_and_tokens_never_stored_in_plain() {
    let rig = Rig::start().await;
    let maria = rig.login("maria", "install-maria").await;
    for (provider, token) in [
        ("fcm", String::new()),
        ("fcm", "x".repeat(5000)),
        ("fcm", "has spaces and \u{1F600}".into()),
        ("apns", "not-hex-at-all".into()),
        ("carrier-pigeon", "abc".into()),
    ] {
        let (status, body) = rig
            .post(
                &maria,
                "/push/registration",
                json!({"provider": provider, "token": token}),
            )
            .await;
        assert_eq!(status, 400, "{provider}: {body}");
        if token.len() > 3 {
            assert!(!body.to_string().contains(&token), "error echoes the token");
        }
    }
    let (status, _) = rig
        .post(
            &maria,
            "/push/registration",
            json!({"provider": "fcm", "token": FCM_A, "environment": "sandbox"}),
        )
        .await;
    assert_eq!(status, 400);
    rig.register(&maria, "fcm", FCM_A).await;
    assert_eq!(
        rig.get(&maria, "/push/registration").await["provider"],
        "fcm"
    );
    // The status never carries the token.
    let status = rig.get(&maria, "/push/registration").await;
    assert!(!status.to_string().contains(FCM_A));
    // The same token registered by another account moves there.
    let lena = rig.login("lena", "install-shared").await;
    rig.register(&lena, "fcm", FCM_A).await;
    assert_eq!(
        rig.get(&maria, "/push/registration").await["registered"],
        false
    );
    assert_eq!(rig.registrations(), 1);
    // Unregister is idempotent.
    for _ in 0..2 {
        let (status, _) = rig.post(&lena, "/push/unregister", json!({})).await;
        assert_eq!(status, 204);
    }
    assert_eq!(rig.registrations(), 0);
    rig.register(&lena, "fcm", FCM_A).await;
    // No file the server wrote holds the token in plain.
    rig.server
        .db()
        .with(|c| c.execute_batch("PRAGMA wal_checkpoint(FULL)").unwrap());
    for entry in std::fs::read_dir(rig._dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(FCM_A.len()).any(|w| w == FCM_A.as_bytes()),
            "{} holds a push token",
            path.display()
        );
    }
}

#[tokio::test]
async fn a_signed_out_install_gets_nothing() {
    let rig = Rig::start().await;
    let device = json!({"install_id": "install-maria", "platform": "android", "model": "m", "os_version": "o", "app_version": "a", "public_key": "k"});
    let v: Value = rig
        .http
        .post(rig.url("/auth/login"))
        .json(&json!({"username": "maria", "password": companion_server::seed::DEMO_PASSWORD, "device": device}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = v["access_token"].as_str().unwrap();
    rig.register(access, "fcm", FCM_A).await;
    let (status, _) = rig
        .post(
            access,
            "/auth/logout",
            json!({"refresh_token": v["refresh_token"]}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = rig
        .erp("/erp/push/events", json!({"kind": "approval_waiting", "username": "maria", "approval_id": "A", "title": "t", "body": "b"}))
        .await;
    assert_eq!(body["deliveries"], 0);
}
