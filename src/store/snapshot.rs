//! Consistent snapshots of a live store, read while the writer goes on (online backup).
//!
//! sled has no snapshots, so the writer keeps them: a snapshot begins between two batches, and
//! from then on, before each batch is applied, the writer saves the value every key it overwrites
//! had at the snapshot (its *before image*) unless the reader has already passed that key. The
//! reader walks the live store in key order and, for each key, takes the before image when there
//! is one. So it sees exactly the store as it was when the snapshot began, however long it takes.
//!
//! Invariant (under the snapshot's lock): every saved key is beyond the reader's cursor. The
//! writer saves only keys beyond it, and the reader drops saved keys as it passes them. Memory
//! is therefore bounded by the keys written ahead of the reader, and capped: a snapshot whose
//! before images pass its cap is abandoned (its reader gets [`SnapshotError::TooSlow`]) rather
//! than slowing the writer or growing without end.
use super::{Batch, Store};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

#[derive(Debug, Clone, thiserror::Error)]
pub enum SnapshotError {
    #[error("reading the store for the snapshot: {0}")]
    Store(String),
    /// The writer got more than the cap ahead of the reader.
    #[error(
        "the writes made while the snapshot was read needed more than {cap} bytes of before \
         images; read it faster or raise the cap"
    )]
    TooSlow { cap: u64 },
}

/// The snapshots open on one store; the writer calls [`Snapshots::preserve`] before each batch.
#[derive(Default)]
pub struct Snapshots {
    open: Mutex<Vec<Weak<Mutex<State>>>>,
}

struct State {
    /// The last key the reader has handed out (or skipped); `None` before the first.
    cursor: Option<Vec<u8>>,
    /// Before images of keys beyond the cursor: `None` for a key absent at the snapshot.
    saved: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    saved_bytes: u64,
    cap: u64,
    /// Set once the snapshot cannot be read whole any more (and kept: every later read fails).
    failed: Option<SnapshotError>,
    /// The reader has passed the last key.
    done: bool,
}

/// A reader of one snapshot; dropping it ends the snapshot.
pub struct Snapshot {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Snapshot")
    }
}

impl Snapshots {
    /// Begins a snapshot of the store as it is now. Only the writer may call it, between two
    /// batches, so that no batch is half seen.
    pub fn begin(&self, cap: u64) -> Snapshot {
        let state = Arc::new(Mutex::new(State {
            cursor: None,
            saved: BTreeMap::new(),
            saved_bytes: 0,
            cap,
            failed: None,
            done: false,
        }));
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|s| s.strong_count() > 0);
        open.push(Arc::downgrade(&state));
        Snapshot { state }
    }

    /// Saves, for every open snapshot, the before image of each key `batch` writes that its
    /// reader has not passed yet. Called by the writer before it applies `batch`; never fails
    /// the batch: a snapshot it cannot keep fails instead.
    pub fn preserve(&self, store: &dyn Store, batch: &Batch) {
        let states: Vec<_> = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.retain(|s| s.strong_count() > 0);
            open.iter().filter_map(Weak::upgrade).collect()
        };
        for state in states {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            if s.failed.is_some() || s.done {
                continue;
            }
            for (key, _) in &batch.ops {
                let passed = s.cursor.as_deref().is_some_and(|c| key.as_slice() <= c);
                if passed || s.saved.contains_key(key) {
                    continue;
                }
                match store.get(key) {
                    Ok(before) => {
                        s.saved_bytes += (key.len() + before.as_ref().map_or(0, Vec::len)) as u64;
                        s.saved.insert(key.clone(), before);
                    }
                    Err(e) => s.failed = Some(SnapshotError::Store(e.to_string())),
                }
                if s.saved_bytes > s.cap {
                    s.failed = Some(SnapshotError::TooSlow { cap: s.cap });
                }
                if s.failed.is_some() {
                    // Nothing more is read from this snapshot: free what it holds.
                    s.saved = BTreeMap::new();
                    break;
                }
            }
        }
    }
}

impl Snapshot {
    /// The next entries of the snapshot in key order, at most about `limit` of them; empty only
    /// at the end.
    pub fn next_page(
        &self,
        store: &dyn Store,
        limit: usize,
    ) -> Result<super::Entries, SnapshotError> {
        let limit = limit.max(1);
        let mut out = Vec::new();
        // A page of keys all created since the snapshot hands out nothing: read on.
        while out.is_empty() {
            let after = {
                let s = self.lock()?;
                if s.done {
                    break;
                }
                s.cursor.clone()
            };
            // Read outside the lock; each key is then checked against the before images under
            // it, after it was read, so a write between the two is seen as a saved before image.
            let live = store
                .scan(b"", after.as_deref(), limit)
                .map_err(|e| SnapshotError::Store(e.to_string()))?;
            let at_end = live.len() < limit;
            let mut s = self.lock()?;
            for (key, value) in live {
                take_saved_below(&mut s, &key, &mut out);
                match s.saved.remove(&key) {
                    Some(before) => {
                        s.saved_bytes -= (key.len() + before.as_ref().map_or(0, Vec::len)) as u64;
                        if let Some(v) = before {
                            out.push((key.clone(), v));
                        }
                    }
                    None => out.push((key.clone(), value)),
                }
                s.cursor = Some(key);
            }
            if at_end {
                // Keys that were there at the snapshot and have been deleted since.
                let rest = std::mem::take(&mut s.saved);
                out.extend(rest.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
                s.saved_bytes = 0;
                s.done = true;
            }
        }
        Ok(out)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, SnapshotError> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &s.failed {
            Some(e) => Err(e.clone()),
            None => Ok(s),
        }
    }
}

/// Moves into `out` the before images of keys below `key` (deleted from the live store since
/// the snapshot, so the live walk skipped them) and drops saved keys that were absent then.
fn take_saved_below(s: &mut State, key: &[u8], out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    while let Some(first) = s.saved.first_key_value().map(|(k, _)| k.clone()) {
        if first.as_slice() >= key {
            break;
        }
        let before = s.saved.remove(&first).flatten();
        s.saved_bytes -= (first.len() + before.as_ref().map_or(0, Vec::len)) as u64;
        if let Some(v) = before {
            out.push((first.clone(), v));
        }
        s.cursor = Some(first);
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
