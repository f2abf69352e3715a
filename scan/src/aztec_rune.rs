//! Aztec Runes (ISO/IEC 24778 Annex A): an 11x11 compact bull's eye whose mode message
//! carries one value 0-255 instead of the symbol's size. rxing 0.9 reads the mode message as
//! sizes only, so a rune never decodes there; this reader finds compact bull's eyes, reads
//! the 28 mode-message bits and accepts them when, XORed with the rune pattern, they pass
//! the mode message's Reed-Solomon check (and as plain sizes they do not).
//!
//! At any angle, mirrored or not, on a binarised image (rxing's hybrid binariser): sampled
//! through the fitted corners of the bull's eye's ring three modules out, or upright when
//! they cannot be fitted; strong perspective is not handled. Runes are printed as sortation
//! and line-side marks: small and clean, but a label is not always scanned square.

use rxing::common::cpp_essentials::FindConcentricPatternCorners;
use rxing::common::{BitMatrix, Quadrilateral};

use crate::aztec_bullseye::{Bullseye, rings_match};
use rxing::common::reedsolomon::{PredefinedGenericGF, ReedSolomonDecoder};
use rxing::{BarcodeFormat, RXingResult, RXingResultMetadataType, point};

/// The orientation marks at the bull's eye's corners for the four quarter turns (as in
/// rxing's and zxing-cpp's Aztec detectors).
const EXPECTED_CORNER_BITS: [u32; 4] = [0xee0, 0x1dc, 0x83b, 0x707];

/// ISO/IEC 24778 A.2: a rune's 28 mode-message bits are XORed with alternating ones and
/// zeros, so that no rune reads as a valid compact symbol.
const RUNE_MASK: u64 = 0b1010_1010_1010_1010_1010_1010_1010;

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

/// Reads the rune around a bull's eye centre, trying the image and its mirror: through
/// the corners of its white ring three modules out as they lie in the image (a turned
/// label), then, if they cannot be fitted or read nothing, square to the image.
fn read_rune(bits: &BitMatrix, cx: f32, cy: f32, mx: f32, my: f32) -> Option<u8> {
    let (w, h) = (bits.getWidth() as f32, bits.getHeight() as f32);
    if cx - 5.5 * mx < -0.5
        || cy - 5.5 * my < -0.5
        || cx + 5.5 * mx > w + 0.5
        || cy + 5.5 * my > h + 0.5
    {
        return None;
    }
    let square = ModuleAxes {
        centre: (cx, cy),
        right: (mx, 0.0),
        down: (0.0, my),
    };
    let range = (7.0 * mx.max(my)).ceil() as i32;
    let fitted = FindConcentricPatternCorners(bits, point(cx, cy), range, 3)
        .and_then(|ring| ModuleAxes::from_ring(&ring, 3.0));
    fitted
        .into_iter()
        .chain([square])
        .find_map(|axes| read_rune_on(bits, &axes))
}

/// Where module (i, j) lies, i to the right and j down from the centre module (the axes
/// may be turned or mirrored: the orientation marks say which way the rune faces).
#[derive(Clone, Copy, Debug)]
struct ModuleAxes {
    centre: (f32, f32),
    right: (f32, f32),
    down: (f32, f32),
}

impl ModuleAxes {
    /// From the four corners, in order around the ring, of the square ring `radius`
    /// modules out (the centres of its corner modules).
    fn from_ring(ring: &Quadrilateral, radius: f32) -> Option<Self> {
        let c = ring.center();
        let mid =
            |a: usize, b: usize| ((ring[a].x + ring[b].x) / 2.0, (ring[a].y + ring[b].y) / 2.0);
        let (r, l) = (mid(0, 1), mid(2, 3));
        let (d, u) = (mid(1, 2), mid(3, 0));
        let right = ((r.0 - l.0) / (2.0 * radius), (r.1 - l.1) / (2.0 * radius));
        let down = ((d.0 - u.0) / (2.0 * radius), (d.1 - u.1) / (2.0 * radius));
        let len = |v: (f32, f32)| v.0.hypot(v.1);
        // A square, not a sliver: both sides at least a pixel a module and alike.
        (len(right) >= 1.0 && len(down) >= 1.0 && (len(right) / len(down) - 1.0).abs() < 0.35)
            .then_some(Self {
                centre: (c.x, c.y),
                right,
                down,
            })
    }

    fn pixel(&self, i: f32, j: f32) -> (f32, f32) {
        (
            self.centre.0 + i * self.right.0 + j * self.down.0,
            self.centre.1 + i * self.right.1 + j * self.down.1,
        )
    }
}

fn read_rune_on(bits: &BitMatrix, axes: &ModuleAxes) -> Option<u8> {
    let (w, h) = (bits.getWidth() as f32, bits.getHeight() as f32);
    for mirror in [1.0f32, -1.0] {
        let module = |i: i32, j: i32| -> bool {
            let (x, y) = axes.pixel(mirror * i as f32, j as f32);
            bits.get(
                x.floor().clamp(0.0, w - 1.0) as u32,
                y.floor().clamp(0.0, h - 1.0) as u32,
            )
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
    use crate::aztec_bullseye::bullseye_candidates;

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
