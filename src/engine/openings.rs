//! Where the openings of a log entry's commitments are kept. A flow event's go in its subject's
//! event record (`sev/{subject}/{index}`), which is written with the entry anyway, so an event
//! costs no store key of its own; any other entry's (the person behind an admin, a token's
//! holder) under `open/{index}`. Entries appended while every entry's openings had a key of
//! their own still have them under `open/{index}`, so a read looks there first.
use super::apps::{self, Get};
use super::reads::Change;
use super::EngineError;
use crate::log::commitment::Opening;
use crate::log::entry::{Body, Record};
use crate::store::{codec, keys};
use serde::{Deserialize, Serialize};

/// A subject's event record as stored: the change its notification stream shows, and the
/// openings of the entry's commitments, which the stream never reads (a `Change` decoded from
/// this value skips them).
#[derive(Serialize, Deserialize)]
pub(super) struct SubjectEvent {
    #[serde(flatten)]
    pub change: Change,
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "embedded")]
    pub openings: Vec<Opening>,
}

/// Openings as a subject's event record stores them: a value that is itself a JSON text (a
/// draft's materials, a contact) is written as that JSON rather than as a string escaping
/// every quote of it, which costs the writer more than the rest of the record. Read back, the
/// value is the same text byte for byte (a JSON value is kept as written), so it still opens
/// its commitment.
mod embedded {
    use crate::log::commitment::Opening;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::value::RawValue;

    #[derive(Serialize)]
    struct Out<'a> {
        field: &'a str,
        salt: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        json: Option<&'a RawValue>,
    }

    #[derive(Deserialize)]
    struct In {
        field: String,
        salt: String,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        json: Option<Box<RawValue>>,
    }

    pub fn serialize<S: Serializer>(openings: &[Opening], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(openings.iter().map(|o| {
            // Only a JSON object or array is embedded; any other text stays a string.
            // Borrowed, so the text is checked but not copied.
            let json = (o.value.starts_with('{') || o.value.starts_with('['))
                .then(|| serde_json::from_str::<&RawValue>(&o.value).ok())
                .flatten();
            Out {
                field: &o.field,
                salt: &o.salt,
                value: json.is_none().then_some(o.value.as_str()),
                json,
            }
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Opening>, D::Error> {
        Ok(Vec::<In>::deserialize(d)?
            .into_iter()
            .map(|o| Opening {
                field: o.field,
                salt: o.salt,
                value: match (o.json, o.value) {
                    (Some(json), _) => json.get().to_string(),
                    (None, value) => value.unwrap_or_default(),
                },
            })
            .collect())
    }
}

/// An entry's openings and the value they were read from, so a purge can write them back.
pub(super) struct Stored {
    pub key: Vec<u8>,
    pub openings: Vec<Opening>,
    /// The subject's event record holding them; `None`: they are under `open/{index}`.
    change: Option<Change>,
}

impl Stored {
    /// The value that stores `self.openings` under `self.key`.
    pub fn encode(&self) -> Vec<u8> {
        match &self.change {
            Some(change) => codec::encode(&SubjectEvent {
                change: change.clone(),
                openings: self.openings.clone(),
            }),
            None => codec::encode(&self.openings),
        }
    }
}

/// The openings of entry `index` (`record`), wherever they are kept; `None` if there are none.
/// `subject` is the flow event's subject when the caller knows it (the audit folding the
/// application, the purge holding it); otherwise it is read from the application's state.
pub(super) fn read(
    get: Get,
    index: u64,
    record: &Record,
    subject: Option<&str>,
) -> Result<Option<Stored>, EngineError> {
    let key = keys::openings(index);
    if let Some(bytes) = get(&key)? {
        return Ok(Some(Stored {
            openings: codec::decode(&key, &bytes)?,
            key,
            change: None,
        }));
    }
    let Body::Flow { application_id, .. } = &record.body else {
        return Ok(None);
    };
    // An application's subject never changes, so its current state names the record.
    let subject = match subject {
        Some(s) => s.to_string(),
        None => match apps::current(get, application_id)? {
            Some(app) => app.subject,
            None => return Ok(None),
        },
    };
    let key = keys::subject_event(&subject, index);
    let Some(bytes) = get(&key)? else {
        return Ok(None);
    };
    let stored: SubjectEvent = codec::decode(&key, &bytes)?;
    Ok(Some(Stored {
        key,
        openings: stored.openings,
        change: Some(stored.change),
    }))
}
