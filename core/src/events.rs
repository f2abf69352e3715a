//! State that the UI observes: a [`Topic`] holds the latest value of one kind of state (the
//! session, a sync's status, ...) and hands every subscriber the current value first, then
//! each change. Each component owns its topics; this module knows none of them.
//!
//! States replace each other, so a subscriber that falls behind skips to the latest value
//! instead of queueing stale ones (a progress bar wants the newest figure, not every one).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use companion_core::events::{Topic, Updates};
//! let topic = Topic::new(0u32);
//! let mut updates = topic.subscribe();
//! assert_eq!(updates.next().await, Some(0)); // the current value first
//! topic.publish(7);
//! assert_eq!(updates.next().await, Some(7));
//! # });
//! ```

use std::future::Future;

use tokio::sync::watch;

/// A stream of values for one observer: the current value first, then every change, until
/// its source is gone (the account signed out, for account state).
pub trait Updates: Send + 'static {
    type Item: Send + 'static;

    /// The next value; `None` once the source has ended.
    fn next(&mut self) -> impl Future<Output = Option<Self::Item>> + Send;
}

/// The latest value of one kind of state, observable.
#[derive(Debug)]
pub struct Topic<T> {
    sender: watch::Sender<T>,
}

impl<T: Clone + Send + Sync + 'static> Topic<T> {
    pub fn new(initial: T) -> Self {
        Topic {
            sender: watch::Sender::new(initial),
        }
    }

    /// Replaces the value and wakes every subscriber.
    pub fn publish(&self, value: T) {
        self.sender.send_replace(value);
    }

    /// Changes the value in place; subscribers are woken only when `change` returns true.
    pub fn update(&self, change: impl FnOnce(&mut T) -> bool) {
        self.sender.send_if_modified(change);
    }

    pub fn current(&self) -> T {
        self.sender.borrow().clone()
    }

    pub fn subscribe(&self) -> TopicUpdates<T> {
        TopicUpdates {
            receiver: self.sender.subscribe(),
            started: false,
        }
    }
}

/// [`Updates`] of a [`Topic`].
#[derive(Debug)]
pub struct TopicUpdates<T> {
    receiver: watch::Receiver<T>,
    started: bool,
}

impl<T: Clone + Send + Sync + 'static> Updates for TopicUpdates<T> {
    type Item = T;

    async fn next(&mut self) -> Option<T> {
        if self.started {
            self.receiver.changed().await.ok()?;
        }
        self.started = true;
        Some(self.receiver.borrow_and_update().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn current_value_first_then_the_latest_change() {
        let topic = Topic::new("signed out");
        let mut updates = topic.subscribe();
        assert_eq!(updates.next().await, Some("signed out"));
        topic.publish("a");
        topic.publish("b");
        // A slow observer skips to the latest state.
        assert_eq!(updates.next().await, Some("b"));
        topic.update(|_| false);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), updates.next())
                .await
                .is_err(),
            "an unchanged value wakes nobody"
        );
        drop(topic);
        assert_eq!(updates.next().await, None, "the source ended");
    }
}
