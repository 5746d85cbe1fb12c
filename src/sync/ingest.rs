//! What the national node checks before it takes a province's entries into the national book.
//! Pure: it reads the province's mirrored tree through a [`TileSource`] and returns either the
//! writes to make or the reason to refuse; storing and answering are the caller's.
//!
//! A push is a signed checkpoint of the province's log, the consistency proof from the size the
//! national node last acknowledged, and the entries in between. It is accepted only if:
//! 1. the checkpoint verifies under the province's key and origin (from the trust list);
//! 2. it starts where the mirror stands (else the answer is the expected size, to resume from);
//! 3. the proof shows the acknowledged tree is a prefix of the new one — two checkpoints of one
//!    province that are not consistent are a fork: evidence to keep, nothing applied;
//! 4. the entries, appended to the mirror, rebuild exactly the signed root;
//! 5. each entry is well formed at its index, and codes are minted only in the province's own
//!    namespace with serials that only grow.
use crate::domain::codes::{Region, UnifiedCode};
use crate::domain::flow::EventKind;
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::entry::{Body, Record};
use crate::log::tree::{self, MemoryTiles, TileSource, TileWrite};
use crate::log::{Hash, LogError};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;

/// What the national node knows of one province's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub origin: String,
    pub key: VerifyingKey,
    /// The province's namespace (`XX0000`).
    pub region: Region,
    /// The last checkpoint accepted (and cosigned); `None` before the first push.
    pub acknowledged: Option<SignedCheckpoint>,
    /// Highest serial seen per year in this namespace.
    pub serials: BTreeMap<u16, u32>,
}

/// Everything to store for an accepted push, in one batch.
#[derive(Debug)]
pub struct Accepted {
    pub checkpoint: SignedCheckpoint,
    pub entries: Vec<(u64, Vec<u8>)>,
    pub tiles: Vec<TileWrite>,
    pub serials: BTreeMap<u16, u32>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("checkpoint: {0}")]
    Checkpoint(LogError),
    #[error("the push starts at {got}; the national node holds {expected} entries of this log")]
    WrongStart { got: u64, expected: u64 },
    #[error(
        "the checkpoint has {size} entries but {sent} were sent after the {from} acknowledged"
    )]
    WrongCount { size: u64, from: u64, sent: u64 },
    /// Evidence: the acknowledged checkpoint and this one cannot both be true.
    #[error("fork: the checkpoint of {new} entries is not consistent with the acknowledged {old}")]
    Fork { old: u64, new: u64 },
    #[error("the entries do not rebuild the signed root of {0} entries")]
    RootMismatch(u64),
    #[error("entry {index}: {why}")]
    BadEntry { index: u64, why: String },
    #[error("entry {index} mints {code} outside the province's namespace {region}")]
    ForeignNamespace {
        index: u64,
        code: String,
        region: String,
    },
    #[error("entry {index} mints serial {serial} of {year}, not above the {last} already minted")]
    SerialReused {
        index: u64,
        year: u16,
        serial: u32,
        last: u32,
    },
}

impl Refused {
    /// Stable reason code for the wire.
    pub fn reason(&self) -> &'static str {
        match self {
            Refused::Checkpoint(_) => "SYNC_BAD_CHECKPOINT",
            Refused::WrongStart { .. } => "SYNC_WRONG_START",
            Refused::WrongCount { .. } => "SYNC_WRONG_COUNT",
            Refused::Fork { .. } => "SYNC_FORK",
            Refused::RootMismatch(_) => "SYNC_ROOT_MISMATCH",
            Refused::BadEntry { .. } => "SYNC_BAD_ENTRY",
            Refused::ForeignNamespace { .. } => "SYNC_FOREIGN_NAMESPACE",
            Refused::SerialReused { .. } => "SYNC_SERIAL_REUSED",
        }
    }
}

/// The mirror's tiles plus the ones this push writes, so appends see each other.
struct Overlay<'a, S: TileSource> {
    base: &'a S,
    new: MemoryTiles,
}

impl<S: TileSource> TileSource for Overlay<'_, S> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        match self.new.tile(level, n)? {
            Some(d) => Ok(Some(d)),
            None => self.base.tile(level, n),
        }
    }
}

/// Checks a push against the mirror. `from` is the size the province says it starts at,
/// `proof` the consistency proof from `from` to the checkpoint's size, `entries` those in between.
pub fn check_push(
    mirror: &Mirror,
    tiles: &impl TileSource,
    note: &[u8],
    from: u64,
    proof: &[[u8; 32]],
    entries: &[Vec<u8>],
) -> Result<Accepted, Refused> {
    let cp =
        checkpoint::verify(note, &mirror.key, Some(&mirror.origin)).map_err(Refused::Checkpoint)?;
    let held = mirror.acknowledged.as_ref().map_or(0, |c| c.size);
    if from != held {
        return Err(Refused::WrongStart {
            got: from,
            expected: held,
        });
    }
    if let Some(old) = &mirror.acknowledged {
        let consistent = if cp.size < old.size {
            false
        } else if cp.size == old.size {
            cp.root == old.root
        } else {
            let proof: Vec<Hash> = proof.iter().copied().map(Hash).collect();
            tree::verify_consistency(&proof, cp.size, Hash(cp.root), old.size, Hash(old.root))
                .is_ok()
        };
        if !consistent {
            return Err(Refused::Fork {
                old: old.size,
                new: cp.size,
            });
        }
    }
    if cp.size != held + entries.len() as u64 {
        return Err(Refused::WrongCount {
            size: cp.size,
            from: held,
            sent: entries.len() as u64,
        });
    }
    let overlay = Overlay {
        base: tiles,
        new: MemoryTiles::default(),
    };
    let mut serials = mirror.serials.clone();
    let mut stored = Vec::with_capacity(entries.len());
    for (i, data) in entries.iter().enumerate() {
        let index = held + i as u64;
        let bad = |why: String| Refused::BadEntry { index, why };
        let record = Record::decode(data).map_err(|e| bad(e.to_string()))?;
        if record.index != index {
            return Err(bad(format!("it says it is entry {}", record.index)));
        }
        if let Body::Flow { event, .. } = &record.body {
            if let EventKind::Registered { code, .. } = event.as_ref() {
                let c = UnifiedCode::parse(code).map_err(|e| bad(format!("code {code}: {e}")))?;
                if c.region != mirror.region {
                    return Err(Refused::ForeignNamespace {
                        index,
                        code: code.clone(),
                        region: mirror.region.to_string(),
                    });
                }
                let last = serials.get(&c.year).copied().unwrap_or(0);
                if c.serial <= last {
                    return Err(Refused::SerialReused {
                        index,
                        year: c.year,
                        serial: c.serial,
                        last,
                    });
                }
                serials.insert(c.year, c.serial);
            }
        }
        let writes =
            tree::append(&overlay, index, tree::leaf_hash(data)).map_err(|e| bad(e.to_string()))?;
        overlay.new.write(writes);
        stored.push((index, data.clone()));
    }
    if cp.size > 0 {
        let root = tree::root(&overlay, cp.size).map_err(|_| Refused::RootMismatch(cp.size))?;
        if root.0 != cp.root {
            return Err(Refused::RootMismatch(cp.size));
        }
    }
    let tiles = overlay
        .new
        .0
        .into_inner()
        .into_iter()
        .map(|((level, n), data)| TileWrite { level, n, data })
        .collect();
    Ok(Accepted {
        checkpoint: cp,
        entries: stored,
        tiles,
        serials,
    })
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
