//! sjdj: the registration node for China's public data resources (公共数据资源登记).
//!
//! # Layout
//!
//! Each layer is one module folder and depends only on those above it in this list
//! (`tests/layers.rs` holds the source tree to it):
//!
//! - [`domain`]: pure rules — the five-step flow as a state machine, materials validation,
//!   unified codes and credit codes, the working-day calendar, certificates. No I/O, no clock.
//! - [`store`]: the storage trait, its sled and memory adapters, the keyspace, versioned codec.
//! - [`log`]: the transparency log: entry bytes, the Merkle tree as tiles, signed checkpoints.
//! - [`search`]: the registry's full-text index (tantivy) beside the store: substring search of
//!   Chinese text through character grams, ranking by jieba's words, counts per facet. Derived
//!   data, fed by the engine with what is durable and rebuilt from the records.
//! - [`sync`]: what crosses between the tiers: the signed envelope (DSSE), the trust list, the
//!   national node's checks on a push. No I/O; the loops over the wire are in [`node`].
//! - [`engine`]: joins rules and store: one writer thread with group commit applies every
//!   command (state, events and indexes in one atomic batch); reads go straight to the store.
//! - [`grpc`]: the only module that knows prost/tonic types: services, conversions, the one
//!   mapping of errors to `tonic::Status`.
//! - [`web`]: the web front: server-rendered pages in Chinese beside the gRPC services, on the
//!   same listener, reading through the same engine calls.
//! - [`node`]: config, key files, dev mode, the federation loops, and
//!   `Node::run(listener, shutdown)`.
//! - [`cli`]: the `sjdj` client commands.
//!
//! The binaries in `src/bin/` only parse arguments, set up tracing and call into these.
pub mod cli;
pub mod domain;
pub mod engine;
pub mod grpc;
pub mod log;
pub mod node;
pub mod search;
pub mod store;
pub mod sync;
pub mod web;
