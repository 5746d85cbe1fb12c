//! Recovery from the other tier with real processes: a province whose store lost entries it
//! published (restored from an older backup, or gone) gets them back from the national node's
//! mirror with `sjdj-node recover`, keeps every code it published and mints none twice.
mod common;
use common::*;
use sjdj::domain::codes::UnifiedCode;
use sjdj::grpc::pb;
use std::path::Path;

async fn checkpoint_size(node: &Node) -> u64 {
    let mut t =
        pb::transparency_service_client::TransparencyServiceClient::new(node.channel().await);
    t.get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .map_or(0, |c| c.into_inner().size)
}

/// Waits until the national node holds and has confirmed the province's log as far as the
/// province's latest checkpoint, once that covers at least `size` entries.
async fn confirmed(national: &Node, province: &Node, node_id: &str, size: u64) -> u64 {
    eventually(
        60,
        "the national node to confirm the province's log",
        || async {
            let cp = checkpoint_size(province).await;
            let s = sync_state(national, node_id).await;
            (cp >= size && s.held == cp && s.accepted_size == cp).then_some(cp)
        },
    )
    .await
}

async fn record(node: &Node, code: &str) -> Result<pb::Record, tonic::Status> {
    registry(node.channel().await)
        .get_record(pb::GetRecordRequest { code: code.into() })
        .await
        .carried()
}

fn serial(code: &str) -> u32 {
    UnifiedCode::parse(code).expect("a unified code").serial
}

fn config(node: &Node) -> String {
    node.data_dir().join("node.toml").display().to_string()
}

/// Takes an online backup of `node` (its dev admin token) into `file`.
fn backup(node: &Node, file: &Path) {
    let args = backup_args(node, file);
    let (code, out) = node_cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "backup: {out}");
}

/// What a province published before it lost its store, and what was in flight.
struct Before {
    codes: Vec<String>,
    in_publicity: String,
    size: u64,
}

/// A province registers a code, is backed up, then registers another and takes a third
/// application into publicity, all confirmed by the national node.
async fn publish(national: &Node, gd: &Node, file: &Path) -> Before {
    let first = gd.registered().await;
    confirmed(national, gd, "gd", 0).await;
    backup(gd, file);
    let second = gd.registered().await;
    let pending = gd.in_publicity().await;
    // A checkpoint that covers the pass into publicity, confirmed. (Waiting for one past the
    // checkpoint read here raced: when that one already covered the pass, none came after.)
    let last = pending.decisions.iter().map(|d| d.log_index).max();
    let size = confirmed(national, gd, "gd", last.expect("a decision") + 1).await;
    Before {
        codes: vec![first.code, second.code],
        in_publicity: pending.id,
        size,
    }
}

/// After recovery the province serves every code it published, resumes at the next serial,
/// and the national node takes its next checkpoint without a fork.
async fn resumes(national: &Node, gd: &mut Node, before: &Before) {
    let (code, out) = node_cmd(&["recover", "--config", &config(gd)]);
    assert_eq!(code, 0, "recover: {out}");
    assert!(out.contains("recovered log entries"), "{out}");
    let (code, out) = audit(gd.data_dir());
    assert_eq!(code, 0, "audit after recovery: {out}");
    gd.restart().await;
    assert!(checkpoint_size(gd).await >= before.size);
    for c in &before.codes {
        let r = record(gd, c)
            .await
            .expect("a published code is served again");
        assert_eq!(&r.code, c);
    }
    // The application that was in publicity when the store was lost ends it now, and takes
    // the serial after the last one published: none is minted twice.
    gd.advance_days(40).await;
    let flow = gd.flow().await;
    let app = eventually(20, "the pending application registered", || async {
        let a = flow.get(&before.in_publicity).await;
        (!a.code.is_empty()).then_some(a)
    })
    .await;
    assert_eq!(
        serial(&app.code),
        serial(&before.codes[1]) + 1,
        "{} after {:?}",
        app.code,
        before.codes
    );
    for c in before.codes.iter().chain([&app.code]) {
        eventually(30, &format!("{c} in the national book"), || async {
            record(national, c).await.ok()
        })
        .await;
    }
    let state = sync_state(national, "gd").await;
    assert!(!state.frozen, "the national node saw a fork");
    gd.stop().await;
    let (code, out) = audit(gd.data_dir());
    assert_eq!(code, 0, "audit of the province: {out}");
}

