//! Code assignment (赋码): when publicity has ended with no open objection, mint the next serial
//! of the node's namespace, register the application, sign certificate version 1 and publish the
//! registry record — all in the writer's transaction, so a code is minted once or not at all.
use super::ops::{commit_events, load_app};
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::certificate::{key_id, Certificate};
use crate::domain::codes::{CreditCode, UnifiedCode};
use crate::domain::flow::{self, Application, Command, Ctx, EventKind};
use crate::domain::record::Record;
use crate::domain::types::{Actor, DataType};
use crate::store::{codec, keys};
use sha2::{Digest, Sha256};

/// Most applications registered by one sweep; the rest wait for the next, so one sweep never
/// holds the writer for long.
const SWEEP_LIMIT: usize = 1000;
/// Index entries read per page while looking for applications to register.
const SWEEP_PAGE: usize = if cfg!(test) { 2 } else { 1000 };

/// Registers every application whose publicity ended before today, up to [`SWEEP_LIMIT`] per
/// sweep. Pages past applications held by an open objection, however many there are.
pub(super) fn sweep(shared: &Shared, tx: &mut Tx) -> Result<usize, EngineError> {
    let now = shared.clock.now();
    let today = china_date(now).to_string();
    let prefix = keys::PUBLICITY_END_PREFIX.as_bytes();
    let mut registered = 0;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = tx.store().scan(prefix, after.as_deref(), SWEEP_PAGE)?;
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
                if registered == SWEEP_LIMIT {
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
fn register(shared: &Shared, tx: &mut Tx, id: &str, now: i64) -> Result<bool, EngineError> {
    let Some(app) = load_app(tx, id)? else {
        return Ok(false);
    };
    let actor = Actor::system();
    let ctx = Ctx {
        now,
        today: china_date(now),
        actor: &actor,
        calendar: &shared.cfg.calendar,
        limits: &shared.cfg.limits,
    };
    // decide is pure, so ask it first with a placeholder: a serial is spent only on a sure thing.
    if flow::decide(
        Some(&app),
        &Command::Register {
            code: String::new(),
        },
        &ctx,
    )
    .is_err()
    {
        return Ok(false);
    }
    // A federated province waits for its delegation; the national node picks the namespace.
    let Some(region) = super::hosting::namespace(shared, tx, &app)? else {
        return Ok(false);
    };
    let code = mint_code(tx, region, &app, ctx.today.year())?;
    let events = flow::decide(
        Some(&app),
        &Command::Register {
            code: code.to_string(),
        },
        &ctx,
    )?;
    let (app, _) = commit_events(tx, Some(app), id, events, &actor, now)?;
    // The certificate names the log entry that records it: the next one.
    let log_index = log_ops::size(|k| tx.get(k))?;
    let certificate = certificate_for(shared, &app, &code, log_index, now)?;
    let signed = certificate
        .sign(&shared.key)
        .map_err(|e| EngineError::Internal(format!("certificate: {e}")))?;
    let query_code = signed.query_code();
    let code_str = code.to_string();
    tx.put(keys::certificate(&code_str, 1), signed.as_bytes().to_vec());
    tx.put(
        keys::query_code(&query_code),
        format!("{code_str}/1").into_bytes(),
    );
    let issued = EventKind::CertificateIssued {
        code: code_str.clone(),
        version: 1,
        query_code: query_code.clone(),
        certificate_sha256: hex::encode(Sha256::digest(signed.as_bytes())),
    };
    let (app, index) = commit_events(tx, Some(app), id, vec![issued], &actor, now)?;
    if index != log_index {
        return Err(EngineError::Internal(format!(
            "certificate names entry {log_index} but was logged at {index}"
        )));
    }
    let record = Record::first_version(&app, &certificate, query_code);
    tx.put(keys::record(&code_str), codec::encode(&record));
    tracing::info!(application = id, code = %code_str, "registered");
    Ok(true)
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
        version: 1,
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
