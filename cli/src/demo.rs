//! `companion demo`: README's first command. Starts the reference server with demo data on
//! a free loopback port, then walks two phones through a working session, printing each
//! step: sign-in, the first inventory download, offline stock changes on both phones, the
//! sync that merges them, and sign-out.

use companion_core::inventory::{AdjustReason, MovementKind, NewMovement};
use companion_core::{Companion, SessionState};
use companion_server::{ServerConfig, seed};

use crate::account::open_device;
use crate::output::CliError;

/// Stock rows (item × lot × bin) seeded into the demo warehouse.
const DEMO_STOCK_ROWS: usize = 2_000;
const WAREHOUSE: &str = "wh-north";

struct Steps {
    json: bool,
}

impl Steps {
    fn say(&self, step: &str, detail: serde_json::Value, human: String) {
        if self.json {
            println!("{}", serde_json::json!({"step": step, "detail": detail}));
        } else {
            println!("• {human}");
        }
    }
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

pub async fn run(json: bool) -> Result<(), CliError> {
    let out = Steps { json };
    let work = tempfile::tempdir().map_err(usage)?;
    // Push goes through a local stand-in of FCM, as a real deployment would through Google.
    let fcm = companion_push_providers::standin::FcmStandin::start()
        .await
        .map_err(usage)?;
    let service_account = work.path().join("fcm-service-account.json");
    std::fs::write(&service_account, fcm.service_account_json()).map_err(usage)?;
    let mut config = ServerConfig::in_dir(work.path().join("server"));
    config.push.fcm = Some(companion_server::push::FcmSettings {
        service_account_path: service_account,
        send_base_url: fcm.url(),
    });
    config.push.erp_api_key = Some(DEMO_ERP_KEY.into());
    let server = companion_server::start(config).await.map_err(usage)?;
    server
        .db()
        .with(|c| companion_server::catalogue::seed(c, WAREHOUSE, DEMO_STOCK_ROWS))
        .map_err(usage)?;
    out.say(
        "server",
        serde_json::json!({"url": server.url(), "stock_rows": DEMO_STOCK_ROWS}),
        format!(
            "reference server with demo users and {DEMO_STOCK_ROWS} stock rows at {}",
            server.url()
        ),
    );

    let maria_dir = work.path().join("phone-maria");
    let maria = open_device(&maria_dir, &server.url())?;
    out.say(
        "device",
        serde_json::json!({"install_id": maria.install_id(), "data_dir": maria_dir}),
        format!(
            "phone A opened: install id {}, sandbox {}",
            maria.install_id(),
            maria_dir.display()
        ),
    );

    match maria.sign_in("maria", "not-her-password").await {
        Err(e) => out.say(
            "wrong_password",
            serde_json::json!({"error": e.to_string()}),
            format!("wrong password refused: {e}"),
        ),
        Ok(_) => return Err(usage("the server accepted a wrong password")),
    }
    let account = maria.sign_in("maria", seed::DEMO_PASSWORD).await?;
    let scopes: Vec<_> = account.warehouses.iter().map(|w| w.name.clone()).collect();
    out.say(
        "signed_in",
        serde_json::json!({"account": account}),
        format!(
            "signed in as {}; warehouses: {}",
            account.display_name,
            scopes.join(", ")
        ),
    );

    let report = maria.inventory()?.sync().await?;
    out.say(
        "initial_sync",
        serde_json::json!({"report": report}),
        format!(
            "first sync downloaded {} rows into the phone's database",
            report.pulled_rows
        ),
    );

    // A real produce label is photographed: GS1 DataBar Expanded, decoded on the phone, its
    // GS1 data parsed, its GTIN looked up offline.
    real_label(&out, &maria).await?;

    // Phone B: another picker in the same warehouse.
    let lena_dir = work.path().join("phone-lena");
    let lena = open_device(&lena_dir, &server.url())?;
    lena.sign_in("lena", seed::DEMO_PASSWORD).await?;
    lena.inventory()?.sync().await?;
    out.say(
        "second_phone",
        serde_json::json!({"user": "lena"}),
        "phone B signed in as Lena and synced".into(),
    );

    // A case label is scanned: the GTIN hits the local database, no network needed.
    let line = first_stocked_line(&server, &maria).await?;
    let (gtin, item_id, lot_id, bin, before) = line;
    out.say(
        "lookup",
        serde_json::json!({"gtin": gtin, "item_id": item_id, "lot_id": lot_id, "bin": bin, "qty": before}),
        format!("scan of GTIN {gtin}: item {item_id}, lot {lot_id}, bin {bin}, {before} on hand (offline lookup)"),
    );

    // Both phones work offline on the same bin: Maria writes off 3 damaged cases, Lena
    // picks 2. Neither knows of the other.
    let movement = |kind, qty, reason| NewMovement {
        warehouse_id: WAREHOUSE.into(),
        kind,
        item_id: item_id.clone(),
        lot_id: lot_id.clone(),
        location_id: bin.clone(),
        to_location_id: None,
        qty,
        reason,
        po_line_id: None,
    };
    maria
        .inventory()?
        .record(movement(
            MovementKind::Adjust,
            -3,
            Some(AdjustReason::Damage),
        ))
        .await?;
    lena.inventory()?
        .record(movement(MovementKind::Pick, 2, None))
        .await?;
    out.say(
        "offline_changes",
        serde_json::json!({"maria": "adjust -3 damage", "lena": "pick 2",
            "maria_sees": qty_at(&maria, &item_id, &lot_id, &bin).await?, "lena_sees": qty_at(&lena, &item_id, &lot_id, &bin).await?}),
        format!(
            "offline: A writes off 3 damaged (sees {}), B picks 2 (sees {}); both queued in their outboxes",
            qty_at(&maria, &item_id, &lot_id, &bin).await?,
            qty_at(&lena, &item_id, &lot_id, &bin).await?
        ),
    );

    // Back in coverage: each phone pushes its outbox and pulls the other's change.
    maria.inventory()?.sync().await?;
    lena.inventory()?.sync().await?;
    maria.inventory()?.sync().await?;
    let (a, b) = (
        qty_at(&maria, &item_id, &lot_id, &bin).await?,
        qty_at(&lena, &item_id, &lot_id, &bin).await?,
    );
    out.say(
        "merged",
        serde_json::json!({"before": before, "maria_sees": a, "lena_sees": b, "expected": before - 5}),
        format!("after sync both phones show {a} and {b} (was {before}; -3 and -2 merged, nothing lost or doubled)"),
    );
    if a != before - 5 || b != before - 5 {
        return Err(usage("the phones did not converge"));
    }

    push_demo(&out, &server, &fcm, &maria, &lena, &item_id, &lot_id, &bin).await?;
    crate::demo_pod::run(out.json, &server, work.path()).await?;

    // A phone restart: the session comes back from secure storage, no password needed.
    drop(maria);
    let maria = open_device(&maria_dir, &server.url())?;
    let restored = matches!(maria.session_state(), SessionState::SignedIn { .. });
    out.say(
        "restart",
        serde_json::json!({"session_restored": restored}),
        format!("app restarted; session restored: {restored}"),
    );

    crate::demo_account::run(json, work.path()).await?;
    maria.sign_out().await?;
    lena.sign_out().await?;
    out.say(
        "signed_out",
        serde_json::json!({}),
        "signed out; refresh tokens revoked on the server".into(),
    );
    server.shutdown().await;
    Ok(())
}

const DEMO_ERP_KEY: &str = "demo-erp-key";

/// Phone A registers for push; the ERP sets a threshold at the item's current stock; phone
/// B picks one case and syncs; the server notifies A through the FCM stand-in and A reads
/// the typed event with its deep link.
#[allow(clippy::too_many_arguments)]
async fn push_demo(
    out: &Steps,
    server: &companion_server::RunningServer,
    fcm: &companion_push_providers::standin::FcmStandin,
    maria: &Companion,
    lena: &Companion,
    item_id: &str,
    lot_id: &str,
    bin: &str,
) -> Result<(), CliError> {
    use companion_core::push::PushNotifications;
    use companion_wire::push::PushProvider;
    // A demo token; a real one comes from FirebaseMessaging.getToken() on the phone.
    let token = format!("demo:APA91b-{}", maria.install_id());
    maria
        .push()?
        .register_token(PushProvider::Fcm, &token, None)
        .await?;
    let total: i64 = maria
        .inventory()?
        .item(WAREHOUSE, item_id)
        .await?
        .lines
        .iter()
        .map(|l| l.qty)
        .sum();
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/erp/push/thresholds", server.url()))
        .header("x-erp-api-key", DEMO_ERP_KEY)
        .json(
            &serde_json::json!({"warehouse_id": WAREHOUSE, "item_id": item_id, "threshold": total}),
        )
        .send()
        .await
        .map_err(usage)?;
    if answer.status().as_u16() != 204 {
        return Err(usage(format!("setting the threshold: {}", answer.status())));
    }
    lena.inventory()?
        .record(NewMovement {
            warehouse_id: WAREHOUSE.into(),
            kind: MovementKind::Pick,
            item_id: item_id.into(),
            lot_id: lot_id.into(),
            location_id: bin.into(),
            to_location_id: None,
            qty: 1,
            reason: None,
            po_line_id: None,
        })
        .await?;
    lena.inventory()?.sync().await?;
    let mut waited = 0;
    let received = loop {
        if let Some(m) = fcm.received_by(&token).into_iter().next() {
            break m;
        }
        if waited > 100 {
            return Err(usage("no notification reached phone A"));
        }
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let event = PushNotifications::parse_fcm(&received.data)?;
    let link = event.target().map(|t| t.url()).unwrap_or_default();
    out.say(
        "push",
        serde_json::json!({"threshold": total, "title": received.title, "body": received.body, "link": link}),
        format!(
            "B picked 1 below the threshold of {total}: A got \"{}\" via the FCM stand-in ({}), opens {link}",
            received.title, received.body
        ),
    );
    maria.push()?.unregister().await?;
    Ok(())
}

/// A case on a shelf, as (GTIN, item, lot, bin, qty): the bin is chosen from the server's
/// stock (the picker walks to it); everything else the phone reads from its own database.
async fn first_stocked_line(
    server: &companion_server::RunningServer,
    phone: &Companion,
) -> Result<(String, String, String, String, i64), CliError> {
    let (item_id, lot_id, bin): (String, String, String) = server
        .db()
        .with(|c| {
            c.query_row(
                "SELECT item_id, lot_id, location_id FROM inv_stock
                 WHERE warehouse_id = ?1 AND qty >= 10 ORDER BY item_id, lot_id, location_id LIMIT 1",
                [WAREHOUSE],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .map_err(usage)?;
    let item = phone.inventory()?.item(WAREHOUSE, &item_id).await?.item;
    let gtin = item
        .barcodes
        .first()
        .cloned()
        .ok_or_else(|| usage("demo item has no barcode"))?;
    // What a scan does: the GTIN hits the local database.
    let hits = phone.inventory()?.lookup(&gtin).await?;
    let qty = hits
        .iter()
        .flat_map(|s| &s.lines)
        .filter(|l| l.lot_id == lot_id && l.location_id == bin)
        .map(|l| l.qty)
        .sum();
    Ok((gtin, item_id, lot_id, bin, qty))
}

async fn qty_at(
    phone: &Companion,
    item_id: &str,
    lot_id: &str,
    bin: &str,
) -> Result<i64, CliError> {
    let stock = phone.inventory()?.item(WAREHOUSE, item_id).await?;
    Ok(stock
        .lines
        .iter()
        .filter(|l| l.lot_id == lot_id && l.location_id == bin)
        .map(|l| l.qty)
        .sum())
}

/// The repository's real GS1 DataBar Expanded label (a variable-weight produce item).
const REAL_LABEL: &[u8] = include_bytes!("../../fixtures/barcode-real/rssexpanded-3__1.png");

async fn real_label(out: &Steps, phone: &Companion) -> Result<(), CliError> {
    let options = companion_scan::ScanOptions {
        formats: vec![companion_scan::BarcodeFormat::DataBarExpanded],
        ..Default::default()
    };
    let decoded = companion_scan::decode_image_bytes(REAL_LABEL, options)
        .map_err(|e| usage(format!("decoding the demo label: {e}")))?;
    let code = decoded
        .codes
        .into_iter()
        .next()
        .ok_or_else(|| usage("the demo label was not decoded"))?;
    let elements: Vec<serde_json::Value> = code
        .gs1
        .iter()
        .map(|e| serde_json::json!({"ai": e.ai, "title": e.title, "value": e.value}))
        .collect();
    let item = phone
        .inventory()?
        .scan_lookup()
        .lookup_code(&code)
        .ok_or_else(|| usage("the demo label's GTIN is not in the phone's inventory"))?;
    out.say(
        "real_label",
        serde_json::json!({"format": format!("{:?}", code.format), "text": code.text, "gs1": elements,
            "item_id": item.item_id, "name": item.name, "on_hand": item.stock_on_hand}),
        format!(
            "photo of a real produce label: GS1 DataBar Expanded {} -> {} ({}), {} on hand (offline)",
            code.text,
            item.item_id,
            item.name,
            item.stock_on_hand.unwrap_or_default()
        ),
    );
    Ok(())
}
