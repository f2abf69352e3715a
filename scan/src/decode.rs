//! The decode strategy for camera frames.
//!
//! A live camera mostly sees frames without a code, so the cheap passes must be cheap and
//! the expensive ones must not run on every frame:
//!
//! 1. **Bar regions** (every frame): an orientation field finds parallel-edge regions at any
//!    angle; each is read along a few lines at half-pixel steps (see `linear.rs`).
//! 2. **2D**: rxing's QR/DataMatrix/PDF417/Aztec readers on the hybrid-binarised frame,
//!    restricted to the enabled formats, no try-harder.
//! 3. **Hard passes**: 2D on the inverted frame (light-on-dark), 2D on a 2x upscale of the
//!    busiest low-coherence regions (small modules), and fixed-angle line sweeps for codes
//!    the region finder missed. `Live` runs one of them per frame in turn (round robin),
//!    so a steady camera tries all of them within a few frames; `Thorough` runs all.
//!
//! Every pass checks a deadline before it starts, and decoder calls are wrapped in
//! `catch_unwind`, so a bad frame costs at most the budget plus one pass and never panics
//! across the FFI.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BinaryBitmap, DecodeHintValue, DecodeHints, Luma8Source, MultiFormatReader, RXingResult,
    RXingResultMetadataType, RXingResultMetadataValue,
};

use super::frame::PreparedFrame;
use super::linear::{LineScanner, find_bar_regions, sweep_regions};
use super::{BarcodeFormat, LumaFrame, ScanError, ScannedCode};
use crate::gs1;

/// How much work a frame gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DecodeStrategy {
    /// Cheap passes only: the lowest latency, for weak phones.
    Fast,
    /// Cheap passes on every frame plus one hard pass per frame in turn.
    #[default]
    Live,
    /// Every pass while the budget lasts: still images, a photo of a label.
    Thorough,
}

impl DecodeStrategy {
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "fast" => Some(Self::Fast),
            "live" => Some(Self::Live),
            "thorough" | "still" => Some(Self::Thorough),
            _ => None,
        }
    }
}

/// What to look for and how hard, per screen.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScanOptions {
    pub formats: Vec<BarcodeFormat>,
    pub strategy: DecodeStrategy,
    /// Passes do not start after this many milliseconds of the frame have passed.
    pub budget_ms: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            formats: BarcodeFormat::warehouse_default(),
            strategy: DecodeStrategy::Live,
            budget_ms: 60,
        }
    }
}

/// The result of decoding one frame.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DecodeOutcome {
    pub codes: Vec<ScannedCode>,
    /// Time spent decoding, in milliseconds.
    pub elapsed_ms: f32,
    /// True when passes were skipped because the budget ran out.
    pub budget_exhausted: bool,
}

/// Mean absolute thumbnail difference (grey levels) above which the camera is moving.
const MOVING_MEAN_DIFF: usize = 12;

/// The hard passes, in the order the live round robin visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HardPass {
    Inverted2d,
    Upscaled2d,
    SweepAxes,
    SweepDiagonals,
}

const HARD_PASSES: [HardPass; 4] = [
    HardPass::Upscaled2d,
    HardPass::SweepAxes,
    HardPass::Inverted2d,
    HardPass::SweepDiagonals,
];

/// Decodes frames with a per-screen configuration; keeps the round-robin position between
/// frames. One per camera screen.
pub struct FrameDecoder {
    options: ScanOptions,
    linear: Vec<rxing::BarcodeFormat>,
    matrix: Vec<rxing::BarcodeFormat>,
    next_hard_pass: usize,
    /// Thumbnail of the previous frame, to tell a steady camera from a moving one.
    previous_thumbnail: Vec<u8>,
}

impl FrameDecoder {
    pub fn new(options: ScanOptions) -> Result<Self, ScanError> {
        if options.formats.is_empty() {
            return Err(ScanError::InvalidOptions {
                reason: "no barcode format enabled".into(),
            });
        }
        if options.budget_ms == 0 {
            return Err(ScanError::InvalidOptions {
                reason: "budget_ms is zero".into(),
            });
        }
        let linear = options
            .formats
            .iter()
            .filter(|f| f.is_linear())
            .map(|f| f.to_rxing())
            .collect();
        let matrix = options
            .formats
            .iter()
            .filter(|f| !f.is_linear())
            .map(|f| f.to_rxing())
            .collect();
        Ok(Self {
            options,
            linear,
            matrix,
            next_hard_pass: 0,
            previous_thumbnail: Vec::new(),
        })
    }

    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Validates and decodes one camera frame.
    pub fn decode(&mut self, frame: &LumaFrame<'_>) -> Result<DecodeOutcome, ScanError> {
        let started = Instant::now();
        let prepared = PreparedFrame::from_frame(frame)?;
        Ok(self.decode_prepared(&prepared, started))
    }

