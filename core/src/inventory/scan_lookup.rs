//! The scanner's item lookup over the local inventory: a confirmed code (EAN/UPC, ITF-14,
//! GS1-128 or DataMatrix with `(01)` GTIN and `(10)` lot) resolves offline to the item and its
//! displayed stock, on the reader connection (never blocked by a sync).

use std::sync::Arc;

use super::reads;
use crate::error::Result;
use crate::store::Store;
use companion_scan::{ItemLookup, ScannedCode, ScannedItem};

/// [`ItemLookup`] backed by an account's store.
pub(crate) struct StoreItemLookup {
    store: Arc<Store>,
}

impl StoreItemLookup {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        StoreItemLookup { store }
    }
}

fn element<'a>(code: &'a ScannedCode, ai: &str) -> Option<&'a str> {
    code.gs1
        .iter()
        .find(|e| e.ai == ai && e.issue.is_none())
        .map(|e| e.value.as_str())
}

impl ItemLookup for StoreItemLookup {
    fn lookup_code(&self, code: &ScannedCode) -> Option<ScannedItem> {
        let key = element(code, "01").unwrap_or(code.text.as_str());
        let lot = element(code, "10").map(str::to_string);
        let result: Result<Option<ScannedItem>> = self.store.read(|c| {
            let Some(item) = reads::items_by_code(c, key)?.into_iter().next() else {
                return Ok(None);
            };
            let stock = reads::item_stock(c, item)?;
            let on_hand: i64 = match &lot {
                Some(lot) => stock
                    .lines
                    .iter()
                    .filter(|l| &l.lot_id == lot)
                    .map(|l| l.qty)
                    .sum(),
                None => stock.total_qty,
            };
            Ok(Some(ScannedItem {
                item_id: stock.item.item_id.clone(),
                name: stock.item.name.clone(),
                lot: lot.clone(),
                stock_on_hand: Some(on_hand as f64),
                unit: Some(stock.item.unit.clone()),
            }))
        });
        result.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "scan lookup failed");
            None
        })
    }
}
