//! The engine's side of the transparency log: appending entries in the writer's transaction,
//! signing checkpoints, and the reads that serve them.
//!
//! Invariant: the log's size is the `meta/next_event` counter; entry `i` is `ev/{i}`, written in
//! the same batch as the tiles it changes and the state change it records.
//! Invariant: a checkpoint is signed by the writer (so it covers exactly what is applied), and
//! published to readers only after the flush that makes it and its entries durable.
use super::writer::Tx;
use super::{EngineError, Shared};
use crate::domain::flow::Refusal;
use crate::domain::types::Actor;
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::commitment::{self, Opening};
use crate::log::entry::{self, Body, Record};
use crate::log::tree::{self, TileSource};
use crate::log::LogError;
use crate::store::codec;
use crate::store::{keys, Store};

/// Most entries one `ListEntries` call returns.
pub const MAX_ENTRIES: u64 = 1000;

impl From<LogError> for EngineError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::Corrupt(d) => EngineError::corrupt(b"lt/", &d),
            other => EngineError::Internal(other.to_string()),
        }
    }
}

/// Tiles as the writer sees them: committed plus this group's pending writes.
struct TxTiles<'t, 'v, 'a>(&'t Tx<'v, 'a>);

impl TileSource for TxTiles<'_, '_, '_> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        self.0
            .get(&keys::tile(level, n))
            .map_err(|e| LogError::Corrupt(e.to_string()))
    }
}

/// Tiles as committed in the store, for proofs and audits.
pub struct StoreTiles<'a>(pub &'a dyn Store);

impl TileSource for StoreTiles<'_> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        self.0
            .get(&keys::tile(level, n))
            .map_err(|e| LogError::Corrupt(e.to_string()))
    }
}

/// The number of entries in the log (committed plus pending, as `get` sees them).
pub(super) fn size(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>,
) -> Result<u64, EngineError> {
    let key = keys::meta("next_event");
    match get(&key)? {
        Some(b) => {
            Ok(u64::from_be_bytes(b.as_slice().try_into().map_err(
                |_| EngineError::corrupt(&key, "counter is not 8 bytes"),
            )?))
        }
        None => Ok(0),
    }
}

/// Appends one entry in the caller's transaction; returns its index. The openings of its
/// commitments (the person behind the actor, a token's holder) are written under `open/{index}`.
pub(super) fn append(tx: &mut Tx, at: i64, actor: &Actor, body: Body) -> Result<u64, EngineError> {
    let (index, openings) = append_sealed(tx, at, actor, body, Vec::new())?;
    if !openings.is_empty() {
        tx.put(keys::openings(index), codec::encode(&openings));
    }
    Ok(index)
}

/// Appends one entry whose body already carries commitments opened by `openings`; the person
/// behind the actor and a token's holder are committed here. Returns the entry's index and every
/// opening of its commitments, for the caller to keep (`engine::openings` reads them back).
pub(super) fn append_sealed(
    tx: &mut Tx,
    at: i64,
    actor: &Actor,
    mut body: Body,
    mut openings: Vec<Opening>,
) -> Result<(u64, Vec<Opening>), EngineError> {
    let index = size(|k| tx.get(k))?;
    let (holder, holder_commitment) = if entry::node_actor(&actor.id) {
        (actor.holder.clone(), None)
    } else {
        let (c, o) = Opening::seal("holder", actor.holder.clone(), commitment::salt());
        openings.push(o);
        (String::new(), Some(c))
    };
    if let Body::TokenCreated {
        holder,
        token_holder_commitment: c @ None,
        ..
    } = &mut body
    {
        let (sealed, o) = Opening::seal("token_holder", std::mem::take(holder), commitment::salt());
        openings.push(o);
        *c = Some(sealed);
    }
    let entry = Record {
        index,
        at,
        actor: actor.id.clone(),
        holder,
        holder_commitment,
        body,
    }
    .encode();
    let writes = tree::append(&TxTiles(tx), index, tree::leaf_hash(&entry))?;
    for w in writes {
        tx.put(keys::tile(w.level, w.n), w.data);
    }
    tx.put(keys::event(index), entry);
    tx.put(keys::meta("next_event"), (index + 1).to_be_bytes().to_vec());
    Ok((index, openings))
}

