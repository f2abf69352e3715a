//! `companion bench pod`: proof-of-delivery figures as `key=value` lines.
//!
//! - `photo_12mp_ms`: a 12 MP camera JPEG (4000×3000) to the kept photo (median).
//! - `photo_peak_rss_mb`: the process's peak RSS while processing one, the high-water mark
//!   reset (`/proc/self/clear_refs`) after the input was made (so it includes the input).
//! - `seal_us`, `verify_us`: canonical encoding + device-key signature; the server's
//!   verification (encoding, hash, signature, chain link, one photo's hash) (medians).
//! - `upload_10_photos_ms`: one sealed proof with 10 photos uploaded to a loopback server
//!   (photos in parts, then the proof, receipt verified).

use std::sync::Arc;
use std::time::Instant;

use companion_core::deliveries::photo::{PhotoOptions, process_photo};
use companion_core::deliveries::{SignatureCapture, signature};
use companion_core::device::DeviceIdentity;
use companion_core::platform::{FileSecureStorage, SecureStorage};
use companion_server::{ServerConfig, seed};
use companion_wire::deliveries::{
    self as wire, DeliveryOutcome, PhotoRef, ProofOfDelivery, SignatureStrokes, Stroke,
    StrokePoint, VerifyInputs,
};

use crate::account::open_device;
use crate::bench::median;
use crate::output::CliError;

#[derive(clap::Args)]
pub struct BenchPodArgs {
    /// Runs to take the medians of (photo processing).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

/// A camera-like JPEG of `width`×`height`: gradients with fine texture (so it compresses
/// like a photo, not like a flat colour), different for each `seed`.
pub fn camera_jpeg(width: u32, height: u32, seed: u32) -> Result<Vec<u8>, CliError> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state & 15) as u8;
        image::Rgb([
            ((x * 255 / width.max(1)) as u8).wrapping_add(noise),
            ((y * 255 / height.max(1)) as u8).wrapping_add(seed as u8),
            (((x + y) / 8) as u8).wrapping_add(noise / 2),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .map_err(usage)?;
    Ok(out)
}

/// The process's peak resident set since the last reset, MiB (`None` off Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn demo_strokes() -> SignatureStrokes {
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
            stroke(&[(40, 150), (90, 40), (140, 150), (190, 60), (240, 140)]),
            stroke(&[(300, 120), (360, 80), (420, 130), (480, 70), (560, 110)]),
        ],
    }
}

pub async fn run(args: &BenchPodArgs) -> Result<(), CliError> {
    let runs = args.runs.max(1);
    eprintln!("making a 12 MP camera JPEG...");
    let camera = camera_jpeg(4000, 3000, 1)?;
    let options = PhotoOptions::default();
    // Peak memory of one photo, measured first (before the timing runs grow the heap).
    reset_peak_rss();
    let kept = process_photo(&camera, &options).map_err(usage)?;
    let peak = peak_rss_mb();
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let again = process_photo(&camera, &options).map_err(usage)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(again.sha256, kept.sha256);
    }
    println!("photo_input_bytes={}", camera.len());
    println!(
        "photo_kept={}x{} bytes={}",
        kept.width,
        kept.height,
        kept.jpeg.len()
    );
    println!("photo_12mp_ms={:.1}", median(&mut times));
    match peak {
        Some(mb) => println!("photo_peak_rss_mb={mb:.1}"),
        None => println!("photo_peak_rss_mb=unavailable"),
    }

    // Seal and verify with a device key as the phone keeps it.
    let work = tempfile::tempdir().map_err(usage)?;
    let storage: Arc<dyn SecureStorage> =
        Arc::new(FileSecureStorage::new(work.path().join("secure")).map_err(usage)?);
    let device = DeviceIdentity::load_or_create(&storage)?;
    let (sig_outcome, png) =
        signature::signed(demo_strokes(), &Default::default()).map_err(usage)?;
    let record = ProofOfDelivery {
        id: "bench-proof".into(),
        route_id: "route".into(),
        stop_id: "stop".into(),
        outcome: DeliveryOutcome::Delivered,
        recipient_name: Some("M. Jansen".into()),
        signature: Some(sig_outcome),
        photos: vec![PhotoRef {
            sha256: kept.sha256.clone(),
            size: kept.jpeg.len() as u64,
            width: kept.width,
            height: kept.height,
        }],
        scanned_items: Vec::new(),
        fix: None,
        geofence_override: None,
        pin: None,
        notes: None,
        captured_at_ms: companion_core::time::now_millis(),
    };
    let mut seal_times = Vec::new();
    let mut seal = None;
    for _ in 0..200 {
        let start = Instant::now();
        let s = wire::seal_record(&record, None, &device).map_err(usage)?;
        seal_times.push(start.elapsed().as_secs_f64() * 1e6);
        seal = Some(s);
    }
    let seal = seal.ok_or_else(|| usage("no seal"))?;
    let mut verify_times = Vec::new();
    for _ in 0..200 {
        let inputs = VerifyInputs {
            session_public_key: &seal.device_public_key,
            chain_head: None,
            photos: vec![Some(&kept.jpeg)],
            signature_png: Some(&png.png),
        };
        let start = Instant::now();
        wire::verify_proof(&record, &seal, &inputs).map_err(usage)?;
        verify_times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    println!("seal_us={:.0}", median(&mut seal_times));
    println!("verify_us={:.0}", median(&mut verify_times));

    // Ten photos of one proof to a loopback server.
    eprintln!("making 10 photos and a sealed proof...");
    let server = companion_server::start(ServerConfig::in_dir(work.path().join("server")))
        .await
        .map_err(usage)?;
    let phone = open_device(&work.path().join("phone"), &server.url())?;
    phone.sign_in("dave", seed::DEMO_PASSWORD).await?;
    let pod = phone.deliveries()?;
    let stop = pod
        .download_routes()
        .await?
        .into_iter()
        .flat_map(|r| r.stops)
        .next()
        .ok_or_else(|| usage("dave has no stops"))?;
    pod.start_capture(&stop.id).await?;
    let mut photo_bytes = 0u64;
    for i in 0..10 {
        let c = pod
            .add_photo(&stop.id, camera_jpeg(2000, 1500, 100 + i)?)
            .await?;
        photo_bytes = c.photos.iter().map(|p| p.size).sum();
    }
    pod.set_signature(
        &stop.id,
        SignatureCapture::Signed {
            strokes: demo_strokes(),
        },
    )
    .await?;
    pod.set_recipient(&stop.id, Some("M. Jansen".into()))
        .await?;
    pod.set_outcome(&stop.id, DeliveryOutcome::Delivered)
        .await?;
    if stop.policy.item_scan_required {
        for item in &stop.items {
            pod.add_item(
                &stop.id,
                wire::ItemScan {
                    gtin: item.gtin.clone(),
                    lot: item.lot.clone(),
                    quantity: item.quantity,
                    manual_reason: None,
                },
            )
            .await?;
        }
    }
    if stop.policy.pin_required {
        pod.set_pin(&stop.id, Some("0000".into())).await?;
    }
    pod.seal(&stop.id, None).await?;
    let start = Instant::now();
    let report = pod.upload().await?;
    let upload_ms = start.elapsed().as_secs_f64() * 1e3;
    if report.uploaded != 1 {
        return Err(usage(format!("the proof was not uploaded: {report:?}")));
    }
    println!("upload_10_photos_bytes={photo_bytes}");
    println!("upload_10_photos_parts={}", report.photo_parts_sent);
    println!("upload_10_photos_ms={upload_ms:.0}");
    server.shutdown().await;
    Ok(())
}
