//! Linear (1D) barcodes at any angle and small module sizes.
//!
//! rxing's row readers scan horizontal rows near the image centre at about one sample per
//! pixel, which misses codes rotated more than a few degrees, codes off-centre and modules
//! under ~2 px. Here a structure tensor over small cells finds regions of parallel edges (bars)
//! and their orientation; each region is sampled along lines perpendicular to its bars at
//! half-pixel steps (a 1D 2x upscale), binarised against a local mean, and handed to rxing's
//! row decoders in both directions and both polarities (light-on-dark labels).
//! A fallback sweep at fixed angles covers codes too blurred for the region finder.

use rxing::common::BitArray;
use rxing::oned::{ITFReader, MultiFormatOneDReader, OneDReader};
use rxing::{BarcodeFormat as RxFormat, DecodeHints, RXingResult};

/// A window (left, top, width, height) in image pixels.
pub(crate) type Window = (usize, usize, usize, usize);

/// Shortest run of bars, across, that can hold a linear symbol.
const MIN_SYMBOL_LENGTH_PX: f32 = 56.0;

/// Cell size of the orientation field, in pixels.
const CELL: usize = 8;

/// A region of parallel edges: where a linear code may be.
#[derive(Debug, Clone)]
pub(crate) struct BarRegion {
    /// Unit vector across the bars (the scan direction).
    pub across: (f32, f32),
    /// Centre in image coordinates.
    pub centre: (f32, f32),
    /// Extent along `across` from the centre (half length, with quiet-zone margin).
    pub half_len: f32,
    /// Extent along the bars from the centre.
    pub half_height: f32,
    /// Summed edge energy: bigger regions with stronger edges are tried first.
    pub weight: f32,
}

/// Per-cell orientation statistics.
struct Cell {
    angle: f32,
    coherence: f32,
    energy: f32,
}

/// At most this many clusters of edge cells are merged into bar regions (the strongest).
const MAX_CLUSTERS: usize = 64;

