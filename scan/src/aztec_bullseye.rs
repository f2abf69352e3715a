//! Aztec bull's eyes found by scanning rows: the concentric square rings at the centre of
//! every Aztec symbol (compact, full-range and runes share the inner 7x7). rxing's detector
//! looks for one bull's eye, starting from the middle of the image's ink; these candidates
//! let the rune and reader-initialisation readers, and rxing's detector itself, start from
//! each bull's eye in the image: a symbol beside other print, or one turned near 45°, where
//! rxing's starting point lands a module off the centre.

use rxing::aztec::AztecReader;
use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::LocateConcentricPattern;
use rxing::{Point, RXingResult, point};

/// At most this many bull's eyes are handed to rxing's detector per image: a busy photo
/// can show many look-alikes, and a real symbol's centre is usually among the first.
const MAX_SEEDED_TRIES: usize = 8;

/// At most this many modules of the 9x9 bull's eye may disagree with its rings.
const MAX_BULLSEYE_ERRORS: usize = 6;

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

/// The module size if seven alternating runs are even: each within half a module of their
/// mean, or, where ink spread or blur thins the dark rings and widens the light ones (a
/// small symbol turned near 45°), every dark-and-light pair within a third of the others.
fn even_runs(win: &[(usize, usize, bool)]) -> Option<f32> {
    let total: usize = win.iter().map(|r| r.1).sum();
    let m = total as f32 / win.len() as f32;
    if m < 1.0 {
        return None;
    }
    let runs_even = win.iter().all(|r| (r.1 as f32 - m).abs() <= m * 0.5);
    let pairs = win.windows(2).map(|p| p[0].1 + p[1].1);
    let (low, high) = pairs.fold((usize::MAX, 0), |(l, h), v| (l.min(v), h.max(v)));
    let pairs_even = high <= low * 4 / 3 + 1;
    (runs_even || pairs_even).then_some(m)
}

/// Whether the 9x9 modules around the centre, `module(i, j)` with i to the right and j
/// down, are the bull's eye's alternating square rings, but for a few modules.
pub(crate) fn rings_match(module: &impl Fn(i32, i32) -> bool) -> bool {
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

/// Symbols rxing reads when its detector starts from one of the bull's eyes `candidates`
/// (see `bullseye_candidates`) show, at most `MAX_SEEDED_TRIES` of them, those seen on
/// most rows first.
///
/// On a symbol turned near 45° the rings cross rows and columns evenly a module or two off
/// the centre as well, along the diagonals, on both sides of it: candidates within four
/// modules of each other are one bull's eye, and their mean is its centre.
pub(crate) fn read_at_bullseyes(bits: &BitMatrix, candidates: &[Bullseye]) -> Vec<RXingResult> {
    // (sum of x, sum of y, count, module size)
    let mut clusters: Vec<(f32, f32, usize, f32)> = Vec::new();
    for &(cx, cy, mx, my) in candidates {
        let module = mx.max(my);
        let near = clusters.iter_mut().find(|(sx, sy, n, m)| {
            let (x, y) = (*sx / *n as f32, *sy / *n as f32);
            (x - cx).abs() < 4.0 * *m && (y - cy).abs() < 4.0 * *m
        });
        match near {
            Some((sx, sy, n, _)) => {
                *sx += cx;
                *sy += cy;
                *n += 1;
            }
            None => clusters.push((cx, cy, 1, module)),
        }
    }
    clusters.sort_by_key(|c| std::cmp::Reverse(c.2));
    clusters
        .iter()
        .take(MAX_SEEDED_TRIES)
        .filter_map(|&(sx, sy, n, module)| {
            let centre = located_centre(bits, sx / n as f32, sy / n as f32, module)?;
            AztecReader::decode_at(bits, centre).ok()
        })
        .collect()
}

/// The centre of the bull's eye near a candidate, as rxing's concentric-pattern locator
/// confirms it (rings in all four directions). A row scan across a symbol turned near 45°
/// also matches a module or two off the centre along a diagonal, where the rings cross the
/// row evenly too; the locator needs a start within about a module, so it is tried from
/// points half a module apart out to two modules, nearest first.
fn located_centre(bits: &BitMatrix, cx: f32, cy: f32, module: f32) -> Option<Point> {
    // The bull's eye's inner 7x7 modules as seven equal runs, edge to edge.
    const RINGS: [u16; 7] = [1; 7];
    let range = (8.0 * module).ceil() as i32;
    let mut offsets: Vec<(i32, i32)> = (-4..=4)
        .flat_map(|j| (-4..=4).map(move |i| (i, j)))
        .collect();
    offsets.sort_by_key(|&(i, j)| i * i + j * j);
    offsets.into_iter().find_map(|(i, j)| {
        let seed = point(cx + i as f32 * module / 2.0, cy + j as f32 * module / 2.0);
        LocateConcentricPattern::<true, 7, 7>(bits, &RINGS, seed, range).map(|found| found.p)
    })
}
