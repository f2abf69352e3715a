//! Barcode scanning for the apps: camera frames (the Y plane as CameraX / AVFoundation
//! deliver it, passed as `&[u8]` so Kotlin's direct ByteBuffer crosses without a copy),
//! photos, the live-scan session with results pushed to a listener, and the GS1 helpers.
//!
//! Kotlin:
//! ```kotlin
//! val live = client.scanner().startLive(client.scanner().defaultLiveConfig(), listener)
//! // in the CameraX analyzer (its own thread, "keep only latest"):
//! live.submitFrame(image.planes[0].buffer, image.width, image.height, rowStride, rotation, roi)
//! ```

use std::sync::{Arc, Mutex};

use companion_scan::gs1::{self, Gs1Element, VoicePickCode};
use companion_scan::{
    DecodeOutcome, FrameDecoder, FrameRotation, LiveScanConfig, LiveScanSession, LumaFrame,
    RegionOfInterest, ScanError, ScanOptions, SessionStats,
};

use crate::streams::LiveScanListener;
use crate::{CompanionError, runtime};

fn frame<'a>(
    data: &'a [u8],
    width: u32,
    height: u32,
    row_stride: u32,
    rotation_degrees: i32,
    roi: Option<RegionOfInterest>,
) -> Result<LumaFrame<'a>, ScanError> {
    let rotation =
        FrameRotation::from_degrees(rotation_degrees).ok_or_else(|| ScanError::InvalidFrame {
            field: "rotation_degrees".into(),
            reason: format!("{rotation_degrees} is not a multiple of 90"),
        })?;
    Ok(LumaFrame {
        data,
        width,
        height,
        row_stride,
        rotation,
        roi,
    })
}

/// Scanning: decoders for camera frames and photos, live sessions, GS1 parsing.
#[derive(uniffi::Object)]
pub struct Scanner {
    /// With a client, live sessions look confirmed codes up in the signed-in account's stock.
    core: Option<Arc<companion_core::Companion>>,
}

impl Scanner {
    pub(crate) fn new(core: Option<Arc<companion_core::Companion>>) -> Self {
        Scanner { core }
    }
}

#[uniffi::export]
impl Scanner {
    /// A scanner without an account: codes only, no item lookup.
    #[uniffi::constructor(name = "standalone")]
    pub fn standalone() -> Arc<Self> {
        Arc::new(Scanner { core: None })
    }

    /// The options of a warehouse camera screen. Cheap.
    pub fn default_options(&self) -> ScanOptions {
        ScanOptions::default()
    }

    /// Live-session defaults (2-frame confirmation, 3 s repeat suppression). Cheap.
    pub fn default_live_config(&self) -> LiveScanConfig {
        LiveScanConfig::default()
    }

    /// A decoder for one camera screen, called from the camera's analysis thread.
    pub fn frame_decoder(&self, options: ScanOptions) -> Result<Arc<FrameScanner>, CompanionError> {
        Ok(Arc::new(FrameScanner {
            decoder: Mutex::new(FrameDecoder::new(options)?),
        }))
    }

    /// Decodes a JPEG or PNG photo (a label, a delivery note), thoroughly.
    pub async fn decode_image(
        &self,
        bytes: Vec<u8>,
        options: ScanOptions,
    ) -> Result<DecodeOutcome, CompanionError> {
        runtime::blocking(move || Ok(companion_scan::decode_image_bytes(&bytes, options)?)).await
    }

    /// Starts a live session: frames go in with `submit_frame` (newest wins), and each
    /// confirmed code reaches `listener` with the item it resolves to in the signed-in
    /// account's stock (none without an account). Stops with `stop()` or when dropped.
    pub fn start_live(
        &self,
        config: LiveScanConfig,
        listener: Arc<dyn LiveScanListener>,
    ) -> Result<Arc<LiveScanner>, CompanionError> {
        let lookup = self
            .core
            .as_ref()
            .and_then(|core| core.inventory().ok())
            .map(|inventory| inventory.scan_lookup());
        let session = Arc::new(LiveScanSession::start(config, lookup)?);
        let deliver = session.clone();
        // A thread of its own: it blocks on the session, never on the async workers.
        std::thread::Builder::new()
            .name("companion-scan-events".into())
            .spawn(move || {
                while !deliver.is_stopped() {
                    for event in deliver.next_events(std::time::Duration::from_millis(250)) {
                        listener.on_scan(event);
                    }
                }
                listener.on_end();
            })
            .map_err(|e| CompanionError::internal(format!("cannot start scan listener: {e}")))?;
        Ok(Arc::new(LiveScanner { session }))
    }

    /// Parses GS1 data: transmitted (GS-separated, optional symbology identifier) or
    /// bracketed. Cheap.
    pub fn parse_gs1(&self, data: String) -> Result<Vec<Gs1Element>, CompanionError> {
        Ok(gs1::parse_element_string(&data)?)
    }

    /// Parses a GS1 Digital Link URI; `None` when it carries no GS1 primary key. Cheap.
    pub fn parse_gs1_digital_link(&self, uri: String) -> Option<Vec<Gs1Element>> {
        gs1::parse_digital_link(&uri)
    }

    /// The PTI voice pick code of a produce case (GTIN-14, lot, optional date YYMMDD). Cheap.
    pub fn pti_voice_pick_code(
        &self,
        gtin14: String,
        lot: String,
        date_yymmdd: Option<String>,
    ) -> VoicePickCode {
        gs1::voice_pick_code(&gtin14, &lot, date_yymmdd.as_deref())
    }
}

/// A per-screen decoder: the camera analyzer calls it on its own thread with "keep only
/// latest" backpressure; the expensive passes rotate across calls, each call within the
/// options' frame budget. Never call it on the main thread.
#[derive(uniffi::Object)]
pub struct FrameScanner {
    decoder: Mutex<FrameDecoder>,
}

#[uniffi::export]
impl FrameScanner {
    pub fn decode_frame(
        &self,
        data: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation_degrees: i32,
        roi: Option<RegionOfInterest>,
    ) -> Result<DecodeOutcome, CompanionError> {
        let frame = frame(data, width, height, row_stride, rotation_degrees, roi)?;
        let mut decoder = self
            .decoder
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(decoder.decode(&frame)?)
    }
}

/// A running live-scan session.
#[derive(uniffi::Object)]
pub struct LiveScanner {
    session: Arc<LiveScanSession>,
}

#[uniffi::export]
impl LiveScanner {
    /// Hands a frame over and returns at once (the scan window is copied; a frame still
    /// waiting is replaced and counted as dropped). Cheap: call it from the camera callback.
    pub fn submit_frame(
        &self,
        data: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation_degrees: i32,
        roi: Option<RegionOfInterest>,
    ) -> Result<(), CompanionError> {
        let frame = frame(data, width, height, row_stride, rotation_degrees, roi)?;
        Ok(self.session.submit(&frame)?)
    }

    /// Frames submitted, decoded, dropped; codes reported. Cheap.
    pub fn stats(&self) -> SessionStats {
        self.session.stats()
    }

    /// Waits until the frame handed over last is decoded, up to `timeout_ms` (tests, not UI).
    pub fn wait_idle(&self, timeout_ms: u32) -> bool {
        self.session
            .wait_idle(std::time::Duration::from_millis(u64::from(timeout_ms)))
    }

    /// Stops decoding; the listener gets `on_end`.
    pub fn stop(&self) {
        self.session.close();
    }
}

impl Drop for LiveScanner {
    fn drop(&mut self) {
        self.session.close();
    }
}
