//! DataMatrix symbols that rxing locates but cannot decode: printed with uneven module
//! widths (thermal printers, stretched renders), photographed warped (a label on a bottle),
//! or large multi-region symbols whose grid drifts by a module between the corners. rxing's
//! edge-tracing detector (a port of zxing-cpp's) finds the four corners and the size, but
//! samples the whole grid through one perspective transform, and the drift costs more
//! modules than Reed-Solomon repairs.
//!
//! This reader takes rxing's candidates and samples them again, guided by the symbol's own
//! timing patterns: the alternating top row and right column of every data region. Each
//! module edge along them is measured, and the modules between are sampled at positions
//! interpolated from those edges, so a column that drifts is followed where it actually is.
//! Reed-Solomon keeps a wrong grid from reading as a wrong code.

use rxing::common::Quadrilateral;
use rxing::common::{BitMatrix, DetectorRXingResult, HybridBinarizer, PerspectiveTransform};
use rxing::datamatrix::decoder::{Decoder, Version};
use rxing::datamatrix::detector::zxing_cpp_detector;
use rxing::{
    BarcodeFormat, BinaryBitmap, Luma8Source, Point, RXingResult, RXingResultMetadataType,
    RXingResultMetadataValue, point,
};

/// At most this many of rxing's candidates are sampled again (a busy image yields many).
const MAX_CANDIDATES: usize = 8;

/// Finds DataMatrix symbols in a greyscale image by timing-guided sampling of the symbols
/// rxing's detector locates, dark on light or else light on dark; results carry the text,
/// the four corners and the symbology identifier rxing's own reader would give.
pub(crate) fn find_datamatrix(px: &[u8], w: usize, h: usize) -> Vec<RXingResult> {
    if w < 16 || h < 16 || px.len() < w * h {
        return Vec::new();
    }
    let found = find_in(px, w, h);
    if !found.is_empty() {
        return found;
    }
    // Light modules on a dark ground (laser-marked or dot-peened parts).
    let inverted: Vec<u8> = px[..w * h].iter().map(|&p| 255 - p).collect();
    find_in(&inverted, w, h)
}

/// `find_datamatrix` for dark modules on a light ground.
fn find_in(px: &[u8], w: usize, h: usize) -> Vec<RXingResult> {
    let Ok(source) = Luma8Source::new_with_slice(px, w as u32, h as u32) else {
        return Vec::new();
    };
    let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let bits = bitmap.get_black_matrix();
    let Ok(candidates) = zxing_cpp_detector::detect(bits, true, true) else {
        return Vec::new();
    };
    let decoder = Decoder::new();
    let mut out: Vec<RXingResult> = Vec::new();
    for candidate in candidates.iter().take(MAX_CANDIDATES) {
        let corners = candidate.getPoints();
        let (cols, rows) = (
            candidate.getBits().getWidth(),
            candidate.getBits().getHeight(),
        );
        let [tl, tr, br, bl] = match corners {
            [a, b, c, d] => [*a, *b, *c, *d],
            _ => continue,
        };
        let Some(mut grid) = Grid::new(bits, [tl, tr, br, bl], cols, rows) else {
            continue;
        };
        grid.measure_timing();
        let Some(decoded) = grid
            .sample()
            .and_then(|symbol| decoder.decode(&symbol).ok())
        else {
            continue;
        };
        if out.iter().any(|r| r.getText() == decoded.getText()) {
            continue;
        }
        let mut result = RXingResult::new(
            decoded.getText(),
            decoded.getRawBytes().clone(),
            vec![tl, tr, br, bl],
            BarcodeFormat::DATA_MATRIX,
        );
        if !decoded.getContentType().is_empty() {
            result.putMetadata(
                RXingResultMetadataType::CONTENT_TYPE,
                RXingResultMetadataValue::ContentType(decoded.getContentType().to_owned()),
            );
        }
        result.putMetadata(
            RXingResultMetadataType::SYMBOLOGY_IDENTIFIER,
            RXingResultMetadataValue::SymbologyIdentifier(format!(
                "]d{}",
                decoded.getSymbologyModifier()
            )),
        );
        out.push(result);
    }
    out
}

/// A candidate symbol: the binarised image, the transform from module coordinates (0..cols,
/// 0..rows) to the image, and the corrections measured along the timing patterns.
struct Grid<'a> {
    bits: &'a BitMatrix,
    transform: PerspectiveTransform,
    cols: usize,
    rows: usize,
    /// Rows and columns of one data region with its finder and timing border.
    region_rows: usize,
    region_cols: usize,
    /// Per timing row (the top row of each band of regions): each column's shift along x.
    dx: Vec<Vec<f32>>,
    /// Per timing column (the right column of each band of regions): each row's shift along y.
    dy: Vec<Vec<f32>>,
    /// Sampling step along a timing line, in modules (about half a pixel).
    step: f32,
}

