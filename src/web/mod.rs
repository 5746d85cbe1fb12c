//! The web front: the registry's public pages in Chinese, rendered on the server from
//! compile-time templates (askama) and usable without JavaScript. They are served on the node's
//! own listener beside gRPC: one axum router holds the gRPC services and the pages, so the pages
//! share the listener's TLS, its connection limits and admission's per-address rates.
//!
//! # Layout
//!
//! - `error` — the one place a refusal or a failure becomes a page, with its HTTP status.
//! - `page` — a template rendered into a response, with the security headers every page has.
//! - `labels` — the Chinese for the registry's codes (data types, statuses, steps, provinces).
//! - `search`, `record`, `publicity`, `verify`, `statistics`, `provinces` — the handlers of
//!   their routes, each page with its template type.
//!
//! Invariant: a page reads through the same engine calls as the gRPC services, and a search
//! runs off the async threads under the same node-wide slots (`grpc::scan`).
mod error;
mod labels;
mod page;
mod provinces;
mod publicity;
mod record;
mod search;
mod statistics;
mod verify;

use crate::engine::Engine;
use crate::grpc::ratelimit::RateLimiter;
use axum::routing::get;
use std::sync::Arc;

pub use error::refusal_page;

/// What every handler reads: the engine, the slots searches share with gRPC's, and the
/// objections each caller may still file (shared with FileObjection).
#[derive(Clone)]
pub struct Web {
    engine: Engine,
    scans: Arc<tokio::sync::Semaphore>,
    objections: Arc<RateLimiter<(String, String)>>,
}

impl Web {
    pub fn new(
        engine: Engine,
        scans: Arc<tokio::sync::Semaphore>,
        objections: Arc<RateLimiter<(String, String)>>,
    ) -> Web {
        Web {
            engine,
            scans,
            objections,
        }
    }
}

/// The gRPC services' router with the pages beside it. A path nothing answers gets gRPC's
/// UNIMPLEMENTED when a gRPC client asks, and a page saying so when a browser does.
pub fn mount(grpc: axum::Router, web: Web) -> axum::Router {
    let pages = axum::Router::new()
        .route("/", get(search::page))
        .route("/search", get(search::page))
        .route("/records/{code}", get(record::page))
        .route("/publicity", get(publicity::list))
        .route(
            "/publicity/{*id}",
            get(publicity::notice).post(publicity::object),
        )
        .route("/provinces", get(provinces::page))
        .route("/statistics", get(statistics::page))
        .route("/verify", get(verify::by_query_code).post(verify::pasted))
        .route("/static/site.css", get(page::stylesheet))
        .layer(axum::middleware::map_response(page::secured))
        .with_state(web);
    grpc.merge(pages).fallback(error::fallback)
}
