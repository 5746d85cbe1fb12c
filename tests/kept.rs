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
    assert_eq!(code, 1, "{out}");
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
    assert_eq!(code, 1, "{out}");
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
