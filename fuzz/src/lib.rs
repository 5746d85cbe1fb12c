//! The bodies of the fuzz targets, one function per parser; `fuzz_targets/*.rs` call them and the
//! main crate's tests replay the committed corpora through them.
pub mod targets;
