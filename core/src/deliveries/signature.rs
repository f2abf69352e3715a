//! The recipient's signature: strokes as captured on the pad are kept as vectors (they go
//! into the sealed record) and rendered to a PNG (whose SHA-256 is sealed and which the
//! receipt page shows). Rendering is deterministic: the same strokes give the same bytes.

use std::io::Cursor;

use companion_wire::deliveries::{
    MAX_PAD_SIDE, MAX_SIGNATURE_POINTS, MAX_STROKE_POINTS, MAX_STROKES, SignatureOutcome,
    SignatureStrokes, sha256_hex,
};
use image::{GrayImage, ImageFormat, Luma};

/// The rendered signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedSignature {
    pub png: Vec<u8>,
    /// Lowercase hex SHA-256 of `png`.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
}

/// Why strokes are not a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is empty")]
    Empty,
    /// A tap, not a signature: all points at one position.
    #[error("the signature is a single point")]
    SinglePoint,
    #[error("the signature pad is {width}x{height}; it must be 1 to {MAX_PAD_SIDE} units a side")]
    BadPad { width: u32, height: u32 },
    /// More than [`MAX_SIGNATURE_POINTS`] in all, [`MAX_STROKES`] strokes or
    /// [`MAX_STROKE_POINTS`] points in one stroke (the pad splits long strokes).
    #[error(
        "the signature is too long: {points} points (at most {MAX_SIGNATURE_POINTS}, {MAX_STROKE_POINTS} a stroke, {MAX_STROKES} strokes)"
    )]
    TooManyPoints { points: usize },
    #[error("encoding the signature PNG failed: {reason}")]
    Encode { reason: String },
}

/// How the PNG is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// The longest side of the PNG, pixels; larger pads are scaled down.
    pub max_edge: u32,
    /// Pen width, pixels of the PNG.
    pub pen_width: f32,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            max_edge: 800,
            pen_width: 3.0,
        }
    }
}

/// Checks that the strokes are a signature: a pad of sane size, at least two distinct
/// positions, at most [`MAX_SIGNATURE_POINTS`] points.
pub fn check(strokes: &SignatureStrokes) -> Result<(), SignatureError> {
    if strokes.width == 0
        || strokes.height == 0
        || strokes.width > MAX_PAD_SIDE
        || strokes.height > MAX_PAD_SIDE
    {
        return Err(SignatureError::BadPad {
            width: strokes.width,
            height: strokes.height,
        });
    }
    let points = strokes.point_count();
    if points == 0 {
        return Err(SignatureError::Empty);
    }
    if points > MAX_SIGNATURE_POINTS
        || strokes.strokes.len() > MAX_STROKES
        || strokes
            .strokes
            .iter()
            .any(|s| s.points.len() > MAX_STROKE_POINTS)
    {
        return Err(SignatureError::TooManyPoints { points });
    }
    let mut all = strokes.strokes.iter().flat_map(|s| &s.points);
    let first = all.next().map(|p| (p.x, p.y));
    if all.all(|p| Some((p.x, p.y)) == first) {
        return Err(SignatureError::SinglePoint);
    }
    Ok(())
}

/// Distance from `p` to the segment `a`–`b`.
fn dist_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// Draws an anti-aliased round-capped segment in black on `img`.
fn draw_segment(img: &mut GrayImage, a: (f32, f32), b: (f32, f32), radius: f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let x0 = (a.0.min(b.0) - radius - 1.0).floor().max(0.0) as u32;
    let y0 = (a.1.min(b.1) - radius - 1.0).floor().max(0.0) as u32;
    let x1 = (a.0.max(b.0) + radius + 1.0).ceil().min(w - 1.0).max(0.0) as u32;
    let y1 = (a.1.max(b.1) + radius + 1.0).ceil().min(h - 1.0).max(0.0) as u32;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let d = dist_to_segment((x as f32 + 0.5, y as f32 + 0.5), a, b);
            let coverage = (radius + 0.5 - d).clamp(0.0, 1.0);
            if coverage > 0.0 {
                let ink = (255.0 * (1.0 - coverage)).round() as u8;
                let px = img.get_pixel_mut(x, y);
                px.0[0] = px.0[0].min(ink);
            }
        }
    }
}

