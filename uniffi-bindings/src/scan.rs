//! Barcode scanning for the shells: camera frames (the Y plane as CameraX / AVFoundation
//! deliver it, passed as `&[u8]` so Kotlin's direct ByteBuffer crosses without a copy),
//! still images, the live-scan session and the GS1 helpers.
//!
//! Types are the core's (derived with the `uniffi` feature); nothing here may panic.

use std::sync::{Arc, Mutex};

use companion_scan::gs1::{self, Gs1Element, Gs1Error, VoicePickCode};

use crate::{Companion, CompanionError};
use companion_scan::{
    DecodeOutcome, FrameDecoder, FrameRotation, LiveScanConfig, LiveScanSession, LumaFrame,
    RegionOfInterest, ScanError, ScanEvent, ScanOptions, SessionStats,
};

fn rotation(degrees: i32) -> Result<FrameRotation, ScanError> {
    FrameRotation::from_degrees(degrees).ok_or_else(|| ScanError::InvalidFrame {
        field: "rotation_degrees".into(),
        reason: format!("{degrees} is not a multiple of 90"),
    })
}

fn frame<'a>(
    data: &'a [u8],
    width: u32,
    height: u32,
    row_stride: u32,
    rotation_degrees: i32,
    roi: Option<RegionOfInterest>,
) -> Result<LumaFrame<'a>, ScanError> {
    Ok(LumaFrame {
        data,
        width,
        height,
        row_stride,
        rotation: rotation(rotation_degrees)?,
        roi,
    })
}

/// Decodes one frame with a fresh decoder (no round robin across frames). For a camera
/// screen prefer [`FrameScanner`] or [`LiveScanner`].
#[uniffi::export]
pub fn scan_luma_frame(
    data: &[u8],
    width: u32,
    height: u32,
    row_stride: u32,
    rotation_degrees: i32,
    roi: Option<RegionOfInterest>,
    options: ScanOptions,
) -> Result<DecodeOutcome, ScanError> {
    let frame = frame(data, width, height, row_stride, rotation_degrees, roi)?;
    FrameDecoder::new(options)?.decode(&frame)
}

/// Decodes a JPEG or PNG photo (a label, a delivery note).
#[uniffi::export]
pub fn scan_image_bytes(bytes: &[u8], options: ScanOptions) -> Result<DecodeOutcome, ScanError> {
    companion_scan::decode_image_bytes(bytes, options)
}

/// The default options of a warehouse camera screen.
#[uniffi::export]
pub fn default_scan_options() -> ScanOptions {
    ScanOptions::default()
}

/// The default live-session settings (2-frame confirmation, 3 s repeat suppression).
#[uniffi::export]
pub fn default_live_scan_config() -> LiveScanConfig {
    LiveScanConfig::default()
}

/// Synchronous per-screen decoder: the shell's analyzer calls it on its own thread with
/// "keep only latest" backpressure; the hard passes rotate across calls.
#[derive(uniffi::Object)]
pub struct FrameScanner {
    decoder: Mutex<FrameDecoder>,
}

#[uniffi::export]
impl FrameScanner {
    #[uniffi::constructor]
    pub fn new(options: ScanOptions) -> Result<Arc<Self>, ScanError> {
        Ok(Arc::new(Self {
            decoder: Mutex::new(FrameDecoder::new(options)?),
        }))
    }

    pub fn decode_frame(
        &self,
        data: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation_degrees: i32,
        roi: Option<RegionOfInterest>,
    ) -> Result<DecodeOutcome, ScanError> {
        let frame = frame(data, width, height, row_stride, rotation_degrees, roi)?;
        let mut decoder = self
            .decoder
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        decoder.decode(&frame)
    }
}

/// The live-scan session: `submit_frame` returns at once (newest frame wins, older pending
/// frames are dropped and counted); confirmed codes arrive via `poll_events`.
#[derive(uniffi::Object)]
pub struct LiveScanner {
    session: Mutex<LiveScanSession>,
}

#[uniffi::export]
impl LiveScanner {
    #[uniffi::constructor]
    pub fn new(config: LiveScanConfig) -> Result<Arc<Self>, ScanError> {
        // Without an account: codes only. `CompanionClient.start_live_scan` adds item lookup.
        Ok(Arc::new(Self {
            session: Mutex::new(LiveScanSession::start(config, None)?),
        }))
    }

    pub fn submit_frame(
        &self,
        data: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation_degrees: i32,
        roi: Option<RegionOfInterest>,
    ) -> Result<(), ScanError> {
        let frame = frame(data, width, height, row_stride, rotation_degrees, roi)?;
        self.lock().submit(&frame)
    }

    pub fn poll_events(&self) -> Vec<ScanEvent> {
        self.lock().poll_events()
    }

    pub fn stats(&self) -> SessionStats {
        self.lock().stats()
    }

    /// Blocks until the pending frame is decoded or `timeout_ms` passes (tests, not UI).
    pub fn wait_idle(&self, timeout_ms: u32) -> bool {
        self.lock()
            .wait_idle(std::time::Duration::from_millis(u64::from(timeout_ms)))
    }

    pub fn stop(&self) {
        self.lock().stop();
    }
}

impl LiveScanner {
    fn lock(&self) -> std::sync::MutexGuard<'_, LiveScanSession> {
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Parses GS1 data: transmitted (GS-separated, optional symbology identifier) or bracketed.
#[uniffi::export]
pub fn parse_gs1_element_string(data: String) -> Result<Vec<Gs1Element>, Gs1Error> {
    gs1::parse_element_string(&data)
}

/// Parses a GS1 Digital Link URI; `None` when it carries no GS1 primary key.
#[uniffi::export]
pub fn parse_gs1_digital_link(uri: String) -> Option<Vec<Gs1Element>> {
    gs1::parse_digital_link(&uri)
}

/// The PTI voice pick code of a produce case (GTIN-14, lot, optional date YYMMDD).
#[uniffi::export]
pub fn pti_voice_pick_code(
    gtin14: String,
    lot: String,
    date_yymmdd: Option<String>,
) -> VoicePickCode {
    gs1::voice_pick_code(&gtin14, &lot, date_yymmdd.as_deref())
}

#[uniffi::export(name = "CompanionClient")]
impl Companion {
    /// A live-scan session for the signed-in account: every confirmed code is looked up
    /// offline in the local inventory (item, lot, stock on hand) and arrives with its
    /// `ScanEvent`. `Unauthorized` when nobody is signed in; `InvalidInput` for a bad config.
    pub fn start_live_scan(
        &self,
        config: LiveScanConfig,
    ) -> Result<Arc<LiveScanner>, CompanionError> {
        let lookup = self.core().scan_item_lookup()?;
        let session = LiveScanSession::start(config, Some(lookup))?;
        Ok(Arc::new(LiveScanner {
            session: Mutex::new(session),
        }))
    }
}
