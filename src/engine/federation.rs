//! The engine's side of federation, on the writer thread: the national trust list (admin ops
//! appended to the national log), ingesting a province's pushed (or pulled) batch into the
//! national book, raising fork alarms, and on a province keeping the national node's receipts
//! and following the national log (its trust-list entries folded into the province's copy).
//!
//! Invariant: a batch is stored whole or not at all, in one atomic write with the mirror state
//! it advances; a frozen feed (fork) takes nothing more (there is no unfreeze operation yet).
//! Invariant: the national node confirms a province checkpoint — a `Confirmed` entry in its own
//! log and a cosigned receipt — only once it holds every entry the checkpoint covers.
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::flow::{Application, Refusal, State};
use crate::domain::types::NodeRole;
use crate::domain::types::{Actor, Role};
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::entry::Body;
use crate::log::tree::TileSource;
use crate::log::LogError;
use crate::store::{codec, keys};
use crate::sync::feed::{self, Action, FeedState, Side};
use crate::sync::ingest::{self, Mirror, Push, Refused};
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

    fn of(cp: &SignedCheckpoint) -> AcceptedCheckpoint {
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

fn require_national(shared: &Shared) -> Result<(), Refusal> {
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

fn text(tx: &Tx, key: &[u8]) -> Result<Option<String>, EngineError> {
    Ok(tx
        .get(key)?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Adds a trust-list entry (delegation, rotation, revocation) to the national log.
pub(super) fn trust(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    body: Body,
) -> Result<TrustedNode, EngineError> {
    if actor.role != Role::Admin {
        return Err(Refusal::denied("WRONG_ROLE", "the trust list needs the admin role").into());
    }
    require_national(shared)?;
    let body = match body {
        Body::HandedOver {
            region,
            node_id,
            key,
            ..
        } => super::hosting::handover_body(tx, shared.clock.now(), region, node_id, key)?,
        other => other,
    };
    let index = log_ops::size(|k| tx.get(k))?;
    let next = fold_trust(shared, tx, &body, index)
        .map_err(|e| Refusal::invalid(e.reason(), e.to_string()))?;
    log_ops::append(tx, shared.clock.now(), actor, body)?;
    tracing::info!(node = %next.node_id, region = %next.region, "trust list changed");
    Ok(next)
}

/// Checks one trust-list entry against the list as stored and writes the list's new state.
/// The national node runs it for its admin before logging the entry; a province runs it for
/// each trust-list entry of the national log it follows.
fn fold_trust(
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

/// Province: checks a batch of the national log against the root key and what it already
/// holds, stores it, and applies the trust-list entries to its own copy of the list.
pub(super) fn follow(
    shared: &Shared,
    tx: &mut Tx,
    b: FollowBatch,
) -> Result<Synced<Followed>, EngineError> {
    if shared.cfg.role == NodeRole::National {
        return Err(
            Refusal::precondition("NOT_PROVINCE", "the national node follows no one").into(),
        );
    }
    let state_key = keys::fed_state(NATIONAL_MIRROR);
    let state: MirrorState = read(tx, &state_key)?.unwrap_or_default();
    let signed = state
        .signed
        .as_ref()
        .map(|c| c.under(b.national_origin.clone()));
    let push = Push {
        note: &b.note,
        from: b.from,
        signed_proof: &b.signed_proof,
        batch_proof: &b.batch_proof,
        entries: &b.entries,
        certificates: &[],
    };
    let tiles = FedTiles {
        tx,
        node_id: NATIONAL_MIRROR,
    };
    let actions = feed::on_batch(Side::Follower, &state.feed(), &b.note, || {
        ingest::check_tree(
            &b.national_key,
            &b.national_origin,
            state.held,
            signed.as_ref(),
            &tiles,
            &push,
            &ingest::leaf_hashes(&b.entries),
        )
    });
    let mut answer = None;
    for action in actions {
        match action {
            Action::Refuse(r) => return Err(refused(NATIONAL_MIRROR, r).into()),
            Action::Freeze { evidence, refused } => {
                return raise_fork(shared, tx, NATIONAL_MIRROR, evidence, state, refused)
            }
            Action::Store(checked) => store_followed(shared, tx, &b, checked)?,
            Action::Answer { held, size } => answer = Some(Followed { held, size }),
            // A province confirms nothing: these come only on the national side.
            Action::Confirm { .. } | Action::KeptReceipt => {}
        }
    }
    let answer =
        answer.ok_or_else(|| EngineError::Internal("a followed batch unanswered".into()))?;
    Ok(Synced::Applied(answer))
}

/// Province: stores a batch of the national log that passed its checks, folding its trust-list
/// entries into the province's copy of the list.
fn store_followed(
    shared: &Shared,
    tx: &mut Tx,
    b: &FollowBatch,
    checked: ingest::TreeChecked,
) -> Result<(), EngineError> {
    for (i, data) in b.entries.iter().enumerate() {
        let index = b.from + i as u64;
        let record = crate::log::entry::Record::decode(data).map_err(|e| {
            Refusal::invalid("SYNC_BAD_ENTRY", format!("national entry {index}: {e}"))
        })?;
        let folded = fold_national(shared, tx, &record.body, index).map_err(|e| {
            Refusal::invalid("SYNC_BAD_ENTRY", format!("national entry {index}: {e}"))
        })?;
        if let Some(node) = folded {
            if node.node_id == shared.cfg.node_id {
                let own = shared.key.verifying_key();
                if node.active_key() != Some(own) {
                    tracing::error!(
                        entry = index,
                        "the national trust list no longer holds this node's key as active (rotated or revoked)"
                    );
                }
            }
        }
    }
    store_entries(tx, NATIONAL_MIRROR, b.from, &b.entries)?;
    for t in &checked.tiles {
        tx.put(
            keys::fed_tile(NATIONAL_MIRROR, t.level, t.n),
            t.data.clone(),
        );
    }
    let next = MirrorState {
        held: checked.held,
        signed: Some(AcceptedCheckpoint::of(&checked.checkpoint)),
        serials: BTreeMap::new(),
        frozen: None,
    };
    tx.put(keys::fed_state(NATIONAL_MIRROR), codec::encode(&next));
    Ok(())
}

/// A province's mirrored tree as the writer sees it.
struct FedTiles<'t, 'v, 'a> {
    tx: &'t Tx<'v, 'a>,
    node_id: &'t str,
}

impl TileSource for FedTiles<'_, '_, '_> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        self.tx
            .get(&keys::fed_tile(self.node_id, level, n))
            .map_err(|e| LogError::Corrupt(e.to_string()))
    }
}

/// Checks and stores one pushed batch.
pub(super) fn ingest(
    shared: &Shared,
    tx: &mut Tx,
    mut b: IngestBatch,
) -> Result<Synced<Ingested>, EngineError> {
    require_national(shared)?;
    let node: TrustedNode = read(tx, &keys::trust(&b.node_id))?.ok_or_else(|| {
        Refusal::denied(
            "SYNC_UNKNOWN_NODE",
            format!("node {} is not in the national trust list", b.node_id),
        )
    })?;
    let key = node.active_key().ok_or_else(|| {
        Refusal::denied(
            "SYNC_KEY_REVOKED",
            format!(
                "the key of node {} is revoked; a new key must be delegated",
                b.node_id
            ),
        )
    })?;
    let state_key = keys::fed_state(&b.node_id);
    let state: MirrorState = read(tx, &state_key)?.unwrap_or_default();
    let region = crate::domain::codes::Region::parse(&node.region)
        .map_err(|e| EngineError::corrupt(&keys::trust(&b.node_id), &e.to_string()))?;
    let mirror = Mirror {
        node_id: node.node_id.clone(),
        origin: node.origin(),
        key,
        certificate_keys: node.certificate_keys(),
        region,
        held: state.held,
        signed: state.signed.as_ref().map(|c| c.under(node.origin())),
        serials: state.serials.clone(),
    };
    let push = Push {
        note: &b.note,
        from: b.from,
        signed_proof: &b.signed_proof,
        batch_proof: &b.batch_proof,
        entries: &b.entries,
        certificates: &b.certificates,
    };
    let apps = |id: &str| -> Result<Option<Application>, String> {
        read(tx, &keys::fed_app(id)).map_err(|e| e.to_string())
    };
    let records = |code: &str| -> Result<Option<crate::domain::record::Record>, String> {
        read(tx, &keys::record(code)).map_err(|e| e.to_string())
    };
    let book = ingest::Book {
        apps: &apps,
        records: &records,
    };
    let tiles = FedTiles {
        tx,
        node_id: &b.node_id,
    };
    let prepared = b.prepared.take();
    let actions = feed::on_batch(Side::National, &state.feed(), &b.note, || {
        let prepared = match prepared {
            Some(p) if p.fits(&mirror.certificate_keys, &b.entries) => p,
            _ => ingest::prepare(&mirror.certificate_keys, &b.entries, &b.certificates),
        };
        ingest::check_push(&mirror, &tiles, &book, &push, prepared)
    });
    let receipt_key = keys::fed_receipt(&b.node_id);
    let (mut receipt, mut answer, mut root) = (None, None, [0; 32]);
    for action in actions {
        match action {
            Action::Refuse(r) => return Err(refused(&b.node_id, r).into()),
            Action::Freeze { evidence, refused } => {
                return raise_fork(shared, tx, &b.node_id, evidence, state, refused)
            }
            Action::Store(accepted) => root = store_accepted(tx, &b, accepted)?,
            Action::Confirm { size } => {
                receipt = Some(confirm(shared, tx, &b, &mirror.origin, size, root)?);
            }
            Action::KeptReceipt => receipt = tx.get(&receipt_key)?,
            Action::Answer { held, size } => answer = Some((held, size)),
        }
    }
    let (held, size) =
        answer.ok_or_else(|| EngineError::Internal("a pushed batch unanswered".into()))?;
    Ok(Synced::Applied(Ingested {
        held,
        size,
        receipt,
    }))
}

/// National: stores a pushed batch that passed its checks: its entries and tiles, the
/// applications and records it changed, the certificates it pinned, the feed's new state.
/// Returns the root its checkpoint signs.
fn store_accepted(
    tx: &mut Tx,
    b: &IngestBatch,
    accepted: ingest::Accepted,
) -> Result<[u8; 32], EngineError> {
    store_entries(tx, &b.node_id, b.from, &b.entries)?;
    for t in &accepted.tiles {
        tx.put(keys::fed_tile(&b.node_id, t.level, t.n), t.data.clone());
    }
    for (id, app) in &accepted.apps {
        tx.put(keys::fed_app(id), codec::encode(app));
        if app.state == State::InPublicity {
            tx.put(keys::fed_publicity(id), Vec::new());
        } else {
            tx.delete(keys::fed_publicity(id));
        }
    }
    for (code, record) in &accepted.records {
        tx.put(keys::record(code), codec::encode(record));
    }
    for signed in &accepted.certificates {
        super::mint::keep_certificate(tx, signed);
    }
    let next = MirrorState {
        held: accepted.held,
        signed: Some(AcceptedCheckpoint::of(&accepted.checkpoint)),
        serials: accepted.serials.clone(),
        frozen: None,
    };
    tx.put(keys::fed_state(&b.node_id), codec::encode(&next));
    Ok(accepted.checkpoint.root)
}

/// National: confirms a province's checkpoint held whole: a `Confirmed` entry in the national
/// log, and the checkpoint cosigned as the receipt, kept. Returns the receipt.
fn confirm(
    shared: &Shared,
    tx: &mut Tx,
    b: &IngestBatch,
    origin: &str,
    size: u64,
    root: [u8; 32],
) -> Result<Vec<u8>, EngineError> {
    let actor = node_actor(&b.node_id);
    log_ops::append(
        tx,
        shared.clock.now(),
        &actor,
        Body::Confirmed {
            node_id: b.node_id.clone(),
            origin: origin.to_string(),
            size,
            root: hex::encode(root),
        },
    )?;
    let receipt = checkpoint::cosign(&b.note, &shared.key, &shared.origin)?;
    tx.put(keys::fed_receipt(&b.node_id), receipt.clone());
    tracing::info!(node = %b.node_id, size, "province checkpoint confirmed");
    Ok(receipt)
}

/// Entries per bundle of a mirrored log (laid out as tlog-tiles' entry bundles). Not 256 as in
/// tlog-tiles: sled splits a leaf only past 16 keys and writes any page over 128 KiB as a
/// separate blob file, so 256-entry bundles (~115 KB each) made every leaf rewrite a blob write;
/// 16 entries (~7 KB) keep a full leaf under that size. Measured: 52k → 62k entries/s at 1M.
pub const BUNDLE: u64 = 16;

/// Appends entries `from..` of a node's log to its bundles: each `u32 BE length || entry`.
/// The partial bundle at `from`, if any, is read and extended.
fn store_entries(
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
            let held = bundle_entries(&old).map_err(|e| EngineError::corrupt(&key, &e))?;
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
            old
        };
        let take = ((BUNDLE - index % BUNDLE) as usize).min(rest.len());
        for e in &rest[..take] {
            let len = u32::try_from(e.len())
                .map_err(|_| EngineError::Internal("entry larger than 4 GiB".into()))?;
            bundle.extend_from_slice(&len.to_be_bytes());
            bundle.extend_from_slice(e);
        }
        tx.put(key, bundle);
        index += take as u64;
        rest = &rest[take..];
    }
    Ok(())
}

