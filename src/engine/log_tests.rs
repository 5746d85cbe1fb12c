//! The transparency log as the engine keeps it: every step an entry, tiles and checkpoints that
//! match the entries, certificates that name their entry, nothing secret or personal logged.
use super::*;
use crate::domain::flow::EventKind;
use crate::log::checkpoint;
use crate::log::entry::{Body, Record};
use crate::log::tree::{self, MemoryTiles};
use crate::log::Hash;

/// The root of a tree rebuilt from nothing but the entries, to check the stored tiles against.
fn rebuilt_root(entries: &[(u64, Vec<u8>)]) -> Hash {
    let t = MemoryTiles::default();
    for (i, data) in entries {
        t.append(*i, tree::leaf_hash(data)).unwrap();
    }
    tree::root(&t, entries.len() as u64).unwrap()
}

fn all_entries(e: &Engine) -> Vec<(u64, Vec<u8>)> {
    let size = e.checkpoint().expect("published").size;
    let mut out = Vec::new();
    let mut start = 0;
    while start < size {
        let end = size.min(start + MAX_ENTRIES);
        out.extend(e.log_entries(start, end).unwrap());
        start = end;
    }
    out
}

#[tokio::test]
async fn every_step_is_an_entry_and_checkpoints_sign_the_entries_tree() {
    let n = Node::start(config()).await;
    let (secret, _) = n.token(Role::Auditor, "审计员", None).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let c = n
        .engine
        .publish_checkpoint()
        .await
        .unwrap()
        .expect("log grew");
    assert_eq!(n.engine.log_origin(), "sjdj/440000/gd");
    let verified = checkpoint::verify(&c.note, &n.engine.verifying_key(), Some("sjdj/440000/gd"));
    assert_eq!(verified.unwrap(), c);

    let entries = all_entries(&n.engine);
    assert_eq!(entries.len() as u64, c.size);
    assert_eq!(rebuilt_root(&entries).0, c.root);
    let records: Vec<Record> = entries
        .iter()
        .map(|(_, d)| Record::decode(d).unwrap())
        .collect();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.index, i as u64);
        assert!(
            r.at <= c.time,
            "checkpoint time is never older than an entry"
        );
    }
    // Admin actions and every step of the flow, in order.
    let steps: Vec<String> = records
        .iter()
        .map(|r| match &r.body {
            Body::Flow {
                application_id,
                event,
            } if *application_id == id => event.view().step().into(),
            Body::Flow { .. } => "other-app".into(),
            Body::TokenCreated { role, .. } => format!("token:{}", role.name()),
            Body::TokenRevoked { .. } => "revoked".into(),
            Body::ClockAdvanced { .. } => "clock".into(),
            other => format!("{other:?}"),
        })
        .collect();
    let flow: Vec<&str> = steps
        .iter()
        .map(String::as_str)
        .skip_while(|s| s.starts_with("token:"))
        .collect();
    assert_eq!(
        flow,
        [
            "CREATED",
            "SUBMITTED",
            "ACCEPTED",
            "REVIEW_PASSED",
            "clock",
            "REGISTERED",
            "CERTIFICATE_ISSUED"
        ]
    );
    assert_eq!(steps.iter().filter(|s| s.starts_with("token:")).count(), 5);
    // No token secret and no personal contact ever reaches the log.
    let all: Vec<u8> = entries.iter().flat_map(|(_, d)| d.clone()).collect();
    let text = String::from_utf8(all).unwrap();
    assert!(!text.contains(&secret), "a token secret was logged");
    assert!(!text.contains("020-12345678"), "a contact phone was logged");
    // Nor any name: holders and the draft's materials are commitments (v2), opened by the
    // node's state, which the audit checks.
    assert!(
        !text.contains("审计员"),
        "the token's holder was logged in clear"
    );
    assert!(
        !text.contains("张三"),
        "a registrant's name was logged in clear"
    );
    assert!(text.starts_with("sjdj/log-entry/v2\n"));
    let origin = n.engine.log_origin().to_string();
    let key = n.engine.verifying_key();
    let report = crate::engine::audit::audit(n.engine.store().as_ref(), &key, &origin).unwrap();
    assert!(report.commitments >= entries.len(), "{report:?}");
}

