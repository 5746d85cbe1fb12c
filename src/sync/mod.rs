//! Federation between nodes (DESIGN §4): what crosses between a province and the national node.
//!
//! - [`envelope`]: the signed envelope (DSSE v1) every such message travels in.
//! - [`ingest`]: the national node's checks on a province's push (signature, starting point,
//!   consistency or fork, entries that rebuild the root, namespace and serial rules) — pure.
//!
//! - [`trust`]: the national trust list folded from the national log — pure.
//! - [`driver`]: the province's loop over FederationService: follow the national log, push its
//!   own (async).
//! - [`pull`]: the national node's fallback for a province that cannot push: read its public
//!   log and certificates and ingest them as a push (async).
pub mod driver;
pub mod envelope;
pub mod ingest;
pub mod pull;
pub mod trust;
