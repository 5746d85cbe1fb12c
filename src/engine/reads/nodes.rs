//! Reads for federation: the trust list, what the national node holds of each province, alarms,
//! receipts, and the issuer key and national confirmation of a certificate.
use super::{page_size, Page};
use crate::domain::certificate::Certificate;
use crate::domain::flow::{echo, Application, Refusal};
use crate::domain::types::{Actor, NodeRole, Role};
use crate::engine::federation::{bundle_entries, Alarm, MirrorState, BUNDLE};
use crate::engine::{Engine, EngineError};
use crate::log::tree::{self, TileSource};
use crate::log::LogError;
use crate::store::{codec, keys};
use crate::sync::trust::{KeyStatus, TrustedNode};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;

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

    /// The openings of log entry `index`'s commitments, for auditors and the admin; an entry
    /// in clear (or whose contact openings were purged) has fewer or none.
    pub fn log_openings(
        &self,
        actor: &crate::domain::types::Actor,
        index: u64,
    ) -> Result<Vec<crate::log::commitment::Opening>, EngineError> {
        use crate::domain::types::Role;
        if !matches!(actor.role, Role::Auditor | Role::Admin) {
            return Err(crate::domain::flow::Refusal::denied(
                "WRONG_ROLE",
                "the openings of the log's commitments are for auditors and the admin",
            )
            .into());
        }
        if index >= self.published_size() {
            return Err(crate::domain::flow::Refusal::new(
                crate::domain::flow::RefusalKind::NotFound,
                "LOG_RANGE",
                format!("entry {index} is beyond the published log"),
            )
            .into());
        }
        let key = keys::event(index);
        let bytes = self
            .store()
            .get(&key)?
            .ok_or_else(|| EngineError::corrupt(&key, "entry missing"))?;
        let record = crate::log::entry::Record::decode(&bytes)
            .map_err(|e| EngineError::corrupt(&key, &e.to_string()))?;
        let get = |k: &[u8]| Ok(self.store().get(k)?);
        Ok(crate::engine::openings::read(&get, index, &record, None)?
            .map_or_else(Vec::new, |s| s.openings))
    }

    /// Every alarm raised, in order (the metrics count them all).
    pub fn alarms(&self) -> Result<Vec<Alarm>, EngineError> {
        let mut out = Vec::new();
        for (k, v) in self.store().scan(keys::ALARM_PREFIX, None, usize::MAX)? {
            out.push(codec::decode(&k, &v)?);
        }
        Ok(out)
    }

    /// [`Engine::alarms_page`] for `actor`: the admin and auditors only.
    pub fn alarms_for(
        &self,
        actor: &Actor,
        size: i32,
        after: &str,
    ) -> Result<Page<Alarm>, EngineError> {
        if !matches!(actor.role, Role::Admin | Role::Auditor) {
            return Err(
                Refusal::denied("WRONG_ROLE", "alarms are for the admin and auditors").into(),
            );
        }
        self.alarms_page(size, after)
    }

    /// A page of `size` alarms, in the order they were raised, after the alarm number `after`
    /// (empty: from the first); a token that is not an alarm number is refused.
    pub fn alarms_page(&self, size: i32, after: &str) -> Result<Page<Alarm>, EngineError> {
        let size = page_size(size, 100);
        let cursor = match after {
            "" => None,
            n => Some(keys::alarm(n.parse().map_err(|_| {
                Refusal::invalid(
                    "PAGE_TOKEN_INVALID",
                    format!("page_token {} is not one this list gave", echo(n)),
                )
            })?)),
        };
        let mut items: Vec<Alarm> = Vec::new();
        for (k, v) in self
            .store()
            .scan(keys::ALARM_PREFIX, cursor.as_deref(), size)?
        {
            items.push(codec::decode(&k, &v)?);
        }
        let next = (items.len() == size)
            .then(|| items.last().map(|a| a.number.to_string()))
            .flatten();
        Ok(Page { items, next })
    }

    /// Province: the latest receipt the national node gave (size, cosigned note).
    pub fn latest_receipt(&self) -> Result<Option<(u64, Vec<u8>)>, EngineError> {
        crate::engine::log_ops::latest_receipt(self.store().as_ref())
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
        let own = self.verifying_key();
        if c.issuer_node == self.config().node_id
            && crate::domain::certificate::key_id(&own) == c.issuer_key_id
        {
            return Ok(IssuerKey::Own(own));
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

    /// The national confirmation of a certificate, if the national node has confirmed it: the
    /// receipt (a checkpoint of the issuer's log cosigned nationally; on the national node for
    /// its own certificates, its own checkpoint), the issuer's entry that pins the certificate,
    /// and the entry's inclusion proof in the tree of the receipt's size.
    pub fn confirmation(&self, c: &Certificate) -> Result<Option<Confirmation>, EngineError> {
        let store = self.store().as_ref();
        let own = c.issuer_node == self.config().node_id;
        // Whose log the certificate's entry is in, when not this node's own: on the national
        // node a province's copy; on a province, a certificate it did not issue is one the
        // national node handed over, whose entry is in the national log it follows.
        let mirror = match (self.config().role == NodeRole::National, own) {
            (_, true) => None,
            (true, false) => Some(c.issuer_node.as_str()),
            (false, false)
                if self
                    .config()
                    .national_key
                    .is_some_and(|k| crate::domain::certificate::key_id(&k) == c.issuer_key_id) =>
            {
                Some(crate::engine::NATIONAL_MIRROR)
            }
            (false, false) => return Ok(None),
        };
        let receipt = match (self.config().role == NodeRole::National, mirror) {
            (true, None) => self.checkpoint().map(|cp| cp.note),
            (true, Some(node)) => store.get(&keys::fed_receipt(node))?,
            (false, None) => self.latest_receipt()?.map(|(_, r)| r),
            // The national node's own certificates are confirmed by its own checkpoint: the
            // latest one this province verified as it followed the national log.
            (false, Some(node)) => self.mirror_state(node)?.signed.map(|c| c.note),
        };
        let Some(receipt) = receipt else {
            return Ok(None);
        };
        let Some(size) =
            crate::log::checkpoint::note_size(&receipt).filter(|size| *size > c.log_index)
        else {
            return Ok(None);
        };
        let (entry, proof) = if let Some(node) = mirror {
            let key = keys::fed_bundle(node, c.log_index / BUNDLE);
            let bundle = store
                .get(&key)?
                .ok_or_else(|| EngineError::corrupt(&key, "mirrored bundle missing"))?;
            let entries = bundle_entries(&bundle).map_err(|e| EngineError::corrupt(&key, &e))?;
            let entry = entries
                .into_iter()
                .nth((c.log_index % BUNDLE) as usize)
                .ok_or_else(|| EngineError::corrupt(&key, "mirrored entry missing"))?;
            let proof = tree::inclusion_proof(&MirrorTiles { store, node }, c.log_index, size)?;
            (entry, proof)
        } else {
            let entry = store
                .get(&keys::event(c.log_index))?
                .ok_or_else(|| EngineError::corrupt(&keys::event(c.log_index), "entry missing"))?;
            let proof =
                tree::inclusion_proof(&crate::engine::StoreTiles(store), c.log_index, size)?;
            (entry, proof)
        };
        Ok(Some(Confirmation {
            receipt,
            entry,
            proof: proof.into_iter().map(|h| h.0).collect(),
        }))
    }
}

/// A province namespace of the national book (`ListProvinces`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvinceState {
    /// `XX0000`.
    pub region: String,
    /// The node it is delegated to.
    pub node_id: Option<String>,
    /// Whether the national node hosts it.
    pub hosted: bool,
    /// Records of the book whose subject is in it.
    pub records: u64,
    /// The last checkpoint of the node's log the national node confirmed: size and time.
    pub confirmed: Option<(u64, i64)>,
    /// Entries of the node's log the book holds.
    pub held: u64,
    pub frozen: bool,
}

