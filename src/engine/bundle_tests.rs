//! Mirrored entries in bundles: full bundles are stored compressed, a partial one as it is, and
//! every entry reads back in order across pushes that start and end inside a bundle.
use super::*;
use crate::engine::writer::{Tx, View};
use crate::store::memory::MemoryStore;

fn entry(n: u64) -> Vec<u8> {
    // Entries alike in shape, as a province's are, of varying length.
    format!("entry {n} {}", "registration ".repeat(n as usize % 7)).into_bytes()
}

#[test]
fn full_bundles_are_compressed_and_every_entry_reads_back_across_pushes() {
    let store = MemoryStore::default();
    let view = View::committed(&store);
    let mut tx = Tx::new(&view);
    // Pushes of 5, 20 and 15 entries: the second ends inside bundle 1, the third fills it and
    // bundle 2 is left partial.
    let mut from = 0;
    for len in [5u64, 20, 15] {
        let batch: Vec<Vec<u8>> = (from..from + len).map(entry).collect();
        store_entries(&mut tx, "bj", from, &batch).unwrap();
        from += len;
    }
    let mut read = Vec::new();
    for n in 0..3 {
        let stored = tx.get(&keys::fed_bundle("bj", n)).unwrap().unwrap();
        assert_eq!(stored.starts_with(&ZSTD_MAGIC), n < 2, "bundle {n}");
        read.extend(bundle_entries(&stored).unwrap());
    }
    assert_eq!(read, (0..40).map(entry).collect::<Vec<_>>());
    assert_eq!(tx.get(&keys::fed_bundle("bj", 3)).unwrap(), None);
}

#[test]
fn a_damaged_compressed_bundle_is_refused_not_misread() {
    let raw: Vec<u8> = (0..BUNDLE)
        .flat_map(|n| {
            let e = entry(n);
            let mut b = (e.len() as u32).to_be_bytes().to_vec();
            b.extend(e);
            b
        })
        .collect();
    let mut stored = zstd::bulk::compress(&raw, ZSTD_LEVEL).unwrap();
    assert_eq!(bundle_entries(&stored).unwrap().len(), BUNDLE as usize);
    stored.truncate(stored.len() - 3);
    let refused = bundle_entries(&stored).unwrap_err();
    assert!(
        refused.starts_with("bundle does not decompress"),
        "{refused}"
    );
    // A raw bundle cut inside an entry is refused as before.
    assert_eq!(
        bundle_entries(&raw[..raw.len() - 1]).unwrap_err(),
        "bundle ends inside an entry"
    );
}
