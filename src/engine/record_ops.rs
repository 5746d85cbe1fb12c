//! The registration institution's own actions on a record (DESIGN §2): correction (更正), which
//! makes the code's next version with its own certificate, and revocation (撤销), which ends the
//! code as a tombstone. Each is one log entry with its reason; only a registrar may act.
use super::lifecycle::target;
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::certificate::{key_id, Certificate};
use crate::domain::codes::{CreditCode, UnifiedCode};
use crate::domain::flow::{self, echo, Refusal, RefusalKind, Target};
use crate::domain::record::{Record, RecordCorrection, RecordEnd, RecordStatus};
use crate::domain::types::{Actor, RegistrationType, Role};
use crate::log::entry::Body;
use crate::store::{codec, keys};
use sha2::{Digest, Sha256};

/// The record and its rules' view, for a registrar acting on `code`.
fn acting_on(
    shared: &Shared,
    tx: &Tx,
    actor: &Actor,
    code: &str,
) -> Result<(UnifiedCode, Record, Target), EngineError> {
    if actor.role != Role::Registrar {
        return Err(Refusal::denied(
            "WRONG_ROLE",
            "correcting or revoking a record needs the registrar role",
        )
        .into());
    }
    let parsed = UnifiedCode::parse(code.trim())
        .map_err(|e| Refusal::invalid(e.reason(), format!("{}: {e}", echo(code))))?;
    let code = parsed.to_string();
    let today = china_date(shared.clock.now());
    let not_found = || {
        Refusal::new(
            RefusalKind::NotFound,
            "CODE_NOT_FOUND",
            format!("no record {code}"),
        )
    };
    let t = target(shared, tx, &code, today)?.ok_or_else(not_found)?;
    let record: Record =
        super::federation::read(tx, &keys::record(&code))?.ok_or_else(not_found)?;
    Ok((parsed, record, t))
}

/// Corrects a record's public facts: version n+1 of the code, in the same term, with its own
/// certificate pinned by the `RecordCorrected` entry.
pub(super) fn correct(
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
    super::mint::keep_certificate(tx, &signed);
    let record = record.corrected(&fix, &certificate, query_code);
    tx.put(keys::record(&code_str), codec::encode(&record));
    super::retention::schedule_record(shared, tx, &record)?;
    tracing::info!(code = %code_str, version, "record corrected by the institution");
    Ok(record)
}

/// Revokes a code: it ends today, kept whole as a tombstone with the reason.
pub(super) fn revoke(
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
    tx.put(keys::record(&code), codec::encode(&record));
    super::retention::schedule_record(shared, tx, &record)?;
    tracing::info!(%code, "record revoked by the institution");
    Ok(record)
}

/// Closes the application open on a revoked code (a `Closed` event by the node).
fn close(shared: &Shared, tx: &mut Tx, id: &str, code: &str, now: i64) -> Result<(), EngineError> {
    let Some(app) = super::steps::load_app(tx, id)? else {
        return Ok(());
    };
    let system = Actor::system();
    let ctx = super::steps::ctx(shared, now, &system, None);
    let command = flow::Command::Close {
        reason: format!("{code} was revoked"),
    };
    let events = flow::decide(Some(&app), &command, &ctx)?;
    let (app, _) = super::steps::commit_events(tx, Some(app), id, events, &system, now)?;
    super::retention::schedule_application(shared, tx, &app)
}
