//! The decode strategy for camera frames and stills (see docs/scanning.md).
//!
//! 0. **Plain rxing readers** of every enabled format over the whole frame first (try-harder,
//!    rotation and inversion for stills): whatever they find is never lost to a later pass.
//!    Small images also go through a padded, upscaled copy.
//! 1. **Bar regions** at any angle, read along several lines (see `linear.rs`).
//! 2. **Hard passes**: upscaled 2D windows, line sweeps, inverted, rescaled and re-thresholded
//!    2D, a light margin around tight crops, mirrored 2D, linear readers on an upscaled copy.
//!    `Live` runs one of them per frame in turn, `Thorough` all.
//!
//! Linear codes are reported only when two distinct scan lines agree (DataBar excepted, see
//! `accept_linear_in`); conflicting EAN/UPC reads at one spot are resolved by line support.
//! Every step checks a deadline before it starts, and every rxing call and pass is wrapped in
//! `catch_unwind`, so a bad frame costs at most the budget plus one step and never panics
//! across the FFI.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use rxing::Reader;
use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BinaryBitmap, DecodeHintValue, DecodeHints, Luma8Source, MultiFormatReader, RXingResult,
    RXingResultMetadataType, RXingResultMetadataValue,
};

use super::frame::PreparedFrame;
use super::linear::{
    LineScanner, LinearHit, ScanLine, confirm_line, contradicted, find_bar_regions, sweep_regions,
};
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
    Rebinarized2d,
    Rescaled2d,
    Padded2d,
    Mirrored2d,
    UpscaledLinear,
    AztecBullseyes,
}

