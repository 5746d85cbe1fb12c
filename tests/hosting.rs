//! Hosting and handover: the national node registers for a province that has no node yet, in
//! that province's namespace; a signed handover moves the namespace, its last serial and its
//! records to the province's new node; no code is minted twice across it.
mod common;

use common::{eventually, CarriedAnswer, Carries, Node};
use sjdj::grpc::pb;

#[tokio::test(flavor = "multi_thread")]
async fn the_national_node_hosts_a_province_then_hands_it_over_and_no_code_is_minted_twice() {
    let national = Node::dev().await;
    national.host("520000").await.unwrap();
    // Hosting twice, or a delegation of the hosted region, is refused.
    let r = national.host("520000").await.unwrap_err();
    assert_eq!(common::reason(&r), "ALREADY_HOSTED");
    let stray = hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&[5; 32])
            .verifying_key()
            .to_bytes(),
    );
    let r = national.delegate("gz", "520000", &stray).await.unwrap_err();
    assert_eq!(common::reason(&r), "REGION_HOSTED");

    // While hosted: a Guizhou subject's code is minted in 520000, a Beijing one's in 100000.
    let hosted = national.registered_for("520102").await;
    assert_eq!(&hosted.code[1..7], "520000", "{}", hosted.code);
    assert_eq!(&hosted.code[11..17], "000001");
    let central = national.registered_for("110101").await;
    assert_eq!(&central.code[1..7], "100000");
    // One revoked while hosted: it reaches gz revoked, not valid.
    let ended = national.registered_for("520102").await;
    let mut review = pb::review_service_client::ReviewServiceClient::new(national.channel().await);
    let revoke = pb::RevokeRecordRequest {
        request_id: common::rid(),
        code: ended.code.clone(),
        reason: "以欺骗手段登记".into(),
    };
    review
        .revoke_record(common::authed(&national.token("registrar"), revoke))
        .await
        .carried()
        .expect("revoke");

    // Guizhou's new node starts before the handover: it runs the flow but mints nothing yet.
    let gz = Node::federated_undelegated("gz", "520000", &national).await;
    let waiting = gz.in_publicity().await;
    gz.advance_days(40).await;
    let flow = gz.flow().await;
    assert_eq!(
        flow.get(&waiting.id).await.code,
        "",
        "no code before the delegation"
    );

    let open = national.flow().await;
    let mut m = open.materials().await;
    m.subject.as_mut().expect("subject").region = "520103".into();
    let pending = open.create(m).await.expect("create");
    let pending = open.submit(&pending).await.expect("submit");
    let r = national
        .hand_over("520000", "gz", &gz.public_key_hex())
        .await
        .unwrap_err();
    assert_eq!(common::reason(&r), "REGION_HAS_OPEN_APPLICATIONS");
    assert!(r.message().contains(&pending.id), "{}", r.message());
    national.to_publicity(&pending.id).await;
    national.advance_days(40).await;
    let pending = open.get(&pending.id).await;
    assert_eq!(&pending.code[1..7], "520000", "minted while hosted");

    let node = national
        .hand_over("520000", "gz", &gz.public_key_hex())
        .await
        .unwrap();
    assert_eq!(node.region, "520000");
    // A second handover of the same region is refused: it is no longer hosted.
    let r = national
        .hand_over("520000", "gz2", &stray)
        .await
        .unwrap_err();
    assert_eq!(common::reason(&r), "REGION_NOT_HOSTED");

    // gz learns of its delegation from the national log and mints after the hosted serial.
    let registered = eventually(20, "gz to mint after the handover", || async {
        let a = flow.get(&waiting.id).await;
        (!a.code.is_empty()).then_some(a)
    })
    .await;
    assert_eq!(&registered.code[1..7], "520000");
    assert_eq!(
        &registered.code[11..17],
        "000004",
        "the serial after the hosted ones"
    );
    // The records registered while hosted moved to gz: it serves and verifies them (the
    // certificate is the national node's, checked with the root key from gz's config).
    let moved = eventually(20, "the hosted record on gz", || async {
        let mut reg = pb::registry_service_client::RegistryServiceClient::new(gz.channel().await);
        reg.get_record(pb::GetRecordRequest {
            code: hosted.code.clone(),
        })
        .await
        .ok()
    })
    .await;
    let moved = moved.into_inner().carried().unwrap();
    assert_eq!(moved.code, hosted.code);
    // With its application's public facts and steps, from the national log gz follows: the
    // national node's history, each step at its entry in the national log.
    let at_home = record(&national, &hosted.code).await.unwrap();
    let steps = |r: &pb::Record| -> Vec<(i32, u64)> {
        r.history.iter().map(|d| (d.step, d.log_index)).collect()
    };
    assert!(moved.history.len() >= 5, "{:?}", moved.history);
    assert_eq!(steps(&moved), steps(&at_home));
    assert!(moved
        .history
        .iter()
        .all(|d| d.log_origin == "sjdj/100000/dev-national"));
    assert_eq!(
        (&moved.industry, moved.access_mode, &moved.region),
        (&at_home.industry, at_home.access_mode, &at_home.region)
    );
    assert!(!moved.industry.is_empty());
    let revoked = eventually(20, "the revoked hosted record on gz", || async {
        record(&gz, &ended.code).await
    })
    .await;
    assert_eq!(revoked.status, pb::RecordStatus::Revoked as i32);
    assert_eq!(revoked.end_reason, "以欺骗手段登记");
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(gz.channel().await);
    let cert = reg
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::Code(hosted.code.clone())),
            version: 0,
        })
        .await
        .carried()
        .unwrap();
    let v = reg
        .verify_certificate(pb::VerifyCertificateRequest {
            certificate: Some(pb::verify_certificate_request::Certificate::Signed(
                cert.signed,
            )),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(v.valid, "{} {}", v.reason, v.message);
    handed_over_certificate_is_confirmed_by_the_national_log(&national, &gz, &hosted.code).await;
    // The central code stayed with the national node.
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(gz.channel().await);
    assert!(reg
        .get_record(pb::GetRecordRequest {
            code: central.code.clone()
        })
        .await
        .is_err());
    // The national node no longer registers Guizhou subjects: gz does. A central one it does.
    let flow = national.flow().await;
    let mut m = flow.materials().await;
    m.subject.as_mut().expect("subject").region = "520102".into();
    let r = flow.create(m).await.unwrap_err();
    assert_eq!(common::reason(&r), "SUBJECT_REGION_DELEGATED");
    assert!(r.message().contains("gz"), "{}", r.message());
    let after = national.registered_for("110101").await;
    assert_eq!(&after.code[1..7], "100000");
    // It takes gz's code into its book.
    eventually(20, "gz's record in the national book", || async {
        record(&national, &registered.code).await
    })
    .await;

    // gz issues version 2 of a handed-over code: the national book names gz as its issuer.
    let gzf = gz.flow().await;
    let mut m = gzf.materials().await;
    m.subject.as_mut().expect("subject").region = "520102".into();
    let change = gzf
        .create_on(pb::RegistrationType::Change, &hosted.code, m)
        .await
        .expect("a change on gz");
    let change = gzf.submit(&change).await.expect("submit");
    gz.to_publicity(&change.id).await;
    gz.advance_days(40).await;
    let v2 = eventually(20, "version 2 in the national book", || async {
        record(&national, &hosted.code)
            .await
            .filter(|r| r.current_version == 2)
    })
    .await;
    assert_eq!(v2.issuer_node, "gz");
    assert_eq!(record(&gz, &hosted.code).await.unwrap().issuer_node, "gz");

    // The audit of a node from a config, by its directory: the log its store holds is gz's.
    let mut gz = gz;
    gz.stop().await;
    let (code, out) = common::audit(gz.dir.path());
    assert_eq!(code, 0, "{out}");
    // A directory without gz's config is a `--dev` one: the store's log is named, not audited
    // as if it were damaged.
    let bare = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(gz.dir.path().join("store"), bare.path().join("store")).unwrap();
    let (code, out) = common::audit(bare.path());
    assert_ne!(code, 0);
    assert!(
        out.contains("holds the log sjdj/520000/gz") && out.contains("--config"),
        "{out}"
    );
}

async fn record(node: &Node, code: &str) -> Option<pb::Record> {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    reg.get_record(pb::GetRecordRequest { code: code.into() })
        .await
        .ok()?
        .into_inner()
        .record
}

/// On the province, a certificate the national node handed over is confirmed by the national
/// log the province follows (its entry is there, not in the province's own log): the same
/// confirmation the national node gives, and `sjdj cert proof` from the province verifies
/// offline with the national key.
async fn handed_over_certificate_is_confirmed_by_the_national_log(
    national: &Node,
    gz: &Node,
    code: &str,
) {
    let on_gz = eventually(
        20,
        "the handed-over certificate confirmed on gz",
        || async {
            let c = certificate(gz, code).await;
            c.nationally_confirmed.then_some(c)
        },
    )
    .await;
    let on_national = certificate(national, code).await;
    assert!(on_national.nationally_confirmed);
    assert_eq!(on_gz.log_index, on_national.log_index);
    assert_eq!(on_gz.confirmation_entry, on_national.confirmation_entry);
    let key = ed25519_dalek::VerifyingKey::from_bytes(
        &hex::decode(national.public_key_hex())
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .unwrap();
    let cp = sjdj::log::checkpoint::verify(&on_gz.national_receipt, &key, None)
        .expect("the receipt is a national checkpoint");
    let proof: Vec<sjdj::log::Hash> = on_gz
        .confirmation_proof
        .iter()
        .map(|h| sjdj::log::Hash(h.clone().try_into().unwrap()))
        .collect();
    sjdj::log::tree::verify_inclusion(
        &proof,
        cp.size,
        sjdj::log::Hash(cp.root),
        on_gz.log_index,
        sjdj::log::tree::leaf_hash(&on_gz.confirmation_entry),
    )
    .expect("the entry is in the national tree");
    let entry = sjdj::log::entry::Record::decode(&on_gz.confirmation_entry).unwrap();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&on_gz.signed));
    assert!(
        matches!(entry.flow(), Some((_, sjdj::domain::flow::EventKind::CertificateIssued { certificate_sha256, .. })) if certificate_sha256 == sha),
        "the entry pins the certificate"
    );
    // The proof file from gz, checked offline with the national key alone.
    let dir = tempfile::tempdir().unwrap();
    let (cert, file) = (dir.path().join("cert.txt"), dir.path().join("proof.json"));
    let (cert, file) = (cert.to_str().unwrap(), file.to_str().unwrap());
    let addr = ["--addr", gz.addr.as_str()];
    let (ok, _, err) = common::sjdj(&[&["cert", "get", code, "--out", cert][..], &addr].concat());
    assert!(ok, "{err}");
    let (ok, out, err) =
        common::sjdj(&[&["cert", "proof", code, "--out", file][..], &addr].concat());
    assert!(ok, "{err}");
    assert!(out.contains("in dev-national's log"), "{out}");
    let national_key = national.public_key_hex();
    let (ok, out, err) = common::sjdj(&[
        "cert",
        "verify",
        cert,
        "--key",
        &national_key,
        "--proof",
        file,
    ]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("INCLUDED in log sjdj/100000/dev-national"),
        "{out}"
    );
}

async fn certificate(node: &Node, code: &str) -> pb::Certificate {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    reg.get_certificate(pb::GetCertificateRequest {
        key: Some(pb::get_certificate_request::Key::Code(code.into())),
        version: 0,
    })
    .await
    .carried()
    .unwrap()
}
