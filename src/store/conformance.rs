//! One conformance suite, run against every adapter: what the engine relies on.
use super::memory::MemoryStore;
use super::sled_store::SledStore;
use super::{Batch, Store};

fn batch(ops: &[(&str, Option<&str>)]) -> Batch {
    let mut b = Batch::default();
    for (k, v) in ops {
        match v {
            Some(v) => b.put(k.as_bytes(), v.as_bytes()),
            None => b.delete(k.as_bytes()),
        }
    }
    b
}

fn keys(v: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<String> {
    v.into_iter()
        .map(|(k, _)| String::from_utf8(k).unwrap())
        .collect()
}

fn suite(s: &dyn Store) {
    // Empty store.
    assert_eq!(s.get(b"a").unwrap(), None);
    assert!(s.scan(b"", None, 10).unwrap().is_empty());
    assert_eq!(s.last(b"x/").unwrap(), None);

    // A batch applies all its ops, in order: a later op on the same key wins.
    s.apply(batch(&[
        ("x/1", Some("one")),
        ("x/2", Some("two")),
        ("x/3", Some("3")),
        ("y/1", Some("y")),
        ("x/2", Some("TWO")),
    ]))
    .unwrap();
    s.flush().unwrap();
    assert_eq!(s.get(b"x/2").unwrap().as_deref(), Some(&b"TWO"[..]));

    // Prefix scans are ordered, bounded by the prefix, limited and pageable.
    assert_eq!(
        keys(s.scan(b"x/", None, 10).unwrap()),
        ["x/1", "x/2", "x/3"]
    );
    assert_eq!(keys(s.scan(b"x/", None, 2).unwrap()), ["x/1", "x/2"]);
    assert_eq!(keys(s.scan(b"x/", Some(b"x/2"), 10).unwrap()), ["x/3"]);
    assert_eq!(
        keys(s.scan(b"x/", Some(b"x/3"), 10).unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        keys(s.scan(b"x/", Some(b"a"), 10).unwrap()),
        ["x/1", "x/2", "x/3"]
    );
    assert_eq!(
        s.last(b"x/").unwrap().map(|(k, _)| k),
        Some(b"x/3".to_vec())
    );

    // Deletes in a batch.
    s.apply(batch(&[("x/1", None), ("x/4", Some("four"))]))
        .unwrap();
    assert_eq!(
        keys(s.scan(b"x/", None, 10).unwrap()),
        ["x/2", "x/3", "x/4"]
    );

    // Binary keys, including 0xff bytes at the end of a prefix.
    let mut b = Batch::default();
    b.put(vec![0xff, 0xff, 1], b"hi".to_vec());
    b.put(vec![0xff, 0xfe], b"lo".to_vec());
    s.apply(b).unwrap();
    assert_eq!(s.scan(&[0xff, 0xff], None, 10).unwrap().len(), 1);
    assert_eq!(
        s.last(&[0xff]).unwrap().map(|(k, _)| k),
        Some(vec![0xff, 0xff, 1])
    );

    // An empty batch is fine.
    s.apply(Batch::default()).unwrap();
    s.flush().unwrap();
}

#[test]
fn memory_store_conforms() {
    suite(&MemoryStore::new());
}

#[test]
fn sled_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    suite(&SledStore::open(dir.path()).unwrap());
}

#[test]
fn sled_store_keeps_flushed_batches_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = SledStore::open(dir.path()).unwrap();
        s.apply(batch(&[("k/1", Some("v1")), ("k/2", Some("v2"))]))
            .unwrap();
        s.flush().unwrap();
    }
    // sled's background flusher lets go of the directory lock a moment after the drop: wait for
    // it (a new process never meets this, the old one's lock dies with it).
    let s = (0..200)
        .find_map(|_| {
            SledStore::open(dir.path())
                .inspect_err(|_| std::thread::sleep(std::time::Duration::from_millis(10)))
                .ok()
        })
        .expect("the lock is released within 2 s");
    assert_eq!(keys(s.scan(b"k/", None, 10).unwrap()), ["k/1", "k/2"]);
}

#[test]
fn sled_store_refuses_a_second_opener() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SledStore::open(dir.path()).unwrap();
    assert!(
        SledStore::open(dir.path()).is_err(),
        "two processes must not share a data dir"
    );
}
