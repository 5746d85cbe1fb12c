//! The engine's side of changes, corrections, renewals and deregistrations (`domain::flow::
//! lifecycle` has the rules): it reads the record of the code an application acts on, keeps the
//! one-application-per-code lock, and writes the code's new version or its tombstone.
use super::federation::read;
use super::writer::Tx;
use super::{EngineError, Shared};
use crate::domain::codes::{Region, UnifiedCode};
use crate::domain::flow::{Application, Refusal, Target};
use crate::domain::record::Record;
use crate::domain::types::NodeRole;
use crate::store::keys;
use time::Date;

/// The record of `code` as the rules see it on `today`, if this node holds it and registers in
/// its namespace. A code of another node's namespace (a mirrored one on the national node, or one
/// handed over) is refused: the application belongs where the code is kept.
pub(super) fn target(
    shared: &Shared,
    tx: &Tx,
    code: &str,
    today: Date,
) -> Result<Option<Target>, EngineError> {
    let Some(record): Option<Record> = read(tx, &keys::record(code))? else {
        return Ok(None);
    };
    let region = UnifiedCode::parse(code)
        .map_err(|e| EngineError::corrupt(&keys::record(code), &e.to_string()))?
        .region;
    if !registers_in(shared, tx, region)? {
        return Err(Refusal::precondition(
            "CODE_NOT_HERE",
            format!("{code} is kept by the node of namespace {region}; apply there"),
        )
        .into());
    }
    let in_flight = tx
        .get(&keys::code_busy(code))?
        .map(|v| String::from_utf8_lossy(&v).into_owned());
    Ok(Some(Target {
        code: code.to_string(),
        subject: record.subject_credit_code.clone(),
        data_type: record.data_type,
        status: record.status_on(today),
        current_version: record.current_version,
        valid_until: record.valid_until,
        in_flight,
    }))
}

/// Whether this node registers in `region`: a province in its own; the national node in the
/// central namespace and the ones it hosts.
fn registers_in(shared: &Shared, tx: &Tx, region: Region) -> Result<bool, EngineError> {
    if shared.cfg.role != NodeRole::National {
        return Ok(region == shared.cfg.region);
    }
    Ok(region == Region::CENTRAL || tx.get(&keys::hosted(&region.to_string()))?.is_some())
}

/// Keeps the lock of the code an application acts on: held from creation until the
/// application ends (completed, refused, withdrawn).
pub(super) fn hold(tx: &mut Tx, app: &Application) {
    if let Some(code) = &app.target_code {
        if app.state.is_final() {
            tx.delete(keys::code_busy(code));
        } else {
            tx.put(keys::code_busy(code), app.id.clone().into_bytes());
        }
    }
}
