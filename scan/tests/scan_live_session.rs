//! The live-scan session under overload: frames arrive faster than they decode, memory
//! stays flat, the newest frame wins, and a code seen in one frame is not reported when
//! N-frame confirmation is on.

mod scan_support;

use std::sync::Arc;
use std::time::Duration;

use companion_scan::{
    ItemLookup, LiveScanConfig, LiveScanSession, LumaFrame, ScanOptions, ScannedCode, ScannedItem,
};
use scan_support::render_frame;

const W: u32 = 640;
const H: u32 = 360;

fn blank() -> Vec<u8> {
    (0..W * H).map(|i| (110 + (i * 7919 % 13)) as u8).collect()
}

fn location_label() -> Vec<u8> {
    render_frame("A-12-03-B", rxing::BarcodeFormat::CODE_128, W, H, 3)
}

struct BinLookup;

impl ItemLookup for BinLookup {
    fn lookup_code(&self, code: &ScannedCode) -> Option<ScannedItem> {
        (code.text == "A-12-03-B").then(|| ScannedItem {
            item_id: "BIN-A-12-03-B".into(),
            name: "Bin A-12-03-B".into(),
            lot: None,
            stock_on_hand: Some(12.0),
            unit: Some("case".into()),
        })
    }
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn overload_keeps_memory_flat_and_newest_frame_wins() {
    let config = LiveScanConfig {
        confirm_frames: 1,
        ..LiveScanConfig::default()
    };
    let session = LiveScanSession::start(config, Some(Arc::new(BinLookup))).expect("session");
    let (noise, label) = (blank(), location_label());
    // Warm up allocations, then measure growth over a burst far faster than decoding.
    for _ in 0..20 {
        session
            .submit(&LumaFrame::packed(&noise, W, H))
            .expect("valid frame");
    }
    assert!(session.wait_idle(Duration::from_secs(30)));
    let before = resident_kib();
    for _ in 0..2000 {
        session
            .submit(&LumaFrame::packed(&noise, W, H))
            .expect("valid frame");
        let stats = session.stats();
        assert!(
            stats.pending_bytes <= u64::from(W * H),
            "more than one pending frame held"
        );
    }
    // The newest frame holds the code; it must be the one decoded last.
    session
        .submit(&LumaFrame::packed(&label, W, H))
        .expect("valid frame");
    assert!(session.wait_idle(Duration::from_secs(30)));
    let after = resident_kib();
    let stats = session.stats();
    assert_eq!(stats.frames_submitted, 2021);
    assert!(
        stats.frames_dropped > 1000,
        "frames should be dropped under overload: {stats:?}"
    );
    assert_eq!(
        stats.frames_decoded + stats.frames_dropped,
        stats.frames_submitted
    );
    let events = session.poll_events();
    let last = events.last().expect("the newest frame's code is reported");
    assert_eq!(last.code.text, "A-12-03-B");
    assert_eq!(last.frame_index, 2020, "the newest frame wins");
    assert_eq!(
        last.item.as_ref().map(|i| i.item_id.as_str()),
        Some("BIN-A-12-03-B")
    );
    if let (Some(before), Some(after)) = (before, after) {
        // 2000 frames of 230 KB passed through: a queue would hold 460 MB.
        assert!(
            after < before + 16 * 1024,
            "RSS grew from {before} KiB to {after} KiB"
        );
    }
}

#[test]
fn code_seen_in_one_noisy_frame_is_not_reported() {
    let config = LiveScanConfig {
        options: ScanOptions::default(),
        confirm_frames: 3,
        confirm_window_frames: 3,
        repeat_suppression_ms: 60_000,
    };
    let session = LiveScanSession::start(config, None).expect("session");
    let (noise, label) = (blank(), location_label());
    let submit = |data: &[u8]| {
        session
            .submit(&LumaFrame::packed(data, W, H))
            .expect("valid frame");
        assert!(session.wait_idle(Duration::from_secs(30)));
    };
    submit(&label);
    for _ in 0..6 {
        submit(&noise);
    }
    assert!(
        session.poll_events().is_empty(),
        "a single-frame read must not be reported"
    );
    for _ in 0..3 {
        submit(&label);
    }
    let events = session.poll_events();
    assert_eq!(
        events.len(),
        1,
        "three consecutive reads confirm the code once"
    );
    // Repeats are suppressed while the window lasts.
    for _ in 0..4 {
        submit(&label);
    }
    assert!(session.poll_events().is_empty());
}

#[test]
fn a_phone_slower_than_its_camera_still_confirms_a_steady_code() {
    // Defaults: two reads within five frames. The camera outruns the decoder, so the frames
    // that get decoded are hundreds of camera frames apart; counting camera frames in the
    // window would never confirm a label held steadily in view.
    let session =
        LiveScanSession::start(LiveScanConfig::default(), Some(Arc::new(BinLookup))).unwrap();
    let label = location_label();
    for _ in 0..3000 {
        session
            .submit(&LumaFrame::packed(&label, W, H))
            .expect("valid frame");
    }
    assert!(session.wait_idle(Duration::from_secs(30)));
    let stats = session.stats();
    assert!(
        stats.frames_dropped > 100,
        "the camera should outrun the decoder: {stats:?}"
    );
    let events = session.poll_events();
    assert_eq!(
        events.iter().filter(|e| e.code.text == "A-12-03-B").count(),
        1,
        "decoded {} of {} frames: {events:?}",
        stats.frames_decoded,
        stats.frames_submitted
    );
}
