//! Signs a checkpoint over the log, if it grew since the last one.
use super::{Cx, Write};
use crate::engine::{log_ops, EngineError};
use crate::log::checkpoint::SignedCheckpoint;

pub struct SignCheckpoint;

impl Write for SignCheckpoint {
    /// The new checkpoint; `None` when the log had not grown.
    type Reply = Option<SignedCheckpoint>;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Option<SignedCheckpoint>, EngineError> {
        log_ops::sign_checkpoint(cx.shared, cx.tx)
    }
}
