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

/// zstd's level for the store's pages: its fastest, since sled compresses every page it writes.
const COMPRESSION_LEVEL: i32 = 1;

/// Whether the store in `dir` keeps its pages compressed: as it was made (sled writes that in its
/// `conf` file and will not open a store the other way), or `new` for a store not made yet.
fn compressed(dir: &Path, new: bool) -> bool {
    std::fs::read(dir.join("conf"))
        .ok()
        .and_then(|conf| made_compressed(&conf))
        .unwrap_or(new)
}

/// What sled's `conf` says of compression: text lines, then a checksum that is not text.
pub fn made_compressed(conf: &[u8]) -> Option<bool> {
    conf.split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(b"use_compression: "))
        .and_then(|v| match v.trim_ascii() {
            b"true" => Some(true),
            b"false" => Some(false),
            _ => None,
        })
}

impl SledStore {
    /// Opens (or creates, compressed) the store in `dir`. sled locks the directory, so a second
    /// process on the same data dir fails here instead of corrupting it.
    pub fn open(dir: &Path) -> Result<SledStore> {
        SledStore::open_with(dir, DEFAULT_CACHE_BYTES, true)
    }

    /// As [`SledStore::open`], with a page cache of `cache_bytes`, and pages compressed if
    /// `compress_new` when the store is made here.
    pub fn open_with(dir: &Path, cache_bytes: u64, compress_new: bool) -> Result<SledStore> {
        let compress = compressed(dir, compress_new);
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            // Durability comes from our explicit group-commit flush; sled's timer flush only
            // bounds the page cache.
            .flush_every_ms(Some(1000))
            .use_compression(compress)
            .compression_factor(COMPRESSION_LEVEL)
            .open()
            .map_err(engine)?;
        let tree = db.open_tree("sjdj").map_err(engine)?;
        tracing::info!(compressed = compress, "store opened");
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

#[cfg(test)]
mod tests {
    use super::{made_compressed, SledStore};
    use crate::store::{Batch, Store};

    fn write_and_read(dir: &std::path::Path, compress_new: bool, n: u32) -> Vec<Vec<u8>> {
        let store = SledStore::open_with(dir, 1 << 20, compress_new).unwrap();
        let mut b = Batch::default();
        b.put(format!("k/{n}"), "数据资源目录".repeat(50 + n as usize));
        store.apply(b).unwrap();
        store.flush().unwrap();
        let all = store.scan(b"k/", None, usize::MAX).unwrap();
        all.into_iter().map(|(_, v)| v).collect()
    }

    fn made(dir: &std::path::Path) -> Option<bool> {
        made_compressed(&std::fs::read(dir.join("conf")).unwrap())
    }

    #[test]
    fn a_store_keeps_the_compression_it_was_made_with_whatever_is_asked_later() {
        let t = tempfile::tempdir().unwrap();
        let (old, new) = (t.path().join("old"), t.path().join("new"));
        // Made uncompressed (as every store was before the setting), opened asking for compression.
        assert_eq!(write_and_read(&old, false, 1).len(), 1);
        assert_eq!(made(&old), Some(false));
        let values = write_and_read(&old, true, 2);
        assert_eq!(values.len(), 2);
        assert_eq!(made(&old), Some(false));
        // Made compressed, opened asking for none: its pages still read back whole.
        write_and_read(&new, true, 1);
        assert_eq!(made(&new), Some(true));
        let values = write_and_read(&new, false, 2);
        assert_eq!(values[1], "数据资源目录".repeat(52).into_bytes());
        assert_eq!(made(&new), Some(true));
    }

    #[test]
    fn sleds_conf_is_read_past_its_checksum() {
        let conf = b"segment_size: 524288\nuse_compression: true\nversion: 0.34\n\xa4f\x9c\x01";
        assert_eq!(made_compressed(conf), Some(true));
        assert_eq!(made_compressed(b"use_compression: false\n"), Some(false));
        assert_eq!(made_compressed(b"use_compression: maybe\n"), None);
        assert_eq!(made_compressed(b"\xff\xfe"), None);
    }
}
