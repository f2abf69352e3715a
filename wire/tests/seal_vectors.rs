//! The committed seal test vectors (`fixtures/pod/seal-vectors.json`): each record and
//! header must encode to exactly the committed bytes, hash to the committed SHA-256, and
//! the committed signature must verify. Another implementation of the encoding checks
//! itself against the same file.
//!
//! `POD_REGENERATE_VECTORS=1 cargo test -p companion-wire --test seal_vectors` rewrites
//! the file (new key, new signatures) after a deliberate change of the encoding.

use base64::Engine;
use companion_wire::deliveries::*;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/pod/seal-vectors.json"
);

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn records() -> Vec<(&'static str, ProofOfDelivery, u64, String)> {
    let fix = LocationFix {
        point: GeoPoint {
            lat_e7: 519_225_000,
            lon_e7: 44_791_700,
        },
        accuracy_cm: 850,
        fix_time_ms: 1_796_112_000_000,
        age_ms: 3_250,
        provider: LocationProvider::Fused,
        mock: TriState::No,
        simulated_by_software: TriState::Unknown,
        from_accessory: TriState::Unknown,
        authorization: LocationAuthorization::Precise,
    };
    let minimal = ProofOfDelivery {
        id: "0193a4d2-0000-7000-8000-000000000001".into(),
        route_id: "route-1".into(),
        stop_id: "stop-1".into(),
        outcome: DeliveryOutcome::NotDelivered {
            reason: "closed".into(),
        },
        recipient_name: None,
        signature: None,
        photos: vec![],
        scanned_items: vec![],
        fix: None,
        geofence_override: None,
        pin: None,
        notes: None,
        captured_at_ms: 1_796_112_003_250,
    };
    let delivered = ProofOfDelivery {
        id: "0193a4d2-0000-7000-8000-000000000002".into(),
        stop_id: "stop-2".into(),
        outcome: DeliveryOutcome::Delivered,
        recipient_name: Some("Jan de Vries".into()),
        signature: Some(SignatureOutcome::Signed {
            strokes: SignatureStrokes {
                width: 600,
                height: 200,
                strokes: vec![
                    Stroke {
                        points: vec![
                            StrokePoint {
                                x: 10,
                                y: 150,
                                t_ms: 0,
                            },
                            StrokePoint {
                                x: 80,
                                y: 40,
                                t_ms: 120,
                            },
                        ],
                    },
                    Stroke {
                        points: vec![StrokePoint {
                            x: -3,
                            y: 199,
                            t_ms: 400,
                        }],
                    },
                ],
            },
            png_sha256: sha256_hex(b"signature png"),
        }),
        photos: vec![
            PhotoRef {
                sha256: sha256_hex(b"photo one"),
                size: 9,
                width: 2048,
                height: 1536,
            },
            PhotoRef {
                sha256: sha256_hex(b"photo two"),
                size: 9,
                width: 1536,
                height: 2048,
            },
        ],
        scanned_items: vec![
            ItemScan {
                gtin: "08712345678906".into(),
                lot: Some("L2611".into()),
                quantity: 12,
                manual_reason: None,
            },
            ItemScan {
                gtin: "08712345000010".into(),
                lot: None,
                quantity: 1,
                manual_reason: Some("label torn".into()),
            },
        ],
        fix: Some(fix),
        pin: Some("4711".into()),
        ..minimal.clone()
    };
    let partial = ProofOfDelivery {
        id: "0193a4d2-0000-7000-8000-000000000003".into(),
        stop_id: "stop-3".into(),
        outcome: DeliveryOutcome::Partial {
            lines: vec![LineQuantity {
                line_id: "l1".into(),
                delivered: 4,
            }],
        },
        recipient_name: Some("Zoë Ångström".into()),
        signature: Some(SignatureOutcome::RefusedToSign { note: None }),
        fix: Some(LocationFix {
            point: GeoPoint {
                lat_e7: -338_688_000,
                lon_e7: -1_799_999_000,
            },
            mock: TriState::Yes,
            authorization: LocationAuthorization::Approximate,
            provider: LocationProvider::CoreLocation,
            from_accessory: TriState::No,
            ..fix
        }),
        geofence_override: Some(GeofenceOverride {
            reason: "gate moved 300 m east".into(),
        }),
        notes: Some("left at\ngoods-in".into()),
        ..minimal.clone()
    };
    let prev = "ab".repeat(32);
    vec![
        ("minimal_not_delivered_genesis", minimal, 1, "0".repeat(64)),
        ("delivered_full", delivered, 2, prev.clone()),
        ("partial_refused_to_sign_unicode", partial, 3, prev),
    ]
}