#[tokio::test]
async fn a_certificate_names_the_entry_that_pins_it_and_is_provably_included() {
    let n = Node::start(config()).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let c = n.engine.publish_checkpoint().await.unwrap().unwrap();
    let code = n.code(&id).to_string();
    let view = n.engine.certificate(Some(&code), 0, None).unwrap();
    let index = view.certificate.log_index;
    let entry = n.engine.log_entries(index, index + 1).unwrap().remove(0).1;
    let Body::Flow { event, .. } = Record::decode(&entry).unwrap().body else {
        panic!("not a flow entry")
    };
    let EventKind::CertificateIssued {
        code: logged,
        certificate_sha256,
        ..
    } = event.view()
    else {
        panic!("entry {index} is not the certificate's")
    };
    assert_eq!(logged, code);
    assert_eq!(
        certificate_sha256,
        hex::encode(Sha256::digest(view.signed.as_bytes()))
    );
    let (size, proof) = n.engine.inclusion_proof(index, 0).unwrap();
    assert_eq!(size, c.size);
    let proof: Vec<Hash> = proof.into_iter().map(Hash).collect();
    tree::verify_inclusion(&proof, size, Hash(c.root), index, tree::leaf_hash(&entry)).unwrap();
    let wrong = tree::leaf_hash(b"another entry");
    assert!(tree::verify_inclusion(&proof, size, Hash(c.root), index, wrong).is_err());
}

#[tokio::test]
async fn checkpoints_only_grow_and_consecutive_ones_are_consistent() {
    let n = Node::start(config()).await;
    let first = n
        .engine
        .publish_checkpoint()
        .await
        .unwrap()
        .expect("tokens were logged");
    assert_eq!(
        n.engine.publish_checkpoint().await.unwrap(),
        None,
        "nothing new, nothing signed"
    );
    n.in_publicity().await;
    let second = n.engine.publish_checkpoint().await.unwrap().unwrap();
    assert!(second.size > first.size && second.time >= first.time);
    assert_eq!(n.engine.checkpoint(), Some(second.clone()));
    let (_, proof) = n.engine.consistency_proof(first.size, second.size).unwrap();
    let proof: Vec<Hash> = proof.into_iter().map(Hash).collect();
    tree::verify_consistency(
        &proof,
        second.size,
        Hash(second.root),
        first.size,
        Hash(first.root),
    )
    .unwrap();
}

#[tokio::test]
async fn log_reads_stop_at_the_published_size_with_a_clear_reason() {
    let n = Node::start(config()).await;
    // Tokens were logged, but nothing is published until a checkpoint is signed.
    assert_eq!(reason(n.engine.log_entries(0, 1)), "LOG_RANGE");
    assert_eq!(reason(n.engine.inclusion_proof(0, 0)), "LOG_RANGE");
    let c = n.engine.publish_checkpoint().await.unwrap().unwrap();
    n.in_publicity().await;
    assert_eq!(reason(n.engine.log_entries(0, c.size + 1)), "LOG_RANGE");
    assert_eq!(reason(n.engine.log_entries(3, 3)), "LOG_RANGE");
    assert_eq!(reason(n.engine.inclusion_proof(c.size, 0)), "LOG_RANGE");
    assert_eq!(reason(n.engine.consistency_proof(0, c.size)), "LOG_RANGE");
    assert_eq!(
        reason(n.engine.consistency_proof(1, c.size + 1)),
        "LOG_RANGE"
    );
    assert_eq!(
        n.engine.log_entries(0, c.size).unwrap().len() as u64,
        c.size
    );
}
