//! Federation between nodes (DESIGN §4): what crosses between a province and the national node.
//! So far: [`envelope`], the signed envelope every such message travels in. The sync state
//! machine, trust list and gRPC driver come next (issue 4).
pub mod envelope;