fn regenerate() {
    let rng = ring::rand::SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref(), &rng).unwrap();
    let pk = b64().encode(key.public_key());
    let mut vectors = Vec::new();
    for (name, record, sequence, prev) in records() {
        let header = SealHeader {
            device_public_key: pk.clone(),
            sequence,
            prev_seal_sha256: prev,
        };
        let bytes = canonical_bytes(&record, &header).unwrap();
        let sig = key.sign(&rng, &bytes).unwrap();
        vectors.push(json!({
            "name": name,
            "record": record,
            "header": header,
            "canonical_hex": hex(&bytes),
            "seal_sha256": sha256_hex(&bytes),
            "signature": b64().encode(sig.as_ref()),
        }));
    }
    let doc = json!({
        "description": "Proof-of-delivery seal test vectors (docs/proof-of-delivery.md, Canonical encoding). For each vector: encode record+header canonically, compare with canonical_hex, SHA-256 it (seal_sha256), and verify signature (ASN.1 DER ECDSA P-256 SHA-256 over the canonical bytes, base64url) with device_public_key. The key was generated for these vectors only.",
        "device_public_key": pk,
        "vectors": vectors,
    });
    std::fs::write(PATH, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
}

#[test]
fn committed_vectors_match_the_encoder() {
    if std::env::var_os("POD_REGENERATE_VECTORS").is_some() {
        regenerate();
    }
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let pk = doc["device_public_key"].as_str().unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), records().len());
    for (v, (name, record, sequence, prev)) in vectors.iter().zip(records()) {
        assert_eq!(v["name"], name);
        let parsed: ProofOfDelivery = serde_json::from_value(v["record"].clone()).unwrap();
        assert_eq!(
            parsed, record,
            "{name}: the JSON record is the test's record"
        );
        let header: SealHeader = serde_json::from_value(v["header"].clone()).unwrap();
        assert_eq!(header.sequence, sequence);
        assert_eq!(header.prev_seal_sha256, prev);
        assert_eq!(header.device_public_key, pk);
        let bytes = canonical_bytes(&parsed, &header).unwrap();
        assert_eq!(hex(&bytes), v["canonical_hex"].as_str().unwrap(), "{name}");
        assert_eq!(
            sha256_hex(&bytes),
            v["seal_sha256"].as_str().unwrap(),
            "{name}"
        );
        let sig = b64().decode(v["signature"].as_str().unwrap()).unwrap();
        let key = b64().decode(pk).unwrap();
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, key)
            .verify(&bytes, &sig)
            .unwrap_or_else(|_| panic!("{name}: signature does not verify"));
        // The whole seal verifies through the server's entry point too (chain aside).
        let seal = Seal {
            version: SEAL_VERSION,
            device_public_key: pk.into(),
            sequence,
            prev_seal_sha256: header.prev_seal_sha256.clone(),
            seal_sha256: sha256_hex(&bytes),
            signature: v["signature"].as_str().unwrap().into(),
        };
        let head = (sequence > 1).then(|| ChainHead {
            sequence: sequence - 1,
            seal_sha256: parse_sha256(&header.prev_seal_sha256).unwrap(),
        });
        let photos: Vec<&[u8]> = match name {
            "delivered_full" => vec![b"photo one", b"photo two"],
            _ => vec![],
        };
        verify_proof(
            &parsed,
            &seal,
            &VerifyInputs {
                session_public_key: pk,
                chain_head: head,
                photos: photos.into_iter().map(Some).collect(),
                signature_png: Some(b"signature png"),
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