const HARD_PASSES: [HardPass; 10] = [
    HardPass::Upscaled2d,
    HardPass::SweepAxes,
    HardPass::Inverted2d,
    HardPass::SweepDiagonals,
    HardPass::Rescaled2d,
    HardPass::Rebinarized2d,
    HardPass::Padded2d,
    HardPass::Mirrored2d,
    HardPass::UpscaledLinear,
    HardPass::AztecBullseyes,
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
    /// This frame's single-line linear reads not yet confirmed: (text, format, scan line).
    /// A later pass reading the same text on a distinct line confirms it.
    unconfirmed: std::cell::RefCell<Vec<(String, rxing::BarcodeFormat, ScanLine)>>,
    /// This frame's linear reads per text (every line or rxing row that read it).
    support: std::cell::RefCell<std::collections::HashMap<String, u32>>,
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
            unconfirmed: Default::default(),
            support: Default::default(),
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
        if w == 0 || h == 0 {
            return DecodeOutcome {
                codes: found,
                elapsed_ms: started.elapsed().as_secs_f32() * 1000.0,
                budget_exhausted,
            };
        }
        let thorough = self.options.strategy == DecodeStrategy::Thorough;
        self.unconfirmed.borrow_mut().clear();
        self.support.borrow_mut().clear();

        // 0. The plain rxing readers of every enabled format over the whole frame: whatever
        // they find is never lost to a custom pass. Still images get rxing's try-harder
        // (every row, rotation, inversion); live frames the cheap form (15 rows, no
        // rotation), which is what an empty frame costs.
        budget_exhausted |=
            guarded(|| self.plain_pass(frame, thorough, deadline, &mut found)).unwrap_or(false);
        // 0b. Small images (a tight crop without quiet zone, a single scan line, a 15 px
        // Aztec): the same readers on a padded, upscaled copy, and rxing's pure-symbol
        // mode for clean renders. A live ROI that small gets it too.
        if w.min(h) < SMALL_SIDE && (thorough || w.min(h) < 48) && Instant::now() <= deadline {
            guarded(|| self.small_image_pass(frame, deadline, &mut found));
        }

        // 0c. Aztec that rxing cannot read: runes, and symbols flagged for reader
        // initialisation (rxing reads both mode messages as sizes). Stills only.
        if thorough
            && self.matrix.contains(&rxing::BarcodeFormat::AZTEC)
            && !found.iter().any(|c| c.format == BarcodeFormat::Aztec)
            && Instant::now() <= deadline
        {
            guarded(|| self.unusual_aztec_pass(frame, &mut found));
        }
        // 0d. DataMatrix symbols rxing locates but samples off the grid (uneven module widths,
        // curved labels, large multi-region symbols): sampled again along their timing
        // patterns. Only when no DataMatrix was read yet.
        if thorough
            && self.matrix.contains(&rxing::BarcodeFormat::DATA_MATRIX)
            && !found.iter().any(|c| c.format == BarcodeFormat::DataMatrix)
            && Instant::now() <= deadline
        {
            // A large photo at the plain 2D pass's resolution: full size, a 12 MP still
            // cost 300-400 ms more here.
            let (buf, bw, bh, scale) = halved_to(px, w, h, THOROUGH_2D_PIXELS);
            let small = buf.as_deref().unwrap_or(px);
            if let Some(symbols) = guarded(|| super::datamatrix::find_datamatrix(small, bw, bh)) {
                self.accept_matrix(frame, symbols, (0.0, 0.0, scale), &mut found);
            }
        }

        // 1. Bar regions at any angle (and, from the same orientation field, windows where
        // 2D codes may be, for the upscaled pass).
        let (regions, windows) = if w >= 16 && h >= 16 {
            guarded(|| find_bar_regions(px, w, h, 16, 4)).unwrap_or_default()
        } else {
            (Vec::new(), Vec::new())
        };
        if !self.linear.is_empty() && !regions.is_empty() {
            guarded(|| {
                let mut scanner = LineScanner::new(px, w, h, &self.linear);
                // Stills can afford the retries for crops with a dark border or a mark
                // beyond the quiet zone; camera frames keep their cost.
                scanner.tolerant = thorough;
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
            });
        }
        // 1b. A strip thinner than two orientation cells (a scanner's line image, a label
        // edge cropped tight) has no bar regions: lines along its long side instead. Up to
        // 8192 px long: one line is one step, and a 100000 px line cost ~100 ms (release)
        // past any budget; longer strips keep the plain and small-image passes.
        if !self.linear.is_empty()
            && w.min(h) < 16
            && (40..=8192).contains(&w.max(h))
            && Instant::now() <= deadline
        {
            guarded(|| {
                let mut scanner = LineScanner::new(px, w, h, &self.linear);
                let mut hits = Vec::new();
                scanner.scan_strip(9, &mut hits, deadline);
                self.accept_linear(frame, hits, &mut found);
            });
        }
        // 1c. Stacked GS1 DataBar turned a few degrees (stills): rxing reads its rows along
        // image rows, which leave a row of a stacked symbol turned more than about 5°. The
        // frame turned so the strongest bar region's bars stand upright, read again.
        if thorough
            && !found.iter().any(|c| {
                matches!(
                    c.format,
                    BarcodeFormat::DataBar | BarcodeFormat::DataBarExpanded
                )
            })
            && Instant::now() <= deadline
            && let Some(region) = regions.first()
        {
            guarded(|| self.deskewed_databar_pass(frame, region.across, &mut found));
        }
        // 2. (Live) 2D codes are covered by the plain pass above.
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
                // The thorough plain pass already tried the inverted frame.
                HardPass::Inverted2d => !self.matrix.is_empty() && !thorough,
                HardPass::Upscaled2d => !self.matrix.is_empty() && !windows.is_empty(),
                HardPass::Rebinarized2d | HardPass::Rescaled2d => {
                    !self.matrix.is_empty() && w >= 16 && h >= 16
                }
                // A tight crop (a symbol cut out of a scan, a photo filling the frame): the
                // detectors need a light margin the frame does not have.
                HardPass::Padded2d => {
                    !self.matrix.is_empty()
                        && w >= 16
                        && h >= 16
                        && w * h <= HALF_RES_2D_PIXELS
                        && touches_border(px, w, h)
                }
                // Narrow modules (a distant or low-resolution label): rxing's row reader on a
                // bilinear 2x copy, where a module spans enough pixels for its threshold.
                HardPass::UpscaledLinear => {
                    !self.linear.is_empty() && w >= 16 && h >= 4 && w * h <= 1_000_000
                }
                // Symbols seen from the back of a film or label, or printed mirrored.
                HardPass::Mirrored2d => {
                    self.matrix.iter().any(|f| {
                        matches!(
                            f,
                            rxing::BarcodeFormat::PDF_417
                                | rxing::BarcodeFormat::DATA_MATRIX
                                | rxing::BarcodeFormat::AZTEC
                        )
                    }) && w >= 16
                        && h >= 16
                        && w * h <= HALF_RES_2D_PIXELS
                        && !found.iter().any(|c| !c.format.is_linear())
                }
                HardPass::SweepAxes | HardPass::SweepDiagonals => {
                    !self.linear.is_empty() && w >= 16 && h >= 16
                }
                // Step 0c on a live frame: Aztec turned near 45° or beside other print, runes
                // and symbols flagged for reader initialisation. Stills had it already.
                HardPass::AztecBullseyes => {
                    !thorough
                        && self.matrix.contains(&rxing::BarcodeFormat::AZTEC)
                        && !found.iter().any(|c| c.format == BarcodeFormat::Aztec)
                        && w >= 16
                        && h >= 16
                }
            };
            if !applies {
                continue;
            }
            if Instant::now() > deadline {
                budget_exhausted = true;
                break;
            }
            guarded(|| match pass {
                HardPass::AztecBullseyes => self.unusual_aztec_pass(frame, &mut found),
                HardPass::Inverted2d => {
                    let results = decode_rx(px, w, h, &self.matrix, false, true, false);
                    self.accept_matrix(frame, results, (0.0, 0.0, 1.0), &mut found);
                }
                HardPass::Padded2d => {
                    let pad = (w.max(h) / 8).clamp(8, 64);
                    let (buf, pw, ph) = pad_and_scale(px, w, h, pad, 1);
                    // At several scales, as the rescaled pass: the margin only helps once
                    // the detector's sampling suits the module size.
                    for f in [1.0f32, 0.75, 0.5, 1.5] {
                        if Instant::now() > deadline {
                            budget_exhausted = true;
                            break;
                        }
                        if (pw * ph) as f32 * f * f > 4.0e6 || (pw.min(ph) as f32 * f) < 24.0 {
                            continue;
                        }
                        let (scaled, sw, sh) = if f == 1.0 {
                            (buf.clone(), pw, ph)
                        } else {
                            resample(&buf, pw, ph, f)
                        };
                        let results =
                            decode_rx(&scaled, sw, sh, &self.matrix, thorough, false, false);
                        let any = !results.is_empty();
                        let (pad, k) = (pad as f32, 1.0 / f);
                        self.accept_matrix(frame, results, (-pad, -pad, k), &mut found);
                        if any {
                            break;
                        }
                    }
                }
                HardPass::UpscaledLinear => {
                    let (up, uw, uh) = resample(px, w, h, 2.0);
                    let view = View {
                        px: &up,
                        w: uw,
                        h: uh,
                        scale: 2.0,
                        pad: 0.0,
                    };
                    let results = decode_rx(&up, uw, uh, &self.linear, thorough, thorough, false);
                    let hits = results.into_iter().filter_map(plain_hit).collect();
                    self.accept_linear_in(frame, &view, hits, &mut found);
                }
                HardPass::Mirrored2d => {
                    let formats: Vec<_> = self
                        .matrix
                        .iter()
                        .copied()
                        .filter(|f| *f != rxing::BarcodeFormat::QR_CODE)
                        .collect();
                    let mut mirrored = px.to_vec();
                    for row in mirrored.chunks_exact_mut(w) {
                        row.reverse();
                    }
                    let results = decode_rx(&mirrored, w, h, &formats, thorough, false, false);
                    // Corners mirrored back onto the frame.
                    let results = results
                        .into_iter()
                        .map(|mut r| {
                            for p in r.getPointsMut() {
                                p.x = w as f32 - p.x;
                            }
                            r
                        })
                        .collect();
                    self.accept_matrix(frame, results, (0.0, 0.0, 1.0), &mut found);
                }
                HardPass::Rescaled2d => {
                    // The detectors have a sweet spot of module size and sampling phase: a
                    // code rxing misses at one scale it often reads at another.
                    for f in [0.75f32, 1.5, 0.5, 2.0] {
                        if Instant::now() > deadline {
                            budget_exhausted = true;
                            break;
                        }
                        if (w * h) as f32 * f * f > 4.0e6 || (w.min(h) as f32 * f) < 24.0 {
                            continue;
                        }
                        let (scaled, sw, sh) = resample(px, w, h, f);
                        let results =
                            decode_rx(&scaled, sw, sh, &self.matrix, thorough, false, false);
                        let any = !results.is_empty();
                        self.accept_matrix(frame, results, (0.0, 0.0, 1.0 / f), &mut found);
                        if any {
                            break;
                        }
                    }
                }
                HardPass::Rebinarized2d => {
                    // rxing's hybrid binariser loses low-contrast, textured and unevenly lit
                    // 2D codes (dot-peened DataMatrix, photos of labels): the same readers
                    // on the frame thresholded by Otsu's global level and by local means
                    // over two window sizes.
                    let (sw, sh) = (w, h);
                    let small = sw.min(sh);
                    for variant in [
                        Threshold::Otsu,
                        Threshold::LocalMean((small / 8).max(6)),
                        Threshold::LocalMean((small / 24).max(3)),
                    ] {
                        if Instant::now() > deadline {
                            budget_exhausted = true;
                            break;
                        }
                        let binary = threshold(px, w, h, variant);
                        let results =
                            decode_rx(&binary, w, h, &self.matrix, thorough, false, false);
                        let any = !results.is_empty();
                        self.accept_matrix(frame, results, (0.0, 0.0, 1.0), &mut found);
                        if any {
                            break;
                        }
                    }
                }
                HardPass::Upscaled2d => {
                    for &(x0, y0, cw, ch) in &windows {
                        if Instant::now() > deadline {
                            budget_exhausted = true;
                            break;
                        }
                        let (up, uw, uh) = upscale2x(px, w, x0, y0, cw, ch);
                        let mut results = decode_rx(&up, uw, uh, &self.matrix, false, false, false);
                        if results.is_empty() {
                            // Light-on-dark labels: cheap to retry on a small window.
                            results = decode_rx(&up, uw, uh, &self.matrix, false, true, false);
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
                            // Each sweep line on its own: rxing's DataBar Expanded reader
                            // would otherwise combine rows of unrelated lines.
                            scanner.reset();
                            scanner.scan_region(&line, 1, &mut hits, deadline);
                        }
                    }
                    self.accept_linear(frame, hits, &mut found);
                }
            });
        }
        self.resolve_conflicts(&mut found);
        DecodeOutcome {
            codes: found,
            elapsed_ms: started.elapsed().as_secs_f32() * 1000.0,
            budget_exhausted,
        }
    }

    /// Two different EAN/UPC codes read over the same spot cannot both be right (a blurred
    /// or curved left half can read as other digits with a valid check digit, on several
    /// lines alike), nor two DataBar Expanded codes in one frame (rows combined into another
    /// symbol whose check passes): the one read on clearly more lines or passes stays when
    /// the other is a stray read, otherwise neither (two DataBar Expanded codes read often
    /// are two labels and both stay). An ITF or Code 39 read that begins or ends another at
    /// its spot is a truncated line and goes. See docs/scanning.md, "Conflicts".
    fn resolve_conflicts(&self, found: &mut Vec<ScannedCode>) {
        let ean = |c: &ScannedCode| c.format.is_ean_upc();
        // Centre, unit scan direction and length of a code's scan line (corners 0 -> 1).
        let axis = |c: &ScannedCode| {
            let n = c.corners.len().max(1) as f32;
            let centre = (
                c.corners.iter().map(|p| p.x).sum::<f32>() / n,
                c.corners.iter().map(|p| p.y).sum::<f32>() / n,
            );
            let (a, b) = match (c.corners.first(), c.corners.get(1)) {
                (Some(a), Some(b)) => ((a.x, a.y), (b.x, b.y)),
                _ => ((0.0, 0.0), (1.0, 0.0)),
            };
            let len = (b.0 - a.0).hypot(b.1 - a.1).max(1.0);
            (centre, ((b.0 - a.0) / len, (b.1 - a.1) / len), len)
        };
        // b's centre overlaps a along a's scan direction and is closer across it than a
        // symbol is high (EAN/UPC bars are about 0.7 of the symbol's width); `overlap` also
        // wants the same orientation.
        let within = |a: &ScannedCode, b: &ScannedCode| {
            let ((ca, da, la), (cb, _, lb)) = (axis(a), axis(b));
            let (dx, dy) = (cb.0 - ca.0, cb.1 - ca.1);
            let along = (dx * da.0 + dy * da.1).abs();
            let across = (dx * da.1 - dy * da.0).abs();
            along < (la + lb) / 2.0 && across < 0.6 * la.max(lb)
        };
        let overlap = |a: &ScannedCode, b: &ScannedCode| {
            let ((_, da, _), (_, db, _)) = (axis(a), axis(b));
            (da.0 * db.0 + da.1 * db.1).abs() > 0.94 && within(a, b)
        };
        let support = self.support.borrow();
        // By the main digits: an add-on read on some lines only is the same code.
        let reads = |c: &ScannedCode| {
            support
                .iter()
                .filter(|(t, _)| c.text.starts_with(t.as_str()) || t.starts_with(&c.text))
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(1)
        };
        let mut drop = vec![false; found.len()];
        // EAN-8 and UPC-E patterns occur inside other linear symbols (DataBar finder
        // patterns): one lying on another code is part of it.
        let short = |c: &ScannedCode| matches!(c.format, BarcodeFormat::Ean8 | BarcodeFormat::UpcE);
        for i in 0..found.len() {
            for j in 0..found.len() {
                let (a, b) = (&found[i], &found[j]);
                if i != j && short(a) && b.format.is_linear() && !ean(b) && overlap(a, b) {
                    drop[i] = true;
                }
                // Their module patterns also occur in the rows of 2D symbols.
                if i != j && short(a) && !b.format.is_linear() && inside_symbol(a, b) {
                    drop[i] = true;
                }
            }
        }
        // Without a check character a line that leaves the symbol early (through the bar
        // ends of a tilted label) can end in a look-alike stop pattern: a shorter read that
        // begins or ends the longer one on the same spot is that.
        let unchecked =
            |c: &ScannedCode| matches!(c.format, BarcodeFormat::Itf | BarcodeFormat::Code39);
        let truncation = |short: &ScannedCode, long: &ScannedCode| {
            short.text.len() < long.text.len()
                && (long.text.starts_with(&short.text) || long.text.ends_with(&short.text))
        };
        // A text read on three lines or passes is no stray misread: with two such at one
        // spot (blur can make the wrong one the more frequent) neither stays.
        let credible = |n: u32| n >= 3;
        for i in 0..found.len() {
            for j in i + 1..found.len() {
                let (a, b) = (&found[i], &found[j]);
                // Other codes keep two texts at one spot: logistics labels stack GS1-128 (or
                // Code 39) symbols close together.
                let same_family = if ean(a) {
                    ean(b) && a.gtin14() != b.gtin14()
                } else {
                    a.format == b.format
                        && a.text != b.text
                        && (unchecked(a) || a.format == BarcodeFormat::DataBarExpanded)
                };
                if !same_family {
                    continue;
                }
                if unchecked(a) {
                    // A truncating line may cross the symbol at any angle.
                    if within(a, b) || within(b, a) {
                        drop[i] |= truncation(a, b);
                        drop[j] |= truncation(b, a);
                    }
                    continue;
                }
                let (ra, rb) = (reads(a), reads(b));
                if a.format == BarcodeFormat::DataBarExpanded {
                    // rxing places a stacked symbol by the pairs it combined, so where a wrong
                    // combination lies says little: one frame is one spot. A stray read
                    // beside a clearly stronger one goes, two stray reads both go, two
                    // credible ones (two labels) both stay.
                    if credible(ra) && credible(rb) {
                        continue;
                    }
                    if ra >= 2 * rb && !credible(rb) {
                        drop[j] = true;
                    } else if rb >= 2 * ra && !credible(ra) {
                        drop[i] = true;
                    } else if !credible(ra) && !credible(rb) {
                        drop[i] = true;
                        drop[j] = true;
                    }
                    continue;
                }
                // A line across the bars at another angle reads the same code.
                if !(within(a, b) || within(b, a)) {
                    continue;
                }
                if ra >= 2 * rb && !credible(rb) {
                    drop[j] = true;
                } else if rb >= 2 * ra && !credible(ra) {
                    drop[i] = true;
                } else {
                    drop[i] = true;
                    drop[j] = true;
                }
                if debug_enabled() {
                    eprintln!("conflict {:?} ({ra}) vs {:?} ({rb})", a.text, b.text);
                }
            }
        }
        let mut keep = drop.iter().map(|d| !d);
        found.retain(|_| keep.next().unwrap_or(true));
    }

    /// Step 1c: the frame turned so that `across` (a bar region's scan direction) lies along
    /// the nearest image axis, when it is 3° to 45° off it, and rxing's DataBar readers run
    /// on that copy; corners are turned back onto the frame.
    fn deskewed_databar_pass(
        &self,
        frame: &PreparedFrame,
        across: (f32, f32),
        found: &mut Vec<ScannedCode>,
    ) {
        let (px, w, h) = (&frame.pixels[..], frame.width, frame.height);
        // Off the nearest axis, in (-45°, 45°].
        let quarter = std::f32::consts::FRAC_PI_2;
        let angle = across.1.atan2(across.0);
        let off = angle - (angle / quarter).round() * quarter;
        if off.abs() < 3f32.to_radians() || w * h > HALF_RES_2D_PIXELS {
            return;
        }
        let formats: Vec<_> = self
            .linear
            .iter()
            .copied()
            .filter(|f| {
                matches!(
                    f,
                    rxing::BarcodeFormat::RSS_EXPANDED | rxing::BarcodeFormat::RSS_14
                )
            })
            .collect();
        if formats.is_empty() {
            return;
        }
        let turned = Turned::new(px, w, h, -off);
        let results = decode_rx(&turned.px, turned.w, turned.h, &formats, true, false, false);
        let hits = results
            .into_iter()
            .map(|mut r| {
                for p in r.getPointsMut() {
                    (p.x, p.y) = turned.to_frame((p.x, p.y));
                }
                r
            })
            .filter_map(plain_hit)
            .collect();
        self.accept_linear(frame, hits, found);
    }

    fn small_image_pass(
        &self,
        frame: &PreparedFrame,
        deadline: Instant,
        found: &mut Vec<ScannedCode>,
    ) {
        let (px, w, h) = (&frame.pixels[..], frame.width, frame.height);
        let Some((k, pad)) = small_copy_scale(w, h) else {
            return;
        };
        let (buf, pw, ph) = pad_and_scale(px, w, h, pad, k);
        let view = View {
            px: &buf,
            w: pw,
            h: ph,
            scale: k as f32,
            pad: pad as f32,
        };
        let thorough = self.options.strategy == DecodeStrategy::Thorough;
        if !self.linear.is_empty() {
            let results = decode_rx(&buf, pw, ph, &self.linear, thorough, thorough, false);
            let hits = results.into_iter().filter_map(plain_hit).collect();
            self.accept_linear_in(frame, &view, hits, found);
        }
        if !self.matrix.is_empty() && Instant::now() <= deadline {
            let mut results = decode_rx(&buf, pw, ph, &self.matrix, thorough, thorough, false);
            let mut map = (-(pad as f32), -(pad as f32), 1.0 / k as f32);
            if results.is_empty() {
                // A clean render filling the image: rxing's pure-symbol path.
                results = decode_rx(px, w, h, &self.matrix, false, false, true);
                map = (0.0, 0.0, 1.0);
            }
            self.accept_matrix(frame, results, map, found);
        }
    }

    /// Aztec Runes (`aztec_rune`), then rxing's reader started from each bull's eye found
    /// (`aztec_bullseye`), then, if there is none, a symbol flagged for reader
    /// initialisation (`aztec_init`): both on one binarisation of the frame, except that a
    /// small image's flagged symbol is looked for on the padded, upscaled copy the small-image
    /// pass reads (rxing's detector needs a margin and a few pixels per module).
    fn unusual_aztec_pass(&self, frame: &PreparedFrame, found: &mut Vec<ScannedCode>) {
        let (px, w, h) = (&frame.pixels[..], frame.width, frame.height);
        let Ok(source) = Luma8Source::new_with_slice(px, w as u32, h as u32) else {
            return;
        };
        let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        let bits = bitmap.get_black_matrix();
        let candidates = super::aztec_bullseye::bullseye_candidates(bits);
        let runes = super::aztec_rune::find_runes(bits, &candidates);
        if !runes.is_empty() {
            self.accept_matrix(frame, runes, (0.0, 0.0, 1.0), found);
            return;
        }
        let seeded = super::aztec_bullseye::read_at_bullseyes(bits, &candidates);
        if !seeded.is_empty() {
            self.accept_matrix(frame, seeded, (0.0, 0.0, 1.0), found);
            return;
        }
        let flagged = match small_copy_scale(w, h) {
            Some((k, pad)) if w.min(h) < SMALL_SIDE => {
                let (buf, pw, ph) = pad_and_scale(px, w, h, pad, k);
                let Ok(source) = Luma8Source::new_with_slice(&buf, pw as u32, ph as u32) else {
                    return;
                };
                let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
                let map = (-(pad as f32), -(pad as f32), 1.0 / k as f32);
                super::aztec_init::read_reader_init(bitmap.get_black_matrix()).map(|r| (r, map))
            }
            _ => super::aztec_init::read_reader_init(bits)
                .or_else(|| super::aztec_init::read_reader_init_near(bits, &candidates))
                .map(|r| (r, (0.0, 0.0, 1.0))),
        };
        if let Some((result, map)) = flagged {
            self.accept_matrix(frame, vec![result], map, found);
        }
    }

    /// rxing's own readers, as an application using rxing directly would call them: linear
    /// formats on the full-resolution frame (they read rows, so size costs little), 2D
    /// formats on the frame downscaled when it is large. Linear results must still be
    /// confirmed on a second scan line (see `confirm_line`).
    ///
    /// In steps, cheapest first, each starting only within the budget: the plain readers
    /// without try-harder (what every frame gets), then for stills try-harder with
    /// rotation and inversion. On an odd frame (100000 x 14) one rxing call can take a
    /// while, so a frame overruns its budget by at most one step.
    fn plain_pass(
        &self,
        frame: &PreparedFrame,
        thorough: bool,
        deadline: Instant,
        found: &mut Vec<ScannedCode>,
    ) -> bool {
        let (px, w, h) = (&frame.pixels[..], frame.width, frame.height);
        // Large frames: the finder-pattern search over every pixel dominates, and codes that
        // matter at that distance survive a downscale; small 2D codes there are left to the
        // upscaled windows.
        let limit = if thorough {
            THOROUGH_2D_PIXELS
        } else {
            HALF_RES_2D_PIXELS
        };
        let (buf, bw, bh, scale) = halved_to(px, w, h, limit);
        let small = buf.as_deref().unwrap_or(px);
        let steps: &[(bool, bool)] = if thorough {
            &[(false, false), (false, true), (true, false), (true, true)]
        } else {
            &[(false, false), (false, true)]
        };
        for &(try_harder, matrix) in steps {
            if Instant::now() > deadline {
                return true;
            }
            if matrix && !self.matrix.is_empty() {
                let results = decode_rx(small, bw, bh, &self.matrix, try_harder, try_harder, false);
                self.accept_matrix(frame, results, (0.0, 0.0, scale), found);
            } else if !matrix && !self.linear.is_empty() {
                let results = decode_rx(px, w, h, &self.linear, try_harder, try_harder, false);
                let hits = results.into_iter().filter_map(plain_hit).collect();
                self.accept_linear(frame, hits, found);
            }
        }
        if thorough && scale > 1.0 && found.is_empty() && Instant::now() <= deadline {
            // A still with nothing found at reduced size: the full frame once.
            let results = decode_rx(px, w, h, &self.matrix, true, true, false);
            self.accept_matrix(frame, results, (0.0, 0.0, 1.0), found);
        }
        false
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

    /// Linear codes carry little redundancy (a single check digit for EAN/UPC, none for
    /// Code 39), so a code read on one scan line is only reported once a second, distinct
    /// line reads the same text (see `linear::confirm_line`). GS1 DataBar is exempt:
    /// every character carries its own checksum-weighted value, a mod-79/mod-211 check over
    /// the whole symbol and finder patterns whose values must form a valid sequence.
    fn accept_linear(
        &self,
        frame: &PreparedFrame,
        hits: Vec<LinearHit>,
        found: &mut Vec<ScannedCode>,
    ) {
        let view = View::identity(&frame.pixels, frame.width, frame.height);
        self.accept_linear_in(frame, &view, hits, found);
    }

    /// As [`Self::accept_linear`] for hits read in `view` (a scaled or padded copy of the
    /// frame): confirmation reads `view`'s pixels, corners map back to the frame.
    fn accept_linear_in(
        &self,
        frame: &PreparedFrame,
        view: &View<'_>,
        hits: Vec<LinearHit>,
        found: &mut Vec<ScannedCode>,
    ) {
        for hit in hits {
            let corners = hit
                .corners
                .iter()
                .map(|&p| {
                    let (x, y) = view.to_frame(p);
                    frame.to_display(x, y)
                })
                .collect();
            let Some(code) = convert(&hit.result, corners, &self.options.formats) else {
                continue;
            };
            *self
                .support
                .borrow_mut()
                .entry(hit.result.getText().to_string())
                .or_default() += hit.lines.max(1);

            if code.text != hit.result.getText() && code.text.starts_with(hit.result.getText()) {
                // An EAN/UPC add-on: counted separately, it must be read twice too.
                *self
                    .support
                    .borrow_mut()
                    .entry(code.text.clone())
                    .or_default() += hit.lines.max(1);
            }
            if found.iter().any(|c| c.text == code.text) {
                continue;
            }
            let self_checking = matches!(
                code.format,
                BarcodeFormat::DataBar | BarcodeFormat::DataBarExpanded
            );
            if code.format.is_ean_upc()
                && contradicted(view.px, view.w, view.h, &hit.result, hit.line)
            {
                if debug_enabled() {
                    eprintln!("contradicted {:?} {:?}", code.format, code.text);
                }
                continue;
            }
            if !self_checking && hit.lines < 2 && !self.confirmed(view, &hit) {
                if debug_enabled() {
                    eprintln!("unconfirmed {:?} {:?}", code.format, code.text);
                }
                continue;
            }
            push_unique(found, code);
        }
    }

    /// A second read of the same text on a distinct line, from an earlier pass of this
    /// frame or from lines next to this one.
    fn confirmed(&self, view: &View<'_>, hit: &LinearHit) -> bool {
        let text = hit.result.getText();
        let format = *hit.result.getBarcodeFormat();
        let line = (view.to_frame(hit.line.0), view.to_frame(hit.line.1));
        let mid = |l: &ScanLine| ((l.0.0 + l.1.0) / 2.0, (l.0.1 + l.1.1) / 2.0);
        let here = mid(&line);
        let mut unconfirmed = self.unconfirmed.borrow_mut();
        let earlier = unconfirmed.iter().any(|(t, f, other)| {
            let there = mid(other);
            t == text && *f == format && (here.0 - there.0).hypot(here.1 - there.1) >= 1.5
        });
        if earlier || confirm_line(view.px, view.w, view.h, &hit.result, hit.line) {
            return true;
        }
        if hit.lines > 0 {
            unconfirmed.push((text.to_string(), format, line));
        }
        false
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

/// Bilinear resampling by `f` (box-averaged when shrinking by half or more).
fn resample(px: &[u8], w: usize, h: usize, f: f32) -> (Vec<u8>, usize, usize) {
    if (f - 0.5).abs() < 1e-3 {
        return downscale2x(px, w, h);
    }
    let (nw, nh) = (((w as f32) * f) as usize, ((h as f32) * f) as usize);
    let mut out = vec![0u8; nw * nh];
    for y in 0..nh {
        let sy = ((y as f32 + 0.5) / f - 0.5).clamp(0.0, (h - 1) as f32);
        let (y0, fy) = (sy as usize, sy.fract());
        let y1 = (y0 + 1).min(h - 1);
        for x in 0..nw {
            let sx = ((x as f32 + 0.5) / f - 0.5).clamp(0.0, (w - 1) as f32);
            let (x0, fx) = (sx as usize, sx.fract());
            let x1 = (x0 + 1).min(w - 1);
            let at = |x: usize, y: usize| f32::from(px[y * w + x]);
            let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx;
            let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx;
            out[y * nw + x] = (top + (bottom - top) * fy).round() as u8;
        }
    }
    (out, nw, nh)
}

#[derive(Clone, Copy)]
enum Threshold {
    Otsu,
    /// Black below the mean of the (2r+1)² window around the pixel.
    LocalMean(usize),
}

/// The frame as black (0) and white (255) by `variant`.
fn threshold(px: &[u8], w: usize, h: usize, variant: Threshold) -> Vec<u8> {
    match variant {
        Threshold::Otsu => {
            let mut hist = [0u64; 256];
            for &p in px {
                hist[usize::from(p)] += 1;
            }
            let total = px.len() as f64;
            let sum_all: f64 = hist
                .iter()
                .enumerate()
                .map(|(i, &c)| i as f64 * c as f64)
                .sum();
            let (mut best, mut best_t, mut w0, mut sum0) = (0.0, 128usize, 0.0, 0.0);
            for (t, &c) in hist.iter().enumerate() {
                w0 += c as f64;
                sum0 += t as f64 * c as f64;
                let w1 = total - w0;
                if w0 == 0.0 || w1 == 0.0 {
                    continue;
                }
                let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
                let between = w0 * w1 * (m0 - m1) * (m0 - m1);
                if between > best {
                    (best, best_t) = (between, t);
                }
            }
            px.iter()
                .map(|&p| if usize::from(p) <= best_t { 0 } else { 255 })
                .collect()
        }
        Threshold::LocalMean(r) => {
            // Integral image, one row longer and wider.
            let iw = w + 1;
            let mut integral = vec![0u64; iw * (h + 1)];
            for y in 0..h {
                let mut row_sum = 0u64;
                for x in 0..w {
                    row_sum += u64::from(px[y * w + x]);
                    integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row_sum;
                }
            }
            let mut out = vec![255u8; w * h];
            for y in 0..h {
                let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
                for x in 0..w {
                    let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
                    let sum = integral[y1 * iw + x1] + integral[y0 * iw + x0]
                        - integral[y0 * iw + x1]
                        - integral[y1 * iw + x0];
                    let n = ((y1 - y0) * (x1 - x0)) as u64;
                    // A small margin keeps flat areas (noise around the mean) white.
                    if u64::from(px[y * w + x]) * n + 3 * n < sum {
                        out[y * w + x] = 0;
                    }
                }
            }
            out
        }
    }
}

/// A linear result of rxing's own row scan as a hit on the line through its end points.
fn plain_hit(result: RXingResult) -> Option<LinearHit> {
    let points = result.getPoints();
    let (a, b) = (points.first()?, points.last()?);
    let line = ((a.x, a.y), (b.x, b.y));
    Some(LinearHit {
        corners: [line.0, line.1, line.1, line.0],
        line,
        result,
        // Not one of our scan lines: it cannot confirm another read, only be confirmed.
        lines: 0,
    })
}

/// A copy of a frame turned by `angle` radians about its centre (bilinear, on a canvas
/// that holds all of it, the uncovered corners light).
struct Turned {
    px: Vec<u8>,
    w: usize,
    h: usize,
    /// cos and sin of the angle, and the two centres.
    rotation: (f32, f32),
    frame_centre: (f32, f32),
    centre: (f32, f32),
}

impl Turned {
    fn new(px: &[u8], w: usize, h: usize, angle: f32) -> Self {
        let (sin, cos) = angle.sin_cos();
        let (fw, fh) = (w as f32, h as f32);
        let nw = (fw * cos.abs() + fh * sin.abs()).ceil() as usize;
        let nh = (fw * sin.abs() + fh * cos.abs()).ceil() as usize;
        let frame_centre = (fw / 2.0, fh / 2.0);
        let centre = (nw as f32 / 2.0, nh as f32 / 2.0);
        let mut out = vec![255u8; nw * nh];
        for y in 0..nh {
            for x in 0..nw {
                // The frame pixel this one shows: turned back by -angle.
                let (dx, dy) = (x as f32 + 0.5 - centre.0, y as f32 + 0.5 - centre.1);
                let sx = dx * cos + dy * sin + frame_centre.0 - 0.5;
                let sy = -dx * sin + dy * cos + frame_centre.1 - 0.5;
                if sx < -0.5 || sy < -0.5 || sx > fw - 0.5 || sy > fh - 0.5 {
                    continue;
                }
                let (sx, sy) = (sx.clamp(0.0, fw - 1.0), sy.clamp(0.0, fh - 1.0));
                let (x0, y0) = (sx as usize, sy as usize);
                let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let at = |x: usize, y: usize| f32::from(px[y * w + x]);
                let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx;
                let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx;
                out[y * nw + x] = (top + (bottom - top) * fy).round() as u8;
            }
        }
        Turned {
            px: out,
            w: nw,
            h: nh,
            rotation: (cos, sin),
            frame_centre,
            centre,
        }
    }

    /// A point of the turned copy in frame coordinates.
    fn to_frame(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let (cos, sin) = self.rotation;
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        (
            dx * cos + dy * sin + self.frame_centre.0,
            -dx * sin + dy * cos + self.frame_centre.1,
        )
    }
}

/// True when `a`'s centre lies within `b`'s corners' bounding box, widened by a quarter on
/// every side (2D corners are sometimes finder-pattern centres, not the symbol's edge).
fn inside_symbol(a: &ScannedCode, b: &ScannedCode) -> bool {
    if a.corners.is_empty() || b.corners.len() < 2 {
        return false;
    }
    let n = a.corners.len() as f32;
    let cx = a.corners.iter().map(|p| p.x).sum::<f32>() / n;
    let cy = a.corners.iter().map(|p| p.y).sum::<f32>() / n;
    let (x0, x1) = b.corners.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p.x), hi.max(p.x))
    });
    let (y0, y1) = b.corners.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p.y), hi.max(p.y))
    });
    let (mx, my) = ((x1 - x0) / 4.0, (y1 - y0) / 4.0);
    cx >= x0 - mx && cx <= x1 + mx && cy >= y0 - my && cy <= y1 + my
}

