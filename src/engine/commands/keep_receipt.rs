//! Province: keeps the national node's receipt (its cosignature) for one of its checkpoints.
use super::{Cx, Write};
use crate::domain::flow::Refusal;
use crate::engine::writer::Tx;
use crate::engine::{EngineError, Shared};
use crate::log::checkpoint;
use crate::store::keys;

pub struct KeepReceipt {
    pub national_key: ed25519_dalek::VerifyingKey,
    pub national_origin: String,
    pub receipt: Vec<u8>,
}

impl Write for KeepReceipt {
    /// The size of the checkpoint the receipt confirms.
    type Reply = u64;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<u64, EngineError> {
        keep_receipt(
            cx.shared,
            cx.tx,
            &self.national_key,
            &self.national_origin,
            self.receipt,
        )
    }
}

/// On a province: keeps a receipt after checking the national cosignature over its own
/// checkpoint.
fn keep_receipt(
    shared: &Shared,
    tx: &mut Tx,
    national_key: &ed25519_dalek::VerifyingKey,
    national_origin: &str,
    receipt: Vec<u8>,
) -> Result<u64, EngineError> {
    let cp = checkpoint::verify_cosigned(
        &receipt,
        &shared.key.verifying_key(),
        &shared.origin,
        national_key,
        national_origin,
    )
    .map_err(|e| Refusal::invalid("BAD_RECEIPT", format!("receipt: {e}")))?;
    tx.put(keys::receipt(cp.size), receipt);
    Ok(cp.size)
}
