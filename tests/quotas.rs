//! What one caller may hold or store: notification streams, public calls per token and per
//! address (behind a trusted proxy, per client), a draft's edits and bytes, objections. Each
//! refusal is RESOURCE_EXHAUSTED with its reason; each test is named for the finding it guards
//! against, on a real node.
mod common;

use common::{authed, reason, registry, Node, Spec};
use sjdj::grpc::pb;
use tonic::Code;

#[tokio::test(flavor = "multi_thread")]
async fn a_registrant_holds_at_most_its_quota_of_notification_streams() {
    let node = Spec::province("streams", "440000")
        .drill()
        .set("quotas.streams_per_token", 2)
        .start()
        .await;
    let token = node.token("registrant");
    let watch = || async {
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
        reg.watch_applications(authed(&token, pb::WatchApplicationsRequest::default()))
            .await
    };
    let one = watch().await.expect("first stream");
    let _two = watch().await.expect("second stream");
    let refused = watch().await.unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "TOO_MANY_STREAMS")
    );
    assert!(
        refused.message().contains("quotas.streams_per_token"),
        "{}",
        refused.message()
    );
    // Another token's streams are its own.
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let other = node.token("auditor");
    let staff = reg
        .watch_applications(authed(&other, pb::WatchApplicationsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(
        reason(&staff),
        "WRONG_ROLE",
        "staff watch nothing, but were admitted"
    );
    // Closing a stream gives its place back.
    drop(one);
    common::eventually(10, "a stream once one was closed", || async {
        watch().await.ok()
    })
    .await;
}

#[tokio::test]
async fn token_holders_have_their_own_public_rate_limit_and_anonymous_callers_theirs() {
    let node = Spec::province("rates", "440000")
        .drill()
        .set("public_api.rate_per_second", 1)
        .set("public_api.burst", 2)
        .set("quotas.token_rate_per_second", 1)
        .set("quotas.token_burst", 4)
        .start()
        .await;
    let mut r = registry(node.channel().await);
    let auditor = node.token("auditor");
    for _ in 0..4 {
        r.get_node_info(authed(&auditor, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the token's burst");
    }
    let refused = r
        .get_node_info(authed(&auditor, pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "TOKEN_RATE_LIMITED")
    );
    // The same address without a token has its own bucket.
    for _ in 0..2 {
        r.get_node_info(pb::GetNodeInfoRequest {})
            .await
            .expect("within the address's burst");
    }
    let refused = r
        .get_node_info(pb::GetNodeInfoRequest {})
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
    assert!(
        refused.message().contains("public_api"),
        "{}",
        refused.message()
    );
    // An invalid token is refused, never taken as anonymous.
    let bad = r
        .get_node_info(authed("sjdj_not_a_token", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::Unauthenticated);
}

fn forwarded<T>(client: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut()
        .insert("x-forwarded-for", client.parse().unwrap());
    r
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_named_client_is_limited_not_the_proxy() {
    let limited = |id: &str| {
        Spec::province(id, "440000")
            .drill()
            .set("public_api.rate_per_second", 1)
            .set("public_api.burst", 2)
    };
    let behind = limited("proxied")
        .set("server.trusted_proxies", vec!["127.0.0.1"])
        .start()
        .await;
    let mut r = registry(behind.channel().await);
    for client in ["198.51.100.7", "198.51.100.7"] {
        r.get_node_info(forwarded(client, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the client's burst");
    }
    let refused = r
        .get_node_info(forwarded("198.51.100.7", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
    r.get_node_info(forwarded(
        "10.9.8.7, 198.51.100.8",
        pb::GetNodeInfoRequest {},
    ))
    .await
    .expect("the last address the proxy names is the client");
    // IPv6 clients count per /64.
    for client in ["2001:db8:5:6::1", "2001:db8:5:6::2"] {
        r.get_node_info(forwarded(client, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the /64's burst");
    }
    let refused = r
        .get_node_info(forwarded("2001:db8:5:6::3", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
    // A node that trusts no proxy ignores the header: the caller is its peer address.
    let open = limited("direct").start().await;
    let mut r = registry(open.channel().await);
    for client in ["198.51.100.1", "198.51.100.2"] {
        r.get_node_info(forwarded(client, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the peer's burst");
    }
    let refused = r
        .get_node_info(forwarded("198.51.100.3", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
}

/// Bytes under a directory.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_bytes(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registrant_cannot_fill_the_store_with_edits_of_a_large_draft() {
    let node = Spec::province("drafts", "440000")
        .drill()
        .set("quotas.draft_bytes", 4_194_304)
        .set("quotas.entries_bytes", 1_048_576)
        .start()
        .await;
    let flow = node.flow().await;
    let mut m = flow.materials().await;
    // 9.6 MB of materials, as measured (fields are a list with no count limit of their own):
    // refused whole, naming the key.
    let field = |n: usize, chars: usize| pb::Field {
        name: format!("字段{n}"),
        r#type: "文本".into(),
        description: "说".repeat(chars),
    };
    m.resource.as_mut().unwrap().fields = (0..500).map(|n| field(n, 4000)).collect();
    let refused = flow.create(m.clone()).await.unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "MATERIALS_TOO_LARGE")
    );
    assert!(refused.message().contains("quotas.materials_bytes"));
    // Near the materials limit (about 750 KB), edits stop once the draft stored 4 MiB.
    m.resource.as_mut().unwrap().fields = (0..250).map(|n| field(n, 1000)).collect();
    let app = flow.create(m.clone()).await.expect("a large draft");
    let mut reg = pb::registration_service_client::RegistrationServiceClient::new(flow.ch.clone());
    let mut edits = 0;
    let refused = loop {
        let req = pb::UpdateApplicationRequest {
            request_id: common::rid(),
            application_id: app.id.clone(),
            materials: Some(m.clone()),
        };
        match reg.update_application(authed(&flow.registrant, req)).await {
            Ok(_) => edits += 1,
            Err(e) => break e,
        }
        assert!(edits < 20, "20 edits of a 750 KB draft were all stored");
    };
    assert_eq!(reason(&refused), "DRAFT_STORAGE_EXHAUSTED", "{refused:?}");
    assert!(edits >= 2, "only {edits} edits");
    let store = dir_bytes(&node.dir.path().join("store"));
    assert!(store < 64 << 20, "the store grew to {store} bytes");
    // The entries of such a log come in answers of at most about 1 MiB.
    let want = 7 + edits;
    let mut log =
        pb::transparency_service_client::TransparencyServiceClient::new(node.channel().await);
    let size = common::eventually(10, "a checkpoint over the edits", || {
        let mut log = log.clone();
        async move {
            let cp = log.get_checkpoint(pb::GetCheckpointRequest {}).await.ok()?;
            let cp = cp.into_inner();
            (cp.size >= want).then_some(cp.size)
        }
    })
    .await;
    let answer = log
        .list_entries(pb::ListEntriesRequest {
            start: 0,
            end: size,
        })
        .await
        .unwrap()
        .into_inner();
    let bytes: usize = answer.entries.iter().map(|e| e.data.len()).sum();
    assert!(!answer.entries.is_empty());
    assert!(
        bytes <= (1 << 20) || answer.entries.len() == 1,
        "{bytes} bytes in {} entries",
        answer.entries.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_objections_are_bounded_per_caller_and_per_application() {
    let node = Node::province_dev("objections", "440000").await;
    let app = node.in_publicity().await;
    let before = dir_bytes(&node.dir.path().join("store"));
    let object = || pb::FileObjectionRequest {
        request_id: common::rid(),
        application_id: app.id.clone(),
        objector_name: "张三".into(),
        objector_contact: String::new(),
        reason: "异".repeat(4000),
    };
    // One address: three objections a day on one application, then a clear refusal.
    let mut r = registry(node.channel_from("127.0.0.7").await.unwrap());
    for _ in 0..3 {
        r.file_objection(object())
            .await
            .expect("within the caller's quota");
    }
    let refused = r.file_objection(object()).await.unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "OBJECTIONS_PER_CALLER")
    );
    // Many addresses: the application takes twenty, then refuses whoever asks.
    let mut filed = 3;
    let mut last = None;
    for i in 0..40 {
        let mut r = registry(
            node.channel_from(&format!("127.0.1.{}", i + 1))
                .await
                .unwrap(),
        );
        match r.file_objection(object()).await {
            Ok(_) => filed += 1,
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    assert_eq!(filed, 20);
    assert_eq!(
        reason(&last.expect("refused at the application's quota")),
        "OBJECTIONS_PER_APPLICATION"
    );
    let grown = dir_bytes(&node.dir.path().join("store")).saturating_sub(before);
    assert!(
        grown < 48 << 20,
        "twenty objections grew the store by {grown} bytes"
    );
}

/// A request over a service's message limit is refused by tonic before it is decoded; the node
/// answers it like every other refusal: RESOURCE_EXHAUSTED, reason `MESSAGE_TOO_LARGE`, sizes
/// and what sets the limit. The node goes on serving.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_over_the_message_limit_is_refused_with_a_reason_code() {
    let node = Node::dev().await;
    let review = || async {
        pb::review_service_client::ReviewServiceClient::new(
            node.channel_from("127.0.0.1").await.unwrap(),
        )
    };
    let req = |reason: String| pb::AcceptApplicationRequest {
        request_id: "big".into(),
        application_id: "A0000000001".into(),
        reason,
    };
    let refused = review()
        .await
        .accept_application(authed(&node.token("clerk"), req("理".repeat(2 << 20))))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "MESSAGE_TOO_LARGE"),
        "{refused:?}"
    );
    assert!(refused.message().contains("found 6291"), "{refused:?}");
    assert!(refused.message().contains("4 MiB"), "{refused:?}");
    // A small request on the same node is answered by the rules, as before.
    let small = review()
        .await
        .accept_application(authed(&node.token("clerk"), req("材料齐全".into())))
        .await
        .unwrap_err();
    assert_eq!(small.code(), Code::NotFound, "{small:?}");
}
