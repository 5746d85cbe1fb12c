//! The federation's shared steps on the writer thread: the mirror state of each feed, the
//! trust list as stored and its fold (for the national node's admin and for a province
//! following the national log), mirrored entries in bundles, fork alarms and their evidence.
//! The commands that use them are `commands::{trust, ingest, follow, keep_receipt}`.
//!
//! Invariant: a batch is stored whole or not at all, in one atomic write with the mirror state
//! it advances; a frozen feed (fork) takes nothing more (there is no unfreeze operation yet).
//! Invariant: the national node confirms a province checkpoint — a `Confirmed` entry in its own
//! log and a cosigned receipt — only once it holds every entry the checkpoint covers.
use super::writer::Tx;
use super::{EngineError, Shared};
use crate::domain::flow::Refusal;
use crate::domain::types::NodeRole;
use crate::domain::types::{Actor, Role};
use crate::log::checkpoint::SignedCheckpoint;
use crate::log::entry::Body;
use crate::log::tree::TileSource;
use crate::log::LogError;
use crate::store::{codec, keys};
use crate::sync::feed::FeedState;
use crate::sync::ingest::{self, Refused};
use crate::sync::trust::{self, TrustedNode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the national node holds of one province's log (`fed/{node}/state`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MirrorState {
    /// Entries held: a prefix of the accepted checkpoint.
    pub held: u64,
    /// The latest checkpoint accepted.
    pub signed: Option<AcceptedCheckpoint>,
    pub serials: BTreeMap<u16, u32>,
    /// The alarm that froze the feed, if any.
    pub frozen: Option<u64>,
}

impl MirrorState {
    /// The feed's state as its transitions take it (`sync::feed`).
    pub fn feed(&self) -> FeedState<'_> {
        FeedState {
            held: self.held,
            accepted: self.signed.as_ref().map(|c| (c.size, c.note.as_slice())),
            frozen: self.frozen,
        }
    }
}

/// A checkpoint accepted from another node: its signed note as received, and the size and root
/// it signs. Stored as the `[note, size, root]` triple it always was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(Vec<u8>, u64, [u8; 32])", into = "(Vec<u8>, u64, [u8; 32])")]
pub struct AcceptedCheckpoint {
    pub note: Vec<u8>,
    pub size: u64,
    pub root: [u8; 32],
}

impl From<(Vec<u8>, u64, [u8; 32])> for AcceptedCheckpoint {
    fn from((note, size, root): (Vec<u8>, u64, [u8; 32])) -> Self {
        AcceptedCheckpoint { note, size, root }
    }
}

impl From<AcceptedCheckpoint> for (Vec<u8>, u64, [u8; 32]) {
    fn from(c: AcceptedCheckpoint) -> Self {
        (c.note, c.size, c.root)
    }
}

impl AcceptedCheckpoint {
    /// The same checkpoint as the ingest checks take it, under the log's `origin` (its time is
    /// not kept: the checks compare sizes and roots).
    pub fn under(&self, origin: String) -> SignedCheckpoint {
        SignedCheckpoint {
            note: self.note.clone(),
            origin,
            size: self.size,
            root: self.root,
            time: 0,
        }
    }

    pub(super) fn of(cp: &SignedCheckpoint) -> AcceptedCheckpoint {
        AcceptedCheckpoint {
            note: cp.note.clone(),
            size: cp.size,
            root: cp.root,
        }
    }
}

/// What an alarm is about. Stored by its name (`FORK`), so new kinds keep old alarms readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlarmKind {
    /// A node signed two checkpoints that cannot both hold: its feed is frozen.
    #[serde(rename = "FORK")]
    Fork,
}

impl AlarmKind {
    /// Its stable name, as stored and as the metrics label it (`FORK`).
    pub fn name(self) -> &'static str {
        match self {
            AlarmKind::Fork => "FORK",
        }
    }
}

/// A raised alarm and its evidence (`alarm/{n}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alarm {
    pub number: u64,
    pub node_id: String,
    pub kind: AlarmKind,
    pub message: String,
    pub at: i64,
    /// The signed notes that cannot both hold, as received.
    pub evidence: Vec<Vec<u8>>,
}

