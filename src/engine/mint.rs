//! Code assignment (赋码): when publicity has ended with no open objection, mint the next serial
//! of the node's namespace (an initial registration) or take the code the application acts on
//! (the next version for a change, correction or renewal; the end for a deregistration),
//! register the application, sign the version's certificate and publish the registry record —
//! all in the writer's transaction, so a code is minted once or not at all.
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::certificate::{key_id, Certificate};
use crate::domain::codes::{CreditCode, UnifiedCode};
use crate::domain::flow::{self, Application, Command, EventKind};
use crate::domain::record::Record;
use crate::domain::types::{Actor, DataType};
use crate::store::keys;
use sha2::{Digest, Sha256};

/// Most applications registered by one sweep job, so one job never holds the writer (and its
/// batch the memory) for long; the sweep loop runs the next job at once while there are more.
pub(super) const SWEEP_BATCH: usize = 1000;
/// Index entries read per page while looking for applications to register.
const SWEEP_PAGE: usize = if cfg!(test) { 2 } else { 1000 };

/// What falls due with time: registrations whose publicity ended, then retention purges.
/// Returns how many applications were registered ([`SWEEP_BATCH`]: there may be more).
pub(super) fn sweep(shared: &Shared, tx: &mut Tx) -> Result<usize, EngineError> {
    let registered = register_due(shared, tx)?;
    super::retention::purge_due(shared, tx)?;
    Ok(registered)
}

/// Registers every application whose publicity ended before today, up to [`SWEEP_BATCH`] per
/// job. Pages past applications held by an open objection, however many there are.
fn register_due(shared: &Shared, tx: &mut Tx) -> Result<usize, EngineError> {
    let now = shared.clock.now();
    let today = china_date(now).to_string();
    let prefix = keys::PUBLICITY_END_PREFIX.as_bytes();
    let mut registered = 0;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = tx.scan(prefix, after.as_deref(), SWEEP_PAGE)?;
        let full = page.len() == SWEEP_PAGE;
        for (key, _) in page {
            let rest = keys::suffix(&key, prefix);
            let Some((date, id)) = rest.split_once('/') else {
                continue;
            };
            // Keys sort by date: the first one not yet over ends the sweep.
            if date >= today.as_str() {
                return Ok(registered);
            }
            if register(shared, tx, id, now)? {
                registered += 1;
                if registered == SWEEP_BATCH {
                    return Ok(registered);
                }
            }
            after = Some(key);
        }
        if !full {
            return Ok(registered);
        }
    }
}

/// Registers one application if the rules allow it now; `false` when they do not (yet).
/// An initial registration mints a new code; a change, correction or renewal makes the next
/// version of its code; a deregistration ends its code.
fn register(shared: &Shared, tx: &mut Tx, id: &str, now: i64) -> Result<bool, EngineError> {
    let Some(app) = tx.load_app(id)? else {
        return Ok(false);
    };
    let actor = Actor::system();
    let today = china_date(now);
    let target = match &app.target_code {
        Some(code) => match super::lifecycle::target(shared, tx, code, today) {
            Ok(Some(t)) => Some(t),
            // The code is gone from this node (handed over) or unreadable: nothing to complete.
            Ok(None) | Err(EngineError::Refused(_)) => return Ok(false),
            Err(e) => return Err(e),
        },
        None => None,
    };
    let ctx = super::steps::ctx(shared, now, &actor, target.as_ref());
    // decide is pure, so ask it first with a placeholder: a serial is spent only on a sure thing.
    let placeholder = app.target_code.clone().unwrap_or_default();
    if flow::decide(Some(&app), &Command::Register { code: placeholder }, &ctx).is_err() {
        return Ok(false);
    }
    let code = match &target {
        Some(t) => UnifiedCode::parse(&t.code)
            .map_err(|e| EngineError::corrupt(&keys::record(&t.code), &e.to_string()))?,
        None => {
            // A federated province waits for its delegation; the national node picks the
            // namespace.
            let Some(region) = super::hosting::namespace(shared, tx, &app)? else {
                return Ok(false);
            };
            mint_code(tx, region, &app, today.year())?
        }
    };
    let code_str = code.to_string();
    let events = flow::decide(
        Some(&app),
        &Command::Register {
            code: code_str.clone(),
        },
        &ctx,
    )?;
    let version = match events.first() {
        Some(EventKind::Registered { version, .. }) => *version,
        _ => 0,
    };
    let (app, _) = tx.commit_events(Some(app), id, events, &actor, now)?;
    let record_key = keys::record(&code_str);
    if version == 0 {
        // A deregistration: the code ends, a tombstone with every version.
        let record: Record = super::federation::read(tx, &record_key)?
            .ok_or_else(|| EngineError::corrupt(&record_key, "the record vanished"))?;
        let record = record.ended(crate::domain::record::RecordEnd {
            status: crate::domain::record::RecordStatus::Deregistered,
            on: today,
            application_id: app.id.clone(),
            reason: String::new(),
        });
        tx.put(record_key, super::record_ops::encode(&record));
        super::retention::schedule_record(shared, tx, &record)?;
        tracing::info!(application = id, code = %code_str, "deregistered");
        return Ok(true);
    }
    // The certificate names the log entry that records it: the next one.
    let log_index = log_ops::size(|k| tx.get(k))?;
    let certificate = certificate_for(shared, &app, &code, version, log_index, now)?;
    let signed = certificate
        .sign(&shared.key)
        .map_err(|e| EngineError::Internal(format!("certificate: {e}")))?;
    let query_code = keep_certificate(tx, &signed);
    let issued = EventKind::CertificateIssued {
        code: code_str.clone(),
        version,
        query_code: query_code.clone(),
        certificate_sha256: hex::encode(Sha256::digest(signed.as_bytes())),
    };
    let (app, index) = tx.commit_events(Some(app), id, vec![issued], &actor, now)?;
    if index != log_index {
        return Err(EngineError::Internal(format!(
            "certificate names entry {log_index} but was logged at {index}"
        )));
    }
    let record = match target {
        None => Record::first_version(&app, &certificate, query_code),
        Some(_) => {
            let record: Record = super::federation::read(tx, &record_key)?
                .ok_or_else(|| EngineError::corrupt(&record_key, "the record vanished"))?;
            record.with_version(&app, &certificate, query_code)
        }
    };
    tx.put(record_key, super::record_ops::encode(&record));
    super::retention::schedule_record(shared, tx, &record)?;
    tracing::info!(application = id, code = %code_str, version, "registered");
    Ok(true)
}

