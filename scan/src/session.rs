//! The live-scan session behind a camera screen.
//!
//! The camera delivers 30 frames a second and a hard frame may take longer than 33 ms to
//! decode, so frames are never queued: the session keeps exactly one pending frame and a
//! newer frame replaces it (counted as dropped). Memory is therefore flat however fast
//! frames arrive: one pending copy plus the one being decoded. A code is reported once it
//! was read in `confirm_frames` frames (a misread of noise rarely repeats), then suppressed
//! while it stays in view and for `repeat_suppression_ms` after it was last seen, and looked
//! up in the local inventory when a lookup is set.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::frame::PreparedFrame;
use super::{FrameDecoder, LumaFrame, ScanError, ScanOptions, ScannedCode};

/// What the inventory knows about a scanned code. Filled by an [`ItemLookup`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScannedItem {
    pub item_id: String,
    pub name: String,
    /// The lot on the label when the store knows it.
    pub lot: Option<String>,
    /// Stock on hand in the item's unit, if the local store has it.
    pub stock_on_hand: Option<f64>,
    pub unit: Option<String>,
}

/// Looks a confirmed code up in the local store. Implemented by the inventory module.
pub trait ItemLookup: Send + Sync {
    fn lookup_code(&self, code: &ScannedCode) -> Option<ScannedItem>;
}

/// Settings of a live session.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LiveScanConfig {
    pub options: ScanOptions,
    /// Frames in which a code must be read before it is reported (1 = immediately).
    pub confirm_frames: u32,
    /// A code counts towards confirmation only if seen again within this many decoded frames
    /// (frames dropped because the decoder was busy do not count: on a phone slower than its
    /// camera every decoded frame may be several camera frames apart).
    pub confirm_window_frames: u32,
    /// After reporting a code, the same code is reported again only once it has been out of
    /// view for this long: a label held in front of the camera is reported once, however
    /// long it is held; taken away and shown again, it is reported again.
    pub repeat_suppression_ms: u32,
}

impl Default for LiveScanConfig {
    fn default() -> Self {
        Self {
            options: ScanOptions::default(),
            confirm_frames: 2,
            confirm_window_frames: 5,
            repeat_suppression_ms: 3000,
        }
    }
}

/// A confirmed code, with the inventory's view of it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScanEvent {
    pub code: ScannedCode,
    pub item: Option<ScannedItem>,
    /// Index of the frame (in submission order) that confirmed it.
    pub frame_index: u64,
}

/// Counters for the screen's diagnostics and the tests.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionStats {
    pub frames_submitted: u64,
    pub frames_decoded: u64,
    /// Frames replaced by a newer one before decoding started.
    pub frames_dropped: u64,
    pub codes_reported: u64,
    /// Events dropped because nobody polled (the queue is bounded too).
    pub events_dropped: u64,
    pub last_decode_ms: f32,
    /// Bytes held in the pending slot (at most one frame).
    pub pending_bytes: u64,
}

/// Events waiting for the shell beyond this are dropped oldest first.
const MAX_QUEUED_EVENTS: usize = 64;

struct Pending {
    frame: PreparedFrame,
    index: u64,
}

#[derive(Default)]
struct State {
    pending: Option<Pending>,
    events: VecDeque<ScanEvent>,
    stats: SessionStats,
    closed: bool,
    busy: bool,
    next_index: u64,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    idle: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters behind: keep going.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Confirmation and repeat suppression, independent of threads (unit-testable).
struct Confirmer {
    config: LiveScanConfig,
    seen: HashMap<String, (u32, u64)>,
    /// Reported codes and when each was last seen.
    reported: HashMap<String, Instant>,
}

impl Confirmer {
    fn new(config: LiveScanConfig) -> Self {
        Self {
            config,
            seen: HashMap::new(),
            reported: HashMap::new(),
        }
    }

