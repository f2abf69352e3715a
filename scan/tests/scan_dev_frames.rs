//! Decodes the repository's frame fixtures (fixtures/barcode-frames) and checks them against the
//! manifest: no false positive, and at least zxing-cpp's reference share of the codes.
//! Figures for speed come from `companion bench scan`, not from here.

mod scan_support;

use companion_scan::bench::{Manifest, score_frame};
use companion_scan::{
    DecodeStrategy, FrameDecoder, FrameRotation, LumaFrame, ScanOptions, decode_image_bytes,
};
use scan_support::dev_frames;

#[test]
fn dev_frames_decode_without_false_positives() {
    let dir = dev_frames();
    let manifest = Manifest::load(&dir).expect("manifest");
    let (mut expected, mut found) = (0, 0);
    // Every third frame keeps the unoptimised test under a minute; a generous budget keeps
    // the result independent of machine speed.
    for frame in manifest.frames.iter().step_by(3) {
        let bytes = std::fs::read(dir.join(&frame.file)).expect("frame");
        let options = ScanOptions {
            strategy: DecodeStrategy::Thorough,
            budget_ms: 5000,
            ..ScanOptions::default()
        };
        let outcome = decode_image_bytes(&bytes, options).expect("decodes");
        let texts: Vec<String> = outcome.codes.iter().map(|c| c.text.clone()).collect();
        let score = score_frame(frame, &texts, 0.0);
        assert!(
            score.false_positives.is_empty(),
            "{}: false positives {:?}",
            frame.file,
            score.false_positives
        );
        expected += score.expected;
        found += score.found;
    }
    eprintln!("dev frames (every third): found {found} of {expected}");
    // zxing-cpp finds 36 of 86 (42%) on the whole set.
    assert!(
        found * 100 >= expected * 42,
        "found only {found} of {expected}"
    );
}

#[test]
fn strided_rotated_camera_frame_matches_unrotated_decode() {
    let dir = dev_frames();
    let manifest = Manifest::load(&dir).expect("manifest");
    let frame = manifest
        .frames
        .iter()
        .find(|f| f.file == "dev_0001.png")
        .expect("dev_0001");
    let image = image::open(dir.join(&frame.file))
        .expect("png")
        .into_luma8();
    let (w, h) = image.dimensions();
    // Rotate the upright frame 90° counter-clockwise into "sensor" orientation, then lay
    // it out with Android's padded stride and a short last row.
    let (sw, sh) = (h, w);
    let stride = sw + 64;
    let mut sensor = vec![0u8; (stride * (sh - 1) + sw) as usize];
    for y in 0..h {
        for x in 0..w {
            // display (x, y) = (sh_w - sy, sx) for rotation 90: sensor x = y, sensor y = w-1-x.
            let (sx, sy) = (y, w - 1 - x);
            sensor[(sy * stride + sx) as usize] = image.get_pixel(x, y).0[0];
        }
    }
    let camera = LumaFrame {
        data: &sensor,
        width: sw,
        height: sh,
        row_stride: stride,
        rotation: FrameRotation::Deg90,
        roi: None,
    };
    let options = ScanOptions {
        strategy: DecodeStrategy::Thorough,
        budget_ms: 5000,
        ..ScanOptions::default()
    };
    let outcome = FrameDecoder::new(options)
        .expect("options")
        .decode(&camera)
        .expect("valid frame");
    let code = outcome
        .codes
        .iter()
        .find(|c| frame.expected.iter().any(|e| e.matches(&c.text)))
        .expect("the frame's code decodes from a strided, rotated buffer");
    // Corners come back in display coordinates: their centre lies inside the expected
    // quad's bounding box (with slack for quiet zones).
    let expected = frame
        .expected
        .iter()
        .find(|e| e.matches(&code.text))
        .expect("matched");
    let (min_x, max_x) = expected
        .quad
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[0]), b.max(p[0])));
    let (min_y, max_y) = expected
        .quad
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p[1]), b.max(p[1])));
    let n = code.corners.len() as f32;
    assert!(n >= 2.0, "corner points reported");
    let cx = code.corners.iter().map(|p| p.x).sum::<f32>() / n;
    let cy = code.corners.iter().map(|p| p.y).sum::<f32>() / n;
    let slack = 40.0;
    assert!(
        cx > min_x - slack && cx < max_x + slack && cy > min_y - slack && cy < max_y + slack,
        "corner centre ({cx}, {cy}) outside expected quad {:?}",
        expected.quad
    );
}