/// True when dark pixels come closer to the frame's edge than a tenth of its size: a symbol
/// cropped with little or none of its quiet zone.
fn touches_border(px: &[u8], w: usize, h: usize) -> bool {
    let (mut lo, mut hi) = (255u8, 0u8);
    for &p in px.iter().step_by(7) {
        lo = lo.min(p);
        hi = hi.max(p);
    }
    if hi.saturating_sub(lo) < 32 {
        return false;
    }
    let mid = lo + (hi - lo) / 2;
    let near = w.max(h) / 10;
    px.chunks_exact(w).enumerate().any(|(y, row)| {
        let edge_row = y < near || y + near >= h;
        if edge_row {
            row.iter().any(|&p| p < mid)
        } else {
            row[..near.min(w)].iter().any(|&p| p < mid)
                || row[w.saturating_sub(near)..].iter().any(|&p| p < mid)
        }
    })
}

/// Frames with a side below this get the small-image pass.
const SMALL_SIDE: usize = 100;

/// A buffer derived from the frame: `scale` times its size with `pad` frame pixels of
/// margin on every side.
struct View<'a> {
    px: &'a [u8],
    w: usize,
    h: usize,
    scale: f32,
    pad: f32,
}

impl<'a> View<'a> {
    fn identity(px: &'a [u8], w: usize, h: usize) -> Self {
        Self {
            px,
            w,
            h,
            scale: 1.0,
            pad: 0.0,
        }
    }

