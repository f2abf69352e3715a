//! Dropping the outbox's pending movements, only ever at the user's explicit choice (signing
//! out with "remove data from this device", or deleting the account, with unsent work the
//! user chose not to send).

use super::Inventory;
use crate::error::Result;

impl Inventory {
    /// Removes every pending movement and its local effect, in one transaction; returns how
    /// many were dropped. Applied and rejected ones stay (they are history, not work).
    pub async fn discard_pending(&self) -> Result<i64> {
        let dropped = self
            .ctx
            .store
            .write_blocking(|w| {
                w.execute(
                    "DELETE FROM inv_effect WHERE movement_seq IN (SELECT seq FROM inv_outbox WHERE state = 'pending')",
                    [],
                )?;
                Ok(w.execute("DELETE FROM inv_outbox WHERE state = 'pending'", [])? as i64)
            })
            .await?;
        if dropped > 0 {
            tracing::info!(dropped, "pending movements discarded at the user's request");
            self.changes.update(|c| {
                for generation in c.warehouses.values_mut() {
                    *generation += 1;
                }
                c.outbox += 1;
                true
            });
            self.refresh_pending().await;
        }
        Ok(dropped)
    }
}
