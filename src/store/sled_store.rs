//! The sled 0.34 adapter. All keys live in one sled tree, so one `apply_batch` is atomic across
//! every keyspace (state, events, indexes) and survives a crash whole or not at all.
use super::{Batch, Result, Store, StoreError};
use std::path::Path;

pub struct SledStore {
    db: sled::Db,
    tree: sled::Tree,
    dir: std::path::PathBuf,
}

fn engine(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Corruption { at, .. } => StoreError::Corrupt {
            key: format!("{at:?}"),
            detail: "sled reported corruption".into(),
        },
        other => StoreError::Engine(other.to_string()),
    }
}

/// sled's own default page cache: 1 GiB.
pub const DEFAULT_CACHE_BYTES: u64 = 1 << 30;

impl SledStore {
    /// Opens (or creates) the store in `dir`. sled locks the directory, so a second process on the
    /// same data dir fails here instead of corrupting it.
    pub fn open(dir: &Path) -> Result<SledStore> {
        SledStore::open_with_cache(dir, DEFAULT_CACHE_BYTES)
    }

    /// As [`SledStore::open`], with a page cache of `cache_bytes`.
    pub fn open_with_cache(dir: &Path, cache_bytes: u64) -> Result<SledStore> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            // Durability comes from our explicit group-commit flush; sled's timer flush only
            // bounds the page cache.
            .flush_every_ms(Some(1000))
            .open()
            .map_err(engine)?;
        let tree = db.open_tree("sjdj").map_err(engine)?;
        Ok(SledStore {
            db,
            tree,
            dir: dir.to_path_buf(),
        })
    }

    /// Bytes on disk, for metrics and benchmarks.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

impl Store for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.tree.get(key).map_err(engine)?.map(|v| v.to_vec()))
    }

    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let iter = match after {
            Some(a) if a >= prefix => {
                let mut start = a.to_vec();
                start.push(0);
                let end = super::prefix_end(prefix);
                match end {
                    Some(end) => self.tree.range(start..end),
                    None => self.tree.range(start..),
                }
            }
            _ => self.tree.scan_prefix(prefix),
        };
        let mut out = Vec::new();
        for item in iter.take(limit) {
            let (k, v) = item.map_err(engine)?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn last(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        match self.tree.scan_prefix(prefix).next_back() {
            Some(item) => {
                let (k, v) = item.map_err(engine)?;
                Ok(Some((k.to_vec(), v.to_vec())))
            }
            None => Ok(None),
        }
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        let mut b = sled::Batch::default();
        for (k, v) in batch.ops {
            match v {
                Some(v) => b.insert(k, v),
                None => b.remove(k),
            }
        }
        self.tree.apply_batch(b).map_err(engine)
    }

    fn flush(&self) -> Result<()> {
        self.tree.flush().map(|_| ()).map_err(engine)
    }

    fn free_bytes(&self) -> Option<u64> {
        // Space left to unprivileged writers (statvfs f_bavail), which is what the node is.
        fs2::available_space(&self.dir).ok()
    }
}