    fn to_frame(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (x / self.scale - self.pad, y / self.scale - self.pad)
    }
}

/// The upscale factor and margin (in source pixels) of a small image's padded copy: up to
/// 64 px on the short side, at most 0.6 MP whatever the shape (a 100000 x 1 row is input
/// too); None if even the unscaled copy is larger.
fn small_copy_scale(w: usize, h: usize) -> Option<(usize, usize)> {
    let k = 64usize.div_ceil(w.min(h).max(1)).clamp(1, 8);
    let pad = (w.max(h) / 8).clamp(4, 64);
    let k = (1..=k)
        .rev()
        .find(|k| (w + 2 * pad) * (h + 2 * pad) * k * k <= 600_000)?;
    Some((k, pad))
}

/// Copies a small frame into a larger canvas: `pad` pixels of light margin (the quiet zone
/// a tight crop lacks) and a nearest-neighbour upscale by `k` (modules of one pixel, a
/// single scan line).
fn pad_and_scale(px: &[u8], w: usize, h: usize, pad: usize, k: usize) -> (Vec<u8>, usize, usize) {
    let mut sorted = px.to_vec();
    sorted.sort_unstable();
    let light = sorted[sorted.len() * 95 / 100];
    let (pw, ph) = ((w + 2 * pad) * k, (h + 2 * pad) * k);
    let mut out = vec![light; pw * ph];
    for y in 0..h * k {
        let src = &px[(y / k) * w..(y / k) * w + w];
        let row = &mut out[((pad * k) + y) * pw + pad * k..][..w * k];
        for (x, v) in row.iter_mut().enumerate() {
            *v = src[x / k];
        }
    }
    (out, pw, ph)
}

