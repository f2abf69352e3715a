//! Delivery photos: camera JPEG bytes in, the JPEG that is kept and uploaded out.
//!
//! The image is decoded with the JPEG's own IDCT scaling (1/2, 1/4 or 1/8: the largest that
//! keeps at least 3/4 of the maximum edge), so a 12 MP photo decodes straight to 2000 px and a
//! 50 MP one to 2040 px, without the full-size image ever existing; what is still above the
//! maximum edge (2048 px by default) is box-averaged down. The EXIF orientation is then
//! applied to the pixels, the result re-encoded, and every metadata segment dropped
//! (APP0–APP15 and comments: EXIF with its GPS position, XMP, ICC, maker notes, thumbnails).
//! The SHA-256 is of the bytes kept, which are the bytes uploaded and sealed.
//!
//! Huge photos (50, 108, 200 MP camera modes) are therefore **downscaled in bounded memory**,
//! not refused. Refused before any pixel is decoded: more than
//! [`PhotoOptions::max_source_pixels`] (200 MP), and progressive JPEGs above
//! [`PhotoOptions::max_progressive_pixels`] (16 MP), whose decoder holds every DCT coefficient
//! at full size (about 3 bytes a pixel). Cameras write baseline JPEGs.

use std::io::Cursor;

use companion_wire::deliveries::{PhotoRef, sha256_hex};
use image::DynamicImage;
use image::metadata::Orientation;

/// How photos are processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoOptions {
    /// The longest side of the kept photo, pixels.
    pub max_edge: u32,
    /// JPEG quality of the kept photo, 1–100.
    pub quality: u8,
    /// Photos with more pixels than this are refused.
    pub max_source_pixels: u64,
    /// Progressive JPEGs with more pixels than this are refused (see the module docs).
    pub max_progressive_pixels: u64,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        PhotoOptions {
            max_edge: 2048,
            quality: 82,
            max_source_pixels: 200_000_000,
            max_progressive_pixels: 16_000_000,
        }
    }
}

/// Why a photo cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    /// The bytes are another format (`png`, `heic`, `avif`, or `unknown`).
    #[error("expected a JPEG photo, got {detected}")]
    NotJpeg { detected: String },
    /// The file ends before the image does (an interrupted write or copy).
    #[error("the JPEG is truncated")]
    Truncated,
    #[error("the JPEG is corrupt: {reason}")]
    Corrupt { reason: String },
    #[error("the JPEG has no pixels ({width}x{height})")]
    ZeroSize { width: u32, height: u32 },
    #[error(
        "the photo is {width}x{height}, more than {max_pixels} pixels for its kind: switch the camera to 12 MP"
    )]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("encoding the kept JPEG failed: {reason}")]
    Encode { reason: String },
}

/// A processed photo, ready to store, upload and seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The kept JPEG: upright, downscaled, without metadata.
    pub jpeg: Vec<u8>,
    /// Lowercase hex SHA-256 of `jpeg`.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// The camera image's stored size (before orientation).
    pub source_width: u32,
    pub source_height: u32,
}

impl ProcessedPhoto {
    /// The reference the proof record seals.
    pub fn photo_ref(&self) -> PhotoRef {
        PhotoRef {
            sha256: self.sha256.clone(),
            size: self.jpeg.len() as u64,
            width: self.width,
            height: self.height,
        }
    }
}

/// One marker segment of a JPEG header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The marker byte (`0xE1` for APP1, ...).
    pub marker: u8,
    /// Offset of the marker's `0xFF`.
    pub offset: usize,
    /// Length of the segment including its two length bytes (0 for standalone markers).
    pub len: usize,
}

/// What the header says before any pixel is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegHeader {
    pub width: u32,
    pub height: u32,
    /// Segments from SOI up to and including SOS.
    pub segments: Vec<Segment>,
    /// A progressive (SOF2/SOF6/SOF10/SOF14) frame.
    pub progressive: bool,
    /// Offset of the entropy-coded data after SOS.
    pub scan_start: usize,
}

fn sniff_other(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return "png";
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return match &bytes[8..12] {
            b"avif" | b"avis" => "avif",
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"hevm" | b"hevs"
            | b"mif1" | b"msf1" => "heic",
            _ => "unknown",
        };
    }
    "unknown"
}

