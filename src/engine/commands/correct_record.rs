//! The institution corrects a record's public facts itself (更正, registrar): the code's next
//! version with its own certificate, pinned by its `RecordCorrected` entry, in the same term.
use super::idempotent::{fingerprint, idempotent};
use super::{Cx, Write};
use crate::domain::calendar::china_date;
use crate::domain::certificate::{key_id, Certificate};
use crate::domain::codes::CreditCode;
use crate::domain::flow::{self, Refusal};
use crate::domain::record::{Record, RecordCorrection};
use crate::domain::types::{Actor, RegistrationType};
use crate::engine::record_ops::acting_on;
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Quotas, Shared};
use crate::log::entry::Body;
use crate::store::keys;
use sha2::{Digest, Sha256};

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
            correct(shared, tx, &actor, &code, correction, reason)
        })
    }
}

/// Corrects a record's public facts: version n+1 of the code, in the same term, with its own
/// certificate pinned by the `RecordCorrected` entry.
fn correct(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    code: &str,
    fix: RecordCorrection,
    reason: String,
) -> Result<Record, EngineError> {
    let (code, record, t) = acting_on(shared, tx, actor, code)?;
    flow::check_correction(&t, &fix, &reason)?;
    // An open application would complete on the facts it was filed with, over the correction.
    if let Some(open) = &t.in_flight {
        return Err(Refusal::precondition(
            "CODE_BUSY",
            format!("application {open} is open on {code}; decide it first"),
        )
        .into());
    }
    let now = shared.clock.now();
    let today = china_date(now);
    let version = record.current_version + 1;
    let credit = CreditCode::parse(&record.subject_credit_code)
        .map_err(|e| EngineError::Internal(format!("stored credit code: {e}")))?;
    let after = |field: &Option<String>, was: &str| field.clone().unwrap_or_else(|| was.into());
    // The certificate names the entry that pins it: the next one.
    let log_index = log_ops::size(|k| tx.get(k))?;
    let certificate = Certificate {
        code,
        version,
        registration_type: RegistrationType::Correction,
        data_type: record.data_type,
        subject_name: after(&fix.subject_name, &record.subject_name),
        subject_credit_code: credit,
        data_name: after(&fix.data_name, &record.data_name),
        summary: after(&fix.summary, &record.summary),
        issuer_node: shared.cfg.node_id.clone(),
        issuer_key_id: key_id(&shared.key.verifying_key()),
        assigned_on: today,
        valid_from: today,
        valid_until: record.valid_until,
        issued_at: now,
        log_index,
    };
    let signed = certificate
        .sign(&shared.key)
        .map_err(|e| EngineError::Internal(format!("certificate: {e}")))?;
    let (code_str, query_code) = (code.to_string(), signed.query_code());
    let index = log_ops::append(
        tx,
        now,
        actor,
        Body::RecordCorrected {
            code: code_str.clone(),
            version,
            query_code: query_code.clone(),
            certificate_sha256: hex::encode(Sha256::digest(signed.as_bytes())),
            correction: fix.clone(),
            reason,
        },
    )?;
    if index != log_index {
        return Err(EngineError::Internal(format!(
            "certificate names entry {log_index} but was logged at {index}"
        )));
    }
    crate::engine::mint::keep_certificate(tx, &signed);
    let record = record.corrected(&fix, &certificate, query_code);
    tx.put(
        keys::record(&code_str),
        crate::engine::record_ops::encode(&record),
    );
    crate::engine::retention::schedule_record(shared, tx, &record)?;
    tracing::info!(code = %code_str, version, "record corrected by the institution");
    Ok(record)
}