/// Runs `f`, turning a panic into `None`: a panic in one pass costs that pass only, never
/// what earlier passes found, and never reaches the app.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(_) => {
            tracing::warn!("a decode pass panicked; its results are dropped");
            None
        }
    }
}

fn push_unique(found: &mut Vec<ScannedCode>, code: ScannedCode) {
    if found.iter().any(|c| c.text == code.text) {
        return;
    }
    // The same EAN/UPC read with and without its add-on (one line caught it, another did
    // not): one code, the fuller reading.
    let ean = |c: &ScannedCode| {
        matches!(
            c.format,
            BarcodeFormat::Ean13 | BarcodeFormat::UpcA | BarcodeFormat::Ean8 | BarcodeFormat::UpcE
        )
    };
    if ean(&code)
        && let Some(existing) = found
            .iter_mut()
            .find(|c| ean(c) && c.gtin14().is_some() && c.gtin14() == code.gtin14())
    {
        if code.text.len() > existing.text.len() {
            *existing = code;
        }
        return;
    }
    found.push(code);
}

/// `COMPANION_SCAN_DEBUG=1` prints rejected reads to stderr (development aid for the
/// bench; off by default).
fn debug_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("COMPANION_SCAN_DEBUG").is_some())
}

/// Interleaved 2 of 5 lengths read: rxing's default (6 to 14, and anything longer) plus 4,
/// the shortest internal-label length (`convert` takes 4 or more). Shorter reads are too
/// easily a fragment of a longer symbol.
pub(crate) const ITF_LENGTHS: [u32; 6] = [4, 6, 8, 10, 12, 14];

