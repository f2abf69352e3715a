//! Account deletion, data export and shared-phone sign-out, end to end: the core against a
//! real reference server on loopback.
//!
//! The main test lists every file under the phone's data directory and every secure-storage
//! entry before and after the deletion: nothing of the deleted account is left, and the
//! other account on the same phone is byte-identical.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use companion_core::account::{
    DELETION_PHRASE, DeletionOutcome, DeletionProgress, ExportPhase, PendingChoice, ProfileUpdate,
    SignOutOptions,
};
use companion_core::inventory::{MovementKind, NewMovement};
use companion_core::{Companion, Error, SessionState, Updates};
use companion_server::FaultKind;
use companion_server::account::export::SyntheticPhotos;
use companion_tests::{DEMO_PASSWORD, TestServer, open_phone};

const WH: &str = "wh-north";

async fn server_with_photos(count: usize, bytes: usize) -> TestServer {
    let server = TestServer::start_with(move |c| {
        c.account
            .export_sections
            .push(Arc::new(SyntheticPhotos { count, bytes }));
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

/// Every file under `dir` (relative path → size and SHA-256), the secure-storage file
/// excepted (its entries are compared one by one).
fn files(dir: &Path) -> BTreeMap<String, (u64, String)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if rel.ends_with("secure-storage.json") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
            let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
            out.insert(rel, (bytes.len() as u64, hex));
        }
    }
    out
}

/// Every secure-storage entry (name → value) of the phone in `dir`.
fn secure(dir: &Path) -> BTreeMap<String, String> {
    match std::fs::read(dir.join("secure/secure-storage.json")) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap(),
        Err(_) => BTreeMap::new(),
    }
}

