//! Recovery from the other tier. A node restored from an older backup (or from nothing but
//! its key and config) gets back the entries of its own log it lost from the copy the other
//! tier keeps of it (`GetMirror`): a province from the national node's verified mirror of it,
//! the national node from a province's copy of the national log. Nothing of that copy is
//! trusted: the entries must rebuild the tree of the checkpoint this node published last
//! (kept beside the store, `engine::kept`), or, with no kept file, of the latest checkpoint
//! the other tier holds signed by this node's own key.
//!
//! A province's entries are folded into its state by the same rules the national node folds
//! a province's push with (`sync::ingest`): applications as the log publishes them, registry
//! records, certificates, and the serials minted, so the sweep resumes at the right serial and
//! no code is minted twice. The national node's entries are folded as a province folds the
//! national log it follows (the trust list, hosted namespaces). What the log only commits to
//! (draft materials, contacts, objectors' names, supplement notes) cannot come back from the
//! other tier: those entries are marked recovered (`meta/recovered`) and the audit checks them
//! without openings.
//!
//! Runs on a store no node holds open (sled's lock keeps it so), before the node starts.
use super::log_ops::{self, StoreTiles};
use super::writer::{Tx, View};
use super::{kept, EngineConfig, EngineError, Shared};
use crate::domain::codes::Region;
use crate::domain::types::NodeRole;
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::entry::Body;
use crate::log::tree::TileWrite;
use crate::store::{codec, keys, Batch, DynStore};
use crate::sync::ingest::{self, Mirror, Push};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The entries lost, as the other tier sent them.
pub struct Fetched {
    /// The latest checkpoint of this node's log the other tier holds (its signed note).
    pub checkpoint: Vec<u8>,
    /// Entries of this node's log from the store's size on, in order.
    pub entries: Vec<Vec<u8>>,
    /// The certificates those entries pin.
    pub certificates: Vec<Vec<u8>>,
}

/// What a recovery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The store's log size before, and after.
    pub from: u64,
    pub to: u64,
    pub applications: usize,
    pub records: usize,
    pub certificates: usize,
}

/// A range of the log recovered from the other tier (`meta/recovered` holds them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveredRange {
    pub from: u64,
    pub to: u64,
    /// When, in Unix seconds.
    pub at: i64,
}

/// The number of entries in a store's log: where a recovery starts.
pub fn log_size(store: &dyn crate::store::Store) -> Result<u64, EngineError> {
    log_ops::size(|k| Ok(store.get(k)?))
}

/// The ranges of the log recovered from the other tier.
pub fn recovered_ranges(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>,
) -> Result<Vec<RecoveredRange>, EngineError> {
    let key = keys::meta("recovered");
    Ok(match get(&key)? {
        Some(v) => codec::decode(&key, &v)?,
        None => Vec::new(),
    })
}

fn refused(reason: &'static str, message: String) -> EngineError {
    crate::domain::flow::Refusal::precondition(reason, message).into()
}

/// The checkpoint to recover to: the kept one (the latest this node published), else the
/// other tier's, if it verifies under this node's key and origin.
fn target(shared: &Shared, fetched: &Fetched) -> Result<SignedCheckpoint, EngineError> {
    let mut keys = vec![shared.key.verifying_key()];
    keys.extend(log_ops::retired_own_keys(shared, &|k| {
        Ok(shared.store.get(k)?)
    })?);
    let verify = |note: &[u8]| {
        keys.iter()
            .find_map(|k| checkpoint::verify(note, k, Some(&shared.origin)).ok())
    };
    if let Some(path) = &shared.cfg.kept_checkpoint {
        if let Some(k) = kept::read(path)? {
            return verify(k.checkpoint.as_bytes()).ok_or_else(|| {
                EngineError::Diverged(format!(
                    "the kept checkpoint {} does not verify with this node's key under origin {}",
                    path.display(),
                    shared.origin
                ))
            });
        }
    }
    verify(&fetched.checkpoint).ok_or_else(|| {
        refused(
            "RECOVER_FOREIGN_CHECKPOINT",
            format!(
                "the other tier's checkpoint of this log does not verify with this node's key \
                 under origin {}",
                shared.origin
            ),
        )
    })
}

