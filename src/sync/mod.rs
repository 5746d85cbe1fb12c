//! Federation between nodes (DESIGN §4): what crosses between a province and the national node.
//!
//! - [`envelope`]: the signed envelope (DSSE v1) every such message travels in.
//! - [`ingest`]: the national node's checks on a province's push (signature, starting point,
//!   consistency or fork, entries that rebuild the root, namespace and serial rules) — pure.
//! - [`trust`]: the national trust list folded from the national log — pure.
//!
//! - [`feed`] and [`round`]: the national side's feed of a province and a province's push round,
//!   as state machines that take events and return actions — pure.
//! - [`remote`]: the other node as the drivers see it, as traits `grpc::remote` implements.
//!
//! The loops that carry these over the wire (a province's push and follow, the national node's
//! pull) run the engine and hold a [`remote`] client, so they live above both, in `node::push`
//! and `node::pull`.
pub mod envelope;
pub mod feed;
pub mod ingest;
pub mod refused;
pub mod remote;
pub mod round;
pub mod trust;

pub use refused::Refused;
