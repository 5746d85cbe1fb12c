//! The engine joins the pure rules to the store: commands go through the single writer
//! (`writer`), reads go straight to the store (`reads`). It knows nothing of gRPC.
mod apps;
pub mod audit;
mod audit_mirrors;
mod audit_openings;
mod backup;
mod clock;
pub mod commands;
mod federation;
mod hosting;
mod indexer;
pub mod kept;
mod lifecycle;
mod log_ops;
mod mint;
mod mirror_page;
mod openings;
mod quotas;
mod reads;
mod record_ops;
pub mod recover;
mod retention;
mod steps;
mod tally;
pub mod tokens;
mod write;
mod writer;
mod writer_stats;
pub use writer_stats::WriterStats;

pub use backup::{BackupSnapshot, LastBackup};
pub use clock::NodeClock;
pub use commands::Write;
pub use federation::{
    Alarm, AlarmKind, FollowBatch, Followed, IngestBatch, Ingested, MirrorState, Synced,
    NATIONAL_MIRROR,
};
pub use log_ops::{StoreTiles, MAX_ENTRIES};
pub use mirror_page::MirrorPage;
pub use reads::Verification;
pub use reads::{CertificateView, Change, Found, Logged, Page, QueueEntry, SearchFilter};
pub use reads::{Confirmation, IssuerKey, ProvinceState};
pub use writer::panic_text;

use crate::domain::calendar::Calendar;
use crate::domain::codes::Region;
use crate::domain::flow::{Limits, Refusal};
use crate::store::{keys, DynStore, StoreError};
use ed25519_dalek::SigningKey;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// How many jobs may wait for the writer before callers are slowed down.
const QUEUE_DEPTH: usize = 8192;

/// What the engine needs from the node's config.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub node_id: String,
    pub role: crate::domain::types::NodeRole,
    /// The namespace codes are minted in (`XX0000`, or `100000` for the central level).
    pub region: Region,
    pub limits: Limits,
    pub calendar: Calendar,
    pub max_attachment_bytes: usize,
    pub clock_control: bool,
    /// A province linked to a national node: it mints only once delegated in the national log.
    pub federated: bool,
    /// A province's root of trust: the national node's key (its certificates verify with it).
    pub national_key: Option<ed25519_dalek::VerifyingKey>,
    /// Token lifetimes.
    pub tokens: TokenLimits,
    /// What one application, subject or call may take.
    pub quotas: Quotas,
    /// Where the latest published checkpoint is kept outside the store (`kept`); `None` for a
    /// store that lives only in memory.
    pub kept_checkpoint: Option<std::path::PathBuf>,
    /// Bytes the store's filesystem keeps free (`node.min_free_bytes`): a group of writes that
    /// would leave less is refused whole (`STORE_FULL`) before the store sees it, so the store
    /// never meets a full disk in the middle of a batch.
    pub min_free_bytes: u64,
    /// Where the search index is kept beside the store; `None` keeps it in memory (built from
    /// the store at each start).
    pub search_dir: Option<std::path::PathBuf>,
}

#[cfg(test)]
impl EngineConfig {
    /// A province `gd` in namespace 440000 with a movable clock, its store in memory.
    pub(crate) fn for_tests() -> EngineConfig {
        EngineConfig {
            node_id: "gd".into(),
            role: crate::domain::types::NodeRole::Province,
            region: Region::parse("440000").expect("a province code"),
            limits: Limits::default(),
            calendar: Calendar::builtin(),
            max_attachment_bytes: 1024,
            clock_control: true,
            federated: false,
            national_key: None,
            tokens: TokenLimits::default(),
            quotas: Quotas::default(),
            kept_checkpoint: None,
            min_free_bytes: 0,
            search_dir: None,
        }
    }
}

/// What one application, subject or call may take (`[quotas]`); each has its reason code.
#[derive(Debug, Clone)]
pub struct Quotas {
    /// Objections one application takes (`OBJECTIONS_PER_APPLICATION`).
    pub objections_per_application: usize,
    /// Edits of one draft (`DRAFT_EDITS_EXHAUSTED`).
    pub draft_edits: u64,
    /// Bytes of snapshots one draft may have stored, all edits together
    /// (`DRAFT_STORAGE_EXHAUSTED`).
    pub draft_bytes: u64,
    /// Bytes of a request carrying materials, serialised as the node stores it
    /// (`MATERIALS_TOO_LARGE`).
    pub materials_bytes: usize,
    /// Bytes of attachments one subject's registrants may upload (`ATTACHMENT_QUOTA`).
    pub attachment_bytes_per_subject: u64,
    /// Bytes of log entries one ListEntries or FollowLog answer carries (at least one entry).
    pub entries_bytes: usize,
    /// Bytes of before images an online backup may hold ahead of its reader
    /// (`BACKUP_TOO_SLOW`).
    pub backup_held_bytes: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            objections_per_application: 20,
            draft_edits: 100,
            draft_bytes: 16 << 20,
            materials_bytes: 1 << 20,
            attachment_bytes_per_subject: 1 << 30,
            entries_bytes: 4 << 20,
            backup_held_bytes: 256 << 20,
        }
    }
}