/// The latest signed checkpoint in the store, if any.
pub(super) fn stored_checkpoint(
    shared: &Shared,
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>,
) -> Result<Option<SignedCheckpoint>, EngineError> {
    let key = keys::meta("checkpoint");
    let Some(note) = get(&key)? else {
        return Ok(None);
    };
    let current = shared.key.verifying_key();
    match checkpoint::verify(&note, &current, Some(&shared.origin)) {
        Ok(c) => Ok(Some(c)),
        Err(e) => {
            // After a key rotation the last checkpoint is signed by this node's previous key,
            // which the national trust list (as this node followed it) holds as retired.
            let retired = retired_own_keys(shared, &get)?;
            retired
                .iter()
                .find_map(|k| checkpoint::verify(&note, k, Some(&shared.origin)).ok())
                .map(Some)
                .ok_or_else(|| EngineError::corrupt(&key, &e.to_string()))
        }
    }
}

/// This node's earlier keys, as the national trust list it followed holds them (retired only:
/// a revoked key's signatures are not trusted).
pub(super) fn retired_own_keys(
    shared: &Shared,
    get: &impl Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>,
) -> Result<Vec<ed25519_dalek::VerifyingKey>, EngineError> {
    let key = keys::trust(&shared.cfg.node_id);
    let Some(bytes) = get(&key)? else {
        return Ok(Vec::new());
    };
    let node: crate::sync::trust::TrustedNode = crate::store::codec::decode(&key, &bytes)?;
    Ok(node
        .keys
        .iter()
        .filter(|k| k.status == crate::sync::trust::KeyStatus::Retired)
        .map(|k| k.verifying_key())
        .collect())
}

/// Signs a checkpoint over everything applied, if the log grew since the last one. Its time is
/// never older than the newest entry or the last checkpoint, whatever the wall clock does.
pub(super) fn sign_checkpoint(
    shared: &Shared,
    tx: &mut Tx,
) -> Result<Option<SignedCheckpoint>, EngineError> {
    let size = size(|k| tx.get(k))?;
    let last = stored_checkpoint(shared, |k| tx.get(k))?;
    if size == 0 || last.as_ref().is_some_and(|c| c.size == size) {
        return Ok(None);
    }
    if let Some(c) = &last {
        if c.size > size {
            return Err(EngineError::corrupt(
                b"meta/checkpoint",
                &format!("checkpoint covers {} entries, the log holds {size}", c.size),
            ));
        }
    }
    let newest_key = keys::event(size - 1);
    let newest = tx
        .get(&newest_key)?
        .ok_or_else(|| EngineError::corrupt(&newest_key, "entry missing"))?;
    let newest =
        Record::decode(&newest).map_err(|e| EngineError::corrupt(&newest_key, &e.to_string()))?;
    let time = shared
        .clock
        .now()
        .max(newest.at)
        .max(last.map_or(i64::MIN, |c| c.time));
    let root = tree::root(&TxTiles(tx), size)?;
    let signed = checkpoint::sign(&shared.key, &shared.origin, size, root.0, time)?;
    tx.put(keys::meta("checkpoint"), signed.note.clone());
    Ok(Some(signed))
}

/// Province: the national node's latest receipt (size, cosigned note).
pub(super) fn latest_receipt(store: &dyn Store) -> Result<Option<(u64, Vec<u8>)>, EngineError> {
    Ok(store.last(keys::RECEIPT_PREFIX)?.map(|(k, v)| {
        let size = k
            .strip_prefix(keys::RECEIPT_PREFIX)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_be_bytes);
        (size, v)
    }))
}

fn bad_range(message: String) -> EngineError {
    Refusal::invalid("LOG_RANGE", message).into()
}

impl super::Engine {
    /// The latest published checkpoint: durable, with every entry it covers.
    pub fn checkpoint(&self) -> Option<SignedCheckpoint> {
        self.shared
            .published
            .read()
            .expect("checkpoint lock")
            .clone()
    }

    pub(super) fn published_size(&self) -> u64 {
        self.checkpoint().map_or(0, |c| c.size)
    }

    /// Signs a checkpoint if the log grew, and publishes it once durable and kept outside the
    /// store. A checkpoint whose keeping failed stays signed in the store and is published by
    /// the next call that can keep it. Returns the checkpoint newly published, if any.
    pub async fn publish_checkpoint(&self) -> Result<Option<SignedCheckpoint>, EngineError> {
        let signed = self.execute(super::commands::SignCheckpoint).await?;
        let _keeping = self.shared.keeping.lock().await;
        let newest = match signed {
            Some(c) => Some(c),
            None => stored_checkpoint(&self.shared, |k| Ok(self.store().get(k)?))?,
        };
        let Some(c) = newest.filter(|c| self.published_size() < c.size) else {
            return Ok(None);
        };
        self.keep(&c).await?;
        *self.shared.published.write().expect("checkpoint lock") = Some(c.clone());
        Ok(Some(c))
    }

