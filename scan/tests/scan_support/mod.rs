//! Helpers shared by the scanning integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use rxing::{BarcodeFormat, MultiFormatWriter, Writer};

/// Renders `text` as a barcode into a grey frame (paper 200, ink 30) at `scale` px per
/// module, centred, with a quiet zone; returns the luma plane.
pub fn render_frame(
    text: &str,
    format: BarcodeFormat,
    width: u32,
    height: u32,
    scale: u32,
) -> Vec<u8> {
    let matrix = MultiFormatWriter
        .encode(text, &format, 0, 0)
        .expect("encodable test code");
    let (mw, mh) = (matrix.getWidth(), matrix.getHeight());
    // Linear codes come back one row high: give them a height.
    let bar_height = if mh <= 1 { 60 / scale.max(1) } else { mh };
    let mut frame = vec![120u8; (width * height) as usize];
    let (cw, ch) = (mw * scale + 40, bar_height * scale + 40);
    let (x0, y0) = ((width - cw) / 2, (height - ch) / 2);
    for y in y0..y0 + ch {
        for x in x0..x0 + cw {
            frame[(y * width + x) as usize] = 200;
        }
    }
    for my in 0..bar_height {
        for mx in 0..mw {
            if matrix.get(mx, if mh <= 1 { 0 } else { my }) {
                for dy in 0..scale {
                    for dx in 0..scale {
                        let (x, y) = (x0 + 20 + mx * scale + dx, y0 + 20 + my * scale + dy);
                        frame[(y * width + x) as usize] = 30;
                    }
                }
            }
        }
    }
    frame
}

/// The repository's frame fixtures (`fixtures/barcode-frames`). They are part of the
/// repository, so their absence fails the test instead of skipping it.
pub fn dev_frames() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    companion_scan::bench::dev_frames_dir(&workspace)
        .expect("fixtures/barcode-frames/manifest.json is missing from the repository")
}

/// Tiny deterministic generator (xorshift) so failures reproduce from the printed seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}
