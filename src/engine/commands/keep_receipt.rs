//! Province: keeps the national node's receipt (its cosignature) for one of its checkpoints.
use super::{Cx, Write};
use crate::engine::{federation, EngineError};

pub struct KeepReceipt {
    pub national_key: ed25519_dalek::VerifyingKey,
    pub national_origin: String,
    pub receipt: Vec<u8>,
}

impl Write for KeepReceipt {
    /// The size of the checkpoint the receipt confirms.
    type Reply = u64;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<u64, EngineError> {
        federation::keep_receipt(
            cx.shared,
            cx.tx,
            &self.national_key,
            &self.national_origin,
            self.receipt,
        )
    }
}
