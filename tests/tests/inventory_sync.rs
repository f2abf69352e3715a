//! Inventory sync against the real reference server: offline movements, exactly-once
//! push, rejections, the cycle-count merge rule, and the recovery paths (unknown cursor,
//! diverged copy). The randomised multi-device version is `inventory_sim.rs`.

use companion_core::Updates;
use companion_core::inventory::{
    AdjustReason, MovementKind, MovementState, NewMovement, SyncActivity,
};
use companion_core::{Companion, Error, SessionState};
use companion_server::catalogue::{bin_id, item_id, lot_id};
use companion_tests::{
    DEMO_PASSWORD, RawSession, TestServer, error_of, open_account_db, open_phone,
};

const WH: &str = "wh-north";

async fn server_with_catalogue(rows: usize) -> TestServer {
    let server = TestServer::start().await;
    server
        .server
        .db()
        .with(|c| companion_server::catalogue::seed(c, WH, rows))
        .unwrap();
    server
}

async fn phone(dir: &std::path::Path, server: &TestServer, user: &str) -> Companion {
    let phone = open_phone(dir, &server.url()).unwrap();
    phone.sign_in(user, DEMO_PASSWORD).await.unwrap();
    phone
}

async fn qty(phone: &Companion, item: &str, lot: &str, bin: &str) -> i64 {
    let stock = phone.inventory().unwrap().item(WH, item).await.unwrap();
    stock
        .lines
        .iter()
        .find(|l| l.lot_id == lot && l.location_id == bin)
        .map_or(0, |l| l.qty)
}

fn server_qty(server: &TestServer, item: &str, lot: &str, bin: &str) -> i64 {
    server.server.db().with(|c| {
        c.query_row(
            "SELECT qty FROM inv_stock WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
            [WH, item, lot, bin],
            |r| r.get(0),
        )
        .unwrap_or(0)
    })
}

fn movement(kind: MovementKind, item: &str, lot: &str, bin: &str, qty: i64) -> NewMovement {
    NewMovement {
        warehouse_id: WH.into(),
        kind,
        item_id: item.into(),
        lot_id: lot.into(),
        location_id: bin.into(),
        to_location_id: None,
        qty,
        reason: (kind == MovementKind::Adjust).then_some(AdjustReason::Damage),
        po_line_id: None,
    }
}

/// The signed-in account's id.
fn account_id(phone: &Companion) -> String {
    match phone.session_state() {
        SessionState::SignedIn { account } => account.id,
        SessionState::SignedOut => panic!("the phone is signed out"),
    }
}

/// The first stock row of the seed: item 0, lot 1, bin 0.
fn key0() -> (String, String, String) {
    (item_id(0), lot_id(0, 0), bin_id('N', 0))
}