/// One pushed batch, as decoded from its envelope.
#[derive(Debug)]
pub struct IngestBatch {
    pub node_id: String,
    pub note: Vec<u8>,
    pub from: u64,
    pub signed_proof: Vec<[u8; 32]>,
    pub batch_proof: Vec<[u8; 32]>,
    pub entries: Vec<Vec<u8>>,
    pub certificates: Vec<Vec<u8>>,
    /// The stateless checks, if made before the batch reached the writer (`ingest::prepare`).
    pub prepared: Option<ingest::Prepared>,
}

/// The outcome of a batch of a feed: applied, or refused with what the refusal keeps (a fork's
/// evidence, its alarm and the frozen feed), which an ordinary refusal would drop.
#[derive(Debug)]
pub enum Synced<T> {
    Applied(T),
    Refused(Refusal),
}

/// How much of the national log the province holds after a batch it follows.
#[derive(Debug)]
pub struct Followed {
    pub held: u64,
    pub size: u64,
}

/// The answer to an accepted batch.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub held: u64,
    pub size: u64,
    /// The cosigned checkpoint, once every entry it covers is held.
    pub receipt: Option<Vec<u8>>,
}

pub(super) fn require_national(shared: &Shared) -> Result<(), Refusal> {
    if shared.cfg.role == NodeRole::National {
        Ok(())
    } else {
        Err(Refusal::precondition(
            "NOT_NATIONAL",
            "only the national node keeps the trust list and the national book",
        ))
    }
}

pub(super) fn read<T: serde::de::DeserializeOwned>(
    tx: &Tx,
    key: &[u8],
) -> Result<Option<T>, EngineError> {
    match tx.get(key)? {
        Some(b) => Ok(Some(codec::decode(key, &b)?)),
        None => Ok(None),
    }
}

pub(super) fn text(tx: &Tx, key: &[u8]) -> Result<Option<String>, EngineError> {
    Ok(tx
        .get(key)?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Checks one trust-list entry against the list as stored and writes the list's new state.
/// The national node runs it for its admin before logging the entry; a province runs it for
/// each trust-list entry of the national log it follows.
pub(super) fn fold_trust(
    shared: &Shared,
    tx: &mut Tx,
    body: &Body,
    index: u64,
) -> Result<TrustedNode, Refused> {
    let internal = |e: EngineError| Refused::Trust {
        reason: "STORE",
        message: e.to_string(),
    };
    let (node_id, region, key) = trust::concerns(body).ok_or_else(|| Refused::Trust {
        reason: "NOT_TRUST",
        message: "not a trust-list entry".into(),
    })?;
    let node: Option<TrustedNode> = read(tx, &keys::trust(node_id)).map_err(internal)?;
    let holder = match region {
        Some(r) => text(tx, &keys::trust_region(r)).map_err(internal)?,
        None => None,
    };
    let key_hex = key.map(|k| k.trim().to_ascii_lowercase());
    let key_known = match &key_hex {
        Some(k) => {
            tx.get(&keys::trust_key(k)).map_err(internal)?.is_some()
                || (shared.cfg.role == NodeRole::National
                    && *k == hex::encode(shared.key.verifying_key().to_bytes()))
        }
        None => false,
    };
    let hosted = match region {
        Some(r) => tx.get(&keys::hosted(r)).map_err(internal)?.is_some(),
        None => false,
    };
    let next = trust::apply(
        trust::View {
            node: node.as_ref(),
            region_holder: holder.as_deref(),
            key_known,
            own_region: crate::domain::codes::Region::CENTRAL,
            hosted,
        },
        body,
        index,
    )?;
    if let Body::HandedOver {
        region,
        serials,
        codes,
        ..
    } = body
    {
        super::hosting::handed_over(shared, tx, &next, region, serials, codes).map_err(internal)?;
    }
    if let Some(r) = region {
        tx.put(keys::trust_region(r), next.node_id.clone().into_bytes());
    }
    if let Some(k) = &key_hex {
        tx.put(keys::trust_key(k), next.node_id.clone().into_bytes());
    }
    tx.put(keys::trust(&next.node_id), codec::encode(&next));
    Ok(next)
}

/// Folds one entry of the national log into the trust list and the hosted namespaces: a
/// province for the national log it follows, the national node for its own log when it
/// recovers it. Returns the trust-list entry changed, if any.
pub(super) fn fold_national(
    shared: &Shared,
    tx: &mut Tx,
    body: &Body,
    index: u64,
) -> Result<Option<TrustedNode>, Refused> {
    if let Body::Hosted { region } = body {
        tx.put(keys::hosted(region), Vec::new());
    }
    if trust::concerns(body).is_none() {
        return Ok(None);
    }
    fold_trust(shared, tx, body, index).map(Some)
}

/// A province's store of the national log it follows is a mirror like any other, under this id.
pub const NATIONAL_MIRROR: &str = "national";

/// One batch of the national log, as fetched by a province's driver.
#[derive(Debug)]
pub struct FollowBatch {
    pub national_key: ed25519_dalek::VerifyingKey,
    pub national_origin: String,
    pub note: Vec<u8>,
    pub from: u64,
    pub signed_proof: Vec<[u8; 32]>,
    pub batch_proof: Vec<[u8; 32]>,
    pub entries: Vec<Vec<u8>>,
}

/// A province's mirrored tree as the writer sees it.
pub(super) struct FedTiles<'t, 'v, 'a> {
    pub tx: &'t Tx<'v, 'a>,
    pub node_id: &'t str,
}

impl TileSource for FedTiles<'_, '_, '_> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        self.tx
            .get(&keys::fed_tile(self.node_id, level, n))
            .map_err(|e| LogError::Corrupt(e.to_string()))
    }
}

