//! Aztec symbols with the Reader Initialisation flag (ISO/IEC 24778 section 9). The flag is
//! the most significant bit of the mode message's data-codeword count, set where that bit is
//! otherwise unused: compact symbols of one layer (6-bit count, at most 17 codewords) and
//! full-range symbols of up to 22 layers (11-bit count, at most 1020 codewords). rxing 0.9
//! takes the bit for part of the count, finds more data codewords than the symbol has and
//! gives up; zxing-cpp clears it (`readerInit`) and reads the message.
//!
//! rxing's detector is public and still locates such a symbol and samples its modules; its
//! result type cannot be named or built outside rxing, so the decoding steps that follow
//! detection (bit extraction, Reed-Solomon, unstuffing) are redone here with the true count,
//! and rxing's public `highLevelDecode` turns the bits into text.

use rxing::aztec::decoder::{convertBoolArrayToByteArray, highLevelDecode};
use rxing::aztec::detector::Detector;
use rxing::common::reedsolomon::{PredefinedGenericGF, ReedSolomonDecoder};
use rxing::common::{BitMatrix, DetectorRXingResult};
use rxing::{
    BarcodeFormat, Point, RXingResult, RXingResultMetadataType, RXingResultMetadataValue, point,
};

use crate::aztec_bullseye::{Bullseye, is_bullseye};

/// The reader-initialisation bit of a compact symbol's 6-bit codeword count.
const COMPACT_INIT_BIT: u32 = 0x20;
/// The reader-initialisation bit of a full-range symbol's 11-bit codeword count.
const FULL_INIT_BIT: u32 = 0x400;
/// Full-range symbols above this many layers need the count's top bit for the count.
const FULL_INIT_MAX_LAYERS: u32 = 22;

/// Reads the Aztec symbol rxing's detector finds in a binarised image (one, near the centre,
/// as rxing's own reader does) when its mode message carries the reader-initialisation flag.
/// Other symbols are left to rxing: they are not reported here, so nothing is read twice.
/// The symbology identifier is `]z0`, as zxing-cpp reports such a symbol.
pub(crate) fn read_reader_init(bits: &BitMatrix) -> Option<RXingResult> {
    // A mirrored symbol fails the orientation marks unmirrored, so both are tried, as in
    // rxing's reader.
    for mirror in [false, true] {
        let Ok(detected) = Detector::new(bits).detect(mirror) else {
            continue;
        };
        let (compact, layers) = (detected.isCompact(), detected.getNbLayers());
        let Some(count) = detected.getNbDatablocks().checked_sub(1) else {
            continue;
        };
        let init_bit = if compact {
            (layers == 1).then_some(COMPACT_INIT_BIT)
        } else {
            (layers <= FULL_INIT_MAX_LAYERS).then_some(FULL_INIT_BIT)
        };
        let Some(init_bit) = init_bit.filter(|&b| count & b != 0) else {
            // Not flagged: rxing's reader has its answer for this symbol already.
            return None;
        };
        let data_words = (count & !init_bit) as usize + 1;
        // A failed read of the unmirrored detection leaves the mirrored one to try.
        let read = || -> Option<RXingResult> {
            let raw = extract_bits(detected.getBits(), compact, layers as usize)?;
            let corrected = correct_bits(&raw, layers as usize, data_words)?;
            // rxing's high-level decoder assumes at least one 5-bit code.
            if corrected.len() < 5 {
                return None;
            }
            let text = highLevelDecode(&corrected).ok()?;
            if text.is_empty() {
                return None;
            }
            let mut result = RXingResult::new(
                &text,
                convertBoolArrayToByteArray(&corrected),
                detected.getPoints().to_vec(),
                BarcodeFormat::AZTEC,
            );
            // As rxing's Aztec reader labels its results; FNC1 (GS1) is recognised later from
            // the text, as for those.
            result.putMetadata(
                RXingResultMetadataType::SYMBOLOGY_IDENTIFIER,
                RXingResultMetadataValue::SymbologyIdentifier("]z0".to_string()),
            );
            Some(result)
        };
        if let Some(result) = read() {
            return Some(result);
        }
    }
    None
}

/// At most this many bull's eyes away from the image centre are tried.
const MAX_OFF_CENTRE_TRIES: usize = 4;

