//! The one tokio runtime of the process: every async call, blocking read and listener runs
//! on it, never on the caller's thread.
//!
//! Exported async functions hand their work to this runtime and await it, instead of
//! relying on the foreign executor, so Kotlin coroutines and Swift tasks share one pool.
//! When a Kotlin coroutine is cancelled, uniffi drops our future and the guard below aborts
//! the work. Swift does not drop futures on Task cancellation, so long calls also take an
//! optional [`crate::Cancellation`] that the Swift wrapper fires from its cancellation
//! handler.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::runtime::Runtime;

use crate::{Cancellation, CompanionError};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The runtime, created on first use.
pub(crate) fn runtime() -> Result<&'static Runtime, CompanionError> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Phones: a couple of workers are plenty; disk work goes to the blocking pool.
        .worker_threads(2)
        .thread_name("companion-core")
        .enable_all()
        .build()
        .map_err(|e| CompanionError::internal(format!("cannot start the async runtime: {e}")))?;
    // Two threads may race here; the loser's runtime is dropped unused.
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Runs `work` on the runtime and waits for it; dropping the returned future aborts it, and
/// so does firing `cancel` (the call then fails with `Cancelled`).
pub(crate) async fn run<T, F>(
    cancel: Option<Arc<Cancellation>>,
    work: F,
) -> Result<T, CompanionError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, CompanionError>> + Send + 'static,
{
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = runtime()?.spawn(async move {
        let result = match cancel {
            Some(cancel) => tokio::select! {
                result = work => result,
                () = cancel.cancelled() => Err(CompanionError::Cancelled),
            },
            None => work.await,
        };
        let _ = tx.send(result);
    });
    let _guard = AbortOnDrop(task);
    rx.await.unwrap_or(Err(CompanionError::Cancelled))
}

/// Runs blocking work (disk, Keystore/Keychain) on the runtime's blocking pool and waits for
/// it without blocking the caller.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, CompanionError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, CompanionError> + Send + 'static,
{
    let handle = runtime()?.spawn_blocking(work);
    handle
        .await
        .map_err(|e| CompanionError::internal(format!("background work failed: {e}")))?
}
