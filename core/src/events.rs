//! State changes the shells listen to: listener in, handle out, current state first.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use companion_wire::session::Account;

/// Whether someone is signed in on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SessionState {
    SignedOut,
    SignedIn { account: Account },
}

/// Something the UI may want to redraw for.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CompanionEvent {
    /// The session changed (sign in, sign out, session expired).
    Session { state: SessionState },
    /// Inventory sync progress and the number of local movements not yet settled.
    Sync {
        status: crate::inventory::SyncStatus,
        pending: u64,
    },
}

impl CompanionEvent {
    /// Events of one kind replace each other: a new listener gets the latest of each kind.
    fn kind(&self) -> &'static str {
        match self {
            CompanionEvent::Session { .. } => "session",
            CompanionEvent::Sync { .. } => "sync",
        }
    }
}

/// Fans events out to listeners and remembers the latest state of each kind.
pub struct EventHub {
    latest: Mutex<BTreeMap<&'static str, CompanionEvent>>,
    sender: broadcast::Sender<CompanionEvent>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            latest: Mutex::new(BTreeMap::new()),
            sender: broadcast::channel(256).0,
        }
    }
}

/// A subscription: the current state, then every later event in order.
pub struct EventSubscription {
    pub current: Vec<CompanionEvent>,
    pub updates: broadcast::Receiver<CompanionEvent>,
    /// For re-reading the latest state after falling behind.
    pub hub: Arc<EventHub>,
}

impl EventHub {
    pub fn publish(&self, event: CompanionEvent) {
        // Under the lock so a concurrent subscriber sees it either in `current` or in
        // `updates`, never both and never neither.
        let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest.insert(event.kind(), event.clone());
        let _ = self.sender.send(event);
    }

    pub fn subscribe(self: &Arc<Self>) -> EventSubscription {
        let latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        EventSubscription {
            current: latest.values().cloned().collect(),
            updates: self.sender.subscribe(),
            hub: self.clone(),
        }
    }

    /// The latest events of every kind (what a lagging listener is re-sent).
    pub fn current(&self) -> Vec<CompanionEvent> {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriber_gets_current_state_then_updates() {
        let hub = Arc::new(EventHub::default());
        hub.publish(CompanionEvent::Session {
            state: SessionState::SignedOut,
        });
        let mut sub = hub.subscribe();
        assert_eq!(
            sub.current,
            vec![CompanionEvent::Session {
                state: SessionState::SignedOut
            }]
        );
        let account = Account {
            id: "a".into(),
            username: "u".into(),
            display_name: "U".into(),
            warehouses: vec![],
        };
        hub.publish(CompanionEvent::Session {
            state: SessionState::SignedIn {
                account: account.clone(),
            },
        });
        assert_eq!(
            sub.updates.try_recv().unwrap(),
            CompanionEvent::Session {
                state: SessionState::SignedIn { account }
            }
        );
        assert_eq!(
            hub.current().len(),
            1,
            "latest state replaces the previous one of its kind"
        );
    }
}
