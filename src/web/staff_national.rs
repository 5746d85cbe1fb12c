//! The national node's staff pages (`/staff/trust`): the trust list — every node, its
//! namespace and its keys — and the alarms (forks) for the admin and auditors.
use super::error::WebError;
use super::page::{beijing_time, Html};
use super::session::{Bar, Signed};
use super::{labels, Web};
use askama::Template;
use axum::extract::State;

pub struct Node {
    node_id: String,
    province: String,
    region: String,
    keys: Vec<(String, &'static str, u64)>,
}

pub struct Alarm {
    number: u64,
    node_id: String,
    kind: &'static str,
    message: String,
    at: String,
}

#[derive(Template)]
#[template(path = "staff_trust.html")]
pub struct TrustPage {
    bar: Bar,
    nodes: Vec<Node>,
    alarms: Vec<Alarm>,
}

pub async fn page(State(web): State<Web>, signed: Signed) -> Result<Html<TrustPage>, WebError> {
    let alarms = web.engine.alarms_for(&signed.actor, 100, "")?;
    let nodes = web
        .engine
        .trust_list()?
        .into_iter()
        .map(|n| Node {
            province: labels::province(&n.region),
            keys: n
                .keys
                .iter()
                .map(|k| {
                    let status = match k.status {
                        crate::sync::trust::KeyStatus::Active => "在用",
                        crate::sync::trust::KeyStatus::Retired => "已轮换",
                        crate::sync::trust::KeyStatus::Revoked => "已吊销",
                    };
                    (k.key.clone(), status, k.since)
                })
                .collect(),
            node_id: n.node_id,
            region: n.region,
        })
        .collect();
    Ok(Html(TrustPage {
        bar: signed.bar(true),
        nodes,
        alarms: alarms
            .items
            .into_iter()
            .map(|a| Alarm {
                number: a.number,
                kind: match a.kind {
                    crate::engine::AlarmKind::Fork => "分叉（已冻结该节点的同步）",
                },
                node_id: a.node_id,
                message: a.message,
                at: beijing_time(a.at),
            })
            .collect(),
    }))
}
