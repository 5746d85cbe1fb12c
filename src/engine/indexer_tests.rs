//! The feed and the index's start: a group's record changes staged with their position, and an
//! index opened on a store it lags, leads, or never saw.
use super::*;
use crate::search::fixtures::{record, Rng};
use crate::search::Filter;
use crate::store::memory::MemoryStore;
use crate::store::Batch;

/// Writes records as one group would, with the feed keys the writer adds.
fn write(store: &MemoryStore, records: &[Record]) -> Option<u64> {
    let mut pending: HashMap<Vec<u8>, Option<Vec<u8>>> = records
        .iter()
        .map(|r| (keys::record(&r.code), Some(codec::encode(r))))
        .collect();
    pending.insert(b"app/x".to_vec(), Some(b"not a record".to_vec()));
    let feed = stage(&mut pending, |k| Ok(store.get(k)?)).unwrap();
    store
        .apply(Batch {
            ops: pending.into_iter().collect(),
        })
        .unwrap();
    feed.map(|f| {
        assert_eq!(f.changes.len(), records.len(), "only the records are fed");
        f.seq
    })
}

fn found(index: &SearchIndex, query: &str) -> Vec<String> {
    let f = Filter {
        query: query.into(),
        ..Filter::default()
    };
    let today = time::macros::date!(2026 - 01 - 01);
    let mut codes = index.search(&f, today, 100, "").unwrap().codes;
    codes.sort();
    codes
}

#[test]
fn a_group_without_records_has_no_feed_position() {
    let store = MemoryStore::new();
    assert_eq!(write(&store, &[]), None);
    assert_eq!(store.get(&position_key()).unwrap(), None);
}

#[test]
fn an_index_catches_up_from_its_commit_and_is_rebuilt_when_new_or_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let mut rng = Rng(21);
    let mut records: Vec<Record> = (0..4).map(|n| record(&mut rng, n)).collect();
    let store = MemoryStore::new();
    assert_eq!(write(&store, &records[..2]), Some(1));
    // New: built from the records.
    let (index, at, _) = open(&store, Some(&path), false).unwrap();
    assert_eq!((at, index.len(), index.covered()), (1, 2, 1));
    drop(index);

    // Two groups durable in the store that the index never took (a crash before its commit).
    records[0].data_name = "改过的名称".into();
    assert_eq!(
        write(&store, &[records[0].clone(), records[2].clone()]),
        Some(2)
    );
    assert_eq!(write(&store, &records[3..]), Some(3));
    let (index, at, _) = open(&store, Some(&path), false).unwrap();
    assert_eq!((at, index.len(), index.covered()), (3, 4, 3));
    assert_eq!(found(&index, "改过的"), vec![records[0].code.clone()]);
    drop(index);

    // A store behind the index (restored from an older backup): the index is built again.
    let older = MemoryStore::new();
    assert_eq!(write(&older, &records[1..2]), Some(1));
    let (index, at, _) = open(&older, Some(&path), false).unwrap();
    assert_eq!((at, index.len()), (1, 1));
    assert!(found(&index, "改过的").is_empty());
}

/// One feed key a group, naming its records; a store written before, with a key a record, is
/// caught up from as well, and a key of neither form is refused as corrupt.
#[test]
fn the_feed_keeps_a_key_a_group_and_reads_the_key_a_record_of_stores_written_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let mut rng = Rng(8);
    let mut records: Vec<Record> = (0..5).map(|n| record(&mut rng, n)).collect();
    let store = MemoryStore::new();
    assert_eq!(write(&store, &records[..3]), Some(1));
    let feed = store.scan(keys::RECORD_CHANGE_PREFIX, None, 10).unwrap();
    assert_eq!(feed.len(), 1, "one key for the group's three records");
    let (key, value) = &feed[0];
    assert_eq!(key, &keys::record_changes(1));
    let mut named: Vec<String> = codec::decode(key, value).unwrap();
    named.sort();
    let mut codes: Vec<String> = records[..3].iter().map(|r| r.code.clone()).collect();
    codes.sort();
    assert_eq!(named, codes);
    let (index, _, _) = open(&store, Some(&path), false).unwrap();
    drop(index);

    // Position 2 as stores written before left it (a key a record), position 3 as now.
    records[0].data_name = "旧式键改过的名称".into();
    let mut batch = Batch::default();
    for r in [&records[0], &records[3]] {
        batch.put(keys::record(&r.code), codec::encode(r));
        batch.put(keys::record_change_before(2, &r.code), Vec::new());
    }
    batch.put(position_key(), 2u64.to_be_bytes().to_vec());
    store.apply(batch).unwrap();
    assert_eq!(write(&store, &records[4..]), Some(3));
    let (index, at, _) = open(&store, Some(&path), false).unwrap();
    assert_eq!((at, index.len(), index.covered()), (3, 5, 3));
    assert_eq!(found(&index, "旧式键"), vec![records[0].code.clone()]);
    drop(index);

    let mut batch = Batch::default();
    let mut odd = keys::record_changes(4);
    odd.push(b'x');
    batch.put(odd, Vec::new());
    batch.put(position_key(), 4u64.to_be_bytes().to_vec());
    store.apply(batch).unwrap();
    let err = open(&store, Some(&path), false).err().expect("refused");
    assert!(err.to_string().contains("not a search feed key"), "{err}");
}

#[test]
fn reindex_builds_the_index_again_from_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let mut rng = Rng(5);
    let records: Vec<Record> = (0..3).map(|n| record(&mut rng, n)).collect();
    let store = MemoryStore::new();
    write(&store, &records);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("meta.json"), b"damaged").unwrap();
    assert_eq!(super::super::reindex(&store, &path).unwrap(), 3);
    let (index, opened) = SearchIndex::open(Some(&path)).unwrap();
    assert_eq!((opened, index.len()), (Opened::Covers(1), 3));
}

/// Built beside a serving node: searches are refused until the build is done, and a group
/// made durable meanwhile is in the index after it.
#[test]
fn an_index_built_in_the_background_refuses_searches_until_built_then_takes_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let mut rng = Rng(33);
    let records: Vec<Record> = (0..4).map(|n| record(&mut rng, n)).collect();
    let memory = Arc::new(MemoryStore::new());
    assert_eq!(write(&memory, &records[..3]), Some(1));
    let store: crate::store::DynStore = memory;
    let (index, at, rebuild) = open(store.as_ref(), Some(&path), true).unwrap();
    assert!(rebuild.is_some() && index.building());
    assert_eq!(at, 1);
    let short = std::time::Duration::from_millis(1);
    assert!(
        !index.wait_for(0, short),
        "a building index covers nothing yet"
    );
    let today = time::macros::date!(2026 - 01 - 01);
    let refused = index.search(&Filter::default(), today, 10, "").unwrap_err();
    assert!(matches!(refused, SearchError::Building), "{refused}");
    let e = EngineError::from(refused);
    assert!(matches!(e, EngineError::SearchBuilding), "{e}");

    let index = Arc::new(index);
    let tx = spawn(index.clone(), store.clone(), rebuild);
    // A group made durable while the build runs: its feed waits for the build.
    let value = codec::encode(&records[3]);
    tx.send(Feed {
        seq: 2,
        changes: vec![(records[3].code.clone(), Some(value))],
    })
    .unwrap();
    // Waiting for a position waits for the build too.
    assert!(index.wait_for(2, std::time::Duration::from_secs(30)));
    assert!(!index.building());
    let mut all: Vec<String> = records.iter().map(|r| r.code.clone()).collect();
    all.sort();
    assert_eq!(found(&index, ""), all);
}
