//! The single writer: one thread applies every write, in groups (group commit).
//!
//! Invariant: only this thread writes to the store. It takes every job queued, runs each against
//! a view of the store plus the group's pending writes, and applies the group's writes as one
//! atomic batch. A second thread, the flusher, makes applied groups durable (one fsync for all
//! groups waiting) and only then answers their callers. So an acknowledged write is durable, a
//! refused one wrote nothing, and neither the async threads nor the writer wait on fsync.
//! Reads may see a write a moment before it is durable; nobody is told it succeeded until it is.
use super::indexer::Feed;
use super::write::{Answer, Job};
use super::{EngineError, Shared};
use crate::store::{Batch, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Most jobs committed with one flush: bounds latency of the first job in a group.
const MAX_GROUP: usize = 512;

/// The store as seen by the writer: committed state plus this group's pending writes.
pub(super) struct View<'a> {
    store: &'a dyn Store,
    /// Final value of every key the group wrote: one copy, later writes replacing earlier ones.
    pending: HashMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a> View<'a> {
    /// The committed store alone: for work on a store no running node holds (recovery).
    pub(super) fn committed(store: &'a dyn Store) -> Self {
        View {
            store,
            pending: HashMap::new(),
        }
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        match self.pending.get(key) {
            Some(v) => Ok(v.clone()),
            None => Ok(self.store.get(key)?),
        }
    }
}

/// One job's writes, kept apart until the job succeeds, so a refusal writes nothing.
pub(crate) struct Tx<'v, 'a> {
    view: &'v View<'a>,
    local: HashMap<Vec<u8>, Option<Vec<u8>>>,
    order: Vec<Vec<u8>>,
}

