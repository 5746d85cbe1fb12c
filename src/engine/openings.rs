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

/// A subject's event record as stored: the change its notification stream shows, then the
/// openings of the entry's commitments, in the compact codec (a plain pair, so it reads back
/// as `(Change, Vec<Opening>)`).
#[derive(Serialize, Deserialize)]
struct SubjectEvent {
    change: Change,
    openings: Vec<Opening>,
}

/// The value of a subject's event record.
pub(super) fn subject_event(change: Change, openings: Vec<Opening>) -> Vec<u8> {
    codec::encode_compact(&SubjectEvent { change, openings })
}

/// A subject's event record read back: compact, or JSON as stores written before kept it.
pub(super) fn decode_subject_event(
    key: &[u8],
    bytes: &[u8],
) -> Result<(Change, Vec<Opening>), EngineError> {
    if bytes.first() == Some(&codec::FORMAT_JSON_V1) {
        let old: JsonSubjectEvent = codec::decode(key, bytes)?;
        return Ok((old.change, old.openings));
    }
    let e: SubjectEvent = codec::decode(key, bytes)?;
    Ok((e.change, e.openings))
}

/// The record as stores written before kept it, in JSON: the change's fields and the openings,
/// a value that is itself a JSON text (a draft's materials, a contact) embedded as that JSON.
#[derive(Deserialize)]
struct JsonSubjectEvent {
    #[serde(flatten)]
    change: Change,
    #[serde(default, with = "embedded")]
    openings: Vec<Opening>,
}

/// Openings embedded in a JSON record: read back, an embedded value is the same text byte for
/// byte (a JSON value is kept as written), so it still opens its commitment.
mod embedded {
    use crate::log::commitment::Opening;
    use serde::{Deserialize, Deserializer};
    use serde_json::value::RawValue;

    #[derive(Deserialize)]
    struct In {
        field: String,
        salt: String,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        json: Option<Box<RawValue>>,
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
            Some(change) => subject_event(change.clone(), self.openings.clone()),
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
    let (change, openings) = decode_subject_event(&key, &bytes)?;
    Ok(Some(Stored {
        key,
        openings,
        change: Some(change),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_kept_in_json_by_an_older_store_reads_as_the_compact_one() {
        let change = Change {
            index: 4,
            application_id: "A0000000001".into(),
            step: "CREATED".into(),
            state: "DRAFT".into(),
            at: 1_796_248_990,
        };
        let openings = vec![
            Opening {
                field: "application".into(),
                salt: "ab".repeat(32),
                value: r#"{"subject":"91350100M000100Y43","n":[1, 2]}"#.into(),
            },
            Opening {
                field: "holder".into(),
                salt: "cd".repeat(32),
                value: "张三".into(),
            },
        ];
        let json = format!(
            "\u{1}{{\"index\":4,\"application_id\":\"A0000000001\",\"step\":\"CREATED\",\
             \"state\":\"DRAFT\",\"at\":1796248990,\"openings\":[\
             {{\"field\":\"application\",\"salt\":\"{}\",\"json\":{}}},\
             {{\"field\":\"holder\",\"salt\":\"{}\",\"value\":\"张三\"}}]}}",
            "ab".repeat(32),
            openings[0].value,
            "cd".repeat(32),
        );
        let key = b"sev/91350100M000100Y43/x";
        let old = decode_subject_event(key, json.as_bytes()).unwrap();
        assert_eq!(old, (change.clone(), openings.clone()));
        let new = subject_event(change.clone(), openings.clone());
        assert!(new.len() < json.len());
        assert_eq!(decode_subject_event(key, &new).unwrap(), (change, openings));
    }
}
