//! The bytes of one log entry.
//!
//! ```text
//! entry v1 = "sjdj/log-entry/v1\n" || JSON(Record)
//! ```
//!
//! The first line is the domain-separation label and carries the format version; the rest is one
//! compact JSON object (UTF-8, no trailing newline) with the fields of [`Record`]: `index` (its
//! position in the log, so an entry moved elsewhere is detected), `at` (unix seconds on the node's
//! clock), `actor` (token id, `system` or `public`), `holder` (the person or office behind the
//! actor), and `body`, externally tagged: `{"Flow": {"application_id": …, "event": {…}}}` for
//! a step of an application's flow, one of the admin actions (`TokenCreated`, `TokenRevoked`,
//! `ClockAdvanced`), the institution's own actions on a record (`RecordCorrected`, which pins the
//! new version's certificate, and `RecordRevoked`), a handed-over record's import
//! (`RecordImported`), or on the national node the trust list (`Delegated`, `KeyRotated`,
//! `KeyRevoked`, `Hosted`, `HandedOver`) and confirmations of province checkpoints
//! (`Confirmed`). Never a token, a secret or personal contact data: flow events are logged
//! through [`EventKind::redacted`].
//!
//! The Merkle leaf is RFC 6962's: `SHA-256(0x00 || entry)`. Entries are hashed as stored and never
//! re-encoded; readers parse them only to show or check them.
use crate::domain::flow::EventKind;
use crate::domain::types::Role;
use serde::{Deserialize, Serialize};

/// Domain-separation label and format version; every entry starts with it.
pub const LABEL: &[u8] = b"sjdj/log-entry/v1\n";

/// What one entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the log (0-based); the entry is stored and proven at this index.
    pub index: u64,
    /// Unix seconds, from the node's clock.
    pub at: i64,
    /// Token id of the actor, `system` or `public`.
    pub actor: String,
    /// The person or office behind the actor.
    pub holder: String,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// A step of an application's flow (redacted: no personal contact data).
    Flow {
        application_id: String,
        event: Box<EventKind>,
    },
    /// A bearer token was issued. The token itself never leaves the response that shows it.
    TokenCreated {
        token_id: String,
        role: Role,
        holder: String,
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
    #[error("entry does not start with the label sjdj/log-entry/v1")]
    Label,
    #[error("entry body is not a v1 record: {0}")]
    Body(String),
}

impl Record {
    /// The entry bytes. Deterministic: serde writes struct fields in declaration order.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = LABEL.to_vec();
        serde_json::to_writer(&mut out, self).expect("a record serialises");
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Record, EntryError> {
        let body = bytes.strip_prefix(LABEL).ok_or(EntryError::Label)?;
        serde_json::from_slice(body).map_err(|e| EntryError::Body(e.to_string()))
    }

    /// The certificate a flow entry issues (code and version), if it issues one: what a push
    /// or a pull must send along with the entry.
    pub fn issued_certificate(&self) -> Option<(&str, u32)> {
        match &self.body {
            Body::Flow { event, .. } => match event.as_ref() {
                EventKind::CertificateIssued { code, version, .. } => Some((code, *version)),
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
            body: Body::Flow {
                application_id: "A0000000001".into(),
                event: Box::new(EventKind::Withdrawn {
                    reason: "撤回".into(),
                }),
            },
        }
    }

    #[test]
    fn round_trips_and_starts_with_the_label() {
        let bytes = record().encode();
        assert!(bytes.starts_with(b"sjdj/log-entry/v1\n{\"index\":7,"));
        assert_eq!(Record::decode(&bytes).unwrap(), record());
    }

    #[test]
    fn refuses_other_labels_and_bodies() {
        let mut bytes = record().encode();
        bytes[16] = b'2';
        assert_eq!(Record::decode(&bytes), Err(EntryError::Label));
        let mut bytes = LABEL.to_vec();
        bytes.extend_from_slice(b"{\"index\":1}");
        assert!(matches!(Record::decode(&bytes), Err(EntryError::Body(_))));
    }
}