impl ProvinceState {
    /// Entries of the confirmed checkpoint the book does not hold yet.
    pub fn entries_behind(&self) -> u64 {
        self.confirmed
            .map_or(0, |(size, _)| size.saturating_sub(self.held))
    }

    /// How old the confirmed checkpoint is at `now` (Unix seconds); 0 with none.
    pub fn seconds_behind(&self, now: i64) -> i64 {
        self.confirmed.map_or(0, |(_, t)| (now - t).max(0))
    }
}

impl Engine {
    /// The national node: every province namespace delegated to a node or hosted, or that has
    /// records in the book, in region order.
    pub fn provinces(&self) -> Result<Vec<ProvinceState>, EngineError> {
        if self.config().role != NodeRole::National {
            return Err(Refusal::precondition(
                "NOT_NATIONAL",
                "only the national node keeps the book of every province",
            )
            .into());
        }
        let blank = |region: &str| ProvinceState {
            region: region.to_string(),
            node_id: None,
            hosted: false,
            records: 0,
            confirmed: None,
            held: 0,
            frozen: false,
        };
        let mut out: BTreeMap<String, ProvinceState> = BTreeMap::new();
        for node in self.trust_list()? {
            let state = self.mirror_state(&node.node_id)?;
            let p = out
                .entry(node.region.clone())
                .or_insert_with(|| blank(&node.region));
            p.confirmed = state.signed.as_ref().map(|c| {
                let time = crate::log::checkpoint::note_time(&c.note).unwrap_or(0);
                (c.size, time)
            });
            (p.node_id, p.held, p.frozen) =
                (Some(node.node_id), state.held, state.frozen.is_some());
        }
        for (k, _) in self.store().scan(keys::HOSTED_PREFIX, None, usize::MAX)? {
            let region = keys::suffix(&k, keys::HOSTED_PREFIX);
            out.entry(region.to_string())
                .or_insert_with(|| blank(region))
                .hosted = true;
        }
        let tally = self.shared.tally.read();
        let with_records: Vec<String> = tally.provinces().map(str::to_string).collect();
        drop(tally);
        for region in with_records {
            out.entry(region.clone()).or_insert_with(|| blank(&region));
        }
        for p in out.values_mut() {
            p.records = self.tally_records(&p.region);
        }
        Ok(out.into_values().collect())
    }
}

/// A certificate's national confirmation, checkable offline.
#[derive(Debug, Clone)]
pub struct Confirmation {
    /// The issuer's checkpoint with the national cosignature (or the national checkpoint).
    pub receipt: Vec<u8>,
    /// The issuer's log entry that pins the certificate.
    pub entry: Vec<u8>,
    /// The entry's inclusion proof in the tree of the receipt's size.
    pub proof: Vec<[u8; 32]>,
}

/// A mirrored log's tiles as committed.
struct MirrorTiles<'a> {
    store: &'a dyn crate::store::Store,
    node: &'a str,
}

impl TileSource for MirrorTiles<'_> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        self.store
            .get(&keys::fed_tile(self.node, level, n))
            .map_err(|e| LogError::Corrupt(e.to_string()))
    }
}

impl Engine {
    /// Seals a payload in a signed envelope with the node key, named by its log's key id.
    pub fn seal(&self, payload_type: &str, payload: Vec<u8>) -> crate::sync::envelope::Envelope {
        let keyid = crate::log::checkpoint::note_key_id(&self.shared.origin, &self.verifying_key());
        crate::sync::envelope::seal(payload_type, payload, &keyid, &self.shared.key)
    }
}
