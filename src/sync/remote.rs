//! The other node, as the federation drivers see it: what a province asks of the national node
//! (where its feed stands, the national log to follow, a push, a certificate) and what the
//! national node reads of a province when it pulls. `grpc::remote` carries these over the wire;
//! the drivers (`node::push`, `node::pull`) hold only these traits, so a refusal reaches them as
//! a reason code, never as message text to match.
use super::round::National;
use std::future::Future;
use std::pin::Pin;
use tokio_stream::Stream;

/// A call to another node that did not get its answer: the node refused it (with a reason code
/// when it gave one) or could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    /// The refusal's reason code from the catalogue (`domain::reasons`), when the node gave one.
    pub reason: Option<String>,
    /// What went wrong, as the node or the transport said it.
    pub message: String,
}

impl CallError {
    /// A malformed answer: the call reached the node, but what came back breaks the protocol.
    pub fn malformed(message: impl Into<String>) -> Self {
        CallError {
            reason: None,
            message: message.into(),
        }
    }
}

/// What the national node says of this province's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    pub national: National,
    /// The national log's origin, which names the key of its receipts.
    pub national_origin: String,
}

/// A slice of the national log for a follower, with what checks it: the national checkpoint,
/// the proof that it extends the one the follower accepted, and the proof that the slice ends
/// on a prefix of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowAnswer {
    pub origin: String,
    pub checkpoint: Vec<u8>,
    pub entries: Vec<Vec<u8>>,
    pub accepted_proof: Vec<[u8; 32]>,
    pub batch_proof: Vec<[u8; 32]>,
}

/// One batch of a push: entries `[from, from + entries.len())` of the province log, the
/// checkpoint they belong to, its proofs and the certificates the entries pin. The client seals
/// it with the province's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushBatch {
    pub checkpoint: Vec<u8>,
    pub from: u64,
    pub accepted_proof: Vec<[u8; 32]>,
    pub batch_proof: Vec<[u8; 32]>,
    pub entries: Vec<Vec<u8>>,
    pub certificates: Vec<Vec<u8>>,
}

/// The national node's answer to one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushAnswer {
    /// Entries of the feed it holds now.
    pub held: u64,
    /// Its cosignature of the checkpoint once the feed is whole; empty before.
    pub receipt: Vec<u8>,
}

/// The answers of a push, one per batch, in order.
pub type PushAnswers = Pin<Box<dyn Stream<Item = Result<PushAnswer, CallError>> + Send>>;

/// A province's latest published checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub note: Vec<u8>,
    pub size: u64,
}

/// Signed certificates by code and version (0: the latest), from a node's registry.
pub trait Certificates: Send {
    fn certificate(
        &mut self,
        code: &str,
        version: u32,
    ) -> impl Future<Output = Result<Vec<u8>, CallError>> + Send;
}

/// The national node, for the province that holds this client (its node id and key).
pub trait NationalNode: Certificates {
    fn feed_status(&mut self) -> impl Future<Output = Result<FeedStatus, CallError>> + Send;

    /// What the national log holds from `from`, with `accepted` the size of the national
    /// checkpoint this node accepted last; `None` while there is nothing to follow (this node
    /// is not delegated yet, or the national log has no checkpoint).
    fn follow_log(
        &mut self,
        from: u64,
        accepted: u64,
    ) -> impl Future<Output = Result<Option<FollowAnswer>, CallError>> + Send;

    /// Sends the batches on one stream as they come, the answers coming back as the national
    /// node stores each.
    fn push(
        &mut self,
        batches: tokio::sync::mpsc::Receiver<PushBatch>,
    ) -> impl Future<Output = Result<PushAnswers, CallError>> + Send;
}

/// A province's public log, for the national node that pulls it.
pub trait ProvinceNode: Certificates {
    /// Its latest checkpoint; `None` before it has one.
    fn checkpoint(&mut self) -> impl Future<Output = Result<Option<Published>, CallError>> + Send;

    /// Entries `[start, end)`, or fewer when the province cuts the answer by bytes.
    fn entries(
        &mut self,
        start: u64,
        end: u64,
    ) -> impl Future<Output = Result<Vec<Vec<u8>>, CallError>> + Send;

    fn consistency_proof(
        &mut self,
        first: u64,
        second: u64,
    ) -> impl Future<Output = Result<Vec<[u8; 32]>, CallError>> + Send;
}