/// Finds candidate bar regions, strongest first.
/// Also returns up to `max_windows` windows (x, y, w, h) of strong edges in all directions,
/// where a 2D code may be.
pub(crate) fn find_bar_regions(
    px: &[u8],
    w: usize,
    h: usize,
    max_regions: usize,
    max_windows: usize,
) -> (Vec<BarRegion>, Vec<Window>) {
    let (cw, ch) = (w / CELL, h / CELL);
    if cw < 2 || ch < 2 {
        return (Vec::new(), Vec::new());
    }
    let mut cells = Vec::with_capacity(cw * ch);
    for cy in 0..ch {
        for cx in 0..cw {
            // Every other row (a cell still gets 32 gradient samples), integer arithmetic:
            // this runs over every frame, empty ones included.
            let (mut jxx, mut jyy, mut jxy) = (0i32, 0i32, 0i32);
            for y in ((cy * CELL).max(1)..((cy + 1) * CELL).min(h - 1)).step_by(2) {
                let row = y * w;
                for x in (cx * CELL).max(1)..((cx + 1) * CELL).min(w - 1) {
                    let gx = i32::from(px[row + x + 1]) - i32::from(px[row + x - 1]);
                    let gy = i32::from(px[row + x + w]) - i32::from(px[row + x - w]);
                    jxx += gx * gx;
                    jyy += gy * gy;
                    jxy += gx * gy;
                }
            }
            let (jxx, jyy, jxy) = (jxx as f32, jyy as f32, jxy as f32);
            let trace = jxx + jyy;
            let n = (CELL * CELL / 2) as f32;
            let coherence = if trace > 0.0 {
                ((jxx - jyy).powi(2) + 4.0 * jxy * jxy).sqrt() / trace
            } else {
                0.0
            };
            cells.push(Cell {
                angle: 0.5 * (2.0 * jxy).atan2(jxx - jyy),
                coherence,
                energy: trace / n,
            });
        }
    }
    // Candidate cells: strong, one-directional edges. The energy floor is relative to the
    // frame so dim and low-contrast frames still produce candidates.
    let mut energies: Vec<f32> = cells.iter().map(|c| c.energy).collect();
    energies.sort_by(f32::total_cmp);
    let median = energies[energies.len() / 2];
    let p90 = energies[energies.len() * 9 / 10];
    // Twice the typical cell, but never above a quarter of the strong cells: when a code
    // fills the image (a crop, a scan), the typical cell is a bar cell.
    let window_floor = (median * 2.0).max(40.0);
    let floor = (median * 2.0).min(p90 * 0.25).max(40.0);
    let is_candidate = |c: &Cell| c.coherence > 0.55 && c.energy > floor;
    let windows = matrix_windows(&cells, cw, ch, window_floor, w, h, max_windows);

    let mut label = vec![usize::MAX; cells.len()];
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut stack = Vec::new();
    for seed in 0..cells.len() {
        if label[seed] != usize::MAX || !is_candidate(&cells[seed]) {
            continue;
        }
        label[seed] = seed;
        stack.push(seed);
        let mut members = Vec::new();
        // Doubled-angle average so 179° and 1° agree.
        let (mut sc, mut ss, mut weight) = (0f32, 0f32, 0f32);
        while let Some(i) = stack.pop() {
            members.push(i);
            let c = &cells[i];
            let wgt = c.energy * c.coherence;
            sc += wgt * (2.0 * c.angle).cos();
            ss += wgt * (2.0 * c.angle).sin();
            weight += wgt;
            let (x, y) = (i % cw, i / cw);
            for (dx, dy) in [
                (-1i32, 0i32),
                (1, 0),
                (0, -1),
                (0, 1),
                (-1, -1),
                (1, 1),
                (-1, 1),
                (1, -1),
            ] {
                let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                if nx < 0 || ny < 0 || nx >= cw as i32 || ny >= ch as i32 {
                    continue;
                }
                let j = ny as usize * cw + nx as usize;
                if label[j] != usize::MAX || !is_candidate(&cells[j]) {
                    continue;
                }
                let diff = angle_diff(cells[j].angle, c.angle);
                if diff < 0.35 {
                    label[j] = seed;
                    stack.push(j);
                }
            }
        }
        if members.len() < 2 {
            continue;
        }
        let angle = 0.5 * ss.atan2(sc);
        clusters.push(Cluster {
            angle,
            weight,
            cells: members.iter().map(|&i| cell_centre(i, cw)).collect(),
        });
    }
    // The merge below restarts after every merge (cubic in clusters): a frame of fine
    // stripes tens of thousands of pixels wide made thousands of clusters and took 17 s
    // whatever the budget. Only the strongest can become one of the few regions read.
    if clusters.len() > MAX_CLUSTERS {
        clusters.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        clusters.truncate(MAX_CLUSTERS);
    }
    // Large modules leave edge-free cells inside wide bars, splitting one code into
    // several clusters: merge clusters with the same orientation that lie on one line.
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..clusters.len() {
            for j in i + 1..clusters.len() {
                if angle_diff(clusters[i].angle, clusters[j].angle) > 0.2 {
                    continue;
                }
                let (a, b) = (
                    clusters[i].extent(clusters[i].angle),
                    clusters[j].extent(clusters[i].angle),
                );
                let gap_across = (b.0 - a.1).max(a.0 - b.1);
                let overlap_along = a.3.min(b.3) - a.2.max(b.2);
                if gap_across < 4.0 * CELL as f32 && overlap_along > -(CELL as f32) {
                    let other = clusters.swap_remove(j);
                    let total = clusters[i].weight + other.weight;
                    // Weighted doubled-angle mean, so the merged scan direction is not
                    // just the first cluster's.
                    let (a, b) = (clusters[i].angle * 2.0, other.angle * 2.0);
                    let (wa, wb) = (clusters[i].weight, other.weight);
                    clusters[i].angle =
                        0.5 * (wa * a.sin() + wb * b.sin()).atan2(wa * a.cos() + wb * b.cos());
                    clusters[i].cells.extend(other.cells);
                    clusters[i].weight = total;
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    let mut regions = Vec::new();
    for cluster in clusters {
        if cluster.cells.len() < 3 {
            continue;
        }
        let across = (cluster.angle.cos(), cluster.angle.sin());
        let along = (-across.1, across.0);
        let (min_a, max_a, min_b, max_b) = cluster.extent(cluster.angle);
        let (ca, cb) = ((min_a + max_a) / 2.0, (min_b + max_b) / 2.0);
        let centre = (ca * across.0 + cb * along.0, ca * across.1 + cb * along.1);
        let len = max_a - min_a + CELL as f32;
        let height = max_b - min_b + CELL as f32;
        // The shortest symbol we read (UPC-E, 51 modules) at 1.2 px per module spans about
        // 60 px: shorter bar regions are text or texture, not worth nine scan lines.
        if len < MIN_SYMBOL_LENGTH_PX {
            continue;
        }
        regions.push(BarRegion {
            across,
            centre,
            // Quiet zones have no edges, so extend well past the last edge cell.
            half_len: len / 2.0 + (len * 0.15).max(3.0 * CELL as f32),
            half_height: height / 2.0,
            weight: cluster.weight,
        });
    }
    regions.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    regions.truncate(max_regions);
    (regions, windows)
}

/// Windows around clusters of strong edges without one dominant direction (2D modules),
/// strongest first, with a margin for the quiet zone and finder patterns.
fn matrix_windows(
    cells: &[Cell],
    cw: usize,
    ch: usize,
    floor: f32,
    w: usize,
    h: usize,
    max: usize,
) -> Vec<Window> {
    let is_matrix = |c: &Cell| c.coherence < 0.5 && c.energy > floor * 1.5;
    let mut seen = vec![false; cells.len()];
    let mut found: Vec<(f32, (usize, usize, usize, usize))> = Vec::new();
    let mut stack = Vec::new();
    for seed in 0..cells.len() {
        if seen[seed] || !is_matrix(&cells[seed]) {
            continue;
        }
        seen[seed] = true;
        stack.push(seed);
        let (mut x0, mut y0, mut x1, mut y1, mut weight, mut count) = (cw, ch, 0, 0, 0f32, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % cw, i / cw);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            weight += cells[i].energy;
            count += 1;
            for (dx, dy) in (-1i32..=1).flat_map(|dx| (-1i32..=1).map(move |dy| (dx, dy))) {
                let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                if nx < 0 || ny < 0 || nx >= cw as i32 || ny >= ch as i32 {
                    continue;
                }
                let j = ny as usize * cw + nx as usize;
                if !seen[j] && is_matrix(&cells[j]) {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        // A 2D code is compact: skip specks and long thin chains (text lines).
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        if count < 3 || bw.max(bh) > 3 * bw.min(bh) + 2 || bw.max(bh) * CELL > 200 {
            continue;
        }
        let side = (bw.max(bh) * CELL * 3 / 2 + 32)
            .clamp(96, 256)
            .min(w)
            .min(h);
        let (cx, cy) = ((x0 + x1 + 1) * CELL / 2, (y0 + y1 + 1) * CELL / 2);
        let left = cx.saturating_sub(side / 2).min(w - side);
        let top = cy.saturating_sub(side / 2).min(h - side);
        found.push((weight, (left, top, side, side)));
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().take(max).map(|(_, win)| win).collect()
}

/// Connected cells of one orientation.
struct Cluster {
    angle: f32,
    weight: f32,
    cells: Vec<(f32, f32)>,
}

impl Cluster {
    /// (min, max) of the cell centres across and along the bars of orientation `angle`.
    fn extent(&self, angle: f32) -> (f32, f32, f32, f32) {
        let across = (angle.cos(), angle.sin());
        let along = (-across.1, across.0);
        let mut e = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for &(x, y) in &self.cells {
            let a = x * across.0 + y * across.1;
            let b = x * along.0 + y * along.1;
            e = (e.0.min(a), e.1.max(a), e.2.min(b), e.3.max(b));
        }
        e
    }
}

fn cell_centre(i: usize, cw: usize) -> (f32, f32) {
    (
        ((i % cw) * CELL + CELL / 2) as f32,
        ((i / cw) * CELL + CELL / 2) as f32,
    )
}

fn angle_diff(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(std::f32::consts::PI);
    d.min(std::f32::consts::PI - d)
}

/// A decoded linear code with its corner points in image coordinates.
pub(crate) struct LinearHit {
    pub result: RXingResult,
    pub corners: [(f32, f32); 4],
    /// Start and end of the scan line that read it, in image coordinates.
    pub line: ((f32, f32), (f32, f32)),
    /// Distinct scan lines that agreed on this text.
    pub lines: u32,
}

/// A scan line's two end points in image coordinates.
pub(crate) type ScanLine = ((f32, f32), (f32, f32));

/// A decode on one line with its two end points in image coordinates.
type LineRead = (RXingResult, (f32, f32), (f32, f32));

/// Reads scan lines through `region`; returns all distinct decodes.
pub(crate) struct LineScanner<'a> {
    pub px: &'a [u8],
    pub w: usize,
    pub h: usize,
    pub reader: MultiFormatOneDReader,
    pub hints: DecodeHints,
    /// Try light-on-dark too.
    pub inverted: bool,
    /// Samples per pixel along the line.
    pub oversample: f32,
    /// Minimum swing between bar and space, as fractions of the local contrast, tried in
    /// turn: a high level ignores noise, a low one keeps narrow spaces blurred into
    /// shallow bumps.
    pub swing_levels: &'static [f32],
    /// A separate ITF reader for the bearer-bar retry, when ITF is enabled.
    itf: Option<ITFReader>,
    /// GS1 DataBar Limited (our reader; rxing has none), when DataBar is enabled.
    limited: bool,
    /// Also try a plain mid-grey threshold (what rxing's row binariser does), for
    /// confirming a read on a second line.
    pub threshold_fallback: bool,
    /// When a line reads nothing, also try it without dark runs at the image's edges and
    /// cut into pieces at wide light gaps (see `decode_tolerant`). Costs decodes on every
    /// line that fails, so stills and thin strips only.
    pub tolerant: bool,
    /// Samples of the current line that are image pixels (not border padding).
    real_samples: std::ops::Range<usize>,
}

impl LineScanner<'_> {
    pub fn new<'a>(px: &'a [u8], w: usize, h: usize, formats: &[RxFormat]) -> LineScanner<'a> {
        let hints = DecodeHints::default()
            .with(rxing::DecodeHintValue::PossibleFormats(
                formats.iter().copied().collect(),
            ))
            .with(rxing::DecodeHintValue::AssumeGs1(true))
            .with(rxing::DecodeHintValue::AllowedLengths(
                crate::decode::ITF_LENGTHS.to_vec(),
            ));
        LineScanner {
            px,
            w,
            h,
            reader: MultiFormatOneDReader::new(&hints),
            hints,
            inverted: true,
            oversample: 2.0,
            swing_levels: &[0.24, 0.1],
            itf: formats.contains(&RxFormat::ITF).then(ITFReader::default),
            limited: formats.contains(&RxFormat::RSS_14),
            threshold_fallback: false,
            tolerant: false,
            real_samples: 0..0,
        }
    }

    /// Scans `lines` parallel lines through the region, stopping once a code is confirmed
    /// on `confirm_lines` lines or the deadline passes.
    pub fn scan_region(
        &mut self,
        region: &BarRegion,
        lines: usize,
        hits: &mut Vec<LinearHit>,
        deadline: std::time::Instant,
    ) {
        let along = (-region.across.1, region.across.0);
        let usable = (region.half_height * 0.9).max(1.0);
        // After the parallel lines, a region that gave nothing gets a few lines through its
        // centre at wider angles: merged or perspective-heavy regions can average to an
        // angle well off the bars'.
        let probes: &[f32] = if lines > 1 {
            &[0.15, -0.15, 0.3, -0.3]
        } else {
            &[]
        };
        let mut read_any = false;
        for k in 0..lines + probes.len() {
            if std::time::Instant::now() > deadline {
                return;
            }
            if k >= lines && read_any {
                return;
            }
            // Centre line first, then alternately above and below.
            let step = if lines > 1 {
                2.0 * usable / (lines - 1) as f32
            } else {
                0.0
            };
            let idx = (k as f32 / 2.0).ceil() * if k % 2 == 0 { 1.0 } else { -1.0 };
            let off = if k >= lines {
                0.0
            } else {
                (idx * step).clamp(-usable, usable)
            };
            let centre = (
                region.centre.0 + along.0 * off,
                region.centre.1 + along.1 * off,
            );
            // The low-swing retry costs a second decode; spend it on the central lines only.
            let levels = if k < 3 { self.swing_levels.len() } else { 1 };
            // Perspective fans the bars out and the region angle is an average: outer
            // lines also try a few degrees either side.
            let tilt = if k >= lines {
                probes[k - lines]
            } else {
                [0.0f32, 0.0, 0.0, 0.07, -0.07, 0.0, 0.0, -0.07, 0.07][k % 9]
            };
            let (c, s) = (tilt.cos(), tilt.sin());
            let dir = (
                region.across.0 * c - region.across.1 * s,
                region.across.0 * s + region.across.1 * c,
            );
            if let Some((result, p0, p1)) = self.read_line(centre, dir, region.half_len, levels) {
                read_any = true;
                let hh = region.half_height;
                let corners = [
                    (p0.0 - along.0 * hh, p0.1 - along.1 * hh),
                    (p1.0 - along.0 * hh, p1.1 - along.1 * hh),
                    (p1.0 + along.0 * hh, p1.1 + along.1 * hh),
                    (p0.0 + along.0 * hh, p0.1 + along.1 * hh),
                ];
                let lines = match hits
                    .iter_mut()
                    .find(|hit| hit.result.getText() == result.getText())
                {
                    Some(hit) => {
                        hit.lines += 1;
                        hit.lines
                    }
                    None => {
                        hits.push(LinearHit {
                            result,
                            corners,
                            line: (p0, p1),
                            lines: 1,
                        });
                        1
                    }
                };
                // Two agreeing lines settle a region; more would only cost time.
                if lines >= 2 {
                    return;
                }
            }
        }
    }

    /// A strip too thin for the region finder (a side under two cells: a scanner's few
    /// pixel rows, a cropped label edge): straight lines along its long side, every row
    /// (or column) up to `max_lines`, spread evenly. No tilt: a tilted line would leave the
    /// strip through its long side and get a false quiet zone there. Both ends get the
    /// light margin a symbol printed to the crop's edge lacks.
    pub fn scan_strip(
        &mut self,
        max_lines: usize,
        hits: &mut Vec<LinearHit>,
        deadline: std::time::Instant,
    ) {
        let (w, h) = (self.w as f32, self.h as f32);
        let wide = self.w >= self.h;
        let (long, short) = if wide { (w, h) } else { (h, w) };
        let dir = if wide { (1.0, 0.0) } else { (0.0, 1.0) };
        let count = (short as usize).clamp(1, max_lines.max(1));
        self.tolerant = true;
        let mut lines_of = Vec::<(String, u32)>::new();
        for k in 0..count {
            if std::time::Instant::now() > deadline {
                return;
            }
            // Rows from the middle outwards: the middle is least likely to be cut.
            let idx = (k as f32 / 2.0).ceil() * if k % 2 == 0 { 1.0 } else { -1.0 };
            let step = short / count as f32;
            let off = (short / 2.0 + idx * step).clamp(0.0, short - 1.0);
            let centre = if wide { (w / 2.0, off) } else { (off, h / 2.0) };
            self.reset();
            let Some((result, p0, p1)) = self.read_line(centre, dir, long, 2) else {
                continue;
            };
            let text = result.getText().to_string();
            let count = match lines_of.iter_mut().find(|(t, _)| *t == text) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    lines_of.push((text.clone(), 1));
                    1
                }
            };
            match hits.iter_mut().find(|hit| hit.result.getText() == text) {
                Some(hit) => hit.lines = hit.lines.max(count),
                None => {
                    let across = if wide {
                        (0.0, short / 2.0)
                    } else {
                        (short / 2.0, 0.0)
                    };
                    hits.push(LinearHit {
                        result,
                        corners: [
                            (p0.0 - across.0, p0.1 - across.1),
                            (p1.0 - across.0, p1.1 - across.1),
                            (p1.0 + across.0, p1.1 + across.1),
                            (p0.0 + across.0, p0.1 + across.1),
                        ],
                        line: (p0, p1),
                        lines: 1,
                    })
                }
            }
        }
    }

    /// Samples one line, binarises it and runs the row decoders on it.
    fn read_line(
        &mut self,
        centre: (f32, f32),
        dir: (f32, f32),
        half_len: f32,
        levels: usize,
    ) -> Option<LineRead> {
        let (t0, t1) = clip_line(centre, dir, half_len, self.w, self.h)?;
        let step = 1.0 / self.oversample;
        let n = ((t1 - t0) / step) as usize;
        if n < 40 {
            return None;
        }
        let mut samples = Vec::with_capacity(n);
        for i in 0..n {
            let t = t0 + i as f32 * step;
            samples.push(bilinear(
                self.px,
                self.w,
                self.h,
                centre.0 + dir.0 * t,
                centre.1 + dir.1 * t,
            ));
        }
        // A line cut short by the image border: a code printed to the edge of a crop has
        // no quiet zone there, so add a light one (the readers insist on it). The ITF
        // check still only trusts real samples.
        let (pre, post) = border_padding(t0, t1, half_len, n);
        let samples = pad_light(samples, pre, post);
        self.real_samples = pre..pre + n;
        let line = SampledLine {
            px: self.px,
            w: self.w,
            h: self.h,
            samples: &samples,
            centre,
            dir,
            t0: t0 - pre as f32 * step,
            step,
        };
        // EAN-8 and UPC-E also fit inside longer symbols: a line entering one through its
        // bar ends (a turned label) sees light before the bars it crosses. Their quiet
        // zones are also looked at beside the line.
        let accept = |result: &RXingResult, a: f32, b: f32| {
            !matches!(result.getBarcodeFormat(), RxFormat::EAN_8 | RxFormat::UPC_E)
                || line.short_ean_quiet_beside(result, a, b)
        };
        let mut first_bits = None;
        for &range_k in &self.swing_levels[..levels.min(self.swing_levels.len())] {
            let Some(bits) = binarize(&samples, range_k) else {
                continue;
            };
            if let Some((result, a, b)) = self.decode_bits(&bits)
                && accept(&result, a, b)
            {
                return Some((result, line.to_image(a), line.to_image(b)));
            }
            first_bits.get_or_insert(bits);
        }
        if self.threshold_fallback
            && let Some(bits) = binarize_threshold(&samples)
            && let Some((result, a, b)) = self.decode_bits(&bits)
            && accept(&result, a, b)
        {
            return Some((result, line.to_image(a), line.to_image(b)));
        }
        if self.tolerant
            && let Some(bits) = first_bits
            && let Some((result, a, b)) = self.decode_tolerant(&bits)
            && accept(&result, a, b)
        {
            return Some((result, line.to_image(a), line.to_image(b)));
        }
        None
    }

    /// rxing's readers want a clean line: a quiet zone right after the end guard, one
    /// symbol per line. A crop cut tight around a label has a dark border at the image
    /// edge (EAN's right quiet zone then runs into it), and a print mark beyond a symbol's
    /// quiet zone makes rxing's ITF reader take the mark for the start and give up. The
    /// retries: the line with dark runs at the image's ends cleared, and each stretch
    /// between wide light gaps alone. Dark on light only. The ITF quiet-zone check counts
    /// cleared and cut-off samples as not on the image, and EAN-8/UPC-E (short enough to
    /// lie inside other symbols) are not taken from these retries.
    fn decode_tolerant(&mut self, bits: &[bool]) -> Option<(RXingResult, f32, f32)> {
        let real = self.real_samples.clone();
        if real.len() < 40 || real.end > bits.len() {
            return None;
        }
        // (bits, their image samples, offset of bits[0] in the line)
        let mut variants: Vec<(Vec<bool>, std::ops::Range<usize>, usize)> = Vec::new();
        // (a) A dark run touching an end of the image's samples: the crop's border, not a
        // bar (a symbol's bars are much shorter than an eighth of the line).
        let max_run = real.len() / 8;
        let (mut v, mut r) = (bits.to_vec(), real.clone());
        if v[r.start] {
            let e = (r.start..r.end).find(|&i| !v[i]).unwrap_or(r.end);
            if e - r.start <= max_run {
                v[r.start..e].fill(false);
                r.start = e;
            }
        }
        if r.end > r.start && v[r.end - 1] {
            let s = (r.start..r.end)
                .rev()
                .find(|&i| !v[i])
                .map_or(r.start, |i| i + 1);
            if r.end - s <= max_run {
                v[s..r.end].fill(false);
                r.end = s;
            }
        }
        if r != real {
            variants.push((v, r.clone(), 0));
        }
        // (b) Stretches between light gaps of at least eight median runs (quiet zones are
        // 7 to 10 modules and a median run is over one module), in the cleared line.
        let base: Vec<bool> = variants.first().map_or(bits, |(v, _, _)| &v[..]).to_vec();
        let mut runs: Vec<(usize, usize, bool)> = Vec::new();
        let mut i = r.start;
        while i < r.end {
            let dark = base[i];
            let s = i;
            while i < r.end && base[i] == dark {
                i += 1;
            }
            runs.push((s, i, dark));
        }
        if runs.len() >= 24 {
            let mut lengths: Vec<usize> = runs[1..runs.len() - 1]
                .iter()
                .map(|(a, b, _)| b - a)
                .collect();
            lengths.sort_unstable();
            let gap = (lengths[lengths.len() / 2] * 8).max(8);
            let mut bounds = vec![(r.start, r.start)];
            bounds.extend(
                runs.iter()
                    .filter(|(a, b, dark)| !dark && b - a >= gap)
                    .map(|&(a, b, _)| (a, b)),
            );
            bounds.push((r.end, r.end));
            bounds.dedup();
            // Only a line that falls apart into several stretches needs this; a few of
            // them, each decoded on its own samples, keep the cost bounded on long lines.
            if bounds.len() > 3 {
                let mut tried = 0;
                for pair in bounds.windows(2) {
                    let inner = runs
                        .iter()
                        .filter(|(a, b, _)| *a >= pair[0].1 && *b <= pair[1].0)
                        .count();
                    if inner < 20 || tried == 6 {
                        continue;
                    }
                    tried += 1;
                    // The line's light margin stays with the first and last stretch.
                    let from = if pair[0].0 == r.start { 0 } else { pair[0].0 };
                    let to = if pair[1].1 == r.end {
                        base.len()
                    } else {
                        pair[1].1
                    };
                    let real_part = pair[0].0.max(r.start) - from..pair[1].1.min(r.end) - from;
                    variants.push((base[from..to].to_vec(), real_part, from));
                }
            }
        }
        let inverted = std::mem::replace(&mut self.inverted, false);
        let mut read = None;
        for (v, r, offset) in variants {
            self.real_samples = r;
            if let Some((result, a, b)) = self.decode_bits(&v)
                && !matches!(result.getBarcodeFormat(), RxFormat::EAN_8 | RxFormat::UPC_E)
            {
                read = Some((result, a + offset as f32, b + offset as f32));
                break;
            }
        }
        self.inverted = inverted;
        self.real_samples = real;
        read
    }

    /// Samples a line at `per_px` samples per pixel from `phase` px on (one and zero: what
    /// rxing's row scan sees; two: a row of a 2x upscaled copy) and binarises it as rxing's
    /// row scan does (global histogram black point), then runs the row decoders on it.
    fn read_line_histogram(
        &mut self,
        centre: (f32, f32),
        dir: (f32, f32),
        half_len: f32,
        (per_px, phase): (usize, f32),
    ) -> Option<RXingResult> {
        use rxing::Binarizer;
        let (t0, t1) = clip_line(centre, dir, half_len, self.w, self.h)?;
        let per_px = per_px.max(1);
        let n = (t1 - t0) as usize * per_px;
        if n < 20 {
            return None;
        }
        let samples: Vec<f32> = (0..n)
            .map(|i| {
                let t = t0 + phase + i as f32 / per_px as f32;
                bilinear(
                    self.px,
                    self.w,
                    self.h,
                    centre.0 + dir.0 * t,
                    centre.1 + dir.1 * t,
                )
            })
            .collect();
        let (pre, post) = border_padding(t0, t1, half_len, n);
        let samples: Vec<u8> = pad_light(samples, pre, post)
            .into_iter()
            .map(|v| v.round() as u8)
            .collect();
        let len = samples.len() as u32;
        let source = rxing::Luma8Source::new(samples, len, 1).ok()?;
        let binarizer = rxing::common::GlobalHistogramBinarizer::new(source);
        let mut row = binarizer.get_black_row(0).ok()?.into_owned();
        for reversed in [false, true] {
            if reversed {
                row.reverse();
            }
            let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.reader.decode_row(0, &row, &self.hints)
            }));
            if let Ok(Ok(result)) = decoded {
                let format = *result.getBarcodeFormat();
                if matches!(format, RxFormat::EAN_8 | RxFormat::UPC_E | RxFormat::ITF) {
                    let bits: Vec<bool> = (0..row.get_size()).map(|i| row.get(i)).collect();
                    let (start, end) = row_span(&result, bits.len(), false);
                    let real = pre..bits.len() - post;
                    let guarded = if format == RxFormat::ITF {
                        itf_quiet_zones(&bits, &real, start, end, result.getText().len())
                    } else {
                        short_ean_quiet_zones(&bits, &format, start, end)
                    };
                    if !guarded {
                        continue;
                    }
                }
                return Some(result);
            }
        }
        None
    }

    /// Runs the row decoders on one binarised line, both polarities and directions;
    /// returns the result and its start/end positions in samples.
    fn decode_bits(&mut self, bits: &[bool]) -> Option<(RXingResult, f32, f32)> {
        let n = bits.len();
        for polarity in 0..(1 + usize::from(self.inverted)) {
            let mut row = BitArray::with_size(n);
            for (i, &black) in bits.iter().enumerate() {
                if black != (polarity == 1) {
                    row.set(i);
                }
            }
            for reversed in [false, true] {
                if reversed {
                    row.reverse();
                }
                let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.reader.decode_row(0, &row, &self.hints)
                }));
                if let Ok(Ok(result)) = decoded {
                    let (start, end) = row_span(&result, n, reversed);
                    if matches!(result.getBarcodeFormat(), RxFormat::EAN_8 | RxFormat::UPC_E)
                        && !short_ean_quiet_zones(bits, result.getBarcodeFormat(), start, end)
                    {
                        continue;
                    }
                    if *result.getBarcodeFormat() == RxFormat::ITF
                        && !itf_quiet_zones(
                            bits,
                            &self.real_samples,
                            start,
                            end,
                            result.getText().len(),
                        )
                    {
                        continue;
                    }
                    return Some((result, start, end));
                }
            }
        }
        self.decode_limited(bits)
            .or_else(|| self.decode_itf_without_bearers(bits))
            .or_else(|| self.decode_itf_runs(bits))
    }

    /// ITF from the line's run lengths, for symbols rxing's ITF reader misses: it searches
    /// the whole row for the first stop pattern with a 2:1 wide bar and only then for a 3:1
    /// one, so a stop whose wide bar is a little over 3 narrow widths (ink spread) makes it
    /// take a 2:1 look-alike inside the data, whose quiet-zone check fails, and give up.
    /// Here every start pattern with a light quiet zone is tried and the digits are read
    /// up to a stop pattern followed by light; the same length and quiet-zone rules apply.
    fn decode_itf_runs(&self, bits: &[bool]) -> Option<(RXingResult, f32, f32)> {
        self.itf.as_ref()?;
        let n = bits.len();
        for polarity in 0..(1 + usize::from(self.inverted)) {
            for reversed in [false, true] {
                let ink: Vec<bool> = if reversed {
                    bits.iter().rev().map(|&b| b != (polarity == 1)).collect()
                } else {
                    bits.iter().map(|&b| b != (polarity == 1)).collect()
                };
                let Some((text, a, b)) = itf_from_runs(&ink) else {
                    continue;
                };
                if !crate::decode::ITF_LENGTHS.contains(&(text.len() as u32)) {
                    continue;
                }
                let (a, b) = (a as f32, b as f32);
                let (start, end) = if reversed {
                    (n as f32 - 1.0 - b, n as f32 - 1.0 - a)
                } else {
                    (a, b)
                };
                if !itf_quiet_zones(bits, &self.real_samples, start, end, text.len()) {
                    continue;
                }
                let result = row_result(&text, Vec::new(), RxFormat::ITF, "]I0", start, end);
                return Some((result, start, end));
            }
        }
        None
    }

    /// GS1 DataBar Limited, both polarities and directions. Reported as DataBar (RSS-14):
    /// the same family and data, a GTIN in AI (01).
    fn decode_limited(&self, bits: &[bool]) -> Option<(RXingResult, f32, f32)> {
        if !self.limited {
            return None;
        }
        let n = bits.len();
        for polarity in [false, true] {
            for reversed in [false, true] {
                let row: Vec<bool> = if reversed {
                    bits.iter().rev().map(|&b| b != polarity).collect()
                } else {
                    bits.iter().map(|&b| b != polarity).collect()
                };
                if let Some(read) = crate::databar_limited::decode_row(&row) {
                    let (a, b) = (read.start as f32, read.end as f32);
                    let (a, b) = if reversed {
                        (n as f32 - b, n as f32 - a)
                    } else {
                        (a, b)
                    };
                    let raw = read.gtin14.clone().into_bytes();
                    let result = row_result(&read.gtin14, raw, RxFormat::RSS_14, "]e0", a, b);
                    return Some((result, a, b));
                }
            }
        }
        None
    }

    /// ITF-14 is printed inside a thick bearer box. Under blur its vertical bars bleed into
    /// the 10-module quiet zone that rxing's ITF reader insists on, so a retry clears thick
    /// bars near the line ends and reads ITF alone (cheap: one reader, only when such a
    /// bar exists). Thick is over four times the median bar: a wide bar is two to three
    /// narrow ones, and at three the stop pattern's wide bar went too.
    fn decode_itf_without_bearers(&mut self, bits: &[bool]) -> Option<(RXingResult, f32, f32)> {
        let itf = self.itf.as_mut()?;
        let n = bits.len();
        for polarity in [false, true] {
            let ink: Vec<bool> = bits.iter().map(|&b| b != polarity).collect();
            let mut runs = Vec::new();
            let mut i = 0;
            while i < n {
                if ink[i] {
                    let start = i;
                    while i < n && ink[i] {
                        i += 1;
                    }
                    runs.push((start, i));
                } else {
                    i += 1;
                }
            }
            if runs.len() < 20 {
                continue;
            }
            let mut lengths: Vec<usize> = runs.iter().map(|(a, b)| b - a).collect();
            lengths.sort_unstable();
            let median = lengths[lengths.len() / 2].max(1);
            let (inner, outer) = (runs[3].0, runs[runs.len() - 4].1);
            let mut cleaned = ink.clone();
            let mut changed = false;
            for &(a, b) in &runs {
                let at_end = b <= inner || a >= outer;
                if at_end && b - a >= 4 * median {
                    cleaned[a..b].iter_mut().for_each(|v| *v = false);
                    changed = true;
                }
            }
            if !changed {
                continue;
            }
            let mut row = BitArray::with_size(n);
            for (i, _) in cleaned.iter().enumerate().filter(|(_, v)| **v) {
                row.set(i);
            }
            for reversed in [false, true] {
                if reversed {
                    row.reverse();
                }
                let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    itf.decode_row(0, &row, &self.hints)
                }));
                if let Ok(Ok(result)) = decoded {
                    let (start, end) = row_span(&result, n, reversed);
                    // The same quiet zones as every other ITF read, on the cleaned line (a
                    // bearer bar is not a bar of the symbol).
                    let digits = result.getText().len();
                    if !itf_quiet_zones(&cleaned, &self.real_samples, start, end, digits) {
                        continue;
                    }
                    return Some((result, start, end));
                }
            }
        }
        None
    }

    /// Forgets state the DataBar readers keep across rows (pairs from earlier lines).
    pub fn reset(&mut self) {
        rxing::Reader::reset(&mut self.reader);
    }
}

