//! The one tokio runtime of the process: every async call and listener runs on it.
//!
//! Exported async functions hand their work to this runtime and await it, instead of
//! relying on the foreign executor, so Kotlin coroutines and Swift tasks share one pool.
//! When a Kotlin coroutine is cancelled, uniffi drops our future and the guard below aborts
//! the work; Swift does not drop futures on Task cancellation, so long work gets an
//! explicit cancel path where it needs one.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;

use crate::CompanionError;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The runtime, created on first use.
pub(crate) fn runtime() -> Result<&'static Runtime, CompanionError> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Phones: a couple of workers are plenty; the UI thread is never one of them.
        .worker_threads(2)
        .thread_name("companion-core")
        .enable_all()
        .build()
        .map_err(|e| CompanionError::Internal {
            detail: format!("cannot start the async runtime: {e}"),
        })?;
    // Two threads may race here; the loser's runtime is dropped unused.
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Runs `work` on the runtime and waits for it; dropping the returned future aborts it.
pub(crate) async fn run<T, F>(work: F) -> Result<T, CompanionError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, CompanionError>> + Send + 'static,
{
    struct AbortOnDrop(tokio::task::JoinHandle<Result<(), ()>>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = runtime()?.spawn(async move { tx.send(work.await).map_err(|_| ()) });
    let _guard = AbortOnDrop(task);
    rx.await.map_err(|_| CompanionError::Internal {
        detail: "background task ended unexpectedly".into(),
    })?
}
