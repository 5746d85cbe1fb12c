//! A node never signs a second history: the checkpoint it published is kept outside the store
//! (a dev node's `store.checkpoint`, beside `store/`), and a store that does not extend it —
//! an older copy restored, a store replaced, a damaged one — is refused at start, with both
//! sizes and what to do, and fails `sjdj-node audit`. The store's files are the node's only.
mod common;
use common::*;
use std::path::Path;

/// Replaces a stopped node's store with another copy.
fn restore(node: &Node, copy: &Path) {
    let store = node.data_dir().join("store");
    std::fs::remove_dir_all(&store).unwrap();
    copy_dir(copy, &store);
}

#[tokio::test]
async fn an_older_copy_of_the_store_is_refused_at_start_and_by_the_audit() {
    let mut node = Node::dev().await;
    node.registered().await;
    node.stop().await;
    let older = node.data_dir().join("older");
    copy_dir(&node.data_dir().join("store"), &older);
    let n = audited_entries(node.data_dir());

    node.restart().await;
    node.registered().await;
    node.stop().await;
    let m = audited_entries(node.data_dir());
    assert!(m > n);

    restore(&node, &older);
    let (code, out) = node.refused_start();
    assert_eq!(code, 3, "the store is refused: {out}");
    let sizes =
        format!("the store holds {n} log entries, but this node published a checkpoint of {m}");
    assert!(out.contains(&sizes), "{out}");
    assert!(
        out.contains("Restore a backup that holds at least"),
        "{out}"
    );
    assert!(!out.contains("panicked"), "{out}");
    let (code, out) = audit(node.data_dir());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("AUDIT FAILED") && out.contains(&sizes),
        "{out}"
    );
}

#[tokio::test]
async fn a_store_that_went_on_without_the_kept_checkpoint_is_not_the_published_history() {
    let mut node = Node::dev().await;
    node.registered().await;
    node.stop().await;
    let older = node.data_dir().join("older");
    copy_dir(&node.data_dir().join("store"), &older);
    node.restart().await;
    node.registered().await;
    node.stop().await;
    let published = node.data_dir().join("store.checkpoint");
    let kept = std::fs::read(&published).unwrap();
    let m = audited_entries(node.data_dir());

    // The older copy, started without the kept file, takes other writes past the published
    // size: the same sizes, another history.
    restore(&node, &older);
    std::fs::remove_file(&published).unwrap();
    node.restart().await;
    while published_size(&node).await <= m {
        node.registered().await;
    }
    node.stop().await;
    std::fs::write(&published, kept).unwrap();

    let (code, out) = node.refused_start();
    assert_eq!(code, 3, "the store is refused: {out}");
    assert!(
        out.contains(&format!(
            "the store's first {m} log entries are not the ones this node published"
        )),
        "{out}"
    );
    let (code, out) = audit(node.data_dir());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("are not the ones this node published"),
        "{out}"
    );
}

/// The log size a running node has published.
async fn published_size(node: &Node) -> u64 {
    let mut t = sjdj::grpc::pb::transparency_service_client::TransparencyServiceClient::new(
        node.channel().await,
    );
    t.get_checkpoint(sjdj::grpc::pb::GetCheckpointRequest {})
        .await
        .unwrap()
        .into_inner()
        .size
}

#[cfg(unix)]
#[tokio::test]
async fn the_store_and_the_kept_checkpoint_are_the_nodes_own() {
    use std::os::unix::fs::PermissionsExt;
    let mut node = Node::dev().await;
    node.registered().await;
    node.stop().await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let store = node.data_dir().join("store");
    assert_eq!(mode(&store), 0o700);
    for e in std::fs::read_dir(&store).unwrap() {
        let p = e.unwrap().path();
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{}", p.display());
    }
    assert_eq!(mode(&node.data_dir().join("store.checkpoint")), 0o600);
}

/// A copy of a stopped dev node's data dir (store, kept checkpoint, key), damaged by `damage`
/// (given the store's sled `db` file).
fn damaged_copy(node: &Node, name: &str, damage: impl FnOnce(&Path)) -> std::path::PathBuf {
    let dir = node.data_dir().join(format!("copy-{name}"));
    copy_dir(&node.data_dir().join("store"), &dir.join("store"));
    for f in [
        "store.checkpoint",
        "node.key",
        "node.key.pub",
        "dev-tokens.json",
    ] {
        std::fs::copy(node.data_dir().join(f), dir.join(f)).unwrap();
    }
    damage(&dir.join("store").join("db"));
    dir
}

/// A truncated, a zeroed and a bit-flipped store are each found against the kept checkpoint:
/// the node refuses to start (exit code 3, the reason, no panic) and the audit fails.
#[tokio::test]
async fn a_damaged_store_is_refused_at_start_never_served_shorter() {
    let mut node = Node::dev().await;
    for _ in 0..3 {
        node.registered().await;
    }
    node.stop().await;
    let used = |bytes: &[u8]| bytes.iter().rposition(|&b| b != 0).unwrap() + 1;
    type Damage = Box<dyn FnOnce(&Path)>;
    let cases: Vec<(&str, Damage)> = vec![
        (
            "cut-in-half",
            Box::new(move |db| {
                let bytes = std::fs::read(db).unwrap();
                std::fs::write(db, &bytes[..used(&bytes) / 2]).unwrap();
            }),
        ),
        (
            "middle-zeroed",
            Box::new(move |db| {
                let mut bytes = std::fs::read(db).unwrap();
                let n = used(&bytes);
                bytes[n / 4..n * 3 / 4].iter_mut().for_each(|b| *b = 0);
                std::fs::write(db, bytes).unwrap();
            }),
        ),
        (
            "bits-flipped",
            Box::new(move |db| {
                let mut bytes = std::fs::read(db).unwrap();
                let n = used(&bytes);
                // 16 bytes spread over what sled wrote, each inverted.
                for i in 0..16 {
                    bytes[n / 17 * (i + 1)] ^= 0xff;
                }
                std::fs::write(db, bytes).unwrap();
            }),
        ),
    ];
    for (name, damage) in cases {
        let dir = damaged_copy(&node, name, damage);
        let args: Vec<String> = ["--dev", "--data-dir", dir.to_str().unwrap(), "--listen"]
            .into_iter()
            .map(String::from)
            .chain(["127.0.0.1:0".to_string()])
            .collect();
        let (code, out) = refused_start(&args);
        assert_eq!(code, 3, "{name}: the store is refused: {out}");
        assert!(!out.contains("panicked"), "{name}: {out}");
        assert!(
            out.contains("published a checkpoint of")
                || out.contains("are not the ones this node published")
                || out.contains("the store is damaged")
                || out.contains("corrupted store entry"),
            "{name}: {out}"
        );
        let (code, out) = audit(&dir);
        assert_ne!(code, 0, "{name}: {out}");
        assert!(!out.contains("audit ok"), "{name}: {out}");
    }
}