/// Runs rxing's readers for `formats` over the whole buffer, possibly several codes.
fn decode_rx(
    px: &[u8],
    w: usize,
    h: usize,
    formats: &[rxing::BarcodeFormat],
    try_harder: bool,
    invert: bool,
    pure: bool,
) -> Vec<RXingResult> {
    let expanded_alone = formats
        .contains(&rxing::BarcodeFormat::RSS_EXPANDED)
        .then_some(rxing::BarcodeFormat::RSS_EXPANDED);
    let formats: Vec<rxing::BarcodeFormat> = formats
        .iter()
        .copied()
        .filter(|f| *f != rxing::BarcodeFormat::RSS_EXPANDED)
        .collect();
    let run = |inverted: bool| -> Vec<RXingResult> {
        if formats.is_empty() {
            return Vec::new();
        }
        let Ok(source) = Luma8Source::new_with_slice(px, w as u32, h as u32) else {
            return Vec::new();
        };
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        if inverted {
            bitmap.invert();
        }
        // The linear formats together (one row scan), each 2D format on its own: a panic
        // or an early success in one reader must not cost the others their codes. The
        // binarised matrix is computed once and shared through the bitmap.
        let (linear, matrix): (Vec<_>, Vec<_>) = formats
            .iter()
            .copied()
            .partition(|f| BarcodeFormat::from_rxing(f).is_some_and(BarcodeFormat::is_linear));
        let groups = std::iter::once(linear)
            .filter(|g| !g.is_empty())
            .chain(matrix.into_iter().map(|f| vec![f]));
        let mut results = Vec::new();
        for group in groups {
            let qr_group = group.clone();
            let hints = DecodeHints::default()
                .with(DecodeHintValue::PossibleFormats(
                    group.into_iter().collect(),
                ))
                .with(DecodeHintValue::TryHarder(try_harder))
                // Code 128: FNC1 first means GS1-128 ("]C1" prefix), later FNC1s are GS.
                .with(DecodeHintValue::AssumeGs1(true))
                .with(DecodeHintValue::AllowedLengths(ITF_LENGTHS.to_vec()))
                .with(DecodeHintValue::PureBarcode(pure));
            let qr_only = qr_group == [rxing::BarcodeFormat::QR_CODE];
            let decoded = catch_unwind(AssertUnwindSafe(|| {
                if qr_only && !try_harder {
                    // Live frames: rxing's port of zxing-cpp's QR reader alone; the older
                    // finder (MultiFormatReader's fallback) runs for stills.
                    GenericMultipleBarcodeReader::new(rxing::qrcode::cpp_port::QrReader)
                        .decode_multiple_with_hints(&mut bitmap, &hints)
                } else {
                    GenericMultipleBarcodeReader::new(MultiFormatReader::default())
                        .decode_multiple_with_hints(&mut bitmap, &hints)
                }
            }));
            if let Ok(Ok(found)) = decoded {
                results.extend(found);
            }
        }
        results
    };
    let mut results =
        catch_unwind(AssertUnwindSafe(|| run(invert && !try_harder))).unwrap_or_default();
    if let Some(expanded) = expanded_alone {
        // DataBar Expanded on its own, one symbol per call: in the sub-images the multiple
        // reader cuts around a found code, rxing's expanded reader combines pairs from
        // different rows into wrong symbols whose mod-211 check happens to pass.
        let single = || -> Option<RXingResult> {
            let source = Luma8Source::new_with_slice(px, w as u32, h as u32).ok()?;
            let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
            let hints = DecodeHints::default()
                .with(DecodeHintValue::PossibleFormats(
                    [expanded].into_iter().collect(),
                ))
                .with(DecodeHintValue::TryHarder(try_harder))
                .with(DecodeHintValue::AlsoInverted(invert));
            MultiFormatReader::default()
                .decode_with_hints(&mut bitmap, &hints)
                .ok()
        };
        results.extend(catch_unwind(AssertUnwindSafe(single)).ok().flatten());
    }
    if try_harder && invert {
        // Thorough: light-on-dark too, after the normal polarity.
        if let Ok(more) = catch_unwind(AssertUnwindSafe(|| run(true))) {
            results.extend(more);
        }
    }
    results
}

