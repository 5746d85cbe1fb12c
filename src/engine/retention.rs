//! Retention (DESIGN §2): personal contact data is purged `limits.contact_retention_years` after
//! its record ends (expiry, deregistration, revocation), or after its application ended without
//! a record (refused, withdrawn). The public facts, the versions and the log stay; each purge is
//! itself a log entry (`ContactsPurged`).
//!
//! Each record (and each record-less ended application) is scheduled under `purge/{date}/…`;
//! writing a record again (a renewal moves its end) reschedules it, and `purgeat/…` names the
//! scheduled key so the old one is removed. The sweep purges what fell due, a bounded number per
//! sweep. An application's every stored snapshot is rewritten without its contacts — the one
//! rewrite of a snapshot there is.
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::flow::{purge_on, Application};
use crate::domain::record::Record;
use crate::domain::types::Actor;
use crate::log::entry::{self, Body};
use crate::log::public::PURGEABLE;
use crate::store::{codec, keys};
use time::Date;

/// Most records and applications purged by one sweep; the rest wait for the next.
const PURGE_LIMIT: usize = 500;

fn schedule(tx: &mut Tx, kind: char, id: &str, on: Date) -> Result<(), EngineError> {
    let at = keys::purge_at(kind, id);
    if let Some(old) = tx.get(&at)? {
        tx.delete(keys::purge(&String::from_utf8_lossy(&old), kind, id));
    }
    let date = on.to_string();
    tx.put(keys::purge(&date, kind, id), Vec::new());
    tx.put(at, date.into_bytes());
    Ok(())
}

/// (Re)schedules the purge of a record's applications, from the day it ends as it stands now.
pub(super) fn schedule_record(
    shared: &Shared,
    tx: &mut Tx,
    record: &Record,
) -> Result<(), EngineError> {
    let on = purge_on(record.end_date(), shared.cfg.limits.contact_retention_years);
    schedule(tx, 'c', &record.code, on)
}

/// Schedules the purge of an application that ended without a record, from today.
pub(super) fn schedule_application(
    shared: &Shared,
    tx: &mut Tx,
    app: &Application,
) -> Result<(), EngineError> {
    let today = china_date(shared.clock.now());
    let on = purge_on(today, shared.cfg.limits.contact_retention_years);
    schedule(tx, 'a', &app.id, on)
}

/// Purges what fell due by today; returns how many records and applications were purged.
pub(super) fn purge_due(shared: &Shared, tx: &mut Tx) -> Result<usize, EngineError> {
    let today = china_date(shared.clock.now()).to_string();
    let prefix = keys::PURGE_PREFIX.as_bytes();
    let due: Vec<Vec<u8>> = tx
        .scan(prefix, None, PURGE_LIMIT)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut done = 0;
    for key in due {
        let rest = keys::suffix(&key, prefix).to_string();
        let mut parts = rest.splitn(3, '/');
        let (Some(date), Some(kind), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EngineError::corrupt(&key, "not date/kind/id"));
        };
        // Keys sort by date: the first one not yet due ends the sweep.
        if date > today.as_str() {
            break;
        }
        tx.delete(key.clone());
        tx.delete(keys::purge_at(kind.chars().next().unwrap_or('a'), id));
        let (code, ids) = match kind {
            "c" => {
                let rkey = keys::record(id);
                let record: Record = match tx.get(&rkey)? {
                    Some(b) => codec::decode(&rkey, &b)?,
                    None => continue,
                };
                (Some(id.to_string()), record.application_ids())
            }
            _ => (None, vec![id.to_string()]),
        };
        let mut purged = Vec::new();
        for app_id in ids {
            if purge_application(tx, &app_id)? {
                purged.push(app_id);
            }
        }
        if !purged.is_empty() {
            log_ops::append(
                tx,
                shared.clock.now(),
                &Actor::system(),
                Body::ContactsPurged {
                    code,
                    application_ids: purged,
                },
            )?;
            done += 1;
        }
    }
    Ok(done)
}

/// Rewrites an application's stored state (and any per-revision snapshot an older store kept)
/// without personal contact data, and drops the openings of the contact commitments its log
/// entries carry (the commitments stay, and open to nothing any more); `false` if there was
/// none left to remove.
pub(super) fn purge_application(tx: &mut Tx, id: &str) -> Result<bool, EngineError> {
    let Some(app) = super::apps::current(&|k| tx.get(k), id)? else {
        return Ok(false);
    };
    let entries: Vec<u64> = app.decisions.iter().map(|d| d.log_index).collect();
    let subject = app.subject.clone();
    let clean = app.without_personal_data();
    let mut changed = clean != app;
    if changed {
        for (k, v) in super::apps::writes(&clean, true) {
            tx.put(k, v);
        }
    }
    for (key, bytes) in tx.scan(&format!("appv/{id}/").into_bytes(), None, usize::MAX)? {
        let app: Application = codec::decode(&key, &bytes)?;
        let clean = app.without_personal_data();
        if clean != app {
            tx.put(key, codec::encode(&clean));
            changed = true;
        }
    }
    for index in entries {
        let key = keys::event(index);
        let entry = tx
            .get(&key)?
            .ok_or_else(|| EngineError::corrupt(&key, "entry missing"))?;
        let record = entry::Record::decode(&entry)
            .map_err(|e| EngineError::corrupt(&key, &e.to_string()))?;
        let get = |k: &[u8]| tx.get(k);
        let Some(mut stored) = super::openings::read(&get, index, &record, Some(&subject))? else {
            continue;
        };
        let before = stored.openings.len();
        stored
            .openings
            .retain(|o| !PURGEABLE.contains(&o.field.as_str()));
        if stored.openings.len() != before {
            tx.put(stored.key.clone(), stored.encode());
            changed = true;
        }
    }
    Ok(changed)
}