/// Recovers the entries `fetched` holds into `store`: checks them against this node's own
/// checkpoint, folds them, writes them in one atomic batch and flushes it; writes the kept
/// file if there was none. A refusal writes nothing.
pub fn recover(
    store: DynStore,
    key: SigningKey,
    cfg: EngineConfig,
    fetched: Fetched,
) -> Result<Recovered, EngineError> {
    let shared = Shared::new(store, key, cfg)?;
    let store = shared.store.as_ref();
    let from = log_size(store)?;
    let target = target(&shared, &fetched)?;
    if from >= target.size {
        return Err(refused(
            "RECOVER_NOTHING_LOST",
            format!(
                "the store holds {from} log entries, all of the checkpoint of {} this node \
                 published: nothing to recover",
                target.size
            ),
        ));
    }
    let needed = (target.size - from) as usize;
    if fetched.entries.len() < needed {
        return Err(refused(
            "RECOVER_ENTRIES_LOST",
            format!(
                "this node published a checkpoint of {} entries and its store holds {from}; the \
                 other tier holds only up to entry {}: entries {} to {} are lost for good. \
                 Restore a newer backup",
                target.size,
                from + fetched.entries.len() as u64,
                from + fetched.entries.len() as u64,
                target.size - 1
            ),
        ));
    }
    let entries = &fetched.entries[..needed];
    let lost = Lost {
        from,
        target: &target,
        entries,
        certificates: &fetched.certificates,
    };
    let view = View::committed(store);
    let mut tx = Tx::new(&view);
    let purged = own_actions(&mut tx, entries)?;
    let (tiles, recovered) = if shared.cfg.role == NodeRole::National {
        fold_national_log(&shared, &mut tx, &lost)?
    } else {
        fold_province_log(&shared, &mut tx, &lost, &purged)?
    };
    for (i, e) in entries.iter().enumerate() {
        tx.put(keys::event(from + i as u64), e.clone());
    }
    // After the entries: a purge reads the entries of the steps it purges.
    for id in &purged {
        super::retention::purge_application(&mut tx, id)?;
    }
    tx.put(keys::meta("next_event"), target.size.to_be_bytes().to_vec());
    for t in &tiles {
        tx.put(keys::tile(t.level, t.n), t.data.clone());
    }
    tx.put(keys::meta("checkpoint"), target.note.clone());
    let mut ranges = recovered_ranges(|k| Ok(store.get(k)?))?;
    ranges.push(RecoveredRange {
        from,
        to: target.size,
        at: shared.clock.now(),
    });
    tx.put(keys::meta("recovered"), codec::encode(&ranges));
    // The records it folded again reach the search index through the feed, as a group's do.
    let mut writes: std::collections::HashMap<_, _> = tx.into_writes().into_iter().collect();
    super::indexer::stage(&mut writes, |k| Ok(store.get(k)?))?;
    super::tally::stage(&mut writes, |k| Ok(store.get(k)?), &shared.tally)?;
    store.apply(Batch {
        ops: writes.into_iter().collect(),
    })?;
    store.flush()?;
    if let Some(path) = &shared.cfg.kept_checkpoint {
        if kept::read(path)?.is_none() {
            kept::write(path, &kept::Kept::of(&target, None))
                .map_err(|e| kept::cannot_keep(path, e))?;
        }
    }
    Ok(recovered)
}

/// The entries a store lost, from its size `from` to the checkpoint `target`.
struct Lost<'a> {
    from: u64,
    target: &'a SignedCheckpoint,
    entries: &'a [Vec<u8>],
    certificates: &'a [Vec<u8>],
}

impl Lost<'_> {
    fn push(&self) -> Push<'_> {
        Push {
            note: &self.target.note,
            from: self.from,
            signed_proof: &[],
            batch_proof: &[],
            entries: self.entries,
            certificates: self.certificates,
        }
    }
}