    /// The size of the checkpoint kept outside the store, as its file says now (`None`: no
    /// file, or not one this node's current key signed).
    pub fn kept_size(&self) -> Option<u64> {
        let path = self.shared.cfg.kept_checkpoint.as_ref()?;
        let kept = super::kept::read(path).ok()??;
        let key = self.shared.key.verifying_key();
        checkpoint::verify(kept.checkpoint.as_bytes(), &key, Some(&self.shared.origin))
            .ok()
            .map(|c| c.size)
    }

    /// Rewrites the kept checkpoint file with the published checkpoint and the latest receipt
    /// (a province calls it once it keeps a new receipt).
    pub async fn keep_published(&self) -> Result<(), EngineError> {
        let _keeping = self.shared.keeping.lock().await;
        match self.checkpoint() {
            Some(c) => self.keep(&c).await,
            None => Ok(()),
        }
    }

    /// Writes checkpoint `c` and the latest receipt to the kept file, off the async threads.
    async fn keep(&self, c: &SignedCheckpoint) -> Result<(), EngineError> {
        let Some(path) = self.shared.cfg.kept_checkpoint.clone() else {
            return Ok(());
        };
        let kept = super::kept::Kept::of(c, latest_receipt(self.store().as_ref())?);
        tokio::task::spawn_blocking(move || {
            super::kept::write(&path, &kept).map_err(|e| super::kept::cannot_keep(&path, e))
        })
        .await
        .map_err(|e| EngineError::Internal(format!("keeping the checkpoint: {e}")))?
    }

    /// Entries `[start, end)` of the published log.
    pub fn log_entries(&self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, EngineError> {
        let size = self.published_size();
        if start >= end || end > size || end - start > MAX_ENTRIES {
            return Err(bad_range(format!(
                "entries [{start}, {end}) are not a range of at most {MAX_ENTRIES} within the published size {size}"
            )));
        }
        let store = self.shared.store.as_ref();
        let after = start.checked_sub(1).map(keys::event);
        let rows = store.scan(keys::EVENT_PREFIX, after.as_deref(), (end - start) as usize)?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, (k, v)) in rows.into_iter().enumerate() {
            let index = start + i as u64;
            if k != keys::event(index) {
                return Err(EngineError::corrupt(&keys::event(index), "entry missing"));
            }
            out.push((index, v));
        }
        if out.len() as u64 != end - start {
            return Err(EngineError::corrupt(
                &keys::event(start + out.len() as u64),
                "entry missing",
            ));
        }
        Ok(out)
    }

    /// As [`Self::log_entries`], cut to `quotas.entries_bytes` of entries (at least one): what
    /// one answer to a caller carries. The caller asks again from where it ends.
    pub fn log_entries_page(
        &self,
        start: u64,
        end: u64,
    ) -> Result<Vec<(u64, Vec<u8>)>, EngineError> {
        let mut entries = self.log_entries(start, end)?;
        let max = self.shared.cfg.quotas.entries_bytes;
        let mut total = 0;
        let keep = entries
            .iter()
            .position(|(_, e)| {
                total += e.len();
                total > max
            })
            .map_or(entries.len(), |i| i.max(1));
        entries.truncate(keep);
        Ok(entries)
    }

    /// The size a proof is asked against: 0 means the latest published.
    fn proof_size(&self, requested: u64) -> Result<u64, EngineError> {
        let size = self.published_size();
        match requested {
            0 if size > 0 => Ok(size),
            n if n > 0 && n <= size => Ok(n),
            n => Err(bad_range(format!(
                "tree size {n} is beyond the latest checkpoint ({size} entries)"
            ))),
        }
    }

    pub fn inclusion_proof(
        &self,
        index: u64,
        tree_size: u64,
    ) -> Result<(u64, Vec<[u8; 32]>), EngineError> {
        let size = self.proof_size(tree_size)?;
        if index >= size {
            return Err(bad_range(format!(
                "entry {index} is not in the tree of {size} entries"
            )));
        }
        let proof = tree::inclusion_proof(&StoreTiles(self.shared.store.as_ref()), index, size)?;
        Ok((size, proof.into_iter().map(|h| h.0).collect()))
    }

    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<(u64, Vec<[u8; 32]>), EngineError> {
        let second = self.proof_size(second)?;
        if first == 0 || first > second {
            return Err(bad_range(format!(
                "first size {first} must be between 1 and {second}"
            )));
        }
        let proof =
            tree::consistency_proof(&StoreTiles(self.shared.store.as_ref()), first, second)?;
        Ok((second, proof.into_iter().map(|h| h.0).collect()))
    }
}
