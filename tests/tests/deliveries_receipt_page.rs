//! The receipt page in a real browser: headless Chromium (Debian's `chromium`, installed
//! with apt-get when missing; the test fails, never skips, when it cannot be had) loads the
//! page of an accepted proof from the server on loopback. `--dump-dom` must show the
//! outcome, recipient, flags and the seal's verification; the screenshot must not be blank
//! and must show the fix's accuracy circle in its colour.

mod deliveries_support;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use companion_wire::deliveries::{
    GeoPoint, GeofenceOverride, ItemScan, LocationAuthorization, LocationFix, LocationProvider,
    ProofPolicy, Receipt, ReviewFlag, TriState,
};
use deliveries_support::*;

fn find_chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let path = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
}

/// Chromium, installed from Debian's archive if this machine lacks it (CI runs as root on
/// a fresh machine).
fn chromium() -> PathBuf {
    if let Some(path) = find_chromium() {
        return path;
    }
    let status = Command::new("sh")
        .args([
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
        ])
        .stdout(Stdio::null())
        .status();
    find_chromium().unwrap_or_else(|| {
        panic!("chromium is not installed and `apt-get install chromium` failed ({status:?})")
    })
}

/// Runs headless Chromium with `args` then `url`, killed after 90 s; its stdout.
fn run_chromium(browser: &Path, profile: &Path, args: &[String], url: &str) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,1200",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut { stdout }, &mut s).ok();
        s
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, 160, (y * 255 / h) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

fn signature_png() -> Vec<u8> {
    let img = image::GrayImage::from_fn(600, 200, |x, y| {
        let on_line = (y as i32 - (150 - x as i32 / 5)).abs() < 3;
        image::Luma([if on_line { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_page_renders_in_headless_chromium() {
    let browser = tokio::task::spawn_blocking(chromium).await.unwrap();
    let rig = Rig::start().await;
    let phone = Device::new();
    let dave = rig.login("dave", &phone).await;
    let stops = rig.add_route("r-page", "acct-dave", 1, ProofPolicy::default());
    let photo = jpeg(320, 240);
    let photo_ref = rig.upload_photo(&dave, &photo, 320, 240).await;
    let png = signature_png();

    let mut record = delivered("page-1", "r-page", &stops[0], vec![photo_ref], &png);
    // 260 m north of the stop with a 40 m circle: between the radii; the platform says mock.
    let stop_point = GeoPoint::from_degrees(51.9225, 4.47917).unwrap();
    record.fix = Some(LocationFix {
        point: GeoPoint {
            lat_e7: stop_point.lat_e7 + 23_390,
            lon_e7: stop_point.lon_e7,
        },
        accuracy_cm: 4_000,
        fix_time_ms: 1_800_000_000_000,
        age_ms: 4_000,
        provider: LocationProvider::Gps,
        mock: TriState::Yes,
        simulated_by_software: TriState::Unknown,
        from_accessory: TriState::No,
        authorization: LocationAuthorization::Precise,
    });
    record.geofence_override = Some(GeofenceOverride {
        reason: "Goods-in is at the back of the market hall".into(),
    });
    record.scanned_items = vec![ItemScan {
        gtin: "08712345678906".into(),
        lot: Some("L1".into()),
        quantity: 2,
        manual_reason: None,
    }];
    let (status, body) = rig.submit(&dave, &sealed(record, None, &phone, &png)).await;
    assert_eq!(status, 200, "{body}");
    let receipt: Receipt = serde_json::from_value(body).unwrap();
    assert_eq!(
        receipt.flags,
        [
            ReviewFlag::MockLocation,
            ReviewFlag::OutsideStrictRadius,
            ReviewFlag::GeofenceOverride
        ]
    );
    let url = rig.url(&receipt.page_path);

    // Served without a bearer token, with headers that keep the URL private.
    let resp = rig.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let wrong = rig
        .http
        .get(rig.url(&format!("/v1/deliveries/receipt-pages/{}", "A".repeat(43))))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);

    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("receipt.png");
    let (dom, shot) = tokio::task::spawn_blocking({
        let browser = browser.clone();
        let dir = dir.path().to_path_buf();
        move || {
            let dom = run_chromium(
                &browser,
                &dir.join("profile-dom"),
                &["--dump-dom".to_string()],
                &url,
            );
            run_chromium(
                &browser,
                &dir.join("profile-shot"),
                &[format!("--screenshot={}", shot.display())],
                &url,
            );
            (dom, shot)
        }
    })
    .await
    .unwrap();

    for expected in [
        "Proof of delivery — Test Customer",
        "Jan de Vries",
        "Delivered",
        "Seal verified",
        "Mock location reported",
        "Outside the strict radius",
        "Geofence overridden by the driver",
        "Goods-in is at the back of the market hall",
        "<b id=\"verdict\">warn</b>",
        "± 40 m",
        "id=\"accuracy\"",
        "data:image/jpeg;base64,",
        "data:image/png;base64,",
    ] {
        assert!(dom.contains(expected), "the page lacks {expected:?}");
    }

    // POD_KEEP_SCREENSHOT=file.png keeps the screenshot to look at.
    if let Some(keep) = std::env::var_os("POD_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
    let img = image::open(&shot).expect("screenshot").to_rgb8();
    assert!(img.width() >= 800 && img.height() >= 800);
    let mut colours = std::collections::HashSet::new();
    let mut accuracy = 0;
    for p in img.pixels() {
        colours.insert(p.0);
        // #e6007e, allowing for colour management.
        if (p.0[0] as i32 - 230).abs() <= 6 && p.0[1] <= 8 && (p.0[2] as i32 - 126).abs() <= 6 {
            accuracy += 1;
        }
    }
    assert!(colours.len() > 50, "the screenshot looks blank");
    assert!(
        accuracy > 150,
        "the accuracy circle is not in the screenshot ({accuracy} pixels)"
    );
    rig.server.shutdown().await;
}