    /// Feeds one decoded frame (`index` counts decoded frames, not camera frames); returns
    /// codes confirmed by it.
    fn feed(&mut self, index: u64, codes: Vec<ScannedCode>, now: Instant) -> Vec<ScannedCode> {
        let window = u64::from(self.config.confirm_window_frames.max(1));
        let suppress = Duration::from_millis(u64::from(self.config.repeat_suppression_ms));
        self.seen
            .retain(|_, (_, last)| index.saturating_sub(*last) <= window);
        // `reported` holds when each reported code was last seen: a code still in view keeps
        // its suppression alive (counted from the report, a label held still would be
        // reported again every few seconds, and a count taken per report would double).
        self.reported
            .retain(|_, seen_at| now.duration_since(*seen_at) < suppress);
        for code in &codes {
            if let Some(seen_at) = self.reported.get_mut(&code.text) {
                *seen_at = now;
            }
        }
        let mut confirmed = Vec::new();
        for code in codes {
            let entry = self.seen.entry(code.text.clone()).or_insert((0, index));
            if entry.1 != index || entry.0 == 0 {
                entry.0 += 1;
                entry.1 = index;
            }
            if entry.0 >= self.config.confirm_frames.max(1)
                && !self.reported.contains_key(&code.text)
            {
                self.reported.insert(code.text.clone(), now);
                self.seen.remove(&code.text);
                confirmed.push(code);
            }
        }
        confirmed
    }
}

/// A live-scan session: submit frames from the camera callback, poll events from the UI.
pub struct LiveScanSession {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl LiveScanSession {
    /// Starts the session and its decode thread.
    pub fn start(
        config: LiveScanConfig,
        lookup: Option<Arc<dyn ItemLookup>>,
    ) -> Result<Self, ScanError> {
        let decoder = FrameDecoder::new(config.options.clone())?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            idle: Condvar::new(),
        });
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("companion-scan".into())
            .spawn(move || worker_loop(&worker_shared, decoder, Confirmer::new(config), lookup))
            .map_err(|e| ScanError::InvalidOptions {
                reason: format!("cannot start scan thread: {e}"),
            })?;
        Ok(Self {
            shared,
            worker: Some(worker),
        })
    }

    /// Hands a frame to the session. Returns at once: the frame is validated and copied
    /// (the ROI only), and replaces any frame still waiting.
    pub fn submit(&self, frame: &LumaFrame<'_>) -> Result<(), ScanError> {
        let prepared = PreparedFrame::from_frame(frame)?;
        let mut state = self.shared.lock();
        let index = state.next_index;
        state.next_index += 1;
        state.stats.frames_submitted += 1;
        if state.pending.is_some() {
            state.stats.frames_dropped += 1;
        }
        state.stats.pending_bytes = prepared.pixels.len() as u64;
        state.pending = Some(Pending {
            frame: prepared,
            index,
        });
        drop(state);
        self.shared.wake.notify_one();
        Ok(())
    }

    /// Takes the confirmed codes reported since the last poll.
    pub fn poll_events(&self) -> Vec<ScanEvent> {
        self.shared.lock().events.drain(..).collect()
    }

    pub fn stats(&self) -> SessionStats {
        self.shared.lock().stats.clone()
    }

