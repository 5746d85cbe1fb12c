//! The bytes of one log entry.
//!
//! ```text
//! entry v2 = "sjdj/log-entry/v2\n" || JSON(Record)      (written since private content is committed)
//! entry v1 = "sjdj/log-entry/v1\n" || JSON(Record)      (read: logs written before)
//! ```
//!
//! The first line is the domain-separation label and carries the format version; the rest is one
//! compact JSON object (UTF-8, no trailing newline) with the fields of [`Record`]: `index` (its
//! position in the log, so an entry moved elsewhere is detected), `at` (unix seconds on the node's
//! clock), `actor` (token id, `system` or `public`), the person or office behind the actor, and
//! `body`, externally tagged: `{"Flow": {"application_id": …, "event": {…}}}` for a step of an
//! application's flow, one of the admin actions (`TokenCreated`, `TokenRevoked`,
//! `ClockAdvanced`), the institution's own actions on a record (`RecordCorrected`, which pins the
//! new version's certificate, and `RecordRevoked`), a handed-over record's import
//! (`RecordImported`), or on the national node the trust list (`Delegated`, `KeyRotated`,
//! `KeyRevoked`, `Hosted`, `HandedOver`) and confirmations of province checkpoints
//! (`Confirmed`).
//!
//! The log is public forever, so v2 publishes only what is public by design. What is private
//! enters as a salted SHA-256 commitment ([`super::commitment`]), its opening kept in the node's
//! state:
//!
//! - the person behind the actor: `holder_commitment` (opening field `holder`), except for the
//!   node itself, whose `holder` is `system` in clear;
//! - a token's holder in `TokenCreated`: `token_holder_commitment` (opening field
//!   `token_holder`);
//! - in flow events, drafts' materials, contacts, withdrawal reasons, supplement notes and
//!   objectors: see [`super::public`], which also says what a submission publishes in clear.
//!
//! A v1 entry has `holder` in clear and every flow event in clear with contacts removed. A v2
//! entry is read only in its one canonical form: decoding and encoding it again gives its bytes.
//! Never a token, a secret or personal contact data in clear.
//!
//! The Merkle leaf is RFC 6962's: `SHA-256(0x00 || entry)`. Entries are hashed as stored and never
//! re-encoded; readers parse them only to show or check them.
use super::public::{self, PublicEvent};
use crate::domain::flow::EventKind;
use crate::domain::types::Role;
use serde::{Deserialize, Serialize};

/// Domain-separation label and format version of the entries written now.
pub const LABEL: &[u8] = b"sjdj/log-entry/v2\n";
/// The label of entries written before private content was committed; still read.
pub const LABEL_V1: &[u8] = b"sjdj/log-entry/v1\n";