/// A read of our own row decoders in rxing's result shape: the text, its bytes, the
/// symbology identifier and the symbol's ends along the line.
fn row_result(
    text: &str,
    raw: Vec<u8>,
    format: RxFormat,
    symbology: &str,
    start: f32,
    end: f32,
) -> RXingResult {
    let mut result = RXingResult::new(
        text,
        raw,
        vec![rxing::point(start, 0.0), rxing::point(end, 0.0)],
        format,
    );
    result.putMetadata(
        rxing::RXingResultMetadataType::SYMBOLOGY_IDENTIFIER,
        rxing::RXingResultMetadataValue::SymbologyIdentifier(symbology.into()),
    );
    result
}

/// Reads Interleaved 2 of 5 from the runs of `ink` (true = bar), left to right. Returns the
/// digits, the end of the start pattern and the start of the stop pattern (the inner ends,
/// as rxing reports them). Each start pattern (four narrow elements after a light run of at
/// least ten narrow widths, or the row's start) is tried; digits are read in pairs (five
/// bars, five spaces, exactly two wide in each) until a stop pattern (wide bar, narrow space,
/// narrow bar) followed by ten narrow widths of light or the row's end.
fn itf_from_runs(ink: &[bool]) -> Option<(String, usize, usize)> {
    // (start, length) of alternating runs.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < ink.len() {
        let s = i;
        while i < ink.len() && ink[i] == ink[s] {
            i += 1;
        }
        runs.push((s, i - s));
    }
    let first_bar = usize::from(!ink.first().copied().unwrap_or(false));
    let len = |k: usize| runs[k].1 as f32;
    let narrow = |w: f32, n: f32| (0.4 * n..=1.7 * n).contains(&w);
    let wide = |w: f32, n: f32| (1.5 * n..=4.5 * n).contains(&w);
    // Five widths with exactly two wide ones, clearly apart: the digit (0 to 9).
    let digit = |ws: [f32; 5], n: f32| -> Option<u32> {
        let mut sorted = ws;
        sorted.sort_by(f32::total_cmp);
        let (max_narrow, min_wide) = (sorted[2], sorted[3]);
        if min_wide < 1.4 * max_narrow || !narrow(sorted[0], n) || !narrow(max_narrow, n) {
            return None;
        }
        if !wide(min_wide, n) || !wide(sorted[4], n) {
            return None;
        }
        let mask = ws
            .iter()
            .enumerate()
            .filter(|(_, w)| **w >= min_wide)
            .fold(0u32, |m, (k, _)| m | (1 << k));
        // Wide positions (bit 0 = first element) of digits 0 to 9: NNWWN, WNNNW, ...
        const MASKS: [u32; 10] = [
            0b01100, 0b10001, 0b10010, 0b00011, 0b10100, 0b00101, 0b00110, 0b11000, 0b01001,
            0b01010,
        ];
        MASKS.iter().position(|&m| m == mask).map(|d| d as u32)
    };
    // Bars preceded by a light run, in turn.
    let mut k = 2 - first_bar;
    while k + 4 <= runs.len() {
        let start = k;
        k += 2;
        let n = (start..start + 4).map(len).sum::<f32>() / 4.0;
        if !(start..start + 4).all(|j| narrow(len(j), n))
            || (len(start - 1) < 10.0 * n && start - 1 != 0)
        {
            continue;
        }
        let mut text = String::new();
        let mut j = start + 4;
        loop {
            if !text.is_empty()
                && j + 3 <= runs.len()
                && wide(len(j), n)
                && narrow(len(j + 1), n)
                && narrow(len(j + 2), n)
                && (j + 3 == runs.len() || len(j + 3) >= 10.0 * n)
            {
                return Some((text, runs[start + 3].0 + runs[start + 3].1, runs[j].0));
            }
            if j + 10 > runs.len() {
                break;
            }
            let bars = [len(j), len(j + 2), len(j + 4), len(j + 6), len(j + 8)];
            let spaces = [len(j + 1), len(j + 3), len(j + 5), len(j + 7), len(j + 9)];
            match (digit(bars, n), digit(spaces, n)) {
                (Some(x), Some(y)) => {
                    text.push(char::from_digit(x, 10)?);
                    text.push(char::from_digit(y, 10)?);
                }
                _ => break,
            }
            j += 10;
        }
    }
    None
}

