//! What a monitor checks between two checkpoints of one log, as Certificate Transparency
//! monitors do: same origin, the tree never shrinks, its time never goes back, and the older
//! tree is a prefix of the newer (a consistency proof), so history was never rewritten.
use super::checkpoint::SignedCheckpoint;
use super::{tree, Hash};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Violation {
    #[error("origin changed from {0:?} to {1:?}")]
    Origin(String, String),
    #[error("the log shrank from {0} to {1} entries")]
    Shrank(u64, u64),
    #[error("checkpoint time went back from {0} to {1}")]
    TimeWentBack(i64, i64),
    #[error("two different roots for {0} entries: the log forked")]
    Fork(u64),
    #[error("the {0}-entry tree is not a prefix of the {1}-entry tree: history was rewritten")]
    Inconsistent(u64, u64),
}

/// Checks `next` against the last verified checkpoint; `proof` is the consistency proof from
/// `last.size` to `next.size` (ignored when the sizes are equal).
pub fn check(
    last: &SignedCheckpoint,
    next: &SignedCheckpoint,
    proof: &[[u8; 32]],
) -> Result<(), Violation> {
    if last.origin != next.origin {
        return Err(Violation::Origin(last.origin.clone(), next.origin.clone()));
    }
    if next.size < last.size {
        return Err(Violation::Shrank(last.size, next.size));
    }
    if next.time < last.time {
        return Err(Violation::TimeWentBack(last.time, next.time));
    }
    if next.size == last.size {
        return if next.root == last.root {
            Ok(())
        } else {
            Err(Violation::Fork(next.size))
        };
    }
    let proof: Vec<Hash> = proof.iter().copied().map(Hash).collect();
    tree::verify_consistency(
        &proof,
        next.size,
        Hash(next.root),
        last.size,
        Hash(last.root),
    )
    .map_err(|_| Violation::Inconsistent(last.size, next.size))
}
