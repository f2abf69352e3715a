//! The phone side of proof of delivery against a real server: a stop captured step by step,
//! sealed with the device key, uploaded exactly once with a verified receipt; what a kept
//! photo still carries of the camera's EXIF (nothing); bad input refused with typed errors
//! while everything already captured stays; a stop completed elsewhere.

mod pod_support;

use std::io::Cursor;

use companion_core::Error;
use companion_core::Updates;
use companion_core::deliveries::{ProofState, SignatureCapture};
use companion_tests::{TestServer, open_account_db};
use companion_wire::deliveries::{
    DeliveryOutcome, GeoPoint, GeofenceVerdict, ItemScan, SignatureStrokes, Stroke, StrokePoint,
    UnknownReason,
};
use pod_support::*;

fn field_of(e: &Error) -> &str {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_is_captured_sealed_and_uploaded_exactly_once_with_no_exif_kept() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = driver_phone(dir.path(), &server.url(), "dave").await;
    let pod = phone.deliveries().unwrap();
    let routes = pod.download_routes().await.unwrap();
    assert_eq!(routes[0].stops.len(), 3);

    let camera = camera_jpeg();
    let capture = capture_default_stop(&pod, "stop-dave-1", camera.clone()).await;
    assert_eq!(capture.state, ProofState::Draft);
    assert!(capture.missing.is_empty(), "{:?}", capture.missing);
    assert_eq!(capture.geofence.verdict, GeofenceVerdict::Inside);
    assert_eq!(capture.photos.len(), 1);

    // The camera file has EXIF with GPS; the kept photo has no EXIF at all, and at rest it
    // is sealed (no JPEG marker, no EXIF bytes in the file).
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(&camera))
        .expect("the fixture has EXIF");
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );
    let photo = &capture.photos[0];
    let companion_core::SessionState::SignedIn { account } = phone.session_state() else {
        panic!("signed out");
    };
    let account_id = account.id;
    let adir = account_dir(&phone);
    let kept = kept_photo(dir.path(), &adir, &account_id, &photo.sha256);
    assert_eq!(companion_wire::deliveries::sha256_hex(&kept), photo.sha256);
    assert_eq!(kept.len() as u64, photo.size);
    assert!(
        exif::Reader::new()
            .read_from_container(&mut Cursor::new(&kept))
            .is_err(),
        "the kept photo still has EXIF"
    );
    assert!(!kept.windows(6).any(|w| w == b"Exif\0\0"));
    let raw = std::fs::read(
        adir.join("pod/photos")
            .join(format!("{}.jpg.sealed", photo.sha256)),
    )
    .unwrap();
    assert!(
        !raw.starts_with(&[0xFF, 0xD8]),
        "the photo is not sealed at rest"
    );
    assert!(!raw.windows(4).any(|w| w == b"JFIF" || w == b"Exif"));

    // Sealed with the device key, first link of its chain.
    let sealed = pod.seal("stop-dave-1", None).await.unwrap();
    let ProofState::Sealed { sequence, .. } = sealed.state.clone() else {
        panic!("not sealed: {:?}", sealed.state);
    };
    assert_eq!(sequence, 1);
    // Sealing again changes nothing; a sealed proof no longer changes.
    assert_eq!(
        pod.seal("stop-dave-1", None).await.unwrap().state,
        sealed.state
    );
    assert!(matches!(
        pod.set_recipient("stop-dave-1", Some("Someone Else".into()))
            .await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        pod.discard_capture("stop-dave-1").await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(pod.status().queued, 1);

    // The status stream shows the upload's progress, then the receipt.
    let mut updates = pod.status_updates();
    // The current state first, taken before the upload starts (states replace each other:
    // a watcher that subscribed late would only see the newest).
    let first = updates.next().await.unwrap();
    let first = first
        .stops
        .iter()
        .find(|s| s.stop_id == "stop-dave-1")
        .map(|s| s.state.name())
        .unwrap();
    let watcher = tokio::spawn(async move {
        let mut seen = vec![first];
        while let Some(status) = updates.next().await {
            if let Some(s) = status.stops.iter().find(|s| s.stop_id == "stop-dave-1") {
                seen.push(s.state.name());
                if s.state.name() == "uploaded" {
                    break;
                }
            }
        }
        seen
    });
    // What is on disk before the receipt arrives, to replay a lost answer below.
    let before_receipt = tempfile::tempdir().unwrap();
    copy_dir(&adir.join("pod"), before_receipt.path());
    let report = pod.upload().await.unwrap();
    assert_eq!((report.uploaded, report.rejected, report.queued), (1, 0, 0));
    assert_eq!(report.photo_parts_sent, 1);
    let seen = tokio::time::timeout(std::time::Duration::from_secs(5), watcher)
        .await
        .unwrap()
        .unwrap();
    assert!(seen.contains(&"sealed"), "{seen:?}");
    assert!(seen.contains(&"uploading"), "{seen:?}");
    assert_eq!(seen.last(), Some(&"uploaded"));

    let capture = pod.capture("stop-dave-1").await.unwrap();
    let ProofState::Uploaded { receipt } = capture.state else {
        panic!("not uploaded");
    };
    assert_eq!(receipt.proof_id, capture.proof_id);
    assert_eq!(receipt.geofence, GeofenceVerdict::Inside);
    assert_eq!(server_proofs(&server, "stop-dave-1"), 1);
    let check = pod.verify_receipt("stop-dave-1").await.unwrap();
    assert!(check.countersignature_valid && check.server_key_pinned && check.matches_seal);
    // The kept files go once the receipt is in.
    assert!(
        !adir
            .join("pod/photos")
            .join(format!("{}.jpg.sealed", photo.sha256))
            .exists()
    );

    // Uploading again sends nothing.
    let again = pod.upload().await.unwrap();
    assert_eq!((again.uploaded, again.photo_parts_sent), (0, 0));

    // The receipt was lost (the app died after the server accepted, before storing it):
    // the phone as it was then sends the proof again, the server answers the same receipt
    // and still holds one proof.
    copy_dir(before_receipt.path(), &adir.join("pod"));
    {
        let conn = open_account_db(dir.path(), &account_id, &phone.account_database().unwrap());
        conn.execute(
            "UPDATE pod_capture SET state = 'sealed', receipt_json = NULL WHERE stop_id = 'stop-dave-1'",
            [],
        )
        .unwrap();
    }
    let replay = pod.upload().await.unwrap();
    assert_eq!(replay.uploaded, 1);
    assert_eq!(replay.photos_already_held, 0, "photos were marked sent");
    let ProofState::Uploaded { receipt: again } = pod.capture("stop-dave-1").await.unwrap().state
    else {
        panic!("not uploaded after the replay");
    };
    assert_eq!(again, receipt);
    assert_eq!(server_proofs(&server, "stop-dave-1"), 1);

    // The stop is completed now: a new capture of it is refused after the next download,
    // and resuming the existing one shows the receipt.
    pod.download_routes().await.unwrap();
    assert!(matches!(
        pod.start_capture("stop-dave-1").await.unwrap().state,
        ProofState::Uploaded { .. }
    ));
    server.server.shutdown().await;
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn tiny_jpeg() -> Vec<u8> {
    textured_jpeg(64, 48, 9)
}

/// A copy of `jpeg` whose SOF says `w`×`h`.
fn with_size(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out
        .windows(2)
        .position(|m| m[0] == 0xFF && (m[1] == 0xC0 || m[1] == 0xC2))
        .expect("SOF");
    out[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    out
}

/// The Android capture screen shows whichever answer of two calls in flight is newer by
/// `updated_at_ms` (the fix taken at open, a tapped outcome); edits within one millisecond
/// once carried the same value, so the older answer could hide the newer edit.
#[tokio::test(flavor = "multi_thread")]
async fn every_edit_of_a_capture_is_newer_by_updated_at_even_within_one_millisecond() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = driver_phone(dir.path(), &server.url(), "dave").await;
    let pod = phone.deliveries().unwrap();
    pod.download_routes().await.unwrap();
    let mut last = capture_default_stop(&pod, "stop-dave-1", camera_jpeg())
        .await
        .updated_at_ms;
    for i in 0..40 {
        let capture = if i % 2 == 0 {
            let outcome = if i % 4 == 0 {
                DeliveryOutcome::Delivered
            } else {
                DeliveryOutcome::Refused {
                    reason: "crates damaged".into(),
                }
            };
            pod.set_outcome("stop-dave-1", outcome).await.unwrap()
        } else {
            pod.set_notes("stop-dave-1", Some(format!("edit {i}")))
                .await
                .unwrap()
        };
        assert!(
            capture.updated_at_ms > last,
            "edit {i}: {} after {last}",
            capture.updated_at_ms
        );
        last = capture.updated_at_ms;
    }
    // Sealing is a change too.
    let ready = pod
        .set_outcome("stop-dave-1", DeliveryOutcome::Delivered)
        .await
        .unwrap();
    assert!(ready.updated_at_ms > last);
    let sealed = pod.seal("stop-dave-1", None).await.unwrap();
    assert!(matches!(sealed.state, ProofState::Sealed { .. }));
    assert!(sealed.updated_at_ms > ready.updated_at_ms);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_with_typed_errors_and_nothing_captured_is_lost() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = driver_phone(dir.path(), &server.url(), "dave").await;
    let pod = phone.deliveries().unwrap();

    // No routes yet; then stops of other drivers and made-up ones.
    assert!(matches!(
        pod.start_capture("stop-dave-1").await,
        Err(Error::NotFound(_))
    ));
    pod.download_routes().await.unwrap();
    for other in ["stop-lena-1", "no-such-stop"] {
        assert!(matches!(
            pod.start_capture(other).await,
            Err(Error::NotFound(_))
        ));
    }
    assert!(matches!(
        pod.capture("stop-dave-3").await,
        Err(Error::NotFound(_))
    ));

    let id = "stop-dave-3";
    let s = stop(&pod, id).await;
    pod.start_capture(id).await.unwrap();
    let good = fix_near(&s, 20.0, 500);
    pod.set_fix(id, Some(good)).await.unwrap();
    pod.add_photo(id, tiny_jpeg()).await.unwrap();

    // Fixes.
    let mut out_of_range = good;
    out_of_range.point = GeoPoint {
        lat_e7: 900_000_001,
        lon_e7: 0,
    };
    let mut no_accuracy = good;
    no_accuracy.accuracy_cm = 0;
    let mut future = good;
    future.fix_time_ms = companion_core::time::now_millis() + 3_600_000;
    let mut hours_old = good;
    hours_old.age_ms = 3 * 3_600_000;
    for (fix, field) in [
        (out_of_range, "fix.point"),
        (no_accuracy, "fix.accuracy_cm"),
        (future, "fix.fix_time_ms"),
        (hours_old, "fix.age_ms"),
    ] {
        let e = pod.set_fix(id, Some(fix)).await.unwrap_err();
        assert_eq!(field_of(&e), field, "{e}");
    }
    for (lat, lon) in [
        (f64::NAN, 4.0),
        (51.0, f64::INFINITY),
        (91.0, 0.0),
        (0.0, -181.0),
    ] {
        let e = companion_core::deliveries::point_from_degrees(lat, lon).unwrap_err();
        assert_eq!(field_of(&e), "fix.point");
    }
    // A stale fix (10 minutes) is kept, and the rule says unknown (stale).
    let mut stale = good;
    stale.age_ms = 600_000;
    let c = pod.set_fix(id, Some(stale)).await.unwrap();
    assert_eq!(c.geofence.verdict, GeofenceVerdict::Unknown);
    assert_eq!(c.geofence.unknown_reason, Some(UnknownReason::StaleFix));
    // No fix at all: unknown too, and allowed.
    let c = pod.set_fix(id, None).await.unwrap();
    assert_eq!(c.geofence.unknown_reason, Some(UnknownReason::NoFix));
    pod.set_fix(id, Some(good)).await.unwrap();

    // Photos.
    let camera = camera_jpeg();
    let png = {
        let mut out = Vec::new();
        image::DynamicImage::new_rgb8(8, 8)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let mut heic = vec![0, 0, 0, 0x18];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    heic.resize(4096, 0);
    let bad_photos: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", camera[..camera.len() / 2].to_vec()),
        (
            "garbage",
            vec![0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5, 6, 7, 8],
        ),
        ("png", png),
        ("heic", heic),
        ("0x0", with_size(&tiny_jpeg(), 0, 0)),
        ("huge", with_size(&tiny_jpeg(), 30_000, 30_000)),
    ];
    for (what, bytes) in bad_photos {
        let e = pod.add_photo(id, bytes).await.unwrap_err();
        assert_eq!(field_of(&e), "photo", "{what}: {e}");
    }
    // The same photo twice is one photo.
    let c = pod.add_photo(id, tiny_jpeg()).await.unwrap();
    assert_eq!(c.photos.len(), 1);

    // Signatures.
    let empty = SignatureStrokes {
        width: 600,
        height: 200,
        strokes: vec![],
    };
    let tap = SignatureStrokes {
        width: 600,
        height: 200,
        strokes: vec![Stroke {
            points: vec![StrokePoint {
                x: 5,
                y: 5,
                t_ms: 0,
            }],
        }],
    };
    for strokes in [empty, tap] {
        let e = pod
            .set_signature(id, SignatureCapture::Signed { strokes })
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "signature");
    }
    let e = pod
        .set_signature(
            id,
            SignatureCapture::UnableToSign {
                reason: "  ".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "signature.reason");

    // Sealing before the policy is met names what is missing.
    let e = pod.seal(id, None).await.unwrap_err();
    assert_eq!(field_of(&e), "record.outcome");
    let c = pod
        .set_outcome(id, DeliveryOutcome::Delivered)
        .await
        .unwrap();
    assert_eq!(
        c.missing,
        ["record.photos", "record.signature", "record.recipient_name"]
    );
    let e = pod.seal(id, None).await.unwrap_err();
    assert_eq!(field_of(&e), "record.photos");
    let e = pod
        .set_outcome(
            id,
            DeliveryOutcome::Partial {
                lines: vec![companion_wire::deliveries::LineQuantity {
                    line_id: "not-a-line".into(),
                    delivered: 1,
                }],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "outcome.lines");
    let e = pod
        .set_geofence_override(id, Some(" ".into()))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "geofence_override.reason");
    let e = pod
        .add_item(
            id,
            ItemScan {
                gtin: "abc".into(),
                lot: None,
                quantity: 1,
                manual_reason: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "item.gtin");

    // Everything refused left the capture as it was.
    let c = pod.capture(id).await.unwrap();
    assert_eq!(c.fix, Some(good));
    assert_eq!(c.photos.len(), 1);
    assert_eq!(c.outcome, Some(DeliveryOutcome::Delivered));
    assert_eq!(c.state, ProofState::Draft);

    // A refusal with its reason needs no photos or signature.
    pod.set_outcome(
        id,
        DeliveryOutcome::Refused {
            reason: "cold chain broken on arrival".into(),
        },
    )
    .await
    .unwrap();
    pod.seal(id, None).await.unwrap();
    assert_eq!(pod.upload().await.unwrap().uploaded, 1);
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_completed_by_another_phone_is_rejected_and_the_next_proof_is_relinked() {
    let server = TestServer::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = driver_phone(dir_a.path(), &server.url(), "dave").await;
    let pod_a = a.deliveries().unwrap();
    pod_a.download_routes().await.unwrap();

    // Phone B completes stop 3 first.
    let b = driver_phone(dir_b.path(), &server.url(), "dave").await;
    let pod_b = b.deliveries().unwrap();
    pod_b.download_routes().await.unwrap();
    capture_default_stop(&pod_b, "stop-dave-3", tiny_jpeg()).await;
    pod_b
        .add_photo("stop-dave-3", textured_jpeg(64, 48, 10))
        .await
        .unwrap();
    pod_b.seal("stop-dave-3", None).await.unwrap();
    assert_eq!(pod_b.upload().await.unwrap().uploaded, 1);

    // Phone A, with its stale copy of the route, seals stop 3 (link 1) and stop 1 (link 2).
    capture_default_stop(&pod_a, "stop-dave-3", textured_jpeg(64, 48, 11)).await;
    pod_a
        .add_photo("stop-dave-3", textured_jpeg(64, 48, 12))
        .await
        .unwrap();
    pod_a.seal("stop-dave-3", None).await.unwrap();
    capture_default_stop(&pod_a, "stop-dave-1", textured_jpeg(64, 48, 13)).await;
    let second = pod_a.seal("stop-dave-1", None).await.unwrap();
    assert!(matches!(
        second.state,
        ProofState::Sealed { sequence: 2, .. }
    ));

    let report = pod_a.upload().await.unwrap();
    assert_eq!((report.uploaded, report.rejected, report.queued), (1, 1, 0));
    match pod_a.capture("stop-dave-3").await.unwrap().state {
        ProofState::Rejected { code, reason } => {
            assert_eq!(code, "stop_already_completed");
            assert!(!reason.is_empty());
        }
        other => panic!("expected rejected, got {other:?}"),
    }
    // The rejected proof is kept, with its record, not dropped.
    assert_eq!(pod_a.capture("stop-dave-3").await.unwrap().photos.len(), 2);
    assert!(matches!(
        pod_a.capture("stop-dave-1").await.unwrap().state,
        ProofState::Uploaded { .. }
    ));
    assert_eq!(server_proofs(&server, "stop-dave-1"), 1);
    assert_eq!(server_proofs(&server, "stop-dave-3"), 1);

    // Phone B learns that stop 1 is completed: a new capture of it is refused.
    pod_b.download_routes().await.unwrap();
    assert!(matches!(
        pod_b.start_capture("stop-dave-1").await,
        Err(Error::Conflict(_))
    ));
    server.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_auto_upload_loop_sends_a_proof_once_sealed_and_an_override_is_flagged_not_obeyed() {
    use companion_wire::deliveries::{ReviewFlag, TriState};
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = driver_phone(dir.path(), &server.url(), "dave").await;
    let pod = phone.deliveries().unwrap();
    pod.download_routes().await.unwrap();
    let loop_task = pod.start_auto_upload();

    let id = "stop-dave-1";
    capture_default_stop(&pod, id, tiny_jpeg()).await;
    // A mocked fix 2 km away: outside, whatever the driver says; the override is a fact of
    // its own for the dispatcher.
    let mut far = fix_near(&stop(&pod, id).await, 2_000.0, 1_000);
    far.mock = TriState::Yes;
    let c = pod.set_fix(id, Some(far)).await.unwrap();
    assert_eq!(c.geofence.verdict, GeofenceVerdict::Outside);
    let c = pod
        .set_geofence_override(id, Some("GPS drifts in the loading bay".into()))
        .await
        .unwrap();
    assert_eq!(c.geofence.verdict, GeofenceVerdict::Outside);
    pod.seal(id, None).await.unwrap();

    let mut updates = pod.status_updates();
    let receipt = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let status = updates.next().await.expect("stream open");
            if let Some(ProofState::Uploaded { receipt }) = status
                .stops
                .iter()
                .find(|s| s.stop_id == id)
                .map(|s| s.state.clone())
            {
                return receipt;
            }
        }
    })
    .await
    .expect("the loop uploaded the sealed proof");
    assert_eq!(receipt.geofence, GeofenceVerdict::Outside);
    for flag in [
        ReviewFlag::MockLocation,
        ReviewFlag::OutsideWarnRadius,
        ReviewFlag::GeofenceOverride,
    ] {
        assert!(receipt.flags.contains(&flag), "{:?}", receipt.flags);
    }
    assert_eq!(server_proofs(&server, id), 1);
    loop_task.abort();
    server.server.shutdown().await;
}

/// A key the app keeps (StrongBox, Secure Enclave): a P-256 key that is not the core's
/// device key, behind `SealSigner`.
struct AppHeldKey(ring::signature::EcdsaKeyPair);

impl companion_wire::deliveries::SealSigner for AppHeldKey {
    fn public_key(&self) -> Vec<u8> {
        use ring::signature::KeyPair;
        self.0.public_key().as_ref().to_vec()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, companion_wire::deliveries::SignerError> {
        self.0
            .sign(&ring::rand::SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| companion_wire::deliveries::SignerError("signing failed".into()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proofs_signed_by_a_key_the_app_keeps_are_accepted() {
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let signer: companion_core::deliveries::SharedSigner = std::sync::Arc::new(AppHeldKey(key));

    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = std::sync::Arc::new(
        companion_core::platform::FileSecureStorage::new(dir.path().join("secure")).unwrap(),
    );
    let config = companion_core::CompanionConfig::new(
        dir.path().display().to_string(),
        server.url(),
        companion_core::DeviceInfo::desktop(),
    );
    let phone =
        companion_core::Companion::open_with_signer(config, storage, Some(signer.clone())).unwrap();
    phone
        .sign_in("dave", companion_server::seed::DEMO_PASSWORD)
        .await
        .unwrap();
    let pod = phone.deliveries().unwrap();
    pod.download_routes().await.unwrap();
    capture_default_stop(&pod, "stop-dave-1", camera_jpeg()).await;
    let sealed = pod.seal("stop-dave-1", None).await.unwrap();
    assert!(
        matches!(sealed.state, ProofState::Sealed { .. }),
        "{:?}",
        sealed.state
    );
    // The key registered at sign-in is the app's, so the server takes its seals.
    let report = pod.upload().await.unwrap();
    assert_eq!((report.uploaded, report.rejected), (1, 0), "{report:?}");
    let capture = pod.capture("stop-dave-1").await.unwrap();
    let ProofState::Uploaded { receipt } = capture.state else {
        panic!("not uploaded: {:?}", capture.state);
    };
    assert_eq!(receipt.proof_id, capture.proof_id);
    assert_ne!(
        companion_core::deliveries::public_key_b64(signer.as_ref()),
        phone.device().public_key_b64(),
        "the app's key, not the device key"
    );
}
