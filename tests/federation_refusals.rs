//! A national node against a hand-built province log pushed over the wire: tampered entries,
//! wrong keys, replayed batches, minting in another's namespace and a forked checkpoint are each
//! refused with a clear reason and nothing applied; a fork freezes the feed and raises an alarm.
mod common;

use common::{authed, eventually, reason, scrape, CarriedAnswer, Carries, Node};
use ed25519_dalek::SigningKey;
use prost::Message;
use sjdj::domain::codes::{Region, UnifiedCode};
use sjdj::domain::flow::EventKind;
use sjdj::domain::types::{DataType, RegistrationType, Role};
use sjdj::grpc::federation::{push_batch_type, to_wire};
use sjdj::grpc::pb;
use sjdj::log::checkpoint;
use sjdj::log::entry::{Body, Record};
use sjdj::log::tree::{self, MemoryTiles};

const NODE: &str = "gd";
const REGION: &str = "440000";

/// A province log built in the test: entries, tiles, the key that signs.
struct Fake {
    key: SigningKey,
    entries: Vec<Vec<u8>>,
    tiles: MemoryTiles,
}

impl Fake {
    fn new(seed: u8) -> Fake {
        Fake {
            key: SigningKey::from_bytes(&[seed; 32]),
            entries: Vec::new(),
            tiles: MemoryTiles::default(),
        }
    }

    fn origin() -> String {
        checkpoint::origin(REGION, NODE)
    }

    fn add(&mut self, body: Body) {
        let index = self.entries.len() as u64;
        let data = Record {
            index,
            at: 1_767_225_600,
            actor: "system".into(),
            holder: "system".into(),
            holder_commitment: None,
            body,
        }
        // A province writing the v1 layout (real nodes, which write v2, are in federation.rs).
        .encode_v1();
        self.tiles.append(index, tree::leaf_hash(&data)).unwrap();
        self.entries.push(data);
    }

    fn tokens(&mut self, n: usize) {
        for i in 0..n {
            self.add(Body::TokenCreated {
                token_id: format!("T{i}"),
                role: Role::Clerk,
                holder: "受理员".into(),
                token_holder_commitment: None,
                subject: None,
            });
        }
    }

    /// A flow to a code in `region` (without its certificate).
    fn registered(&mut self, app: &str, region: &str, serial: u32) {
        self.registered_in(app, region, 2026, serial)
    }

    /// A flow to a code of `year` in `region` (without its certificate).
    fn registered_in(&mut self, app: &str, region: &str, year: u16, serial: u32) {
        let day = time::macros::date!(2026 - 01 - 05);
        let code = UnifiedCode::new(
            DataType::PublicDataResource,
            Region::parse(region).unwrap(),
            year,
            serial,
        )
        .unwrap()
        .to_string();
        for event in [
            EventKind::Created {
                registration_type: RegistrationType::Initial,
                subject: "91350100M000100Y43".into(),
                materials: Default::default(),
                target_code: None,
            },
            EventKind::Submitted {
                publicity_text: String::new(),
                acceptance_due: day,
            },
            EventKind::Accepted {
                reason: String::new(),
                review_due: day,
            },
            EventKind::ReviewPassed {
                reason: String::new(),
                publicity_start: day,
                publicity_end: day,
            },
            EventKind::Registered {
                code,
                version: 1,
                assigned_on: day,
                valid_from: day,
                valid_until: time::macros::date!(2029 - 01 - 04),
            },
        ] {
            self.add(Body::Flow {
                application_id: app.into(),
                event: Box::new(sjdj::log::public::PublicEvent::Clear(Box::new(event))),
            });
        }
    }

    fn checkpoint(&self) -> Vec<u8> {
        let size = self.entries.len() as u64;
        let root = tree::root(&self.tiles, size).unwrap();
        checkpoint::sign(&self.key, &Fake::origin(), size, root.0, 1_767_225_600)
            .unwrap()
            .note
    }

    fn proof(&self, from: u64) -> Vec<Vec<u8>> {
        let size = self.entries.len() as u64;
        if from == 0 || from >= size {
            return Vec::new();
        }
        tree::consistency_proof(&self.tiles, from, size)
            .unwrap()
            .into_iter()
            .map(|h| h.0.to_vec())
            .collect()
    }

