//! The transparency log through the real binaries: offline proof of a certificate's inclusion,
//! a monitor following a growing log, and checkpoints that survive restarts and kill -9 without
//! going backwards.
mod common;
use common::*;
use sjdj::grpc::pb;
use sjdj::log::checkpoint;
use sjdj::log::monitor;
use std::process::{Command, Stdio};
use std::time::Duration;

async fn transparency(
    node: &Node,
) -> pb::transparency_service_client::TransparencyServiceClient<tonic::transport::Channel> {
    pb::transparency_service_client::TransparencyServiceClient::new(node.channel().await)
}

/// Waits for a checkpoint covering `size` entries, and checks it as a monitor would against
/// `last` (growth, time, consistency proof from the node). Returns it, verified.
async fn next_consistent(
    node: &Node,
    key: &ed25519_dalek::VerifyingKey,
    last: &checkpoint::SignedCheckpoint,
    size: u64,
    round: usize,
) -> checkpoint::SignedCheckpoint {
    let next = checkpoint_covering(node, size).await;
    let next = checkpoint::verify(&next.note, key, None).unwrap();
    let proof = transparency(node)
        .await
        .get_consistency_proof(pb::GetConsistencyProofRequest {
            first: last.size,
            second: next.size,
        })
        .await
        .unwrap()
        .into_inner();
    let proof: Vec<[u8; 32]> = proof
        .hashes
        .iter()
        .map(|h| h.as_slice().try_into().unwrap())
        .collect();
    monitor::check(last, &next, &proof).unwrap_or_else(|v| panic!("round {round}: {v}"));
    next
}

/// Polls until the node publishes a checkpoint of at least `size` entries (signed once a second).
async fn checkpoint_covering(node: &Node, size: u64) -> pb::GetCheckpointResponse {
    let mut t = transparency(node).await;
    for _ in 0..300 {
        if let Ok(c) = t.get_checkpoint(pb::GetCheckpointRequest {}).await {
            let c = c.into_inner();
            if c.size >= size {
                return c;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no checkpoint of {size} entries within 6 s");
}

fn key_file(node: &Node) -> String {
    node.data_dir().join("node.key.pub").display().to_string()
}

/// A registered application's code and the log index its certificate names.
async fn registered(node: &Node) -> (String, u64) {
    let code = node.registered().await.code;
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    let cert = reg
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::Code(code.clone())),
            version: 0,
        })
        .await
        .carried()
        .unwrap();
    (code, cert.log_index)
}

