//! Application state in the store: an immutable snapshot per revision (`appv/{id}/{rev}`) and a
//! pointer to the current one (`app/{id}`). Each write stores the state once; an idempotent retry
//! names the snapshot it first returned instead of keeping a copy, and history stays readable.
use super::EngineError;
use crate::domain::flow::{echo, Application, Refusal, RefusalKind, State};
use crate::domain::types::{Actor, Role};
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

fn revision_of(key: &[u8], bytes: &[u8]) -> Result<u64, EngineError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| EngineError::corrupt(key, "revision is not 8 bytes"))?;
    Ok(u64::from_be_bytes(arr))
}

/// The application as it was right after `revision`.
pub(super) fn at(get: Get, id: &str, revision: u64) -> Result<Application, EngineError> {
    let key = keys::app_version(id, revision);
    let bytes =
        get(&key)?.ok_or_else(|| EngineError::corrupt(&key, "missing application snapshot"))?;
    Ok(codec::decode(&key, &bytes)?)
}

/// The current state of an application, if it exists.
pub(super) fn current(get: Get, id: &str) -> Result<Option<Application>, EngineError> {
    let key = keys::app(id);
    match get(&key)? {
        Some(b) => Ok(Some(at(get, id, revision_of(&key, &b)?)?)),
        None => Ok(None),
    }
}

/// The writes that store a new state: its snapshot and the pointer to it.
pub(super) fn writes(app: &Application) -> [(Vec<u8>, Vec<u8>); 2] {
    [
        (keys::app_version(&app.id, app.revision), codec::encode(app)),
        (keys::app(&app.id), app.revision.to_be_bytes().to_vec()),
    ]
}

/// The revision a pointer value names.
pub(super) fn pointer(key: &[u8], value: &[u8]) -> Result<u64, EngineError> {
    revision_of(key, value)
}
