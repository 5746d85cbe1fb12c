//! Restoring a backup archive into a new store, and checking an archive by restoring it into a
//! temporary one. Both end with the audit: a restored store is one the node would start on.
use crate::engine::audit::{self, AuditReport};
use crate::store::archive::{self, ArchiveError, Manifest};
use crate::store::{files, keys, Batch, Store};
use ed25519_dalek::VerifyingKey;
use std::path::{Path, PathBuf};

/// Bytes of entries written to the new store at once.
const BATCH_BYTES: usize = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "{0} is not empty: a backup is restored into a new directory, never over a store \
         (move the old one aside, or give another --data-dir)"
    )]
    NotEmpty(PathBuf),
    #[error("{}: {source}", .file.display())]
    Archive { file: PathBuf, source: ArchiveError },
    #[error("writing the restored store in {}: {detail}", .dir.display())]
    Store { dir: PathBuf, detail: String },
    /// The archive is whole, but what it holds does not pass the audit or does not match its
    /// manifest.
    #[error("the restored store fails the audit: {0}")]
    Audit(String),
}

/// Whose backup it must be: the node's public key, and its log's origin when known (from its
/// config; the key alone already binds the checkpoint to the node's own origin).
pub struct Identity {
    pub key: VerifyingKey,
    pub origin: Option<String>,
}

/// What a restore made and checked.
pub struct Restored {
    pub manifest: Manifest,
    pub audit: AuditReport,
    /// Which key the checkpoint was checked with.
    pub key: KeyUsed,
}

pub enum KeyUsed {
    /// The node's key, from its config.
    Node,
    /// The key the manifest names (no config given): the archive is whole and self-consistent,
    /// not shown to be this node's.
    Manifest,
}

/// Restores `file` into `dir` (absent or empty), then audits it with `key` (the node's public
/// key and origin, or `None` to take the manifest's). On any failure `dir` is left as it was
/// found.
pub fn restore(file: &Path, dir: &Path, node: Option<&Identity>) -> Result<Restored, RestoreError> {
    let existed = dir.exists();
    if existed
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(RestoreError::NotEmpty(dir.to_path_buf()));
    }
    let result = restore_into(file, dir, node);
    if result.is_err() {
        let _ = if existed {
            empty_dir(dir)
        } else {
            std::fs::remove_dir_all(dir)
        };
    }
    result
}

/// Restores `file` into a temporary directory, audits it and removes it: whether the archive
/// would restore to a store the node starts on.
pub fn verify(file: &Path, node: Option<&Identity>) -> Result<Restored, RestoreError> {
    let mut nonce = [0u8; 8];
    getrandom::getrandom(&mut nonce).expect("OS randomness");
    let dir = std::env::temp_dir().join(format!("sjdj-verify-{}", hex::encode(nonce)));
    let result = restore(file, &dir, node);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn restore_into(
    file: &Path,
    dir: &Path,
    node: Option<&Identity>,
) -> Result<Restored, RestoreError> {
    let store_error = |detail: String| RestoreError::Store {
        dir: dir.to_path_buf(),
        detail,
    };
    let archive_error = |source| RestoreError::Archive {
        file: file.to_path_buf(),
        source,
    };
    files::create_private_dir_all(dir).map_err(|e| store_error(e.to_string()))?;
    let store = super::open_store(dir).map_err(|e| store_error(e.to_string()))?;
    let input = std::fs::File::open(file).map_err(|e| archive_error(e.into()))?;
    let mut batch = Batch::default();
    let mut bytes = 0;
    let manifest = archive::read(std::io::BufReader::with_capacity(1 << 20, input), |k, v| {
        batch.put(k, v);
        bytes += k.len() + v.len();
        if bytes >= BATCH_BYTES {
            bytes = 0;
            store
                .apply(std::mem::take(&mut batch))
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    })
    .map_err(archive_error)?;
    store.apply(batch).map_err(|e| store_error(e.to_string()))?;
    store.flush().map_err(|e| store_error(e.to_string()))?;
    let (key, used) = match node {
        Some(Identity {
            origin: Some(origin),
            ..
        }) if *origin != manifest.source.origin => {
            return Err(RestoreError::Audit(format!(
                "it is a backup of {}, not of this node ({origin})",
                manifest.source.origin
            )))
        }
        Some(node) => (node.key, KeyUsed::Node),
        None => (manifest_key(&manifest)?, KeyUsed::Manifest),
    };
    let report = check(&store, &key, &manifest)?;
    Ok(Restored {
        manifest,
        audit: report,
        key: used,
    })
}

/// The audit, and the store against its manifest: the log size and the checkpoint it names.
fn check(
    store: &dyn Store,
    key: &VerifyingKey,
    manifest: &Manifest,
) -> Result<AuditReport, RestoreError> {
    let m = &manifest.source;
    let report =
        audit::audit(store, key, &m.origin).map_err(|e| RestoreError::Audit(e.to_string()))?;
    if report.entries != m.log_size {
        return Err(RestoreError::Audit(format!(
            "the store holds {} log entries, the manifest says {}",
            report.entries, m.log_size
        )));
    }
    let stored = store
        .get(&keys::meta("checkpoint"))
        .map_err(|e| RestoreError::Audit(e.to_string()))?
        .map(|note| String::from_utf8_lossy(&note).into_owned());
    if stored != m.checkpoint {
        return Err(RestoreError::Audit(
            "the store's checkpoint is not the one the manifest names".into(),
        ));
    }
    Ok(report)
}

fn manifest_key(manifest: &Manifest) -> Result<VerifyingKey, RestoreError> {
    let bad = || RestoreError::Audit("the manifest's public_key is not an ed25519 key".into());
    let bytes: [u8; 32] = hex::decode(&manifest.source.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
}

fn empty_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(path)?;
        } else {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}
