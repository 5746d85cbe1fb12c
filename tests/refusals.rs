//! Every refusal says why, with a stable reason code, and changes nothing.
mod common;
use common::*;
use pb::{
    admin_service_client::AdminServiceClient as Admin,
    registration_service_client::RegistrationServiceClient as Reg,
};
use pb::{
    registry_service_client::RegistryServiceClient as Registry,
    review_service_client::ReviewServiceClient as Review,
};
use sjdj::grpc::pb;
use tonic::Code;

/// Every application the auditor can see, as (id, state, revision): a refusal must not move it.
async fn snapshot(node: &Node) -> Vec<(String, i32, u64)> {
    let all = node.all_applications().await;
    all.into_iter()
        .map(|a| (a.id, a.state, a.revision))
        .collect()
}

/// Issues a token as the admin and returns the secret.
async fn issue(
    a: &mut Admin<tonic::transport::Channel>,
    admin: &str,
    req: pb::CreateTokenRequest,
) -> String {
    a.create_token(authed(admin, req))
        .await
        .expect("issue token")
        .into_inner()
        .token
}

fn expect(err: tonic::Status, code: Code, why: &str) {
    assert_eq!(
        (err.code(), reason(&err).as_str()),
        (code, why),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn refusals_carry_reason_codes_and_leave_the_store_unchanged() {
    let node = Node::dev().await;
    let ch = node.channel().await;
    let flow = Flow {
        ch: ch.clone(),
        registrant: node.token("registrant"),
    };
    let app = flow.submitted().await;
    let before = snapshot(&node).await;
    let mut reg = Reg::new(ch.clone());
    let mut review = Review::new(ch.clone());

    // Wrong role: a clerk cannot create applications, a registrant cannot accept, a reviewer cannot accept.
    let m = flow.materials().await;
    let create = pb::CreateApplicationRequest {
        request_id: rid(),
        registration_type: pb::RegistrationType::Initial as i32,
        materials: Some(m.clone()),
        target_code: String::new(),
    };
    expect(
        reg.create_application(authed(&node.token("clerk"), create))
            .await
            .unwrap_err(),
        Code::PermissionDenied,
        "WRONG_ROLE",
    );
    expect(
        review
            .accept_application(authed(&flow.registrant, accept(&app.id, "")))
            .await
            .unwrap_err(),
        Code::PermissionDenied,
        "WRONG_ROLE",
    );
    expect(
        review
            .accept_application(authed(&node.token("reviewer"), accept(&app.id, "")))
            .await
            .unwrap_err(),
        Code::PermissionDenied,
        "WRONG_ROLE",
    );

    // No token, or an unknown one.
    let get = || pb::GetApplicationRequest {
        application_id: app.id.clone(),
    };
    expect(
        reg.get_application(get()).await.unwrap_err(),
        Code::Unauthenticated,
        "UNAUTHENTICATED",
    );
    expect(
        reg.get_application(authed("sjdj_nottoken", get()))
            .await
            .unwrap_err(),
        Code::Unauthenticated,
        "UNAUTHENTICATED",
    );

    // Another subject's application: a registrant bound to another credit code.
    let other = Admin::new(ch.clone())
        .create_token(authed(
            &node.token("admin"),
            pb::CreateTokenRequest {
                request_id: rid(),
                role: pb::Role::Registrant as i32,
                holder: "其他单位".into(),
                subject_credit_code: "91110000802100433B".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .token;
    // Another subject's application is answered as one that does not exist.
    expect(
        reg.get_application(authed(&other, get()))
            .await
            .unwrap_err(),
        Code::NotFound,
        "NOT_FOUND",
    );
    let wd = pb::WithdrawApplicationRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        reason: String::new(),
    };
    expect(
        reg.withdraw_application(authed(&other, wd))
            .await
            .unwrap_err(),
        Code::NotFound,
        "NOT_FOUND",
    );
    let mine = reg
        .list_applications(authed(&other, pb::ListApplicationsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(
        mine.applications.is_empty(),
        "a registrant lists only its own subject's applications"
    );

    // Out of order: pass review before acceptance; submit twice; object before publicity.
    expect(
        review
            .pass_review(authed(&node.token("reviewer"), pass(&app.id, "")))
            .await
            .unwrap_err(),
        Code::FailedPrecondition,
        "WRONG_STATE",
    );
    expect(
        flow.submit(&app).await.unwrap_err(),
        Code::FailedPrecondition,
        "WRONG_STATE",
    );
    let obj = pb::FileObjectionRequest {
        request_id: rid(),
        application_id: app.id.clone(),
        objector_name: "李四".into(),
        objector_contact: String::new(),
        reason: "x".into(),
    };
    // Not in publicity: to the public, as if there were no such application.
    expect(
        Registry::new(ch.clone())
            .file_objection(obj)
            .await
            .unwrap_err(),
        Code::NotFound,
        "NOT_FOUND",
    );

    // Bad credit code: every problem is listed in a BadRequest, by field.
    let mut bad = m.clone();
    bad.subject.as_mut().unwrap().credit_code = "91350100M000100Y44".into();
    bad.resource.as_mut().unwrap().name = String::new();
    let err = flow.create(bad).await.unwrap_err();
    {
        use tonic_types::StatusExt;
        let fields: Vec<String> = err
            .get_details_bad_request()
            .unwrap()
            .field_violations
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert!(
            fields.contains(&"materials.subject.credit_code".to_string()),
            "{fields:?}"
        );
    }
    expect(err, Code::InvalidArgument, "MATERIALS_INVALID");

    // Unknown enum values are refused, not defaulted.
    let mut bad = m.clone();
    bad.resource.as_mut().unwrap().data_type = 9;
    expect(
        flow.create(bad).await.unwrap_err(),
        Code::InvalidArgument,
        "UNKNOWN_ENUM_VALUE",
    );

    // Acknowledging a different publicity text.
    let draft = flow.create(m.clone()).await.unwrap();
    let wrong = pb::SubmitApplicationRequest {
        request_id: rid(),
        application_id: draft.id.clone(),
        publicity_text_sha256: "0".repeat(64),
    };
    expect(
        reg.submit_application(authed(&flow.registrant, wrong))
            .await
            .unwrap_err(),
        Code::InvalidArgument,
        "PUBLICITY_TEXT_NOT_ACKNOWLEDGED",
    );

    // Oversize attachment: one byte over the 10 MiB default.
    let big = pb::UploadAttachmentRequest {
        kind: pb::AttachmentKind::Other as i32,
        file_name: "big.bin".into(),
        content: vec![7u8; 10 * 1024 * 1024 + 1],
    };
    let mut big_client = Reg::new(ch.clone()).max_encoding_message_size(64 << 20);
    expect(
        big_client
            .upload_attachment(authed(&flow.registrant, big))
            .await
            .unwrap_err(),
        Code::InvalidArgument,
        "ATTACHMENT_TOO_LARGE",
    );

    // Malformed codes.
    let mut registry = Registry::new(ch.clone());
    expect(
        registry
            .get_record(pb::GetRecordRequest { code: "ABC".into() })
            .await
            .unwrap_err(),
        Code::InvalidArgument,
        "CODE_LENGTH",
    );
    expect(
        registry
            .get_record(pb::GetRecordRequest {
                code: "110000020260000016".into(),
            })
            .await
            .unwrap_err(),
        Code::InvalidArgument,
        "CODE_BAD_CHECK_CHARACTER",
    );
    expect(
        registry
            .get_record(pb::GetRecordRequest {
                code: "110000020260000015".into(),
            })
            .await
            .unwrap_err(),
        Code::NotFound,
        "CODE_NOT_FOUND",
    );

    // A reused request id with a different request.
    let id = rid();
    let w1 = pb::WithdrawApplicationRequest {
        request_id: id.clone(),
        application_id: draft.id.clone(),
        reason: "a".into(),
    };
    let first = reg
        .withdraw_application(authed(&flow.registrant, w1.clone()))
        .await
        .carried()
        .unwrap();
    let retry = reg
        .withdraw_application(authed(&flow.registrant, w1))
        .await
        .carried()
        .unwrap();
    assert_eq!(
        (first.id.as_str(), first.revision),
        (retry.id.as_str(), retry.revision),
        "a retry returns the first result"
    );
    let w2 = pb::WithdrawApplicationRequest {
        request_id: id,
        application_id: draft.id.clone(),
        reason: "b".into(),
    };
    expect(
        reg.withdraw_application(authed(&flow.registrant, w2))
            .await
            .unwrap_err(),
        Code::InvalidArgument,
        "REQUEST_ID_REUSED",
    );

    // Nothing above moved the first application; only the draft was created and withdrawn.
    let after = snapshot(&node).await;
    assert_eq!(
        after.iter().find(|a| a.0 == app.id),
        before.iter().find(|a| a.0 == app.id)
    );
    assert_eq!(after.len(), before.len() + 1);
}

#[tokio::test]
async fn the_clerk_who_accepted_cannot_review_and_clock_control_needs_config() {
    let node = Node::province("gd").await;
    let ch = node.channel().await;
    let admin = {
        // A config node has no dev tokens: issue an admin token offline is tested in interop;
        // here the node is stopped and started around `sjdj-node admin-token`.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sjdj-node"))
            .args(["admin-token", "--config"])
            .arg(node.data_dir().join("node.toml"))
            .args(["--holder", "ops"])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "the store is locked while the node runs"
        );
        let msg = String::from_utf8_lossy(&out.stderr);
        assert!(msg.contains("another sjdj-node"), "{msg}");
        drop(ch);
        let mut node = node;
        node.stop().await;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sjdj-node"))
            .args(["admin-token", "--config"])
            .arg(node.data_dir().join("node.toml"))
            .args(["--holder", "ops"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        node.restart().await;
        (
            node,
            String::from_utf8(out.stdout).unwrap().trim().to_string(),
        )
    };
    let (node, admin) = admin;
    let ch = node.channel().await;
    let mut a = Admin::new(ch.clone());
    let mk = |role: pb::Role, holder: &str, subject: &str| pb::CreateTokenRequest {
        request_id: rid(),
        role: role as i32,
        holder: holder.into(),
        subject_credit_code: subject.into(),
        ..Default::default()
    };
    let registrant = issue(
        &mut a,
        &admin,
        mk(pb::Role::Registrant, "某市数据局", "91350100M000100Y43"),
    )
    .await;
    let clerk = issue(&mut a, &admin, mk(pb::Role::Clerk, "staff-7", "")).await;
    let reviewer_same = issue(&mut a, &admin, mk(pb::Role::Reviewer, "staff-7", "")).await;
    expect(
        a.create_token(authed(&admin, mk(pb::Role::Registrant, "x", "")))
            .await
            .unwrap_err(),
        Code::InvalidArgument,
        "SUBJECT_REQUIRED",
    );

    let flow = Flow {
        ch: ch.clone(),
        registrant,
    };
    let app = flow.submitted().await;
    let mut review = Review::new(ch.clone());
    review
        .accept_application(authed(&clerk, accept(&app.id, "")))
        .await
        .unwrap();
    expect(
        review
            .pass_review(authed(&reviewer_same, pass(&app.id, "")))
            .await
            .unwrap_err(),
        Code::PermissionDenied,
        "SAME_HOLDER_ACCEPTED",
    );
    expect(
        a.advance_clock(authed(&admin, pb::AdvanceClockRequest { seconds: 86_400 }))
            .await
            .unwrap_err(),
        Code::FailedPrecondition,
        "CLOCK_CONTROL_DISABLED",
    );
}
