//! `sjdj-node audit` on a stopped node's store: a whole store passes; each kind of damage —
//! a lost entry, an edited entry, a truncated log, state that disagrees with its entries,
//! a damaged store file — is found and named, with exit code 1.
mod common;
use common::*;
use sjdj::engine::Change;
use sjdj::log::commitment::Opening;
use sjdj::store::sled_store::SledStore;
use sjdj::store::{codec, keys, Batch, Store};

/// A stopped dev node whose log holds a registration: tokens, the flow, a clock move, a code.
async fn stopped_node_with_a_registration() -> Node {
    let mut node = Node::dev().await;
    node.registered().await;
    node.stop().await;
    node
}

fn damaged(node: &Node, name: &str, damage: impl FnOnce(&SledStore)) -> std::path::PathBuf {
    let dir = node.data_dir().join(format!("copy-{name}"));
    for f in [
        "store",
        "store.checkpoint",
        "node.key",
        "node.key.pub",
        "dev-tokens.json",
    ] {
        let from = node.data_dir().join(f);
        if from.is_dir() {
            copy_dir(&from, &dir.join(f));
        } else {
            std::fs::copy(&from, dir.join(f)).unwrap();
        }
    }
    let store = SledStore::open(&dir.join("store")).unwrap();
    damage(&store);
    store.flush().unwrap();
    dir
}

fn put(store: &SledStore, key: Vec<u8>, value: Option<Vec<u8>>) {
    store
        .apply(Batch {
            ops: vec![(key, value)],
        })
        .unwrap();
}

/// Edits the openings kept in the first application event's record (`sev/…`, a compact codec
/// value: the change, then the openings).
fn edit_first_event_record(store: &SledStore, edit: impl FnOnce(&mut Vec<Opening>)) {
    let (key, value) = store.scan(b"sev/", None, 1).unwrap().remove(0);
    let (change, mut openings): (Change, Vec<Opening>) = codec::decode(&key, &value).unwrap();
    edit(&mut openings);
    put(
        store,
        key.clone(),
        Some(codec::encode_compact(&(change, openings))),
    );
}

#[tokio::test]
async fn a_whole_store_passes_and_each_damage_is_named() {
    let node = stopped_node_with_a_registration().await;
    let (code, out) = audit(node.data_dir());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("audit ok: ") && out.contains("1 applications, 1 certificates"),
        "{out}"
    );
    // SIGTERM leaves a checkpoint over everything written.
    let entries: u64 = out["audit ok: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        out.contains(&format!("checkpoint of {entries} entries")),
        "{out}"
    );

    type Damage = Box<dyn FnOnce(&SledStore)>;
    let cases: Vec<(&str, Damage, String)> = vec![
        (
            "lost-entry",
            Box::new(|s| put(s, keys::event(3), None)),
            "entry 3 is missing".into(),
        ),
        (
            "edited-entry",
            Box::new(|s| {
                let e = s.get(&keys::event(2)).unwrap().unwrap();
                let text = String::from_utf8(e)
                    .unwrap()
                    .replacen("\"at\":", "\"at\":9", 1);
                put(s, keys::event(2), Some(text.into_bytes()));
            }),
            "differ from the".into(),
        ),
        (
            "forged-opening",
            Box::new(|s| {
                // The node's record of who issued token 2 says someone else: the log's
                // commitment no longer opens.
                let o = s.get(&keys::openings(2)).unwrap().unwrap();
                let text = String::from_utf8(o).unwrap().replacen("dev-", "dew-", 1);
                put(s, keys::openings(2), Some(text.into_bytes()));
            }),
            "opening does not open its commitment".into(),
        ),
        (
            "lost-openings",
            Box::new(|s| put(s, keys::openings(2), None)),
            "no opening of its".into(),
        ),
        (
            "forged-flow-opening",
            Box::new(|s| {
                // A flow event's openings ride in its subject's event record: the draft's
                // materials as the node keeps them are not what the log committed to.
                edit_first_event_record(s, |openings| {
                    let application = openings
                        .iter_mut()
                        .find(|o| o.field == "application")
                        .unwrap();
                    application.value = application.value.replacen('a', "b", 1);
                });
            }),
            "the application opening does not open its commitment".into(),
        ),
        (
            "lost-flow-openings",
            Box::new(|s| edit_first_event_record(s, Vec::clear)),
            "no opening of its".into(),
        ),
        (
            "truncated-log",
            Box::new(move |s| {
                put(s, keys::event(entries - 1), None);
                let n = (entries - 1).to_be_bytes().to_vec();
                put(s, keys::meta("next_event"), Some(n));
            }),
            "entries were lost".into(),
        ),
        (
            "state-without-entries",
            Box::new(|s| {
                // A copy of a real application's state under an id the log never saw.
                let state = s.get(&keys::app("A0000000001")).unwrap();
                let materials = s.get(&keys::app_materials("A0000000001")).unwrap();
                put(s, keys::app_materials("A9999999999"), materials);
                put(s, keys::app("A9999999999"), state);
            }),
            "has no entries in the log".into(),
        ),
        (
            "forged-checkpoint",
            Box::new(|s| {
                let note = s.get(&keys::meta("checkpoint")).unwrap().unwrap();
                let text = String::from_utf8(note).unwrap().replacen("\n", "\n1", 1);
                put(s, keys::meta("checkpoint"), Some(text.into_bytes()));
            }),
            "checkpoint signature does not verify".into(),
        ),
    ];
    for (name, damage, expect) in cases {
        let dir = damaged(&node, name, damage);
        let (code, out) = audit(&dir);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(
            out.contains("AUDIT FAILED") && out.contains(&expect),
            "{name}: expected {expect:?} in {out}"
        );
    }
}

#[tokio::test]
async fn a_damaged_store_file_is_not_passed_as_whole() {
    let node = stopped_node_with_a_registration().await;
    let dir = damaged(&node, "file", |_| {});
    // Zero the middle of what sled has written (its file is preallocated: the tail is zeros).
    let db = dir.join("store").join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    let used = bytes.iter().rposition(|&b| b != 0).unwrap() + 1;
    bytes[used / 4..used * 3 / 4]
        .iter_mut()
        .for_each(|b| *b = 0);
    std::fs::write(&db, bytes).unwrap();
    let (code, out) = audit(&dir);
    assert_ne!(code, 0, "a damaged store passed the audit: {out}");
    assert!(
        out.contains("damaged") || out.contains("AUDIT FAILED"),
        "{out}"
    );
}

#[test]
fn an_audit_of_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = audit(&dir.path().join("missing"));
    assert_ne!(code, 0);
    assert!(out.contains("not a directory"), "{out}");
}
