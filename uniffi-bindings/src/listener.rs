//! Listener in, handle out: events are delivered on the runtime until the handle is
//! cancelled or dropped.

use std::sync::{Arc, Mutex};

use companion_core::CompanionEvent;
use companion_core::events::EventSubscription;
use tokio::sync::broadcast::error::RecvError;

/// Receives the core's state changes. Called on a background thread: hop to the UI thread.
#[uniffi::export(foreign)]
pub trait CompanionListener: Send + Sync {
    fn on_event(&self, event: CompanionEvent);
}

/// Keeps a listener registered. Dropping it (or `cancel`) stops delivery.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

#[uniffi::export]
impl ListenerHandle {
    pub fn cancel(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

pub(crate) fn spawn(
    runtime: &tokio::runtime::Runtime,
    subscription: EventSubscription,
    listener: Arc<dyn CompanionListener>,
) -> Arc<ListenerHandle> {
    let EventSubscription {
        current,
        mut updates,
        hub,
    } = subscription;
    let task = runtime.spawn(async move {
        for event in current {
            listener.on_event(event);
        }
        loop {
            match updates.recv().await {
                Ok(event) => listener.on_event(event),
                // Too slow to keep up: states replace each other, so re-send the latest.
                Err(RecvError::Lagged(_)) => {
                    hub.current().into_iter().for_each(|e| listener.on_event(e))
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
    Arc::new(ListenerHandle {
        task: Mutex::new(Some(task)),
    })
}
