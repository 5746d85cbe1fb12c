//! Storage behind a narrow trait: ordered byte keys, atomic batches, explicit durability.
//!
//! The node writes through one writer thread (see `engine::writer`), so the trait needs no
//! transactions with reads inside: the writer reads, decides, and then applies everything one
//! command changed — state, events and index rows — as one atomic [`Batch`]. `flush` makes every
//! applied batch durable; the writer calls it once per group of batches (group commit) and only
//! then acknowledges them.
//!
//! Adapters: [`sled_store::SledStore`] (production) and [`memory::MemoryStore`] (tests). Both pass
//! the same conformance suite in `conformance.rs`.
pub mod archive;
pub mod codec;
pub mod files;
pub mod keys;
pub mod memory;
pub mod sled_store;
pub mod snapshot;

#[cfg(test)]
mod conformance;

use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine failed (I/O error, full disk). Fatal for the write that saw it.
    #[error("storage engine error: {0}")]
    Engine(String),
    /// Stored bytes that do not decode: a corrupted or foreign store. Never served silently.
    #[error("corrupted store entry at {key}: {detail}")]
    Corrupt { key: String, detail: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Keys and values, in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Writes applied together or not at all. `None` deletes the key.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Batch {
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), Some(value.into())));
    }
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), None));
    }
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    pub fn extend(&mut self, other: Batch) {
        self.ops.extend(other.ops);
    }
}

/// The storage trait. Keys are ordered bytewise.
pub trait Store: Send + Sync + 'static {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Up to `limit` entries whose key starts with `prefix`, in key order, strictly after `after`
    /// when given (for paging).
    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// The last entry with the given prefix, if any.
    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>>;
    /// Applies every op of the batch atomically: after a crash, all or none are there.
    fn apply(&self, batch: Batch) -> Result<()>;
    /// Makes every applied batch durable.
    fn flush(&self) -> Result<()>;
    /// Bytes free to the node on the filesystem that holds the store; `None` for a store with
    /// no filesystem (in memory), which is never full.
    fn free_bytes(&self) -> Option<u64> {
        None
    }
}

pub type DynStore = Arc<dyn Store>;

/// The smallest key greater than every key with this prefix, if one exists.
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}