fn listing(files: &BTreeMap<String, (u64, String)>) -> String {
    files
        .iter()
        .map(|(p, (n, _))| format!("  {p} ({n} bytes)"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn pick_one(phone: &Companion) {
    for item in phone.inventory().unwrap().search("", 50).await.unwrap() {
        let stock = phone
            .inventory()
            .unwrap()
            .item(WH, &item.item_id)
            .await
            .unwrap();
        if let Some(line) = stock.lines.iter().find(|l| l.qty > 0) {
            phone
                .inventory()
                .unwrap()
                .record(NewMovement {
                    warehouse_id: WH.into(),
                    kind: MovementKind::Pick,
                    item_id: item.item_id.clone(),
                    lot_id: line.lot_id.clone(),
                    location_id: line.location_id.clone(),
                    to_location_id: None,
                    qty: 1,
                    reason: None,
                    po_line_id: None,
                })
                .await
                .unwrap();
            return;
        }
    }
    panic!("no stocked item");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_wipes_every_trace_of_the_account_and_leaves_the_other_byte_identical() {
    let server = server_with_photos(2, 200_000).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();

    // Lena works on the shared phone, then signs out keeping her unsent pick for later.
    phone.sign_in("lena", DEMO_PASSWORD).await.unwrap();
    phone.inventory().unwrap().sync().await.unwrap();
    pick_one(&phone).await;
    let lena_export = phone.account().unwrap().export_data().await.unwrap();
    match phone.sign_out_with(SignOutOptions::default()).await {
        Err(Error::PendingWork {
            movements: 1,
            other: 0,
        }) => {}
        other => panic!("sign-out with unsent work must ask first, got {other:?}"),
    }
    let report = phone
        .sign_out_with(SignOutOptions {
            remove_data: false,
            pending: PendingChoice::Keep,
        })
        .await
        .unwrap();
    assert_eq!(report.kept, 1);

    // Maria signs in on the same phone: syncs, exports (sealed segments and a shared copy),
    // corrects her profile, records a pick.
    let account = phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    phone.inventory().unwrap().sync().await.unwrap();
    let maria = phone.account().unwrap();
    let export = maria.export_data().await.unwrap();
    let shared = maria.share_export(&export.export_id).await.unwrap();
    assert!(Path::new(&shared.path).exists());
    maria
        .update_profile(ProfileUpdate {
            job_title: Some("Night shift lead".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    pick_one(&phone).await;

    // Bad input first: nothing changes.
    let wrong_phrase = phone
        .request_account_deletion(DEMO_PASSWORD, "delete my account", PendingChoice::Ask)
        .await;
    assert!(
        matches!(&wrong_phrase, Err(Error::InvalidInput { field, .. }) if field == "confirmation"),
        "{wrong_phrase:?}"
    );
    // Unsent work is shown first; nothing is dropped silently.
    match phone
        .request_account_deletion(DEMO_PASSWORD, DELETION_PHRASE, PendingChoice::Ask)
        .await
    {
        Err(Error::PendingWork { movements: 1, .. }) => {}
        other => panic!("expected PendingWork with the unsent pick, got {other:?}"),
    }
    // She chooses to sync it, but types a stale password: the pick is sent, nothing else.
    let wrong_password = phone
        .request_account_deletion("stale-password", DELETION_PHRASE, PendingChoice::Sync)
        .await;
    assert!(
        matches!(&wrong_password, Err(Error::InvalidInput { field, .. }) if field == "password"),
        "{wrong_password:?}"
    );
    assert_eq!(maria.deletion_progress(), DeletionProgress::None);
    assert_eq!(phone.inventory().unwrap().pending_count().await.unwrap(), 0);

    let before_files = files(dir.path());
    let before_secure = secure(dir.path());
    let maria_dir = format!("accounts/{}/", account.id);
    assert!(
        before_files.keys().any(|p| p.starts_with(&maria_dir)),
        "maria's files should exist before:\n{}",
        listing(&before_files)
    );
    assert!(before_secure.keys().any(|k| k.contains(&account.id)));

    let outcome = phone
        .request_account_deletion(DEMO_PASSWORD, DELETION_PHRASE, PendingChoice::Ask)
        .await
        .unwrap();
    let DeletionOutcome::Accepted { status } = outcome else {
        panic!("expected Accepted, got {outcome:?}");
    };
    assert_eq!(status.grace_days, 30);
    assert_eq!(phone.session_state(), SessionState::SignedOut);
    assert!(matches!(phone.account(), Err(Error::NotSignedIn)));

    let after_files = files(dir.path());
    let after_secure = secure(dir.path());
    let left: BTreeMap<_, _> = after_files
        .iter()
        .filter(|(p, _)| p.contains(&account.id) || p.contains("wiping"))
        .map(|(p, v)| (p.clone(), v.clone()))
        .collect();
    assert!(
        left.is_empty(),
        "files of the deleted account left on the phone:\n{}",
        listing(&left)
    );
    let new_files: BTreeMap<_, _> = after_files
        .iter()
        .filter(|(p, _)| !before_files.contains_key(*p))
        .map(|(p, v)| (p.clone(), v.clone()))
        .collect();
    assert!(
        new_files.is_empty(),
        "files appeared:\n{}",
        listing(&new_files)
    );
    for (path, (size, hash)) in &before_files {
        if path.contains(&account.id) {
            continue;
        }
        let after = after_files.get(path);
        assert_eq!(
            after,
            Some(&(*size, hash.clone())),
            "{path} ({size} bytes) changed or vanished; before:\n{}\nafter:\n{}",
            listing(&before_files),
            listing(&after_files)
        );
    }
    let maria_entries: Vec<(&String, usize)> = after_secure
        .iter()
        .filter(|(k, v)| {
            k.contains(&account.id)
                || k.starts_with("session.v1")
                || k.starts_with("account.wipe")
                || v.contains(&account.id)
        })
        .map(|(k, v)| (k, v.len()))
        .collect();
    assert!(
        maria_entries.is_empty(),
        "secure-storage entries of the deleted account left: {maria_entries:?}"
    );
    for (k, v) in &before_secure {
        if k.contains(&account.id) || k == "session.v1" {
            continue;
        }
        if k == "session.pending_revocation" {
            continue;
        }
        assert_eq!(
            after_secure.get(k),
            Some(v),
            "secure-storage entry {k} changed"
        );
    }
    assert!(
        !after_secure.contains_key("session.pending_revocation"),
        "no token of the deleted account may stay queued: {:?}",
        after_secure.keys().collect::<Vec<_>>()
    );

    // The server: pending, push registrations gone, every session revoked.
    let db = server.server.db();
    let (pending, live_sessions): (i64, i64) = db.with(|c| {
        (
            c.query_row(
                "SELECT count(*) FROM account_deletions WHERE account_id = ?1",
                [&account.id],
                |r| r.get(0),
            )
            .unwrap(),
            c.query_row(
                "SELECT count(*) FROM device_sessions WHERE account_id = ?1 AND revoked_at IS NULL",
                [&account.id],
                |r| r.get(0),
            )
            .unwrap(),
        )
    });
    assert_eq!((pending, live_sessions), (1, 0));

    // Lena comes back: her unsent pick and her export are still there.
    phone.sign_in("lena", DEMO_PASSWORD).await.unwrap();
    assert_eq!(phone.inventory().unwrap().pending_count().await.unwrap(), 1);
    let exports = phone.account().unwrap().exports().await.unwrap();
    assert_eq!(exports, vec![lena_export]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_data_sign_out_never_drops_unsent_work_silently() {
    let server = server_with_photos(0, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    let lena = phone.sign_in("lena", DEMO_PASSWORD).await.unwrap();
    phone.inventory().unwrap().sync().await.unwrap();
    pick_one(&phone).await;
    let remove = |pending| SignOutOptions {
        remove_data: true,
        pending,
    };
    assert!(matches!(
        phone.sign_out_with(remove(PendingChoice::Ask)).await,
        Err(Error::PendingWork { movements: 1, .. })
    ));
    assert!(matches!(
        phone.sign_out_with(remove(PendingChoice::Keep)).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(phone.inventory().unwrap().pending_count().await.unwrap() == 1);
    let report = phone
        .sign_out_with(remove(PendingChoice::Discard))
        .await
        .unwrap();
    assert_eq!((report.discarded, report.data_removed), (1, true));
    assert!(!dir.path().join("accounts").join(&lena.id).exists());
    assert!(
        !secure(dir.path()).keys().any(|k| k.contains(&lena.id)),
        "{:?}",
        secure(dir.path()).keys().collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_export_resumes_and_matches_the_server() {
    // About 9 MB: nine segments.
    let server = server_with_photos(3, 3_000_000).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = Arc::new(open_phone(dir.path(), &server.url()).unwrap());
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    let account = phone.account().unwrap();
    let mut updates = account.export_updates();
    let task = tokio::spawn({
        let account = account.clone();
        async move { account.export_data().await }
    });
    // Once the export has its id, every segment is slowed down, so the kill lands while a
    // segment is in flight, after the first one is on disk.
    let mut file_path = None;
    loop {
        let p = updates.next().await.unwrap();
        if file_path.is_none()
            && let Some(id) = &p.export_id
            && matches!(p.phase, ExportPhase::Building | ExportPhase::Downloading)
        {
            let path = format!("/v1/account/exports/{id}/file");
            server
                .server
                .faults()
                .inject(&path, 100, FaultKind::SlowBody { delay_ms: 300 });
            file_path = Some(path);
        }
        if p.phase == ExportPhase::Downloading
            && p.bytes_done > companion_core::account::SEGMENT_BYTES as i64
        {
            task.abort();
            break;
        }
        assert_ne!(
            p.phase,
            ExportPhase::Ready,
            "finished before it could be interrupted"
        );
    }
    let _ = task.await;
    server.server.faults().clear();
    let seg_dir = std::fs::read_dir(dir.path().join("accounts/acct-maria/exports"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let list = || -> Vec<String> {
        std::fs::read_dir(&seg_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect()
    };
    // The aborted task may still have a segment write on the blocking pool; the writer drops
    // its temporary file when that write returns, so give it a moment, not forever.
    let mut segments = list();
    for _ in 0..50 {
        if !segments.iter().any(|s| s.contains(".tmp-")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        segments = list();
    }
    assert!(
        segments.iter().any(|s| s == "seg-000000.sealed"),
        "{segments:?}"
    );
    assert!(
        segments.len() < 9,
        "the download was not interrupted: {segments:?}"
    );
    assert!(
        !segments.iter().any(|s| s.contains(".tmp-")),
        "a half-written segment was left: {segments:?}"
    );
    // The resumed run meets a dropped connection first; the next call finishes.
    server.server.faults().inject(
        file_path.as_deref().unwrap(),
        1,
        FaultKind::DropBeforeHandler,
    );
    let first_try = account.export_data().await;
    let e = first_try.expect_err("the dropped connection is an error");
    assert_eq!(e.kind(), companion_core::ErrorKind::Offline, "{e}");
    let file = account.export_data().await.unwrap();
    let shared = account.share_export(&file.export_id).await.unwrap();
    let bytes = std::fs::read(&shared.path).unwrap();
    assert_eq!(bytes.len() as i64, file.bytes);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut manifest = String::new();
    zip.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    assert!(manifest.contains("proofs/photos/photo-0002.jpg"));
    // The sealed segments hold no plaintext of the zip.
    let raw = std::fs::read(seg_dir.join("seg-000000.sealed")).unwrap();
    assert!(!raw.windows(4).any(|w| w == b"PK\x03\x04"));
    account.finish_sharing().await.unwrap();
    assert!(!Path::new(&shared.path).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_requested_offline_is_queued_then_sent_and_a_lost_answer_is_confirmed() {
    let server = server_with_photos(0, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    let account = phone.sign_in("dave", DEMO_PASSWORD).await.unwrap();
    let faults = server.server.faults();
    faults.inject("/v1/account/deletion", 1, FaultKind::DropBeforeHandler);
    let outcome = phone
        .request_account_deletion(DEMO_PASSWORD, DELETION_PHRASE, PendingChoice::Ask)
        .await
        .unwrap();
    assert!(
        matches!(outcome, DeletionOutcome::Queued { .. }),
        "{outcome:?}"
    );
    assert!(matches!(
        phone.account().unwrap().deletion_progress(),
        DeletionProgress::Queued { .. }
    ));
    // The next attempt reaches the server, but its answer is lost.
    faults.inject("/v1/account/deletion", 1, FaultKind::DropAfterCommit);
    let again = phone.send_queued_deletion(None).await.unwrap();
    assert!(matches!(again, DeletionOutcome::Queued { .. }), "{again:?}");
    // The third finds every token revoked, signs in to check, and finishes the job.
    let done = phone.send_queued_deletion(None).await.unwrap();
    assert!(matches!(done, DeletionOutcome::Accepted { .. }), "{done:?}");
    assert!(!dir.path().join("accounts").join(&account.id).exists());
    assert_eq!(phone.session_state(), SessionState::SignedOut);
    assert!(!secure(dir.path()).contains_key("session.v1"));
}
