//! A full disk, on a small tmpfs this test mounts itself (it needs root; anywhere else it says
//! it was skipped): writes that would leave less than `node.min_free_bytes` (64 MiB by default)
//! are refused fast with UNAVAILABLE / STORE_FULL before sled sees them, health is NOT_SERVING,
//! reads go on, writes resume by themselves once space is freed with every acknowledged write
//! kept, SIGTERM still stops the node, and the store passes the audit.
mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmpfs of `mib` MiB, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(mib: u32) -> Option<SmallDisk> {
        // SAFETY: geteuid only reads the process's effective user id.
        if unsafe { libc::geteuid() } != 0 {
            return None;
        }
        let dir = tempfile::tempdir().unwrap().keep();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// The dev node's `node.min_free_bytes`.
const MIN_FREE: u64 = 64 << 20;

/// A 100 MiB tmpfs, or `None` (the test is skipped, and says so) where it cannot be mounted.
fn small_disk() -> Option<SmallDisk> {
    let disk = SmallDisk::mount(100);
    if disk.is_none() {
        eprintln!("skipped: mounting a tmpfs needs root (this test makes its own small disk)");
    }
    disk
}

/// Fills the filesystem of `dir` but `keep` bytes with one file, returned.
fn fill(dir: &Path, keep: u64) -> PathBuf {
    let filler = dir.join("filler");
    let free = fs_free(dir);
    let f = std::fs::File::create(&filler).unwrap();
    std::io::Write::write_all(&mut &f, &vec![1u8; free.saturating_sub(keep) as usize])
        .unwrap_or(());
    filler
}

fn fs_free(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df avail")
}

use tonic_health::pb::health_check_response::ServingStatus as Serving;

/// A channel to the node, or why there is none (it may be stopping).
async fn channel(node: &Node) -> Result<tonic::transport::Channel, tonic::Status> {
    node.channel_from("127.0.0.1")
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))
}

/// The node's overall health status.
async fn health(node: &Node) -> Result<Serving, tonic::Status> {
    let ch = channel(node).await?;
    let r = tonic_health::pb::health_client::HealthClient::new(ch)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await?;
    Ok(Serving::try_from(r.into_inner().status).unwrap_or(Serving::Unknown))
}

async fn read(node: &Node, id: &str) -> Result<sjdj::grpc::pb::Application, tonic::Status> {
    let ch = channel(node).await?;
    let req = sjdj::grpc::pb::GetApplicationRequest {
        application_id: id.into(),
    };
    sjdj::grpc::pb::registration_service_client::RegistrationServiceClient::new(ch)
        .get_application(authed(&node.token("registrant"), req))
        .await
        .carried()
}

/// Fills the node's disk and writes until a write is refused.
async fn until_refused(node: &Node, disk: &Path) -> PathBuf {
    let flow = node.flow().await;
    let materials = flow.materials().await;
    let filler = fill(disk, 2 << 20);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        let call = tokio::time::timeout(Duration::from_secs(10), flow.create(materials.clone()));
        if call.await.expect("a write on a full disk answers").is_err() {
            return filler;
        }
    }
    panic!("the disk never filled up");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_a_node_on_a_full_disk_within_seconds() {
    let Some(disk) = small_disk() else {
        return;
    };
    let mut node = Node::dev_in(&disk.0).await;
    let filler = until_refused(&node, &disk.0).await;
    let sent = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &node.pid().to_string()])
        .status();
    eventually(15, "the node to stop after SIGTERM on a full disk", || {
        std::future::ready(node.exited())
    })
    .await;
    eprintln!("stopped {:?} after SIGTERM on a full disk", sent.elapsed());
    std::fs::remove_file(filler).unwrap();
    node.restart().await;
    node.stop().await;
    let (code, out) = audit(node.data_dir());
    assert_eq!(code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_writes_fast_serves_reads_and_resumes_by_itself() {
    let Some(disk) = small_disk() else {
        return;
    };
    let mut node = Node::dev_in(&disk.0).await;
    // A few MiB above the minimum: some writes fit, then they are refused.
    let filler = fill(&disk.0, MIN_FREE + (3 << 20));
    let flow = node.flow().await;
    let materials = flow.materials().await;
    let mut acknowledged = Vec::new();
    let mut refusal = None;
    let started = Instant::now();
    while refusal.is_none() && started.elapsed() < Duration::from_secs(120) {
        let call = tokio::time::timeout(Duration::from_secs(10), flow.create(materials.clone()));
        match call
            .await
            .expect("a write on a full disk answers, it does not hang")
        {
            Ok(app) => acknowledged.push(app.id),
            Err(s) => refusal = Some(s),
        }
    }
    let refusal = refusal.expect("the disk filled up");
    assert_eq!(refusal.code(), tonic::Code::Unavailable, "{refusal:?}");
    assert_eq!(reason(&refusal), "STORE_FULL", "{refusal:?}");
    assert!(
        refusal.message().contains("node.min_free_bytes"),
        "{refusal:?}"
    );
    assert!(!acknowledged.is_empty(), "some writes fit");

    // Health says the node cannot write, reads of what was acknowledged go on, and it stays up.
    eventually(5, "health NOT_SERVING on a full disk", || async {
        (health(&node).await.ok()? == Serving::NotServing).then_some(())
    })
    .await;
    for id in [&acknowledged[0], acknowledged.last().unwrap()] {
        let app = read(&node, id).await.expect("reads go on on a full disk");
        assert_eq!(&app.id, id);
    }
    let again = flow.create(materials.clone()).await.unwrap_err();
    assert_eq!(reason(&again), "STORE_FULL", "still refused: {again:?}");
    assert!(node.exited().is_none(), "the node stays up on a full disk");

    // Space back: health and writes come back by themselves, with every acknowledged write.
    std::fs::remove_file(&filler).unwrap();
    eventually(5, "health SERVING once space is freed", || async {
        (health(&node).await.ok()? == Serving::Serving).then_some(())
    })
    .await;
    flow.create(materials)
        .await
        .expect("writes resume once there is space");
    for id in &acknowledged {
        assert_eq!(&flow.get(id).await.id, id, "an acknowledged write is kept");
    }
    node.stop().await;
    let (code, out) = audit(node.data_dir());
    assert_eq!(code, 0, "{out}");
    eprintln!(
        "{} writes acknowledged before the disk filled; then {refusal:?}",
        acknowledged.len()
    );
}