/// What one entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the log (0-based); the entry is stored and proven at this index.
    pub index: u64,
    /// Unix seconds, from the node's clock.
    pub at: i64,
    /// Token id of the actor, `system` or `public`.
    pub actor: String,
    /// The person or office behind the actor, in clear: every v1 entry; in v2 only the node's
    /// own actors ([`node_actor`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub holder: String,
    /// v2: the commitment to the person behind the actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_commitment: Option<String>,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// A step of an application's flow: in v2 with its private parts committed, in v1 in clear
    /// but for contacts.
    Flow {
        application_id: String,
        event: Box<PublicEvent>,
    },
    /// A bearer token was issued. The token itself never leaves the response that shows it.
    TokenCreated {
        token_id: String,
        role: Role,
        /// v1: the token's holder in clear.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        holder: String,
        /// v2: the commitment to the token's holder (opening field `token_holder`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_holder_commitment: Option<String>,
        subject: Option<String>,
    },
    TokenRevoked {
        token_id: String,
    },
    /// The node clock was moved (test and drill nodes only: `clock.control`).
    ClockAdvanced {
        seconds: i64,
        offset: i64,
    },
    /// National trust list: the namespace `region` is delegated to node `node_id`, whose log is
    /// signed by `key` (ed25519, 64 hex digits).
    Delegated {
        node_id: String,
        region: String,
        key: String,
    },
    /// National trust list: `key` takes over for `node_id`; the key before it is retired (what
    /// it signed stays verifiable, it signs nothing new).
    KeyRotated {
        node_id: String,
        key: String,
    },
    /// National trust list: the node's current key is revoked (compromised or withdrawn); its
    /// feed is refused until a new key is delegated by rotation.
    KeyRevoked {
        node_id: String,
        reason: String,
    },
    /// National: the national node hosts the province namespace `region` (代为受理): it mints
    /// there, for subjects of that province, until it hands the namespace over.
    Hosted {
        region: String,
    },
    /// National: the hosted namespace `region` moves to node `node_id` with key `key` (a
    /// delegation), carrying the last serial minted in it per year so no code is minted twice.
    HandedOver {
        region: String,
        node_id: String,
        key: String,
        serials: std::collections::BTreeMap<u16, u32>,
        /// The codes registered in the namespace while hosted: their records move too.
        codes: Vec<String>,
    },
    /// Province: the record of a code handed over by the national node was imported from the
    /// national certificate with this SHA-256 (hex).
    RecordImported {
        code: String,
        version: u32,
        certificate_sha256: String,
    },
    /// The registration institution corrected a record itself: the facts it corrected, and the
    /// certificate of the code's new version (its SHA-256, hex), which names this entry.
    RecordCorrected {
        code: String,
        version: u32,
        query_code: String,
        certificate_sha256: String,
        correction: crate::domain::record::RecordCorrection,
        reason: String,
    },
    /// Retention: the personal contact data of these applications was purged (their record, if
    /// any, ended long enough ago). Public facts, versions and the log stay.
    ContactsPurged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        application_ids: Vec<String>,
    },
    /// The registration institution revoked (撤销) a code: it ends, a tombstone with its history.
    RecordRevoked {
        code: String,
        on: time::Date,
        reason: String,
    },
    /// National: a province checkpoint (of `size` entries, root hex) was verified and every
    /// entry it covers taken into the national book.
    Confirmed {
        node_id: String,
        origin: String,
        size: u64,
        root: String,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntryError {
    #[error("entry does not start with the label sjdj/log-entry/v1 or v2")]
    Label,
    #[error("entry body is not a record: {0}")]
    Body(String),
    #[error("v2 entry publishes what it must commit: {0}")]
    Private(String),
    #[error("v2 entry is not in its canonical form")]
    NotCanonical,
}

/// Whether an actor id is the node's own (`system`, or `node:{id}` for a province's feed on the
/// national node), whose holder is public by design: it is the node, not a person.
pub fn node_actor(actor: &str) -> bool {
    actor == "system" || actor.starts_with("node:")
}

impl Record {
    /// The v2 entry bytes. Deterministic: serde writes struct fields in declaration order.
    pub fn encode(&self) -> Vec<u8> {
        self.encode_as(LABEL)
    }

    /// The v1 entry bytes: how a node wrote this record before (golden vectors, old logs).
    pub fn encode_v1(&self) -> Vec<u8> {
        self.encode_as(LABEL_V1)
    }

    fn encode_as(&self, label: &[u8]) -> Vec<u8> {
        let mut out = label.to_vec();
        serde_json::to_writer(&mut out, self).expect("a record serialises");
        out
    }

    /// Reads a v1 or v2 entry. A v2 entry must commit what it may not publish and be in its
    /// canonical form; a v1 entry cannot carry commitments, which v1 did not have.
    pub fn decode(bytes: &[u8]) -> Result<Record, EntryError> {
        let (v2, body) = match (bytes.strip_prefix(LABEL), bytes.strip_prefix(LABEL_V1)) {
            (Some(b), _) => (true, b),
            (None, Some(b)) => (false, b),
            (None, None) => return Err(EntryError::Label),
        };
        let record: Record =
            serde_json::from_slice(body).map_err(|e| EntryError::Body(e.to_string()))?;
        if v2 {
            record.check_v2()?;
            if record.encode() != bytes {
                return Err(EntryError::NotCanonical);
            }
        } else if record.is_sealed() {
            return Err(EntryError::Body("a v1 entry with commitments".into()));
        }
        Ok(record)
    }

    /// Whether the record carries any commitment (a v2 form).
    fn is_sealed(&self) -> bool {
        self.holder_commitment.is_some()
            || matches!(
                &self.body,
                Body::TokenCreated {
                    token_holder_commitment: Some(_),
                    ..
                }
            )
            || matches!(&self.body, Body::Flow { event, .. } if !matches!(**event, PublicEvent::Clear(_)))
    }

    fn check_v2(&self) -> Result<(), EntryError> {
        let private = |what: &str| Err(EntryError::Private(what.into()));
        match (&self.holder_commitment, self.holder.as_str()) {
            (None, h) if !h.is_empty() && node_actor(&self.actor) => {}
            (Some(c), "") if super::commitment::well_formed(c) => {}
            _ => return private("a person behind the actor in clear"),
        }
        match &self.body {
            Body::TokenCreated {
                holder,
                token_holder_commitment: Some(c),
                ..
            } if holder.is_empty() && super::commitment::well_formed(c) => Ok(()),
            Body::TokenCreated { .. } => private("a token's holder"),
            Body::Flow { event, .. } => match event.as_ref() {
                PublicEvent::Clear(k) if !public::public_by_design(k) => {
                    private(&format!("{} in clear", k.step()))
                }
                e if !public::commitments_well_formed(e) => private("a malformed commitment"),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The flow event of this entry as anyone reading the log knows it ([`PublicEvent::view`]).
    pub fn flow(&self) -> Option<(&str, EventKind)> {
        match &self.body {
            Body::Flow {
                application_id,
                event,
            } => Some((application_id, event.view())),
            _ => None,
        }
    }

    /// The certificate a flow entry issues (code and version), if it issues one: what a push
    /// or a pull must send along with the entry.
    pub fn issued_certificate(&self) -> Option<(&str, u32)> {
        match &self.body {
            Body::Flow { event, .. } => match event.as_ref() {
                PublicEvent::Clear(k) => match k.as_ref() {
                    EventKind::CertificateIssued { code, version, .. } => Some((code, *version)),
                    _ => None,
                },
                _ => None,
            },
            Body::RecordCorrected { code, version, .. } => Some((code, *version)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            index: 7,
            at: 1_767_225_600,
            actor: "T1".into(),
            holder: "受理窗口".into(),
            holder_commitment: None,
            body: Body::Flow {
                application_id: "A0000000001".into(),
                event: Box::new(PublicEvent::Clear(Box::new(EventKind::Accepted {
                    reason: "材料齐全".into(),
                    review_due: time::macros::date!(2026 - 01 - 15),
                }))),
            },
        }
    }

    fn sealed() -> Record {
        Record {
            holder: String::new(),
            holder_commitment: Some("ab".repeat(32)),
            ..record()
        }
    }

    #[test]
    fn v1_round_trips_and_starts_with_its_label() {
        let bytes = record().encode_v1();
        assert!(bytes.starts_with(b"sjdj/log-entry/v1\n{\"index\":7,"));
        assert_eq!(Record::decode(&bytes).unwrap(), record());
    }

    #[test]
    fn v2_round_trips_and_refuses_what_it_must_commit() {
        let bytes = sealed().encode();
        assert!(bytes.starts_with(b"sjdj/log-entry/v2\n{\"index\":7,"));
        assert!(!String::from_utf8_lossy(&bytes).contains("受理窗口"));
        assert_eq!(Record::decode(&bytes).unwrap(), sealed());
        // A holder in clear, a withdrawal reason in clear, a token holder in clear: refused.
        let clear_holder = record().encode();
        assert!(matches!(
            Record::decode(&clear_holder),
            Err(EntryError::Private(_))
        ));
        let withdrawn = Record {
            body: Body::Flow {
                application_id: "A1".into(),
                event: Box::new(PublicEvent::Clear(Box::new(EventKind::Withdrawn {
                    reason: "撤回".into(),
                }))),
            },
            ..sealed()
        };
        assert!(matches!(
            Record::decode(&withdrawn.encode()),
            Err(EntryError::Private(m)) if m.contains("WITHDRAWN")
        ));
        let token = Record {
            body: Body::TokenCreated {
                token_id: "T1".into(),
                role: Role::Clerk,
                holder: "王五".into(),
                token_holder_commitment: None,
                subject: None,
            },
            ..sealed()
        };
        assert!(matches!(
            Record::decode(&token.encode()),
            Err(EntryError::Private(_))
        ));
        // Extra white space is not the canonical form.
        let mut spaced = sealed().encode();
        spaced.insert(LABEL.len() + 1, b' ');
        assert_eq!(Record::decode(&spaced), Err(EntryError::NotCanonical));
        // A v1 entry cannot carry v2's commitments.
        assert!(matches!(
            Record::decode(&sealed().encode_v1()),
            Err(EntryError::Body(_))
        ));
    }

    #[test]
    fn refuses_other_labels_and_bodies() {
        let mut bytes = record().encode_v1();
        bytes[16] = b'3';
        assert_eq!(Record::decode(&bytes), Err(EntryError::Label));
        let mut bytes = LABEL_V1.to_vec();
        bytes.extend_from_slice(b"{\"index\":1}");
        assert!(matches!(Record::decode(&bytes), Err(EntryError::Body(_))));
    }
}
