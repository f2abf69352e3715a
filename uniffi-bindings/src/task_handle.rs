//! Background work the app keeps alive by holding a handle: a listener, the sync loop.

use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;

/// Keeps background work running; `cancel()` or dropping the handle stops it.
///
/// Kotlin: keep it in the ViewModel and `cancel()` in `onCleared`; Swift: keep it in the
/// owning object, which cancels on deinit.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: Mutex<Option<JoinHandle<()>>>,
}

impl TaskHandle {
    pub(crate) fn new(task: JoinHandle<()>) -> Arc<Self> {
        Arc::new(TaskHandle {
            task: Mutex::new(Some(task)),
        })
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the work. Calling it again does nothing.
    pub fn cancel(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }

    /// Whether the work has ended (cancelled, or finished by itself).
    pub fn is_finished(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}
