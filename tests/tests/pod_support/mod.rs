//! Shared by the phone-side proof-of-delivery tests: a signed-in driver's phone against a
//! real server, fixes near a stop, signatures, camera photos, and a look at the kept files
//! from outside the core.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use companion_core::Companion;
use companion_core::deliveries::{Deliveries, DeliveryCapture, SignatureCapture};
use companion_core::platform::FileSecureStorage;
use companion_tests::{DEMO_PASSWORD, open_phone};
use companion_wire::deliveries::{
    DeliveryOutcome, GeoPoint, LocationAuthorization, LocationFix, LocationProvider,
    SignatureStrokes, Stop, Stroke, StrokePoint, TriState,
};

/// The real camera JPEG with EXIF GPS (`fixtures/pod/README.md`).
pub fn camera_jpeg() -> Vec<u8> {
    std::fs::read(fixture("camera-iphone6plus-gps.jpg")).expect("fixture")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/pod")
        .join(name)
}

/// A photo-like JPEG of `w`×`h` (texture, so it compresses like a photo), distinct per seed.
pub fn textured_jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state & 63) as u8;
        image::Rgb([
            ((x * 255 / w) as u8).wrapping_add(n),
            ((y * 255 / h) as u8).wrapping_add(seed as u8),
            n.wrapping_mul(3),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .unwrap();
    out
}

/// Opens the phone in `dir` and signs `user` in.
pub async fn driver_phone(dir: &Path, url: &str, user: &str) -> Companion {
    let phone = open_phone(dir, url).expect("phone opens");
    phone.sign_in(user, DEMO_PASSWORD).await.expect("signs in");
    phone
}

/// A fresh fix `north_m` metres north of `stop`'s point.
pub fn fix_near(stop: &Stop, north_m: f64, accuracy_cm: u32) -> LocationFix {
    LocationFix {
        point: GeoPoint {
            lat_e7: stop.address.point.lat_e7 + (north_m / 111_320.0 * 1e7) as i32,
            lon_e7: stop.address.point.lon_e7,
        },
        accuracy_cm,
        fix_time_ms: companion_core::time::now_millis() - 2_000,
        age_ms: 2_000,
        provider: LocationProvider::Gps,
        mock: TriState::No,
        simulated_by_software: TriState::Unknown,
        from_accessory: TriState::Unknown,
        authorization: LocationAuthorization::Precise,
    }
}

pub fn strokes() -> SignatureStrokes {
    let stroke = |pts: &[(i32, i32)]| Stroke {
        points: pts
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| StrokePoint {
                x,
                y,
                t_ms: i as u32 * 16,
            })
            .collect(),
    };
    SignatureStrokes {
        width: 600,
        height: 200,
        strokes: vec![
            stroke(&[(40, 150), (90, 40), (140, 150), (190, 60)]),
            stroke(&[(300, 120), (360, 80), (420, 130)]),
        ],
    }
}

/// The downloaded stop `id`.
pub async fn stop(pod: &Deliveries, id: &str) -> Stop {
    pod.stop(id).await.expect("stop on the phone")
}

/// Fills every step a default-policy stop needs (one photo, signature, recipient) and
/// returns the capture, unsealed.
pub async fn capture_default_stop(pod: &Deliveries, id: &str, photo: Vec<u8>) -> DeliveryCapture {
    let s = stop(pod, id).await;
    pod.start_capture(id).await.unwrap();
    pod.set_fix(id, Some(fix_near(&s, 30.0, 800)))
        .await
        .unwrap();
    pod.add_photo(id, photo).await.unwrap();
    pod.set_signature(id, SignatureCapture::Signed { strokes: strokes() })
        .await
        .unwrap();
    pod.set_recipient(id, Some("M. Jansen".into()))
        .await
        .unwrap();
    pod.set_outcome(id, DeliveryOutcome::Delivered)
        .await
        .unwrap()
}

/// The account directory of a signed-in phone.
pub fn account_dir(phone: &Companion) -> PathBuf {
    phone
        .account_database()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Reads a kept photo from outside the core (with the account's file key, as a test must).
pub fn kept_photo(phone_dir: &Path, account_dir: &Path, account_id: &str, sha256: &str) -> Vec<u8> {
    let storage = FileSecureStorage::new(phone_dir.join("secure")).unwrap();
    let key = companion_core::keys::account_file_key(&storage, account_id).unwrap();
    companion_core::sealed::read_sealed(
        &account_dir
            .join("pod/photos")
            .join(format!("{sha256}.jpg.sealed")),
        &key,
    )
    .unwrap()
}

/// Proofs the server holds for a stop.
pub fn server_proofs(server: &companion_tests::TestServer, stop_id: &str) -> i64 {
    server
        .server
        .db()
        .with(|c| {
            c.query_row(
                "SELECT count(*) FROM pod_proofs WHERE stop_id = ?1",
                [stop_id],
                |r| r.get(0),
            )
        })
        .unwrap()
}
