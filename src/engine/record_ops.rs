//! What the institution's own actions on a record share (DESIGN §2): the record and its rules'
//! view for a registrar, and closing the application open on a revoked code. The actions are
//! `commands::{correct_record, revoke_record}`; each is one log entry with its reason.
use super::lifecycle::target;
use super::writer::Tx;
use super::{EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::codes::UnifiedCode;
use crate::domain::flow::{self, echo, Refusal, RefusalKind, Target};
use crate::domain::record::Record;
use crate::domain::types::{Actor, Role};
use crate::store::keys;

/// A record's stored value: the compact form, as every lookup and search page decodes records
/// (half the bytes of JSON, and no field names to parse).
pub(super) fn encode(record: &Record) -> Vec<u8> {
    crate::store::codec::encode_compact(record)
}

/// The record and its rules' view, for a registrar acting on `code`.
pub(super) fn acting_on(
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

/// Closes the application open on a revoked code (a `Closed` event by the node).
pub(super) fn close(
    shared: &Shared,
    tx: &mut Tx,
    id: &str,
    code: &str,
    now: i64,
) -> Result<(), EngineError> {
    let Some(app) = tx.load_app(id)? else {
        return Ok(());
    };
    let system = Actor::system();
    let ctx = super::steps::ctx(shared, now, &system, None);
    let command = flow::Command::Close {
        reason: format!("{code} was revoked"),
    };
    let events = flow::decide(Some(&app), &command, &ctx)?;
    let (app, _) = tx.commit_events(Some(app), id, events, &system, now)?;
    super::retention::schedule_application(shared, tx, &app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{RecordEnd, RecordStatus};
    use crate::search::fixtures::{record, Rng};
    use crate::store::codec;

    #[test]
    fn a_record_reads_back_from_its_compact_form_and_from_json_stored_before() {
        let mut rng = Rng(7);
        let mut ended = record(&mut rng, 2);
        ended.ended = Some(RecordEnd {
            status: RecordStatus::Revoked,
            on: ended.valid_from,
            application_id: String::new(),
            reason: "撤销".into(),
        });
        for r in [record(&mut rng, 1), ended] {
            let stored = encode(&r);
            assert_eq!(stored[0], codec::FORMAT_COMPACT_V1);
            assert_eq!(codec::decode::<Record>(b"rec/x", &stored).unwrap(), r);
            // A record stored in JSON (before the compact form) still reads, with or without
            // the `ended` field it used to leave out when empty.
            assert_eq!(
                codec::decode::<Record>(b"rec/x", &codec::encode(&r)).unwrap(),
                r
            );
            let mut json: serde_json::Value = serde_json::to_value(&r).unwrap();
            if r.ended.is_none() {
                json.as_object_mut().unwrap().remove("ended");
            }
            let mut old = vec![codec::FORMAT_JSON_V1];
            old.extend(serde_json::to_vec(&json).unwrap());
            assert_eq!(codec::decode::<Record>(b"rec/x", &old).unwrap(), r);
        }
    }
}
