//! The institution corrects a record's public facts itself (更正, registrar): the code's next
//! version with its own certificate, in the same term (rules in `record_ops`).
use super::idempotent::{fingerprint, idempotent};
use super::{Cx, Write};
use crate::domain::record::{Record, RecordCorrection};
use crate::domain::types::Actor;
use crate::engine::{record_ops, EngineError, Quotas};

pub struct CorrectRecord {
    pub actor: Actor,
    pub request_id: String,
    pub code: String,
    pub correction: RecordCorrection,
    pub reason: String,
}

impl Write for CorrectRecord {
    type Reply = Record;

    fn prepare(&self, _quotas: &Quotas) -> Result<String, EngineError> {
        Ok(fingerprint(&("correct", &self.code, &self.correction, &self.reason)).0)
    }

    fn run(self, cx: &mut Cx, fp: String) -> Result<Record, EngineError> {
        let shared = cx.shared;
        let CorrectRecord {
            actor,
            request_id,
            code,
            correction,
            reason,
        } = self;
        idempotent(cx.tx, &actor, &request_id, fp, |tx| {
            record_ops::correct(shared, tx, &actor, &code, correction, reason)
        })
    }
}
