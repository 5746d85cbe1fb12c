//! Two tiers with real processes: a national node and province nodes on loopback. Provinces
//! push their logs in signed batches; the national book serves every province's records and
//! certificates, confirmed and cosigned.
mod common;

use common::{authed, eventually, metric, scrape, sync_state, CarriedAnswer, Carries, Node, Spec};
use sjdj::grpc::pb;

async fn record(node: &Node, code: &str) -> Result<pb::Record, tonic::Status> {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    reg.get_record(pb::GetRecordRequest { code: code.into() })
        .await
        .carried()
}

async fn certificate(node: &Node, code: &str) -> pb::Certificate {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    let req = pb::GetCertificateRequest {
        key: Some(pb::get_certificate_request::Key::Code(code.into())),
        version: 0,
    };
    reg.get_certificate(req)
        .await
        .carried()
        .expect("certificate")
}

async fn verify(node: &Node, signed: Vec<u8>) -> pb::VerifyCertificateResponse {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    let req = pb::VerifyCertificateRequest {
        certificate: Some(pb::verify_certificate_request::Certificate::Signed(signed)),
    };
    reg.verify_certificate(req)
        .await
        .expect("verify")
        .into_inner()
}

/// Waits for a code to reach the national book.
async fn in_national_book(national: &Node, code: &str) -> pb::Record {
    eventually(20, &format!("{code} in the national book"), || async {
        record(national, code).await.ok()
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_in_three_provinces_reach_the_national_book_confirmed() {
    let national = Node::dev().await;
    let gd = Node::federated("gd", "440000", &national).await;
    let fj = Node::federated("fj", "350000", &national).await;
    let bj = Node::federated("bj", "110000", &national).await;
    // By default the national node makes its store with compressed pages, a province not.
    // (sled's `conf` ends in a binary checksum.)
    let made = |n: &Node| {
        let conf = std::fs::read(n.data_dir().join("store/conf")).unwrap_or_default();
        String::from_utf8_lossy(&conf).into_owned()
    };
    let compressed = |n: &Node| made(n).contains("use_compression: true");
    assert!(compressed(&national), "{:?}", made(&national));
    assert!(
        made(&gd).contains("use_compression: false"),
        "{:?}",
        made(&gd)
    );
    let mut codes = Vec::new();
    for (p, region, subject) in [
        (&gd, "440000", "440100"),
        (&fj, "350000", "350200"),
        (&bj, "110000", "110105"),
    ] {
        let app = p.registered_for(subject).await;
        assert_eq!(
            &app.code[1..7],
            region,
            "minted in the province's own namespace"
        );
        codes.push((p, app.code));
    }
    // One more in publicity in Fujian: the national publicity notices list it too.
    let in_publicity = fj.in_publicity().await;
    for (p, code) in &codes {
        let r = in_national_book(&national, code).await;
        assert_eq!(r.issuer_node, record(p, code).await.unwrap().issuer_node);
        national_history_names_the_province_entries(p, &r, &record(p, code).await.unwrap()).await;
        // The national node verifies the province's certificate with the key from its trust
        // list and shows its confirmation; so does the province, once it has the receipt.
        let cert = certificate(&national, code).await;
        assert!(cert.nationally_confirmed);
        let v = verify(&national, cert.signed.clone()).await;
        assert!(v.valid, "{} {}", v.reason, v.message);
        assert!(
            v.message.contains("confirmed by the national node"),
            "{}",
            v.message
        );
        let confirmed = eventually(20, "the province's receipt", || async {
            let c = certificate(p, code).await;
            c.nationally_confirmed.then_some(c)
        })
        .await;
        let (province_key, national_key) = (
            ed25519_dalek::VerifyingKey::from_bytes(
                &confirmed.issuer_public_key.clone().try_into().unwrap(),
            )
            .unwrap(),
            ed25519_dalek::VerifyingKey::from_bytes(
                &hex::decode(national.public_key_hex())
                    .unwrap()
                    .try_into()
                    .unwrap(),
            )
            .unwrap(),
        );
        let origin = format!("sjdj/{}/{}", &code[1..7], r.issuer_node);
        let receipt = sjdj::log::checkpoint::verify_cosigned(
            &confirmed.national_receipt,
            &province_key,
            &origin,
            &national_key,
            "sjdj/100000/dev-national",
        )
        .expect("the receipt carries both signatures");
        assert!(receipt.size > confirmed.log_index);
        // Offline: the entry is in the cosigned tree, and it pins this very certificate — as
        // the province shows it and as the national book shows it.
        for c in [&confirmed, &cert] {
            let proof: Vec<sjdj::log::Hash> = c
                .confirmation_proof
                .iter()
                .map(|h| sjdj::log::Hash(h.clone().try_into().unwrap()))
                .collect();
            let cp =
                sjdj::log::checkpoint::verify(&c.national_receipt, &province_key, Some(&origin))
                    .unwrap();
            sjdj::log::tree::verify_inclusion(
                &proof,
                cp.size,
                sjdj::log::Hash(cp.root),
                c.log_index,
                sjdj::log::tree::leaf_hash(&c.confirmation_entry),
            )
            .expect("the entry is in the cosigned tree");
            let entry = sjdj::log::entry::Record::decode(&c.confirmation_entry).unwrap();
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&c.signed));
            assert!(
                matches!(entry.flow(), Some((_, sjdj::domain::flow::EventKind::CertificateIssued { certificate_sha256, .. })) if certificate_sha256 == sha),
                "the entry pins the certificate"
            );
        }
    }
    // Keyword search on the national node finds all three provinces' records.
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
    let found = reg
        .search_records(pb::SearchRecordsRequest {
            query: common::example_materials().resource.unwrap().name,
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut issuers: Vec<String> = found
        .records
        .iter()
        .map(|r| r.issuer_node.clone())
        .collect();
    issuers.sort();
    assert_eq!(issuers, ["bj", "fj", "gd"]);
    let notices = eventually(20, "the publicity notice in the national book", || async {
        let mut reg =
            pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
        let n = reg
            .list_publicity_notices(pb::ListPublicityNoticesRequest::default())
            .await
            .unwrap()
            .into_inner();
        (!n.notices.is_empty()).then_some(n)
    })
    .await;
    let ids: Vec<String> = notices
        .notices
        .iter()
        .map(|n| n.application_id.clone())
        .collect();
    assert_eq!(ids, [format!("fj/{}", in_publicity.id)]);
    // The trust list names the three provinces and their namespaces.
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    let list = fed
        .get_trust_list(pb::GetTrustListRequest {})
        .await
        .unwrap()
        .into_inner();
    let regions: Vec<(String, String)> = list
        .nodes
        .iter()
        .map(|n| (n.node_id.clone(), n.region.clone()))
        .collect();
    assert_eq!(
        regions,
        [
            ("bj".to_string(), "110000".to_string()),
            ("fj".into(), "350000".into()),
            ("gd".into(), "440000".into())
        ]
    );
    per_province_views(&national, &fj).await;
}

/// The national copy of a record's history is the province's, step for step, each step naming
/// its entry in the province's log: the province proves it included in its checkpoint.
async fn national_history_names_the_province_entries(
    p: &Node,
    national: &pb::Record,
    own: &pb::Record,
) {
    let steps = |r: &pb::Record| -> Vec<(i32, u64)> {
        r.history.iter().map(|d| (d.step, d.log_index)).collect()
    };
    assert!(national.history.len() >= 5, "{:?}", national.history);
    assert_eq!(
        steps(national),
        steps(own),
        "the same steps at the same entries"
    );
    let origin = format!("sjdj/{}/{}", &own.code[1..7], own.issuer_node);
    let mut log =
        pb::transparency_service_client::TransparencyServiceClient::new(p.channel().await);
    let cp = log
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .unwrap()
        .into_inner();
    for d in &national.history {
        assert_eq!(
            d.log_origin, origin,
            "a province step is in the province's log"
        );
        let proof = log
            .get_inclusion_proof(pb::GetInclusionProofRequest {
                index: d.log_index,
                tree_size: cp.size,
            })
            .await
            .unwrap()
            .into_inner();
        let entry = log
            .list_entries(pb::ListEntriesRequest {
                start: d.log_index,
                end: d.log_index + 1,
            })
            .await
            .unwrap()
            .into_inner()
            .entries
            .remove(0);
        let hashes: Vec<sjdj::log::Hash> = proof
            .hashes
            .iter()
            .map(|h| sjdj::log::Hash(h.clone().try_into().unwrap()))
            .collect();
        sjdj::log::tree::verify_inclusion(
            &hashes,
            cp.size,
            sjdj::log::Hash(cp.root_hash.clone().try_into().unwrap()),
            d.log_index,
            sjdj::log::tree::leaf_hash(&entry.data),
        )
        .expect("the step's entry is in the province's tree");
        let e = sjdj::log::entry::Record::decode(&entry.data).unwrap();
        let (app, _) = e.flow().expect("a flow step");
        assert!(
            own.versions.iter().any(|v| v.application_id == app),
            "entry {} is a step of the record's application",
            d.log_index
        );
    }
}

/// Statistics of one province, and the list of provinces with their confirmed checkpoints.
async fn per_province_views(national: &Node, fj: &Node) {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
    let all = reg
        .get_statistics(pb::GetStatisticsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.records, 3);
    let one = reg
        .get_statistics(pb::GetStatisticsRequest {
            province: "350200".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.records, 1, "{one:?}");
    assert_eq!(one.by_region.len(), 1);
    assert_eq!(one.by_region[0].key, "350000");
    let bad = reg
        .get_statistics(pb::GetStatisticsRequest {
            province: "35".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    assert_eq!(common::reason(&bad), "REGION_FORMAT", "{bad:?}");
    let fj_log = {
        let mut log =
            pb::transparency_service_client::TransparencyServiceClient::new(fj.channel().await);
        log.get_checkpoint(pb::GetCheckpointRequest {})
            .await
            .unwrap()
            .into_inner()
    };
    // Every province's last checkpoint confirmed, nothing of it still to come.
    let list = eventually(20, "every province's last checkpoint confirmed", || async {
        let mut reg =
            pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
        let list = reg
            .list_provinces(pb::ListProvincesRequest {})
            .await
            .unwrap()
            .into_inner();
        let fj = list.provinces.iter().find(|p| p.node_id == "fj")?;
        (fj.confirmed_size == fj_log.size).then_some(list)
    })
    .await;
    let rows: Vec<(&str, &str, u64)> = list
        .provinces
        .iter()
        .map(|p| (p.region.as_str(), p.node_id.as_str(), p.records))
        .collect();
    assert_eq!(
        rows,
        [
            ("110000", "bj", 1),
            ("350000", "fj", 1),
            ("440000", "gd", 1)
        ]
    );
    for p in &list.provinces {
        assert!(p.confirmed_size > 0 && p.held == p.confirmed_size, "{p:?}");
        assert_eq!(p.entries_behind, 0);
        assert!(!p.frozen);
        let signed = p
            .confirmed_checkpoint_time
            .as_ref()
            .expect("a time")
            .seconds;
        let now = list.as_of.as_ref().unwrap().seconds;
        // The provinces' clocks were moved on past publicity and the national one was not:
        // a checkpoint from the node's future is 0 s behind.
        assert_eq!(p.seconds_behind, (now - signed).max(0));
    }
    // A province node keeps no book of provinces.
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(fj.channel().await);
    let refused = reg
        .list_provinces(pb::ListProvincesRequest {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert_eq!(common::reason(&refused), "NOT_NATIONAL");
}

#[tokio::test(flavor = "multi_thread")]
async fn provinces_keep_working_while_the_national_node_is_down_and_catch_up() {
    let mut national = Node::dev().await;
    let gd = Node::federated("gd", "440000", &national).await;
    let first = gd.registered().await;
    in_national_book(&national, &first.code).await;
    national.stop().await;
    // The whole flow and minting go on without the national node.
    let mut offline = Vec::new();
    for _ in 0..3 {
        offline.push(gd.registered().await.code);
    }
    national.restart_same_port().await;
    for code in &offline {
        in_national_book(&national, code).await;
    }
    let ch = national.channel().await;
    let state = eventually(20, "the national node to hold the whole log", || async {
        let mut fed = pb::federation_service_client::FederationServiceClient::new(ch.clone());
        let s = fed
            .get_sync_state(pb::GetSyncStateRequest {
                node_id: "gd".into(),
            })
            .await
            .unwrap()
            .into_inner();
        (s.held == s.accepted_size && s.held > 0).then_some(s)
    })
    .await;
    assert!(!state.frozen);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_national_admin_keeps_the_trust_list_and_bad_delegations_are_refused() {
    let national = Node::dev().await;
    let key = hex::encode([7u8; 32]);
    let r = national.delegate("gd", "440100", &key).await.unwrap_err();
    assert_eq!(common::reason(&r), "BAD_REGION");
    let r = national.delegate("gd", "440000", "abc").await.unwrap_err();
    assert_eq!(common::reason(&r), "BAD_KEY");
    let own = national.public_key_hex();
    let r = national.delegate("gd", "440000", &own).await.unwrap_err();
    assert_eq!(common::reason(&r), "KEY_REUSED");
    let ok_key = hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&[3; 32])
            .verifying_key()
            .to_bytes(),
    );
    national.delegate("gd", "440000", &ok_key).await.unwrap();
    let other = hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&[4; 32])
            .verifying_key()
            .to_bytes(),
    );
    let r = national
        .delegate("gd2", "440000", &other)
        .await
        .unwrap_err();
    assert_eq!(common::reason(&r), "REGION_DELEGATED");
    // A clerk may not touch the trust list.
    let mut admin = pb::admin_service_client::AdminServiceClient::new(national.channel().await);
    let req = pb::RevokeNodeKeyRequest {
        node_id: "gd".into(),
        reason: "x".into(),
    };
    let r = admin
        .revoke_node_key(authed(&national.token("clerk"), req))
        .await
        .unwrap_err();
    assert_eq!(common::reason(&r), "WRONG_ROLE");
}

/// Issues `n` tokens on a node: `n` log entries, quickly.
async fn tokens(node: &Node, n: usize) {
    let mut admin = pb::admin_service_client::AdminServiceClient::new(node.channel().await);
    for i in 0..n {
        let req = pb::CreateTokenRequest {
            request_id: common::rid(),
            role: pb::Role::Clerk as i32,
            holder: format!("clerk {i}"),
            ..Default::default()
        };
        admin
            .create_token(authed(&node.token("admin"), req))
            .await
            .expect("token");
    }
}

/// Waits until the national node holds a strict part of what the province has to send.
async fn mid_sync(national: &Node, node_id: &str) -> pb::GetSyncStateResponse {
    eventually(30, "a sync in the middle", || async {
        let s = sync_state(national, node_id).await;
        (s.held > 0 && s.held < s.accepted_size).then_some(s)
    })
    .await
}

/// Waits until the national node holds the province's whole published log.
async fn caught_up(national: &Node, province: &Node, node_id: &str) -> pb::GetSyncStateResponse {
    let size = {
        let mut t = pb::transparency_service_client::TransparencyServiceClient::new(
            province.channel().await,
        );
        let cp = eventually(20, "the province's checkpoint", || {
            let mut t = t.clone();
            async move {
                t.get_checkpoint(pb::GetCheckpointRequest {})
                    .await
                    .ok()
                    .map(|c| c.into_inner())
            }
        })
        .await;
        t.get_checkpoint(pb::GetCheckpointRequest {}).await.ok();
        cp.size
    };
    eventually(60, "the national node to catch up", || async {
        let s = sync_state(national, node_id).await;
        (s.held >= size && s.held == s.accepted_size).then_some(s)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_the_national_node_or_the_province_mid_sync_loses_and_duplicates_nothing() {
    let mut national = Node::dev().await;
    // Small batches, so a push of the backlog takes hundreds of them: long enough to be caught
    // in the middle by a 50 ms poll even with four batches in flight.
    let mut gd = Node::federated_batches("gd", "440000", &national, 4).await;
    // A backlog while the national node is away: codes and thousands of entries.
    national.stop().await;
    let mut codes = vec![gd.registered().await.code];
    tokens(&gd, 1500).await;
    codes.push(gd.registered().await.code);
    tokens(&gd, 1500).await;
    national.restart_same_port().await;
    mid_sync(&national, "gd").await;
    national.kill9();
    national.restart_same_port().await;
    // Reads may have shown batches applied but not yet flushed; whatever survived is a prefix
    // the province resumes from.
    let after = sync_state(&national, "gd").await;
    assert!(after.held <= after.accepted_size);
    // And the province, killed in the middle of its next push (a backlog again, so the push
    // takes many batches).
    caught_up(&national, &gd, "gd").await;
    national.stop().await;
    tokens(&gd, 3000).await;
    national.restart_same_port().await;
    mid_sync(&national, "gd").await;
    gd.kill9();
    gd.restart().await;
    codes.push(gd.registered().await.code);
    let done = caught_up(&national, &gd, "gd").await;
    assert!(!done.frozen);
    for code in &codes {
        let r = in_national_book(&national, code).await;
        assert_eq!(r.issuer_node, "gd");
    }
    // Every code once: the national book holds exactly the province's records.
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
    let all = reg
        .search_records(pb::SearchRecordsRequest {
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut listed: Vec<String> = all.records.iter().map(|r| r.code.clone()).collect();
    listed.sort();
    let mut want = codes.clone();
    want.sort();
    assert_eq!(listed, want);
    national.stop().await;
    // The national audit rebuilds the mirror of gd's log from its entry bundles.
    let (code, out) = common::audit(national.data_dir());
    assert_eq!(code, 0, "{out}");
    let mirrored: u64 = out
        .split("mirror of gd: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no mirror in {out}"));
    assert!(mirrored >= done.held, "{out}");
}

/// A node's own copy of the national trust list (FederationService.GetTrustList on that node).
async fn trust_list(node: &Node) -> Vec<pb::TrustedNode> {
    let mut fed = pb::federation_service_client::FederationServiceClient::new(node.channel().await);
    fed.get_trust_list(pb::GetTrustListRequest {})
        .await
        .unwrap()
        .into_inner()
        .nodes
}

fn key_status(list: &[pb::TrustedNode], node_id: &str) -> Option<String> {
    let n = list.iter().find(|n| n.node_id == node_id)?;
    let status = pb::KeyStatus::try_from(n.keys.last()?.status).ok()?;
    Some(
        status
            .as_str_name()
            .trim_start_matches("KEY_STATUS_")
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn provinces_follow_the_national_trust_list_and_apply_what_concerns_them() {
    let (national, metrics) = Node::national_with_metrics().await;
    let gd = Node::federated("gd", "440000", &national).await;
    let fj = Node::federated("fj", "350000", &national).await;
    // gd started before fj was delegated; it learns of fj from the national log.
    eventually(20, "gd to learn of fj", || async {
        (key_status(&trust_list(&gd).await, "fj").as_deref() == Some("ACTIVE")).then_some(())
    })
    .await;
    // The national admin revokes fj's key: both provinces apply it.
    let mut admin = pb::admin_service_client::AdminServiceClient::new(national.channel().await);
    let req = pb::RevokeNodeKeyRequest {
        node_id: "fj".into(),
        reason: "密钥泄露".into(),
    };
    admin
        .revoke_node_key(authed(&national.token("admin"), req))
        .await
        .unwrap();
    for p in [&gd, &fj] {
        eventually(20, "the revocation to reach the province", || async {
            (key_status(&trust_list(p).await, "fj").as_deref() == Some("REVOKED")).then_some(())
        })
        .await;
    }
    // fj no longer pushes: the national node refuses a revoked key (SYNC_KEY_REVOKED, counted
    // in /metrics), and fj stops sending. gd pushes on the same interval: two of its
    // registrations reaching the national book after fj's show that fj had its turns to push.
    let revoked = "sjdj_federation_refused_envelopes{node=\"fj\",reason=\"SYNC_KEY_REVOKED\"}";
    let refused_before = metric(&scrape(&metrics), revoked);
    let before = sync_state(&national, "fj").await;
    let app = fj.registered().await;
    for _ in 0..2 {
        let later = gd.registered().await;
        eventually(20, "gd's registration in the national book", || async {
            record(&national, &later.code).await.ok()
        })
        .await;
    }
    assert_eq!(
        metric(&scrape(&metrics), revoked),
        refused_before,
        "fj pushed under its revoked key"
    );
    assert_eq!(
        sync_state(&national, "fj").await.held,
        before.held,
        "nothing more is taken from a revoked node"
    );
    assert!(record(&national, &app.code).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_national_node_pulls_from_a_province_that_cannot_push() {
    // A Guangdong node with no link to the national node (it never pushes).
    let gd = Node::province_dev("gd", "440000").await;
    let app = gd.registered().await;
    // The national node pulls from it.
    let mut pull = toml::Table::new();
    pull.insert("node_id".into(), "gd".into());
    pull.insert("url".into(), gd.url().into());
    let national = Spec::national()
        .set("clock.control", true)
        .set("federation.push_interval_ms", 100)
        .push("federation.pull", pull)
        .start()
        .await;
    national
        .delegate("gd", "440000", &gd.public_key_hex())
        .await
        .unwrap();
    let record = eventually(20, "the pulled record in the national book", || async {
        let mut reg =
            pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
        reg.get_record(pb::GetRecordRequest {
            code: app.code.clone(),
        })
        .await
        .ok()
    })
    .await
    .into_inner()
    .carried()
    .unwrap();
    assert_eq!(record.issuer_node, "gd");
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
    let cert = reg
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::Code(app.code.clone())),
            version: 0,
        })
        .await
        .carried()
        .unwrap();
    assert!(cert.nationally_confirmed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_province_rotates_its_key_in_place_and_its_old_certificates_still_verify() {
    let national = Node::dev().await;
    let mut gd = Node::federated("gd", "440000", &national).await;
    let before = gd.registered().await;
    in_national_book(&national, &before.code).await;
    // The operator makes a new key; the national admin rotates gd to it.
    let new_key = sjdj::node::keyfile::generate(&gd.dir.path().join("node.key.new")).unwrap();
    let mut admin = pb::admin_service_client::AdminServiceClient::new(national.channel().await);
    let req = pb::RotateNodeKeyRequest {
        node_id: "gd".into(),
        public_key: hex::encode(new_key.verifying_key().to_bytes()),
    };
    admin
        .rotate_node_key(authed(&national.token("admin"), req))
        .await
        .unwrap();
    // gd learns of it from the national log (its own key is now retired there).
    eventually(20, "gd to see its key retired", || async {
        let list = trust_list(&gd).await;
        let gd_keys = &list.iter().find(|n| n.node_id == "gd")?.keys;
        (gd_keys.len() == 2).then_some(())
    })
    .await;
    // It restarts with the new key file: its last checkpoint, signed by the old key, is
    // accepted because the trust list retired that key.
    gd.stop().await;
    let dir = gd.dir.path().to_path_buf();
    std::fs::rename(dir.join("node.key.new"), dir.join("node.key")).unwrap();
    std::fs::rename(dir.join("node.key.new.pub"), dir.join("node.key.pub")).unwrap();
    // The offline audit also takes the old key's checkpoint, through the retired key.
    let (code, out) = common::audit(gd.data_dir());
    assert_eq!(code, 0, "{out}");
    gd.restart().await;
    let after = gd.registered().await;
    in_national_book(&national, &after.code).await;
    // Certificates from both keys verify on gd and in the national book.
    for node in [&gd, &national] {
        for code in [&before.code, &after.code] {
            let cert = certificate(node, code).await;
            let v = verify(node, cert.signed).await;
            assert!(
                v.valid,
                "{code} on {}: {} {}",
                node.addr, v.reason, v.message
            );
        }
    }
    gd.stop().await;
    let (code, out) = common::audit(gd.data_dir());
    assert_eq!(code, 0, "{out}");
}
