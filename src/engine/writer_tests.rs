//! `Tx::scan` against a model: what a job sees is the committed store with the group's pending
//! writes and then its own laid over it, paged by `after` and `limit` like the store's scan.
use super::*;
use crate::store::memory::MemoryStore;
use std::collections::BTreeMap;

/// A small deterministic generator (no dependency, same cases every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn key(n: u64) -> Vec<u8> {
    // Two prefixes, so the scan must also leave the other one out.
    format!("{}/{n:02}", if n.is_multiple_of(5) { "b" } else { "a" }).into_bytes()
}

#[test]
fn a_scan_sees_committed_pending_and_own_writes_in_order_and_pages() {
    let mut rng = Lcg(20261202);
    for case in 0..300 {
        let store = MemoryStore::default();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut batch = Batch::default();
        for _ in 0..rng.next(12) {
            let (k, v) = (key(rng.next(20)), vec![b'c', rng.next(100) as u8]);
            batch.put(k.clone(), v.clone());
            model.insert(k, v);
        }
        store.apply(batch).unwrap();
        let mut view = View::committed(&store);
        let mut tx_writes = Vec::new();
        for layer in 0..2 {
            for _ in 0..rng.next(8) {
                let k = key(rng.next(20));
                let v = (rng.next(3) > 0).then(|| vec![b'p' + layer, rng.next(100) as u8]);
                match &v {
                    Some(v) => model.insert(k.clone(), v.clone()),
                    None => model.remove(&k),
                };
                if layer == 0 {
                    view.pending.insert(k, v);
                } else {
                    tx_writes.push((k, v));
                }
            }
        }
        let mut tx = Tx::new(&view);
        for (k, v) in tx_writes {
            match v {
                Some(v) => tx.put(k, v),
                None => tx.delete(k),
            }
        }
        let afters = [
            None,
            Some(b"a/".to_vec()),
            Some(key(6)),
            Some(key(13)),
            Some(key(19)),
        ];
        for after in &afters {
            for limit in [0, 1, 2, 3, 5, usize::MAX] {
                let got = tx.scan(b"a/", after.as_deref(), limit).unwrap();
                let want: Vec<(Vec<u8>, Vec<u8>)> = model
                    .iter()
                    .filter(|(k, _)| k.starts_with(b"a/") && after.as_ref().is_none_or(|a| *k > a))
                    .take(limit)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                assert_eq!(got, want, "case {case}, after {after:?}, limit {limit}");
            }
        }
    }
}