fn audit(server: &TestServer) {
    let problems = server
        .server
        .db()
        .with(|c| companion_server::inventory::audit(c))
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn offline_adjust_reaches_the_other_phone_exactly_once() {
    let server = server_with_catalogue(200).await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = phone(da.path(), &server, "maria").await;
    let b = phone(db.path(), &server, "lena").await;
    let ra = a.inventory().unwrap().sync().await.unwrap();
    assert!(ra.pulled_rows > 200, "{ra:?}");
    b.inventory().unwrap().sync().await.unwrap();

    let (item, lot, bin) = key0();
    let before = qty(&a, &item, &lot, &bin).await;
    assert_eq!(before, server_qty(&server, &item, &lot, &bin));
    // Scanning finds the item by GTIN-13, by its case GTIN-14 and as UPC-style short code.
    let gtin = a
        .inventory()
        .unwrap()
        .item(WH, &item)
        .await
        .unwrap()
        .item
        .barcodes[0]
        .clone();
    assert_eq!(
        a.inventory().unwrap().lookup(&gtin).await.unwrap()[0]
            .item
            .item_id,
        item
    );
    assert!(matches!(
        a.inventory().unwrap().lookup("0000000000000").await,
        Err(Error::NotFound(_))
    ));

    let m = a
        .inventory()
        .unwrap()
        .record(movement(MovementKind::Adjust, &item, &lot, &bin, -3))
        .await
        .unwrap();
    assert_eq!(m.state, MovementState::Pending);
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        before - 3,
        "visible at once, offline"
    );
    assert_eq!(a.inventory().unwrap().pending_count().await.unwrap(), 1);

    let report = a.inventory().unwrap().sync().await.unwrap();
    assert_eq!((report.pushed, report.applied, report.pending), (1, 1, 0));
    assert_eq!(qty(&a, &item, &lot, &bin).await, before - 3);
    b.inventory().unwrap().sync().await.unwrap();
    assert_eq!(qty(&b, &item, &lot, &bin).await, before - 3);
    assert_eq!(server_qty(&server, &item, &lot, &bin), before - 3);

    // Pushing the same outbox again (a lost answer) changes nothing.
    let again = a.inventory().unwrap().sync().await.unwrap();
    assert_eq!(again.pushed, 0);
    let ledger: i64 = server.server.db().with(|c| {
        c.query_row(
            "SELECT count(*) FROM inv_ledger WHERE movement_id = ?1",
            [&m.id],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(ledger, 1);
    audit(&server);
}

#[tokio::test]
async fn a_rejection_comes_back_and_does_not_block_the_queue() {
    let server = server_with_catalogue(200).await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = phone(da.path(), &server, "maria").await;
    let b = phone(db.path(), &server, "lena").await;
    a.inventory().unwrap().sync().await.unwrap();
    b.inventory().unwrap().sync().await.unwrap();
    let (item, lot, bin) = key0();
    let all = qty(&a, &item, &lot, &bin).await;
    // Both pick everything while offline; the second to arrive is refused.
    a.inventory()
        .unwrap()
        .record(movement(MovementKind::Pick, &item, &lot, &bin, all))
        .await
        .unwrap();
    let rejected = b
        .inventory()
        .unwrap()
        .record(movement(MovementKind::Pick, &item, &lot, &bin, all))
        .await
        .unwrap();
    let other = b
        .inventory()
        .unwrap()
        .record(movement(MovementKind::Receive, &item, &lot, &bin, 7))
        .await
        .unwrap();
    a.inventory().unwrap().sync().await.unwrap();
    let report = b.inventory().unwrap().sync().await.unwrap();
    assert_eq!((report.applied, report.rejected), (1, 1), "{report:?}");
    let list = b.inventory().unwrap().movements(true, 10).await.unwrap();
    let r = list.iter().find(|m| m.id == rejected.id).unwrap();
    assert_eq!(r.state, MovementState::Rejected);
    assert_eq!(r.reject_code.as_deref(), Some("insufficient_stock"));
    assert_eq!(
        list.iter().find(|m| m.id == other.id).unwrap().state,
        MovementState::Applied
    );
    assert_eq!(qty(&b, &item, &lot, &bin).await, 7);
    a.inventory().unwrap().sync().await.unwrap();
    assert_eq!(qty(&a, &item, &lot, &bin).await, 7);

    // Bad input is a typed error naming the field; nothing is recorded.
    let pending = b.inventory().unwrap().pending_count().await.unwrap();
    for (m, field) in [
        (movement(MovementKind::Pick, &item, &lot, &bin, 0), "qty"),
        (
            movement(MovementKind::Pick, &item, &lot, &bin, 10_000_000),
            "qty",
        ),
        (movement(MovementKind::Pick, &item, &lot, &bin, 8), "qty"),
        (
            movement(MovementKind::Receive, "nope", &lot, &bin, 1),
            "item_id",
        ),
        (
            movement(MovementKind::Receive, &item, &lot, "Z-99", 1),
            "location_id",
        ),
        (
            movement(MovementKind::Receive, &item, &lot_id(1, 0), &bin, 1),
            "lot_id",
        ),
        (
            NewMovement {
                warehouse_id: "wh-south".into(),
                ..movement(MovementKind::Receive, &item, &lot, &bin, 1)
            },
            "warehouse_id",
        ),
        (
            NewMovement {
                reason: None,
                ..movement(MovementKind::Adjust, &item, &lot, &bin, 1)
            },
            "reason",
        ),
        (
            movement(MovementKind::Move, &item, &lot, &bin, 1),
            "to_location_id",
        ),
    ] {
        match b.inventory().unwrap().record(m).await {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    // Identifiers are limited to the server's length on the phone too.
    use companion_wire::inventory::rules::MAX_ID_LEN;
    let long = "I".repeat(MAX_ID_LEN + 1);
    match b
        .inventory()
        .unwrap()
        .record(movement(MovementKind::Receive, &long, &lot, &bin, 1))
        .await
    {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "item_id");
            assert!(
                reason.contains(&format!("1 to {MAX_ID_LEN} characters")),
                "{reason}"
            );
        }
        other => panic!("expected invalid item_id, got {other:?}"),
    }
    assert_eq!(
        b.inventory().unwrap().pending_count().await.unwrap(),
        pending
    );
    audit(&server);
}

/// The worked example of docs/sync-protocol.md: two phones offline, one counts while the
/// other picks. Whichever syncs first, the pick the counter had not seen stays on top.
#[tokio::test]
async fn count_sets_quantity_as_seen_and_unseen_picks_stay_on_top() {
    for counter_first in [false, true] {
        let server = server_with_catalogue(200).await;
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = phone(da.path(), &server, "maria").await;
        let b = phone(db.path(), &server, "lena").await;
        let (item, lot, bin) = key0();
        // A count before the warehouse was ever downloaded is refused: the phone has seen
        // nothing, so the server could only add it on top of the real stock.
        match a
            .inventory()
            .unwrap()
            .record(movement(MovementKind::Count, &item, &lot, &bin, 50))
            .await
        {
            Err(Error::Conflict(_)) => {}
            other => panic!("a count before the first download: {other:?}"),
        }
        assert_eq!(a.inventory().unwrap().pending_count().await.unwrap(), 0);
        // Start from a known 50 (after the download the count is taken).
        a.inventory().unwrap().sync().await.unwrap();
        a.inventory()
            .unwrap()
            .record(movement(MovementKind::Count, &item, &lot, &bin, 50))
            .await
            .unwrap();
        a.inventory().unwrap().sync().await.unwrap();
        b.inventory().unwrap().sync().await.unwrap();
        assert_eq!(qty(&b, &item, &lot, &bin).await, 50);

        // Offline: A counts 40 (10 were spoiled and binned), B picks 5.
        a.inventory()
            .unwrap()
            .record(movement(MovementKind::Count, &item, &lot, &bin, 40))
            .await
            .unwrap();
        b.inventory()
            .unwrap()
            .record(movement(MovementKind::Pick, &item, &lot, &bin, 5))
            .await
            .unwrap();
        assert_eq!(qty(&a, &item, &lot, &bin).await, 40);
        assert_eq!(qty(&b, &item, &lot, &bin).await, 45);
        if counter_first {
            a.inventory().unwrap().sync().await.unwrap();
            b.inventory().unwrap().sync().await.unwrap();
        } else {
            b.inventory().unwrap().sync().await.unwrap();
            a.inventory().unwrap().sync().await.unwrap();
        }
        a.inventory().unwrap().sync().await.unwrap();
        b.inventory().unwrap().sync().await.unwrap();
        assert_eq!(
            server_qty(&server, &item, &lot, &bin),
            35,
            "counter_first={counter_first}"
        );
        assert_eq!(qty(&a, &item, &lot, &bin).await, 35);
        assert_eq!(qty(&b, &item, &lot, &bin).await, 35);
        audit(&server);
    }
}

#[tokio::test]
async fn unknown_cursor_and_diverged_copies_are_downloaded_again() {
    let server = server_with_catalogue(200).await;
    let da = tempfile::tempdir().unwrap();
    let a = phone(da.path(), &server, "maria").await;
    a.inventory().unwrap().sync().await.unwrap();
    let (item, lot, bin) = key0();
    let pending = a
        .inventory()
        .unwrap()
        .record(movement(MovementKind::Receive, &item, &lot, &bin, 2))
        .await
        .unwrap();
    let shown = qty(&a, &item, &lot, &bin).await;

    // The server's database was restored: its epoch changed, the phone's cursor means nothing.
    server
        .server
        .db()
        .with(|c| c.execute("UPDATE inv_state SET epoch = 'restored'", []))
        .unwrap();
    let report = a.inventory().unwrap().sync().await.unwrap();
    assert!(report.scopes_reset.contains(&WH.to_string()), "{report:?}");
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        shown,
        "nothing lost, nothing doubled"
    );
    assert_eq!(
        a.inventory().unwrap().movements(true, 10).await.unwrap()[0].id,
        pending.id
    );

    // The server's state changed behind the feed's back: the checksum gives it away.
    server.server.db().with(|c| {
        c.execute(
            "UPDATE inv_stock SET qty = qty + 1 WHERE warehouse_id = ?1 AND item_id = ?2 AND lot_id = ?3 AND location_id = ?4",
            [WH, &item, &lot, &bin],
        )
        .unwrap();
        c.execute(
            "INSERT INTO inv_ledger(movement_id, warehouse_id, item_id, lot_id, location_id, delta, version, origin, origin_seq)
             VALUES ('seed:fix', ?1, ?2, ?3, ?4, 1, 1, 'seed', 0)",
            [WH, &item, &lot, &bin],
        )
        .unwrap();
        let sum = companion_server::inventory::audit(c).unwrap();
        assert_eq!(sum.len(), 1, "checksum now stale: {sum:?}");
        // Recompute the server checksum the way an operator's repair would.
        let mut s = 0u64;
        let mut stmt = c.prepare("SELECT item_id, lot_id, location_id, qty FROM inv_stock WHERE warehouse_id = ?1").unwrap();
        let rows = stmt
            .query_map([WH], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?)))
            .unwrap();
        for r in rows {
            let (i, l, b, q) = r.unwrap();
            s = s.wrapping_add(companion_wire::inventory::stock_row_hash(&i, &l, &b, q));
        }
        companion_server::inventory::set_scope_checksum(c, WH, s).unwrap();
    });
    let report = a.inventory().unwrap().sync().await.unwrap();
    assert_eq!(report.scopes_reset, vec![WH.to_string()]);
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        server_qty(&server, &item, &lot, &bin)
    );

    // The phone's own copy damaged on disk while the app is closed: a verification finds
    // and repairs it.
    let (id, db) = (account_id(&a), a.account_database().unwrap());
    drop(a);
    let damaged = open_account_db(da.path(), &id, &db)
        .execute(
            "UPDATE inv_stock SET qty = qty + 100 WHERE item_id = ?1 AND lot_id = ?2 AND location_id = ?3",
            [&item, &lot, &bin],
        )
        .unwrap();
    assert_eq!(damaged, 1);
    let a = open_phone(da.path(), &server.url()).unwrap();
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        server_qty(&server, &item, &lot, &bin) + 100,
        "the damage shows"
    );
    assert!(!a.inventory().unwrap().verify_warehouse(WH).await.unwrap());
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        server_qty(&server, &item, &lot, &bin)
    );
    assert!(a.inventory().unwrap().verify_warehouse(WH).await.unwrap());
}

