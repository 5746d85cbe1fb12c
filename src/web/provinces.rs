//! The national node's provinces (`/provinces`): each province namespace with the node it is
//! delegated to (or hosted here), its records in the book, its last confirmed checkpoint and
//! how far the book is behind it.
use super::error::WebError;
use super::page::{beijing_time, Html};
use super::{labels, Web};
use askama::Template;
use axum::extract::State;

pub struct Row {
    name: String,
    region: String,
    node: String,
    records: u64,
    confirmed: String,
    behind: String,
    frozen: bool,
}

#[derive(Template)]
#[template(path = "provinces.html")]
pub struct ProvincesPage {
    rows: Vec<Row>,
    as_of: String,
}

pub async fn page(State(web): State<Web>) -> Result<Html<ProvincesPage>, WebError> {
    let now = web.engine.clock().now();
    let rows = web
        .engine
        .provinces()?
        .into_iter()
        .map(|p| Row {
            name: labels::province(&p.region),
            node: match (&p.node_id, p.hosted) {
                (_, true) => "全国节点托管".to_string(),
                (Some(n), false) => n.clone(),
                (None, false) => "未委托".to_string(),
            },
            records: p.records,
            confirmed: p.confirmed.map_or_else(
                || "尚无".to_string(),
                |(size, at)| format!("{size} 条（{}）", beijing_time(at)),
            ),
            behind: match p.confirmed {
                None => "—".to_string(),
                Some(_) => format!("{} 条，{} 秒", p.entries_behind(), p.seconds_behind(now)),
            },
            frozen: p.frozen,
            region: p.region,
        })
        .collect();
    Ok(Html(ProvincesPage {
        rows,
        as_of: beijing_time(now),
    }))
}
