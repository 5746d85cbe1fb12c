//! Application state in the store: the current state without its materials under `app/{id}`,
//! rewritten by each step, and the materials under `appm/{id}`, written only by a step that
//! changes them (most steps do not), both in the compact codec. Earlier revisions are not
//! copied: each step's event is in the log with the openings of its commitments, so a revision
//! is folded again from there when an idempotent retry asks for the answer it first gave.
//! (Stores written before kept a snapshot per revision under `appv/{id}/{rev}` and a pointer in
//! `app/{id}`; both still read.)
use super::EngineError;
use crate::domain::flow::{self, echo, Application, Event, Refusal, RefusalKind, State};
use crate::domain::types::{Actor, Role};
use crate::log::entry::Record;
use crate::store::{codec, keys};

/// Whether `actor` may know that application `app` exists: a registrant only its own subject's,
/// the public only one in publicity (where anyone may object), staff and the node any.
pub(super) fn visible_to(actor: &Actor, app: &Application) -> bool {
    match actor.role {
        Role::Registrant => actor.subject.as_deref() == Some(app.subject.as_str()),
        Role::Public => app.state == State::InPublicity,
        _ => true,
    }
}

/// The one answer for an application that does not exist or that the caller may not see, so
/// no caller learns which ids exist (and from them the node's volume) by asking.
pub(super) fn not_visible(id: &str) -> EngineError {
    Refusal::new(
        RefusalKind::NotFound,
        "NOT_FOUND",
        format!("no application {} that this caller may see", echo(id)),
    )
    .into()
}

/// Any way of reading a key: the committed store, or the writer's view with pending writes.
pub(super) type Get<'a> = &'a dyn Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>;

/// The length of a revision pointer, the value `app/{id}` held in stores written before it held
/// the state itself; no encoded state is this short (a format byte, then the id and the rest).
const POINTER_LEN: usize = 8;

/// The application a stored `app/{id}` value holds, with its materials: its state, or in an
/// older store a pointer to the snapshot `appv/{id}/{revision}`.
pub(super) fn decode(
    get: Get,
    id: &str,
    key: &[u8],
    value: &[u8],
) -> Result<Application, EngineError> {
    if let Ok(pointer) = <[u8; POINTER_LEN]>::try_from(value) {
        return snapshot(get, id, u64::from_be_bytes(pointer))?
            .ok_or_else(|| EngineError::corrupt(key, "missing application snapshot"));
    }
    let mut app: Application = codec::decode(key, value)?;
    let key = keys::app_materials(id);
    let bytes = get(&key)?.ok_or_else(|| EngineError::corrupt(&key, "missing materials"))?;
    app.materials = codec::decode(&key, &bytes)?;
    Ok(app)
}

/// The snapshot an older store kept of revision `revision`, if it has one.
fn snapshot(get: Get, id: &str, revision: u64) -> Result<Option<Application>, EngineError> {
    let key = keys::app_version(id, revision);
    get(&key)?
        .map(|bytes| Ok(codec::decode(&key, &bytes)?))
        .transpose()
}

/// The current state of an application, if it exists.
pub(super) fn current(get: Get, id: &str) -> Result<Option<Application>, EngineError> {
    let key = keys::app(id);
    match get(&key)? {
        Some(b) => Ok(Some(decode(get, id, &key, &b)?)),
        None => Ok(None),
    }
}

/// The application as it was right after `revision` (an idempotent retry's first answer): the
/// current state if it is still that revision, else its events up to it folded again from the
/// log with their openings, so no revision needs a copy of the whole state of its own.
pub(super) fn at(get: Get, id: &str, revision: u64) -> Result<Application, EngineError> {
    let key = keys::app(id);
    let now =
        current(get, id)?.ok_or_else(|| EngineError::corrupt(&key, "application vanished"))?;
    if now.revision == revision {
        return Ok(now);
    }
    if let Some(app) = snapshot(get, id, revision)? {
        return Ok(app);
    }
    let steps = usize::try_from(revision).unwrap_or(usize::MAX);
    if steps == 0 || steps > now.decisions.len() {
        return Err(EngineError::corrupt(
            &key,
            &format!("no revision {revision}"),
        ));
    }
    let mut app = None;
    for d in &now.decisions[..steps] {
        let index = d.log_index;
        let entry_key = keys::event(index);
        let bytes =
            get(&entry_key)?.ok_or_else(|| EngineError::corrupt(&entry_key, "entry missing"))?;
        let record =
            Record::decode(&bytes).map_err(|e| EngineError::corrupt(&entry_key, &e.to_string()))?;
        let opened = super::audit_openings::open(get, index, &record, Some(&now.subject))
            .map_err(|m| EngineError::corrupt(m.key.as_bytes(), &m.what))?;
        let Some(kind) = opened.event else {
            return Err(EngineError::corrupt(&entry_key, "not a flow event"));
        };
        let event = Event {
            application_id: id.to_string(),
            at: record.at,
            actor: record.actor,
            holder: opened.holder,
            kind,
        };
        let mut next = flow::apply(app, &event);
        if let Some(last) = next.decisions.last_mut() {
            last.log_index = index;
        }
        app = Some(next);
    }
    app.ok_or_else(|| EngineError::corrupt(&key, "no events"))
}

/// The writes that store a new state: the state, and its materials when `materials` says the
/// step changed them (or the application is new to this store).
pub(super) fn writes(app: &Application, materials: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut state = app.clone();
    let m = std::mem::take(&mut state.materials);
    let mut out = vec![(keys::app(&app.id), codec::encode_compact(&state))];
    if materials {
        out.push((keys::app_materials(&app.id), codec::encode_compact(&m)));
    }
    out
}
