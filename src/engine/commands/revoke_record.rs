//! The institution revokes a code (撤销, registrar), with a reason: it ends today as a
//! tombstone, and an application open on it is closed by the node.
use super::idempotent::{fingerprint, idempotent};
use super::{Cx, Write};
use crate::domain::calendar::china_date;
use crate::domain::flow::{self};
use crate::domain::record::{Record, RecordEnd, RecordStatus};
use crate::domain::types::Actor;
use crate::engine::record_ops::{acting_on, close};
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Quotas, Shared};
use crate::log::entry::Body;
use crate::store::keys;

pub struct RevokeRecord {
    pub actor: Actor,
    pub request_id: String,
    pub code: String,
    pub reason: String,
}

impl Write for RevokeRecord {
    type Reply = Record;

    fn prepare(&self, _quotas: &Quotas) -> Result<String, EngineError> {
        Ok(fingerprint(&("revoke", &self.code, &self.reason)).0)
    }

    fn run(self, cx: &mut Cx, fp: String) -> Result<Record, EngineError> {
        let shared = cx.shared;
        let RevokeRecord {
            actor,
            request_id,
            code,
            reason,
        } = self;
        idempotent(cx.tx, &actor, &request_id, fp, |tx| {
            revoke(shared, tx, &actor, &code, reason)
        })
    }
}

/// Revokes a code: it ends today, kept whole as a tombstone with the reason.
fn revoke(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    code: &str,
    reason: String,
) -> Result<Record, EngineError> {
    let (code, record, t) = acting_on(shared, tx, actor, code)?;
    flow::check_revocation(&t, &reason)?;
    let now = shared.clock.now();
    let on = china_date(now);
    let code = code.to_string();
    log_ops::append(
        tx,
        now,
        actor,
        Body::RecordRevoked {
            code: code.clone(),
            on,
            reason: reason.clone(),
        },
    )?;
    // An application open on the code can no longer complete: the node closes it, so it does
    // not wait in its queue for ever and its lock goes with it.
    if let Some(open) = &t.in_flight {
        close(shared, tx, open, &code, now)?;
    }
    let record = record.ended(RecordEnd {
        status: RecordStatus::Revoked,
        on,
        application_id: String::new(),
        reason,
    });
    tx.put(
        keys::record(&code),
        crate::engine::record_ops::encode(&record),
    );
    crate::engine::retention::schedule_record(shared, tx, &record)?;
    tracing::info!(%code, "record revoked by the institution");
    Ok(record)
}
