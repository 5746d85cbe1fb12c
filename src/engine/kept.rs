//! The latest checkpoint this node published, kept outside the store too: a small file beside
//! it (`node.kept_checkpoint_file`), written and fsynced before the checkpoint is shown to
//! anyone, with the national node's latest receipt on a province. At start a store that is
//! shorter than that checkpoint, or whose log is not the one it covers (restored from an older
//! copy, truncated, zeroed, replaced), is refused: the node never signs a second history.
//!
//! Invariant: every checkpoint a reader was ever shown is covered by the kept one, and the
//! store's log extends the kept one; nothing the operator can set skips the check.
use super::log_ops::StoreTiles;
use super::EngineError;
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::tree;
use crate::store::Store;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FORMAT: u32 = 1;

/// The file's content (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub format: u32,
    /// The signed note of the latest published checkpoint, as signed.
    pub checkpoint: String,
    /// Province: the national node's latest receipt (its size and cosigned note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<(u64, String)>,
}

impl Kept {
    /// The file for checkpoint `c`, with the province's latest receipt.
    pub fn of(c: &SignedCheckpoint, receipt: Option<(u64, Vec<u8>)>) -> Kept {
        Kept {
            format: FORMAT,
            checkpoint: String::from_utf8_lossy(&c.note).into_owned(),
            receipt: receipt
                .map(|(size, note)| (size, String::from_utf8_lossy(&note).into_owned())),
        }
    }
}

/// A write of the file failed: the checkpoint is not published (it is retried next time).
pub(super) fn cannot_keep(path: &Path, e: std::io::Error) -> EngineError {
    EngineError::Store(crate::store::StoreError::Engine(format!(
        "cannot keep the published checkpoint in {}: {e}",
        path.display()
    )))
}

/// Where the file is kept by default: beside the store directory, named after it, so a store
/// replaced by another copy does not take the file with it.
pub fn default_path(data_dir: &Path) -> PathBuf {
    let mut name = data_dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "store".into());
    name.push(".checkpoint");
    data_dir.with_file_name(name)
}

/// The kept file, if there is one.
pub fn read(path: &Path) -> Result<Option<Kept>, EngineError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(diverged(format!("cannot read {}: {e}", path.display()))),
    };
    let kept: Kept = serde_json::from_slice(&bytes)
        .map_err(|e| diverged(format!("{} is not a kept checkpoint: {e}", path.display())))?;
    if kept.format != FORMAT {
        return Err(diverged(format!(
            "{} has format {}; this node reads format {FORMAT}",
            path.display(),
            kept.format
        )));
    }
    Ok(Some(kept))
}

/// Replaces the file with `kept`, durably: a temporary file beside it, fsynced, renamed over
/// it, and the directory fsynced, so a crash leaves the old file or the new one whole.
pub fn write(path: &Path, kept: &Kept) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("checkpoint.tmp");
    {
        let mut f = crate::store::files::create_private(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(kept).expect("the kept checkpoint serialises"))?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

fn diverged(message: String) -> EngineError {
    EngineError::Diverged(message)
}

/// Checks a store against the kept checkpoint (at start, and in the audit): the kept note
/// verifies under `origin` with one of `keys` (this node's key, then those it held before), the
/// store's log holds at least its entries, and their root is its root. Returns the kept
/// checkpoint, if there is a file.
pub fn check(
    store: &dyn Store,
    keys: &[VerifyingKey],
    origin: &str,
    path: &Path,
) -> Result<Option<SignedCheckpoint>, EngineError> {
    let Some(kept) = read(path)? else {
        return Ok(None);
    };
    let note = kept.checkpoint.as_bytes();
    let c = keys
        .iter()
        .find_map(|k| checkpoint::verify(note, k, Some(origin)).ok())
        .ok_or_else(|| {
            diverged(format!(
                "the kept checkpoint {} does not verify with this node's key under origin {origin}",
                path.display()
            ))
        })?;
    let size = super::log_ops::size(|k| Ok(store.get(k)?))?;
    if size < c.size {
        return Err(diverged(format!(
            "the store holds {size} log entries, but this node published a checkpoint of {} \
             (kept in {}): the store is older than what the node published, or damaged. \
             Restore a backup that holds at least {} entries, or recover the lost entries from \
             the other tier; starting on this store would sign a second history",
            c.size,
            path.display(),
            c.size
        )));
    }
    let root = tree::root(&StoreTiles(store), c.size)
        .map_err(|e| diverged(format!("the store's log cannot be read: {e}")))?;
    if root.0 != c.root {
        return Err(diverged(format!(
            "the store's first {} log entries are not the ones this node published (kept in {}): \
             their root is {}, the published checkpoint's {}. The store was replaced or \
             damaged; restore a backup of this node's own store",
            c.size,
            path.display(),
            hex::encode(root.0),
            hex::encode(c.root)
        )));
    }
    Ok(Some(c))
}
