//! Explicit cancellation for long calls, for Swift: a cancelled Swift `Task` does not drop
//! the Rust future, so the Swift wrapper passes a `Cancellation` and fires it from
//! `withTaskCancellationHandler`. Kotlin needs none (a cancelled coroutine drops the call),
//! but may use it too.
//!
//! Swift:
//! ```swift
//! let cancellation = Cancellation()
//! let report = try await withTaskCancellationHandler {
//!     try await inventory.sync(cancellation: cancellation)
//! } onCancel: { cancellation.cancel() }
//! ```

use tokio::sync::watch;

/// A one-shot cancel signal for a long call (sync, download, upload, export).
#[derive(uniffi::Object)]
pub struct Cancellation {
    fired: watch::Sender<bool>,
}

impl Default for Cancellation {
    fn default() -> Self {
        Cancellation {
            fired: watch::Sender::new(false),
        }
    }
}

#[uniffi::export]
impl Cancellation {
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the call it was passed to (it fails with `Cancelled`). Idempotent.
    pub fn cancel(&self) {
        self.fired.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.fired.borrow()
    }
}

impl Cancellation {
    pub(crate) async fn cancelled(&self) {
        let mut rx = self.fired.subscribe();
        let _ = rx.wait_for(|fired| *fired).await;
    }
}