/// Interleaved 2 of 5 has no check character and its start pattern (four narrow elements)
/// occurs inside data, so a read can start or stop in the middle of a longer symbol. Rejects
/// a read with bars close beyond either end: within four modules (estimated from the
/// digit count) the line must stay light, or end.
fn itf_quiet_zones(
    bits: &[bool],
    real: &std::ops::Range<usize>,
    start: f32,
    end: f32,
    digits: usize,
) -> bool {
    // rxing reports the inner ends: the end of the start pattern (4 narrow elements) and
    // the start of the stop pattern (wide bar, narrow space, narrow bar). Digits take
    // about 8 modules each (wide elements of 2 to 3 modules).
    let module = (end - start) / (8.0 * digits as f32);
    if module <= 0.0 {
        return false;
    }
    let transitions = |from: f32, to: f32| {
        let (from, to) = (
            from.max(0.0) as usize,
            (to.max(0.0) as usize).min(bits.len()),
        );
        if from >= to {
            return 0;
        }
        bits[from..to].windows(2).filter(|w| w[0] != w[1]).count()
    };
    // The quiet zones must be on the line: a read running into the image's edge may be
    // the inner part of a symbol cut off there.
    if start - 9.0 * module < real.start as f32 || end + 9.5 * module > real.end as f32 {
        return false;
    }
    let left = transitions(start - 9.0 * module, start - 4.8 * module);
    let right = transitions(end + 5.5 * module, end + 9.5 * module);
    left <= 1 && right <= 1
}

