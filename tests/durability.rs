//! State survives a graceful restart mid-flow and a `kill -9` right after an acknowledged write.
mod common;
use common::*;
use pb::{
    registration_service_client::RegistrationServiceClient as Reg,
    review_service_client::ReviewServiceClient as Review,
};
use sjdj::grpc::pb;

async fn get(node: &Node, id: &str) -> pb::Application {
    let mut reg = Reg::new(node.channel().await);
    reg.get_application(authed(
        &node.token("auditor"),
        pb::GetApplicationRequest {
            application_id: id.into(),
        },
    ))
    .await
    .carried()
    .unwrap()
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_flow_keeps_its_state() {
    let mut node = Node::dev().await;
    let flow = Flow {
        ch: node.channel().await,
        registrant: node.token("registrant"),
    };
    let app = flow.submitted().await;
    Review::new(node.channel().await)
        .accept_application(authed(&node.token("clerk"), accept(&app.id, "")))
        .await
        .unwrap();
    let before = get(&node, &app.id).await;

    node.stop().await;
    node.restart().await;
    let after = get(&node, &app.id).await;
    assert_eq!(after, before, "the application is exactly as it was");

    // The flow goes on where it stopped, with the same tokens, to a code.
    Review::new(node.channel().await)
        .pass_review(authed(&node.token("reviewer"), pass(&app.id, "")))
        .await
        .unwrap();
    node.advance_days(30).await;
    node.stop().await;
    node.restart().await;
    let done = get(&node, &app.id).await;
    assert_eq!(done.state, pb::ApplicationState::Registered as i32);
    // The clock offset survived the restart too: the node did not travel back in time.
    let clock = pb::admin_service_client::AdminServiceClient::new(node.channel().await)
        .get_clock(authed(&node.token("admin"), pb::GetClockRequest {}))
        .await
        .carried()
        .unwrap();
    assert!(clock.offset_seconds >= 30 * 86_400);
}

#[tokio::test]
async fn kill_9_right_after_acknowledged_submits_loses_nothing() {
    let mut node = Node::dev().await;
    let flow = Flow {
        ch: node.channel().await,
        registrant: node.token("registrant"),
    };
    let mut acked = Vec::new();
    for _ in 0..20 {
        acked.push(flow.submitted().await.id);
    }
    node.kill9();
    node.restart().await;
    for id in &acked {
        assert_eq!(
            get(&node, id).await.state,
            pb::ApplicationState::Submitted as i32,
            "{id} was acknowledged, so it survives kill -9"
        );
    }
}

#[tokio::test]
async fn serials_never_repeat_across_kill_9() {
    let mut node = Node::dev().await;
    let mut codes = std::collections::BTreeSet::new();
    for round in 0..3 {
        for _ in 0..3 {
            node.in_publicity().await;
        }
        node.advance_days(30).await;
        let all = node.all_applications().await;
        for a in all.iter().filter(|a| !a.code.is_empty()) {
            codes.insert(a.code.clone());
        }
        assert_eq!(
            codes.len(),
            3 * (round + 1),
            "every registered application has its own code"
        );
        node.kill9();
        node.restart().await;
    }
}
