//! The disclosure statistics as the writer keeps them (`domain::statistics::Tally`): a group
//! that writes records also writes, in the same batch, the counts its records change
//! (`tally/…` keys), and the engine holds the same counts in memory, so `GetStatistics` reads
//! them without a pass over the records. A store without `meta/tally` (made before the counts
//! were kept) has them counted from its records once, at open.
use super::EngineError;
use crate::domain::record::Record;
use crate::domain::statistics::{Counter, Delta, Facet, Tally};
use crate::store::{codec, keys, Batch, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

fn marker() -> Vec<u8> {
    keys::meta("tally")
}

fn key((p, f, v): &Counter) -> Vec<u8> {
    keys::tally(p, f.tag(), v)
}

fn record(key: &[u8], value: Option<&[u8]>) -> Result<Option<Record>, EngineError> {
    value
        .map(|b| codec::decode::<Record>(key, b).map_err(EngineError::from))
        .transpose()
}

/// The engine's copy of the counts, and whether the store says it keeps them (`meta/tally`).
#[derive(Default)]
pub(crate) struct Kept {
    counts: RwLock<Tally>,
    marked: AtomicBool,
}

impl Kept {
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Tally> {
        self.counts.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies counts [`stage`] gave, once their batch is applied.
    pub fn apply(&self, changed: Vec<(Counter, u64)>) {
        if changed.is_empty() {
            return;
        }
        let mut counts = self.counts.write().unwrap_or_else(|e| e.into_inner());
        for (c, n) in changed {
            counts.set(c, n);
        }
        self.marked.store(true, Ordering::SeqCst);
    }
}

/// Adds to a group's writes the counts its record writes change, over the store's records
/// (`get`) and the counts kept for them; returns the new counts, for [`Kept::apply`] once the
/// batch is applied.
pub(super) fn stage(
    pending: &mut HashMap<Vec<u8>, Option<Vec<u8>>>,
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>,
    kept: &Kept,
) -> Result<Vec<(Counter, u64)>, EngineError> {
    let mut delta = Delta::default();
    for (k, v) in pending.iter() {
        if !k.starts_with(keys::RECORD_PREFIX) {
            continue;
        }
        let before = record(k, get(k)?.as_deref())?;
        let after = record(k, v.as_deref())?;
        delta.replace(before.as_ref(), after.as_ref());
    }
    let changed = delta.over(&kept.read());
    for (c, n) in &changed {
        let value = (*n > 0).then(|| n.to_be_bytes().to_vec());
        pending.insert(key(c), value);
    }
    if !changed.is_empty() && !kept.marked.load(Ordering::SeqCst) {
        pending.insert(marker(), Some(vec![1]));
    }
    Ok(changed)
}

/// The counts a store keeps. A store that says it keeps none has them counted from its
/// records, unless it has none (so an empty store is not written to by being opened).
pub(super) fn open(store: &dyn Store) -> Result<Kept, EngineError> {
    let (counts, marked) = if store.get(&marker())?.is_some() {
        (read(store)?, true)
    } else if store.scan(keys::RECORD_PREFIX, None, 1)?.is_empty() {
        (Tally::default(), false)
    } else {
        (rebuild(store)?, true)
    };
    Ok(Kept {
        counts: counts.into(),
        marked: marked.into(),
    })
}

/// The counts as stored.
fn read(store: &dyn Store) -> Result<Tally, EngineError> {
    let mut tally = Tally::default();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let chunk = store.scan(keys::TALLY_PREFIX, after.as_deref(), 1024)?;
        let Some((last, _)) = chunk.last() else {
            return Ok(tally);
        };
        after = Some(last.clone());
        for (k, v) in chunk {
            let (p, f, value) = keys::tally_parts(&k)
                .ok_or_else(|| EngineError::corrupt(&k, "not a count's key"))?;
            let facet =
                Facet::from_tag(f).ok_or_else(|| EngineError::corrupt(&k, "no such facet"))?;
            let n = u64::from_be_bytes(
                v.as_slice()
                    .try_into()
                    .map_err(|_| EngineError::corrupt(&k, "not 8 bytes"))?,
            );
            tally.set((p.to_string(), facet, value.to_string()), n);
        }
    }
}

/// Counts every record of a store again, replacing the counts it keeps; returns them.
pub(super) fn rebuild(store: &dyn Store) -> Result<Tally, EngineError> {
    let mut tally = Tally::default();
    for r in super::indexer::records(store) {
        tally.add(&r?);
    }
    // Every count kept before goes, but for those counted again.
    let mut writes: HashMap<Vec<u8>, Option<Vec<u8>>> = HashMap::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let chunk = store.scan(keys::TALLY_PREFIX, after.as_deref(), 1024)?;
        let Some((last, _)) = chunk.last() else {
            break;
        };
        after = Some(last.clone());
        writes.extend(chunk.into_iter().map(|(k, _)| (k, None)));
    }
    for (c, n) in tally.iter() {
        writes.insert(key(&c), Some(n.to_be_bytes().to_vec()));
    }
    writes.insert(marker(), Some(vec![1]));
    store.apply(Batch {
        ops: writes.into_iter().collect(),
    })?;
    store.flush()?;
    Ok(tally)
}

/// The counts a store keeps against a count of its records, for the audit: the counters that
/// differ, with the kept value and the counted one.
pub(super) fn check(store: &dyn Store) -> Result<Vec<(Counter, u64, u64)>, EngineError> {
    let kept = read(store)?;
    let mut counted = Tally::default();
    for r in super::indexer::records(store) {
        counted.add(&r?);
    }
    let mut differ: Vec<(Counter, u64, u64)> = Vec::new();
    for (c, n) in counted.iter() {
        if kept.get(&c) != n {
            differ.push((c.clone(), kept.get(&c), n));
        }
    }
    for (c, n) in kept.iter() {
        if counted.get(&c) == 0 {
            differ.push((c, n, 0));
        }
    }
    Ok(differ)
}