impl<'v, 'a> Tx<'v, 'a> {
    pub(super) fn new(view: &'v View<'a>) -> Self {
        Tx {
            view,
            local: HashMap::new(),
            order: Vec::new(),
        }
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        match self.local.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.view.get(key),
        }
    }

    /// Up to `limit` entries whose key starts with `prefix`, strictly after `after`, in key
    /// order, as this job sees the store: committed entries under the group's pending writes
    /// and this job's own (a key deleted there is not listed, one written there is).
    pub fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<crate::store::Entries, EngineError> {
        let in_range = |k: &[u8]| k.starts_with(prefix) && after.is_none_or(|a| k > a);
        let mut over: BTreeMap<&[u8], Option<&Vec<u8>>> = BTreeMap::new();
        for (k, v) in self.view.pending.iter().chain(self.local.iter()) {
            if in_range(k) {
                over.insert(k, v.as_ref());
            }
        }
        // Enough committed entries that `limit` of them remain after the deletions; the first
        // `limit` merged keys are then all at or before the last one fetched, so writes past it
        // (which may skip committed keys not fetched) sort after them and are not reached.
        let hidden = over.values().filter(|v| v.is_none()).count();
        let committed = self
            .view
            .store
            .scan(prefix, after, limit.saturating_add(hidden))?;
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = committed.into_iter().collect();
        for (k, v) in over {
            match v {
                Some(v) => merged.insert(k.to_vec(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().take(limit).collect())
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.set(key, Some(value));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.set(key, None);
    }

    fn set(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        if self.local.insert(key.clone(), value).is_none() {
            self.order.push(key);
        }
    }

    pub(super) fn into_writes(mut self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let local = &mut self.local;
        self.order
            .into_iter()
            .filter_map(|k| local.remove(&k).map(|v| (k, v)))
            .collect()
    }
}

/// The message a panic carried.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Answers waiting for the flush that makes their group durable.
type Answers = Vec<Box<dyn Answer>>;

/// What the writer hands the flusher for one group: the log's size after it (`None`: not
/// applied), the answers, and the records it changed for the search index.
type Applied = (Option<u64>, Answers, Option<Feed>);

/// Starts the writer and the flusher. The writer applies group N+1 while the flusher makes
/// group N durable, so fsync and decision-making overlap; each answer still waits for a flush
/// that began after its own group was applied.
pub(super) fn spawn(shared: Arc<Shared>, mut rx: mpsc::Receiver<Job>) {
    let (to_flusher, flush_rx) = std::sync::mpsc::channel::<Applied>();
    let rebuild = shared
        .rebuild
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let to_indexer = super::indexer::spawn(shared.search.clone(), shared.store.clone(), rebuild);
    let store = shared.store.clone();
    let durable = shared.durable.clone();
    let store_ok = shared.store_ok.clone();
    let counters = shared.clone();
    std::thread::Builder::new()
        .name("sjdj-flusher".into())
        .spawn(move || {
            // Groups applied before a flush that failed: the next flush that works makes them
            // durable too, and only then may the index take them.
            let mut held: Vec<Feed> = Vec::new();
            while let Ok(first) = flush_rx.recv() {
                let mut waiting = vec![first];
                waiting.extend(flush_rx.try_iter());
                let began = std::time::Instant::now();
                let flushed = store.flush();
                counters.writer_time.flushed(began);
                // The store works again only once a group is applied and flushed.
                let works = flushed.is_ok() && waiting.iter().all(|(size, _, _)| size.is_some());
                store_ok.send_if_modified(|ok| std::mem::replace(ok, works) != works);
                held.extend(waiting.iter_mut().filter_map(|(_, _, feed)| feed.take()));
                if let Err(e) = &flushed {
                    tracing::error!(error = %e, "flush failed; the writes waiting on it have an unknown outcome");
                } else {
                    // Durable now: the index may take them, and searches wait for it to.
                    for feed in held.drain(..) {
                        counters.feed_durable.fetch_max(feed.seq, Ordering::SeqCst);
                        // Gone only when the indexer is: the next start catches up.
                        let _ = to_indexer.send(feed);
                    }
                    if let Some(size) = waiting.iter().filter_map(|(size, _, _)| *size).max() {
                        // Watchers (notification streams) may now read every entry below `size`.
                        durable.send_if_modified(|d| {
                            let grew = size > *d;
                            *d = (*d).max(size);
                            grew
                        });
                    }
                }
                for mut answer in waiting.into_iter().flat_map(|(_, a, _)| a) {
                    // Applied but perhaps not durable: neither done nor refused.
                    if let Err(e) = &flushed {
                        answer.fail(EngineError::OutcomeUnknown(e.to_string()));
                    }
                    answer.send();
                }
            }
        })
        .expect("spawn the flusher thread");
    std::thread::Builder::new()
        .name("sjdj-writer".into())
        .spawn(move || {
            loop {
                let waiting = std::time::Instant::now();
                let Some(first) = rx.blocking_recv() else {
                    return;
                };
                shared.writer_time.idle(waiting);
                if let Some(why) = shared.fatal.borrow().clone() {
                    // Refused unread: the writer cannot go on (see `Shared::fatal`).
                    first.refuse(EngineError::Store(StoreError::Engine(why)));
                    continue;
                }
                let mut group = vec![first];
                // A backup ends its group: its snapshot begins once the group is applied, so
                // it must hold exactly the log its checkpoint covers.
                while group.len() < MAX_GROUP && !ends_group(&group) {
                    match rx.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                // Every answer goes through the flusher, refusals and retries included: they
                // may rest on state applied but not yet durable.
                if to_flusher.send(run_group(&shared, group)).is_err() {
                    return;
                }
            }
        })
        .expect("spawn the writer thread");
}

/// Runs a group of jobs and applies their writes as one atomic batch (not yet flushed); returns
/// the log's size after the group (`None`: the batch could not be applied), with the answers.
fn run_group(shared: &Shared, group: Vec<Job>) -> Applied {
    let store = shared.store.as_ref();
    let mut view = View {
        store,
        pending: HashMap::new(),
    };
    let mut done = Vec::with_capacity(group.len());
    let (began, jobs) = (std::time::Instant::now(), group.len());
    for job in group {
        let mut tx = Tx::new(&view);
        // A bug that panics in one operation refuses that operation (its writes are dropped
        // with its transaction) and the writer goes on with the next.
        let answer = job.run(shared, &mut tx);
        if answer.is_ok() {
            for (k, v) in tx.into_writes() {
                view.pending.insert(k, v);
            }
        }
        done.push(answer);
    }
    let size = super::log_ops::size(|k| view.get(k)).unwrap_or(0);
    let staged = {
        let store = view.store;
        super::indexer::stage(&mut view.pending, |k| Ok(store.get(k)?)).and_then(|feed| {
            let kept = &shared.tally;
            let counts = super::tally::stage(&mut view.pending, |k| Ok(store.get(k)?), kept)?;
            Ok((feed, counts))
        })
    };
    let (feed, counts) = match staged {
        Ok(staged) => staged,
        Err(e) => {
            // The feed position or a record replaced is unreadable: nothing of the group is
            // written.
            let message = e.to_string();
            for answer in done.iter_mut() {
                answer.fail(EngineError::Store(StoreError::Engine(message.clone())));
            }
            let before = super::log_ops::size(|k| Ok(store.get(k)?)).unwrap_or(0);
            return (Some(before), done, None);
        }
    };
    shared.writer_time.ran(jobs, began);
    if !view.pending.is_empty() {
        let batch = Batch {
            ops: view.pending.into_iter().collect(),
        };
        if let Some((free, min)) = too_full(shared, &batch) {
            for answer in done.iter_mut() {
                answer.fail(EngineError::StoreFull { free, min });
            }
            // Nothing of this group landed: the log is as it was before it.
            let before = super::log_ops::size(|k| Ok(store.get(k)?)).unwrap_or(0);
            return (Some(before), done, None);
        }
        shared.snapshots.preserve(store, &batch);
        let applying = std::time::Instant::now();
        let applied = store.apply(batch);
        shared.writer_time.applied(applying);
        if let Err(e) = applied {
            tracing::error!(error = %e, "group commit failed; every write of the group is refused and the writer stops");
            shared
                .store_ok
                .send_if_modified(|ok| std::mem::replace(ok, false));
            // The store may hold part of the batch in memory: nothing more is written on it.
            shared.fatal.send_replace(Some(format!(
                "the store failed to apply a batch of writes ({e}); the node stops so that it \
                 restarts on its durable state"
            )));
            for answer in done.iter_mut() {
                answer.fail(EngineError::Store(StoreError::Engine(e.to_string())));
            }
            // Nothing of this group landed: the watermark must not pass it.
            return (None, done, None);
        }
    }
    shared.tally.apply(counts);
    // A backup, last in its group, begins its snapshot now that the group is applied.
    for answer in done.iter_mut() {
        answer.applied(shared);
    }
    (Some(size), done, feed)
}

/// The refusal of a batch that would leave the store's disk with less than
/// `node.min_free_bytes` free. A store that meets a full disk while it applies a batch may hold
/// part of it in memory and cannot go on; refused here, the batch never reaches it, reads go on
/// and the next group is written as soon as there is room.
/// Returns the bytes free and the minimum.
fn too_full(shared: &Shared, batch: &Batch) -> Option<(u64, u64)> {
    let free = shared.store.free_bytes()?;
    let bytes: u64 = batch
        .ops
        .iter()
        .map(|(k, v)| (k.len() + v.as_ref().map_or(0, Vec::len)) as u64)
        .sum();
    let min = shared.cfg.min_free_bytes;
    (free < min.saturating_add(bytes)).then_some((free, min))
}

fn ends_group(group: &[Job]) -> bool {
    group.last().is_some_and(|job| job.ends_group)
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
