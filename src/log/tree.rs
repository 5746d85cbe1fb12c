//! The RFC 6962 Merkle tree over the log's entries, stored as C2SP tlog-tiles.
//!
//! The tree math is `tlog_tiles` (a port of Go's sumdb `tlog`); this file only says where hashes
//! live. Hashes are kept as tiles of height [`HEIGHT`]: tile `(L, n)` holds, 32 bytes each, the
//! hashes of hash-level `8·L` with indexes `256·n ..`, so a tile is at most 8 KiB and every other
//! stored hash is recomputed from a tile's bottom row (as `tlog_tiles::Tile::hash_at_index`
//! does). Appending an entry rewrites one to three partial tiles — one sled key per tile level per
//! group commit, not one per hash.
use super::LogError;
use std::cell::RefCell;
use std::collections::HashMap;
use tlog_tiles::{
    check_record, check_tree, prove_record, prove_tree, record_hash, split_stored_hash_index,
    stored_hashes_for_record_hash, tree_hash, Hash, HashReader, Tile, HASH_SIZE,
};

/// Tile height: 2^8 = 256 hashes per tile, as C2SP tlog-tiles requires.
pub const HEIGHT: u8 = 8;
const WIDTH: u64 = 1 << HEIGHT;

/// Where tiles are read from: the committed store, or the writer's view with pending writes.
pub trait TileSource {
    /// The bottom row of tile `(level, n)`, full or partial; `None` if it has no hash yet.
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError>;
}

/// Tiles held in memory: a tree rebuilt from its entries alone (the self-audit), or a test's.
#[derive(Default)]
pub struct MemoryTiles(pub RefCell<HashMap<(u8, u64), Vec<u8>>>);

impl TileSource for MemoryTiles {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        Ok(self.0.borrow().get(&(level, n)).cloned())
    }
}

impl MemoryTiles {
    /// Adds the leaf of entry `index` (the tree holds `index` entries before it).
    pub fn append(&self, index: u64, leaf: Hash) -> Result<(), LogError> {
        let writes = append(self, index, leaf)?;
        self.write(writes);
        Ok(())
    }

    pub fn write(&self, writes: impl IntoIterator<Item = TileWrite>) {
        let mut map = self.0.borrow_mut();
        for w in writes {
            map.insert((w.level, w.n), w.data);
        }
    }
}

/// A tile's new contents, to be written by the caller in the same transaction as the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileWrite {
    pub level: u8,
    pub n: u64,
    pub data: Vec<u8>,
}

/// The leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    record_hash(entry)
}

/// Adds the leaf of entry number `index` (the tree has `index` leaves before it) and returns the
/// tiles that change. Tiles must be written before the next append reads them.
pub fn append(src: &impl TileSource, index: u64, leaf: Hash) -> Result<Vec<TileWrite>, LogError> {
    let hashes = stored_hashes_for_record_hash(index, leaf, &Reader(src))?;
    let mut writes: Vec<TileWrite> = Vec::new();
    // hashes[k] is the hash at level k of the subtree that entry `index` completes.
    for (k, h) in hashes.iter().enumerate() {
        if k % usize::from(HEIGHT) != 0 {
            continue;
        }
        let level = (k / usize::from(HEIGHT)) as u8;
        let position = index >> k;
        let (n, offset) = (position / WIDTH, (position % WIDTH) as usize);
        let mut data = src.tile(level, n)?.unwrap_or_default();
        if data.len() != offset * HASH_SIZE {
            return Err(LogError::Corrupt(format!(
                "tile {level}/{n} holds {} bytes where hash {offset} should be appended",
                data.len()
            )));
        }
        data.extend_from_slice(&h.0);
        writes.push(TileWrite { level, n, data });
    }
    Ok(writes)
}

/// The root hash of the first `size` entries.
pub fn root(src: &impl TileSource, size: u64) -> Result<Hash, LogError> {
    Ok(tree_hash(size, &Reader(src))?)
}

/// The RFC 6962 audit path of entry `index` in the tree of `size` entries, leaf to root.
pub fn inclusion_proof(
    src: &impl TileSource,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LogError> {
    Ok(prove_record(size, index, &Reader(src))?)
}

/// The RFC 6962 consistency proof from the tree of `old` entries to the tree of `new` entries.
pub fn consistency_proof(src: &impl TileSource, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
    Ok(prove_tree(new, old, &Reader(src))?)
}

/// Checks that `leaf` is entry `index` of the tree of `size` entries with root `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    leaf: Hash,
) -> Result<(), LogError> {
    check_record(&proof.to_vec(), size, root, index, leaf).map_err(|_| LogError::BadProof)
}

/// Checks that the tree of `old` entries with root `old_root` is a prefix of the tree of `new`
/// entries with root `new_root`.
pub fn verify_consistency(
    proof: &[Hash],
    new: u64,
    new_root: Hash,
    old: u64,
    old_root: Hash,
) -> Result<(), LogError> {
    if old == new {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(LogError::BadProof)
        };
    }
    check_tree(&proof.to_vec(), new, new_root, old, old_root).map_err(|_| LogError::BadProof)
}

/// Reads stored hashes out of tiles for `tlog_tiles`.
struct Reader<'a, S: TileSource>(&'a S);

impl<S: TileSource> HashReader for Reader<'_, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let mut out = Vec::with_capacity(indexes.len());
        let mut cached: Option<(u8, u64, Vec<u8>)> = None;
        for &index in indexes {
            let tile = Tile::from_index(HEIGHT, index);
            let data = match &cached {
                Some((l, n, d)) if *l == tile.level() && *n == tile.level_index() => d,
                _ => {
                    let d = self
                        .0
                        .tile(tile.level(), tile.level_index())
                        .map_err(|e| tlog_tiles::Error::InvalidInput(e.to_string()))?
                        .unwrap_or_default();
                    &cached.insert((tile.level(), tile.level_index(), d)).2
                }
            };
            if data.len() < tile.width() as usize * HASH_SIZE {
                let (level, n) = split_stored_hash_index(index);
                return Err(tlog_tiles::Error::InvalidInput(format!(
                    "hash {level}/{n} is not stored (tile {}/{} too short)",
                    tile.level(),
                    tile.level_index()
                )));
            }
            out.push(tile.hash_at_index(data, index)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