/// Stores a signed certificate under its code and version, and its query code; returns the
/// query code.
pub(super) fn keep_certificate(
    tx: &mut Tx,
    signed: &crate::domain::certificate::SignedCertificate,
) -> String {
    let c = signed.certificate();
    let (code, query_code) = (c.code.to_string(), signed.query_code());
    tx.put(
        keys::certificate(&code, c.version),
        signed.as_bytes().to_vec(),
    );
    tx.put(
        keys::query_code(&query_code),
        format!("{code}/{}", c.version).into_bytes(),
    );
    query_code
}

/// The next serial of the node's namespace for the year. Serials never repeat: the counter is
/// written in the same atomic batch as the registration that uses it.
fn mint_code(
    tx: &mut Tx,
    region: crate::domain::codes::Region,
    app: &Application,
    year: i32,
) -> Result<UnifiedCode, EngineError> {
    let key = keys::serial(&region.to_string(), year);
    let last = match tx.get(&key)? {
        Some(b) => u32::from_be_bytes(
            b.as_slice()
                .try_into()
                .map_err(|_| EngineError::corrupt(&key, "serial is not 4 bytes"))?,
        ),
        None => 0,
    };
    let data_type = app
        .materials
        .resource
        .data_type
        .unwrap_or(DataType::PublicDataResource);
    let year = u16::try_from(year)
        .map_err(|_| EngineError::Internal(format!("year {year} out of range")))?;
    let code = UnifiedCode::new(data_type, region, year, last + 1)
        .map_err(|e| EngineError::Internal(format!("cannot mint in {region}/{year}: {e}")))?;
    tx.put(key, (last + 1).to_be_bytes().to_vec());
    Ok(code)
}

fn certificate_for(
    shared: &Shared,
    app: &Application,
    code: &UnifiedCode,
    version: u32,
    log_index: u64,
    now: i64,
) -> Result<Certificate, EngineError> {
    let m = &app.materials;
    let credit = CreditCode::parse(&app.subject)
        .map_err(|e| EngineError::Internal(format!("stored credit code: {e}")))?;
    let (Some(from), Some(until)) = (app.valid_from, app.valid_until) else {
        return Err(EngineError::Internal("registered without validity".into()));
    };
    Ok(Certificate {
        code: *code,
        version,
        registration_type: app.registration_type,
        data_type: code.data_type,
        subject_name: m.subject.name.clone(),
        subject_credit_code: credit,
        data_name: m.resource.name.clone(),
        summary: m.resource.summary.clone(),
        issuer_node: shared.cfg.node_id.clone(),
        issuer_key_id: key_id(&shared.key.verifying_key()),
        assigned_on: from,
        valid_from: from,
        valid_until: until,
        issued_at: now,
        log_index,
    })
}