/// How long bearer tokens live (`[tokens]`), in days on the node clock.
#[derive(Debug, Clone)]
pub struct TokenLimits {
    /// Lifetime of a token created without one.
    pub ttl_days: u32,
    /// Longest lifetime a token may be given.
    pub max_ttl_days: u32,
}

impl Default for TokenLimits {
    fn default() -> Self {
        TokenLimits {
            ttl_days: 365,
            max_ttl_days: 3650,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rules refused the request; nothing changed.
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// A token past its expiry (`TOKEN_EXPIRED`).
    #[error("token expired: {0}")]
    TokenExpired(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The writer has stopped (shutting down).
    #[error("the node is shutting down")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
    /// The write was applied but the flush that would make it durable failed: it may or may
    /// not survive a crash, so the caller retries with the same request id (never "refused").
    #[error("the outcome of this write is unknown: {0}")]
    OutcomeUnknown(String),
    /// The store's disk is too full to take the write (`node.min_free_bytes`): nothing was
    /// written, and writes resume by themselves once space is freed.
    #[error(
        "the store's disk has {free} bytes free, and this write would leave less than \
         node.min_free_bytes ({min}): nothing was written; retry once space is freed"
    )]
    StoreFull { free: u64, min: u64 },
    /// The store is not (or no longer) the history this node published: refused at start.
    #[error("the store does not hold the history this node published: {0}")]
    Diverged(String),
    /// The search index is being built from the store, beside the serving node; searches are
    /// answered once it is built.
    #[error(
        "the search index is being built from the store; searches are answered once it is \
         built: retry shortly"
    )]
    SearchBuilding,
}

impl EngineError {
    pub(crate) fn corrupt(key: &[u8], detail: &str) -> EngineError {
        EngineError::Store(StoreError::Corrupt {
            key: String::from_utf8_lossy(key).into_owned(),
            detail: detail.into(),
        })
    }
}

/// State shared by the writer thread and readers.
pub(crate) struct Shared {
    pub store: DynStore,
    pub key: SigningKey,
    pub cfg: EngineConfig,
    pub clock: NodeClock,
    /// The log's origin (from region and node id), the name its checkpoints are signed under.
    pub origin: String,
    /// The latest checkpoint that is durable with all it covers: what readers are shown.
    pub published: std::sync::RwLock<Option<crate::log::checkpoint::SignedCheckpoint>>,
    /// The log size every flushed write is below: notification streams read up to it.
    pub durable: tokio::sync::watch::Sender<u64>,
    /// Held while the kept checkpoint file is written and the checkpoint published, so two
    /// publishes never write the file at once or publish out of order.
    pub keeping: tokio::sync::Mutex<()>,
    /// Whether the store took the last group's writes and flush: false from a store error until
    /// a group is applied and flushed again (health turns NOT_SERVING meanwhile).
    pub store_ok: tokio::sync::watch::Sender<bool>,
    /// Why the writer cannot go on, once it cannot: a batch the store failed to apply may be
    /// partly applied in the store's memory, so no write is taken after it and the node stops
    /// (non-zero) for its supervisor to restart it on the durable state.
    pub fatal: tokio::sync::watch::Sender<Option<String>>,
    /// Online backups being read; the writer saves before images for them (`store::snapshot`).
    pub snapshots: crate::store::snapshot::Snapshots,
    /// Where the writer's and the flusher's time goes.
    pub writer_time: writer_stats::Counters,
    /// The registry's search index, and the last feed position that is durable: a search waits
    /// until the index covers what was durable when it began (`engine::indexer`).
    pub search: Arc<crate::search::SearchIndex>,
    /// The build of the search index the indexer thread does first, when it must be built.
    rebuild: std::sync::Mutex<Option<indexer::Rebuild>>,
    pub feed_durable: std::sync::atomic::AtomicU64,
    /// The disclosure statistics, kept by the writer as it writes records (`engine::tally`).
    pub tally: tally::Kept,
}

impl Shared {
    /// The shared state over an open store, nothing published yet.
    fn new(store: DynStore, key: SigningKey, cfg: EngineConfig) -> Result<Shared, EngineError> {
        let offset = match store.get(&keys::meta("clock_offset"))? {
            Some(b) => i64::from_be_bytes(
                b.as_slice()
                    .try_into()
                    .map_err(|_| EngineError::corrupt(b"meta/clock_offset", "not 8 bytes"))?,
            ),
            None => 0,
        };
        let clock = NodeClock::new(offset, cfg.clock_control);
        // What is in the store at open is durable.
        let size = log_ops::size(|k| Ok(store.get(k)?))?;
        let origin = crate::log::checkpoint::origin(&cfg.region.to_string(), &cfg.node_id);
        // An index on disk that must be built again is built beside the serving node (a
        // rebuild at a million records takes minutes); one in memory is small, built here.
        let (search, fed, rebuild) = indexer::open(
            store.as_ref(),
            cfg.search_dir.as_deref(),
            cfg.search_dir.is_some(),
        )?;
        let tally = tally::open(store.as_ref())?;
        Ok(Shared {
            store,
            key,
            cfg,
            clock,
            origin,
            published: Default::default(),
            durable: tokio::sync::watch::Sender::new(size),
            keeping: Default::default(),
            store_ok: tokio::sync::watch::Sender::new(true),
            fatal: tokio::sync::watch::Sender::new(None),
            snapshots: Default::default(),
            writer_time: Default::default(),
            search: Arc::new(search),
            rebuild: std::sync::Mutex::new(rebuild),
            feed_durable: fed.into(),
            tally,
        })
    }
}