/// A large download in small pages, killed part-way: it resumes from the last applied page
/// (not from scratch), reports progress, and ends with bin queries served by their index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_download_resumes_after_a_kill() {
    let server = server_with_catalogue(3000).await;
    let da = tempfile::tempdir().unwrap();
    let options = companion_core::inventory::SyncOptions {
        page_rows: 200,
        ..Default::default()
    };
    let a = phone(da.path(), &server, "lena").await;
    let mut status = a.inventory().unwrap().status_updates();
    let syncing = a.inventory().unwrap();
    let opts = options.clone();
    let task = tokio::spawn(async move { syncing.sync_with(&opts).await });
    // Kill the phone once a few pages are in.
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(20), status.next()).await {
            Ok(Some(companion_core::inventory::SyncStatus {
                activity: SyncActivity::Syncing { done, total },
                ..
            })) if done >= 1000 => {
                assert!(total > done, "{done}/{total}");
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no progress: {other:?}"),
        }
    }
    task.abort();
    let _ = task.await;
    drop(a);
    let a = open_phone(da.path(), &server.url()).unwrap();
    let scope = a
        .inventory()
        .unwrap()
        .scopes()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.warehouse_id == WH)
        .unwrap();
    assert!(!scope.complete && scope.rows_done >= 1000, "{scope:?}");
    let report = a.inventory().unwrap().sync_with(&options).await.unwrap();
    let total_rows: i64 = server.server.db().with(|c| {
        c.query_row(
            "SELECT (SELECT count(*) FROM inv_items WHERE warehouse_id = ?1) + (SELECT count(*) FROM inv_locations WHERE warehouse_id = ?1)
                  + (SELECT count(*) FROM inv_lots WHERE warehouse_id = ?1) + (SELECT count(*) FROM inv_stock WHERE warehouse_id = ?1)
                  + (SELECT count(*) FROM inv_po_lines WHERE warehouse_id = ?1)",
            [WH],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    });
    assert!(
        report.pulled_rows < total_rows,
        "resumed, not restarted: {} of {total_rows}",
        report.pulled_rows
    );
    assert!(
        a.inventory()
            .unwrap()
            .scopes()
            .await
            .unwrap()
            .iter()
            .all(|s| s.complete)
    );
    let (item, lot, bin) = key0();
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        server_qty(&server, &item, &lot, &bin)
    );
    let in_bin = a.inventory().unwrap().bin(WH, &bin).await.unwrap();
    assert!(in_bin.iter().any(|l| l.item_id == item && l.lot_id == lot));
    assert!(a.inventory().unwrap().verify_warehouse(WH).await.unwrap());
    let (id, db) = (account_id(&a), a.account_database().unwrap());
    drop(a);
    let indexed: i64 = open_account_db(da.path(), &id, &db)
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'inv_stock_bin'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexed, 1, "the by-bin index is back after the download");
}

