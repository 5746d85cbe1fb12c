//! Reads for federation: the trust list, what the national node holds of each province, alarms,
//! receipts, and the issuer key and national confirmation of a certificate.
use super::federation::{Alarm, MirrorState};
use super::{Engine, EngineError};
use crate::domain::certificate::Certificate;
use crate::domain::flow::Application;
use crate::store::{codec, keys};
use crate::sync::trust::{KeyStatus, TrustedNode};
use ed25519_dalek::VerifyingKey;

/// Which key a certificate was signed with, as the node knows it.
pub enum IssuerKey {
    Own(VerifyingKey),
    /// A province key from the trust list (active or retired).
    Listed(VerifyingKey),
    Revoked,
    Unknown,
}

impl Engine {
    pub fn trust_list(&self) -> Result<Vec<TrustedNode>, EngineError> {
        let mut out = Vec::new();
        for (k, v) in self.store().scan(keys::TRUST_PREFIX, None, usize::MAX)? {
            out.push(codec::decode(&k, &v)?);
        }
        Ok(out)
    }

    pub fn trusted_node(&self, node_id: &str) -> Result<Option<TrustedNode>, EngineError> {
        let key = keys::trust(node_id);
        match self.store().get(&key)? {
            Some(v) => Ok(Some(codec::decode(&key, &v)?)),
            None => Ok(None),
        }
    }

    /// What the national node holds of a node's log (default: nothing yet).
    pub fn mirror_state(&self, node_id: &str) -> Result<MirrorState, EngineError> {
        let key = keys::fed_state(node_id);
        match self.store().get(&key)? {
            Some(v) => Ok(codec::decode(&key, &v)?),
            None => Ok(MirrorState::default()),
        }
    }

    pub fn alarms(&self) -> Result<Vec<Alarm>, EngineError> {
        let mut out = Vec::new();
        for (k, v) in self.store().scan(keys::ALARM_PREFIX, None, usize::MAX)? {
            out.push(codec::decode(&k, &v)?);
        }
        Ok(out)
    }

    /// Province: the latest receipt the national node gave (size, cosigned note).
    pub fn latest_receipt(&self) -> Result<Option<(u64, Vec<u8>)>, EngineError> {
        Ok(self.store().last(keys::RECEIPT_PREFIX)?.map(|(k, v)| {
            let size = k
                .strip_prefix(keys::RECEIPT_PREFIX)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_be_bytes);
            (size, v)
        }))
    }

    /// Province: codes handed over by the national node whose records it has not imported yet.
    pub fn pending_imports(&self) -> Result<Vec<String>, EngineError> {
        Ok(self
            .store()
            .scan(keys::IMPORT_PREFIX, None, usize::MAX)?
            .into_iter()
            .map(|(k, _)| keys::suffix(&k, keys::IMPORT_PREFIX).to_string())
            .collect())
    }

    /// A mirrored application of the national book (`{node id}/{id}`).
    pub(super) fn read_mirrored_app(&self, id: &str) -> Result<Option<Application>, EngineError> {
        let key = keys::fed_app(id);
        match self.store().get(&key)? {
            Some(v) => Ok(Some(codec::decode(&key, &v)?)),
            None => Ok(None),
        }
    }

    /// The key to check a certificate with: this node's, or the issuer's from the trust list.
    pub fn issuer_key(&self, c: &Certificate) -> Result<IssuerKey, EngineError> {
        if c.issuer_node == self.config().node_id {
            return Ok(IssuerKey::Own(self.verifying_key()));
        }
        if let Some(national) = self.config().national_key {
            if crate::domain::certificate::key_id(&national) == c.issuer_key_id {
                return Ok(IssuerKey::Listed(national));
            }
        }
        let Some(node) = self.trusted_node(&c.issuer_node)? else {
            return Ok(IssuerKey::Unknown);
        };
        Ok(match node.key_by_id(&c.issuer_key_id) {
            Some(k) if k.status == KeyStatus::Revoked => IssuerKey::Revoked,
            Some(k) => IssuerKey::Listed(k.verifying_key()),
            None => IssuerKey::Unknown,
        })
    }

    /// The national receipt (a cosigned checkpoint) covering a certificate's log entry, if the
    /// national node has confirmed it: on a province, its own receipts; on the national node,
    /// the receipt it gave the issuer, or for its own certificates its own signed checkpoint.
    pub fn confirmation(&self, c: &Certificate) -> Result<Option<Vec<u8>>, EngineError> {
        let receipt = if self.config().role == "national" {
            // Its own certificates the national node confirms with its own checkpoint.
            if c.issuer_node == self.config().node_id {
                return Ok(self
                    .checkpoint()
                    .filter(|cp| cp.size > c.log_index)
                    .map(|cp| cp.note));
            }
            self.store().get(&keys::fed_receipt(&c.issuer_node))?
        } else {
            self.latest_receipt()?.map(|(_, r)| r)
        };
        Ok(receipt.filter(|r| receipt_size(r).is_some_and(|size| size > c.log_index)))
    }
}

/// The size line of a signed checkpoint note.
fn receipt_size(note: &[u8]) -> Option<u64> {
    std::str::from_utf8(note).ok()?.lines().nth(1)?.parse().ok()
}

impl Engine {
    /// Seals a payload in a signed envelope with the node key, named by its log's key id.
    pub fn seal(&self, payload_type: &str, payload: Vec<u8>) -> crate::sync::envelope::Envelope {
        let keyid = crate::log::checkpoint::note_key_id(&self.shared.origin, &self.verifying_key());
        crate::sync::envelope::seal(payload_type, payload, &keyid, &self.shared.key)
    }
}
