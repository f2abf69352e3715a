//! Aztec Runes (ISO/IEC 24778 Annex A): an 11x11 compact bull's eye whose mode message
//! carries one value 0-255 instead of the symbol's size. rxing 0.9 reads the mode message as
//! sizes only, so a rune never decodes there; this reader finds compact bull's eyes, reads
//! the 28 mode-message bits and accepts them when, XORed with the rune pattern, they pass
//! the mode message's Reed-Solomon check (and as plain sizes they do not).
//!
//! Upright or quarter-turned, mirrored or not, on a binarised image (rxing's hybrid
//! binariser); perspective beyond a few degrees is not handled. Runes are printed as
//! sortation and line-side marks: small, clean and square to the label.

use rxing::common::BitMatrix;
use rxing::common::reedsolomon::{PredefinedGenericGF, ReedSolomonDecoder};
use rxing::{BarcodeFormat, RXingResult, RXingResultMetadataType, point};

/// The orientation marks at the bull's eye's corners for the four quarter turns (as in
/// rxing's and zxing-cpp's Aztec detectors).
const EXPECTED_CORNER_BITS: [u32; 4] = [0xee0, 0x1dc, 0x83b, 0x707];

/// ISO/IEC 24778 A.2: a rune's 28 mode-message bits are XORed with alternating ones and
/// zeros, so that no rune reads as a valid compact symbol.
const RUNE_MASK: u64 = 0b1010_1010_1010_1010_1010_1010_1010;

/// At most this many modules of the 9x9 bull's eye may disagree with its rings.
const MAX_BULLSEYE_ERRORS: usize = 6;

/// Finds Aztec Runes in a binarised image; each result's text is the rune's value as three
/// digits ("007"), as zxing-cpp reports it, with symbology identifier `]zC`.
/// `candidates` are `bullseye_candidates(bits)`.
pub(crate) fn find_runes(bits: &BitMatrix, candidates: &[Bullseye]) -> Vec<RXingResult> {
    if bits.getWidth() < 11 || bits.getHeight() < 11 {
        return Vec::new();
    }
    let mut out: Vec<RXingResult> = Vec::new();
    let mut seen: Vec<(f32, f32)> = Vec::new();
    for &(cx, cy, mx, my) in candidates {
        if seen
            .iter()
            .any(|&(x, y)| (x - cx).abs() < 4.0 * mx && (y - cy).abs() < 4.0 * my)
        {
            continue;
        }
        if let Some(value) = read_rune(bits, cx, cy, mx, my) {
            seen.push((cx, cy));
            let text = format!("{value:03}");
            let (hx, hy) = (5.5 * mx, 5.5 * my);
            let mut result = RXingResult::new(
                &text,
                vec![value],
                vec![
                    point(cx - hx, cy - hy),
                    point(cx + hx, cy - hy),
                    point(cx + hx, cy + hy),
                    point(cx - hx, cy + hy),
                ],
                BarcodeFormat::AZTEC,
            );
            result.putMetadata(
                RXingResultMetadataType::SYMBOLOGY_IDENTIFIER,
                rxing::RXingResultMetadataValue::SymbologyIdentifier("]zC".to_string()),
            );
            out.push(result);
        }
    }
    out
}

/// A bull's eye's centre and module size along x and y, in pixels.
pub(crate) type Bullseye = (f32, f32, f32, f32);

/// Centres of bull's eyes: on a row, seven runs of about one module each, light, dark,
/// light, dark (the centre), light, dark, light; confirmed by the same runs on the column
/// through the centre. Compact and full-range symbols share these inner rings.
pub(crate) fn bullseye_candidates(bits: &BitMatrix) -> Vec<Bullseye> {
    let (w, h) = (bits.getWidth() as usize, bits.getHeight() as usize);
    let mut out = Vec::new();
    let mut runs: Vec<(usize, usize, bool)> = Vec::with_capacity(64);
    for y in 0..h {
        row_runs(w, |x| bits.get(x as u32, y as u32), &mut runs);
        for win in runs.windows(7) {
            if win[0].2 {
                continue; // must start light
            }
            let Some(mx) = even_runs(win) else { continue };
            let (start, len, _) = win[3];
            let cx = start as f32 + len as f32 / 2.0;
            let column = cx as usize;
            let mut col_runs = Vec::with_capacity(64);
            row_runs(h, |yy| bits.get(column as u32, yy as u32), &mut col_runs);
            let Some(i) = col_runs.iter().position(|&(s, l, _)| s <= y && y < s + l) else {
                continue;
            };
            if i < 3 || i + 4 > col_runs.len() {
                continue;
            }
            let vwin = &col_runs[i - 3..i + 4];
            let Some(my) = even_runs(vwin) else { continue };
            let (vs, vl, _) = vwin[3];
            let cy = vs as f32 + vl as f32 / 2.0;
            // One candidate per bull's eye: the row through its centre.
            if (y as f32 - cy).abs() <= 0.5f32.max(my / 4.0) && (mx / my - 1.0).abs() < 0.35 {
                out.push((cx, cy, mx, my));
            }
        }
    }
    out
}

/// Run-length encodes one line: (start, length, dark).
fn row_runs(n: usize, get: impl Fn(usize) -> bool, runs: &mut Vec<(usize, usize, bool)>) {
    runs.clear();
    let mut start = 0;
    for i in 1..=n {
        if i == n || get(i) != get(start) {
            runs.push((start, i - start, get(start)));
            start = i;
        }
    }
}

