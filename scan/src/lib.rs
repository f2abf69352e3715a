//! Barcode scanning of camera frames and still images with rxing, and the GS1 parsers.
//! A crate of its own because it imports nothing else of Companion: the core plugs the
//! offline item lookup in through [`ItemLookup`].
//!
//! - [`frame`]: the luma plane as the phone delivers it (stride, rotation, scan window).
//! - [`decode`]: the decode strategy: cheap passes first, harder passes only when they pay,
//!   a hard time budget per frame, expensive passes spread across consecutive live frames.
//! - [`session`]: the live-scan session (newest frame wins, N-frame confirmation, repeat
//!   suppression, item lookup).
//! - [`still`]: JPEG/PNG photos of labels and documents.
//! - [`bench`]: scoring against a frame set with a `manifest.json` (CLI and tests).
//! - [`gs1`]: GS1 element strings, Digital Link URIs and the PTI voice pick code.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

mod aztec_bullseye;
mod aztec_init;
mod aztec_rune;
pub mod bench;
mod databar_limited;
mod datamatrix;
pub mod decode;
pub mod frame;
pub mod gs1;
mod linear;
pub mod session;
pub mod still;

pub use decode::{DecodeOutcome, DecodeStrategy, FrameDecoder, ScanOptions};
pub use frame::{CodePoint, FrameRotation, LumaFrame, RegionOfInterest};
pub use session::{
    ItemLookup, LiveScanConfig, LiveScanSession, ScanEvent, ScannedItem, SessionStats,
};
pub use still::decode_image_bytes;

use crate::gs1::Gs1Element;

/// The symbologies the warehouse and the road use. GS1-128 is Code 128 with FNC1 and
/// ITF-14 is ITF of 14 digits; both show up as their base format with GS1 data attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BarcodeFormat {
    Ean13,
    Ean8,
    UpcA,
    UpcE,
    Code128,
    Itf,
    DataBar,
    DataBarExpanded,
    QrCode,
    DataMatrix,
    Pdf417,
    Code39,
    Aztec,
}

impl BarcodeFormat {
    /// Every supported format. MaxiCode is deliberately absent (rxing hangs on it).
    pub const ALL: [BarcodeFormat; 13] = [
        Self::Ean13,
        Self::Ean8,
        Self::UpcA,
        Self::UpcE,
        Self::Code128,
        Self::Itf,
        Self::DataBar,
        Self::DataBarExpanded,
        Self::QrCode,
        Self::DataMatrix,
        Self::Pdf417,
        Self::Code39,
        Self::Aztec,
    ];

    /// The default set for warehouse screens: EAN-8 and UPC-E are left out because short
    /// codes are where rxing's false positives come from; screens that need
    /// them enable them.
    pub fn warehouse_default() -> Vec<BarcodeFormat> {
        Self::ALL
            .iter()
            .copied()
            .filter(|f| !matches!(f, Self::Ean8 | Self::UpcE))
            .collect()
    }

    /// True for one-dimensional (row-readable) symbologies.
    pub fn is_linear(self) -> bool {
        !matches!(
            self,
            Self::QrCode | Self::DataMatrix | Self::Pdf417 | Self::Aztec
        )
    }

    /// EAN-13, UPC-A, EAN-8 and UPC-E: one family of GTINs, read by the same row decoders.
    pub(crate) fn is_ean_upc(self) -> bool {
        matches!(self, Self::Ean13 | Self::UpcA | Self::Ean8 | Self::UpcE)
    }

    /// A stable lowercase name for the CLI and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ean13 => "ean13",
            Self::Ean8 => "ean8",
            Self::UpcA => "upca",
            Self::UpcE => "upce",
            Self::Code128 => "code128",
            Self::Itf => "itf",
            Self::DataBar => "databar",
            Self::DataBarExpanded => "databar-expanded",
            Self::QrCode => "qrcode",
            Self::DataMatrix => "datamatrix",
            Self::Pdf417 => "pdf417",
            Self::Code39 => "code39",
            Self::Aztec => "aztec",
        }
    }

    /// Parses a name as printed by [`BarcodeFormat::name`] (case and `-`/`_` insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        let wanted: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let wanted = match wanted.as_str() {
            "gs1128" => "code128",
            "itf14" => "itf",
            "qr" => "qrcode",
            "databaromni" | "databarstk" | "databarstkomni" | "rss14" => "databar",
            "databarexp" | "databarexpstk" | "rssexpanded" => "databarexpanded",
            other => other,
        }
        .to_string();
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.name().replace('-', "") == wanted)
    }

    pub(crate) fn to_rxing(self) -> rxing::BarcodeFormat {
        use rxing::BarcodeFormat as R;
        match self {
            Self::Ean13 => R::EAN_13,
            Self::Ean8 => R::EAN_8,
            Self::UpcA => R::UPC_A,
            Self::UpcE => R::UPC_E,
            Self::Code128 => R::CODE_128,
            Self::Itf => R::ITF,
            Self::DataBar => R::RSS_14,
            Self::DataBarExpanded => R::RSS_EXPANDED,
            Self::QrCode => R::QR_CODE,
            Self::DataMatrix => R::DATA_MATRIX,
            Self::Pdf417 => R::PDF_417,
            Self::Code39 => R::CODE_39,
            Self::Aztec => R::AZTEC,
        }
    }

    pub(crate) fn from_rxing(format: &rxing::BarcodeFormat) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.to_rxing() == *format)
    }
}

/// One decoded barcode, ready for the screen and the overlay.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScannedCode {
    pub format: BarcodeFormat,
    /// Human-readable text; GS1 data in bracketed form `(01)...(10)...`.
    pub text: String,
    /// The payload as transmitted (GS1: the element string with GS separators), for apps
    /// that hand it on verbatim. Text, not bytes, so records compare by value on every
    /// platform (a Kotlin `ByteArray` would break `equals`).
    pub raw_text: String,
    /// ISO/IEC 15424 symbology identifier, e.g. "]C1" for GS1-128, "]E0" for EAN-13.
    pub symbology_identifier: String,
    /// Corner points in display coordinates (after rotation), for the overlay.
    pub corners: Vec<CodePoint>,
    /// Parsed GS1 element strings (empty for non-GS1 data).
    pub gs1: Vec<Gs1Element>,
    /// Why the GS1 data could not be parsed, if it claimed to be GS1.
    pub gs1_error: Option<String>,
}

impl ScannedCode {
    /// The GTIN-14 the code carries (EAN/UPC, ITF-14, AI 01/02), for item lookup.
    pub fn gtin14(&self) -> Option<String> {
        self.gs1.iter().find_map(|e| match &e.typed {
            Some(crate::gs1::Gs1Value::Gtin { gtin14 }) if e.ai == "01" => Some(gtin14.clone()),
            _ => None,
        })
    }
}

/// Errors at the scanning boundary. Bad input is a typed error, never a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScanError {
    /// The frame description does not match its bytes or is out of range.
    #[error("invalid frame: {field} {reason}")]
    InvalidFrame { field: String, reason: String },
    /// A still image could not be decoded (corrupt, unsupported or too large).
    #[error("unsupported image: {reason}")]
    UnsupportedImage { reason: String },
    /// Options that cannot work (no formats, zero budget).
    #[error("invalid scan options: {reason}")]
    InvalidOptions { reason: String },
}
