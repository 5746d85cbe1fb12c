//! The transparency log: every event the node records, in an RFC 6962 Merkle tree with signed
//! C2SP checkpoints, so anyone can check that a certificate is in the registry and that the
//! registry has only grown.
//!
//! - [`entry`]: the versioned, domain-separated bytes of one entry.
//! - [`tree`]: the tree over entries, stored as tlog-tiles, with inclusion and consistency proofs.
//! - [`checkpoint`]: signed checkpoints (signed notes) under an origin named after the node.
//! - [`monitor`]: what a monitor checks between two checkpoints (growth, time, consistency).
//! - [`bundle`]: the offline proof that a certificate is in the log.
//!
//! This layer knows the store only through [`tree::TileSource`]; the engine appends entries and
//! tiles in the same atomic batch as the state change they record.
pub mod bundle;
pub mod checkpoint;
pub mod commitment;
pub mod entry;
pub mod monitor;
pub mod public;
pub mod tree;
#[cfg(test)]
mod vectors_tests;

pub use tlog_tiles::Hash;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LogError {
    #[error("the log's stored tree is damaged: {0}")]
    Corrupt(String),
    #[error("proof does not verify")]
    BadProof,
    #[error("checkpoint signature does not verify with the given key")]
    BadSignature,
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    #[error("tree: {0}")]
    Tree(String),
}

impl From<tlog_tiles::Error> for LogError {
    fn from(e: tlog_tiles::Error) -> Self {
        LogError::Tree(e.to_string())
    }
}