/// Walks the header of a JPEG up to its first scan, with typed errors for everything that
/// is not a complete baseline/progressive JPEG.
pub fn parse_header(bytes: &[u8]) -> Result<JpegHeader, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        if bytes.len() < 3 && [0xFF, 0xD8].starts_with(&bytes[..bytes.len().min(2)]) {
            return Err(PhotoError::Truncated);
        }
        return Err(PhotoError::NotJpeg {
            detected: sniff_other(bytes).into(),
        });
    }
    let mut segments = vec![Segment {
        marker: 0xD8,
        offset: 0,
        len: 0,
    }];
    let mut size = None;
    let mut progressive = false;
    let mut i = 2;
    loop {
        if i >= bytes.len() {
            return Err(PhotoError::Truncated);
        }
        if bytes[i] != 0xFF {
            return Err(PhotoError::Corrupt {
                reason: format!("expected a marker at byte {i}"),
            });
        }
        let offset = i;
        while i < bytes.len() && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Err(PhotoError::Truncated);
        };
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => {
                segments.push(Segment {
                    marker,
                    offset,
                    len: 0,
                });
                continue;
            }
            0xD8 | 0xD9 => {
                return Err(PhotoError::Corrupt {
                    reason: format!("unexpected marker 0x{marker:02X} before the image data"),
                });
            }
            _ => {}
        }
        let Some(len_bytes) = bytes.get(i..i + 2) else {
            return Err(PhotoError::Truncated);
        };
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(PhotoError::Corrupt {
                reason: format!("segment 0x{marker:02X} has length {len}"),
            });
        }
        if i + len > bytes.len() {
            return Err(PhotoError::Truncated);
        }
        segments.push(Segment {
            marker,
            offset,
            len,
        });
        let body = &bytes[i + 2..i + len];
        // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            if body.len() < 5 {
                return Err(PhotoError::Corrupt {
                    reason: "short frame header".into(),
                });
            }
            let height = u32::from(u16::from_be_bytes([body[1], body[2]]));
            let width = u32::from(u16::from_be_bytes([body[3], body[4]]));
            size = Some((width, height));
            progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
        }
        i += len;
        if marker == 0xDA {
            let Some((width, height)) = size else {
                return Err(PhotoError::Corrupt {
                    reason: "image data before the frame header".into(),
                });
            };
            if width == 0 || height == 0 {
                return Err(PhotoError::ZeroSize { width, height });
            }
            // A complete JPEG ends with EOI after its scans; cameras may append more (MPF
            // images, vendor trailers), so any EOI after the first scan will do.
            if !bytes[i..].windows(2).any(|w| w == [0xFF, 0xD9]) {
                return Err(PhotoError::Truncated);
            }
            return Ok(JpegHeader {
                width,
                height,
                segments,
                progressive,
                scan_start: i,
            });
        }
    }
}