/// Entries per bundle of a mirrored log (laid out as tlog-tiles' entry bundles). Not 256 as in
/// tlog-tiles: sled splits a leaf only past 16 keys and writes any page over 128 KiB as a
/// separate blob file, so 256-entry bundles (~115 KB each) made every leaf rewrite a blob write;
/// 16 entries (~7 KB) keep a full leaf under that size. Measured: 52k → 62k entries/s at 1M.
pub const BUNDLE: u64 = 16;

/// The zstd frame's magic number, first in a full bundle. A bundle still being filled is
/// stored as it is; its first byte is that of its first entry's length, 0 for any entry under
/// 16 MiB, so the two cannot be confused.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// zstd's fastest level: a full bundle of 16 provinces' entries shrinks about threefold
/// (measured: 6.5 KB to 2.0 KB; level 3 gains nothing more), at tens of microseconds a bundle.
const ZSTD_LEVEL: i32 = 1;

/// Appends entries `from..` of a node's log to its bundles: each `u32 BE length || entry`,
/// compressed with zstd once the bundle holds its 16 entries (the mirrored entries were half the
/// national store). The partial bundle at `from`, if any, is read and extended.
pub(super) fn store_entries(
    tx: &mut Tx,
    node_id: &str,
    from: u64,
    entries: &[Vec<u8>],
) -> Result<(), EngineError> {
    let mut index = from;
    let mut rest = entries;
    while !rest.is_empty() {
        let n = index / BUNDLE;
        let key = keys::fed_bundle(node_id, n);
        let mut bundle = if index.is_multiple_of(BUNDLE) {
            Vec::new()
        } else {
            let old = tx.get(&key)?.unwrap_or_default();
            let old = unpack(&old).map_err(|e| EngineError::corrupt(&key, &e))?;
            let held = entries_of(&old).map_err(|e| EngineError::corrupt(&key, &e))?;
            if held.len() as u64 != index % BUNDLE {
                return Err(EngineError::corrupt(
                    &key,
                    &format!(
                        "bundle holds {} entries, expected {}",
                        held.len(),
                        index % BUNDLE
                    ),
                ));
            }
            old.into_owned()
        };
        let take = ((BUNDLE - index % BUNDLE) as usize).min(rest.len());
        for e in &rest[..take] {
            let len = u32::try_from(e.len())
                .map_err(|_| EngineError::Internal("entry larger than 4 GiB".into()))?;
            bundle.extend_from_slice(&len.to_be_bytes());
            bundle.extend_from_slice(e);
        }
        index += take as u64;
        if index.is_multiple_of(BUNDLE) {
            bundle = compress(&bundle)?;
        }
        tx.put(key, bundle);
        rest = &rest[take..];
    }
    Ok(())
}