/// A flagged symbol anywhere in the image: rxing's detector looks for one bull's eye, near
/// the image centre, so each of the first few `candidates` whose rings check out gets a
/// square crop centred on it (as large as the image allows, up to a 22-layer symbol's size).
pub(crate) fn read_reader_init_near(
    bits: &BitMatrix,
    candidates: &[Bullseye],
) -> Option<RXingResult> {
    let (w, h) = (bits.getWidth() as f32, bits.getHeight() as f32);
    let mut tried: Vec<(f32, f32)> = Vec::new();
    for candidate in candidates {
        let &(cx, cy, mx, my) = candidate;
        let m = mx.max(my);
        if tried.len() >= MAX_OFF_CENTRE_TRIES {
            break;
        }
        if tried
            .iter()
            .any(|&(x, y)| (x - cx).abs() < 8.0 * m && (y - cy).abs() < 8.0 * m)
            || !is_bullseye(bits, candidate)
        {
            continue;
        }
        tried.push((cx, cy));
        // A full-range symbol of 22 layers is 109 modules wide; the margin is for the
        // detector, which needs light around the symbol.
        let half = cx.min(cy).min(w - cx).min(h - cy).min(60.0 * m).floor();
        if half < 8.0 * m {
            continue;
        }
        let (left, top, side) = ((cx - half) as u32, (cy - half) as u32, (2.0 * half) as u32);
        let Ok(mut crop) = BitMatrix::new(side, side) else {
            continue;
        };
        for y in 0..side {
            for x in 0..side {
                if bits.get(left + x, top + y) {
                    crop.set(x, y);
                }
            }
        }
        if let Some(result) = read_reader_init(&crop) {
            let points: Vec<Point> = result
                .getPoints()
                .iter()
                .map(|p| point(p.x + left as f32, p.y + top as f32))
                .collect();
            let mut moved = RXingResult::new(
                result.getText(),
                result.getRawBytes().to_vec(),
                points,
                BarcodeFormat::AZTEC,
            );
            moved.putAllMetadata(result.getRXingResultMetadata().clone());
            return Some(moved);
        }
    }
    None
}

/// The data layers' bits from the sampled symbol, in the order rxing's decoder reads them
/// (outermost layer first, each layer as four two-module-wide bands: left, bottom, right,
/// top), skipping the reference grid lines of full-range symbols. None if the matrix is
/// smaller than the symbol its mode message announces.
fn extract_bits(matrix: &BitMatrix, compact: bool, layers: usize) -> Option<Vec<bool>> {
    // The symbol's side without the reference grid lines, and with them.
    let base = if compact { 11 } else { 14 } + 4 * layers;
    let size = if compact {
        base
    } else {
        base + 1 + 2 * ((base / 2 - 1) / 15)
    };
    if (matrix.getWidth() as usize) < size || (matrix.getHeight() as usize) < size {
        return None;
    }
    // Grid positions of the base coordinates: full-range symbols have a reference line
    // through the centre and every 16 modules out from it.
    let map: Vec<u32> = if compact {
        (0..base as u32).collect()
    } else {
        let (half, centre) = (base / 2, size / 2);
        let mut map = vec![0u32; base];
        for i in 0..half {
            let offset = i + i / 15;
            map[half - i - 1] = (centre - offset - 1) as u32;
            map[half + i] = (centre + offset + 1) as u32;
        }
        map
    };
    let at = |x: usize, y: usize| matrix.get(map[x], map[y]);
    let mut bits = vec![false; (if compact { 88 } else { 112 } + 16 * layers) * layers];
    let mut offset = 0;
    for layer in 0..layers {
        let row = (layers - layer) * 4 + if compact { 9 } else { 12 };
        let (low, high) = (layer * 2, base - 1 - layer * 2);
        for j in 0..row {
            for k in 0..2 {
                bits[offset + 2 * j + k] = at(low + k, low + j);
                bits[offset + 2 * row + 2 * j + k] = at(low + j, high - k);
                bits[offset + 4 * row + 2 * j + k] = at(high - k, high - j);
                bits[offset + 6 * row + 2 * j + k] = at(high - j, low + k);
            }
        }
        offset += row * 8;
    }
    Some(bits)
}

