//! Idempotent writes: a retry with the same request id returns the first result, and the same
//! id with another request is refused. The first result is kept under its request id, small:
//! what it was about (an application at a revision, a token, a record), not its bytes.
use super::flow::Applied;
use crate::domain::flow::Refusal;
use crate::domain::record::Record;
use crate::domain::types::{Actor, Role};
use crate::engine::tokens::{IssuedToken, TokenRecord};
use crate::engine::writer::Tx;
use crate::engine::{apps, EngineError};
use crate::store::{codec, keys};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first result of an idempotent write, kept under its request id (compact codec: a plain
/// struct, fields only added with a new format).
#[derive(Default, Serialize, Deserialize)]
pub(super) struct Idempotent {
    /// SHA-256 of the request: a reused id with another request is refused.
    fingerprint: String,
    /// The application and the revision the first reply showed (`apps::at` rebuilds it).
    application: Option<(String, u64)>,
    objection_id: Option<String>,
    token: Option<TokenRecord>,
    /// The code of a record the institution acted on (a retry shows the record as it is now).
    #[serde(default)]
    record: Option<String>,
}

/// A reply an idempotent write keeps, and rebuilds for a retry.
pub(super) trait Remembered: Sized {
    fn remember(&self, first: &mut Idempotent);
    fn recall(first: Idempotent, tx: &Tx, key: &[u8]) -> Result<Self, EngineError>;
}

impl Remembered for Applied {
    fn remember(&self, first: &mut Idempotent) {
        first.application = Some((self.app.id.clone(), self.app.revision));
        first.objection_id = self.objection_id.clone();
    }

    fn recall(first: Idempotent, tx: &Tx, key: &[u8]) -> Result<Applied, EngineError> {
        let (id, revision) = first
            .application
            .ok_or_else(|| EngineError::corrupt(key, "no application in the idempotency record"))?;
        Ok(Applied {
            app: Box::new(apps::at(&|k| tx.get(k), &id, revision)?),
            objection_id: first.objection_id,
        })
    }
}

impl Remembered for IssuedToken {
    fn remember(&self, first: &mut Idempotent) {
        first.token = Some(self.record.clone());
    }

    /// The secret is shown once; a retry gets the token's record only.
    fn recall(first: Idempotent, _tx: &Tx, key: &[u8]) -> Result<IssuedToken, EngineError> {
        let record = first
            .token
            .ok_or_else(|| EngineError::corrupt(key, "no token in the idempotency record"))?;
        Ok(IssuedToken {
            token: String::new(),
            record,
        })
    }
}

impl Remembered for Record {
    fn remember(&self, first: &mut Idempotent) {
        first.record = Some(self.code.clone());
    }

    fn recall(first: Idempotent, tx: &Tx, key: &[u8]) -> Result<Record, EngineError> {
        let code = first
            .record
            .ok_or_else(|| EngineError::corrupt(key, "no record in the idempotency record"))?;
        let key = keys::record(&code);
        let record = tx
            .get(&key)?
            .ok_or_else(|| EngineError::corrupt(&key, "the record vanished"))?;
        codec::decode(&key, &record).map_err(Into::into)
    }
}

/// The fingerprint of a request and the bytes it hashed, computed on the caller's task before
/// the write is queued, so the writer thread does not spend its time serialising and hashing
/// requests (the bytes also bound a command's materials).
pub(super) fn fingerprint<T: Serialize>(request: &T) -> (String, usize) {
    let bytes = serde_json::to_vec(request).expect("requests serialise");
    (hex::encode(Sha256::digest(&bytes)), bytes.len())
}

fn check_request_id(id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Refusal::invalid(
            "BAD_REQUEST_ID",
            "request_id is required: 1-128 characters of A-Z a-z 0-9 - _ . :",
        ))
    }
}

/// Runs `f` once per (actor, request id): a retry returns the first result.
pub(super) fn idempotent<R: Remembered>(
    tx: &mut Tx,
    actor: &Actor,
    request_id: &str,
    fp: String,
    f: impl FnOnce(&mut Tx) -> Result<R, EngineError>,
) -> Result<R, EngineError> {
    check_request_id(request_id)?;
    // Public callers share the actor id "public": scope their ids by who they say they are too.
    let scope = match actor.role {
        Role::Public => format!(
            "public:{}",
            hex::encode(Sha256::digest(actor.holder.as_bytes()))
        ),
        _ => actor.id.clone(),
    };
    let key = keys::idempotency(&scope, request_id);
    if let Some(bytes) = tx.get(&key)? {
        let first: Idempotent = codec::decode(&key, &bytes)?;
        if first.fingerprint != fp {
            return Err(Refusal::invalid(
                "REQUEST_ID_REUSED",
                format!("request_id {request_id} was used for a different request"),
            )
            .into());
        }
        return R::recall(first, tx, &key);
    }
    let reply = f(tx)?;
    let mut first = Idempotent {
        fingerprint: fp,
        ..Idempotent::default()
    };
    reply.remember(&mut first);
    // Compact: one is written per request, and older ones in JSON still read.
    tx.put(key, codec::encode_compact(&first));
    Ok(reply)
}
