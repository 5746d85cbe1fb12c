//! Online backup: the writer begins a snapshot of the whole store at one log size, with the
//! checkpoint signed at that size, and readers walk it while writes go on (`store::snapshot`).
use super::commands::require_admin;
use super::write::{Applying, Cx, Write};
use super::{log_ops, EngineError};
use crate::domain::flow::{Refusal, RefusalKind};
use crate::domain::types::Actor;
use crate::log::checkpoint::SignedCheckpoint;
use crate::store::snapshot::{Snapshot, SnapshotError};
use crate::store::{keys, DynStore};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A snapshot of the store at log size `size`, to be read page by page (off the async threads:
/// each page reads the store).
pub struct BackupSnapshot {
    /// Entries of the log the snapshot holds.
    pub size: u64,
    /// The checkpoint over exactly those entries, published and kept (`None`: an empty log).
    pub checkpoint: Option<SignedCheckpoint>,
    snapshot: Arc<Snapshot>,
    store: DynStore,
}

impl BackupSnapshot {
    /// The next entries in key order, about `limit` of them; empty at the end.
    pub fn next_page(&self, limit: usize) -> Result<crate::store::Entries, EngineError> {
        self.snapshot
            .next_page(self.store.as_ref(), limit)
            .map_err(|e| match e {
                SnapshotError::TooSlow { .. } => Refusal::new(
                    RefusalKind::ResourceExhausted,
                    "BACKUP_TOO_SLOW",
                    format!("{e} (quotas.backup_held_bytes)"),
                )
                .into(),
                SnapshotError::Store(m) => EngineError::Store(crate::store::StoreError::Engine(m)),
            })
    }
}

/// The last backup served whole: when, at which log size, how much.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastBackup {
    /// Unix seconds (wall clock) it ended.
    pub at: i64,
    pub size: u64,
    pub records: u64,
    pub bytes: u64,
}

/// Begins a backup (admin): signs a checkpoint over everything applied and answers with the
/// log's size. The writer ends the group with it and begins the snapshot once the group is
/// applied, so the snapshot holds exactly the log the checkpoint covers.
pub struct BeginBackup {
    pub actor: Actor,
}

/// A backup's log size and checkpoint, and the snapshot begun once its group was applied.
pub struct BackupStart {
    size: u64,
    checkpoint: Option<SignedCheckpoint>,
    snapshot: Option<Arc<Snapshot>>,
}

impl Write for BeginBackup {
    type Reply = BackupStart;
    const ENDS_GROUP: bool = true;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<BackupStart, EngineError> {
        let (shared, tx) = (cx.shared, &mut *cx.tx);
        require_admin(&self.actor)?;
        let checkpoint = match log_ops::sign_checkpoint(shared, tx)? {
            Some(c) => Some(c),
            None => log_ops::stored_checkpoint(shared, |k| tx.get(k))?,
        };
        let size = log_ops::size(|k| tx.get(k))?;
        Ok(BackupStart {
            size,
            checkpoint,
            snapshot: None,
        })
    }

    fn applied(start: &mut BackupStart, node: &Applying) {
        let cap = node.shared.cfg.quotas.backup_held_bytes;
        start.snapshot = Some(Arc::new(node.shared.snapshots.begin(cap)));
    }
}

/// Keeps the last backup's figures in the store, so they outlive a restart.
pub struct RecordBackup(pub LastBackup);

impl Write for RecordBackup {
    type Reply = ();

    fn run(self, cx: &mut Cx, _fp: String) -> Result<(), EngineError> {
        let bytes =
            serde_json::to_vec(&self.0).map_err(|e| EngineError::Internal(e.to_string()))?;
        cx.tx.put(keys::meta("last_backup"), bytes);
        Ok(())
    }
}

impl super::Engine {
    /// Begins an online backup (admin only). Returns once the snapshot's checkpoint is durable,
    /// published and kept.
    pub async fn backup(&self, actor: Actor) -> Result<BackupSnapshot, EngineError> {
        let start = self.execute(BeginBackup { actor }).await?;
        let BackupStart {
            size,
            checkpoint,
            snapshot: Some(snapshot),
        } = start
        else {
            return Err(EngineError::Internal(
                "backup: the snapshot was not begun".into(),
            ));
        };
        // The archive's checkpoint is one the node has published and kept outside the store.
        self.publish_checkpoint().await?;
        Ok(BackupSnapshot {
            size,
            checkpoint,
            snapshot,
            store: self.shared.store.clone(),
        })
    }

    /// Records a backup served whole (for `/metrics` and the "last backup too old" alert).
    pub async fn backup_served(&self, last: LastBackup) -> Result<(), EngineError> {
        self.execute(RecordBackup(last)).await
    }

    /// The last backup served whole, as the store keeps it.
    pub fn last_backup(&self) -> Option<LastBackup> {
        let bytes = self.shared.store.get(&keys::meta("last_backup")).ok()??;
        serde_json::from_slice(&bytes).ok()
    }
}