/// A confirmed scan resolves offline to the item and its stock (per lot when the label
/// carries one).
#[tokio::test]
async fn scanner_lookup_uses_the_local_inventory() {
    use companion_scan::gs1::Gs1Element;
    use companion_scan::{BarcodeFormat, ScannedCode};
    let server = server_with_catalogue(200).await;
    let da = tempfile::tempdir().unwrap();
    let a = phone(da.path(), &server, "lena").await;
    a.inventory().unwrap().sync().await.unwrap();
    let lookup = a.inventory().unwrap().scan_lookup();
    let (item, lot, _) = key0();
    let stock = a.inventory().unwrap().item(WH, &item).await.unwrap();
    let scanned = |text: &str, gs1: Vec<Gs1Element>| ScannedCode {
        format: BarcodeFormat::Code128,
        text: text.into(),
        raw_text: text.to_string(),
        symbology_identifier: "]C1".into(),
        corners: vec![],
        gs1,
        gs1_error: None,
    };
    let plain = lookup
        .lookup_code(&scanned(&stock.item.barcodes[0], vec![]))
        .unwrap();
    assert_eq!(plain.item_id, item);
    assert_eq!(plain.stock_on_hand, Some(stock.total_qty as f64));
    let element = |ai: &str, value: &str| Gs1Element {
        ai: ai.into(),
        title: String::new(),
        value: value.into(),
        typed: None,
        issue: None,
    };
    let case = &stock.item.barcodes[1];
    let labelled = lookup
        .lookup_code(&scanned(
            &format!("(01){case}(10){lot}"),
            vec![element("01", case), element("10", &lot)],
        ))
        .unwrap();
    let lot_qty: i64 = stock
        .lines
        .iter()
        .filter(|l| l.lot_id == lot)
        .map(|l| l.qty)
        .sum();
    assert_eq!(
        (labelled.item_id.as_str(), labelled.lot.as_deref()),
        (item.as_str(), Some(lot.as_str()))
    );
    assert_eq!(labelled.stock_on_hand, Some(lot_qty as f64));
    assert!(
        lookup
            .lookup_code(&scanned("9999999999999", vec![]))
            .is_none()
    );
}

