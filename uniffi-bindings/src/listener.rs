//! Listener in, handle out: events are delivered on the runtime until the handle is
//! cancelled or dropped.

use std::sync::Arc;

use companion_core::CompanionEvent;
use companion_core::events::EventSubscription;
use tokio::sync::broadcast::error::RecvError;

use crate::task_handle::TaskHandle;

/// Receives the core's state changes. Called on a background thread: hop to the UI thread.
#[uniffi::export(foreign)]
pub trait CompanionListener: Send + Sync {
    fn on_event(&self, event: CompanionEvent);
}

pub(crate) fn spawn(
    runtime: &tokio::runtime::Runtime,
    subscription: EventSubscription,
    listener: Arc<dyn CompanionListener>,
) -> Arc<TaskHandle> {
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
    TaskHandle::new(task)
}
