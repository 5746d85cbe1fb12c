//! The audit's check of a v2 entry's commitments: each one opened by the opening the node keeps
//! (`engine::openings`), so the log commits to exactly what the state holds. An entry's person
//! behind the actor and its flow event come back whole, for the audit to fold.
use super::apps::Get;
use super::audit::{at, store_err, Mismatch};
use crate::domain::flow::EventKind;
use crate::log::commitment::Opening;
use crate::log::entry::{Body, Record};
use crate::store::keys;

/// An entry with its commitments opened.
pub(super) struct Opened {
    /// The person behind the actor.
    pub holder: String,
    /// The flow event in full (contacts the retention purge removed read as empty).
    pub event: Option<EventKind>,
    /// Commitments checked.
    pub commitments: usize,
}

impl Opened {
    /// An entry as the log publishes it, for one recovered from the other tier without its
    /// openings: the flow event's public view, the holder as published.
    pub(super) fn published(record: &Record) -> Opened {
        Opened {
            holder: record.holder.clone(),
            event: match &record.body {
                Body::Flow { event, .. } => Some(event.view()),
                _ => None,
            },
            commitments: 0,
        }
    }
}

/// `subject`: the flow event's subject, when the audit has folded its application already.
/// `get` reads the store, or the writer's view of it.
pub(super) fn open(
    get: Get,
    index: u64,
    record: &Record,
    subject: Option<&str>,
) -> Result<Opened, Mismatch> {
    let (key, openings): (Vec<u8>, Vec<Opening>) =
        match super::openings::read(get, index, record, subject).map_err(store_err)? {
            Some(stored) => (stored.key, stored.openings),
            None => (keys::openings(index), Vec::new()),
        };
    let field = |name: &str, commitment: &str| -> Result<String, Mismatch> {
        match openings.iter().find(|o| o.field == name) {
            Some(o) if o.opens(commitment) => Ok(o.value.clone()),
            Some(_) => Err(at(
                &key,
                format!("entry {index}: the {name} opening does not open its commitment"),
            )),
            None => Err(at(
                &key,
                format!("entry {index}: no opening of its {name} commitment"),
            )),
        }
    };
    let mut commitments = 0;
    let holder = match &record.holder_commitment {
        Some(c) => {
            commitments += 1;
            field("holder", c)?
        }
        None => record.holder.clone(),
    };
    if let Body::TokenCreated {
        token_holder_commitment: Some(c),
        ..
    } = &record.body
    {
        commitments += 1;
        field("token_holder", c)?;
    }
    let event = match &record.body {
        Body::Flow { event, .. } => {
            commitments += event.commitments().len();
            Some(
                event
                    .open(&openings)
                    .map_err(|e| at(&key, format!("entry {index}: {e}")))?,
            )
        }
        _ => None,
    };
    Ok(Opened {
        holder,
        event,
        commitments,
    })
}
