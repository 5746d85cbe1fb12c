//! The engine's commands, one file each: its request (the type), its reply
//! ([`Write::Reply`]), its rules and its store writes. Each runs on the writer thread inside a
//! transaction whose writes are kept only if it succeeds; shared steps (appending events,
//! storing an application's state, counters) are methods on `Tx` in `steps`.
mod advance_clock;
mod correct_record;
mod create_token;
mod flow;
mod follow;
mod host;
mod idempotent;
mod import;
mod ingest;
mod keep_receipt;
mod put_attachment;
mod revoke_record;
mod revoke_token;
mod sign_checkpoint;
mod sweep;
mod trust;

pub use super::backup::{BeginBackup, RecordBackup};
pub use super::write::{Cx, Write};
pub use advance_clock::AdvanceClock;
pub use correct_record::CorrectRecord;
pub use create_token::CreateToken;
pub use flow::{Applied, FlowStep};
pub use follow::Follow;
pub use host::Host;
pub use import::Import;
pub use ingest::Ingest;
pub use keep_receipt::KeepReceipt;
pub use put_attachment::{Attachment, PutAttachment};
pub use revoke_record::RevokeRecord;
pub use revoke_token::RevokeToken;
pub use sign_checkpoint::SignCheckpoint;
pub use sweep::{Sweep, Swept};
pub use trust::Trust;

use crate::domain::flow::Refusal;
use crate::domain::types::{Actor, Role};

pub(crate) fn require_admin(actor: &Actor) -> Result<(), Refusal> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Refusal::denied(
            "WRONG_ROLE",
            format!(
                "this needs the admin role; the caller is {}",
                actor.role.name()
            ),
        ))
    }
}

/// Tests: a write that writes and then panics, as a bug would.
#[cfg(test)]
pub(crate) struct Panic;

#[cfg(test)]
impl Write for Panic {
    type Reply = ();

    fn run(self, cx: &mut Cx, _fp: String) -> Result<(), super::EngineError> {
        cx.tx.put(crate::store::keys::meta("panicked"), vec![1]);
        panic!("a test's panic");
    }
}
