//! A registrant's notification stream over the wire: its applications' changes in log order,
//! resumed after a disconnect from the last cursor with nothing missed or repeated, and nothing
//! of another subject's.
mod common;

use common::{authed, reason, Node};
use sjdj::grpc::pb;
use tonic::Streaming;

async fn watch(node: &Node, token: &str, after: &str) -> Streaming<pb::WatchApplicationsResponse> {
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let req = pb::WatchApplicationsRequest {
        after_cursor: after.into(),
    };
    reg.watch_applications(authed(token, req))
        .await
        .expect("watch")
        .into_inner()
}

/// The next `n` changes of a stream, as (application, step, cursor).
async fn next(
    s: &mut Streaming<pb::WatchApplicationsResponse>,
    n: usize,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    while out.len() < n {
        let c = tokio::time::timeout(std::time::Duration::from_secs(20), s.message())
            .await
            .expect("a change within 20 s")
            .expect("the stream is open")
            .expect("a change");
        out.push((c.application_id, common::step(c.step), c.cursor));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registrant_streams_its_changes_and_resumes_from_a_cursor_without_gaps_or_repeats() {
    let node = Node::dev().await;
    let registrant = node.token("registrant");
    let mut live = watch(&node, &registrant, "").await;
    let app = node.flow().await.submitted().await;
    let first = next(&mut live, 2).await;
    let steps: Vec<&str> = first.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(steps, ["CREATED", "SUBMITTED"]);
    assert!(first.iter().all(|(id, _, _)| id == &app.id));
    let cursor = first[1].2.clone();
    // Disconnected: the clerk and the reviewer act meanwhile.
    drop(live);
    node.to_publicity(&app.id).await;
    let mut resumed = watch(&node, &registrant, &cursor).await;
    let rest = next(&mut resumed, 2).await;
    let steps: Vec<&str> = rest.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(
        steps,
        ["ACCEPTED", "REVIEW_PASSED"],
        "none missed, none repeated"
    );
    // Cursors grow with the log.
    let n = |c: &str| c.parse::<u64>().unwrap();
    assert!(n(&rest[0].2) > n(&cursor) && n(&rest[1].2) > n(&rest[0].2));
    // Live again: the code, while the stream is open.
    node.advance_days(40).await;
    let done = next(&mut resumed, 2).await;
    let steps: Vec<&str> = done.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(steps, ["REGISTERED", "CERTIFICATE_ISSUED"]);

    // From the start, the same changes in the same order.
    let mut replay = watch(&node, &registrant, "").await;
    let all = next(&mut replay, 6).await;
    let cursors: Vec<&str> = all.iter().map(|(_, _, c)| c.as_str()).collect();
    let seen: Vec<&str> = first
        .iter()
        .chain(&rest)
        .chain(&done)
        .map(|(_, _, c)| c.as_str())
        .collect();
    assert_eq!(cursors, seen);

    // Another subject's registrant sees none of it; staff have no stream; a bad cursor is named.
    let mut admin = pb::admin_service_client::AdminServiceClient::new(node.channel().await);
    let other = admin
        .create_token(authed(
            &node.token("admin"),
            pb::CreateTokenRequest {
                request_id: common::rid(),
                role: pb::Role::Registrant as i32,
                holder: "李四".into(),
                subject_credit_code: "91110000802100433B".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("token")
        .into_inner()
        .token;
    let theirs_flow = common::Flow {
        ch: node.channel().await,
        registrant: other.clone(),
    };
    let mut m = theirs_flow.materials().await;
    m.subject.as_mut().unwrap().credit_code = "91110000802100433B".into();
    let their_app = theirs_flow.create(m).await.expect("their draft");
    let mut theirs = watch(&node, &other, "").await;
    let only = next(&mut theirs, 1).await;
    assert_eq!(
        (only[0].0.as_str(), only[0].1.as_str()),
        (their_app.id.as_str(), "CREATED"),
        "their stream starts with their own change, none of the other subject's"
    );
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let staff = reg
        .watch_applications(authed(
            &node.token("clerk"),
            pb::WatchApplicationsRequest::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&staff), "WRONG_ROLE");
    let bad = reg
        .watch_applications(authed(
            &registrant,
            pb::WatchApplicationsRequest {
                after_cursor: "abc".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&bad), "BAD_CURSOR");

    // At shutdown an open stream ends with a status that says how to go on.
    let mut node = node;
    node.stop().await;
    let end = resumed.message().await.unwrap_err();
    assert!(
        end.message().contains("reconnect with the last cursor"),
        "{end:?}"
    );
}