/// A scan line's samples (light padding included) and where they lie in the image.
struct SampledLine<'a> {
    px: &'a [u8],
    w: usize,
    h: usize,
    samples: &'a [f32],
    centre: (f32, f32),
    dir: (f32, f32),
    /// The line parameter of sample 0; samples are `step` apart along `dir`.
    t0: f32,
    step: f32,
}

impl SampledLine<'_> {
    /// Image coordinates of sample position `pos`.
    fn to_image(&self, pos: f32) -> (f32, f32) {
        let t = self.t0 + pos * self.step;
        (
            self.centre.0 + self.dir.0 * t,
            self.centre.1 + self.dir.1 * t,
        )
    }

    /// The quiet zones of an EAN-8 or UPC-E read (between sample positions `a` and `b`) on
    /// two lines beside it, four modules to either side: light there too, or off the image.
    /// A line that entered a longer symbol through its bar ends has that symbol's bars
    /// beside its "quiet zone" on the side towards the symbol.
    fn short_ean_quiet_beside(&self, result: &RXingResult, a: f32, b: f32) -> bool {
        let (px, w, h, samples) = (self.px, self.w, self.h, self.samples);
        let (dir, step) = (self.dir, self.step);
        let (span, right_guard) = if *result.getBarcodeFormat() == RxFormat::EAN_8 {
            (64.0, 1.5)
        } else {
            (46.5, 3.0)
        };
        let module = (b - a) / span;
        let (lo, hi) = (
            a.max(0.0) as usize,
            (b.max(0.0) as usize).min(samples.len()),
        );
        if module <= 0.0 || lo >= hi {
            return true;
        }
        let (min, max) = samples[lo..hi]
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, m), &v| (l.min(v), m.max(v)));
        let threshold = (min + max) / 2.0;
        let normal = (-dir.1, dir.0);
        let windows = [
            (a - 7.0 * module, a - 2.0 * module),
            (
                b + (right_guard + 0.5) * module,
                b + (right_guard + 5.5) * module,
            ),
        ];
        for side in [-4.0f32, 4.0] {
            let off = side * module * step;
            for &(from, to) in &windows {
                let mut transitions = 0;
                let mut last = None;
                let mut pos = from;
                while pos < to {
                    let (x, y) = self.to_image(pos);
                    let (x, y) = (x + normal.0 * off, y + normal.1 * off);
                    pos += 1.0;
                    if x < 0.0 || y < 0.0 || x > (w - 1) as f32 || y > (h - 1) as f32 {
                        continue;
                    }
                    let dark = bilinear(px, w, h, x, y) < threshold;
                    if last.is_some_and(|l| l != dark) {
                        transitions += 1;
                    }
                    last = Some(dark);
                }
                if transitions > 1 {
                    return false;
                }
            }
        }
        true
    }
}