    /// Waits until the pending frame (if any) has been decoded, up to `timeout`. For tests
    /// and the CLI; a camera screen never waits.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.pending.is_some() || state.busy {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = match self.shared.idle.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// Waits up to `timeout` for confirmed codes and takes them (empty on timeout, or once
    /// the session is stopped). What a listener thread blocks on to push results to the UI.
    pub fn next_events(&self, timeout: Duration) -> Vec<ScanEvent> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.events.is_empty() && !state.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = match self.shared.idle.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.events.drain(..).collect()
    }

    /// Whether [`LiveScanSession::stop`] has been called.
    pub fn is_stopped(&self) -> bool {
        self.shared.lock().closed
    }

    /// Asks the decode thread to stop (without waiting for it) and wakes anyone waiting
    /// for events; pending frames are discarded.
    pub fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        self.shared.idle.notify_all();
    }

    /// Stops the decode thread and waits for it; pending frames are discarded.
    pub fn stop(&mut self) {
        self.close();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for LiveScanSession {
    fn drop(&mut self) {
        self.stop();
    }
}

fn worker_loop(
    shared: &Shared,
    mut decoder: FrameDecoder,
    mut confirmer: Confirmer,
    lookup: Option<Arc<dyn ItemLookup>>,
) {
    // The confirmation window is in decoded frames: the camera's index jumps over dropped ones.
    let mut decoded: u64 = 0;
    loop {
        let pending = {
            let mut state = shared.lock();
            loop {
                if state.closed {
                    return;
                }
                if let Some(pending) = state.pending.take() {
                    state.busy = true;
                    state.stats.pending_bytes = 0;
                    break pending;
                }
                state = match shared.wake.wait(state) {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
            }
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // The budget counts from the start of decoding: time spent waiting behind the
            // previous frame must not eat this frame's passes.
            decoder.decode_prepared(&pending.frame, Instant::now())
        }));
        let (codes, elapsed) = match outcome {
            Ok(outcome) => (outcome.codes, outcome.elapsed_ms),
            Err(_) => (Vec::new(), 0.0),
        };
        let confirmed = confirmer.feed(decoded, codes, Instant::now());
        decoded += 1;
        let events: Vec<ScanEvent> = confirmed
            .into_iter()
            .map(|code| {
                let item = lookup.as_ref().and_then(|l| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| l.lookup_code(&code)))
                        .ok()
                        .flatten()
                });
                ScanEvent {
                    code,
                    item,
                    frame_index: pending.index,
                }
            })
            .collect();
        let mut state = shared.lock();
        state.busy = false;
        state.stats.frames_decoded += 1;
        state.stats.last_decode_ms = elapsed;
        state.stats.codes_reported += events.len() as u64;
        for event in events {
            if state.events.len() >= MAX_QUEUED_EVENTS {
                state.events.pop_front();
                state.stats.events_dropped += 1;
            }
            state.events.push_back(event);
        }
        drop(state);
        shared.idle.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BarcodeFormat;

    fn code(text: &str) -> ScannedCode {
        ScannedCode {
            format: BarcodeFormat::Code128,
            text: text.into(),
            raw_text: text.to_string(),
            symbology_identifier: "]C0".into(),
            corners: vec![],
            gs1: vec![],
            gs1_error: None,
        }
    }

    #[test]
    fn single_frame_misread_is_not_confirmed() {
        let config = LiveScanConfig {
            confirm_frames: 3,
            confirm_window_frames: 3,
            ..LiveScanConfig::default()
        };
        let mut confirmer = Confirmer::new(config);
        let now = Instant::now();
        assert!(confirmer.feed(0, vec![code("NOISE")], now).is_empty());
        for i in 1..10 {
            assert!(confirmer.feed(i, vec![], now).is_empty());
        }
        // Seen again long after: counting starts over.
        assert!(confirmer.feed(20, vec![code("NOISE")], now).is_empty());
        assert!(confirmer.feed(21, vec![code("A-12-03-B")], now).is_empty());
        assert!(confirmer.feed(22, vec![code("A-12-03-B")], now).is_empty());
        assert_eq!(confirmer.feed(23, vec![code("A-12-03-B")], now).len(), 1);
        // Suppressed while the window lasts.
        for i in 24..30 {
            assert!(confirmer.feed(i, vec![code("A-12-03-B")], now).is_empty());
        }
        let later = now + Duration::from_secs(10);
        let mut reported = 0;
        for i in 30..33 {
            reported += confirmer.feed(i, vec![code("A-12-03-B")], later).len();
        }
        assert_eq!(reported, 1);
    }

    #[test]
    fn a_label_held_in_view_is_reported_once_and_again_after_it_left() {
        let mut confirmer = Confirmer::new(LiveScanConfig::default());
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut reported = 0;
        // Ten seconds in view at 10 decoded frames a second, well past the 3 s suppression.
        for i in 0..100u64 {
            reported += confirmer
                .feed(i, vec![code("08712345678906")], at(i * 100))
                .len();
        }
        assert_eq!(reported, 1, "held still: one report");
        // Out of view for less than the suppression, then back: the same hold.
        for i in 100..120u64 {
            assert!(confirmer.feed(i, vec![], at(i * 100)).is_empty());
        }
        for i in 120..125u64 {
            reported += confirmer
                .feed(i, vec![code("08712345678906")], at(i * 100))
                .len();
        }
        assert_eq!(reported, 1, "back after 2 s: still the same label");
        // Out of view for longer than the suppression: shown again, reported again.
        for i in 125..160u64 {
            assert!(confirmer.feed(i, vec![], at(i * 100)).is_empty());
        }
        for i in 160..165u64 {
            reported += confirmer
                .feed(i, vec![code("08712345678906")], at(i * 100))
                .len();
        }
        assert_eq!(reported, 2, "shown again after 3.5 s away");
    }
}
