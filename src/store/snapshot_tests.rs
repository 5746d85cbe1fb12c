use super::*;
use crate::store::memory::MemoryStore;
use proptest::prelude::*;

fn all(store: &dyn Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    store.scan(b"", None, usize::MAX).unwrap()
}

/// Applies `batch` as the writer does: before images first.
fn write(snaps: &Snapshots, store: &MemoryStore, batch: Batch) {
    snaps.preserve(store, &batch);
    store.apply(batch).unwrap();
}

fn batch_of(ops: &[(u8, Option<u8>)]) -> Batch {
    let mut b = Batch::default();
    for (k, v) in ops {
        match v {
            Some(v) => b.put(vec![*k], vec![*v; (*v % 5) as usize + 1]),
            None => b.delete(vec![*k]),
        }
    }
    b
}

proptest! {
    /// Whatever the writer does between page reads (overwrites, deletes, new keys, ahead of the
    /// reader or behind it), the pages put together are the store as it was at `begin`.
    #[test]
    fn a_snapshot_reads_the_store_as_it_was_when_it_began(
        before in prop::collection::vec((0u8..64, prop::option::weighted(0.8, any::<u8>())), 0..80),
        during in prop::collection::vec(
            prop::collection::vec((0u8..64, prop::option::weighted(0.7, any::<u8>())), 0..8),
            0..30,
        ),
        page in 1usize..7,
    ) {
        let store = MemoryStore::new();
        let snaps = Snapshots::default();
        write(&snaps, &store, batch_of(&before));
        let expected = all(&store);
        let snap = snaps.begin(u64::MAX);
        let mut got = Vec::new();
        let mut writes = during.into_iter();
        loop {
            if let Some(ops) = writes.next() {
                write(&snaps, &store, batch_of(&ops));
            }
            let p = snap.next_page(&store, page).unwrap();
            if p.is_empty() {
                break;
            }
            got.extend(p);
        }
        got.sort();
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn a_snapshot_the_writer_outruns_past_its_cap_fails_and_frees_what_it_held() {
    let store = MemoryStore::new();
    let snaps = Snapshots::default();
    write(&snaps, &store, batch_of(&[(1, Some(1)), (2, Some(2))]));
    let snap = snaps.begin(10);
    for round in 0..20u8 {
        write(&snaps, &store, batch_of(&[(100 + round, Some(200))]));
    }
    let e = snap.next_page(&store, 10).unwrap_err();
    assert!(matches!(e, SnapshotError::TooSlow { cap: 10 }), "{e}");
    assert!(e.to_string().contains("raise the cap"), "{e}");
    // Failed for good, and holding nothing.
    assert!(snap.next_page(&store, 10).is_err());
    assert!(snap.state.lock().unwrap().saved.is_empty());
}

#[test]
fn a_dropped_snapshot_costs_the_writer_nothing() {
    let store = MemoryStore::new();
    let snaps = Snapshots::default();
    drop(snaps.begin(u64::MAX));
    write(&snaps, &store, batch_of(&[(1, Some(1))]));
    assert!(snaps.open.lock().unwrap().is_empty());
}

/// The writer and the reader on their own threads, as in the node.
#[test]
fn a_snapshot_read_beside_a_busy_writer_is_the_store_at_its_beginning() {
    let store = std::sync::Arc::new(MemoryStore::new());
    let snaps = std::sync::Arc::new(Snapshots::default());
    let mut seed = 7u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut ops = |n: usize| -> Vec<(u8, Option<u8>)> {
        (0..n)
            .map(|_| {
                let r = next();
                let value = ((r >> 8) % 4 != 0).then_some((r >> 16) as u8);
                (r as u8, value)
            })
            .collect()
    };
    write(&snaps, &store, batch_of(&ops(200)));
    let expected = all(store.as_ref());
    let snap = snaps.begin(u64::MAX);
    let writer = {
        let (store, snaps) = (store.clone(), snaps.clone());
        let batches: Vec<_> = (0..2000).map(|_| batch_of(&ops(6))).collect();
        std::thread::spawn(move || {
            for b in batches {
                write(&snaps, &store, b);
            }
        })
    };
    let mut got = Vec::new();
    loop {
        let p = snap.next_page(store.as_ref(), 3).unwrap();
        if p.is_empty() {
            break;
        }
        got.extend(p);
        std::thread::yield_now();
    }
    writer.join().unwrap();
    got.sort();
    assert_eq!(got, expected);
}
