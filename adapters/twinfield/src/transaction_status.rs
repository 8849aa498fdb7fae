//! Transaction status, a Twinfield-only operation of [`TwinfieldLedger`]: the REST-style status
//! read lags ProcessXml by ~30 s after a write, so a transaction this connection wrote recently
//! is read through ProcessXml (Q12).

use grootboek_core::{EntryId, Result};

use crate::ledger::{lock, TwinfieldLedger};
use crate::mapping::protocol;

impl TwinfieldLedger {
    fn written_recently(&self, id: &EntryId) -> bool {
        let now = self.cfg().runtime.clock.now();
        let window = chrono::Duration::from_std(self.cfg().read_your_writes).unwrap_or_default();
        lock(&self.written)
            .get(id)
            .is_some_and(|at| now - *at <= window)
    }

    /// A transaction's status (`temporary` / `final`). Q12: for the first minute after this
    /// connection wrote it, read through ProcessXml (the REST-style read lags ~30 s); otherwise
    /// (and with Q12 off) the REST-style status read.
    pub async fn transaction_status(&self, id: &EntryId) -> Result<String> {
        if self.cfg().defence("Q12") && self.written_recently(id) {
            let p = self.read_transaction(id).await?;
            return p
                .status
                .ok_or_else(|| protocol("a transaction read without a location"));
        }
        Ok(self.t.rest_status(id).await?.status)
    }
}
