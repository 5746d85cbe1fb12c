//! A code's life across the two tiers, with real processes: a province changes a registered code,
//! its institution corrects it and revokes another, and the code is later deregistered; each new
//! version, and each end, reaches the national book, which checks they arrive in order.
mod common;

use common::{eventually, reason, CarriedAnswer, Node};
use sjdj::grpc::pb;

async fn record(node: &Node, code: &str) -> Option<pb::Record> {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    reg.get_record(pb::GetRecordRequest { code: code.into() })
        .await
        .carried()
        .ok()
}

async fn certificate(node: &Node, code: &str, version: u32) -> pb::Certificate {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    let req = pb::GetCertificateRequest {
        key: Some(pb::get_certificate_request::Key::Code(code.into())),
        version,
    };
    reg.get_certificate(req)
        .await
        .carried()
        .expect("certificate")
}

/// Runs a `t` application on `code` at the province until it completes.
async fn complete(p: &Node, t: pb::RegistrationType, code: &str, data_name: &str) -> String {
    let flow = p.flow().await;
    let mut m = flow.materials().await;
    m.resource.as_mut().unwrap().name = data_name.into();
    let app = flow.create_on(t, code, m).await.expect("create");
    assert_eq!(app.target_code, code);
    let app = flow.submit(&app).await.expect("submit");
    p.to_publicity(&app.id).await;
    p.advance_days(40).await;
    let done = flow.get(&app.id).await;
    assert_eq!(done.state, pb::ApplicationState::Registered as i32);
    app.id
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_corrections_revocations_and_deregistrations_reach_the_national_book_in_order() {
    let national = Node::dev().await;
    let gd = Node::federated("gd", "440000", &national).await;
    let code = gd.registered().await.code;

    // One application at a time per code, over the wire too.
    let flow = gd.flow().await;
    let open = flow
        .create_on(pb::RegistrationType::Change, &code, flow.materials().await)
        .await
        .expect("a change");
    let busy = flow
        .create_on(
            pb::RegistrationType::Deregistration,
            &code,
            flow.materials().await,
        )
        .await
        .unwrap_err();
    assert_eq!(reason(&busy), "CODE_BUSY");
    withdraw(&gd, &open.id).await;

    complete(
        &gd,
        pb::RegistrationType::Change,
        &code,
        "企业登记信息（第二版）",
    )
    .await;
    let v2 = eventually(30, "version 2 in the national book", || async {
        record(&national, &code)
            .await
            .filter(|r| r.current_version == 2)
    })
    .await;
    assert_eq!(v2.data_name, "企业登记信息（第二版）");
    assert_eq!(v2.versions.len(), 2);
    let cert = eventually(30, "version 2 confirmed", || async {
        let c = certificate(&gd, &code, 2).await;
        c.nationally_confirmed.then_some(c)
    })
    .await;
    assert_eq!(cert.version, 2);
    assert_eq!(cert.registration_type, pb::RegistrationType::Change as i32);

    // The institution corrects the record itself: version 3, pinned by its own log entry.
    let mut review = pb::review_service_client::ReviewServiceClient::new(gd.channel().await);
    let fix = pb::CorrectRecordRequest {
        request_id: common::rid(),
        code: code.clone(),
        data_name: Some("企业登记信息（更正）".into()),
        reason: "数据名称笔误".into(),
        ..Default::default()
    };
    let corrected = review
        .correct_record(common::authed(&gd.token("registrar"), fix))
        .await
        .carried()
        .expect("correct");
    assert_eq!(corrected.current_version, 3);
    let v3 = eventually(30, "the correction in the national book", || async {
        record(&national, &code)
            .await
            .filter(|r| r.current_version == 3)
    })
    .await;
    assert_eq!(v3.data_name, "企业登记信息（更正）");
    let cert = certificate(&national, &code, 3).await;
    assert_eq!(
        cert.registration_type,
        pb::RegistrationType::Correction as i32
    );

    // Another code, revoked by the institution: the national book keeps the tombstone.
    // A change is open on it when it is revoked: the province closes it, and the national
    // order check takes the close.
    let other = gd.registered().await.code;
    let open = flow
        .create_on(pb::RegistrationType::Change, &other, flow.materials().await)
        .await
        .expect("a change");
    let revoke = pb::RevokeRecordRequest {
        request_id: common::rid(),
        code: other.clone(),
        reason: "以欺骗手段登记".into(),
    };
    review
        .revoke_record(common::authed(&gd.token("registrar"), revoke))
        .await
        .carried()
        .expect("revoke");
    let revoked = eventually(30, "the revocation in the national book", || async {
        record(&national, &other)
            .await
            .filter(|r| r.status == pb::RecordStatus::Revoked as i32)
    })
    .await;
    assert_eq!(revoked.end_reason, "以欺骗手段登记");
    assert_eq!(
        flow.get(&open.id).await.state,
        pb::ApplicationState::Closed as i32
    );

    let dereg = complete(
        &gd,
        pb::RegistrationType::Deregistration,
        &code,
        "企业登记信息",
    )
    .await;
    let tomb = eventually(30, "the end in the national book", || async {
        record(&national, &code)
            .await
            .filter(|r| r.status == pb::RecordStatus::Deregistered as i32)
    })
    .await;
    assert_eq!(tomb.versions.len(), 3, "the tombstone keeps every version");
    assert_eq!(tomb.ended_by_application, format!("gd/{dereg}"));
    assert!(!tomb.ended_on.is_empty());
    let local = record(&gd, &code).await.unwrap();
    assert_eq!(local.status, pb::RecordStatus::Deregistered as i32);
    assert!(local
        .history
        .iter()
        .any(|d| d.step == pb::Step::Deregistered as i32));

    // Both stores audit clean: the entries rebuild the trees, the state and the certificates.
    let (mut gd, mut national) = (gd, national);
    for node in [&mut gd, &mut national] {
        node.stop().await;
        let (status, out) = common::audit(node.data_dir());
        assert_eq!(status, 0, "{out}");
    }
}

async fn withdraw(p: &Node, id: &str) {
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(p.channel().await);
    let req = pb::WithdrawApplicationRequest {
        request_id: common::rid(),
        application_id: id.into(),
        reason: "改为注销".into(),
    };
    reg.withdraw_application(common::authed(&p.token("registrant"), req))
        .await
        .expect("withdraw");
}

async fn statistics(node: &Node) -> pb::GetStatisticsResponse {
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    reg.get_statistics(pb::GetStatisticsRequest::default())
        .await
        .expect("statistics")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_node_discloses_its_statistics_and_the_national_node_aggregates_the_provinces() {
    let national = Node::dev().await;
    let gd = Node::federated("gd", "440000", &national).await;
    let fj = Node::federated("fj", "350000", &national).await;
    gd.registered().await;
    gd.registered().await;
    fj.registered().await;
    let (g, f) = (statistics(&gd).await, statistics(&fj).await);
    assert_eq!((g.records, f.records), (2, 1));
    assert_eq!(g.node_id, "gd");
    let n = eventually(
        30,
        "both provinces' records in the national figures",
        || async {
            let s = statistics(&national).await;
            (s.records == 3).then_some(s)
        },
    )
    .await;
    let count = |counts: &[pb::Count], key: &str| {
        counts.iter().find(|c| c.key == key).map_or(0, |c| c.count)
    };
    assert_eq!(count(&n.by_status, "VALID"), 3);
    assert_eq!(count(&n.by_data_type, "1"), 3);
    let months: u64 = n.registrations_by_month.iter().map(|c| c.count).sum();
    assert_eq!(months, 3);
}