/// The national node, stopped, passes its audit (its mirror of the province included).
async fn national_audits(mut national: Node) {
    national.stop().await;
    let (code, out) = audit(national.data_dir());
    assert_eq!(code, 0, "audit of the national node: {out}");
    assert!(out.contains("mirror of gd"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_province_restored_from_an_older_backup_recovers_what_it_lost_from_the_national_mirror() {
    let national = Node::dev().await;
    let mut gd = Node::federated("gd", "440000", &national).await;
    let file = gd.data_dir().join("older.tar");
    let before = publish(&national, &gd, &file).await;
    gd.stop().await;
    let store = gd.data_dir().join("store");
    std::fs::remove_dir_all(&store).unwrap();
    let (code, out) = node_cmd(&["restore", file.to_str().unwrap(), "--config", &config(&gd)]);
    assert_eq!(code, 0, "restore: {out}");
    // The older store alone is refused: it is shorter than what the node published.
    let (code, out) = gd.refused_start();
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("recover the lost entries"), "{out}");
    resumes(&national, &mut gd, &before).await;
    national_audits(national).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_province_left_with_only_its_key_and_config_recovers_its_whole_log() {
    let national = Node::dev().await;
    let mut gd = Node::federated("gd", "440000", &national).await;
    let file = gd.data_dir().join("unused.tar");
    let before = publish(&national, &gd, &file).await;
    gd.stop().await;
    // The disk is gone: the store, the kept checkpoint, the tokens; the key and config remain.
    std::fs::remove_dir_all(gd.data_dir().join("store")).unwrap();
    std::fs::remove_file(gd.data_dir().join("store.checkpoint")).unwrap();
    std::fs::remove_file(gd.data_dir().join("dev-tokens.json")).unwrap();
    resumes(&national, &mut gd, &before).await;
    national_audits(national).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recovery_refuses_when_nothing_is_lost_or_no_copy_is_held_and_writes_nothing() {
    let national = Node::dev().await;
    let mut gd = Node::federated("gd", "440000", &national).await;
    gd.registered().await;
    let size = checkpoint_size(&gd).await;
    confirmed(&national, &gd, "gd", size).await;
    gd.stop().await;
    let entries = audited_entries(gd.data_dir());
    // Nothing lost: nothing to recover, and the store is as it was.
    let (code, out) = node_cmd(&["recover", "--config", &config(&gd)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nothing to recover"), "{out}");
    assert_eq!(audited_entries(gd.data_dir()), entries);
    // A node id the national node holds no copy of.
    let text = std::fs::read_to_string(config(&gd))
        .unwrap()
        .replace("id = \"gd\"", "id = \"zz\"")
        .replace("/store\"", "/zz-store\"");
    let other = gd.data_dir().join("zz.toml");
    std::fs::write(&other, text).unwrap();
    let (code, out) = node_cmd(&["recover", "--config", other.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("MIRROR_UNKNOWN"), "{out}");
}

/// What `node` holds of the log copied under `node_id` (a province's copy of the national log:
/// "national").
async fn copy_held(node: &Node, node_id: &str) -> u64 {
    let mut fed = pb::federation_service_client::FederationServiceClient::new(node.channel().await);
    let req = pb::GetMirrorRequest {
        node_id: node_id.into(),
        from: 0,
    };
    fed.get_mirror(req).await.map_or(0, |r| r.into_inner().held)
}

/// The national book's records of `codes`, once it holds them all.
async fn book(national: &Node, codes: &[String]) -> Option<Vec<pb::Record>> {
    let mut out = Vec::new();
    for c in codes {
        out.push(record(national, c).await.ok()?);
    }
    Some(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_national_node_restored_from_an_older_backup_recovers_its_log_from_a_province() {
    let mut national = Node::dev().await;
    let mut gd = Node::federated("gd", "440000", &national).await;
    let first = gd.registered().await;
    confirmed(&national, &gd, "gd", 0).await;
    let file = national.data_dir().join("older.tar");
    backup(&national, &file);
    // After the backup: a second province is delegated (an entry of the national log the
    // backup lacks), and both provinces register, confirmed by the national node.
    let mut fj = Node::federated("fj", "350000", &national).await;
    let codes = [
        first.code,
        gd.registered().await.code,
        fj.registered().await.code,
    ];
    let before = eventually(30, "every code in the national book", || {
        book(&national, &codes)
    })
    .await;
    // gd follows the national log: once it holds a copy of all the national node published,
    // the national node's disk dies (a graceful stop would publish a last checkpoint first).
    eventually(30, "gd to hold the whole national log", || async {
        let size = checkpoint_size(&national).await;
        let held = copy_held(&gd, "national").await;
        (held >= size && checkpoint_size(&national).await == size).then_some(())
    })
    .await;
    national.kill9();
    let store = national.data_dir().join("store");
    std::fs::remove_dir_all(&store).unwrap();
    let (code, out) = node_cmd(&[
        "restore",
        file.to_str().unwrap(),
        "--data-dir",
        store.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "restore: {out}");
    let (code, out) = national.refused_start();
    assert_eq!(code, 3, "{out}");
    let dir = national.data_dir().display().to_string();
    let (code, out) = node_cmd(&["recover", "--data-dir", &dir, "--from", &gd.url()]);
    assert_eq!(code, 0, "recover: {out}");
    national.restart_same_port().await;
    // The trust list holds fj again, both provinces push again from what the restored mirrors
    // hold, and the national book is what it was.
    let after = eventually(60, "the national book whole again", || {
        book(&national, &codes)
    })
    .await;
    assert_eq!(after, before);
    for p in ["gd", "fj"] {
        assert!(!sync_state(&national, p).await.frozen, "{p} frozen");
    }
    let size = checkpoint_size(&gd).await;
    confirmed(&national, &gd, "gd", size).await;
    let size = checkpoint_size(&fj).await;
    confirmed(&national, &fj, "fj", size).await;
    gd.stop().await;
    fj.stop().await;
    for (name, dir) in [("gd", gd.data_dir()), ("fj", fj.data_dir())] {
        let (code, out) = audit(dir);
        assert_eq!(code, 0, "audit of {name}: {out}");
    }
    national.stop().await;
    let (code, out) = audit(national.data_dir());
    assert_eq!(code, 0, "audit of the national node: {out}");
}