fn copy_refused(r: ingest::Refused) -> EngineError {
    refused(
        r.reason(),
        format!("the other tier's copy of this log cannot be recovered: {r}"),
    )
}

/// A province's own log, folded by the national node's ingest rules: applications as the log
/// publishes them (the purged without contacts), records, certificates and serials.
fn fold_province_log(
    shared: &Shared,
    tx: &mut Tx,
    lost: &Lost,
    purged: &std::collections::BTreeSet<String>,
) -> Result<(Vec<TileWrite>, Recovered), EngineError> {
    let store = shared.store.as_ref();
    let mut keys = vec![shared.key.verifying_key()];
    keys.extend(log_ops::retired_own_keys(shared, &|k| Ok(store.get(k)?))?);
    let mirror = Mirror {
        node_id: shared.cfg.node_id.clone(),
        origin: shared.origin.clone(),
        key: shared.key.verifying_key(),
        certificate_keys: keys.clone(),
        region: shared.cfg.region,
        held: lost.from,
        signed: None,
        serials: serials(store, shared.cfg.region)?,
    };
    let prefix = format!("{}/", shared.cfg.node_id);
    let own_id = |id: &str| id.strip_prefix(&prefix).unwrap_or(id).to_string();
    let get = |k: &[u8]| Ok(store.get(k)?);
    let accepted = {
        let apps = |id: &str| super::apps::current(&get, &own_id(id)).map_err(|e| e.to_string());
        let records = |code: &str| -> Result<Option<crate::domain::record::Record>, String> {
            super::federation::read(tx, &keys::record(code)).map_err(|e| e.to_string())
        };
        let book = ingest::Book {
            apps: &apps,
            records: &records,
        };
        let prepared = ingest::prepare(&keys, lost.entries, lost.certificates);
        ingest::check_push(&mirror, &StoreTiles(store), &book, &lost.push(), prepared)
            .map_err(copy_refused)?
    };
    let mut subjects = BTreeMap::new();
    for (id, app) in &accepted.apps {
        let mut app = app.clone();
        app.id = own_id(id);
        if purged.contains(&app.id) {
            app = app.without_personal_data();
        }
        let before = super::apps::current(&get, &app.id)?.map(|a| (a.state, a.publicity));
        tx.store_state(before, &app, true);
        subjects.insert(id.clone(), app.subject.clone());
    }
    // The notification streams read a flow entry from its subject's event record; a recovered
    // one has no openings to carry.
    for s in &accepted.steps {
        let change = super::reads::Change {
            index: s.index,
            application_id: own_id(&s.application_id),
            step: s.step.to_string(),
            state: s.state.to_string(),
            at: s.at,
        };
        let subject = &subjects[&s.application_id];
        tx.put(
            keys::subject_event(subject, s.index),
            super::openings::subject_event(change, Vec::new()),
        );
    }
    for (code, record) in &accepted.records {
        // The book names applications `{node id}/{id}`; this node by their own ids.
        let mut record = record.clone();
        for v in &mut record.versions {
            v.application_id = own_id(&v.application_id);
        }
        if let Some(end) = &mut record.ended {
            end.application_id = own_id(&end.application_id);
        }
        tx.put(keys::record(code), super::record_ops::encode(&record));
        super::retention::schedule_record(shared, tx, &record)?;
    }
    for signed in &accepted.certificates {
        super::mint::keep_certificate(tx, signed);
    }
    let region = shared.cfg.region.to_string();
    for (year, serial) in &accepted.serials {
        tx.put(
            keys::serial(&region, i32::from(*year)),
            serial.to_be_bytes().to_vec(),
        );
    }
    let recovered = Recovered {
        from: lost.from,
        to: lost.target.size,
        applications: accepted.apps.len(),
        records: accepted.records.len(),
        certificates: accepted.certificates.len(),
    };
    Ok((accepted.tiles, recovered))
}

