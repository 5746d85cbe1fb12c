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
        "000003",
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
    assert_eq!(moved.into_inner().carried().unwrap().code, hosted.code);
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