    /// Runs the passes; a panic anywhere in them (rxing or ours) costs this frame its
    /// result, never the app: nothing unwinds into the shell.
    pub(crate) fn decode_prepared(
        &mut self,
        frame: &PreparedFrame,
        started: Instant,
    ) -> DecodeOutcome {
        match catch_unwind(AssertUnwindSafe(|| self.decode_passes(frame, started))) {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(
                    width = frame.width,
                    height = frame.height,
                    "barcode decoder panicked; frame skipped"
                );
                DecodeOutcome {
                    codes: Vec::new(),
                    elapsed_ms: started.elapsed().as_secs_f32() * 1000.0,
                    budget_exhausted: false,
                }
            }
        }
    }

    fn decode_passes(&mut self, frame: &PreparedFrame, started: Instant) -> DecodeOutcome {
        let deadline = started + Duration::from_millis(u64::from(self.options.budget_ms));
        let mut found: Vec<ScannedCode> = Vec::new();
        let mut budget_exhausted = false;
        let (px, w, h) = (&frame.pixels[..], frame.width, frame.height);

        // 1. Bar regions at any angle (and, from the same orientation field, windows where
        // 2D codes may be, for the upscaled pass).
        let (regions, windows) = find_bar_regions(px, w, h, 16, 4);
        if !self.linear.is_empty() {
            let mut scanner = LineScanner::new(px, w, h, &self.linear);
            let mut hits = Vec::new();
            for region in &regions {
                if Instant::now() > deadline {
                    budget_exhausted = true;
                    break;
                }
                scanner.reset();
                scanner.scan_region(region, 9, &mut hits, deadline);
            }
            self.accept_linear(frame, hits, &mut found);
        }
        // 2. 2D codes on the plain frame.
        if !self.matrix.is_empty() {
            if Instant::now() > deadline {
                budget_exhausted = true;
            } else {
                // Above ~1.5 MP the finder-pattern search over every pixel dominates the
                // frame; a half-resolution pass finds the codes large enough to matter at
                // that distance, and the upscaled-window pass covers small ones.
                let (results, scale) = if w * h > HALF_RES_2D_PIXELS {
                    let (half, hw, hh) = downscale2x(px, w, h);
                    (decode_matrix(&half, hw, hh, &self.matrix, false), 2.0)
                } else {
                    (decode_matrix(px, w, h, &self.matrix, false), 1.0)
                };
                self.accept_matrix(frame, results, (0.0, 0.0, scale), &mut found);
            }
        }
        // 3. Hard passes.
        let moving = self.options.strategy == DecodeStrategy::Live && self.camera_moving(frame);
        let hard: Vec<HardPass> = match self.options.strategy {
            DecodeStrategy::Fast => Vec::new(),
            // A hard pass pays when the camera is steady: on a moving camera the next frame
            // differs anyway and motion blur defeats the hard passes too.
            DecodeStrategy::Live if moving => Vec::new(),
            DecodeStrategy::Live => {
                let pass = HARD_PASSES[self.next_hard_pass % HARD_PASSES.len()];
                self.next_hard_pass += 1;
                vec![pass]
            }
            DecodeStrategy::Thorough => HARD_PASSES.to_vec(),
        };
        for pass in hard {
            let applies = match pass {
                HardPass::Inverted2d | HardPass::Upscaled2d => !self.matrix.is_empty(),
                HardPass::SweepAxes | HardPass::SweepDiagonals => !self.linear.is_empty(),
            };
            if !applies {
                continue;
            }
            if Instant::now() > deadline {
                budget_exhausted = true;
                break;
            }
            match pass {
                HardPass::Inverted2d => {
                    let results = decode_matrix(px, w, h, &self.matrix, true);
                    self.accept_matrix(frame, results, (0.0, 0.0, 1.0), &mut found);
                }
                HardPass::Upscaled2d => {
                    for &(x0, y0, cw, ch) in &windows {
                        if Instant::now() > deadline {
                            budget_exhausted = true;
                            break;
                        }
                        let (up, uw, uh) = upscale2x(px, w, x0, y0, cw, ch);
                        let mut results = decode_matrix(&up, uw, uh, &self.matrix, false);
                        if results.is_empty() {
                            // Light-on-dark labels: cheap to retry on a small window.
                            results = decode_matrix(&up, uw, uh, &self.matrix, true);
                        }
                        self.accept_matrix(frame, results, (x0 as f32, y0 as f32, 0.5), &mut found);
                    }
                }
                HardPass::SweepAxes | HardPass::SweepDiagonals => {
                    let angles: &[f32] = if pass == HardPass::SweepAxes {
                        &[0.0, 90.0]
                    } else {
                        &[45.0, 135.0]
                    };
                    let mut scanner = LineScanner::new(px, w, h, &self.linear);
                    let mut hits = Vec::new();
                    'sweep: for &angle in angles {
                        scanner.reset();
                        for line in sweep_regions(w, h, angle, 12.0) {
                            if Instant::now() > deadline {
                                budget_exhausted = true;
                                break 'sweep;
                            }
                            scanner.scan_region(&line, 1, &mut hits, deadline);
                        }
                    }
                    self.accept_linear(frame, hits, &mut found);
                }
            }
        }
        DecodeOutcome {
            codes: found,
            elapsed_ms: started.elapsed().as_secs_f32() * 1000.0,
            budget_exhausted,
        }
    }

    /// Compares a coarse thumbnail with the previous frame's. The first frame counts as
    /// steady (a phone held at a label).
    fn camera_moving(&mut self, frame: &PreparedFrame) -> bool {
        const TW: usize = 32;
        const TH: usize = 18;
        let (w, h) = (frame.width, frame.height);
        let mut thumb = Vec::with_capacity(TW * TH);
        for ty in 0..TH {
            for tx in 0..TW {
                // One sample row per thumbnail cell keeps this well under a millisecond.
                let y = (ty * h + h / (2 * TH)) / TH;
                let (x0, x1) = (tx * w / TW, ((tx + 1) * w / TW).max(tx * w / TW + 1));
                let row = &frame.pixels[y * w + x0..y * w + x1.min(w)];
                let sum: usize = row.iter().map(|&p| usize::from(p)).sum();
                thumb.push((sum / row.len().max(1)) as u8);
            }
        }
        let moving = self.previous_thumbnail.len() == thumb.len() && {
            let diff: usize = thumb
                .iter()
                .zip(&self.previous_thumbnail)
                .map(|(a, b)| usize::from(a.abs_diff(*b)))
                .sum();
            diff / thumb.len() > MOVING_MEAN_DIFF
        };
        self.previous_thumbnail = thumb;
        moving
    }

    fn accept_linear(
        &self,
        frame: &PreparedFrame,
        hits: Vec<super::linear::LinearHit>,
        found: &mut Vec<ScannedCode>,
    ) {
        for hit in hits {
            let corners = hit
                .corners
                .iter()
                .map(|&(x, y)| frame.to_display(x, y))
                .collect();
            let Some(code) = convert(&hit.result, corners, &self.options.formats) else {
                continue;
            };
            // Symbologies with weak structure must be read on two lines to count.
            let weak = matches!(
                code.format,
                BarcodeFormat::Itf
                    | BarcodeFormat::Code39
                    | BarcodeFormat::Ean8
                    | BarcodeFormat::UpcE
            );
            if weak && hit.lines < 2 {
                continue;
            }
            push_unique(found, code);
        }
    }

    fn accept_matrix(
        &self,
        frame: &PreparedFrame,
        results: Vec<RXingResult>,
        (x0, y0, scale): (f32, f32, f32),
        found: &mut Vec<ScannedCode>,
    ) {
        for result in results {
            let corners = result
                .getPoints()
                .iter()
                .map(|p| frame.to_display(x0 + p.x * scale, y0 + p.y * scale))
                .collect();
            if let Some(code) = convert(&result, corners, &self.options.formats) {
                push_unique(found, code);
            }
        }
    }
}

