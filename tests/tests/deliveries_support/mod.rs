//! Shared by the proof-of-delivery tests: a real server on loopback, devices with their own
//! P-256 keys, photo uploads in parts, and sealed proofs.
#![allow(dead_code)]

use base64::Engine;
use companion_server::{RunningServer, ServerConfig};
use companion_wire::deliveries::{
    ChainHead, DeliveryOutcome, ExpectedItem, PHOTO_PART_SIZE, PhotoRef, ProofOfDelivery,
    ProofPolicy, ProofSubmission, Seal, SealSigner, SignatureOutcome, SignatureStrokes,
    SignerError, Stroke, StrokePoint, TimeWindow, parse_sha256, part_count, sha256_hex,
};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

/// A phone's device key, as `core::device` keeps it.
pub struct Device {
    key: EcdsaKeyPair,
}

impl Device {
    pub fn new() -> Device {
        let rng = ring::rand::SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        Device {
            key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref(), &rng)
                .unwrap(),
        }
    }
    pub fn public_key_b64(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.key.public_key().as_ref())
    }
}

impl SealSigner for Device {
    fn public_key(&self) -> Vec<u8> {
        self.key.public_key().as_ref().to_vec()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.key
            .sign(&ring::rand::SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| SignerError("sign".into()))
    }
}

/// The head after `seal` (for sealing the next one).
pub fn head(seal: &Seal) -> Option<ChainHead> {
    Some(ChainHead {
        sequence: seal.sequence,
        seal_sha256: parse_sha256(&seal.seal_sha256).unwrap(),
    })
}

pub struct Rig {
    pub server: RunningServer,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Rig {
    pub async fn start() -> Rig {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::in_dir(dir.path());
        config.push.background_dispatch = false;
        let server = companion_server::start(config).await.unwrap();
        Rig {
            server,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Signs in `user` on `device`; the access token.
    pub async fn login(&self, user: &str, device: &Device) -> String {
        let body = json!({
            "username": user,
            "password": companion_server::seed::DEMO_PASSWORD,
            "device": {"install_id": &device.public_key_b64()[..20], "platform": "android", "model": "test",
                       "os_version": "15", "app_version": "1", "public_key": device.public_key_b64()},
        });
        let v: Value = self
            .http
            .post(self.url("/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(
        &self,
        token: &str,
        path: &str,
        body: &impl serde::Serialize,
    ) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// One part of a photo.
    pub async fn put_part(&self, token: &str, sha: &str, bytes: &[u8], index: u32) -> (u16, Value) {
        let start = index as usize * PHOTO_PART_SIZE as usize;
        let end = (start + PHOTO_PART_SIZE as usize).min(bytes.len());
        let r = self
            .http
            .post(self.url(&format!(
                "/v1/deliveries/photos/{sha}/parts/{index}?total_size={}",
                bytes.len()
            )))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(bytes[start..end].to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Uploads every part of `bytes` under its SHA-256; the reference to seal.
    pub async fn upload_photo(&self, token: &str, bytes: &[u8], w: u32, h: u32) -> PhotoRef {
        let sha = sha256_hex(bytes);
        for i in 0..part_count(bytes.len() as u64) {
            let (status, body) = self.put_part(token, &sha, bytes, i).await;
            assert_eq!(status, 200, "{body}");
        }
        PhotoRef {
            sha256: sha,
            size: bytes.len() as u64,
            width: w,
            height: h,
        }
    }

    pub async fn submit(&self, token: &str, sub: &ProofSubmission) -> (u16, Value) {
        self.post_json(token, "/v1/deliveries/proofs", sub).await
    }

    /// Adds a route of `n` pending stops for `account_id` with `policy`; their ids.
    pub fn add_route(
        &self,
        route_id: &str,
        account_id: &str,
        n: u32,
        policy: ProofPolicy,
    ) -> Vec<String> {
        let stops: Vec<_> = (1..=n)
            .map(|i| {
                let stop = companion_server::deliveries::seed::demo_stop(
                    &format!("{route_id}-s{i}"),
                    i,
                    ("cust", "Test Customer"),
                    &["Teststraat 1", "1234 AB Teststad"],
                    51.9225,
                    4.47917,
                    TimeWindow {
                        start_ms: 0,
                        end_ms: 1,
                    },
                    vec![ExpectedItem {
                        line_id: "l1".into(),
                        gtin: "08712345678906".into(),
                        lot: Some("L1".into()),
                        description: "Tomatoes".into(),
                        quantity: 2,
                    }],
                    policy,
                );
                (stop, Some("1234".to_string()))
            })
            .collect();
        self.server
            .db()
            .with(|c| {
                companion_server::deliveries::seed::assign_route(
                    c,
                    route_id,
                    account_id,
                    "wh-north",
                    "2026-12-07",
                    &stops,
                )
            })
            .unwrap();
        stops.into_iter().map(|(s, _)| s.id).collect()
    }
}

/// Strokes of a short signature.
pub fn strokes() -> SignatureStrokes {
    SignatureStrokes {
        width: 600,
        height: 200,
        strokes: vec![Stroke {
            points: vec![
                StrokePoint {
                    x: 20,
                    y: 150,
                    t_ms: 0,
                },
                StrokePoint {
                    x: 300,
                    y: 40,
                    t_ms: 90,
                },
                StrokePoint {
                    x: 560,
                    y: 160,
                    t_ms: 200,
                },
            ],
        }],
    }
}

/// A delivered proof for `stop_id` with `photos`, signed with a PNG of `png` bytes.
pub fn delivered(
    id: &str,
    route_id: &str,
    stop_id: &str,
    photos: Vec<PhotoRef>,
    png: &[u8],
) -> ProofOfDelivery {
    ProofOfDelivery {
        id: id.into(),
        route_id: route_id.into(),
        stop_id: stop_id.into(),
        outcome: DeliveryOutcome::Delivered,
        recipient_name: Some("Jan de Vries".into()),
        signature: Some(SignatureOutcome::Signed {
            strokes: strokes(),
            png_sha256: sha256_hex(png),
        }),
        photos,
        scanned_items: vec![],
        fix: None,
        geofence_override: None,
        pin: None,
        notes: None,
        captured_at_ms: 1_800_000_000_000,
    }
}

/// The submission of `record` sealed by `device` after `prev`.
pub fn sealed(
    record: ProofOfDelivery,
    prev: Option<ChainHead>,
    device: &Device,
    png: &[u8],
) -> ProofSubmission {
    let seal = companion_wire::deliveries::seal_record(&record, prev, device).unwrap();
    ProofSubmission {
        record,
        seal,
        signature_png_base64: Some(base64::engine::general_purpose::STANDARD.encode(png)),
    }
}

/// The error code of an error answer.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}