impl<'a> Grid<'a> {
    fn new(bits: &'a BitMatrix, corners: [Point; 4], cols: u32, rows: u32) -> Option<Self> {
        let version = Version::getVersionForDimensions(rows, cols).ok()?;
        let region_rows = version.getDataRegionSizeRows() as usize + 2;
        let region_cols = version.getDataRegionSizeColumns() as usize + 2;
        let (cols, rows) = (cols as usize, rows as usize);
        if region_rows < 3 || region_cols < 3 || rows % region_rows != 0 || cols % region_cols != 0
        {
            return None;
        }
        let (c, r) = (cols as f32, rows as f32);
        let transform = to_image(corners, cols as u32, rows as u32)?;
        let side = |a: Point, b: Point, n: f32| (a.x - b.x).hypot(a.y - b.y) / n;
        let module = side(corners[0], corners[1], c)
            .min(side(corners[3], corners[2], c))
            .min(side(corners[0], corners[3], r))
            .min(side(corners[1], corners[2], r));
        if !module.is_finite() || module < 1.0 {
            return None;
        }
        Some(Self {
            bits,
            transform,
            cols,
            rows,
            region_rows,
            region_cols,
            dx: vec![vec![0.0; cols]; rows / region_rows],
            dy: vec![vec![0.0; rows]; cols / region_cols],
            step: (0.5 / module).min(0.1),
        })
    }

    /// The binarised image at module coordinates (u, v); None outside the image.
    fn black(&self, u: f32, v: f32) -> Option<bool> {
        let p = self.transform.transform_point(point(u, v));
        if !(p.x >= 0.0 && p.y >= 0.0) {
            return None;
        }
        let (x, y) = (p.x as u32, p.y as u32);
        if x >= self.bits.getWidth() || y >= self.bits.getHeight() {
            return None;
        }
        Some(self.bits.get(x, y))
    }

    /// The x shift of column `c` at module-centre height `v`: interpolated between the timing
    /// rows above and below, the nearest one's beyond them.
    fn dx_at(&self, c: usize, v: f32) -> f32 {
        let at = |k: usize| self.dx[k][c];
        let pos = |k: usize| (k * self.region_rows) as f32 + 0.5;
        interpolate(self.dx.len(), pos, at, v)
    }

    /// The y shift of row `r` at module-centre x `u`, from the timing columns either side.
    fn dy_at(&self, r: usize, u: f32) -> f32 {
        let at = |k: usize| self.dy[k][r];
        let pos = |k: usize| ((k + 1) * self.region_cols) as f32 - 0.5;
        interpolate(self.dy.len(), pos, at, u)
    }

    /// Measures the timing patterns twice, the second time along lines corrected by the
    /// first.
    fn measure_timing(&mut self) {
        for _ in 0..2 {
            for k in 0..self.dx.len() {
                let r = k * self.region_rows;
                // Along the top row of a band: columns alternate, dark at even ones; the
                // first edge is the quiet zone's into the finder column.
                self.dx[k] = self.track(self.cols, 0, |g, t| {
                    let c = (t.max(0.0) as usize).min(g.cols - 1);
                    g.black(t, r as f32 + 0.5 + g.dy_at(r, c as f32 + 0.5))
                });
            }
            for k in 0..self.dy.len() {
                let c = (k + 1) * self.region_cols - 1;
                // Along the right column of a band: rows alternate, dark at odd ones; the
                // last edge is the finder row's into the quiet zone below.
                self.dy[k] = self.track(self.rows, 1, |g, t| {
                    let r = (t.max(0.0) as usize).min(g.rows - 1);
                    g.black(c as f32 + 0.5 + g.dx_at(c, r as f32 + 0.5), t)
                });
            }
        }
    }

    /// Every module read from the binarised image at its centre as the timing patterns
    /// place it.
    fn sample(&self) -> Option<BitMatrix> {
        let mut out = BitMatrix::new(self.cols as u32, self.rows as u32).ok()?;
        for r in 0..self.rows {
            for c in 0..self.cols {
                let (u, v) = (c as f32 + 0.5, r as f32 + 0.5);
                let (u, v) = (u + self.dx_at(c, v), v + self.dy_at(r, u));
                if self.black(u, v) == Some(true) {
                    out.set(c as u32, r as u32);
                }
            }
        }
        Some(out)
    }