fn push_unique(found: &mut Vec<ScannedCode>, code: ScannedCode) {
    if !found.iter().any(|c| c.text == code.text) {
        found.push(code);
    }
}

/// Runs rxing's 2D readers over the whole buffer, possibly several codes.
fn decode_matrix(
    px: &[u8],
    w: usize,
    h: usize,
    formats: &[rxing::BarcodeFormat],
    invert: bool,
) -> Vec<RXingResult> {
    let run = || -> Vec<RXingResult> {
        let Ok(source) = Luma8Source::new_with_slice(px, w as u32, h as u32) else {
            return Vec::new();
        };
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        if invert {
            bitmap.invert();
        }
        let hints = DecodeHints::default()
            .with(DecodeHintValue::PossibleFormats(
                formats.iter().copied().collect(),
            ))
            .with(DecodeHintValue::TryHarder(false));
        let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
        reader
            .decode_multiple_with_hints(&mut bitmap, &hints)
            .unwrap_or_default()
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_default()
}

/// Frames larger than this get their full-frame 2D pass at half resolution.
const HALF_RES_2D_PIXELS: usize = 1_500_000;

/// 2x2 box downscale.
fn downscale2x(px: &[u8], w: usize, h: usize) -> (Vec<u8>, usize, usize) {
    let (hw, hh) = (w / 2, h / 2);
    let mut out = Vec::with_capacity(hw * hh);
    for y in 0..hh {
        let (r0, r1) = (2 * y * w, (2 * y + 1) * w);
        for x in 0..hw {
            let sum = u16::from(px[r0 + 2 * x])
                + u16::from(px[r0 + 2 * x + 1])
                + u16::from(px[r1 + 2 * x])
                + u16::from(px[r1 + 2 * x + 1]);
            out.push((sum / 4) as u8);
        }
    }
    (out, hw, hh)
}

/// Bilinear 2x upscale of a window.
fn upscale2x(
    px: &[u8],
    w: usize,
    x0: usize,
    y0: usize,
    cw: usize,
    ch: usize,
) -> (Vec<u8>, usize, usize) {
    let (uw, uh) = (cw * 2, ch * 2);
    let mut out = vec![0u8; uw * uh];
    for uy in 0..uh {
        let sy = (uy as f32 * 0.5).min((ch - 1) as f32);
        let (y_lo, fy) = (sy as usize, sy.fract());
        let y_hi = (y_lo + 1).min(ch - 1);
        for ux in 0..uw {
            let sx = (ux as f32 * 0.5).min((cw - 1) as f32);
            let (x_lo, fx) = (sx as usize, sx.fract());
            let x_hi = (x_lo + 1).min(cw - 1);
            let at = |x: usize, y: usize| f32::from(px[(y0 + y) * w + x0 + x]);
            let top = at(x_lo, y_lo) + (at(x_hi, y_lo) - at(x_lo, y_lo)) * fx;
            let bottom = at(x_lo, y_hi) + (at(x_hi, y_hi) - at(x_lo, y_hi)) * fx;
            out[uy * uw + ux] = (top + (bottom - top) * fy).round() as u8;
        }
    }
    (out, uw, uh)
}

/// Turns an rxing result into a [`ScannedCode`], applying the false-positive guards:
/// formats outside the screen's set, ITF other than ITF-14, bad GTIN check digits.
fn convert(
    result: &RXingResult,
    corners: Vec<super::CodePoint>,
    enabled: &[BarcodeFormat],
) -> Option<ScannedCode> {
    let format = BarcodeFormat::from_rxing(result.getBarcodeFormat())?;
    if !enabled.contains(&format) {
        return None;
    }
    let raw_text = result.getText().to_string();
    let symbology_from_decoder = match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(id)) => Some(id.clone()),
        _ => None,
    };
    let mut symbology =
        symbology_from_decoder.unwrap_or_else(|| default_symbology(format).to_string());
    let (mut text, mut gs1_elements, mut gs1_error) = (raw_text.clone(), Vec::new(), None);

    match format {
        BarcodeFormat::Ean13 | BarcodeFormat::UpcA | BarcodeFormat::Ean8 | BarcodeFormat::UpcE => {
            let gtin = if format == BarcodeFormat::UpcE {
                upce_to_upca(&raw_text)?
            } else {
                raw_text.clone()
            };
            let gtin14 = gs1::normalize_gtin(&gtin)?;
            gs1_elements.extend(gs1::element_for("01", &gtin14));
        }
        BarcodeFormat::Itf => {
            // ITF-14 only: other lengths of interleaved 2 of 5 are mostly misreads of noise.
            if raw_text.len() != 14 || !gs1::has_valid_check_digit(&raw_text) {
                return None;
            }
            gs1_elements.extend(gs1::element_for("01", &raw_text));
        }
        BarcodeFormat::DataBar => {
            let digits = raw_text.trim_start_matches("(01)").trim_start_matches("01");
            let digits = if digits.len() == 14 {
                digits.to_string()
            } else {
                format!("{digits:0>14}")
            };
            if !gs1::has_valid_check_digit(&digits) {
                return None;
            }
            symbology = "]e0".into();
            text = format!("(01){digits}");
            gs1_elements.extend(gs1::element_for("01", &digits));
        }
        BarcodeFormat::QrCode if raw_text.starts_with("http") => {
            if let Some(elements) = gs1::parse_digital_link(&raw_text) {
                gs1_elements = elements;
            }
        }
        _ => {
            let claims_gs1 = gs1::is_gs1_symbology_identifier(&symbology)
                || format == BarcodeFormat::DataBarExpanded
                || raw_text.starts_with("]C1");
            if claims_gs1 {
                if format == BarcodeFormat::DataBarExpanded {
                    symbology = "]e0".into();
                }
                match gs1::parse_element_string(&raw_text) {
                    Ok(elements) => {
                        text = gs1::to_bracketed(&elements);
                        gs1_elements = elements;
                    }
                    Err(error) => gs1_error = Some(error.to_string()),
                }
            }
        }
    }
    // A GTIN whose check digit fails means a misread: drop it rather than show it.
    if gs1_elements
        .iter()
        .any(|e| e.ai == "01" && e.issue.is_some())
        && format.is_linear()
    {
        return None;
    }
    let raw_bytes = if gs1_elements.is_empty() || format == BarcodeFormat::QrCode {
        raw_text.as_bytes().to_vec()
    } else {
        gs1::to_transmitted(&gs1_elements).into_bytes()
    };
    Some(ScannedCode {
        format,
        text,
        raw_bytes,
        symbology_identifier: symbology,
        corners,
        gs1: gs1_elements,
        gs1_error,
    })
}