/// The national node's own log: the trust list and the hosted namespaces folded as a province
/// folds them when it follows this log. Its confirmations of province checkpoints need no
/// fold: each province pushes again from what the restored mirror holds and is confirmed
/// again. Registrations the national node made itself in the lost range are refused: their
/// certificates and records are not in a province's copy of the national log.
fn fold_national_log(
    shared: &Shared,
    tx: &mut Tx,
    lost: &Lost,
) -> Result<(Vec<TileWrite>, Recovered), EngineError> {
    let store = shared.store.as_ref();
    let tree = ingest::check_tree(
        &shared.key.verifying_key(),
        &shared.origin,
        lost.from,
        None,
        &StoreTiles(store),
        &lost.push(),
        &ingest::leaf_hashes(lost.entries),
    )
    .map_err(copy_refused)?;
    for (i, e) in lost.entries.iter().enumerate() {
        let index = lost.from + i as u64;
        let bad = |why: String| {
            refused(
                "RECOVER_BAD_ENTRY",
                format!("national entry {index} cannot be recovered: {why}"),
            )
        };
        let record = crate::log::entry::Record::decode(e).map_err(|e| bad(e.to_string()))?;
        if record.index != index {
            return Err(bad(format!("it says it is entry {}", record.index)));
        }
        match &record.body {
            Body::Flow { .. }
            | Body::RecordCorrected { .. }
            | Body::RecordRevoked { .. }
            | Body::RecordImported { .. } => {
                return Err(refused(
                    "RECOVER_NATIONAL_REGISTRATION",
                    format!(
                        "national entry {index} records a registration of the national node's \
                         own; a province's copy of the national log does not hold its \
                         certificate or application, so it cannot be recovered from there. \
                         Restore a backup taken after entry {index}"
                    ),
                ))
            }
            body => {
                super::federation::fold_national(shared, tx, body, index)
                    .map_err(|e| bad(e.to_string()))?;
            }
        }
    }
    let recovered = Recovered {
        from: lost.from,
        to: lost.target.size,
        applications: 0,
        records: 0,
        certificates: 0,
    };
    Ok((tree.tiles, recovered))
}

/// Folds what the national book ignores of a node's own log but the node itself keeps:
/// the node clock's offset (drill nodes), revoked tokens (a token revoked after the backup
/// must not come back), and the contact purges; returns the applications purged. Tokens issued
/// after the backup cannot come back: the log never held their secrets.
fn own_actions(
    tx: &mut Tx,
    entries: &[Vec<u8>],
) -> Result<std::collections::BTreeSet<String>, EngineError> {
    let mut purged = std::collections::BTreeSet::new();
    for e in entries {
        // Decoded and checked by the ingest rules already.
        let Ok(record) = crate::log::entry::Record::decode(e) else {
            continue;
        };
        match record.body {
            Body::ClockAdvanced { offset, .. } => {
                tx.put(keys::meta("clock_offset"), offset.to_be_bytes().to_vec());
            }
            Body::TokenRevoked { token_id } => {
                let Some(hash) = tx.get(&keys::token_id(&token_id))? else {
                    continue;
                };
                let key = keys::token(&String::from_utf8_lossy(&hash));
                if let Some(bytes) = tx.get(&key)? {
                    let mut t: super::tokens::TokenRecord = codec::decode(&key, &bytes)?;
                    t.revoked = true;
                    tx.put(key, codec::encode(&t));
                }
            }
            Body::ContactsPurged {
                application_ids, ..
            } => purged.extend(application_ids),
            _ => {}
        }
    }
    Ok(purged)
}

/// The highest serial minted per year in the node's namespace, as the store holds them.
fn serials(
    store: &dyn crate::store::Store,
    region: Region,
) -> Result<BTreeMap<u16, u32>, EngineError> {
    let prefix = keys::serial_prefix(&region.to_string());
    let mut out = BTreeMap::new();
    for (k, v) in store.scan(&prefix, None, usize::MAX)? {
        let year = keys::suffix(&k, &prefix)
            .parse::<u16>()
            .map_err(|_| EngineError::corrupt(&k, "not a year"))?;
        let serial = u32::from_be_bytes(
            v.as_slice()
                .try_into()
                .map_err(|_| EngineError::corrupt(&k, "serial is not 4 bytes"))?,
        );
        out.insert(year, serial);
    }
    Ok(out)
}
