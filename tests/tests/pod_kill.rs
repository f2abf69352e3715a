//! A driver's phone killed with SIGKILL in the middle of a proof of delivery: during the
//! capture (while a photo is being processed) and during the upload (between photo parts).
//! After the restart nothing captured is lost, the capture resumes where it was, and the
//! proof reaches the server exactly once with everything captured.

mod pod_support;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use companion_core::deliveries::{ProofState, SignatureCapture};
use companion_tests::{TestServer, open_phone};
use companion_wire::deliveries::{DeliveryOutcome, part_count};
use pod_support::*;

fn helper(dir: &std::path::Path, url: &str, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pod_phone"))
        .arg(dir)
        .arg(url)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_during_capture_the_stop_resumes_with_every_step_kept() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    {
        let phone = driver_phone(dir.path(), &server.url(), "dave").await;
        let pod = phone.deliveries().unwrap();
        pod.download_routes().await.unwrap();
        let s = stop(&pod, "stop-dave-3").await;
        pod.start_capture("stop-dave-3").await.unwrap();
        pod.set_fix("stop-dave-3", Some(fix_near(&s, 15.0, 600)))
            .await
            .unwrap();
    }
    // The camera photo, then a 12 MP one: killed while the second is processed.
    let photos = tempfile::tempdir().unwrap();
    let first = photos.path().join("first.jpg");
    std::fs::copy(fixture("camera-iphone6plus-gps.jpg"), &first).unwrap();
    let second = photos.path().join("second.jpg");
    std::fs::write(&second, textured_jpeg(4000, 3000, 3)).unwrap();

    let url = server.url();
    let mut child = helper(
        dir.path(),
        &url,
        &[
            "capture",
            "stop-dave-3",
            first.to_str().unwrap(),
            second.to_str().unwrap(),
        ],
    );
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the helper ended early"
        );
        if line.trim() == "adding 1" {
            break;
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "not killed: {status:?}");

    // Restart: the fix and the first photo are there; the second never was.
    let phone = open_phone(dir.path(), &url).unwrap();
    let pod = phone.deliveries().unwrap();
    let resumed = pod.start_capture("stop-dave-3").await.unwrap();
    assert_eq!(resumed.state, ProofState::Draft);
    assert!(resumed.fix.is_some());
    assert_eq!(resumed.photos.len(), 1, "{:?}", resumed.photos);
    // Finish the stop: the second photo again, signature, recipient, outcome.
    let c = pod
        .add_photo("stop-dave-3", std::fs::read(&second).unwrap())
        .await
        .unwrap();
    assert_eq!(c.photos.len(), 2);
    pod.set_signature(
        "stop-dave-3",
        SignatureCapture::Signed { strokes: strokes() },
    )
    .await
    .unwrap();
    pod.set_recipient("stop-dave-3", Some("P. de Vries".into()))
        .await
        .unwrap();
    pod.set_outcome("stop-dave-3", DeliveryOutcome::Delivered)
        .await
        .unwrap();
    let sealed = pod.seal("stop-dave-3", None).await.unwrap();
    assert_eq!(pod.upload().await.unwrap().uploaded, 1);
    assert_eq!(server_proofs(&server, "stop-dave-3"), 1);
    let record: companion_wire::deliveries::ProofOfDelivery = server
        .server
        .db()
        .with(|c| {
            c.query_row(
                "SELECT record_json FROM pod_proofs WHERE stop_id = 'stop-dave-3'",
                [],
                |r| r.get::<_, String>(0),
            )
        })
        .map(|j| serde_json::from_str(&j).unwrap())
        .unwrap();
    assert_eq!(record.photos, sealed.photos);
    assert_eq!(record.fix, resumed.fix);
    assert_eq!(record.recipient_name.as_deref(), Some("P. de Vries"));
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_during_upload_the_proof_arrives_once_with_every_photo() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let (sealed, total_parts) = {
        let phone = driver_phone(dir.path(), &url, "dave").await;
        let pod = phone.deliveries().unwrap();
        pod.download_routes().await.unwrap();
        let mut c = capture_default_stop(&pod, "stop-dave-1", textured_jpeg(2000, 1500, 20)).await;
        for seed in 21..30 {
            c = pod
                .add_photo("stop-dave-1", textured_jpeg(2000, 1500, seed))
                .await
                .unwrap();
        }
        assert_eq!(c.photos.len(), 10);
        let parts: u32 = c.photos.iter().map(|p| part_count(p.size)).sum();
        (pod.seal("stop-dave-1", None).await.unwrap(), parts)
    };
    assert!(total_parts >= 10);

    // Killed after 4 upload steps (photo parts) of the proof.
    let mut child = helper(dir.path(), &url, &["upload", "4"]);
    let status = child.wait().unwrap();
    let mut printed = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut printed).unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "not killed: {status:?}\n{printed}"
    );
    assert_eq!(
        server_proofs(&server, "stop-dave-1"),
        0,
        "the proof went before its photos"
    );

    // Restart: still sealed and queued; the upload resumes what the server holds.
    let phone = open_phone(dir.path(), &url).unwrap();
    let pod = phone.deliveries().unwrap();
    assert_eq!(
        pod.capture("stop-dave-1").await.unwrap().state,
        sealed.state
    );
    assert_eq!(pod.status().queued, 1);
    let report = pod.upload().await.unwrap();
    assert_eq!(report.uploaded, 1);
    assert!(
        report.photo_parts_sent < total_parts,
        "nothing was resumed: {report:?} of {total_parts} parts"
    );
    assert_eq!(server_proofs(&server, "stop-dave-1"), 1);
    let stored: i64 = server
        .server
        .db()
        .with(|c| {
            let mut n = 0;
            for p in &sealed.photos {
                n += c.query_row(
                    "SELECT count(*) FROM pod_photos WHERE sha256 = ?1",
                    [&p.sha256],
                    |r| r.get::<_, i64>(0),
                )?;
            }
            Ok::<_, rusqlite::Error>(n)
        })
        .unwrap();
    assert_eq!(stored, 10);
    // And never again.
    let again = pod.upload().await.unwrap();
    assert_eq!((again.uploaded, again.photo_parts_sent), (0, 0));
    assert_eq!(server_proofs(&server, "stop-dave-1"), 1);
    server.server.shutdown().await;
}
