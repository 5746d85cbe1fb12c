//! The single writer: one thread applies every write, in groups (group commit).
//!
//! Invariant: only this thread writes to the store. It takes every job queued, runs each against
//! a view of the store plus the group's pending writes, applies the group's writes as one atomic
//! batch, flushes once, and only then answers the callers. So an acknowledged write is durable,
//! a refused one wrote nothing, and the async threads never wait on fsync.
use super::ops::{self, Op, Reply};
use super::{EngineError, Shared};
use crate::store::{Batch, Store};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most jobs committed with one flush: bounds latency of the first job in a group.
const MAX_GROUP: usize = 512;

pub(super) struct Job {
    pub op: Op,
    pub reply: oneshot::Sender<Result<Reply, EngineError>>,
}

/// The store as seen by the writer: committed state plus this group's pending writes.
pub(super) struct View<'a> {
    store: &'a dyn Store,
    pending: HashMap<Vec<u8>, Option<Vec<u8>>>,
    batch: Batch,
}

impl View<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        match self.pending.get(key) {
            Some(v) => Ok(v.clone()),
            None => Ok(self.store.get(key)?),
        }
    }
}

/// One job's writes, kept apart until the job succeeds, so a refusal writes nothing.
pub(super) struct Tx<'v, 'a> {
    view: &'v View<'a>,
    local: HashMap<Vec<u8>, Option<Vec<u8>>>,
    order: Vec<Vec<u8>>,
}

impl<'v, 'a> Tx<'v, 'a> {
    pub fn new(view: &'v View<'a>) -> Self {
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

    pub fn store(&self) -> &dyn Store {
        self.view.store
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

    fn into_writes(mut self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let local = &mut self.local;
        self.order
            .into_iter()
            .filter_map(|k| local.remove(&k).map(|v| (k, v)))
            .collect()
    }
}

pub(super) fn spawn(
    shared: Arc<Shared>,
    mut rx: mpsc::Receiver<Job>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("sjdj-writer".into())
        .spawn(move || {
            while let Some(first) = rx.blocking_recv() {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                run_group(&shared, group);
            }
        })
        .expect("spawn the writer thread")
}

fn run_group(shared: &Shared, group: Vec<Job>) {
    let store = shared.store.as_ref();
    let mut view = View {
        store,
        pending: HashMap::new(),
        batch: Batch::default(),
    };
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        let mut tx = Tx::new(&view);
        let result = ops::run(shared, &mut tx, job.op);
        if result.is_ok() {
            for (k, v) in tx.into_writes() {
                view.pending.insert(k.clone(), v.clone());
                view.batch.ops.push((k, v));
            }
        }
        done.push((job.reply, result));
    }
    let committed = if view.batch.is_empty() {
        Ok(())
    } else {
        store.apply(view.batch).and_then(|()| store.flush())
    };
    if let Err(e) = &committed {
        tracing::error!(error = %e, "group commit failed; every write of the group is refused");
    }
    for (reply, result) in done {
        let result = match (&committed, result) {
            (Err(e), Ok(_)) => Err(EngineError::Store(crate::store::StoreError::Engine(
                e.to_string(),
            ))),
            (_, r) => r,
        };
        // The caller may have gone away (timeout, cancelled RPC); the write stands regardless.
        let _ = reply.send(result);
    }
}