/// What a buggy or hostile client could send, and broken answers: typed errors, per-movement
/// rejections, and nothing applied from a page that does not parse.
#[tokio::test]
async fn bad_input_on_the_wire_is_refused_with_a_reason() {
    use companion_wire::inventory::{
        CHANGES_PATH, MovementWire, PUSH_PATH, PushRequest, PushResponse, PushStatus,
    };
    let server = server_with_catalogue(200).await;
    let da = tempfile::tempdir().unwrap();
    let a = phone(da.path(), &server, "dave").await; // wh-north only
    a.inventory().unwrap().sync().await.unwrap();
    // The raw requests come from a client speaking the protocol itself, signed in as dave.
    let raw = RawSession::sign_in(&server.url(), "dave").await.unwrap();
    let (item, lot, bin) = key0();
    let wire = |id: &str, wh: &str, kind: MovementKind, qty: i64| MovementWire {
        id: id.into(),
        origin_seq: 1,
        warehouse_id: wh.into(),
        kind,
        item_id: item.clone(),
        lot_id: lot.clone(),
        location_id: bin.clone(),
        to_location_id: None,
        qty,
        reason: None,
        observed_version: None,
        po_line_id: None,
        created_at_ms: 0,
    };
    let ids: Vec<String> = (0..5)
        .map(|i| format!("00000000-0000-4000-8000-00000000000{i}"))
        .collect();
    let request = PushRequest {
        origin: "test-origin".into(),
        movements: vec![
            wire(&ids[0], "wh-south", MovementKind::Receive, 1),
            wire(&ids[1], WH, MovementKind::Adjust, 5),
            wire(&ids[2], WH, MovementKind::Count, 3),
            wire(&ids[3], WH, MovementKind::Pick, -4),
            wire(&ids[4], WH, MovementKind::Receive, 2),
        ],
    };
    let answer = raw.post(PUSH_PATH, &request).await.unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let answer: PushResponse = answer.json().await.unwrap();
    let codes: Vec<Option<&str>> = answer.results.iter().map(|r| r.code.as_deref()).collect();
    assert_eq!(
        codes,
        vec![
            Some("forbidden_warehouse"),
            Some("invalid_movement"),
            Some("invalid_movement"),
            Some("invalid_movement"),
            None
        ]
    );
    assert_eq!(
        answer.results[4].status,
        PushStatus::Applied,
        "a rejection does not block the rest"
    );

    let garbage = serde_json::json!({"origin": "x", "movements": [{"id": "not-a-uuid"}]});
    // A validation error names the field (what the phone reports as invalid input).
    let (status, error) = error_of(raw.post(PUSH_PATH, &garbage).await.unwrap()).await;
    assert!(matches!(status, 400 | 422), "{status} {error:?}");
    assert_eq!(error.field.as_deref(), Some("movements"), "{error:?}");
    let (status, error) = error_of(
        raw.get(&format!("{CHANGES_PATH}?warehouse={WH}&cursor=zz%20top"))
            .await
            .unwrap(),
    )
    .await;
    assert!(matches!(status, 400 | 422), "{status} {error:?}");
    assert_eq!(error.field.as_deref(), Some("cursor"), "{error:?}");
    let (status, error) = error_of(
        raw.get(&format!("{CHANGES_PATH}?warehouse=wh-south"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403, "{error:?}");

    // A page that does not parse changes nothing; the next sync gets everything.
    let before = a.inventory().unwrap().scopes().await.unwrap();
    server
        .server
        .faults()
        .inject(CHANGES_PATH, 1, companion_server::FaultKind::GarbageBody);
    assert!(matches!(
        a.inventory().unwrap().sync().await,
        Err(Error::Protocol(_))
    ));
    assert_eq!(a.inventory().unwrap().scopes().await.unwrap(), before);
    a.inventory().unwrap().sync().await.unwrap();
    assert_eq!(
        qty(&a, &item, &lot, &bin).await,
        server_qty(&server, &item, &lot, &bin)
    );
    audit(&server);
}

/// The core's own loop drains the outbox through server errors, backing off, without the
/// shell calling sync again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_sync_retries_until_the_outbox_is_empty() {
    use companion_core::inventory::AutoSyncSchedule;
    use companion_wire::inventory::PUSH_PATH;
    let server = server_with_catalogue(200).await;
    let da = tempfile::tempdir().unwrap();
    let a = phone(da.path(), &server, "lena").await;
    a.inventory().unwrap().sync().await.unwrap();
    let (item, lot, bin) = key0();
    a.inventory()
        .unwrap()
        .record(movement(MovementKind::Receive, &item, &lot, &bin, 4))
        .await
        .unwrap();
    // Three attempts per request (the tests' retry policy): two syncs fail, the third passes.
    server.server.faults().inject(
        PUSH_PATH,
        2 * companion_tests::RETRY_ATTEMPTS,
        companion_server::FaultKind::Status {
            status: 503,
            retry_after_secs: None,
        },
    );
    let schedule = AutoSyncSchedule {
        interval: std::time::Duration::from_secs(60),
        retry_base: std::time::Duration::from_millis(50),
        retry_max: std::time::Duration::from_millis(400),
    };
    let looping = a.inventory().unwrap();
    let task = tokio::spawn(async move { looping.run_auto_sync(schedule).await });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while a.inventory().unwrap().pending_count().await.unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the outbox never drained"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    task.abort();
    assert_eq!(
        a.inventory().unwrap().movements(true, 10).await.unwrap()[0].state,
        MovementState::Applied
    );
    audit(&server);
}