/// The module size if seven alternating runs are each within half a module of their mean.
fn even_runs(win: &[(usize, usize, bool)]) -> Option<f32> {
    let total: usize = win.iter().map(|r| r.1).sum();
    let m = total as f32 / win.len() as f32;
    (m >= 1.0 && win.iter().all(|r| (r.1 as f32 - m).abs() <= m * 0.5)).then_some(m)
}

/// Reads the rune around a bull's eye centre, trying the image and its mirror.
fn read_rune(bits: &BitMatrix, cx: f32, cy: f32, mx: f32, my: f32) -> Option<u8> {
    let (w, h) = (bits.getWidth() as f32, bits.getHeight() as f32);
    if cx - 5.5 * mx < -0.5
        || cy - 5.5 * my < -0.5
        || cx + 5.5 * mx > w + 0.5
        || cy + 5.5 * my > h + 0.5
    {
        return None;
    }
    for mirror in [1.0f32, -1.0] {
        // Module (i, j), i to the right and j down from the centre module.
        let module = |i: i32, j: i32| -> bool {
            let x = (cx + mirror * i as f32 * mx).floor().clamp(0.0, w - 1.0);
            let y = (cy + j as f32 * my).floor().clamp(0.0, h - 1.0);
            bits.get(x as u32, y as u32)
        };
        if !rings_match(&module) {
            return None;
        }
        // The mode-message ring at radius 5, as rxing's detector samples it: each side 10
        // modules from a corner towards the next, [right, bottom, left, top].
        let corners: [(i32, i32); 4] = [(5, -5), (5, 5), (-5, 5), (-5, -5)];
        let mut sides = [0u32; 4];
        for (k, side) in sides.iter_mut().enumerate() {
            let (x0, y0) = corners[k];
            let (x1, y1) = corners[(k + 1) % 4];
            let (dx, dy) = ((x1 - x0).signum(), (y1 - y0).signum());
            for t in 0..10 {
                if module(x0 + dx * t, y0 + dy * t) {
                    *side |= 1 << (9 - t);
                }
            }
        }
        let Some(shift) = rotation(&sides) else {
            continue;
        };
        let mut data: u64 = 0;
        for i in 0..4 {
            let side = sides[(shift + i) % 4];
            data = (data << 7) | u64::from((side >> 1) & 0x7F);
        }
        // A readable ordinary symbol is left to rxing: a rune must not decode as sizes.
        if corrected(data).is_some_and(|(_, errors)| errors == 0) {
            return None;
        }
        if let Some((value, errors)) = corrected(data ^ RUNE_MASK)
            && errors <= 1
        {
            return Some(value);
        }
    }
    None
}

/// Whether the 9x9 modules around the centre, `module(i, j)` with i to the right and j
/// down, are the bull's eye's alternating square rings, but for a few modules.
fn rings_match(module: &impl Fn(i32, i32) -> bool) -> bool {
    let ring_errors = (-4..=4)
        .flat_map(|j| (-4..=4).map(move |i| (i, j)))
        .filter(|&(i, j): &(i32, i32)| module(i, j) != (i.abs().max(j.abs()) % 2 == 0))
        .count();
    ring_errors <= MAX_BULLSEYE_ERRORS
}

/// Whether a candidate's 9x9 core, sampled upright, has the bull's eye's rings (a mirror
/// image has the same rings).
pub(crate) fn is_bullseye(bits: &BitMatrix, &(cx, cy, mx, my): &Bullseye) -> bool {
    let (w, h) = (bits.getWidth() as f32, bits.getHeight() as f32);
    rings_match(&|i: i32, j: i32| {
        let x = (cx + i as f32 * mx).floor().clamp(0.0, w - 1.0);
        let y = (cy + j as f32 * my).floor().clamp(0.0, h - 1.0);
        bits.get(x as u32, y as u32)
    })
}

/// Which corner has the three orientation marks (a quarter turn), within two bits.
fn rotation(sides: &[u32; 4]) -> Option<usize> {
    let mut corner_bits = 0u32;
    for side in sides {
        let t = ((side >> 8) << 1) + (side & 1);
        corner_bits = (corner_bits << 3) + t;
    }
    corner_bits = ((corner_bits & 1) << 11) + (corner_bits >> 1);
    (0..4).find(|&s| (corner_bits ^ EXPECTED_CORNER_BITS[s]).count_ones() <= 2)
}

/// The compact mode message's two data nibbles after Reed-Solomon correction (GF(16), five
/// check words), and how many words were corrected.
fn corrected(data: u64) -> Option<(u8, usize)> {
    let mut words = [0i32; 7];
    let mut d = data;
    for w in words.iter_mut().rev() {
        *w = (d & 0xF) as i32;
        d >>= 4;
    }
    let decoder = ReedSolomonDecoder::new(PredefinedGenericGF::AztecParam.into());
    let errors = decoder.decode(&mut words, 5).ok()?;
    Some((((words[0] << 4) | words[1]) as u8, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rune_mask_is_28_alternating_bits() {
        assert_eq!(RUNE_MASK, 0x0AAA_AAAA);
        assert_eq!(RUNE_MASK.count_ones(), 14);
    }

    #[test]
    fn an_image_without_a_bullseye_has_no_rune() {
        let bits = BitMatrix::with_single_dimension(64).expect("matrix");
        assert!(find_runes(&bits, &bullseye_candidates(&bits)).is_empty());
    }
}