    /// The batch `[from, end)` against the current checkpoint, `accepted` being the size the
    /// national node accepted last.
    fn batch(&self, accepted: u64, from: u64, end: u64) -> pb::PushBatch {
        pb::PushBatch {
            node_id: NODE.into(),
            checkpoint: self.checkpoint(),
            from,
            accepted_proof: self.proof(accepted),
            batch_proof: self.proof(end),
            entries: self.entries[from as usize..end as usize].to_vec(),
            certificates: Vec::new(),
        }
    }

    fn sealed(&self, batch: &pb::PushBatch, signer: &SigningKey) -> pb::PushRequest {
        let keyid = checkpoint::note_key_id(&Fake::origin(), &signer.verifying_key());
        let env =
            sjdj::sync::envelope::seal(&push_batch_type(), batch.encode_to_vec(), &keyid, signer);
        pb::PushRequest {
            node_id: NODE.into(),
            envelope: Some(to_wire(env)),
        }
    }
}

async fn push(national: &Node, req: pb::PushRequest) -> Result<pb::PushResponse, tonic::Status> {
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    fed.push(req).await.map(|r| r.into_inner())
}

async fn state(national: &Node) -> pb::GetSyncStateResponse {
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    let req = pb::GetSyncStateRequest {
        node_id: NODE.into(),
    };
    fed.get_sync_state(req).await.unwrap().into_inner()
}

async fn national_with(fake: &Fake) -> Node {
    let national = Node::dev().await;
    let key = hex::encode(fake.key.verifying_key().to_bytes());
    national.delegate(NODE, REGION, &key).await.unwrap();
    national
}

#[tokio::test(flavor = "multi_thread")]
async fn tampered_unsigned_replayed_and_foreign_pushes_are_refused_and_change_nothing() {
    let mut p = Fake::new(1);
    p.tokens(20);
    let national = national_with(&p).await;

    // Signed by a key the trust list does not hold for the node.
    let imposter = SigningKey::from_bytes(&[9; 32]);
    let r = push(&national, p.sealed(&p.batch(0, 0, 20), &imposter)).await;
    assert_eq!(reason(&r.unwrap_err()), "ENVELOPE_UNKNOWN_KEY");
    // A node the trust list does not know.
    let mut unknown = p.sealed(&p.batch(0, 0, 20), &p.key);
    unknown.node_id = "xz".into();
    assert_eq!(
        reason(&push(&national, unknown).await.unwrap_err()),
        "SYNC_UNKNOWN_NODE"
    );
    // A tampered entry: the tree no longer gives the signed root.
    let mut tampered = p.batch(0, 0, 20);
    tampered.entries[5] = String::from_utf8(tampered.entries[5].clone())
        .unwrap()
        .replace("受理员", "审核员")
        .into_bytes();
    let r = push(&national, p.sealed(&tampered, &p.key))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "SYNC_ROOT_MISMATCH");
    assert!(
        r.message().contains("do not rebuild the signed tree"),
        "{}",
        r.message()
    );
    // A payload edited after signing: the envelope no longer verifies.
    let mut edited = p.sealed(&p.batch(0, 0, 20), &p.key);
    edited.envelope.as_mut().unwrap().payload[40] ^= 1;
    let r = push(&national, edited).await.unwrap_err();
    assert_eq!(reason(&r), "ENVELOPE_BAD_SIGNATURE");
    assert_eq!(state(&national).await.held, 0, "nothing was applied");

    // Two good batches; the first one replayed changes nothing and names where to resume.
    let first = p.sealed(&p.batch(0, 0, 8), &p.key);
    let r = push(&national, first.clone()).await.unwrap();
    assert_eq!((r.held, r.receipt.is_empty()), (8, true));
    let r = push(&national, first).await.unwrap_err();
    assert_eq!(reason(&r), "SYNC_WRONG_START");
    assert!(r.message().contains("holds 8 entries"), "{}", r.message());
    let r = push(&national, p.sealed(&p.batch(0, 8, 20), &p.key))
        .await
        .unwrap();
    assert_eq!(r.held, 20);
    assert!(
        !r.receipt.is_empty(),
        "the last batch is answered with the receipt"
    );

    // Minting in another province's namespace.
    p.registered("A1", "350000", 1);
    let r = push(&national, p.sealed(&p.batch(20, 20, 25), &p.key))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "SYNC_FOREIGN_NAMESPACE");
    let s = state(&national).await;
    assert_eq!((s.held, s.accepted_size, s.frozen), (20, 20, false));
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
    let found = reg
        .search_records(pb::SearchRecordsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        found.records.is_empty(),
        "no record was taken from a refused batch"
    );
}

