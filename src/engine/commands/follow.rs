//! Province: one batch of the national log it follows. `sync::ingest::check_tree` checks it,
//! `sync::feed` decides what follows; this stores it and folds its trust-list entries into the
//! province's copy of the list.
use super::{Cx, Write};
use crate::domain::flow::Refusal;
use crate::domain::types::NodeRole;
use crate::engine::federation::{
    fold_national, raise_fork, read, refused, store_entries, AcceptedCheckpoint, FedTiles,
    FollowBatch, Followed, MirrorState, Synced, NATIONAL_MIRROR,
};
use crate::engine::writer::Tx;
use crate::engine::{EngineError, Shared};
use crate::store::{codec, keys};
use crate::sync::feed::{self, Action, Side};
use crate::sync::ingest::{self, Push};
use std::collections::BTreeMap;

pub struct Follow(pub Box<FollowBatch>);

impl Write for Follow {
    type Reply = Synced<Followed>;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Synced<Followed>, EngineError> {
        follow(cx.shared, cx.tx, *self.0)
    }
}

/// Province: checks a batch of the national log against the root key and what it already
/// holds, stores it, and applies the trust-list entries to its own copy of the list.
fn follow(shared: &Shared, tx: &mut Tx, b: FollowBatch) -> Result<Synced<Followed>, EngineError> {
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
