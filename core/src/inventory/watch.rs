//! Observable queries: a screen's query (an item's stock, a bin, the outbox) emits its result
//! now, then runs again whenever a local write or a pull touches what it reads, and emits
//! again only when the result differs. Queries are microseconds on the reader connection,
//! so re-running them per change is cheaper than tracking exactly which rows moved.

use std::sync::Arc;

use super::Changes;
use crate::error::Result;
use crate::events::{TopicUpdates, Updates};
use crate::store::{Read, Store};

/// Which part of the local copy a query reads.
#[derive(Debug, Clone)]
pub(super) enum Key {
    Warehouse(String),
    Outbox,
}

impl Key {
    fn generation(&self, changes: &Changes) -> u64 {
        match self {
            Key::Warehouse(wh) => changes.warehouses.get(wh).copied().unwrap_or(0),
            Key::Outbox => changes.outbox,
        }
    }
}

type Query<T> = dyn Fn(&Read<'_>) -> Result<T> + Send + Sync;

/// [`Updates`] of one query. Ends when the account scope closes.
pub struct QueryUpdates<T> {
    store: Arc<Store>,
    changes: TopicUpdates<Changes>,
    key: Key,
    query: Arc<Query<T>>,
    seen: Option<u64>,
    last: Option<T>,
}

impl<T> QueryUpdates<T> {
    pub(super) fn new(
        store: Arc<Store>,
        changes: TopicUpdates<Changes>,
        key: Key,
        query: impl Fn(&Read<'_>) -> Result<T> + Send + Sync + 'static,
    ) -> Self {
        QueryUpdates {
            store,
            changes,
            key,
            query: Arc::new(query),
            seen: None,
            last: None,
        }
    }
}

impl<T: Clone + PartialEq + Send + Sync + 'static> Updates for QueryUpdates<T> {
    type Item = T;

    async fn next(&mut self) -> Option<T> {
        loop {
            let changes = self.changes.next().await?;
            let generation = self.key.generation(&changes);
            if self.seen == Some(generation) {
                continue;
            }
            self.seen = Some(generation);
            let query = self.query.clone();
            match self.store.read_blocking(move |r| query(r)).await {
                Ok(value) if self.last.as_ref() != Some(&value) => {
                    self.last = Some(value.clone());
                    return Some(value);
                }
                Ok(_) => {}
                // A failed read (the disk, or the scope closing under it) is logged; the
                // next change tries again.
                Err(e) => tracing::warn!(error = %e, "observed query failed"),
            }
        }
    }
}
