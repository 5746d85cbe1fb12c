//! The institution revokes a code (撤销, registrar), with a reason: it ends as a tombstone
//! (rules in `record_ops`).
use super::idempotent::{fingerprint, idempotent};
use super::{Cx, Write};
use crate::domain::record::Record;
use crate::domain::types::Actor;
use crate::engine::{record_ops, EngineError, Quotas};

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
            record_ops::revoke(shared, tx, &actor, &code, reason)
        })
    }
}
