//! The proof-of-delivery part of `companion demo`: a driver's stop end to end. Dave's phone
//! downloads his route, captures the first stop (a GPS fix at the goods-in door, a real
//! camera photo whose EXIF GPS is stripped, the recipient's signature, the outcome), seals
//! it with the device key, keeps it queued while there is no network, uploads it when
//! there is, and checks the server's countersigned receipt. A copy altered after sealing
//! is refused by the server.

use std::path::Path;

use companion_core::deliveries::photo::{PhotoOptions, process_photo};
use companion_core::deliveries::{ProofState, SignatureCapture};
use companion_server::{RunningServer, seed};
use companion_wire::deliveries::{
    DeliveryOutcome, GeoPoint, LocationAuthorization, LocationFix, LocationProvider, TriState,
};

use crate::account::open_device;
use crate::output::CliError;

/// A real camera JPEG with EXIF GPS (`fixtures/pod/README.md`).
const CAMERA_JPEG: &[u8] = include_bytes!("../../fixtures/pod/camera-iphone6plus-gps.jpg");
const STOP: &str = "stop-dave-1";

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

fn say(json: bool, step: &str, detail: serde_json::Value, human: String) {
    if json {
        println!("{}", serde_json::json!({"step": step, "detail": detail}));
    } else {
        println!("• {human}");
    }
}

/// A loopback URL where nothing listens: the phone in a dead zone.
fn dead_zone() -> Result<String, CliError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(usage)?;
    let port = listener.local_addr().map_err(usage)?.port();
    drop(listener);
    Ok(format!("http://127.0.0.1:{port}"))
}