/// Frames larger than this get their 2D plain pass at half resolution (or less) in
/// `Thorough`.
const THOROUGH_2D_PIXELS: usize = 4_000_000;

/// Frames larger than this get their full-frame 2D pass at half resolution.
const HALF_RES_2D_PIXELS: usize = 1_500_000;

/// The frame halved until it has at most `limit` pixels: the copy (None if the frame is
/// small enough as it is), its size and the factor back to frame coordinates.
fn halved_to(px: &[u8], w: usize, h: usize, limit: usize) -> (Option<Vec<u8>>, usize, usize, f32) {
    let (mut buf, mut bw, mut bh, mut scale) = (None::<Vec<u8>>, w, h, 1.0f32);
    while bw * bh > limit && bw >= 2 && bh >= 2 {
        let (half, hw, hh) = downscale2x(buf.as_deref().unwrap_or(px), bw, bh);
        (buf, bw, bh, scale) = (Some(half), hw, hh, scale * 2.0);
    }
    (buf, bw, bh, scale)
}

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
    // Private-use or replacement characters mean the character-set (ECI) decoding went
    // wrong (seen with rxing on PDF417 mixing ECIs): the text is not what was encoded.
    if raw_text
        .chars()
        .any(|c| c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(&c))
    {
        return None;
    }
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
            // A 2- or 5-digit add-on (issue number, price) is not reported, as zxing-cpp's
            // default (EanAddOnSymbol::Ignore): its parity check is weak, and clutter right
            // of a code passed for one on several lines alike (dev_0057: "...7743" + "43").
            // The item is the main symbol.
        }
        BarcodeFormat::Itf => {
            // Interleaved 2 of 5 of any even length (ITF-14 on cartons, shorter on
            // internal labels); partial reads of noise are kept out by the two-line
            // confirmation and rxing's quiet-zone check. 14 digits are a GTIN.
            if raw_text.len() < 4 || !raw_text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if raw_text.len() == 14 {
                if !gs1::has_valid_check_digit(&raw_text) {
                    return None;
                }
                gs1_elements.extend(gs1::element_for("01", &raw_text));
            }
        }
        BarcodeFormat::Code39 => {
            // Code 32 (Italian pharmaceutical code) is printed as Code 39: six base-32
            // characters holding nine digits whose last is a check digit. Reported in its
            // printed form "A" + nine digits, as zxing-cpp does.
            if let Some(code32) = code32_from_code39(&raw_text) {
                text = code32;
            }
        }
        BarcodeFormat::Aztec if raw_text.starts_with(' ') => {
            // Structured append: the message starts with an optional " ID " and two letters
            // (position, count) before the data.
            if let Some(data) = strip_aztec_structured_append(&raw_text) {
                text = data;
            }
        }
        BarcodeFormat::DataBar => {
            let digits = if raw_text.len() == 16 {
                raw_text.strip_prefix("01").unwrap_or(&raw_text)
            } else {
                raw_text.strip_prefix("(01)").unwrap_or(&raw_text)
            };
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
        // Compact QR codes use upper case (alphanumeric mode): `HTTPS://ID.GS1.ORG/01/...`.
        BarcodeFormat::QrCode
            if raw_text
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case("http")) =>
        {
            if let Some(elements) = gs1::parse_digital_link(&raw_text) {
                gs1_elements = elements;
            }
        }
        _ => {
            // FNC1 in first position (GS1 Aztec, QR, DataMatrix as rxing reports some of
            // them) also announces GS1 data.
            let claims_gs1 = gs1::is_gs1_symbology_identifier(&symbology)
                || format == BarcodeFormat::DataBarExpanded
                || raw_text.starts_with("]C1")
                || (raw_text.starts_with(GS) && raw_text.len() > 3);
            if claims_gs1 {
                if format == BarcodeFormat::DataBarExpanded {
                    symbology = "]e0".into();
                }
                match gs1::parse_element_string(&raw_text) {
                    // An AI the dictionary does not know has no known length, so brackets
                    // around it would claim a split nobody can vouch for: such a label shows
                    // its plain characters, with the elements (and the issue) beside them.
                    Ok(elements) if elements.iter().any(|e| e.title == gs1::UNKNOWN_AI_TITLE) => {
                        text = raw_text
                            .strip_prefix("]C1")
                            .unwrap_or(&raw_text)
                            .trim_end_matches(GS)
                            .replace(GS, "")
                            .to_string();
                        if format == BarcodeFormat::DataBarExpanded {
                            text.retain(|c| c != '(' && c != ')');
                        }
                        gs1_elements = elements;
                    }
                    Ok(elements) => {
                        text = gs1::to_bracketed(&elements);
                        gs1_elements = elements;
                    }
                    Err(error) => {
                        gs1_error = Some(error.to_string());
                        // Not valid GS1 data: the plain characters, without the symbology
                        // prefix rxing adds or rxing's brackets (DataBar Expanded).
                        text = raw_text
                            .strip_prefix("]C1")
                            .unwrap_or(&raw_text)
                            .trim_end_matches(GS)
                            .to_string();
                        if format == BarcodeFormat::DataBarExpanded {
                            text.retain(|c| c != '(' && c != ')');
                        }
                    }
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
    if format == BarcodeFormat::Code128 && gs1_elements.is_empty() {
        // A trailing FNC1 (GS) carries nothing.
        let trimmed = text.trim_end_matches(GS).len();
        text.truncate(trimmed);
    }
    let transmitted = if gs1_elements.is_empty() || format == BarcodeFormat::QrCode {
        raw_text.clone()
    } else {
        gs1::to_transmitted(&gs1_elements)
    };
    Some(ScannedCode {
        format,
        text,
        raw_text: transmitted,
        symbology_identifier: symbology,
        corners,
        gs1: gs1_elements,
        gs1_error,
    })
}

const GS: char = '\u{1d}';

/// Code 32 from its Code 39 form: six base-32 characters (no vowels) for nine digits, the
/// last a check digit (odd positions as they are, even positions doubled, digit sums mod 10).
fn code32_from_code39(text: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"0123456789BCDFGHJKLMNPQRSTUVWXYZ";
    if text.len() != 6 {
        return None;
    }
    let mut value: u64 = 0;
    for b in text.bytes() {
        value = value * 32 + ALPHABET.iter().position(|&a| a == b)? as u64;
    }
    if value > 999_999_999 {
        return None;
    }
    let digits = format!("{value:09}");
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d[..8]
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if i % 2 == 0 {
                v
            } else {
                (2 * v) / 10 + (2 * v) % 10
            }
        })
        .sum();
    (sum % 10 == d[8]).then(|| format!("A{digits}"))
}

/// The data of an Aztec structured-append symbol: strips " [ID ]" and the two position
/// letters.
fn strip_aztec_structured_append(text: &str) -> Option<String> {
    let rest = text.strip_prefix(' ')?;
    let letters = |s: &str| {
        let b = s.as_bytes();
        b.len() >= 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[0] <= b[1]
    };
    let rest = if letters(rest) {
        rest
    } else {
        &rest[rest.find(' ')? + 1..]
    };
    let mut chars = rest.chars();
    let (pos, count) = (chars.next()?, chars.next()?);
    if !pos.is_ascii_uppercase() || !count.is_ascii_uppercase() || pos > count {
        return None;
    }
    Some(chars.as_str().to_string())
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
