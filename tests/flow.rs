//! The five steps end to end through gRPC on a real node: application, acceptance, formal review,
//! publicity (with an objection), code and certificate.
mod common;
use common::*;
use pb::registration_service_client::RegistrationServiceClient as Reg;
use pb::{
    registry_service_client::RegistryServiceClient as Registry,
    review_service_client::ReviewServiceClient as Review,
};
use sjdj::domain::certificate::SignedCertificate;
use sjdj::domain::codes::UnifiedCode;
use sjdj::grpc::pb;

#[tokio::test]
async fn initial_registration_runs_all_five_steps_and_issues_a_verifiable_certificate() {
    let node = Node::dev().await;
    let ch = node.channel().await;
    let flow = Flow {
        ch: ch.clone(),
        registrant: node.token("registrant"),
    };
    let (clerk, reviewer, registrar) = (
        node.token("clerk"),
        node.token("reviewer"),
        node.token("registrar"),
    );
    let mut review = Review::new(ch.clone());
    let mut registry = Registry::new(ch.clone());

    // 1. Application: a draft, then a submission acknowledging the publicity text.
    let app = flow.submitted().await;
    assert_eq!(app.state, pb::ApplicationState::Submitted as i32);
    assert!(
        app.publicity_text.contains("数据名称：企业登记信息"),
        "{}",
        app.publicity_text
    );
    assert!(!app.due_date.is_empty(), "acceptance has a due date");

    // It is in the clerk's acceptance queue.
    let q = review
        .list_queue(authed(
            &clerk,
            pb::ListQueueRequest {
                step: pb::QueueStep::Acceptance as i32,
                page_size: 10,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        q.items
            .iter()
            .map(|i| i.application.as_ref().unwrap().id.clone())
            .collect::<Vec<_>>(),
        vec![app.id.clone()]
    );

    // 2. Acceptance, 3. formal review.
    let a = review
        .accept_application(authed(&clerk, accept(&app.id, "材料齐全")))
        .await
        .carried()
        .unwrap();
    assert_eq!(a.state, pb::ApplicationState::InReview as i32);
    let a = review
        .pass_review(authed(&reviewer, pass(&app.id, "形式审查通过")))
        .await
        .carried()
        .unwrap();
    assert_eq!(a.state, pb::ApplicationState::InPublicity as i32);
    assert!(a.publicity_end > a.publicity_start);

    // 4. Publicity: the notice is public; an objection is filed and dismissed.
    let notices = registry
        .list_publicity_notices(pb::ListPublicityNoticesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .notices;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].data_name, "企业登记信息");
    assert_eq!(
        notices[0].text, a.publicity_text,
        "the notice is exactly the acknowledged text"
    );
    let objection = registry
        .file_objection(pb::FileObjectionRequest {
            request_id: rid(),
            application_id: app.id.clone(),
            objector_name: "李四".into(),
            objector_contact: "13800000000".into(),
            reason: "数据来源存疑".into(),
        })
        .await
        .carried()
        .unwrap();
    assert_eq!(objection.state, pb::ObjectionState::Open as i32);

    // While the objection is open, moving past publicity assigns no code.
    node.advance_days(30).await;
    let held = flow.get(&app.id).await;
    // The objector's contact is for staff: the registrant never sees it, the registrar does.
    assert_eq!(held.objections[0].objector_contact, "");
    let q = review
        .list_queue(authed(
            &registrar,
            pb::ListQueueRequest {
                step: pb::QueueStep::Objections as i32,
                page_size: 10,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let seen = q.items[0].application.as_ref().unwrap();
    assert_eq!(seen.objections[0].objector_contact, "13800000000");
    assert_eq!(
        held.state,
        pb::ApplicationState::InPublicity as i32,
        "an open objection holds the flow"
    );
    assert!(held.code.is_empty());

    let resolve = pb::ResolveObjectionRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        objection_id: objection.id.clone(),
        resolution: pb::ObjectionResolution::Dismiss as i32,
        reason: "来源合法".into(),
    };
    review
        .resolve_objection(authed(&registrar, resolve))
        .await
        .unwrap();
    // 5. Code and certificate: the next sweep (forced by a clock step) registers it.
    node.advance_seconds(1).await;
    let done = flow.get(&app.id).await;
    assert_eq!(done.state, pb::ApplicationState::Registered as i32);
    let code = UnifiedCode::parse(&done.code).expect("a valid unified code");
    assert_eq!(
        (code.region.to_string().as_str(), code.serial),
        ("100000", 1)
    );

    // The certificate verifies with the node's published key, by code and by query code.
    let info = registry
        .get_node_info(pb::GetNodeInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(&info.public_key.as_slice().try_into().unwrap())
            .unwrap();
    let cert = registry
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::Code(done.code.clone())),
            version: 0,
        })
        .await
        .carried()
        .unwrap();
    let signed = SignedCertificate::from_bytes(cert.signed.clone()).unwrap();
    let c = signed.verify(&key).expect("signature verifies");
    assert_eq!(
        (
            c.version,
            c.data_name.as_str(),
            c.subject_credit_code.as_str()
        ),
        (1, "企业登记信息", "91350100M000100Y43")
    );
    assert_eq!(cert.query_code.len(), 16);
    let by_qc = registry
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::QueryCode(
                cert.query_code.clone(),
            )),
            version: 0,
        })
        .await
        .carried()
        .unwrap();
    assert_eq!(by_qc.signed, cert.signed);
    let v = registry
        .verify_certificate(pb::VerifyCertificateRequest {
            certificate: Some(pb::verify_certificate_request::Certificate::Armored(
                cert.armored.clone(),
            )),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(v.valid, "{v:?}");
    let mut tampered = cert.signed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let v = registry
        .verify_certificate(pb::VerifyCertificateRequest {
            certificate: Some(pb::verify_certificate_request::Certificate::Signed(
                tampered,
            )),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((v.valid, v.reason.as_str()), (false, "CERT_BAD_SIGNATURE"));

    // The public record, with its history; keyword search finds Chinese substrings.
    let record = registry
        .get_record(pb::GetRecordRequest {
            code: done.code.clone(),
        })
        .await
        .carried()
        .unwrap();
    assert_eq!(record.status, pb::RecordStatus::Valid as i32);
    assert!(record
        .history
        .iter()
        .any(|d| d.step == pb::Step::ObjectionResolved as i32));
    let search = |q: &str| pb::SearchRecordsRequest {
        query: q.into(),
        ..Default::default()
    };
    let hits = registry
        .search_records(search("登记注册"))
        .await
        .unwrap()
        .into_inner()
        .records;
    assert_eq!(
        hits.iter().map(|r| r.code.clone()).collect::<Vec<_>>(),
        vec![done.code.clone()]
    );
    assert!(registry
        .search_records(search("气象"))
        .await
        .unwrap()
        .into_inner()
        .records
        .is_empty());
    let hits = registry
        .search_records(pb::SearchRecordsRequest {
            region: "350000".into(),
            data_type: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .records;
    assert_eq!(hits.len(), 1, "the province code matches its cities");
}

#[tokio::test]
async fn a_returned_application_is_supplemented_once_and_restarts_the_acceptance_clock() {
    let node = Node::dev().await;
    let ch = node.channel().await;
    let flow = Flow {
        ch: ch.clone(),
        registrant: node.token("registrant"),
    };
    let clerk = node.token("clerk");
    let mut review = Review::new(ch.clone());
    let app = flow.submitted().await;
    let ret = pb::ReturnForSupplementRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        items: vec!["补充数据字段说明".into(), "补充授权文件".into()],
        reason: "材料不全".into(),
    };
    let returned = review
        .return_for_supplement(authed(&clerk, ret))
        .await
        .carried()
        .unwrap();
    assert_eq!(returned.state, pb::ApplicationState::Returned as i32);
    assert_eq!(returned.supplement_items.len(), 2);

    // Time passes, then the registrant supplements: the acceptance clock starts again.
    node.advance_days(14).await;
    let mut reg = Reg::new(ch.clone());
    let sup = pb::SupplementApplicationRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        materials: app.materials.clone(),
        note: "已补充".into(),
        publicity_text_sha256: "0".repeat(64),
    };
    // The supplemented notice must be acknowledged again.
    let err = reg
        .supplement_application(authed(&flow.registrant, sup.clone()))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "PUBLICITY_TEXT_NOT_ACKNOWLEDGED");
    let sup = pb::SupplementApplicationRequest {
        publicity_text_sha256: app.publicity_text_sha256.clone(),
        ..sup
    };
    let again = reg
        .supplement_application(authed(&flow.registrant, sup))
        .await
        .carried()
        .unwrap();
    assert_eq!(again.state, pb::ApplicationState::Submitted as i32);
    assert!(
        again.due_date > app.due_date,
        "new due date {} after the first {}",
        again.due_date,
        app.due_date
    );

    // A second return is refused: the first had to be complete (一次性告知).
    let ret = pb::ReturnForSupplementRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        items: vec!["再补充".into()],
        reason: String::new(),
    };
    let err = review
        .return_for_supplement(authed(&clerk, ret))
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), reason(&err).as_str()),
        (tonic::Code::FailedPrecondition, "ALREADY_RETURNED")
    );
}

