//! Proof of delivery against a real server on loopback: routes, resumable photo uploads,
//! sealed submissions (accepted, idempotent, and every kind of tampering refused with its
//! own reason), receipts countersigned by the server.

mod deliveries_support;

use companion_wire::deliveries::{
    self, PHOTO_PART_SIZE, ProofPolicy, Receipt, RoutesResponse, StopStatus, sha256_hex,
};
use deliveries_support::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot drawn in this test";

fn photo_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

fn lenient() -> ProofPolicy {
    ProofPolicy {
        recipient_name_required: false,
        ..ProofPolicy::default()
    }
}

#[tokio::test]
async fn drivers_see_only_their_assigned_stops() {
    let rig = Rig::start().await;
    let dave = rig.login("dave", &Device::new()).await;
    let (status, body) = rig.get(&dave, "/v1/deliveries/routes").await;
    assert_eq!(status, 200, "{body}");
    let routes: RoutesResponse = serde_json::from_value(body).unwrap();
    assert_eq!(routes.routes.len(), 1);
    let stops = &routes.routes[0].stops;
    assert_eq!(
        stops.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["stop-dave-1", "stop-dave-2", "stop-dave-3"]
    );
    assert!(stops.iter().all(|s| s.status == StopStatus::Pending));
    assert_eq!(stops[0].policy.strict_radius_m, 200);
    assert_eq!(stops[0].policy.warn_radius_m, 500);

    let lena = rig.login("lena", &Device::new()).await;
    let (_, body) = rig.get(&lena, "/v1/deliveries/routes").await;
    let routes: RoutesResponse = serde_json::from_value(body).unwrap();
    assert!(routes.routes.iter().all(|r| r.id == "route-lena-1"));
    assert!(
        routes.routes[0]
            .stops
            .iter()
            .all(|s| s.id.starts_with("stop-lena"))
    );

    let maria = rig.login("maria", &Device::new()).await;
    let (_, body) = rig.get(&maria, "/v1/deliveries/routes").await;
    assert_eq!(body["routes"].as_array().unwrap().len(), 0);
    let (status, _) = rig.get("nope", "/v1/deliveries/routes").await;
    assert_eq!(status, 401);
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_large_photo_upload_resumes_at_the_missing_part() {
    let rig = Rig::start().await;
    let dave = rig.login("dave", &Device::new()).await;
    let photo = photo_bytes(1, 2 * PHOTO_PART_SIZE as usize + 12_345);
    let sha = sha256_hex(&photo);
    let status_path = format!("/v1/deliveries/photos/{sha}");

    let (status, body) = rig.get(&dave, &status_path).await;
    assert_eq!(status, 200);
    assert_eq!(body["complete"], false);
    assert_eq!(body["received_parts"].as_array().unwrap().len(), 0);

    // The connection drops after parts 0 and 2 went through.
    assert_eq!(rig.put_part(&dave, &sha, &photo, 0).await.0, 200);
    assert_eq!(rig.put_part(&dave, &sha, &photo, 2).await.0, 200);
    let (_, body) = rig.get(&dave, &status_path).await;
    assert_eq!(body["complete"], false);
    assert_eq!(body["received_parts"], serde_json::json!([0, 2]));
    assert_eq!(body["total_size"], photo.len());
    // Another account's view of the same photo is its own.
    let lena = rig.login("lena", &Device::new()).await;
    let (_, body) = rig.get(&lena, &status_path).await;
    assert_eq!(body["received_parts"], serde_json::json!([]));

    // Resumed: only the missing part is sent, and the photo is complete.
    let (status, body) = rig.put_part(&dave, &sha, &photo, 1).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], true);
    let (_, body) = rig.get(&dave, &status_path).await;
    assert_eq!(body["complete"], true);
    // A repeat of a stored photo is a no-op, from anyone.
    let (status, body) = rig.put_part(&lena, &sha, &photo, 0).await;
    assert_eq!((status, &body["complete"]), (200, &serde_json::json!(true)));

    // Wrong part sizes, indexes and names are refused.
    let other = photo_bytes(2, 1000);
    let other_sha = sha256_hex(&other);
    let r = rig
        .http
        .post(rig.url(&format!(
            "/v1/deliveries/photos/{other_sha}/parts/0?total_size=1001"
        )))
        .bearer_auth(&dave)
        .body(other.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = rig
        .http
        .post(rig.url(&format!(
            "/v1/deliveries/photos/{other_sha}/parts/1?total_size=1000"
        )))
        .bearer_auth(&dave)
        .body(other.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let (status, body) = rig.get(&dave, "/v1/deliveries/photos/NOTAHASH").await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_sealed_proof_is_accepted_once_and_its_receipt_is_countersigned() {
    let rig = Rig::start().await;
    let phone = Device::new();
    let dave = rig.login("dave", &phone).await;
    let stops = rig.add_route("r-idem", "acct-dave", 2, lenient());
    let photo = photo_bytes(3, 5000);
    let photo_ref = rig.upload_photo(&dave, &photo, 64, 48).await;

    let record = delivered("p-1", "r-idem", &stops[0], vec![photo_ref.clone()], PNG);
    let sub = sealed(record, None, &phone, PNG);
    let (status, body) = rig.submit(&dave, &sub).await;
    assert_eq!(status, 200, "{body}");
    let receipt: Receipt = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(receipt.proof_id, "p-1");
    assert_eq!(receipt.seal_sha256, sub.seal.seal_sha256);
    assert!(deliveries::verify_receipt(
        &receipt,
        &receipt.server_public_key
    ));
    // No fix in this proof: the verdict is unknown and flagged, not refused.
    assert_eq!(receipt.geofence, deliveries::GeofenceVerdict::Unknown);
    assert!(
        receipt
            .flags
            .contains(&deliveries::ReviewFlag::LocationUnknown)
    );
    assert!(
        receipt
            .page_path
            .starts_with("/v1/deliveries/receipt-pages/")
    );

    // The same proof again (the answer was lost): the same receipt, byte for byte.
    let (status, again) = rig.submit(&dave, &sub).await;
    assert_eq!((status, &again), (200, &body));
    // Re-sealed (a new signature over the same record and link) is the same proof too.
    let resealed = sealed(sub.record.clone(), None, &phone, PNG);
    let (status, again) = rig.submit(&dave, &resealed).await;
    assert_eq!((status, &again), (200, &body));
    let (status, fetched) = rig.get(&dave, "/v1/deliveries/proofs/p-1/receipt").await;
    assert_eq!((status, &fetched), (200, &body));
    // Other accounts do not see it.
    let lena = rig.login("lena", &Device::new()).await;
    let (status, _) = rig.get(&lena, "/v1/deliveries/proofs/p-1/receipt").await;
    assert_eq!(status, 404);

    // Another payload under the same id.
    let mut changed = sub.record.clone();
    changed.notes = Some("second thoughts".into());
    let (status, body) = rig.submit(&dave, &sealed(changed, None, &phone, PNG)).await;
    assert_eq!((status, code(&body)), (409, "proof_id_conflict"));

    // A second proof for the completed stop.
    let again = delivered("p-2", "r-idem", &stops[0], vec![photo_ref.clone()], PNG);
    let (status, body) = rig
        .submit(&dave, &sealed(again, head(&sub.seal), &phone, PNG))
        .await;
    assert_eq!((status, code(&body)), (409, "stop_already_completed"));

    let (_, routes) = rig.get(&dave, "/v1/deliveries/routes").await;
    let routes: RoutesResponse = serde_json::from_value(routes).unwrap();
    let route = routes.routes.iter().find(|r| r.id == "r-idem").unwrap();
    assert_eq!(route.stops[0].status, StopStatus::Completed);
    assert_eq!(route.stops[1].status, StopStatus::Pending);
    rig.server.shutdown().await;
}

#[tokio::test]
async fn every_kind_of_tampering_is_refused_with_its_reason() {
    let rig = Rig::start().await;
    let phone = Device::new();
    let dave = rig.login("dave", &phone).await;
    let stops = rig.add_route("r-tamper", "acct-dave", 6, lenient());
    let photo = photo_bytes(4, 7000);
    let photo_ref = rig.upload_photo(&dave, &photo, 64, 48).await;
    let proof = |id: &str, stop: usize| {
        delivered(id, "r-tamper", &stops[stop], vec![photo_ref.clone()], PNG)
    };

    // A field changed after sealing.
    let mut sub = sealed(proof("t-field", 0), None, &phone, PNG);
    sub.record.recipient_name = Some("Someone Else".into());
    let (status, body) = rig.submit(&dave, &sub).await;
    assert_eq!((status, code(&body)), (422, "seal_record_altered"));

    // A signature that does not verify.
    let mut sub = sealed(proof("t-sig", 0), None, &phone, PNG);
    let mut sig = sub.seal.signature.into_bytes();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == b'A' { b'B' } else { b'A' };
    sub.seal.signature = String::from_utf8(sig).unwrap();
    let (status, body) = rig.submit(&dave, &sub).await;
    assert_eq!((status, code(&body)), (422, "seal_bad_signature"));

    // Sealed on another device than the session's.
    let thief = Device::new();
    let (status, body) = rig
        .submit(&dave, &sealed(proof("t-device", 0), None, &thief, PNG))
        .await;
    assert_eq!((status, code(&body)), (422, "seal_wrong_device"));

    // A signature image other than the sealed one.
    let sub = sealed(proof("t-png", 0), None, &phone, PNG);
    let mut other = sub.clone();
    other.signature_png_base64 = Some("iVBORw0KGgpvdGhlcg==".into());
    let (status, body) = rig.submit(&dave, &other).await;
    assert_eq!((status, code(&body)), (422, "signature_image_mismatch"));

    // One byte of a photo flipped on the way: the upload itself is refused...
    let mut flipped = photo_bytes(5, 3000);
    let sha = sha256_hex(&flipped);
    flipped[1234] ^= 0x01;
    let (status, body) = rig.put_part(&dave, &sha, &flipped, 0).await;
    assert_eq!((status, code(&body)), (409, "upload_hash_mismatch"));
    // ...and a proof naming a photo the server does not hold waits for it.
    let mut missing = proof("t-missing", 0);
    missing.photos[0].sha256 = sha.clone();
    missing.photos[0].size = 3000;
    let (status, body) = rig.submit(&dave, &sealed(missing, None, &phone, PNG)).await;
    assert_eq!((status, code(&body)), (409, "photo_not_uploaded"));
    // One byte of a stored photo changed at rest.
    rig.server
        .db()
        .with(|c| {
            c.execute(
                "UPDATE pod_photos SET bytes = ?2 WHERE sha256 = ?1",
                rusqlite::params![photo_ref.sha256, {
                    let mut b = photo.clone();
                    b[10] ^= 0x80;
                    b
                }],
            )
        })
        .unwrap();
    let (status, body) = rig.submit(&dave, &sub).await;
    assert_eq!((status, code(&body)), (422, "photo_hash_mismatch"));
    assert_eq!(body["error"]["field"], "record.photos[0].sha256");
    rig.server
        .db()
        .with(|c| {
            c.execute(
                "UPDATE pod_photos SET bytes = ?2 WHERE sha256 = ?1",
                rusqlite::params![photo_ref.sha256, photo],
            )
        })
        .unwrap();

    // The chain: seal 1 and 2 made offline, 2 arrives first.
    let s1 = sealed(proof("c-1", 0), None, &phone, PNG);
    let s2 = sealed(proof("c-2", 1), head(&s1.seal), &phone, PNG);
    let (status, body) = rig.submit(&dave, &s2).await;
    assert_eq!((status, code(&body)), (409, "chain_missing_link"));
    assert_eq!(rig.submit(&dave, &s1).await.0, 200);
    assert_eq!(rig.submit(&dave, &s2).await.0, 200);
    // A third seal that skips a link (4 after 2).
    let fake_3 = sealed(proof("c-x", 5), head(&s2.seal), &phone, PNG);
    let s4 = sealed(proof("c-4", 2), head(&fake_3.seal), &phone, PNG);
    let (status, body) = rig.submit(&dave, &s4).await;
    assert_eq!((status, code(&body)), (409, "chain_missing_link"));
    // Seal 3 naming seal 1 as its predecessor instead of seal 2.
    let wrong_prev = head(&s1.seal).map(|mut h| {
        h.sequence = 2;
        h
    });
    let broken = sealed(proof("c-3", 2), wrong_prev, &phone, PNG);
    let (status, body) = rig.submit(&dave, &broken).await;
    assert_eq!((status, code(&body)), (422, "chain_broken"));
    // A link already used, replayed with a new proof.
    let replay = sealed(proof("c-r", 3), head(&s1.seal), &phone, PNG);
    let (status, body) = rig.submit(&dave, &replay).await;
    assert_eq!((status, code(&body)), (422, "seal_replayed"));
    // The honest next link still goes through.
    let good_next = sealed(proof("c-3", 2), head(&s2.seal), &phone, PNG);
    assert_eq!(rig.submit(&dave, &good_next).await.0, 200);

    // A stop of another driver.
    let lena_stop = delivered(
        "t-lena",
        "route-lena-1",
        "stop-lena-1",
        vec![photo_ref.clone()],
        PNG,
    );
    let (status, body) = rig
        .submit(
            &dave,
            &sealed(lena_stop, head(&good_next.seal), &phone, PNG),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "stop_not_assigned"));

    // The policy: a photo is required for a delivered outcome.
    let mut bare = proof("t-policy", 4);
    bare.photos.clear();
    let (status, body) = rig
        .submit(&dave, &sealed(bare, head(&good_next.seal), &phone, PNG))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    assert_eq!(body["error"]["field"], "record.photos");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn review_flags_and_a_page_that_reverifies_the_seal() {
    use companion_wire::deliveries::{
        DeliveryOutcome, GeoPoint, ItemScan, LineQuantity, LocationAuthorization, LocationFix,
        LocationProvider, ReviewFlag, TriState,
    };
    let rig = Rig::start().await;
    let phone = Device::new();
    let dave = rig.login("dave", &phone).await;
    let policy = ProofPolicy {
        pin_required: true,
        ..lenient()
    };
    let stops = rig.add_route("r-flags", "acct-dave", 1, policy);
    let photo = photo_bytes(9, 4000);
    let photo_ref = rig.upload_photo(&dave, &photo, 64, 48).await;

    // Partial: 1 of the 2 tomatoes, but 3 scanned; a wrong PIN; an on-the-spot fix 3 min old.
    let mut record = delivered("f-1", "r-flags", &stops[0], vec![photo_ref.clone()], PNG);
    record.outcome = DeliveryOutcome::Partial {
        lines: vec![LineQuantity {
            line_id: "l1".into(),
            delivered: 1,
        }],
    };
    record.scanned_items = vec![ItemScan {
        gtin: "08712345678906".into(),
        lot: Some("L1".into()),
        quantity: 3,
        manual_reason: None,
    }];
    record.pin = Some("9999".into());
    record.fix = Some(LocationFix {
        point: GeoPoint::from_degrees(51.9225, 4.47917).unwrap(),
        accuracy_cm: 500,
        fix_time_ms: 1_800_000_000_000,
        age_ms: 180_000,
        provider: LocationProvider::Fused,
        mock: TriState::No,
        simulated_by_software: TriState::Unknown,
        from_accessory: TriState::Unknown,
        authorization: LocationAuthorization::Precise,
    });
    let (status, body) = rig.submit(&dave, &sealed(record, None, &phone, PNG)).await;
    assert_eq!(status, 200, "{body}");
    let receipt: Receipt = serde_json::from_value(body).unwrap();
    assert_eq!(receipt.geofence, deliveries::GeofenceVerdict::Unknown);
    assert_eq!(
        receipt.flags,
        [
            ReviewFlag::StaleFix,
            ReviewFlag::LocationUnknown,
            ReviewFlag::PinMismatch,
            ReviewFlag::ItemDiscrepancy
        ]
    );

    // The page verifies the seal again on every view: bytes changed at rest show.
    let page = rig
        .http
        .get(rig.url(&receipt.page_path))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Seal verified"), "{html}");
    assert!(html.contains("Over: 08712345678906 expected 1, scanned 3"));
    assert!(!html.contains("9999"), "the PIN is not shown");
    rig.server
        .db()
        .with(|c| {
            c.execute(
                "UPDATE pod_photos SET bytes = ?2 WHERE sha256 = ?1",
                rusqlite::params![photo_ref.sha256, b"tampered".to_vec()],
            )
        })
        .unwrap();
    let html = rig
        .http
        .get(rig.url(&receipt.page_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Seal NOT verified"), "{html}");
    assert!(html.contains("photo 0 does not match its sealed hash"));
    rig.server.shutdown().await;
}
