//! Recovery from the other tier over the in-memory store: a copy of a node's log comes back
//! into an empty store only if it rebuilds the node's own checkpoint, and then whole (state,
//! records, certificates, serials) and passing the audit; a refusal writes nothing.
use super::*;
use crate::engine::recover::{recover, Fetched};
use crate::store::Store;

/// A node that registered one code and has one application in publicity: its checkpoint
/// note, every entry and every certificate, and its store.
async fn published() -> (Node, Fetched) {
    let n = Node::start(config()).await;
    let first = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    assert_eq!(n.app(&first).state, State::Registered);
    n.in_publicity().await;
    let cp = n.engine.publish_checkpoint().await.unwrap().unwrap();
    let entries = n
        .engine
        .log_entries(0, cp.size)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let certificates = n
        .engine
        .store()
        .scan(b"cert/", None, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let f = Fetched {
        checkpoint: cp.note,
        entries,
        certificates,
    };
    (n, f)
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn everything(s: &dyn Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.scan(b"", None, usize::MAX).unwrap()
}

fn copy(f: &Fetched) -> Fetched {
    Fetched {
        checkpoint: f.checkpoint.clone(),
        entries: f.entries.clone(),
        certificates: f.certificates.clone(),
    }
}

#[tokio::test]
async fn an_empty_store_recovers_the_whole_log_and_passes_the_audit() {
    let (n, f) = published().await;
    let store: crate::store::DynStore = Arc::new(MemoryStore::new());
    let r = recover(store.clone(), key(), config(), f).unwrap();
    assert_eq!((r.from, r.records, r.certificates), (0, 1, 1));
    let report = crate::engine::audit::audit(
        store.as_ref(),
        &key().verifying_key(),
        n.engine.log_origin(),
    )
    .unwrap();
    assert_eq!(report.recovered, r.to);
    // The serial counter, the record and the applications' states are the node's own.
    for prefix in [
        &b"serial/"[..],
        b"rec/",
        b"cert/",
        b"qc/",
        b"idx/",
        b"meta/checkpoint",
    ] {
        let text = |rows: Vec<(Vec<u8>, Vec<u8>)>| {
            rows.into_iter()
                .map(|(k, v)| {
                    format!(
                        "{} = {}",
                        String::from_utf8_lossy(&k),
                        String::from_utf8_lossy(&v)
                    )
                })
                .collect::<Vec<_>>()
        };
        let want = text(n.engine.store().scan(prefix, None, usize::MAX).unwrap());
        assert_eq!(text(store.scan(prefix, None, usize::MAX).unwrap()), want);
    }
    let recovered = Node::on(store, config()).await;
    for (k, _) in n.engine.store().scan(b"app/", None, usize::MAX).unwrap() {
        let id = crate::store::keys::suffix(&k, b"app/");
        let (a, b) = (n.app(id), recovered.app(id));
        assert_eq!(
            (a.state, a.revision, &a.code),
            (b.state, b.revision, &b.code)
        );
    }
}

#[tokio::test]
async fn a_copy_that_does_not_rebuild_the_nodes_checkpoint_is_refused_and_writes_nothing() {
    let (_n, f) = published().await;
    let store: crate::store::DynStore = Arc::new(MemoryStore::new());
    let mut altered = copy(&f);
    let mid = altered.entries.len() / 2;
    let e = &mut altered.entries[mid];
    let at = e.len() / 2;
    e[at] ^= 1;
    let r = recover(store.clone(), key(), config(), altered);
    assert!(
        matches!(reason(r), "SYNC_ROOT_MISMATCH" | "SYNC_BAD_ENTRY"),
        "an altered entry"
    );
    let mut short = copy(&f);
    short.entries.pop();
    let r = recover(store.clone(), key(), config(), short);
    assert_eq!(reason(r), "RECOVER_ENTRIES_LOST");
    let mut no_certificate = copy(&f);
    no_certificate.certificates.clear();
    let r = recover(store.clone(), key(), config(), no_certificate);
    assert_eq!(reason(r), "SYNC_BAD_CERTIFICATE");
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let r = recover(store.clone(), other, config(), copy(&f));
    assert_eq!(reason(r), "RECOVER_FOREIGN_CHECKPOINT");
    assert!(everything(store.as_ref()).is_empty());
}

fn national() -> EngineConfig {
    EngineConfig {
        node_id: "nat".into(),
        role: crate::domain::types::NodeRole::National,
        region: Region::parse("100000").unwrap(),
        ..config()
    }
}

/// The national node's log as a province's copy holds it: the entries, no certificates.
async fn national_copy(n: &Node) -> Fetched {
    let cp = n.engine.publish_checkpoint().await.unwrap().unwrap();
    Fetched {
        checkpoint: cp.note,
        entries: n
            .engine
            .log_entries(0, cp.size)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e)
            .collect(),
        certificates: Vec::new(),
    }
}

#[tokio::test]
async fn a_national_log_of_trust_list_changes_recovers_the_trust_list() {
    let n = Node::start(national()).await;
    let body = crate::log::entry::Body::Delegated {
        node_id: "gd".into(),
        region: "440000".into(),
        key: hex::encode(
            SigningKey::from_bytes(&[3u8; 32])
                .verifying_key()
                .to_bytes(),
        ),
    };
    n.engine
        .execute(Trust {
            actor: admin(),
            body,
        })
        .await
        .unwrap();
    let f = national_copy(&n).await;
    let store: crate::store::DynStore = Arc::new(MemoryStore::new());
    recover(store.clone(), key(), national(), f).unwrap();
    for prefix in [&b"trust/"[..], b"trustkey/", b"trustregion/"] {
        let want = n.engine.store().scan(prefix, None, usize::MAX).unwrap();
        assert_eq!(store.scan(prefix, None, usize::MAX).unwrap(), want);
    }
    assert!(!store.scan(b"trust/", None, 1).unwrap().is_empty());
    crate::engine::audit::audit(
        store.as_ref(),
        &key().verifying_key(),
        n.engine.log_origin(),
    )
    .unwrap();
}

#[tokio::test]
async fn a_national_log_with_its_own_registrations_is_refused_and_writes_nothing() {
    let n = Node::start(national()).await;
    n.in_publicity().await;
    let f = national_copy(&n).await;
    let store: crate::store::DynStore = Arc::new(MemoryStore::new());
    let r = recover(store.clone(), key(), national(), f);
    assert_eq!(reason(r), "RECOVER_NATIONAL_REGISTRATION");
    assert!(everything(store.as_ref()).is_empty());
}