#[tokio::test]
async fn an_upheld_objection_refuses_registration_and_no_code_is_minted() {
    let node = Node::dev().await;
    let ch = node.channel().await;
    let flow = Flow {
        ch: ch.clone(),
        registrant: node.token("registrant"),
    };
    let mut review = Review::new(ch.clone());
    let app = flow.submitted().await;
    review
        .accept_application(authed(&node.token("clerk"), accept(&app.id, "")))
        .await
        .unwrap();
    review
        .pass_review(authed(&node.token("reviewer"), pass(&app.id, "")))
        .await
        .unwrap();
    let o = Registry::new(ch.clone())
        .file_objection(pb::FileObjectionRequest {
            request_id: rid(),
            application_id: app.id.clone(),
            objector_name: "王五".into(),
            objector_contact: String::new(),
            reason: "涉及个人隐私".into(),
        })
        .await
        .carried()
        .unwrap();
    let resolve = pb::ResolveObjectionRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        objection_id: o.id,
        resolution: pb::ObjectionResolution::UpholdRefuse as i32,
        reason: "异议成立".into(),
    };
    let refused = review
        .resolve_objection(authed(&node.token("registrar"), resolve))
        .await
        .carried()
        .unwrap();
    assert_eq!(refused.state, pb::ApplicationState::Refused as i32);
    node.advance_days(60).await;
    let after = Reg::new(ch)
        .get_application(authed(
            &flow.registrant,
            pb::GetApplicationRequest {
                application_id: app.id,
            },
        ))
        .await
        .carried()
        .unwrap();
    assert_eq!(
        (after.state, after.code.as_str()),
        (pb::ApplicationState::Refused as i32, "")
    );
}