/// Renders the strokes to a grayscale PNG: black ink on white, the pad scaled to fit
/// `max_edge`.
pub fn render_png(
    strokes: &SignatureStrokes,
    options: &RenderOptions,
) -> Result<RenderedSignature, SignatureError> {
    check(strokes)?;
    let long = strokes.width.max(strokes.height);
    let scale = if long > options.max_edge.max(1) {
        options.max_edge.max(1) as f32 / long as f32
    } else {
        1.0
    };
    let width = ((strokes.width as f32 * scale).round() as u32).max(1);
    let height = ((strokes.height as f32 * scale).round() as u32).max(1);
    let mut img = GrayImage::from_pixel(width, height, Luma([255]));
    let radius = (options.pen_width / 2.0).max(0.5);
    for stroke in &strokes.strokes {
        let pts: Vec<(f32, f32)> = stroke
            .points
            .iter()
            .map(|p| (p.x as f32 * scale, p.y as f32 * scale))
            .collect();
        match pts.as_slice() {
            [] => {}
            [only] => draw_segment(&mut img, *only, *only, radius),
            _ => {
                for pair in pts.windows(2) {
                    draw_segment(&mut img, pair[0], pair[1], radius);
                }
            }
        }
    }
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| SignatureError::Encode {
            reason: e.to_string(),
        })?;
    Ok(RenderedSignature {
        sha256: sha256_hex(&png),
        png,
        width,
        height,
    })
}

/// The sealed outcome for a signature and its PNG (to submit with the proof).
pub fn signed(
    strokes: SignatureStrokes,
    options: &RenderOptions,
) -> Result<(SignatureOutcome, RenderedSignature), SignatureError> {
    let rendered = render_png(&strokes, options)?;
    Ok((
        SignatureOutcome::Signed {
            strokes,
            png_sha256: rendered.sha256.clone(),
        },
        rendered,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use companion_wire::deliveries::{Stroke, StrokePoint};

    fn pad(strokes: Vec<Vec<(i32, i32)>>) -> SignatureStrokes {
        SignatureStrokes {
            width: 600,
            height: 200,
            strokes: strokes
                .into_iter()
                .map(|pts| Stroke {
                    points: pts
                        .into_iter()
                        .enumerate()
                        .map(|(i, (x, y))| StrokePoint {
                            x,
                            y,
                            t_ms: i as u32 * 16,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn strokes_render_to_a_deterministic_png() {
        let sig = pad(vec![
            vec![(20, 150), (120, 40), (200, 160), (300, 50)],
            vec![(350, 100), (580, 100)],
        ]);
        let a = render_png(&sig, &RenderOptions::default()).unwrap();
        let b = render_png(&sig, &RenderOptions::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.width, a.height), (600, 200));
        assert_eq!(a.sha256, sha256_hex(&a.png));
        let img = image::load_from_memory_with_format(&a.png, ImageFormat::Png)
            .unwrap()
            .to_luma8();
        // Ink on the horizontal stroke, paper away from it.
        assert!(img.get_pixel(450, 100).0[0] < 30);
        assert!(img.get_pixel(450, 180).0[0] == 255);
        let (outcome, _) = signed(sig.clone(), &RenderOptions::default()).unwrap();
        assert!(
            matches!(outcome, SignatureOutcome::Signed { png_sha256, .. } if png_sha256 == a.sha256)
        );
    }

    #[test]
    fn large_pads_are_scaled_down() {
        let mut sig = pad(vec![vec![(0, 0), (1600, 400)]]);
        sig.width = 1600;
        sig.height = 400;
        let r = render_png(&sig, &RenderOptions::default()).unwrap();
        assert_eq!((r.width, r.height), (800, 200));
    }

    #[test]
    fn empty_and_single_point_are_errors() {
        let opts = RenderOptions::default();
        assert_eq!(render_png(&pad(vec![]), &opts), Err(SignatureError::Empty));
        assert_eq!(
            render_png(&pad(vec![vec![]]), &opts),
            Err(SignatureError::Empty)
        );
        assert_eq!(
            render_png(&pad(vec![vec![(5, 5)]]), &opts),
            Err(SignatureError::SinglePoint)
        );
        // A tap sampled several times at one spot is still one point.
        assert_eq!(
            render_png(&pad(vec![vec![(5, 5), (5, 5)], vec![(5, 5)]]), &opts),
            Err(SignatureError::SinglePoint)
        );
        let mut bad = pad(vec![vec![(1, 1), (2, 2)]]);
        bad.width = 0;
        assert_eq!(
            render_png(&bad, &opts),
            Err(SignatureError::BadPad {
                width: 0,
                height: 200
            })
        );
        let long = pad(vec![(0..801).map(|i| (i % 600, i % 200)).collect()]);
        assert_eq!(
            render_png(&long, &opts),
            Err(SignatureError::TooManyPoints { points: 801 })
        );
        let many = pad((0..25).map(|i| vec![(i, 0), (i, 9)]).collect());
        assert_eq!(
            render_png(&many, &opts),
            Err(SignatureError::TooManyPoints { points: 50 })
        );
    }
}
