//! Camera frame input: the luma (Y) plane as Android's `ImageProxy` and iOS's
//! `CVPixelBuffer` plane 0 deliver it, validated before any decoder sees it.

use super::ScanError;

/// Largest side of a still image the image decoder will allocate for (a hostile PNG header
/// can claim gigapixels). Camera frames have no size limit: their buffer is already in
/// memory, and any size that matches its buffer is input.
pub const MAX_IMAGE_SIDE: u32 = 16384;

/// How far the sensor image must be turned clockwise to appear upright on screen
/// (CameraX `imageInfo.rotationDegrees`, iOS video orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FrameRotation {
    #[default]
    Deg0,
    Deg90,
    Deg180,
    Deg270,
}

impl FrameRotation {
    /// Maps degrees (any multiple of 90, also negative) to a rotation.
    pub fn from_degrees(degrees: i32) -> Option<Self> {
        match degrees.rem_euclid(360) {
            0 => Some(Self::Deg0),
            90 => Some(Self::Deg90),
            180 => Some(Self::Deg180),
            270 => Some(Self::Deg270),
            _ => None,
        }
    }
}

/// The on-screen scan window, in display (upright) pixel coordinates of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RegionOfInterest {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// A point in display coordinates (after rotation), for the overlay.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CodePoint {
    pub x: f32,
    pub y: f32,
}

/// A borrowed luma plane. Rows are `row_stride` bytes apart; the last row may stop right
/// after `width` bytes, as Android's Y plane buffer does.
#[derive(Debug, Clone, Copy)]
pub struct LumaFrame<'a> {
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
    pub row_stride: u32,
    pub rotation: FrameRotation,
    pub roi: Option<RegionOfInterest>,
}

impl<'a> LumaFrame<'a> {
    /// A tightly packed, upright frame (stride = width, no rotation, no ROI).
    pub fn packed(data: &'a [u8], width: u32, height: u32) -> Self {
        Self {
            data,
            width,
            height,
            row_stride: width,
            rotation: FrameRotation::Deg0,
            roi: None,
        }
    }
}

/// A frame checked and copied into a contiguous buffer (only the ROI), in sensor
/// orientation, with what it takes to map decoder coordinates back to the display.
#[derive(Debug, Clone)]
pub(crate) struct PreparedFrame {
    pub pixels: Vec<u8>,
    pub width: usize,
    pub height: usize,
    /// Top-left of the crop in sensor coordinates.
    origin: (f32, f32),
    sensor_size: (f32, f32),
    rotation: FrameRotation,
}

fn invalid(field: &str, reason: impl Into<String>) -> ScanError {
    ScanError::InvalidFrame {
        field: field.to_string(),
        reason: reason.into(),
    }
}

impl PreparedFrame {
    /// Validates `frame` and copies the region to decode. The copy is one pass over at
    /// most the frame's pixels; the decoders need a packed buffer anyway.
    pub fn from_frame(frame: &LumaFrame<'_>) -> Result<Self, ScanError> {
        // Any size is input: a single row of a linear code, a 15 px DataMatrix crop, a
        // 50 MP photo. Only a buffer that contradicts its own description is an error.
        let (w, h, stride) = (frame.width, frame.height, frame.row_stride);
        if w > 0 && h > 0 {
            if stride < w {
                return Err(invalid(
                    "row_stride",
                    format!("{stride} is smaller than width {w}"),
                ));
            }
            let needed = u64::from(stride) * u64::from(h - 1) + u64::from(w);
            if (frame.data.len() as u64) < needed {
                return Err(invalid(
                    "data",
                    format!("{} bytes, frame needs at least {needed}", frame.data.len()),
                ));
            }
        }
        let (sx, sy, cw, ch) = match frame.roi {
            None => (0, 0, w, h),
            Some(roi) => roi_to_sensor(roi, w, h, frame.rotation)?,
        };
        let (stride, sx, sy, cw, ch) = (
            stride as usize,
            sx as usize,
            sy as usize,
            cw as usize,
            ch as usize,
        );
        let mut pixels = Vec::with_capacity(cw * ch);
        for row in (sy..sy + ch).filter(|_| cw > 0) {
            let start = row * stride + sx;
            pixels.extend_from_slice(&frame.data[start..start + cw]);
        }
        Ok(Self {
            pixels,
            width: cw,
            height: ch,
            origin: (sx as f32, sy as f32),
            sensor_size: (w as f32, h as f32),
            rotation: frame.rotation,
        })
    }

    /// Maps a point in this buffer's coordinates to display coordinates.
    pub fn to_display(&self, x: f32, y: f32) -> CodePoint {
        let (x, y) = (x + self.origin.0, y + self.origin.1);
        let (w, h) = self.sensor_size;
        let (x, y) = match self.rotation {
            FrameRotation::Deg0 => (x, y),
            FrameRotation::Deg90 => (h - y, x),
            FrameRotation::Deg180 => (w - x, h - y),
            FrameRotation::Deg270 => (y, w - x),
        };
        CodePoint { x, y }
    }
}