/// Builds the search index in `dir` and the kept statistics again from the records of a store
/// no node holds; returns how many it indexed.
pub fn reindex(store: &dyn crate::store::Store, dir: &std::path::Path) -> Result<u64, EngineError> {
    tally::rebuild(store)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|e| EngineError::Internal(format!("remove {}: {e}", dir.display())))?;
    }
    let (index, _, _) = indexer::open(store, Some(dir), false)?;
    let n = index.len();
    index.settle()?;
    Ok(n)
}

#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    writer: mpsc::Sender<write::Job>,
}

impl Engine {
    /// Starts the engine over an open store. The writer thread stops when the last clone of the
    /// engine is dropped.
    pub fn start(
        store: DynStore,
        key: SigningKey,
        cfg: EngineConfig,
    ) -> Result<Engine, EngineError> {
        let mut shared = Shared::new(store, key, cfg)?;
        // What is in the store at open is durable: the last checkpoint is published as it is,
        // once the store is known to extend the one kept outside it (and that one is kept).
        let stored = log_ops::stored_checkpoint(&shared, |k| Ok(shared.store.get(k)?))?;
        if let Some(path) = &shared.cfg.kept_checkpoint {
            let mut keys = vec![shared.key.verifying_key()];
            keys.extend(log_ops::retired_own_keys(&shared, &|k| {
                Ok(shared.store.get(k)?)
            })?);
            let kept = kept::check(shared.store.as_ref(), &keys, &shared.origin, path)?;
            if let Some(c) = stored
                .as_ref()
                .filter(|c| kept.is_none_or(|k| k.size < c.size))
            {
                let receipt = log_ops::latest_receipt(shared.store.as_ref())?;
                kept::write(path, &kept::Kept::of(c, receipt))
                    .map_err(|e| kept::cannot_keep(path, e))?;
            }
        }
        shared.published = std::sync::RwLock::new(stored);
        let shared = Arc::new(shared);
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        writer::spawn(shared.clone(), rx);
        Ok(Engine { shared, writer: tx })
    }

    /// Runs one write through the writer; returns once it is durable (or refused).
    pub async fn execute<W: Write>(&self, write: W) -> Result<W::Reply, EngineError> {
        self.submit(write).await?.await
    }

    /// Queues one write and returns, without waiting for it, the answer to come. Writes run in
    /// the order they are queued, so a caller can queue the next write (the next batch of a
    /// push) while the one before is still being flushed.
    pub async fn submit<W: Write>(
        &self,
        write: W,
    ) -> Result<impl std::future::Future<Output = Result<W::Reply, EngineError>>, EngineError> {
        let fingerprint = write.prepare(&self.shared.cfg.quotas)?;
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(write::Job::new(write, fingerprint, reply))
            .await
            .map_err(|_| EngineError::Unavailable)?;
        Ok(async move { rx.await.map_err(|_| EngineError::Unavailable)? })
    }

    /// The writer's counters since start (`/metrics`, `sjdj-bench`).
    pub fn writer_stats(&self) -> WriterStats {
        self.shared.writer_time.read()
    }

    /// Whether the store is taking writes (see `Shared::store_ok`), and a way to wait for it
    /// to change.
    pub fn store_ok(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shared.store_ok.subscribe()
    }

    /// Whether the store's disk has room for writes (`node.min_free_bytes`), and the bytes free
    /// when the store has a disk.
    pub fn store_room(&self) -> (bool, Option<u64>) {
        let free = self.shared.store.free_bytes();
        (
            free.is_none_or(|f| f >= self.shared.cfg.min_free_bytes),
            free,
        )
    }

    /// Why the writer stopped taking writes, once it has (see `Shared::fatal`).
    pub fn fatal(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.shared.fatal.subscribe()
    }

    pub fn config(&self) -> &EngineConfig {
        &self.shared.cfg
    }

    pub fn clock(&self) -> &NodeClock {
        &self.shared.clock
    }

    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.shared.key.verifying_key()
    }

    /// The transparency log's origin.
    pub fn log_origin(&self) -> &str {
        &self.shared.origin
    }

    pub fn store(&self) -> &DynStore {
        &self.shared.store
    }
}

#[cfg(test)]
mod tests;