/// EAN-8 and UPC-E are short enough to be found inside longer bar patterns (an EAN-13, a
/// DataBar symbol): their quiet zones (7 modules) must be light for 5 modules on either side.
/// rxing reports the middles of the guard patterns.
fn short_ean_quiet_zones(bits: &[bool], format: &RxFormat, start: f32, end: f32) -> bool {
    // Modules between the reported points, and from the right point to the symbol's end.
    let (span, right_guard) = if *format == RxFormat::EAN_8 {
        (64.0, 1.5)
    } else {
        (46.5, 3.0)
    };
    let module = (end - start) / span;
    if module <= 0.0 {
        return false;
    }
    let transitions = |from: f32, to: f32| {
        let (from, to) = (
            from.max(0.0) as usize,
            (to.max(0.0) as usize).min(bits.len()),
        );
        if from >= to {
            return 0;
        }
        bits[from..to].windows(2).filter(|w| w[0] != w[1]).count()
    };
    let left = transitions(start - 7.0 * module, start - 2.0 * module);
    let right = transitions(
        end + (right_guard + 0.5) * module,
        end + (right_guard + 5.5) * module,
    );
    left <= 1 && right <= 1
}

/// Light samples to add before and after a line of `n` samples clipped to [t0, t1] out of
/// [-half_len, half_len]: a quiet zone where the image border cut it off.
fn border_padding(t0: f32, t1: f32, half_len: f32, n: usize) -> (usize, usize) {
    let pad = 16 + n / 12;
    (
        if t0 > -half_len + 0.5 { pad } else { 0 },
        if t1 < half_len - 0.5 { pad } else { 0 },
    )
}