/// Converts a display-space ROI to a sensor-space rectangle, checking it fits.
fn roi_to_sensor(
    roi: RegionOfInterest,
    w: u32,
    h: u32,
    rotation: FrameRotation,
) -> Result<(u32, u32, u32, u32), ScanError> {
    let (dw, dh) = match rotation {
        FrameRotation::Deg90 | FrameRotation::Deg270 => (h, w),
        _ => (w, h),
    };
    let right = u64::from(roi.left) + u64::from(roi.width);
    let bottom = u64::from(roi.top) + u64::from(roi.height);
    if right > u64::from(dw) || bottom > u64::from(dh) {
        return Err(invalid(
            "roi",
            format!("extends outside the {dw}x{dh} display frame"),
        ));
    }
    let (l, t, r, b) = (roi.left, roi.top, right as u32, bottom as u32);
    // Inverse of PreparedFrame::to_display, applied to the rectangle's edges.
    Ok(match rotation {
        FrameRotation::Deg0 => (l, t, r - l, b - t),
        FrameRotation::Deg90 => (t, h - r, b - t, r - l),
        FrameRotation::Deg180 => (w - r, h - b, r - l, b - t),
        FrameRotation::Deg270 => (w - b, l, b - t, r - l),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn android_short_last_row_is_accepted() {
        let (w, h, stride) = (64u32, 40u32, 80u32);
        let data = vec![7u8; (stride * (h - 1) + w) as usize];
        let frame = LumaFrame {
            row_stride: stride,
            ..LumaFrame::packed(&data, w, h)
        };
        let prepared = PreparedFrame::from_frame(&frame).unwrap();
        assert_eq!((prepared.width, prepared.height), (64, 40));
    }

    #[test]
    fn bad_frames_are_typed_errors() {
        let data = vec![0u8; 100 * 100];
        let check = |frame: LumaFrame<'_>, field: &str| match PreparedFrame::from_frame(&frame) {
            Err(ScanError::InvalidFrame { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected InvalidFrame({field}), got {other:?}"),
        };
        check(LumaFrame::packed(&data, 100_000, 10), "data");
        check(LumaFrame::packed(&data, 1, 10_001), "data");
        check(
            LumaFrame {
                row_stride: 50,
                ..LumaFrame::packed(&data, 100, 100)
            },
            "row_stride",
        );
        check(LumaFrame::packed(&data[..500], 100, 100), "data");
        let roi = RegionOfInterest {
            left: 90,
            top: 0,
            width: 40,
            height: 40,
        };
        check(
            LumaFrame {
                roi: Some(roi),
                ..LumaFrame::packed(&data, 100, 100)
            },
            "roi",
        );
    }

    #[test]
    fn any_size_that_fits_its_buffer_is_input() {
        let data = vec![0u8; 100 * 100];
        for (w, h) in [
            (0, 0),
            (0, 10),
            (10, 0),
            (1, 1),
            (69, 1),
            (1, 518),
            (15, 15),
            (100, 100),
        ] {
            let prepared = PreparedFrame::from_frame(&LumaFrame::packed(&data, w, h))
                .unwrap_or_else(|e| panic!("{w}x{h}: {e}"));
            assert_eq!(prepared.pixels.len(), (w * h) as usize);
        }
        let tiny = RegionOfInterest {
            left: 3,
            top: 4,
            width: 8,
            height: 1,
        };
        let frame = LumaFrame {
            roi: Some(tiny),
            ..LumaFrame::packed(&data, 100, 100)
        };
        let prepared = PreparedFrame::from_frame(&frame).expect("a tiny ROI is input");
        assert_eq!((prepared.width, prepared.height), (8, 1));
    }

    #[test]
    fn roi_and_points_follow_rotation() {
        // Sensor 200x100, displayed rotated 90: display is 100x200.
        let data: Vec<u8> = (0..200 * 100).map(|i| (i % 251) as u8).collect();
        let roi = RegionOfInterest {
            left: 10,
            top: 20,
            width: 50,
            height: 60,
        };
        let frame = LumaFrame {
            rotation: FrameRotation::Deg90,
            roi: Some(roi),
            ..LumaFrame::packed(&data, 200, 100)
        };
        let prepared = PreparedFrame::from_frame(&frame).unwrap();
        assert_eq!((prepared.width, prepared.height), (60, 50));
        let top_left = prepared.to_display(0.0, prepared.height as f32);
        assert_eq!((top_left.x, top_left.y), (10.0, 20.0));
        let bottom_right = prepared.to_display(prepared.width as f32, 0.0);
        assert_eq!((bottom_right.x, bottom_right.y), (60.0, 80.0));
    }
}