fn stream_request(push: pb::PushRequest) -> pb::PushStreamRequest {
    pb::PushStreamRequest { push: Some(push) }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_stream_answers_each_batch_in_order_and_ends_at_the_first_refusal() {
    let mut p = Fake::new(3);
    p.tokens(30);
    let national = national_with(&p).await;
    let mut tampered = p.batch(0, 10, 20);
    tampered.entries[2] = String::from_utf8(tampered.entries[2].clone())
        .unwrap()
        .replace("受理员", "审核员")
        .into_bytes();
    // All three are sent before any answer comes back.
    let sent = vec![
        p.sealed(&p.batch(0, 0, 10), &p.key),
        p.sealed(&tampered, &p.key),
        p.sealed(&p.batch(0, 20, 30), &p.key),
    ];
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    let mut answers = fed
        .push_stream(tokio_stream::iter(sent.into_iter().map(stream_request)))
        .await
        .unwrap()
        .into_inner();
    let first = answers.message().await.unwrap().expect("the first answer");
    let first = first.carried().unwrap();
    assert_eq!((first.held, first.receipt.is_empty()), (10, true));
    let refused = answers.message().await.unwrap_err();
    assert_eq!(reason(&refused), "SYNC_ROOT_MISMATCH");
    assert!(
        !matches!(answers.message().await, Ok(Some(_))),
        "nothing is answered after the refusal"
    );
    let s = state(&national).await;
    assert_eq!(
        (s.held, s.accepted_size),
        (10, 30),
        "the batch after the refused one was not applied"
    );

    // Resumed from the held size, the rest goes through on a new stream, ending with the receipt.
    let rest = vec![
        p.sealed(&p.batch(30, 10, 20), &p.key),
        p.sealed(&p.batch(30, 20, 30), &p.key),
    ];
    let mut answers = fed
        .push_stream(tokio_stream::iter(rest.into_iter().map(stream_request)))
        .await
        .unwrap()
        .into_inner();
    let a = answers.message().await.unwrap().unwrap().carried().unwrap();
    let b = answers.message().await.unwrap().unwrap().carried().unwrap();
    assert_eq!((a.held, b.held), (20, 30));
    assert!(!b.receipt.is_empty(), "the last batch brings the receipt");
    assert!(
        answers.message().await.unwrap().is_none(),
        "then the stream ends"
    );
}

/// A national node with `/metrics`, with the fake province delegated.
async fn national_with_metrics(fake: &Fake) -> (Node, String) {
    let (national, metrics) = Node::national_with_metrics().await;
    let key = hex::encode(fake.key.verifying_key().to_bytes());
    national.delegate(NODE, REGION, &key).await.unwrap();
    (national, metrics)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forked_checkpoint_is_kept_as_evidence_freezes_the_feed_and_raises_an_alarm() {
    let mut p = Fake::new(1);
    p.tokens(10);
    let (national, metrics) = national_with_metrics(&p).await;
    let before = scrape(&metrics);
    assert!(
        before.contains("sjdj_mirror_frozen{node=\"gd\"} 0"),
        "{before}"
    );
    push(&national, p.sealed(&p.batch(0, 0, 10), &p.key))
        .await
        .unwrap();
    // The province signs another history of the same log: same key, a different entry 4.
    let mut fork = Fake::new(1);
    fork.tokens(4);
    fork.add(Body::TokenRevoked {
        token_id: "T0".into(),
    });
    fork.tokens(7);
    let r = push(&national, fork.sealed(&fork.batch(10, 10, 12), &fork.key))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "SYNC_FORK");
    assert!(state(&national).await.frozen);
    // The alarm names the node and keeps both signed checkpoints.
    let mut admin = pb::admin_service_client::AdminServiceClient::new(national.channel().await);
    let alarms = admin
        .list_alarms(authed(
            &national.token("auditor"),
            pb::ListAlarmsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner()
        .alarms;
    assert_eq!(alarms.len(), 1);
    assert_eq!(
        (alarms[0].node_id.as_str(), alarms[0].kind),
        (NODE, pb::AlarmKind::Fork as i32)
    );
    assert_eq!(alarms[0].evidence, [p.checkpoint(), fork.checkpoint()]);
    // Nothing more is applied from the frozen feed, even a good continuation.
    p.tokens(2);
    let r = push(&national, p.sealed(&p.batch(10, 10, 12), &p.key))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "SYNC_FROZEN");
    assert_eq!(state(&national).await.held, 10);
    // An envelope signed by a key the trust list does not hold for gd is refused before its
    // payload is read, and counted by node and reason.
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let r = push(&national, p.sealed(&p.batch(10, 10, 12), &stranger))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "ENVELOPE_UNKNOWN_KEY");
    // The alarm is a metric too.
    let after = scrape(&metrics);
    assert_eq!(
        common::metric(
            &after,
            "sjdj_federation_refused_envelopes{node=\"gd\",reason=\"ENVELOPE_UNKNOWN_KEY\"}"
        ),
        1,
        "{after}"
    );
    assert!(
        after.contains("sjdj_alarms{kind=\"FORK\",node=\"gd\"} 1"),
        "{after}"
    );
    assert!(
        after.contains("sjdj_mirror_frozen{node=\"gd\"} 1"),
        "{after}"
    );
    // Operators see overdue work by step on the same endpoint.
    for step in ["acceptance", "review", "publicity"] {
        let line = format!("sjdj_overdue_applications{{step=\"{step}\"}} 0");
        assert!(after.contains(&line), "{after}");
    }
    assert!(
        after.contains("sjdj_mirror_entries{node=\"gd\"} 10"),
        "{after}"
    );
    // The store takes writes; what the alert rules compare is there.
    assert!(after.contains("sjdj_store_ok 1"), "{after}");
    assert!(after.contains("sjdj_log_durable_entries "), "{after}");
    assert!(after.contains("sjdj_writer_ok 1"), "{after}");
    // Where the writer's time went: the pushes above were written, in groups, and flushed.
    let jobs = common::metric(&after, "sjdj_writer_jobs_total");
    let groups = common::metric(&after, "sjdj_writer_groups_total");
    assert!(
        jobs >= groups && groups >= 1,
        "{jobs} jobs in {groups} groups: {after}"
    );
    assert!(
        common::metric(&after, "sjdj_store_flushes_total") >= 1,
        "{after}"
    );
    for series in [
        "sjdj_writer_seconds_total{phase=\"idle\"} ",
        "sjdj_writer_seconds_total{phase=\"run\"} ",
        "sjdj_writer_seconds_total{phase=\"apply\"} ",
        "sjdj_store_flush_seconds_total ",
    ] {
        let seconds = after
            .lines()
            .find_map(|l| l.strip_prefix(series)?.parse::<f64>().ok());
        assert!(seconds.is_some_and(|s| s > 0.0), "{series}: {after}");
    }
    assert!(after.contains("sjdj_kept_checkpoint_entries "), "{after}");
    assert!(after.contains("sjdj_store_free_bytes "), "{after}");
    assert!(
        after.contains(&format!("sjdj_store_min_free_bytes {}", 64 << 20)),
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn after_rotation_only_the_new_key_pushes_and_after_revocation_none_does() {
    let mut p = Fake::new(1);
    p.tokens(10);
    let national = national_with(&p).await;
    push(&national, p.sealed(&p.batch(0, 0, 10), &p.key))
        .await
        .unwrap();
    // The province's key is rotated: the same log goes on under the new key.
    let new_key = SigningKey::from_bytes(&[2; 32]);
    let req = pb::RotateNodeKeyRequest {
        node_id: NODE.into(),
        public_key: hex::encode(new_key.verifying_key().to_bytes()),
    };
    let node = national
        .admin()
        .await
        .rotate_node_key(authed(&national.token("admin"), req))
        .await
        .carried()
        .unwrap();
    let statuses: Vec<i32> = node.keys.iter().map(|k| k.status).collect();
    assert_eq!(
        statuses,
        [pb::KeyStatus::Retired as i32, pb::KeyStatus::Active as i32]
    );
    p.tokens(5);
    let r = push(&national, p.sealed(&p.batch(10, 10, 15), &p.key))
        .await
        .unwrap_err();
    assert_eq!(
        reason(&r),
        "ENVELOPE_UNKNOWN_KEY",
        "the retired key signs nothing new"
    );
    let old = std::mem::replace(&mut p.key, new_key.clone());
    let r = push(&national, p.sealed(&p.batch(10, 10, 15), &p.key))
        .await
        .unwrap();
    assert!(
        !r.receipt.is_empty(),
        "the new key's checkpoint of the same log is taken"
    );
    // A checkpoint still signed by the retired key is refused even in a good envelope.
    p.key = old;
    p.tokens(1);
    let mut b = p.batch(15, 15, 16);
    p.key = new_key;
    let r = push(&national, p.sealed(&b, &p.key)).await.unwrap_err();
    assert_eq!(reason(&r), "SYNC_BAD_CHECKPOINT");
    // Revoked: nothing is taken at all.
    let req = pb::RevokeNodeKeyRequest {
        node_id: NODE.into(),
        reason: "密钥泄露".into(),
    };
    national
        .admin()
        .await
        .revoke_node_key(authed(&national.token("admin"), req))
        .await
        .unwrap();
    b = p.batch(15, 15, 16);
    let r = push(&national, p.sealed(&b, &p.key)).await.unwrap_err();
    assert_eq!(reason(&r), "SYNC_KEY_REVOKED");
    assert_eq!(state(&national).await.held, 15);
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_handover_the_province_cannot_mint_a_serial_the_national_node_used() {
    let national = Node::dev().await;
    national.host(REGION).await.unwrap();
    // The national node registers a Guangdong subject while hosting: serial 1 of 440000.
    let code = national.registered_for("440106").await.code;
    assert_eq!(&code[1..7], REGION);
    let p = Fake::new(1);
    national
        .hand_over(REGION, NODE, &hex::encode(p.key.verifying_key().to_bytes()))
        .await
        .unwrap();
    // The new node's log mints serial 1 of that year again: refused, nothing applied.
    let mut p = p;
    p.registered_in("A1", REGION, code[7..11].parse().unwrap(), 1);
    let r = push(&national, p.sealed(&p.batch(0, 0, 5), &p.key))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "SYNC_SERIAL_REUSED");
    assert_eq!(state(&national).await.held, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bogus_envelope_costs_at_most_one_verification_and_its_sender_is_cut_off() {
    let mut p = Fake::new(1);
    p.tokens(4);
    let national = national_with(&p).await;
    // An envelope near the size limit carrying a thousand forged signatures, all naming the
    // node's key: refused on the count, before any is checked.
    let mut bogus = p.sealed(&p.batch(0, 0, 4), &p.key);
    let env = bogus.envelope.as_mut().unwrap();
    env.payload = vec![0x5a; 15 << 20];
    let keyid = env.signatures[0].keyid.clone();
    env.signatures = (0..1000)
        .map(|_| pb::EnvelopeSignature {
            keyid: keyid.clone(),
            sig: vec![0; 64],
        })
        .collect();
    let cpu = national.cpu_ticks();
    let r = push(&national, bogus.clone()).await.unwrap_err();
    assert_eq!(reason(&r), "ENVELOPE_TOO_MANY_SIGNATURES");
    // One forged signature that names the key: the one verification it is worth.
    env_signatures(&mut bogus, 1);
    for _ in 0..3 {
        let r = push(&national, bogus.clone()).await.unwrap_err();
        assert_eq!(reason(&r), "ENVELOPE_BAD_SIGNATURE");
    }
    // FollowLog takes the same envelope check, off the async threads, refused on the count.
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    let follow = pb::FollowLogRequest {
        node_id: NODE.into(),
        envelope: bogus.envelope.clone().map(|mut e| {
            e.payload_type = sjdj::grpc::federation::follow_log_type();
            e.signatures = vec![e.signatures[0].clone(); 1000];
            e
        }),
    };
    let r = fed.follow_log(follow).await.unwrap_err();
    assert_eq!(reason(&r), "ENVELOPE_TOO_MANY_SIGNATURES");
    // Five 15 MiB envelopes, decoded and refused: well under a second of node CPU (each was
    // once checked against every trusted key, hashing the whole payload each time).
    let spent = national.cpu_ticks() - cpu;
    assert!(
        spent < 100,
        "five bogus 15 MiB envelopes cost {spent} ticks"
    );
    // The address has used its share of refused envelopes (10): from then on it is refused
    // before its body is read.
    let small = {
        let mut b = p.sealed(&p.batch(0, 0, 4), &p.key);
        env_signatures(&mut b, 1);
        b
    };
    let cut_off = eventually(10, "the sender cut off", || async {
        let r = push(&national, small.clone()).await.unwrap_err();
        (reason(&r) == "NODE_REFUSED_TOO_OFTEN").then_some(r)
    })
    .await;
    assert_eq!(cut_off.code(), tonic::Code::ResourceExhausted);
    assert!(
        cut_off.message().contains("federation.refused_per_second"),
        "{}",
        cut_off.message()
    );
    // The genuine node, from its own address, is served all the while.
    let ch = national.channel_from("127.0.0.3").await.unwrap();
    let mut fed = pb::federation_service_client::FederationServiceClient::new(ch);
    let ok = fed
        .push(p.sealed(&p.batch(0, 0, 4), &p.key))
        .await
        .expect("the genuine node pushes")
        .into_inner();
    assert_eq!(ok.held, 4);
}

/// Replaces an envelope's signatures by `n` forged ones that name its key.
fn env_signatures(req: &mut pb::PushRequest, n: usize) {
    let env = req.envelope.as_mut().unwrap();
    let keyid = env.signatures[0].keyid.clone();
    env.signatures = (0..n)
        .map(|_| pb::EnvelopeSignature {
            keyid: keyid.clone(),
            sig: vec![7; 64],
        })
        .collect();
}

/// A province whose `node.region` is not the namespace the national log delegates to it signs
/// under the origin of that other namespace; the national node finds its key there and answers
/// with what to set (FAILED_PRECONDITION / `SYNC_WRONG_REGION`), not an unknown key. A key it
/// does not hold under any namespace stays `ENVELOPE_UNKNOWN_KEY`.
#[tokio::test(flavor = "multi_thread")]
async fn a_push_signed_for_another_region_than_delegated_names_the_region_to_set() {
    let mut p = Fake::new(1);
    p.tokens(3);
    let national = national_with(&p).await;
    let batch = p.batch(0, 3, 3);
    let sealed_under = |region: &str, key: &SigningKey| {
        let origin = checkpoint::origin(region, NODE);
        let keyid = checkpoint::note_key_id(&origin, &key.verifying_key());
        let env =
            sjdj::sync::envelope::seal(&push_batch_type(), batch.encode_to_vec(), &keyid, key);
        pb::PushRequest {
            node_id: NODE.into(),
            envelope: Some(to_wire(env)),
        }
    };
    let r = push(&national, sealed_under("350000", &p.key))
        .await
        .unwrap_err();
    assert_eq!(
        (r.code(), reason(&r).as_str()),
        (tonic::Code::FailedPrecondition, "SYNC_WRONG_REGION"),
        "{r:?}"
    );
    assert!(
        r.message().contains("namespace 350000")
            && r.message().contains("set node.region = \"440000\""),
        "{r:?}"
    );
    let stranger = SigningKey::from_bytes(&[7; 32]);
    let r = push(&national, sealed_under("350000", &stranger))
        .await
        .unwrap_err();
    assert_eq!(reason(&r), "ENVELOPE_UNKNOWN_KEY", "{r:?}");
    assert_eq!(state(&national).await.held, 0, "nothing was applied");
}
