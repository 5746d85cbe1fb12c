//! Federation between nodes (DESIGN §4): what crosses between a province and the national node.
//!
//! - [`envelope`]: the signed envelope (DSSE v1) every such message travels in.
//! - [`ingest`]: the national node's checks on a province's push (signature, starting point,
//!   consistency or fork, entries that rebuild the root, namespace and serial rules) — pure.
//!
//! - [`trust`]: the national trust list folded from the national log — pure.
//!
//! The loops that carry these over the wire (a province's push and follow, the national node's
//! pull) run the engine and a gRPC client, so they live above both, in `node::push` and
//! `node::pull`.
pub mod envelope;
pub mod feed;
pub mod ingest;
pub mod refused;
pub mod round;
pub mod trust;

pub use refused::Refused;