/// Reed-Solomon-corrects the codewords (their size and field set by the layer count) and
/// returns the data codewords' bits without the stuffed ones. None when the codewords are
/// beyond correction or hold a codeword that stuffing forbids (all zeros or all ones).
fn correct_bits(raw: &[bool], layers: usize, data_words: usize) -> Option<Vec<bool>> {
    let (word, field) = match layers {
        0..=2 => (6, PredefinedGenericGF::AztecData6),
        3..=8 => (8, PredefinedGenericGF::AztecData8),
        9..=22 => (10, PredefinedGenericGF::AztecData10),
        _ => (12, PredefinedGenericGF::AztecData12),
    };
    let total = raw.len() / word;
    if total <= data_words {
        return None;
    }
    // Codewords are right-aligned: the first bits of the outermost layer are padding.
    let start = raw.len() % word;
    let mut words: Vec<i32> = raw[start..]
        .chunks_exact(word)
        .map(|c| c.iter().fold(0i32, |acc, &b| (acc << 1) | i32::from(b)))
        .collect();
    let decoder = ReedSolomonDecoder::new(field.into());
    decoder
        .decode(&mut words, (total - data_words) as i32)
        .ok()?;
    let mask = (1i32 << word) - 1;
    let mut bits = Vec::with_capacity(data_words * word);
    for &w in &words[..data_words] {
        if w == 0 || w == mask {
            return None;
        }
        if w == 1 || w == mask - 1 {
            // A stuffed codeword: its first word - 1 bits are all equal, the last was added.
            bits.extend(std::iter::repeat_n(w > 1, word - 1));
        } else {
            bits.extend((0..word).rev().map(|b| w & (1 << b) != 0));
        }
    }
    Some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::aztec::encoder::aztec_encoder::{encode, generateModeMessage};
    use rxing::common::HybridBinarizer;
    use rxing::{BinaryBitmap, Luma8Source};

    /// rxing's rendering of `text` (compact one-layer when `layers` is -1, else full-range with
    /// that many layers) with the reader-initialisation bit set in its mode message, whose
    /// check words are recomputed, as an encoder flagging the symbol writes it.
    fn flagged_symbol(text: &str, layers: i32) -> BitMatrix {
        let code = encode(text, 33, layers).expect("encodes");
        let compact = code.isCompact();
        let bit = if compact {
            COMPACT_INIT_BIT
        } else {
            FULL_INIT_BIT
        };
        let mode = generateModeMessage(compact, code.getLayers(), code.getCodeWords() + bit)
            .expect("mode message");
        let mut matrix = code.getMatrix().clone();
        // The mode message's modules, as rxing's encoder places them.
        let centre = code.getSize() / 2;
        let (n, r) = if compact { (7, 5) } else { (10, 7) };
        for i in 0..n {
            let offset = if compact {
                centre - 3 + i
            } else {
                centre - 5 + i + i / 5
            };
            let i = i as usize;
            let n = n as usize;
            for (bit, x, y) in [
                (i, offset, centre - r),
                (i + n, centre + r, offset),
                (3 * n - 1 - i, offset, centre + r),
                (4 * n - 1 - i, centre - r, offset),
            ] {
                if mode.get(bit) {
                    matrix.set(x, y);
                } else {
                    matrix.unset(x, y);
                }
            }
        }
        matrix
    }

    /// The symbol drawn at `scale` px per module with a four-module quiet zone, quarter-turned
    /// `turns` times clockwise and mirrored left to right if asked, then binarised.
    fn render(symbol: &BitMatrix, scale: usize, turns: usize, mirror: bool) -> BitMatrix {
        let (px, side) = draw(symbol, scale, turns, mirror);
        let source = Luma8Source::new_with_slice(&px, side as u32, side as u32).expect("source");
        BinaryBitmap::new(HybridBinarizer::new(source))
            .get_black_matrix()
            .clone()
    }

    /// Greyscale pixels of `render`'s drawing, and the side.
    fn draw(symbol: &BitMatrix, scale: usize, turns: usize, mirror: bool) -> (Vec<u8>, usize) {
        let n = symbol.getWidth() as usize;
        let side = (n + 8) * scale;
        let mut px = vec![255u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let (mut mx, mut my) = (x / scale, y / scale);
                if mirror {
                    mx = n + 7 - mx;
                }
                for _ in 0..turns {
                    (mx, my) = (my, n + 7 - mx);
                }
                let (sx, sy) = (mx.wrapping_sub(4), my.wrapping_sub(4));
                if sx < n && sy < n && symbol.get(sx as u32, sy as u32) {
                    px[y * side + x] = 0;
                }
            }
        }
        (px, side)
    }

    #[test]
    fn flagged_compact_and_full_range_symbols_read() {
        // Compact one layer (the only compact size with a spare bit); full-range symbols of
        // one to 22 layers, which span all three codeword sizes that have a spare bit (6, 8 and
        // 10 bits) and the reference grid lines every 16 modules.
        let long = "READER INIT 0123456789 ".repeat(12);
        for (text, layers) in [
            ("$I", -1),
            ("$I", 1),
            ("CONFIG 42", 2),
            ("SET BAUD=9600;PARITY=N", 4),
            (&long[..200], 8),
            (&long[..], 12),
        ] {
            let symbol = flagged_symbol(text, layers);
            for (turns, mirror) in [(0, false), (1, false), (3, true)] {
                let bits = render(&symbol, 3, turns, mirror);
                let result = read_reader_init(&bits)
                    .unwrap_or_else(|| panic!("{layers} layers, {turns} turns, {mirror}"));
                assert_eq!(result.getText(), text, "{layers} layers");
            }
        }
    }

    #[test]
    fn stills_read_a_flagged_symbol_and_camera_frames_leave_it() {
        use crate::{BarcodeFormat, DecodeStrategy, FrameDecoder, LumaFrame, ScanOptions};
        // A 4 px/module symbol in a grey 400x300 frame (above the small-image size), centred
        // and off-centre (where rxing's detector, which starts from the image centre, does
        // not look).
        let (symbol, side) = draw(&flagged_symbol("$I", 2), 4, 0, false);
        let (w, h) = (400usize, 300usize);
        for (left, top) in [((w - side) / 2, (h - side) / 2), (262, 20)] {
            let mut px = vec![200u8; w * h];
            for y in 0..side {
                let at = (top + y) * w + left;
                px[at..at + side].copy_from_slice(&symbol[y * side..(y + 1) * side]);
            }
            let read = |strategy| {
                let options = ScanOptions {
                    formats: vec![BarcodeFormat::Aztec],
                    strategy,
                    budget_ms: 60_000,
                };
                let frame = LumaFrame::packed(&px, w as u32, h as u32);
                let outcome = FrameDecoder::new(options)
                    .expect("options")
                    .decode(&frame)
                    .expect("decodes");
                outcome.codes
            };
            let codes = read(DecodeStrategy::Thorough);
            let texts: Vec<(&str, &str)> = codes
                .iter()
                .map(|c| (c.text.as_str(), c.symbology_identifier.as_str()))
                .collect();
            assert_eq!(texts, [("$I", "]z0")], "at {left},{top}");
            // The corners are the symbol's, in the frame.
            let (cx, cy) = codes[0]
                .corners
                .iter()
                .fold((0.0, 0.0), |(x, y), p| (x + p.x / 4.0, y + p.y / 4.0));
            let centre = (left + side / 2, top + side / 2);
            assert!((cx - centre.0 as f32).abs() < 4.0 && (cy - centre.1 as f32).abs() < 4.0);
            // The pass is for stills: camera frames keep their cost.
            assert!(read(DecodeStrategy::Live).is_empty());
        }
    }

    #[test]
    fn unflagged_symbols_are_left_to_rxing() {
        let code = encode("$I", 33, -1).expect("encodes");
        assert!(read_reader_init(&render(code.getMatrix(), 3, 0, false)).is_none());
        // A compact symbol of two layers uses the count's top bit for the count.
        let code = encode(&"0123456789".repeat(5), 0, -2).expect("encodes");
        assert!(
            code.getCodeWords() > 32 && code.isCompact() && code.getLayers() == 2,
            "{} {} {}",
            code.getCodeWords(),
            code.isCompact(),
            code.getLayers()
        );
        assert!(read_reader_init(&render(code.getMatrix(), 3, 0, false)).is_none());
    }

    #[test]
    fn a_symbol_with_too_many_damaged_codewords_is_not_read() {
        let mut symbol = flagged_symbol("$I", -1);
        // Invert the outer layer's modules: far beyond what the check words correct.
        let n = symbol.getWidth();
        for i in 0..n {
            for (x, y) in [(i, 0), (i, 1), (0, i), (1, i)] {
                symbol.flip_coords(x, y);
            }
        }
        assert!(read_reader_init(&render(&symbol, 3, 0, false)).is_none());
    }
}