fn pad_light(samples: Vec<f32>, pre: usize, post: usize) -> Vec<f32> {
    if pre == 0 && post == 0 {
        return samples;
    }
    let mut sorted = samples.clone();
    sorted.sort_by(f32::total_cmp);
    let light = sorted[sorted.len() * 9 / 10];
    let mut out = Vec::with_capacity(samples.len() + pre + post);
    out.extend(std::iter::repeat_n(light, pre));
    out.extend(samples);
    out.extend(std::iter::repeat_n(light, post));
    out
}

/// Clips the line centre + t*dir, |t| <= half_len, to the image; returns the t range.
fn clip_line(
    c: (f32, f32),
    d: (f32, f32),
    half_len: f32,
    w: usize,
    h: usize,
) -> Option<(f32, f32)> {
    let (mut t0, mut t1) = (-half_len, half_len);
    for (p, dv, max) in [(c.0, d.0, w as f32 - 1.0), (c.1, d.1, h as f32 - 1.0)] {
        if dv.abs() < 1e-6 {
            if p < 0.0 || p > max {
                return None;
            }
            continue;
        }
        let (a, b) = ((0.0 - p) / dv, (max - p) / dv);
        t0 = t0.max(a.min(b));
        t1 = t1.min(a.max(b));
    }
    (t1 - t0 > 0.0).then_some((t0, t1))
}

/// Bilinear sample; clamps at the image border, so one-row images and border lines are safe.
fn bilinear(px: &[u8], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |x: usize, y: usize| f32::from(px[y * w + x]);
    let (a, b) = (at(x0, y0), at(x1, y0));
    let (c, d) = (at(x0, y1), at(x1, y1));
    (a + (b - a) * fx) * (1.0 - fy) + (c + (d - c) * fx) * fy
}

/// Confirms a linear code read on one scan line (from rxing's own row scan or ours) by
/// reading the same text on another line parallel to it, a few pixels away, with the
/// edge binariser and that format's reader alone. A symbol only a pixel row or two high
/// (a scanner's single-line image) has no second line: there the same line must read the
/// same text through the other binariser. Returns true when confirmed.
pub(crate) fn confirm_line(
    px: &[u8],
    w: usize,
    h: usize,
    result: &RXingResult,
    line: ScanLine,
) -> bool {
    let Some(lines) = ParallelLines::of(line, w, h) else {
        return false;
    };
    let (dir, half_len) = (lines.dir, lines.half_len);
    let mut scanner = LineScanner::new(px, w, h, &[*result.getBarcodeFormat()]);
    scanner.threshold_fallback = true;
    let mut any_line = false;
    for off in [
        3.0f32, -3.0, 6.0, -6.0, 10.0, -10.0, 15.0, -15.0, 2.0, -2.0, 1.5, -1.5,
    ] {
        let Some(centre) = lines.centre(off) else {
            continue;
        };
        any_line = true;
        scanner.reset();
        if let Some((other, _, _)) = scanner.read_line(centre, dir, half_len, 2)
            && other.getText() == result.getText()
        {
            return true;
        }
        // The same line through rxing's own row binariser (a histogram threshold), which
        // is what read the first line when it came from rxing's row scan.
        scanner.reset();
        if scanner
            .read_line_histogram(centre, dir, half_len, (1, 0.0))
            .is_some_and(|other| other.getText() == result.getText())
        {
            return true;
        }
    }
    if any_line {
        return false;
    }
    scanner.reset();
    matches!(scanner.read_line(lines.mid, dir, half_len, 2),
        Some((other, _, _)) if other.getText() == result.getText())
}

/// Lines parallel to a read's scan line (`(p0, p1)`), each across the whole image: the
/// reported end points are not always the symbol's (rxing's can be inside it), and the
/// readers want the quiet zones.
struct ParallelLines {
    dir: (f32, f32),
    normal: (f32, f32),
    mid: (f32, f32),
    /// The read line's length.
    len: f32,
    half_len: f32,
    w: usize,
    h: usize,
}

impl ParallelLines {
    /// None for a line under 8 px (no direction to go by) or an image under 2 px wide.
    fn of((p0, p1): ScanLine, w: usize, h: usize) -> Option<Self> {
        let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
        let len = (dx * dx + dy * dy).sqrt();
        if len < 8.0 || w < 2 || h < 1 {
            return None;
        }
        let dir = (dx / len, dy / len);
        Some(ParallelLines {
            dir,
            normal: (-dir.1, dir.0),
            mid: ((p0.0 + p1.0) / 2.0, (p0.1 + p1.1) / 2.0),
            len,
            half_len: (w + h) as f32,
            w,
            h,
        })
    }

    /// The middle of the line `off` px to the side, when it lies in the image.
    fn centre(&self, off: f32) -> Option<(f32, f32)> {
        let c = (
            self.mid.0 + self.normal.0 * off,
            self.mid.1 + self.normal.1 * off,
        );
        (c.0 >= 0.0 && c.1 >= 0.0 && c.0 <= (self.w - 1) as f32 && c.1 <= (self.h - 1) as f32)
            .then_some(c)
    }
}