/// A full bundle as a zstd frame. The writer's compressor is kept: a new one for each bundle
/// cost more CPU than the compression (measured in the ingest bench's profile).
fn compress(bundle: &[u8]) -> Result<Vec<u8>, EngineError> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let failed = |e: std::io::Error| EngineError::Internal(format!("compressing a bundle: {e}"));
    COMPRESSOR.with_borrow_mut(|c| {
        if c.is_none() {
            *c = Some(zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(failed)?);
        }
        let c = c.as_mut().expect("set just above");
        c.compress(bundle).map_err(failed)
    })
}

/// The entries of one stored bundle, in order.
pub fn bundle_entries(stored: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let raw = unpack(stored)?;
    Ok(entries_of(&raw)?.into_iter().map(<[u8]>::to_vec).collect())
}

/// A stored bundle's `length || entry` bytes: decompressed if full, as stored if not.
fn unpack(stored: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
    if !stored.starts_with(&ZSTD_MAGIC) {
        return Ok(std::borrow::Cow::Borrowed(stored));
    }
    zstd::stream::decode_all(stored)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| format!("bundle does not decompress: {e}"))
}

fn entries_of(bundle: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    let mut rest = bundle;
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<4>()
            .ok_or("bundle ends inside a length")?;
        let len = u32::from_be_bytes(*len) as usize;
        if tail.len() < len {
            return Err("bundle ends inside an entry".into());
        }
        let (entry, tail) = tail.split_at(len);
        out.push(entry);
        rest = tail;
    }
    Ok(out)
}

/// The actor a province's confirmed checkpoint is recorded under in the national log.
pub(super) fn node_actor(node_id: &str) -> Actor {
    Actor {
        id: format!("node:{node_id}"),
        role: Role::System,
        holder: node_id.to_string(),
        subject: None,
    }
}

pub(super) fn refused(node_id: &str, r: Refused) -> Refusal {
    let message = format!("node {node_id}: {r}");
    match r {
        Refused::Checkpoint(_) => Refusal::denied(r.reason(), message),
        Refused::WrongStart { .. } | Refused::Stale { .. } | Refused::Frozen { .. } => {
            Refusal::precondition(r.reason(), message)
        }
        _ => Refusal::invalid(r.reason(), message),
    }
}

/// Keeps the evidence of a fork, freezes the feed and raises the alarm. The push itself is
/// refused (`Synced::Refused`), but the evidence and the freeze are stored.
pub(super) fn raise_fork<T>(
    shared: &Shared,
    tx: &mut Tx,
    node_id: &str,
    evidence: Vec<Vec<u8>>,
    mut state: MirrorState,
    fork: Refused,
) -> Result<Synced<T>, EngineError> {
    let number = tx.next_counter("next_alarm")?;
    let alarm = Alarm {
        number,
        node_id: node_id.to_string(),
        kind: AlarmKind::Fork,
        message: format!("node {node_id}: {fork}; its feed is frozen"),
        at: shared.clock.now(),
        evidence,
    };
    tracing::error!(alarm = number, node = %node_id, "{}", alarm.message);
    tx.put(keys::alarm(number), codec::encode(&alarm));
    state.frozen = Some(number);
    tx.put(keys::fed_state(node_id), codec::encode(&state));
    Ok(Synced::Refused(refused(node_id, fork)))
}

#[cfg(test)]
#[path = "bundle_tests.rs"]
mod bundle_tests;