/// Removes every APPn (`0xE0`–`0xEF`) and COM (`0xFE`) segment from a JPEG's header.
pub fn strip_metadata(jpeg: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let header = parse_header(jpeg)?;
    let mut out = Vec::with_capacity(jpeg.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    for s in &header.segments[1..] {
        if matches!(s.marker, 0xE0..=0xEF | 0xFE) {
            continue;
        }
        // Re-emit the marker without fill bytes, then the segment as it was.
        out.extend_from_slice(&[0xFF, s.marker]);
        let body_start = jpeg[s.offset..]
            .iter()
            .position(|&b| b != 0xFF)
            .map_or(s.offset, |p| s.offset + p + 1);
        out.extend_from_slice(&jpeg[body_start..body_start + s.len]);
    }
    out.extend_from_slice(&jpeg[header.scan_start..]);
    Ok(out)
}

fn scaled(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let f = f64::from(max_edge) / f64::from(long);
    let w = ((f64::from(width) * f).round() as u32).clamp(1, max_edge);
    let h = ((f64::from(height) * f).round() as u32).clamp(1, max_edge);
    (w, h)
}

/// The EXIF orientation (1–8) in a TIFF structure (the APP1 payload after `Exif\0\0`).
pub fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let le = match tiff.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |o: usize| {
        let b = tiff.get(o..o + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |o: usize| {
        let b = tiff.get(o..o + 4)?;
        Some(if le {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let ifd = u32_at(4)? as usize;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries.min(512)).find_map(|k| {
        let e = ifd + 2 + k * 12;
        // Tag 0x0112 Orientation, type SHORT, count 1: the value sits in the entry.
        (u16_at(e)? == 0x0112 && u16_at(e + 2)? == 3)
            .then(|| u16_at(e + 8))
            .flatten()
            .filter(|v| (1..=8).contains(v))
            .map(|v| v as u8)
    })
}

fn corrupt(e: impl std::fmt::Display) -> PhotoError {
    PhotoError::Corrupt {
        reason: e.to_string(),
    }
}

/// The image decoded at 1/2, 1/4 or 1/8 scale (at least 3/4 of `max_edge` on its long
/// side), and its EXIF orientation.
fn decode_scaled(
    bytes: &[u8],
    header: &JpegHeader,
    max_edge: u32,
) -> Result<(DynamicImage, Orientation), PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    // The decoder picks the smallest IDCT scale that still reaches the request.
    let long = header.width.max(header.height);
    let target = (u64::from(max_edge) * 3 / 4).max(1);
    let request = |side: u32| {
        (u64::from(side) * target)
            .div_ceil(u64::from(long))
            .clamp(1, 65_535) as u16
    };
    let (w, h) = decoder
        .scale(request(header.width), request(header.height))
        .map_err(corrupt)?;
    let (w, h) = (u32::from(w), u32::from(h));
    decoder.set_max_decoding_buffer_size((u64::from(w) * u64::from(h) * 4) as usize);
    let raw = decoder.decode().map_err(corrupt)?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt("no frame after decoding"))?;
    let orientation = decoder
        .exif_data()
        .and_then(exif_orientation)
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms);
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(w, h, raw).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, raw).map(DynamicImage::ImageLuma8)
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            // Adobe CMYK JPEGs store inverted CMYK (print workflows, not cameras).
            let rgb: Vec<u8> = raw
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = u32::from(p[3]);
                    [0, 1, 2].map(|c| (u32::from(p[c]) * k / 255) as u8)
                })
                .collect();
            image::RgbImage::from_raw(w, h, rgb).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L16 => None,
    }
    .ok_or_else(|| corrupt("unsupported pixel format or short pixel data"))?;
    Ok((image, orientation))
}