#[tokio::test]
async fn a_certificate_proof_verifies_offline_and_each_tampering_is_named() {
    let node = Node::dev().await;
    let (code, index) = registered(&node).await;
    checkpoint_covering(&node, index + 1).await;
    let dir = node.data_dir();
    let (cert, proof) = (dir.join("cert.txt"), dir.join("proof.json"));
    let (cert, proof) = (cert.to_str().unwrap(), proof.to_str().unwrap());
    let addr = ["--addr", node.addr.as_str()];
    let (ok, _, err) = sjdj(&[&["cert", "get", &code, "--out", cert][..], &addr].concat());
    assert!(ok, "{err}");
    let (ok, out, err) = sjdj(&[&["cert", "proof", &code, "--out", proof][..], &addr].concat());
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("entry {index} in the log of")),
        "{out}"
    );

    // Offline: nothing but the files and the node's public key.
    let key = key_file(&node);
    let verify = |proof_file: &str, key: &str| {
        sjdj(&["cert", "verify", cert, "--key", key, "--proof", proof_file])
    };
    let (ok, out, err) = verify(proof, &key);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "INCLUDED in log sjdj/100000/dev-national as entry {index} of "
        )),
        "{out}"
    );

    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(proof).unwrap()).unwrap();
    let tampered = dir.join("tampered.json");
    let tampered = tampered.to_str().unwrap();
    let refuse = |edit: &dyn Fn(&mut serde_json::Value), expect: &str| {
        let mut v = original.clone();
        edit(&mut v);
        std::fs::write(tampered, v.to_string()).unwrap();
        let (ok, _, err) = verify(tampered, &key);
        assert!(!ok && err.contains(expect), "expected {expect}, got {err}");
    };
    // A hash of the audit path changed: the path no longer leads to the signed root.
    refuse(
        &|v| {
            let h = v["hashes"][0].as_str().unwrap().to_string();
            let flipped = if h.starts_with('0') { "1" } else { "0" };
            v["hashes"][0] = format!("{flipped}{}", &h[1..]).into();
        },
        "NOT_INCLUDED",
    );
    // The checkpoint's size line changed: its signature fails.
    refuse(
        &|v| {
            let note = v["checkpoint"].as_str().unwrap().replacen('\n', "\n9", 1);
            v["checkpoint"] = note.into();
        },
        "CHECKPOINT_INVALID",
    );
    // Another entry put in place of the certificate's.
    refuse(
        &|v| {
            let mut bytes = base64_decode(v["entry"].as_str().unwrap());
            let at = bytes.len() - 5;
            bytes[at] ^= 1;
            v["entry"] = base64_encode(&bytes).into();
        },
        "ENTRY_MISMATCH",
    );
    refuse(
        &|v| v["format"] = "sjdj/certificate-proof/v9".into(),
        "PROOF_FORMAT",
    );
    // Another node's key: the certificate itself is refused first.
    let other = dir.join("other.key");
    let (ok, _, err) = sjdj(&["key", "generate", "--out", other.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (ok, _, err) = verify(proof, &format!("{}.pub", other.display()));
    assert!(!ok && err.contains("INVALID"), "{err}");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[tokio::test]
async fn the_monitor_follows_a_growing_log_and_checks_each_step() {
    let node = Node::dev().await;
    let first = checkpoint_covering(&node, 1).await;
    let key = key_file(&node);
    let state = node.data_dir().join("monitor.state");
    let monitor = Command::new(cli_bin())
        .args([
            "log",
            "monitor",
            &node.addr,
            "--key",
            &key,
            "--interval-ms",
            "50",
            "--count",
            "3",
        ])
        .args(["--state", state.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Each clock move is an entry; wait for each to be covered by a checkpoint.
    let mut size = first.size;
    for _ in 0..2 {
        node.advance_seconds(60).await;
        size = checkpoint_covering(&node, size + 1).await.size;
    }
    let out = tokio::task::spawn_blocking(move || monitor.wait_with_output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("ok sjdj/100000/dev-national size "),
        "{stdout}"
    );
    assert!(
        lines[1..].iter().all(|l| l.contains("(consistent with ")),
        "{stdout}"
    );
    // The state file holds the last checkpoint it verified.
    let saved = std::fs::read(&state).unwrap();
    let key = sjdj::node::keyfile::parse_public(&key).unwrap();
    assert_eq!(checkpoint::verify(&saved, &key, None).unwrap().size, size);
}

#[tokio::test]
async fn checkpoints_never_go_backwards_across_restart_and_kill_9() {
    let mut node = Node::dev().await;
    let key = sjdj::node::keyfile::parse_public(&key_file(&node)).unwrap();
    let mut last =
        checkpoint::verify(&checkpoint_covering(&node, 1).await.note, &key, None).unwrap();
    for round in 0..3 {
        node.advance_seconds(60).await;
        if round == 1 {
            node.kill9();
        } else {
            node.stop().await;
        }
        node.restart().await;
        // The advance was acknowledged, so it is durable and a checkpoint will cover it.
        let next = next_consistent(&node, &key, &last, last.size + 1, round).await;
        last = next;
    }
}

/// One load task: create+submit pairs until the node dies or `stop`; records each acked submit.
async fn load(
    addr: String,
    registrant: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    acked: std::sync::Arc<std::sync::Mutex<Vec<(String, u64, u64)>>>,
) {
    let Ok(ch) = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
    else {
        return;
    };
    let flow = Flow { ch, registrant };
    let materials = flow.materials().await;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let Ok(app) = flow.create(materials.clone()).await else {
            return;
        };
        let Ok(app) = flow.submit(&app).await else {
            return;
        };
        let index = app.decisions.last().unwrap().log_index;
        acked.lock().unwrap().push((app.id, app.revision, index));
    }
}

#[tokio::test]
async fn acknowledged_entries_survive_repeated_kill_9_under_load() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let mut node = Node::dev().await;
    let key = sjdj::node::keyfile::parse_public(&key_file(&node)).unwrap();
    let mut last =
        checkpoint::verify(&checkpoint_covering(&node, 1).await.note, &key, None).unwrap();
    let acked = Arc::new(Mutex::new(Vec::new()));
    for round in 0..8 {
        // Some applications wait in publicity, so the clock move below mints codes mid-load.
        for _ in 0..3 {
            node.in_publicity().await;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let before = acked.lock().unwrap().len();
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                tokio::spawn(load(
                    node.addr.clone(),
                    node.token("registrant"),
                    stop.clone(),
                    acked.clone(),
                ))
            })
            .collect();
        node.advance_days(40).await;
        // Kill once the load is well under way: 300 more acknowledged submits this round.
        while acked.lock().unwrap().len() < before + 300 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        node.kill9();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        node.restart().await;

        // Every acknowledged submit is there, at least at the revision it was acknowledged with.
        let apps: std::collections::HashMap<String, pb::Application> = node
            .all_applications()
            .await
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        let acks = acked.lock().unwrap().clone();
        let max_index = acks.iter().map(|a| a.2).max().unwrap();
        for (id, revision, index) in &acks {
            let app = apps
                .get(id)
                .unwrap_or_else(|| panic!("round {round}: acknowledged {id} lost"));
            assert!(app.revision >= *revision, "round {round}: {id} went back");
            assert_eq!(app.decisions[*revision as usize - 1].log_index, *index);
        }
        // The log covers them all, and the new checkpoint extends the last one seen.
        let next = next_consistent(&node, &key, &last, max_index + 1, round).await;
        last = next;
    }
    // No code minted twice across all the crashes.
    let codes: Vec<String> = node
        .all_applications()
        .await
        .into_iter()
        .map(|a| a.code)
        .filter(|c| !c.is_empty())
        .collect();
    let unique: std::collections::HashSet<&String> = codes.iter().collect();
    assert_eq!(
        unique.len(),
        codes.len(),
        "a code was minted twice: {codes:?}"
    );
    assert!(codes.len() >= 24, "every round minted its codes: {codes:?}");
    // And the store as a whole still audits: tree, checkpoint and state agree.
    node.stop().await;
    let (code, text) = audit(node.data_dir());
    assert!(code == 0 && text.contains("audit ok"), "{text}");
}

#[tokio::test]
async fn a_second_process_on_the_same_data_dir_is_refused_so_checkpoints_cannot_diverge() {
    let node = Node::dev().await;
    let out = Command::new(env!("CARGO_BIN_EXE_sjdj-node"))
        .args([
            "--dev",
            "--data-dir",
            node.data_dir().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a second node started on the same data dir"
    );
    assert!(err.contains("another sjdj-node"), "{err}");
    // The running node still publishes its one line of checkpoints.
    checkpoint_covering(&node, 1).await;
}