/// Whether `result`, an EAN/UPC read on the line `(p0, p1)`, is contradicted there: the
/// same line or one beside it, read by another means (our edge binariser, rxing's row
/// threshold at one and at two samples per pixel), gives a different code of its symbology.
/// Lines beside a read are no independent witnesses for a 1D code (its bars run across them,
/// so a blurred or narrow module misreads alike on every row), but each binariser fails
/// on its own patterns: where one of them reads other digits at the same place, either can
/// be the wrong one (blurred UPC-E read wrong by the edge binariser and right by rxing's;
/// UPC-A at 1.4 px per module read wrong at one sample per pixel and right at two), so the
/// read is not reported from this frame. Costs a few line reads per EAN/UPC read, nothing
/// on frames without one.
pub(crate) fn contradicted(
    px: &[u8],
    w: usize,
    h: usize,
    result: &RXingResult,
    line: ScanLine,
) -> bool {
    let Some(lines) = ParallelLines::of(line, w, h) else {
        return false;
    };
    let (dir, half_len, len) = (lines.dir, lines.half_len, lines.len);
    let text = result.getText();
    // An add-on read on one line and not another is the same item.
    let differs = |other: &RXingResult| {
        let o = other.getText();
        !(o.starts_with(text) || text.starts_with(o))
    };
    let mut scanner = LineScanner::new(px, w, h, &[*result.getBarcodeFormat()]);
    // Beside the line and further along the bars (8% and 16% of the read's length; EAN/UPC
    // bars are longer than that): a misread can hold along a stretch of the bars only.
    for off in [
        0.0f32,
        3.0,
        -3.0,
        0.08 * len,
        -0.08 * len,
        0.16 * len,
        -0.16 * len,
    ] {
        let Some(centre) = lines.centre(off) else {
            continue;
        };
        scanner.reset();
        if scanner
            .read_line(centre, dir, half_len, 2)
            .is_some_and(|(other, _, _)| differs(&other))
        {
            return true;
        }
        for sampling in [(1, 0.0), (2, 0.0), (2, 0.25)] {
            scanner.reset();
            if scanner
                .read_line_histogram(centre, dir, half_len, sampling)
                .is_some_and(|other| differs(&other))
            {
                return true;
            }
        }
    }
    false
}

/// Black/white per sample from the edges of the profile rather than a threshold: defocus
/// and small modules turn a narrow space between two bars into a shallow bump that never
/// rises above a local mean. Local extrema are found with hysteresis (a swing must exceed a
/// noise floor scaled to the local contrast), and each sample is compared with the midpoint
/// of the extrema on either side of it.
fn binarize(raw: &[f32], range_k: f32) -> Option<Vec<bool>> {
    let n = raw.len();
    // Light smoothing: sensor noise at the sample rate, not bar structure.
    let mut s = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = (raw[i.saturating_sub(1)], raw[(i + 1).min(n - 1)]);
        s.push(0.25 * a + 0.5 * raw[i] + 0.25 * b);
    }
    // Local contrast per block of 32 samples, widened to the neighbouring blocks.
    const BLOCK: usize = 32;
    let blocks = n.div_ceil(BLOCK);
    let mut block_range = Vec::with_capacity(blocks);
    for chunk in s.chunks(BLOCK) {
        let (lo, hi) = chunk
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        block_range.push(hi - lo);
    }
    let spread = 2;
    let local: Vec<f32> = (0..blocks)
        .map(|b| {
            let (a, z) = (b.saturating_sub(spread), (b + spread + 1).min(blocks));
            block_range[a..z].iter().copied().fold(0.0, f32::max)
        })
        .collect();
    let total = local.iter().copied().fold(0.0, f32::max);
    if total < 12.0 {
        return None;
    }
    let delta = |i: usize| (local[i / BLOCK] * range_k).max(6.0);

    // Extrema with hysteresis: (index, value, is_max).
    let mut extrema: Vec<(usize, f32, bool)> = Vec::new();
    let (mut cand, mut cand_val) = (0usize, s[0]);
    let mut rising: Option<bool> = None;
    for (i, &v) in s.iter().enumerate().skip(1) {
        let d = delta(i);
        match rising {
            None => {
                if v > cand_val + d {
                    extrema.push((cand, cand_val, false));
                    rising = Some(true);
                    (cand, cand_val) = (i, v);
                } else if v < cand_val - d {
                    extrema.push((cand, cand_val, true));
                    rising = Some(false);
                    (cand, cand_val) = (i, v);
                }
            }
            Some(true) => {
                if v > cand_val {
                    (cand, cand_val) = (i, v);
                } else if v < cand_val - d {
                    extrema.push((cand, cand_val, true));
                    rising = Some(false);
                    (cand, cand_val) = (i, v);
                }
            }
            Some(false) => {
                if v < cand_val {
                    (cand, cand_val) = (i, v);
                } else if v > cand_val + d {
                    extrema.push((cand, cand_val, false));
                    rising = Some(true);
                    (cand, cand_val) = (i, v);
                }
            }
        }
    }
    if let Some(up) = rising {
        extrema.push((cand, cand_val, up));
    }
    if extrema.len() < 4 {
        return None;
    }
    let mut bits = vec![false; n];
    for pair in extrema.windows(2) {
        let ((i0, v0, _), (i1, v1, _)) = (pair[0], pair[1]);
        let t = (v0 + v1) / 2.0;
        for k in i0..i1 {
            bits[k] = s[k] < t;
        }
    }
    // Outside the first and last extremum: extend their side (quiet zones read white
    // unless the line starts inside a bar).
    let (first, last) = (extrema[0], extrema[extrema.len() - 1]);
    for k in 0..first.0 {
        bits[k] = !first.2 && s[k] <= first.1 + delta(k);
    }
    for k in last.0..n {
        bits[k] = !last.2 && s[k] <= last.1 + delta(k);
    }
    Some(bits)
}

/// A threshold halfway between the dark and light levels of the line (10th and 90th
/// percentile), adjusted per block of 64 samples for uneven light.
fn binarize_threshold(raw: &[f32]) -> Option<Vec<bool>> {
    const BLOCK: usize = 64;
    let mut bits = Vec::with_capacity(raw.len());
    let levels = |chunk: &[f32]| {
        let mut v = chunk.to_vec();
        v.sort_by(f32::total_cmp);
        (v[v.len() / 10], v[v.len() * 9 / 10])
    };
    let (lo, hi) = levels(raw);
    if hi - lo < 12.0 {
        return None;
    }
    for (i, chunk) in raw.chunks(BLOCK).enumerate() {
        let a = (i * BLOCK).saturating_sub(BLOCK);
        let z = ((i + 2) * BLOCK).min(raw.len());
        let (l, h) = levels(&raw[a..z]);
        // A block inside a wide quiet zone or a wide bar: fall back to the line's levels.
        let t = if h - l > (hi - lo) * 0.4 {
            (l + h) / 2.0
        } else {
            (lo + hi) / 2.0
        };
        bits.extend(chunk.iter().map(|&v| v < t));
    }
    Some(bits)
}

/// A fixed-angle sweep over the whole image for codes the region finder missed.
pub(crate) fn sweep_regions(w: usize, h: usize, angle_deg: f32, spacing: f32) -> Vec<BarRegion> {
    let a = angle_deg.to_radians();
    let across = (a.cos(), a.sin());
    let along = (-across.1, across.0);
    let centre = (w as f32 / 2.0, h as f32 / 2.0);
    let half_diag = ((w * w + h * h) as f32).sqrt() / 2.0;
    let count = (2.0 * half_diag / spacing) as i32;
    (0..=count)
        .map(|k| {
            let off = -half_diag + k as f32 * spacing;
            BarRegion {
                across,
                centre: (centre.0 + along.0 * off, centre.1 + along.1 * off),
                half_len: half_diag,
                half_height: 0.0,
                weight: 0.0,
            }
        })
        .collect()
}

/// Where along the scanned row (in the row's forward direction) the decoded symbol lies.
fn row_span(result: &rxing::RXingResult, n: usize, reversed: bool) -> (f32, f32) {
    let points = result.getPoints();
    let (a, b) = match (points.first(), points.last()) {
        (Some(a), Some(b)) => (a.x, b.x),
        _ => (0.0, n as f32),
    };
    let (a, b) = if reversed {
        (n as f32 - 1.0 - a, n as f32 - 1.0 - b)
    } else {
        (a, b)
    };
    (a.min(b), a.max(b))
}