pub async fn run(json: bool, server: &RunningServer, work: &Path) -> Result<(), CliError> {
    let dir = work.join("phone-dave");
    let phone = open_device(&dir, &server.url())?;
    phone.sign_in("dave", seed::DEMO_PASSWORD).await?;
    let pod = phone.deliveries()?;
    let routes = pod.download_routes().await?;
    let stops: Vec<_> = routes.iter().flat_map(|r| &r.stops).collect();
    let stop = stops
        .iter()
        .find(|s| s.id == STOP)
        .ok_or_else(|| usage("dave's demo stop is missing"))?;
    say(
        json,
        "pod_route",
        serde_json::json!({"driver": "dave", "stops": stops.len(), "first": stop.id, "customer": stop.customer.name}),
        format!(
            "driver Dave's phone downloaded his route: {} stops, first {} at {}",
            stops.len(),
            stop.customer.name,
            stop.address.lines.join(", ")
        ),
    );

    // The shell's location fix, about 40 m from the goods-in door, 8 m accuracy.
    pod.start_capture(STOP).await?;
    let point = GeoPoint {
        lat_e7: stop.address.point.lat_e7 + 3_600,
        lon_e7: stop.address.point.lon_e7,
    };
    let capture = pod
        .set_fix(
            STOP,
            Some(LocationFix {
                point,
                accuracy_cm: 800,
                fix_time_ms: companion_core::time::now_millis() - 3_000,
                age_ms: 3_000,
                provider: LocationProvider::Fused,
                mock: TriState::No,
                simulated_by_software: TriState::Unknown,
                from_accessory: TriState::Unknown,
                authorization: LocationAuthorization::Precise,
            }),
        )
        .await?;
    let geo = capture.geofence;
    say(
        json,
        "pod_fix",
        serde_json::json!({"verdict": geo.verdict.as_str(), "distance_m": geo.distance_m, "accuracy_m": geo.accuracy_m}),
        format!(
            "GPS fix {:.0} m from the stop, accuracy {:.0} m: geofence {}",
            geo.distance_m.unwrap_or(0.0),
            geo.accuracy_m.unwrap_or(0.0),
            geo.verdict.as_str()
        ),
    );

    let capture = pod.add_photo(STOP, CAMERA_JPEG.to_vec()).await?;
    let kept = &capture.photos[0];
    // The same processing again, to show what was kept (it is deterministic).
    let again = process_photo(CAMERA_JPEG, &PhotoOptions::default()).map_err(usage)?;
    let exif_in_camera = CAMERA_JPEG.windows(6).any(|w| w == b"Exif\0\0");
    let exif_kept = again.jpeg.windows(6).any(|w| w == b"Exif\0\0");
    if again.sha256 != kept.sha256 || exif_kept {
        return Err(usage("the kept photo is not what processing gives"));
    }
    say(
        json,
        "pod_photo",
        serde_json::json!({"camera_bytes": CAMERA_JPEG.len(), "exif_gps_in_camera_file": exif_in_camera,
            "kept": kept, "exif_in_kept_photo": exif_kept, "sealed_at_rest": true}),
        format!(
            "photo from an iPhone ({} KB, EXIF with GPS) kept as {}×{} JPEG of {} KB without any metadata, sealed (AES-256-GCM) on the phone, SHA-256 {}…",
            CAMERA_JPEG.len() / 1024,
            kept.width,
            kept.height,
            kept.size / 1024,
            &kept.sha256[..12]
        ),
    );

    pod.set_signature(
        STOP,
        SignatureCapture::Signed {
            strokes: crate::bench_pod::demo_strokes(),
        },
    )
    .await?;
    pod.set_recipient(STOP, Some("Marieke Jansen".into()))
        .await?;
    let capture = pod.set_outcome(STOP, DeliveryOutcome::Delivered).await?;
    say(
        json,
        "pod_signature",
        serde_json::json!({"recipient": "Marieke Jansen", "outcome": "delivered", "missing": capture.missing}),
        "recipient Marieke Jansen signed on the glass; outcome: delivered".into(),
    );

    let capture = pod.seal(STOP, None).await?;
    let ProofState::Sealed {
        sequence,
        seal_sha256,
    } = capture.state.clone()
    else {
        return Err(usage("the proof was not sealed"));
    };
    say(
        json,
        "pod_sealed",
        serde_json::json!({"sequence": sequence, "seal_sha256": seal_sha256}),
        format!(
            "proof sealed with the device key: link #{sequence} of this phone's chain, seal {}…",
            &seal_sha256[..12]
        ),
    );

    // In a dead zone: the upload fails, the proof stays queued (and survives a restart).
    let submission = pod.submission(STOP).await?;
    drop(pod);
    drop(phone);
    let offline = open_device(&dir, &dead_zone()?)?;
    let error = match offline.deliveries()?.upload().await {
        Err(e) => e,
        Ok(_) => return Err(usage("the upload succeeded without a network")),
    };
    let queued = offline.deliveries()?.status().queued;
    say(
        json,
        "pod_offline_queue",
        serde_json::json!({"error_kind": error.kind().code(), "queued": queued}),
        format!(
            "no network: upload failed ({}), {queued} proof stays queued on the phone",
            error.kind().code()
        ),
    );
    drop(offline);

    // Someone alters a copy of the sealed proof (another recipient) and submits it with
    // the driver's own device: the server refuses it.
    let mut tampered = submission.clone();
    tampered.record.recipient_name = Some("Someone Else".into());
    let (status, code) = submit_raw(server, &dir, &tampered).await?;
    say(
        json,
        "pod_tampered",
        serde_json::json!({"status": status, "code": code}),
        format!("a copy with the recipient changed after sealing is refused: HTTP {status} {code}"),
    );
    if code != "seal_record_altered" {
        return Err(usage(format!(
            "the tampered copy was not refused as altered: {code}"
        )));
    }

    // Back in coverage.
    let phone = open_device(&dir, &server.url())?;
    let pod = phone.deliveries()?;
    let report = pod.upload().await?;
    let capture = pod.capture(STOP).await?;
    let ProofState::Uploaded { receipt } = capture.state else {
        return Err(usage("the proof was not uploaded"));
    };
    let flags: Vec<&str> = receipt.flags.iter().map(|f| f.as_str()).collect();
    say(
        json,
        "pod_uploaded",
        serde_json::json!({"report": report, "receipt": receipt, "page_url": format!("{}{}", server.url(), receipt.page_path)}),
        format!(
            "back online: {} photo part(s) and the proof uploaded once; receipt: geofence {}, flags [{}], page {}{}",
            report.photo_parts_sent,
            receipt.geofence.as_str(),
            flags.join(", "),
            server.url(),
            receipt.page_path
        ),
    );

    let check = pod.verify_receipt(STOP).await?;
    let again = pod.upload().await?;
    say(
        json,
        "pod_receipt",
        serde_json::json!({"countersignature_valid": check.countersignature_valid,
            "server_key_pinned": check.server_key_pinned, "matches_seal": check.matches_seal,
            "second_upload_sent": again.uploaded + again.photo_parts_sent}),
        format!(
            "server's countersignature {}, key pinned: {}, names our seal: {}; uploading again sends nothing",
            if check.countersignature_valid {
                "verified"
            } else {
                "INVALID"
            },
            check.server_key_pinned,
            check.matches_seal
        ),
    );
    phone.sign_out().await?;
    Ok(())
}

/// Submits `submission` outside the core, from a session of the driver's own device key
/// (what a tampering client would do), and returns the status and error code.
async fn submit_raw(
    server: &RunningServer,
    dir: &Path,
    submission: &companion_wire::deliveries::ProofSubmission,
) -> Result<(u16, String), CliError> {
    let phone = open_device(dir, &server.url())?;
    let key = phone.device().public_key_b64();
    drop(phone);
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(usage)?;
    let login = serde_json::json!({
        "username": "dave", "password": seed::DEMO_PASSWORD,
        "device": {"install_id": "tampering-client", "platform": "desktop", "model": "script",
                   "os_version": "-", "app_version": "-", "public_key": key},
    });
    let tokens: serde_json::Value = http
        .post(format!("{}/v1/auth/login", server.url()))
        .json(&login)
        .send()
        .await
        .map_err(usage)?
        .json()
        .await
        .map_err(usage)?;
    let token = tokens["access_token"]
        .as_str()
        .ok_or_else(|| usage("the tampering client could not sign in"))?;
    let answer = http
        .post(format!(
            "{}{}",
            server.url(),
            companion_wire::deliveries::PROOFS_PATH
        ))
        .bearer_auth(token)
        .json(submission)
        .send()
        .await
        .map_err(usage)?;
    let status = answer.status().as_u16();
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    Ok((
        status,
        body["error"]["code"].as_str().unwrap_or("").to_string(),
    ))
}
