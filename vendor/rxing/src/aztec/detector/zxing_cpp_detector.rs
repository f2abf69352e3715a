/*
* Copyright 2020 Axel Waggershauser
*/
// SPDX-License-Identifier: Apache-2.0

use crate::{
    Point,
    common::{
        BitMatrix, Quadrilateral,
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
    pub corners: Quadrilateral,
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
    // three modules out is fitted as zxing-cpp's AZDetector does, then scaled out to the
    // ring just outside the bull's eye; the square stays as the fallback.
    // A full symbol's white ring five modules out gives a longer base for large symbols.
    let fitted = if compact { None } else { ring_corners(image, center, found.size * 5 / 3, 5.0, nb_center_layers) };
    let corners = fitted.or_else(|| ring_corners(image, center, found.size, 3.0, nb_center_layers)).unwrap_or_else(|| {
        Quadrilateral::new(
            point(center.x + half_side, center.y - half_side), // top right
            point(center.x + half_side, center.y + half_side), // bottom right
            point(center.x - half_side, center.y + half_side), // bottom left
            point(center.x - half_side, center.y - half_side), // top left
        )
    });

    Some(BullseyeMatch {
        corners,
        compact,
        nb_center_layers,
    })
}

/// Companion fix: the centres of the four corner modules of the ring `nb_center_layers`
/// modules out, in the order [top right, bottom right, bottom left, top left] (clockwise
/// on the image), from the fitted corners of the white ring three modules out.
fn ring_corners(
    image: &BitMatrix,
    center: Point,
    range: i32,
    fitted_ring: f32,
    nb_center_layers: u32,
) -> Option<Quadrilateral> {
    let ring = FindConcentricPatternCorners(image, center, range, fitted_ring as i32)?;
    let middle = ring.center();
    let factor = nb_center_layers as f32 / fitted_ring;
    let mut corners: Vec<Point> = (0..4)
        .map(|i| middle + (ring[i] - middle) * factor)
        .collect();
    // Clockwise with y pointing down, as rxing's diagonal walk returns them.
    let area: f32 = (0..4)
        .map(|i| Point::cross(corners[i], corners[(i + 1) % 4]))
        .sum();
    if area < 0.0 {
        corners.reverse();
    }
    // Start at the corner towards the top right, as the axis-aligned square did.
    let first = (0..4)
        .max_by(|&a, &b| {
            let ka = (corners[a] - middle).x - (corners[a] - middle).y;
            let kb = (corners[b] - middle).x - (corners[b] - middle).y;
            ka.total_cmp(&kb)
        })
        .unwrap_or(0);
    corners.rotate_left(first);
    Some(Quadrilateral::new(corners[0], corners[1], corners[2], corners[3]))
}