fn default_symbology(format: BarcodeFormat) -> &'static str {
    match format {
        BarcodeFormat::Ean13 | BarcodeFormat::UpcA | BarcodeFormat::UpcE => "]E0",
        BarcodeFormat::Ean8 => "]E4",
        BarcodeFormat::Code128 => "]C0",
        BarcodeFormat::Itf => "]I0",
        BarcodeFormat::DataBar | BarcodeFormat::DataBarExpanded => "]e0",
        BarcodeFormat::QrCode => "]Q1",
        BarcodeFormat::DataMatrix => "]d1",
        BarcodeFormat::Pdf417 => "]L2",
        BarcodeFormat::Code39 => "]A0",
        BarcodeFormat::Aztec => "]z0",
    }
}

/// Expands an 8-digit UPC-E to its 12-digit UPC-A (for the GTIN and its check digit).
fn upce_to_upca(upce: &str) -> Option<String> {
    let d: Vec<char> = upce.chars().collect();
    if d.len() != 8 || !upce.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (ns, m, check) = (d[0], &d[1..7], d[7]);
    let body: String = match m[5] {
        '0' | '1' | '2' => format!("{}{}{}0000{}{}{}", m[0], m[1], m[5], m[2], m[3], m[4]),
        '3' => format!("{}{}{}00000{}{}", m[0], m[1], m[2], m[3], m[4]),
        '4' => format!("{}{}{}{}00000{}", m[0], m[1], m[2], m[3], m[4]),
        _ => format!("{}{}{}{}{}0000{}", m[0], m[1], m[2], m[3], m[4], m[5]),
    };
    Some(format!("{ns}{body}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upce_expands() {
        assert_eq!(upce_to_upca("01234565").as_deref(), Some("012345000065"));
    }

    #[test]
    fn hard_passes_wait_for_a_steady_camera() {
        let (w, h) = (160usize, 96usize);
        let scene: Vec<u8> = (0..w * h).map(|i| ((i % w) * 255 / w) as u8).collect();
        let panned: Vec<u8> = scene.iter().map(|p| 255 - p).collect();
        let mut decoder = FrameDecoder::new(ScanOptions::default()).expect("options");
        let mut decode = |px: &[u8]| {
            decoder
                .decode(&LumaFrame::packed(px, w as u32, h as u32))
                .expect("valid frame");
            decoder.next_hard_pass
        };
        assert_eq!(decode(&scene), 1, "the first frame counts as steady");
        assert_eq!(decode(&scene), 2, "same view: the round robin moves on");
        assert_eq!(decode(&panned), 2, "moving camera: no hard pass");
        assert_eq!(decode(&panned), 3);
    }

    #[test]
    fn options_are_validated() {
        assert!(
            FrameDecoder::new(ScanOptions {
                formats: vec![],
                ..ScanOptions::default()
            })
            .is_err()
        );
        assert!(
            FrameDecoder::new(ScanOptions {
                budget_ms: 0,
                ..ScanOptions::default()
            })
            .is_err()
        );
    }
}
