//! The demo's account part: a driver exports his data (with progress), asks to delete his
//! account with a movement still unsent (the app makes him choose: he syncs it), the server
//! accepts, the phone is wiped of every trace of the account, and after the grace period
//! (shortened to seconds here) the purge deletes his personal data and de-identifies the
//! movements the business keeps.

use std::path::Path;
use std::time::Duration;

use companion_core::Updates;
use companion_core::account::{DELETION_PHRASE, DeletionOutcome, ExportPhase, PendingChoice};
use companion_core::inventory::{MovementKind, NewMovement};
use companion_server::ServerConfig;
use companion_server::seed::DEMO_PASSWORD;

use crate::account::open_device;
use crate::output::CliError;

const GRACE_SECS: u64 = 2;

fn say(json: bool, step: &str, detail: serde_json::Value, human: String) {
    if json {
        println!("{}", serde_json::json!({"step": step, "detail": detail}));
    } else {
        println!("• {human}");
    }
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

/// Every file under `dir`, relative, with its size.
fn files_under(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
                out.push((rel, size));
            }
        }
    }
    out.sort();
    out
}

/// Runs the account demo on its own reference server (grace period of seconds) in `work`.
pub async fn run(json: bool, work: &Path) -> Result<(), CliError> {
    let mut config = ServerConfig::in_dir(work.join("account-server"));
    config.account.deletion_grace = Duration::from_secs(GRACE_SECS);
    config.account.background_jobs = false;
    let db_path = config.db_path.clone();
    let account_config = config.account.clone();
    let server = companion_server::start(config).await.map_err(usage)?;
    server
        .db()
        .with(|c| companion_server::catalogue::seed(c, "wh-north", 200))
        .map_err(usage)?;
    let dir = work.join("phone-dave");
    let phone = open_device(&dir, &server.url())?;
    let account = phone.sign_in("dave", DEMO_PASSWORD).await?;
    phone.inventory()?.sync().await?;
    say(
        json,
        "account_demo",
        serde_json::json!({"server": server.url(), "grace_secs": GRACE_SECS}),
        format!(
            "account demo: Dave signs in on phone C (a server whose grace period is {GRACE_SECS} s instead of 30 days)"
        ),
    );

    // The export, with its progress.
    let mut updates = phone.account()?.export_updates();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(p) = updates.next().await {
            if p.phase != ExportPhase::Idle && seen.last() != Some(&p.phase) {
                seen.push(p.phase);
            }
            if matches!(p.phase, ExportPhase::Ready | ExportPhase::Failed) {
                break;
            }
        }
        seen
    });
    let file = phone.account()?.export_data().await?;
    let phases = tokio::time::timeout(Duration::from_secs(2), watcher)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let shared = phone.account()?.share_export(&file.export_id).await?;
    let names: Vec<String> = {
        let f = std::fs::File::open(&shared.path).map_err(usage)?;
        let mut zip = zip::ZipArchive::new(f).map_err(usage)?;
        (0..zip.len())
            .filter_map(|i| {
                zip.by_index(i)
                    .ok()
                    .and_then(|e| e.name().ok().map(|n| n.to_string()))
            })
            .collect()
    };
    phone.account()?.finish_sharing().await?;
    say(
        json,
        "export",
        serde_json::json!({"bytes": file.bytes, "sha256": file.sha256, "phases": phases, "files": names}),
        format!(
            "export: {:?} → {} bytes, SHA-256 checked, sealed on the phone; the zip handed to the share sheet holds {}",
            phases,
            file.bytes,
            names.join(", ")
        ),
    );

    // A pick still unsent when he asks to delete.
    let mut picked = false;
    for item in phone.inventory()?.search("", 50).await? {
        let stock = phone.inventory()?.item("wh-north", &item.item_id).await?;
        if let Some(line) = stock.lines.iter().find(|l| l.qty > 0) {
            phone
                .inventory()?
                .record(NewMovement {
                    warehouse_id: "wh-north".into(),
                    kind: MovementKind::Pick,
                    item_id: item.item_id.clone(),
                    lot_id: line.lot_id.clone(),
                    location_id: line.location_id.clone(),
                    to_location_id: None,
                    qty: 1,
                    reason: None,
                    po_line_id: None,
                })
                .await?;
            picked = true;
            break;
        }
    }
    if !picked {
        return Err(usage("no stocked item to pick"));
    }
    match phone
        .request_account_deletion(DEMO_PASSWORD, DELETION_PHRASE, PendingChoice::Ask)
        .await
    {
        Err(e @ companion_core::Error::PendingWork { .. }) => say(
            json,
            "deletion_pending_work",
            serde_json::json!({"error": e.to_string()}),
            format!("deletion asked with work unsent: refused until he chooses ({e})"),
        ),
        other => return Err(usage(format!("expected PendingWork, got {other:?}"))),
    }
    let before = files_under(&dir.join("accounts"));
    let outcome = phone
        .request_account_deletion(DEMO_PASSWORD, DELETION_PHRASE, PendingChoice::Sync)
        .await?;
    let DeletionOutcome::Accepted { status } = outcome else {
        return Err(usage("the deletion was not accepted"));
    };
    let after = files_under(&dir.join("accounts"));
    say(
        json,
        "deletion_accepted",
        serde_json::json!({"purge_after": status.purge_after, "grace_days": status.grace_days,
            "kept": status.kept, "files_before": before.len(), "files_after": after,
            "signed_in": phone.account().is_ok()}),
        format!(
            "he syncs first, then the server accepts: every session revoked, push removed; phone wiped ({} files of the account before, {} after), signed out",
            before.len(),
            after.len()
        ),
    );
    if !after.is_empty() {
        return Err(usage(format!("files left after the wipe: {after:?}")));
    }

    tokio::time::sleep(Duration::from_secs(GRACE_SECS + 1)).await;
    let purged = companion_server::account::purge::run_due(server.db(), &account_config, &db_path)
        .await
        .map_err(|e| usage(e.message))?;
    let (left, kept): (i64, i64) = server
        .db()
        .with(|c| {
            Ok::<_, rusqlite::Error>((
                c.query_row(
                    "SELECT count(*) FROM accounts WHERE id = ?1",
                    [&account.id],
                    |r| r.get(0),
                )?,
                c.query_row(
                    "SELECT count(*) FROM inv_movements WHERE account_id LIKE 'anon-%'",
                    [],
                    |r| r.get(0),
                )?,
            ))
        })
        .map_err(usage)?;
    let relogin = open_device(&work.join("phone-dave-2"), &server.url())?
        .sign_in("dave", DEMO_PASSWORD)
        .await;
    say(
        json,
        "purged",
        serde_json::json!({"purged_accounts": purged, "account_rows": left, "deidentified_movements": kept,
            "sign_in_after": relogin.as_ref().err().map(|e| e.to_string())}),
        format!(
            "after the grace period the purge ran: account gone ({left} rows), {kept} movement(s) kept under a pseudonym, sign-in refused"
        ),
    );
    server.shutdown().await;
    Ok(())
}
