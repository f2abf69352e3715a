//! Notification preferences, editable offline: local edits win until the server has them,
//! then the server's copy is the truth. Every switch defaults to on.

use std::collections::BTreeMap;

use companion_wire::push::{Category, Preference, PreferencesDoc};

/// (category, warehouse) — the warehouse only for per-warehouse categories.
pub type PreferenceKey = (Category, Option<String>);

/// The phone's view of the preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreferenceSet {
    /// As last read from the server.
    pub server: BTreeMap<PreferenceKey, bool>,
    /// Edits not yet acknowledged by the server.
    pub pending: BTreeMap<PreferenceKey, bool>,
    pub server_updated_at: i64,
}

/// Why an edit is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceError {
    #[error("{0} is chosen per warehouse: name the warehouse")]
    WarehouseRequired(&'static str),
    #[error("{0} is not chosen per warehouse")]
    WarehouseNotApplicable(&'static str),
}

/// Normalises a key; a per-warehouse category needs its warehouse and others must not have one.
pub fn key(
    category: Category,
    warehouse_id: Option<&str>,
) -> Result<PreferenceKey, PreferenceError> {
    match (category.per_warehouse(), warehouse_id) {
        (true, Some(w)) if !w.is_empty() => Ok((category, Some(w.to_string()))),
        (true, _) => Err(PreferenceError::WarehouseRequired(category.as_str())),
        (false, None) => Ok((category, None)),
        (false, Some(_)) => Err(PreferenceError::WarehouseNotApplicable(category.as_str())),
    }
}

impl PreferenceSet {
    /// Whether a category (for a warehouse) is on, counting unsynced edits.
    pub fn is_enabled(&self, k: &PreferenceKey) -> bool {
        self.pending
            .get(k)
            .or_else(|| self.server.get(k))
            .copied()
            .unwrap_or(true)
    }

    /// Records an edit made on the phone (online or not).
    pub fn set_local(&mut self, k: PreferenceKey, enabled: bool) {
        if self.server.get(&k).copied().unwrap_or(true) == enabled {
            // Back to what the server has: nothing to send, unless an edit is in flight.
            if self.pending.contains_key(&k) {
                self.pending.insert(k, enabled);
            }
            return;
        }
        self.pending.insert(k, enabled);
    }

    /// The request that sends unsynced edits, if any.
    pub fn pending_doc(&self) -> Option<PreferencesDoc> {
        (!self.pending.is_empty()).then(|| PreferencesDoc {
            preferences: self
                .pending
                .iter()
                .map(|((category, warehouse_id), enabled)| Preference {
                    category: *category,
                    warehouse_id: warehouse_id.clone(),
                    enabled: *enabled,
                })
                .collect(),
            updated_at: self.server_updated_at,
        })
    }

    /// Takes the server's answer. `sent` is what was sent: those edits are done unless the
    /// user changed them again meanwhile.
    pub fn on_synced(&mut self, server: &PreferencesDoc, sent: Option<&PreferencesDoc>) {
        self.server = server
            .preferences
            .iter()
            .map(|p| ((p.category, p.warehouse_id.clone()), p.enabled))
            .collect();
        self.server_updated_at = server.updated_at;
        if let Some(sent) = sent {
            for p in &sent.preferences {
                let k = (p.category, p.warehouse_id.clone());
                if self.pending.get(&k) == Some(&p.enabled) {
                    self.pending.remove(&k);
                }
            }
        }
    }

    /// Every switch that differs from "on", as the user sees them now.
    pub fn effective(&self) -> Vec<Preference> {
        let mut all: BTreeMap<PreferenceKey, bool> = self.server.clone();
        all.extend(self.pending.iter().map(|(k, v)| (k.clone(), *v)));
        all.into_iter()
            .map(|((category, warehouse_id), enabled)| Preference {
                category,
                warehouse_id,
                enabled,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(wh: &str) -> PreferenceKey {
        key(Category::StockBelowThreshold, Some(wh)).unwrap()
    }

    #[test]
    fn keys_follow_the_category() {
        assert!(key(Category::StockBelowThreshold, None).is_err());
        assert!(key(Category::StockBelowThreshold, Some("")).is_err());
        assert!(key(Category::Approval, Some("WH")).is_err());
        assert_eq!(
            key(Category::Approval, None).unwrap(),
            (Category::Approval, None)
        );
    }

    #[test]
    fn offline_edits_win_until_synced() {
        let mut s = PreferenceSet::default();
        assert!(s.is_enabled(&stock("N")));
        s.set_local(stock("N"), false);
        assert!(!s.is_enabled(&stock("N")));
        let sent = s.pending_doc().unwrap();
        assert_eq!(sent.preferences.len(), 1);
        // Edited again while the request was in flight: that edit survives the answer.
        s.set_local((Category::Approval, None), false);
        let answer = PreferencesDoc {
            preferences: vec![Preference {
                category: Category::StockBelowThreshold,
                warehouse_id: Some("N".into()),
                enabled: false,
            }],
            updated_at: 42,
        };
        s.on_synced(&answer, Some(&sent));
        assert!(!s.is_enabled(&stock("N")));
        assert!(!s.is_enabled(&(Category::Approval, None)));
        assert_eq!(s.pending.len(), 1);
        assert_eq!(s.server_updated_at, 42);
        // A server copy changed elsewhere replaces the old one.
        s.on_synced(
            &PreferencesDoc {
                preferences: vec![],
                updated_at: 50,
            },
            None,
        );
        assert!(s.is_enabled(&stock("N")));
    }

    #[test]
    fn toggling_back_sends_nothing() {
        let mut s = PreferenceSet::default();
        s.set_local(stock("N"), true);
        assert!(s.pending_doc().is_none());
    }
}
