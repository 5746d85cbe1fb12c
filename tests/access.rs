//! What a caller may learn: refusals that repeat at most 64 characters of an input, tokens
//! that expire, applications another caller cannot tell from missing ones, and a public log that
//! holds nothing private in clear. Each test is named for the finding it guards against, on a
//! real node.
mod common;

use common::{authed, reason, registry, Node};
use sjdj::grpc::pb;
use tonic::Code;

#[tokio::test]
async fn a_refusal_repeats_at_most_64_characters_of_a_1_mib_input() {
    let node = Node::dev().await;
    let code = "1".repeat(1 << 20);
    let refused = registry(node.channel().await)
        .get_record(pb::GetRecordRequest { code })
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "CODE_LENGTH");
    assert!(
        refused.message().len() < 512,
        "{} bytes: {}",
        refused.message().len(),
        refused.message()
    );
    assert!(
        refused.details().len() < 1024,
        "{} bytes",
        refused.details().len()
    );
}

#[tokio::test]
async fn a_token_expires_on_the_node_clock_with_its_own_reason() {
    let node = Node::province_dev("ttl", "440000").await;
    let mut admin = node.admin().await;
    let created = node.issue_token(pb::Role::Auditor, "审计员", "", 1).await;
    let info = created.info.unwrap();
    let (made, expires) = (info.created_at.unwrap(), info.expires_at.unwrap());
    assert_eq!(expires.seconds - made.seconds, 86_400);
    let mut r = registry(node.channel().await);
    r.get_node_info(authed(&created.token, pb::GetNodeInfoRequest {}))
        .await
        .expect("a fresh token works");
    node.advance_days(2).await;
    let refused = r
        .get_node_info(authed(&created.token, pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::Unauthenticated, "TOKEN_EXPIRED")
    );
    let listed = admin
        .list_tokens(authed(
            &node.token("admin"),
            pb::ListTokensRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.tokens.iter().all(|t| t.expires_at.is_some()));
    let too_long = admin
        .create_token(authed(
            &node.token("admin"),
            pb::CreateTokenRequest {
                request_id: common::rid(),
                role: pb::Role::Clerk as i32,
                holder: "受理员".into(),
                ttl_days: 36_501,
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&too_long), "TOKEN_TTL_TOO_LONG");
}

#[tokio::test]
async fn another_subject_and_the_public_learn_nothing_of_which_application_ids_exist() {
    let node = Node::dev().await;
    let flow = node.flow().await;
    let draft = flow.create(flow.materials().await).await.unwrap();
    let other = node
        .issue_token(pb::Role::Registrant, "其他单位", "91110000802100433B", 0)
        .await
        .token;
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let get = |id: &str| pb::GetApplicationRequest {
        application_id: id.into(),
    };
    let theirs = reg
        .get_application(authed(&other, get(&draft.id)))
        .await
        .unwrap_err();
    let absent = reg
        .get_application(authed(&other, get("A0000099999")))
        .await
        .unwrap_err();
    let same = |a: &tonic::Status, id_a: &str, b: &tonic::Status, id_b: &str| {
        assert_eq!(a.code(), b.code());
        assert_eq!(reason(a), reason(b));
        assert_eq!(
            a.message().replace(id_a, "ID"),
            b.message().replace(id_b, "ID")
        );
    };
    same(&theirs, &draft.id, &absent, "A0000099999");
    assert_eq!(reason(&theirs), "NOT_FOUND");
    // The public may object only in publicity: a draft looks like no application at all.
    let object = |id: &str| pb::FileObjectionRequest {
        request_id: common::rid(),
        application_id: id.into(),
        objector_name: "张三".into(),
        objector_contact: "13800000000".into(),
        reason: "存疑".into(),
    };
    let mut r = registry(node.channel().await);
    let on_draft = r.file_objection(object(&draft.id)).await.unwrap_err();
    let on_nothing = r.file_objection(object("A0000099999")).await.unwrap_err();
    same(&on_draft, &draft.id, &on_nothing, "A0000099999");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_public_log_holds_no_draft_contact_objector_or_token_holder_in_clear() {
    let node = Node::province_dev("privacy", "440000").await;
    let mut admin = node.admin().await;
    node.issue_token(pb::Role::Clerk, "受理员欧阳娜娜", "", 0)
        .await;
    // A draft with a name nobody published, withdrawn before submission.
    let flow = node.flow().await;
    let mut m = flow.materials().await;
    m.resource.as_mut().unwrap().name = "未公开的内部数据资源".into();
    m.subject.as_mut().unwrap().contact.as_mut().unwrap().phone = "020-87654321".into();
    let draft = flow.create(m).await.unwrap();
    let mut reg = pb::registration_service_client::RegistrationServiceClient::new(flow.ch.clone());
    reg.withdraw_application(authed(
        &flow.registrant,
        pb::WithdrawApplicationRequest {
            request_id: common::rid(),
            application_id: draft.id.clone(),
            reason: "撤回原因不宜公开".into(),
        },
    ))
    .await
    .unwrap();
    // An objection by a named person on an application in publicity.
    let app = node.in_publicity().await;
    registry(node.channel().await)
        .file_objection(pb::FileObjectionRequest {
            request_id: common::rid(),
            application_id: app.id.clone(),
            objector_name: "异议人司马光".into(),
            objector_contact: "13912345678".into(),
            reason: "数据来源存疑".into(),
        })
        .await
        .unwrap();
    let mut log =
        pb::transparency_service_client::TransparencyServiceClient::new(node.channel().await);
    let want = common::eventually(10, "a checkpoint over the objection", || {
        let mut log = log.clone();
        async move {
            let cp = log.get_checkpoint(pb::GetCheckpointRequest {}).await.ok()?;
            let size = cp.into_inner().size;
            (size >= 14).then_some(size)
        }
    })
    .await;
    let entries = log
        .list_entries(pb::ListEntriesRequest {
            start: 0,
            end: want,
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    let text: String = entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.data).into_owned())
        .collect();
    for private in [
        "欧阳娜娜",
        "未公开的内部数据资源",
        "020-87654321",
        "撤回原因不宜公开",
        "司马光",
        "13912345678",
        "dev-",
    ] {
        assert!(!text.contains(private), "{private:?} is in the public log");
    }
    // What is public by design is there: the objection's reason, the publicity notice.
    assert!(text.contains("数据来源存疑"));
    assert!(text.contains("publicity_text"));
    // The auditor opens the withdrawn draft's commitments; a registrant may not.
    let withdrawn = entries
        .iter()
        .find(|e| String::from_utf8_lossy(&e.data).contains("reason_commitment"))
        .expect("the withdrawal entry");
    let openings = admin
        .get_log_openings(authed(
            &node.token("auditor"),
            pb::GetLogOpeningsRequest {
                index: withdrawn.index,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(openings
        .openings
        .iter()
        .any(|o| o.field == "reason" && o.value == "撤回原因不宜公开"));
    let refused = admin
        .get_log_openings(authed(
            &node.token("registrant"),
            pb::GetLogOpeningsRequest {
                index: withdrawn.index,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "WRONG_ROLE");
}