    /// Follows an alternating line of `n` modules (module `i` dark when `i % 2 == dark`)
    /// edge by edge, each edge searched near where the previous one and the module pitch
    /// so far put it, and returns each module's centre shift from its nominal place.
    fn track(
        &self,
        n: usize,
        dark: usize,
        sample: impl Fn(&Self, f32) -> Option<bool>,
    ) -> Vec<f32> {
        // edges[e]: where the edge before module e lies (e in 0..=n); NaN when not seen.
        let mut edges = vec![f32::NAN; n + 1];
        // The shift of the last edge seen: the next edge is searched as far off its nominal
        // place (the grid drifts slowly; a pitch estimate would run away over a gap).
        let mut shift = 0.0f32;
        let mut seen = 0;
        // Edges of the same kind recur every two modules: a window under one module either
        // side cannot jump to the next, and wide enough for a module up to 1.7 times as
        // wide as the grid's average (uneven printing, a steep view).
        let steps = (0.7 / self.step) as i32;
        for (e, edge) in edges.iter_mut().enumerate() {
            let after_dark = e < n && e % 2 == dark;
            let before_dark = e > 0 && (e - 1) % 2 == dark;
            if after_dark == before_dark {
                continue;
            }
            // The transition into the colour of module e nearest to where it is expected.
            let expected = e as f32 + shift;
            let mut best: Option<f32> = None;
            let mut prev = sample(self, expected - (steps + 1) as f32 * self.step);
            for i in -steps..=steps {
                let t = expected + i as f32 * self.step;
                let cur = sample(self, t);
                if let (Some(a), Some(b)) = (prev, cur)
                    && a == before_dark
                    && b == after_dark
                {
                    let at = t - 0.5 * self.step;
                    if best.is_none_or(|x| (x - expected).abs() > (at - expected).abs()) {
                        best = Some(at);
                    }
                }
                prev = cur;
            }
            if let Some(at) = best {
                *edge = at;
                shift = at - e as f32;
                seen += 1;
            }
        }
        // Too few edges seen: this is no timing pattern, keep the nominal grid.
        if seen * 2 < n / 2 {
            return vec![0.0; n];
        }
        // Unseen edges: interpolated between seen ones (extrapolated by a module beyond).
        fill_gaps(&mut edges);
        (0..n)
            .map(|i| {
                let centre = 0.5 * (edges[i] + edges[i + 1]);
                let shift = centre - (i as f32 + 0.5);
                if shift.is_finite() { shift } else { 0.0 }
            })
            .collect()
    }
}

/// The perspective transform from module coordinates (0..cols, 0..rows) to the image.
fn to_image(corners: [Point; 4], cols: u32, rows: u32) -> Option<PerspectiveTransform> {
    let (c, r) = (cols as f32, rows as f32);
    PerspectiveTransform::quadrilateralToQuadrilateral(
        Quadrilateral::new(point(0.0, 0.0), point(c, 0.0), point(c, r), point(0.0, r)),
        Quadrilateral::new(corners[0], corners[1], corners[2], corners[3]),
    )
    .ok()
}

/// Linear interpolation of `value(k)` at `x` between knots `pos(k)`, k in 0..n; the end
/// values beyond the first and last knots.
fn interpolate(n: usize, pos: impl Fn(usize) -> f32, value: impl Fn(usize) -> f32, x: f32) -> f32 {
    if n == 0 {
        return 0.0;
    }
    if x <= pos(0) {
        return value(0);
    }
    for k in 1..n {
        if x <= pos(k) {
            let f = (x - pos(k - 1)) / (pos(k) - pos(k - 1));
            return value(k - 1) + (value(k) - value(k - 1)) * f;
        }
    }
    value(n - 1)
}

/// Fills NaN entries of edge positions: linearly between seen neighbours, a unit pitch
/// from the nearest seen one at the ends.
fn fill_gaps(edges: &mut [f32]) {
    let seen: Vec<usize> = (0..edges.len()).filter(|&i| edges[i].is_finite()).collect();
    let (Some(&first), Some(&last)) = (seen.first(), seen.last()) else {
        return;
    };
    for i in 0..edges.len() {
        if edges[i].is_finite() {
            continue;
        }
        edges[i] = if i < first {
            edges[first] - (first - i) as f32
        } else if i > last {
            edges[last] + (i - last) as f32
        } else {
            let a = seen
                .iter()
                .rev()
                .find(|&&s| s < i)
                .copied()
                .unwrap_or(first);
            let b = seen.iter().find(|&&s| s > i).copied().unwrap_or(last);
            if a == b {
                edges[a]
            } else {
                edges[a] + (edges[b] - edges[a]) * (i - a) as f32 / (b - a) as f32
            }
        };
    }
}