/// The entries of one bundle, in order.
pub fn bundle_entries(bundle: &[u8]) -> Result<Vec<&[u8]>, String> {
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
fn node_actor(node_id: &str) -> Actor {
    Actor {
        id: format!("node:{node_id}"),
        role: Role::System,
        holder: node_id.to_string(),
        subject: None,
    }
}

fn refused(node_id: &str, r: Refused) -> Refusal {
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
fn raise_fork<T>(
    shared: &Shared,
    tx: &mut Tx,
    node_id: &str,
    evidence: Vec<Vec<u8>>,
    mut state: MirrorState,
    fork: Refused,
) -> Result<Synced<T>, EngineError> {
    let number = super::steps::next_counter(tx, "next_alarm")?;
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

/// On a province: keeps a receipt after checking the national cosignature over its own
/// checkpoint.
pub(super) fn keep_receipt(
    shared: &Shared,
    tx: &mut Tx,
    national_key: &ed25519_dalek::VerifyingKey,
    national_origin: &str,
    receipt: Vec<u8>,
) -> Result<u64, EngineError> {
    let cp = checkpoint::verify_cosigned(
        &receipt,
        &shared.key.verifying_key(),
        &shared.origin,
        national_key,
        national_origin,
    )
    .map_err(|e| Refusal::invalid("BAD_RECEIPT", format!("receipt: {e}")))?;
    tx.put(keys::receipt(cp.size), receipt);
    Ok(cp.size)
}
