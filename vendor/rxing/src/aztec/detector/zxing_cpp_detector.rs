/*
* Copyright 2020 Axel Waggershauser
*/
// SPDX-License-Identifier: Apache-2.0

use crate::{
    Point,
    common::{
        BitMatrix, PerspectiveTransform, Quadrilateral,
        cpp_essentials::{FindConcentricPatternCorners, FixedPattern, LocateConcentricPattern},
    },
    point,
};

const E2E: bool = true;

const COMPACT_BULLSEYE: FixedPattern<7, 7> = FixedPattern::new([1, 1, 1, 1, 1, 1, 1]);
const COMPACT_NB_CENTER_LAYERS: u32 = 5;

const FULL_BULLSEYE: FixedPattern<11, 11> = FixedPattern::new([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
const FULL_NB_CENTER_LAYERS: u32 = 7;

pub struct BullseyeMatch {
    /// Companion fix: candidate corners, best first (see `ring_corners`); the caller keeps
    /// the first whose data decodes.
    pub corners: Vec<Quadrilateral>,
    pub compact: bool,
    pub nb_center_layers: u32,
}

/// Locates the Aztec bullseye near `seed`, returning the corners just outside its outermost
/// (reference) ring
pub fn locate_bullseye(image: &BitMatrix, seed: Point) -> Option<BullseyeMatch> {
    // Smallest real Aztec symbol (compact, 1 layer) is 15x15 modules; anything smaller can't
    // possibly contain a bullseye, and would otherwise drive `range` to 0 below, which
    // `LocateConcentricPattern`'s internals assert against.
    const MIN_IMAGE_SIZE: u32 = 15;
    if image.getWidth() < MIN_IMAGE_SIZE || image.getHeight() < MIN_IMAGE_SIZE {
        return None;
    }

    let range = (image.getWidth().min(image.getHeight()) / 2) as i32;

    if let Some(m) = try_pattern::<11, 11>(
        image,
        seed,
        range,
        &FULL_BULLSEYE.into(),
        FULL_NB_CENTER_LAYERS,
        false,
    ) {
        return Some(m);
    }

    try_pattern::<7, 7>(
        image,
        seed,
        range,
        &COMPACT_BULLSEYE.into(),
        COMPACT_NB_CENTER_LAYERS,
        true,
    )
}

fn try_pattern<const LEN: usize, const SUM: usize>(
    image: &BitMatrix,
    seed: Point,
    range: i32,
    pattern: &[u16; LEN],
    nb_center_layers: u32,
    compact: bool,
) -> Option<BullseyeMatch> {
    let found = LocateConcentricPattern::<E2E, LEN, SUM>(image, pattern, seed, range)?;

    let module_size = found.size as f32 / LEN as f32;
    let half_side = nb_center_layers as f32 * module_size;
    let center = found.p;

    // Companion fix: the corners of the bull's eye as it lies in the image. An axis-aligned
    // square around the centre put the corners a module off on a symbol turned by a few
    // degrees, so the mode message and the grid were sampled off the symbol. The white ring
    // three modules out (and, for a full-range symbol, the one five out: a longer base) is
    // fitted as zxing-cpp's AZDetector does and carried out to the ring just outside the
    // bull's eye; the upright square stays as the last candidate.
    let mut corners = Vec::new();
    if !compact {
        corners.extend(ring_corners(
            image,
            center,
            found.size * 5 / 3,
            5.0,
            nb_center_layers,
        ));
    }
    corners.extend(ring_corners(
        image,
        center,
        found.size,
        3.0,
        nb_center_layers,
    ));
    corners.push(Quadrilateral::new(
        point(center.x + half_side, center.y - half_side), // top right
        point(center.x + half_side, center.y + half_side), // bottom right
        point(center.x - half_side, center.y + half_side), // bottom left
        point(center.x - half_side, center.y - half_side), // top left
    ));

    Some(BullseyeMatch {
        corners,
        compact,
        nb_center_layers,
    })
}

/// Companion fix: the centres of the four corner modules of the ring `nb_center_layers`
/// modules out, in the order [top right, bottom right, bottom left, top left] (clockwise
/// on the image), from the fitted corners of the white ring `fitted_ring` modules out: the
/// fitted ring scaled about its middle (steady when the symbol faces the camera), then
/// carried out through the perspective the fitted ring shows (a label photographed at a
/// slant; a small fitted ring's error grows on the way out, so this comes second).
fn ring_corners(
    image: &BitMatrix,
    center: Point,
    range: i32,
    fitted_ring: f32,
    nb_center_layers: u32,
) -> Vec<Quadrilateral> {
    let Some(ring) = FindConcentricPatternCorners(image, center, range, fitted_ring as i32) else {
        return Vec::new();
    };
    let mut fitted: Vec<Point> = ring.0.to_vec();
    // Clockwise with y pointing down, as rxing's diagonal walk returns them.
    let area: f32 = (0..4)
        .map(|i| Point::cross(fitted[i], fitted[(i + 1) % 4]))
        .sum();
    if area < 0.0 {
        fitted.reverse();
    }
    let (r, n) = (fitted_ring, nb_center_layers as f32);
    let middle = ring.center();
    let scaled: Vec<Point> = fitted
        .iter()
        .map(|&p| middle + (p - middle) * (n / r))
        .collect();
    let mut out = vec![starting_top_right(scaled, middle)];
    if let Ok(modules_to_image) = PerspectiveTransform::quadrilateralToQuadrilateral(
        Quadrilateral::new(point(-r, -r), point(r, -r), point(r, r), point(-r, r)),
        Quadrilateral::new(fitted[0], fitted[1], fitted[2], fitted[3]),
    ) {
        let slanted: Vec<Point> = [point(-n, -n), point(n, -n), point(n, n), point(-n, n)]
            .into_iter()
            .map(|p| modules_to_image.transform_point(p))
            .collect();
        if slanted.iter().all(|p| p.x.is_finite() && p.y.is_finite()) {
            let centre = modules_to_image.transform_point(point(0.0, 0.0));
            out.push(starting_top_right(slanted, centre));
        }
    }
    out
}

/// Corners in clockwise order, rotated to start at the one towards the top right, as the
/// axis-aligned square did.
fn starting_top_right(mut corners: Vec<Point>, middle: Point) -> Quadrilateral {
    let first = (0..4)
        .max_by(|&a, &b| {
            let ka = (corners[a] - middle).x - (corners[a] - middle).y;
            let kb = (corners[b] - middle).x - (corners[b] - middle).y;
            ka.total_cmp(&kb)
        })
        .unwrap_or(0);
    corners.rotate_left(first);
    Quadrilateral::new(corners[0], corners[1], corners[2], corners[3])
}
