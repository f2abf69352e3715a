//! Still images: a photo of a label or a delivery document, as JPEG or PNG bytes.

use std::time::Instant;

use super::frame::{MAX_IMAGE_SIDE, PreparedFrame};
use super::{DecodeOutcome, FrameDecoder, LumaFrame, ScanError, ScanOptions};

/// Decodes a PNG or JPEG file's bytes to luma. Exposed so callers can time decoding
/// separately from image loading (the CLI's `decode_ms`).
pub fn load_luma(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), ScanError> {
    let unsupported = |reason: String| ScanError::UnsupportedImage { reason };
    let format = image::guess_format(bytes).map_err(|e| unsupported(e.to_string()))?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(unsupported(format!("{format:?} is not PNG or JPEG")));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    // Bound memory before decoding: a hostile header can claim gigapixels.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let decoded = std::panic::catch_unwind(move || reader.decode())
        .map_err(|_| unsupported("decoder panicked".into()))?
        .map_err(|e| unsupported(e.to_string()))?;
    let luma = decoded.into_luma8();
    let (w, h) = luma.dimensions();
    Ok((luma.into_raw(), w, h))
}

/// Decodes a JPEG/PNG still with the `Thorough` strategy unless the options say otherwise.
pub fn decode_image_bytes(bytes: &[u8], options: ScanOptions) -> Result<DecodeOutcome, ScanError> {
    let (pixels, w, h) = load_luma(bytes)?;
    let mut decoder = FrameDecoder::new(options)?;
    let frame = LumaFrame::packed(&pixels, w, h);
    let prepared = PreparedFrame::from_frame(&frame)?;
    Ok(decoder.decode_prepared(&prepared, Instant::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_and_unknown_images_are_typed_errors() {
        let opts = ScanOptions::default();
        assert!(matches!(
            decode_image_bytes(b"not an image", opts.clone()),
            Err(ScanError::UnsupportedImage { .. })
        ));
        let mut jpeg_header = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
        jpeg_header.extend(std::iter::repeat_n(0x55, 200));
        assert!(matches!(
            decode_image_bytes(&jpeg_header, opts),
            Err(ScanError::UnsupportedImage { .. })
        ));
    }
}