/// Processes a camera JPEG into the photo that is kept (see the module docs).
pub fn process_photo(bytes: &[u8], options: &PhotoOptions) -> Result<ProcessedPhoto, PhotoError> {
    let header = parse_header(bytes)?;
    let pixels = u64::from(header.width) * u64::from(header.height);
    let limit = if header.progressive {
        options.max_progressive_pixels
    } else {
        options.max_source_pixels
    };
    if pixels > limit {
        return Err(PhotoError::TooLarge {
            width: header.width,
            height: header.height,
            max_pixels: limit,
        });
    }
    let max_edge = options.max_edge.max(1);
    let (image, orientation) = decode_scaled(bytes, &header, max_edge)?;
    let (w, h) = (image.width(), image.height());
    let image = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image,
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let (tw, th) = scaled(w, h, max_edge);
    let mut kept = if (tw, th) == (w, h) {
        image
    } else {
        // Box averaging over whole source pixels: fast, and no aliasing at the 2×
        // reductions of camera photos.
        image.thumbnail_exact(tw, th)
    };
    kept.apply_orientation(orientation);
    let (color, data) = match &kept {
        DynamicImage::ImageLuma8(g) => (jpeg_encoder::ColorType::Luma, g.as_raw().as_slice()),
        DynamicImage::ImageRgb8(rgb) => (jpeg_encoder::ColorType::Rgb, rgb.as_raw().as_slice()),
        _ => return Err(corrupt("unexpected pixel format")),
    };
    let mut encoded = Vec::with_capacity((kept.width() * kept.height() / 4) as usize);
    let encode_err = |e: jpeg_encoder::EncodingError| PhotoError::Encode {
        reason: e.to_string(),
    };
    jpeg_encoder::Encoder::new(&mut encoded, options.quality.clamp(1, 100))
        .encode(data, kept.width() as u16, kept.height() as u16, color)
        .map_err(encode_err)?;
    let jpeg = strip_metadata(&encoded)?;
    Ok(ProcessedPhoto {
        sha256: sha256_hex(&jpeg),
        width: kept.width(),
        height: kept.height(),
        source_width: header.width,
        source_height: header.height,
        jpeg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMERA: &[u8] = include_bytes!("../../../fixtures/pod/camera-iphone6plus-gps.jpg");

    /// A synthetic camera-like JPEG (gradients with fine texture), `w`×`h`.
    fn synthetic(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 28;
            image::Rgb([
                ((x * 255 / w) as u8).wrapping_add(n as u8),
                ((y * 255 / h) as u8).wrapping_add(n as u8),
                (((x + y) * 127 / (w + h)) as u8).wrapping_add(n as u8),
            ])
        });
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 90)
            .encode(
                img.as_raw(),
                w as u16,
                h as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .unwrap();
        out
    }

    fn app_segments(jpeg: &[u8]) -> Vec<u8> {
        parse_header(jpeg)
            .unwrap()
            .segments
            .iter()
            .map(|s| s.marker)
            .filter(|m| matches!(m, 0xE0..=0xEF | 0xFE))
            .collect()
    }

    #[test]
    fn camera_photo_is_upright_small_and_without_gps() {
        // The fixture carries EXIF GPS and orientation 6 (rotate 90° clockwise).
        let exif = exif::Reader::new()
            .read_from_container(&mut Cursor::new(CAMERA))
            .unwrap();
        assert!(
            exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_some()
        );
        assert_eq!(
            exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                .and_then(|f| f.value.get_uint(0)),
            Some(6)
        );

        // 2448 px: 1/2 scale would give 1224 (under 3/4 of 2048), so full size, then 2048.
        let kept = process_photo(CAMERA, &PhotoOptions::default()).unwrap();
        assert_eq!((kept.source_width, kept.source_height), (2448, 2448));
        assert_eq!((kept.width, kept.height), (2048, 2048));
        assert_eq!(kept.sha256, sha256_hex(&kept.jpeg));
        assert!(app_segments(&kept.jpeg).is_empty(), "metadata segment kept");
        // No EXIF at all, so no GPS: the reader finds nothing to read.
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(&kept.jpeg))
                .is_err()
        );
        assert!(!kept.jpeg.windows(4).any(|w| w == b"Exif"));
        let decoded =
            image::load_from_memory_with_format(&kept.jpeg, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (2048, 2048));
    }

    #[test]
    fn orientation_is_applied_to_the_pixels() {
        // 400×200 landscape, left half black, tagged "rotate 90° CW" (orientation 6).
        let img = image::RgbImage::from_fn(400, 200, |x, _| {
            if x < 200 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let mut plain = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 95);
        // Minimal little-endian TIFF: IFD0 with one entry, Orientation (0x0112) SHORT = 6.
        let tiff: Vec<u8> = [
            &b"II*\0\x08\0\0\0"[..],
            &[1, 0],
            &[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0],
            &[0, 0, 0, 0],
        ]
        .concat();
        image::ImageEncoder::set_exif_metadata(&mut enc, tiff).unwrap();
        enc.encode_image(&img).unwrap();
        let kept = process_photo(&plain, &PhotoOptions::default()).unwrap();
        assert_eq!((kept.width, kept.height), (200, 400));
        let out = image::load_from_memory(&kept.jpeg).unwrap().to_luma8();
        // Rotated clockwise, the black left half is now the top half.
        assert!(out.get_pixel(100, 50).0[0] < 40);
        assert!(out.get_pixel(100, 350).0[0] > 215);
        assert!(app_segments(&kept.jpeg).is_empty());
    }

    #[test]
    fn typed_errors_for_bad_input() {
        let opts = PhotoOptions::default();
        assert_eq!(process_photo(b"", &opts), Err(PhotoError::Empty));
        let mut png = Vec::new();
        image::DynamicImage::new_rgb8(4, 4)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(
            process_photo(&png, &opts),
            Err(PhotoError::NotJpeg {
                detected: "png".into()
            })
        );
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert_eq!(
            process_photo(heic, &opts),
            Err(PhotoError::NotJpeg {
                detected: "heic".into()
            })
        );
        assert_eq!(
            process_photo(b"hello", &opts),
            Err(PhotoError::NotJpeg {
                detected: "unknown".into()
            })
        );
        // Cut in the middle of the image data, and in the middle of the header.
        assert_eq!(
            process_photo(&CAMERA[..CAMERA.len() / 2], &opts),
            Err(PhotoError::Truncated)
        );
        assert_eq!(
            process_photo(&CAMERA[..5000], &opts),
            Err(PhotoError::Truncated)
        );
        // A frame header claiming 0×0.
        let mut zero = synthetic(16, 16);
        let h = parse_header(&zero).unwrap();
        let sof = h.segments.iter().find(|s| s.marker == 0xC0).unwrap();
        zero[sof.offset + 5..sof.offset + 9].fill(0);
        assert_eq!(
            process_photo(&zero, &opts),
            Err(PhotoError::ZeroSize {
                width: 0,
                height: 0
            })
        );
        // Garbage where the Huffman tables should be.
        let mut corrupt = synthetic(64, 64);
        let h = parse_header(&corrupt).unwrap();
        let dht = h.segments.iter().find(|s| s.marker == 0xC4).unwrap();
        corrupt[dht.offset + 4..dht.offset + dht.len].fill(0xEE);
        assert!(matches!(
            process_photo(&corrupt, &opts),
            Err(PhotoError::Corrupt { .. })
        ));
    }

    #[test]
    fn huge_photos_are_refused_before_decoding() {
        // A 250 MP header (20000×12500): refused from the header alone.
        let mut big = synthetic(16, 16);
        let h = parse_header(&big).unwrap();
        let sof = h.segments.iter().find(|s| s.marker == 0xC0).unwrap();
        big[sof.offset + 5..sof.offset + 7].copy_from_slice(&12_500u16.to_be_bytes());
        big[sof.offset + 7..sof.offset + 9].copy_from_slice(&20_000u16.to_be_bytes());
        assert_eq!(
            process_photo(&big, &PhotoOptions::default()),
            Err(PhotoError::TooLarge {
                width: 20_000,
                height: 12_500,
                max_pixels: 200_000_000
            })
        );
        // A 20 MP progressive header: refused (its decoder would hold 60 MB of coefficients).
        let mut prog = synthetic(16, 16);
        let h = parse_header(&prog).unwrap();
        let sof = h.segments.iter().find(|s| s.marker == 0xC0).unwrap();
        prog[sof.offset + 1] = 0xC2;
        prog[sof.offset + 5..sof.offset + 7].copy_from_slice(&4000u16.to_be_bytes());
        prog[sof.offset + 7..sof.offset + 9].copy_from_slice(&5000u16.to_be_bytes());
        assert!(matches!(
            process_photo(&prog, &PhotoOptions::default()),
            Err(PhotoError::TooLarge {
                max_pixels: 16_000_000,
                ..
            })
        ));
    }

    #[test]
    fn exif_orientation_in_both_byte_orders() {
        let le = [
            &b"II*\0\x08\0\0\0"[..],
            &[1, 0],
            &[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0],
        ]
        .concat();
        assert_eq!(exif_orientation(&le), Some(6));
        let be = [
            &b"MM\0*\0\0\0\x08"[..],
            &[0, 1],
            &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0],
        ]
        .concat();
        assert_eq!(exif_orientation(&be), Some(8));
        assert_eq!(exif_orientation(&le[..12]), None);
        assert_eq!(exif_orientation(b"garbage"), None);
    }

    #[test]
    fn a_50_mp_photo_is_downscaled_in_bounded_memory() {
        // 8160×6120 decodes at 1/4 scale (2040×1530): no full-size buffer is ever made.
        let kept = process_photo(&synthetic(8160, 6120), &PhotoOptions::default()).unwrap();
        assert_eq!((kept.width, kept.height), (2040, 1530));
        assert_eq!((kept.source_width, kept.source_height), (8160, 6120));
    }

    #[test]
    fn small_photos_are_not_upscaled() {
        let kept = process_photo(&synthetic(640, 480), &PhotoOptions::default()).unwrap();
        assert_eq!((kept.width, kept.height), (640, 480));
        let kept = process_photo(
            &synthetic(640, 480),
            &PhotoOptions {
                max_edge: 320,
                ..PhotoOptions::default()
            },
        )
        .unwrap();
        assert_eq!((kept.width, kept.height), (320, 240));
        // 12 MP decodes at 1/2 scale: 2000 px, within the 2048 px maximum, no resampling.
        let kept = process_photo(&synthetic(4000, 3000), &PhotoOptions::default()).unwrap();
        assert_eq!((kept.width, kept.height), (2000, 1500));
    }
}
