//! National: one batch of a province's push. `sync::ingest` checks it, `sync::feed` decides
//! what follows; this stores an accepted batch (entries, tiles, the applications and records it
//! changed, its certificates, the feed's state) and confirms a checkpoint held whole.
use super::{Cx, Write};
use crate::domain::flow::{Application, Refusal, State};
use crate::engine::federation::{
    node_actor, raise_fork, read, refused, require_national, store_entries, AcceptedCheckpoint,
    FedTiles, IngestBatch, Ingested, MirrorState, Synced,
};
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Shared};
use crate::log::checkpoint;
use crate::log::entry::Body;
use crate::store::{codec, keys};
use crate::sync::feed::{self, Action, Side};
use crate::sync::ingest::{self, Mirror, Push};
use crate::sync::trust::TrustedNode;

pub struct Ingest(pub Box<IngestBatch>);

impl Write for Ingest {
    type Reply = Synced<Ingested>;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Synced<Ingested>, EngineError> {
        ingest(cx.shared, cx.tx, *self.0)
    }
}

/// Checks and stores one pushed batch.
fn ingest(
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
        // Compact: read back on every lookup of the record and every step the province folds.
        tx.put(keys::fed_app(id), codec::encode_compact(app));
        if app.state == State::InPublicity {
            tx.put(keys::fed_publicity(id), Vec::new());
        } else {
            tx.delete(keys::fed_publicity(id));
        }
    }
    for (code, record) in &accepted.records {
        tx.put(
            keys::record(code),
            crate::engine::record_ops::encode(record),
        );
    }
    for signed in &accepted.certificates {
        crate::engine::mint::keep_certificate(tx, signed);
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
