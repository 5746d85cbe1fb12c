use super::*;
use sha2::{Digest, Sha256};

impl MemoryTiles {
    fn grow(&self, leaves: &[Hash], from: u64) {
        for (i, leaf) in leaves.iter().enumerate() {
            self.append(from + i as u64, *leaf).unwrap();
        }
    }
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// RFC 6962 §2.1 MTH, written out directly: the reference the tiles are checked against.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            // The largest power of two smaller than n.
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut h = Sha256::new();
            h.update([1u8]);
            h.update(mth(&leaves[..k]));
            h.update(mth(&leaves[k..]));
            h.finalize().into()
        }
    }
}

fn leaf_of(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

#[test]
fn leaf_hash_is_rfc6962() {
    assert_eq!(leaf_hash(b"abc").0, leaf_of(b"abc"));
}

#[test]
fn roots_match_the_rfc6962_definition_across_tile_edges() {
    let tiles = MemoryTiles::default();
    let mut leaves = Vec::new();
    for i in 0..600u64 {
        let data = entry(i);
        leaves.push(leaf_of(&data));
        tiles.grow(&[leaf_hash(&data)], i);
        let size = i + 1;
        if size < 20 || size % 97 == 0 || [255, 256, 257, 511, 512, 513].contains(&size) {
            assert_eq!(root(&tiles, size).unwrap().0, mth(&leaves), "size {size}");
        }
    }
    // Older sizes stay provable from the same tiles.
    assert_eq!(root(&tiles, 300).unwrap().0, mth(&leaves[..300]));
    assert_eq!(root(&tiles, 0).unwrap().0, mth(&[]));
}

#[test]
fn a_second_tile_level_appears_after_65536_entries() {
    let tiles = MemoryTiles::default();
    let n = 65_536 + 300;
    let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&entry(i))).collect();
    tiles.grow(&leaves, 0);
    let raw: Vec<[u8; 32]> = leaves.iter().map(|h| h.0).collect();
    assert_eq!(root(&tiles, n).unwrap().0, mth(&raw));
    assert!(
        tiles.0.borrow().contains_key(&(2, 0)),
        "level-2 tile after 2^16 leaves"
    );
    let r = root(&tiles, n).unwrap();
    for index in [0, 255, 256, 65_535, 65_536, n - 1] {
        let proof = inclusion_proof(&tiles, index, n).unwrap();
        verify_inclusion(&proof, n, r, index, leaves[index as usize]).unwrap();
    }
}

#[test]
fn inclusion_and_consistency_proofs_verify_and_catch_tampering() {
    let tiles = MemoryTiles::default();
    let leaves: Vec<Hash> = (0..1000).map(|i| leaf_hash(&entry(i))).collect();
    tiles.grow(&leaves, 0);
    for (size, index) in [
        (1, 0),
        (2, 1),
        (7, 3),
        (256, 255),
        (257, 256),
        (1000, 999),
        (1000, 17),
    ] {
        let r = root(&tiles, size).unwrap();
        let proof = inclusion_proof(&tiles, index, size).unwrap();
        verify_inclusion(&proof, size, r, index, leaves[index as usize]).unwrap();
        let other = leaves[(index as usize + 1) % 1000];
        assert_eq!(
            verify_inclusion(&proof, size, r, index, other),
            Err(LogError::BadProof)
        );
    }
    for (old, new) in [
        (1, 2),
        (3, 7),
        (256, 257),
        (100, 1000),
        (999, 1000),
        (500, 500),
    ] {
        let (ro, rn) = (root(&tiles, old).unwrap(), root(&tiles, new).unwrap());
        let proof = consistency_proof(&tiles, old, new).unwrap();
        verify_consistency(&proof, new, rn, old, ro).unwrap();
        let wrong = root(&tiles, old - 1).unwrap();
        if old > 1 {
            assert_eq!(
                verify_consistency(&proof, new, rn, old, wrong),
                Err(LogError::BadProof)
            );
        }
    }
}

#[test]
fn a_truncated_tile_is_reported_not_misread() {
    let tiles = MemoryTiles::default();
    let leaves: Vec<Hash> = (0..10).map(|i| leaf_hash(&entry(i))).collect();
    tiles.grow(&leaves, 0);
    tiles
        .0
        .borrow_mut()
        .get_mut(&(0, 0))
        .unwrap()
        .truncate(5 * 32);
    assert!(root(&tiles, 10).is_err());
    assert!(matches!(
        append(&tiles, 10, leaves[0]),
        Err(LogError::Corrupt(_))
    ));
}
