//! Online backup: `sjdj-node backup` against a running node under write load, `backup verify`,
//! `restore`, and what each refuses.
mod common;
use common::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Runs `sjdj-node ARGS`: whether it succeeded, and its stdout and stderr together.
fn run(args: &[&str]) -> (bool, String) {
    let (code, text) = node_cmd(args);
    (code == 0, text)
}

/// Takes a backup of `node` as its admin into `file`; the JSON summary.
async fn backup(node: &Node, file: &Path) -> serde_json::Value {
    let mut args = backup_args(node, file);
    args.push("--json".into());
    let (ok, out) = tokio::task::spawn_blocking(move || {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert!(ok, "backup failed: {out}");
    serde_json::from_str(out.lines().last().unwrap()).expect("a JSON summary")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_64_writers_restores_every_write_below_its_size_and_passes_the_audit()
{
    let node = Node::dev().await;
    let flow = Arc::new(node.flow().await);
    let materials = flow.materials().await;
    // Each acknowledged draft: its creation's log index, and when it was acknowledged.
    let acked: Arc<Mutex<HashMap<String, (u64, Instant)>>> = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..64)
        .map(|_| {
            let (flow, materials, acked, stop) =
                (flow.clone(), materials.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let app = flow.create(materials.clone()).await.expect("create");
                    let index = app.decisions[0].log_index;
                    acked
                        .lock()
                        .unwrap()
                        .insert(app.id, (index, Instant::now()));
                }
            })
        })
        .collect();
    eventually(60, "200 drafts under load", || {
        let n = acked.lock().unwrap().len();
        async move { (n >= 200).then_some(()) }
    })
    .await;
    let began = Instant::now();
    let file = node.data_dir().join("backup.tar");
    let summary = backup(&node, &file).await;
    let during = acked.lock().unwrap().len();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let size = summary["log_size"].as_u64().unwrap();
    let acked = acked.lock().unwrap().clone();
    let indexes: std::collections::BTreeSet<u64> = acked.values().map(|(i, _)| *i).collect();
    assert_eq!(
        indexes.len(),
        acked.len(),
        "each draft has its own creation entry"
    );
    let after = acked.values().filter(|(i, _)| *i >= size).count();
    eprintln!(
        "backup at {size} entries; {} drafts acknowledged, {during} by the backup's end, {after} \
         beyond its size",
        acked.len()
    );
    assert!(after > 0, "writes went on past the snapshot");
    // Everything acknowledged before the backup began is below its size.
    for (id, (index, at)) in &acked {
        if *at < began {
            assert!(
                *index < size,
                "{id} (entry {index}) acknowledged before the backup"
            );
        }
    }

    let (ok, out) = run(&["backup", "verify", path(&file)]);
    assert!(ok && out.contains("backup ok"), "{out}");

    // Restored into a new dev dir (with the node's key and tokens), it starts and holds exactly
    // the drafts whose creation is below the snapshot's size.
    let restored = tempfile::tempdir().unwrap();
    for f in ["node.key", "dev-tokens.json"] {
        std::fs::copy(node.data_dir().join(f), restored.path().join(f)).unwrap();
    }
    let store = restored.path().join("store");
    let (ok, out) = run(&["restore", path(&file), "--data-dir", path(&store)]);
    assert!(ok && out.contains("audit ok"), "{out}");
    let mut r = Node::dev_at(restored).await;
    let held: std::collections::HashSet<String> = r
        .all_applications()
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    for (id, (index, _)) in &acked {
        assert_eq!(
            held.contains(id),
            *index < size,
            "{id}: created at entry {index}, the backup holds {size} entries"
        );
    }
    r.stop().await;
    assert_eq!(audited_entries(r.data_dir()), size);
}

#[tokio::test]
async fn a_cut_or_altered_archive_fails_verify_and_restore_leaves_nothing() {
    let node = Node::dev().await;
    node.registered().await;
    let file = node.data_dir().join("backup.tar");
    backup(&node, &file).await;
    let bytes = std::fs::read(&file).unwrap();
    // Checked against the node's own public key; another node's key refuses it.
    let own = node.data_dir().join("node.key.pub");
    let (ok, out) = run(&["backup", "verify", path(&file), "--public-key", path(&own)]);
    assert!(ok && out.contains("signed by the node's key"), "{out}");
    let other = node.data_dir().join("other.key");
    let (ok, _, out) = sjdj(&["key", "generate", "--out", path(&other)]);
    assert!(ok, "{out}");
    let other_pub = node.data_dir().join("other.key.pub");
    let (ok, out) = run(&[
        "backup",
        "verify",
        path(&file),
        "--public-key",
        path(&other_pub),
    ]);
    assert!(!ok && out.contains("BACKUP FAILED"), "{out}");

    let cut = node.data_dir().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, out) = run(&["backup", "verify", path(&cut)]);
    assert!(!ok && out.contains("BACKUP FAILED"), "{out}");

    // One bit flipped inside the first part's data: the part no longer matches the manifest.
    let altered = node.data_dir().join("altered.tar");
    let mut flipped = bytes.clone();
    flipped[512 + 100] ^= 1;
    std::fs::write(&altered, &flipped).unwrap();
    let (ok, out) = run(&["backup", "verify", path(&altered)]);
    assert!(
        !ok && out.contains("store-000000.kv does not match the manifest"),
        "{out}"
    );
    let target = node.data_dir().join("restored");
    let (ok, out) = run(&["restore", path(&altered), "--data-dir", path(&target)]);
    assert!(!ok && out.contains("does not match the manifest"), "{out}");
    assert!(!target.exists(), "a failed restore leaves no store behind");
}

#[tokio::test]
async fn restore_refuses_a_directory_that_is_not_empty_and_backup_never_overwrites() {
    let node = Node::dev().await;
    let file = node.data_dir().join("backup.tar");
    backup(&node, &file).await;
    // Into the live store's own directory (or any non-empty one): refused, nothing touched.
    let store = node.data_dir().join("store");
    let before = std::fs::read_dir(&store).unwrap().count();
    let (ok, out) = run(&["restore", path(&file), "--data-dir", path(&store)]);
    assert!(!ok && out.contains("is not empty"), "{out}");
    assert_eq!(std::fs::read_dir(&store).unwrap().count(), before);

    let args = backup_args(&node, &file);
    let (ok, out) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        !ok && out.contains("backups are never overwritten"),
        "{out}"
    );
}

#[tokio::test]
async fn only_an_admin_takes_a_backup() {
    let node = Node::dev().await;
    let file = node.data_dir().join("backup.tar");
    let tokens = node.data_dir().join("dev-tokens.json");
    for role in ["registrant", "clerk", "auditor"] {
        let (ok, out) = run(&[
            "backup",
            "--addr",
            &node.url(),
            "--as",
            role,
            "--tokens",
            path(&tokens),
            "--out",
            path(&file),
        ]);
        assert!(!ok && out.contains("WRONG_ROLE"), "{role}: {out}");
        assert!(!file.exists() && !node.data_dir().join("backup.tar.partial").exists());
    }
    let (ok, out) = run(&["backup", "--addr", &node.url(), "--out", path(&file)]);
    assert!(!ok && out.contains("UNAUTHENTICATED"), "{out}");
}
