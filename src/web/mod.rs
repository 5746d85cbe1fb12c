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
//! - `session` and `signin` — the console's sign-in: a token for an HttpOnly, SameSite=Strict
//!   session cookie, and the CSRF token every console form carries; `staff` — the console's
//!   queues and applications, `staff_records` the institution's corrections and revocations,
//!   `staff_national` the trust list and the alarms; `portal` — the registrant's own
//!   applications and the submission of a draft; `drafts` and `materials_form` — the materials
//!   form of a draft, of a supplement and of a change, correction, renewal or deregistration
//!   on an own code, each problem marked at its field, and a draft's attachments; `import` — bulk
//!   registration from a catalogue file, every row checked before any draft is made, and
//!   `import_jobs` the imports making their drafts in the background.
//! - `search`, `record`, `certificate`, `publicity`, `verify`, `statistics`, `provinces` —
//!   the handlers of their routes, each page with its template type; `dcat` the DCAT-AP
//!   JSON-LD of a record and of the node's catalogue.
//!
//! Invariant: a page reads through the same engine calls as the gRPC services, and a search
//! runs off the async threads under the same node-wide slots (`grpc::scan`).
mod certificate;
mod dcat;
mod drafts;
mod error;
mod import;
mod import_jobs;
mod labels;
mod materials_form;
mod page;
mod portal;
mod provinces;
mod publicity;
mod record;
mod search;
mod session;
mod signin;
mod staff;
mod staff_national;
mod staff_records;
mod statistics;
mod verify;

use crate::engine::Engine;
use crate::grpc::ratelimit::RateLimiter;
use axum::routing::{get, post};
use std::sync::Arc;

pub use error::refusal_page;

/// What the node's `[web]` config says of the pages.
#[derive(Debug, Clone)]
pub struct Site {
    /// `web.public_url`: where the public reaches the pages; empty for the request's address.
    pub public_url: String,
    /// `web.max_form_bytes`: the largest form a page takes.
    pub max_form_bytes: usize,
    /// `web.session_minutes`: how long a sign-in lasts.
    pub session_minutes: u64,
    /// `web.max_sessions`: sessions open at once, node-wide.
    pub max_sessions: usize,
    /// `web.max_import_rows`: rows one catalogue import takes.
    pub max_import_rows: usize,
}

/// What every handler reads: the engine, the slots searches share with gRPC's, the
/// objections each caller may still file (shared with FileObjection), and the `[web]` settings.
#[derive(Clone)]
pub struct Web {
    engine: Engine,
    scans: Arc<tokio::sync::Semaphore>,
    objections: Arc<RateLimiter<(String, String)>>,
    site: Arc<Site>,
    sessions: Arc<session::Sessions>,
    imports: Arc<import_jobs::Imports>,
    /// Whether the listener has TLS: the scheme of the addresses pages name.
    https: bool,
}

impl Web {
    pub fn new(
        engine: Engine,
        scans: Arc<tokio::sync::Semaphore>,
        objections: Arc<RateLimiter<(String, String)>>,
        site: Site,
        https: bool,
    ) -> Web {
        Web {
            engine,
            scans,
            objections,
            sessions: Arc::new(session::Sessions::new(
                std::time::Duration::from_secs(site.session_minutes * 60),
                site.max_sessions,
            )),
            imports: Arc::new(import_jobs::Imports::new(std::time::Duration::from_secs(
                site.session_minutes * 60,
            ))),
            site: Arc::new(site),
            https,
        }
    }

    /// The address the public reaches this node's pages at: `web.public_url`, or else the
    /// one the request came to — its `Host` (HTTP/1.1) or its URI's authority (HTTP/2);
    /// anything but a host name and port is ignored.
    fn base_url(&self, headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> String {
        if !self.site.public_url.is_empty() {
            return self.site.public_url.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()))
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            });
        match host {
            Some(h) => format!("{}://{h}", if self.https { "https" } else { "http" }),
            None => String::new(),
        }
    }
}

/// The gRPC services' router with the pages beside it. A path nothing answers gets gRPC's
/// UNIMPLEMENTED when a gRPC client asks, and a page saying so when a browser does.
pub fn mount(grpc: axum::Router, web: Web) -> axum::Router {
    let max_form = web.site.max_form_bytes;
    // An attachment's upload may be as large as attachments.max_bytes, with room for its form.
    let max_upload = max_form.max(web.engine.config().max_attachment_bytes + 64 * 1024);
    let https = web.https;
    let pages = axum::Router::new()
        .route("/", get(search::page))
        .route("/search", get(search::page))
        .route("/records/{code}", get(record::page))
        .route("/records/{code}/dcat.jsonld", get(dcat::record))
        .route("/catalog.jsonld", get(dcat::catalog))
        .route("/publicity", get(publicity::list))
        .route(
            "/publicity/{*id}",
            get(publicity::notice).post(publicity::object),
        )
        .route("/provinces", get(provinces::page))
        .route("/statistics", get(statistics::page))
        .route("/certificates/{query_code}", get(certificate::page))
        .route(
            "/certificates/{query_code}/armored",
            get(certificate::armored),
        )
        .route("/verify", get(verify::by_query_code).post(verify::pasted))
        .route("/verify/upload", post(verify::uploaded))
        .route("/staff", get(staff::queues))
        .route("/staff/login", get(signin::page).post(signin::sign_in))
        .route("/staff/logout", post(signin::sign_out))
        .route("/staff/applications/{id}", get(staff::application))
        .route("/staff/applications/{id}/{action}", post(staff::decide))
        .route("/staff/record", get(staff_records::open))
        .route("/staff/records/{code}", get(staff_records::page))
        .route("/staff/records/{code}/{action}", post(staff_records::act))
        .route("/staff/trust", get(staff_national::page))
        .route("/portal", get(portal::list))
        .route("/portal/new", get(drafts::new).post(drafts::create))
        .route(
            "/portal/import",
            get(import::page)
                .post(import::preview)
                .layer(axum::extract::DefaultBodyLimit::max(max_upload)),
        )
        .route("/portal/import/create", post(import::create))
        .route("/portal/import/progress", get(import::progress))
        .route("/portal/applications/{id}", get(portal::application))
        .route(
            "/portal/applications/{id}/edit",
            get(drafts::edit).post(drafts::update),
        )
        .route(
            "/portal/applications/{id}/attachments",
            post(drafts::attach).layer(axum::extract::DefaultBodyLimit::max(max_upload)),
        )
        .route("/portal/applications/{id}/submit", post(portal::submit))
        .route(
            "/portal/applications/{id}/supplement",
            get(drafts::supplement_form).post(drafts::supplement),
        )
        .route(
            "/portal/records/{code}/{kind}",
            get(drafts::on_code_form).post(drafts::start_on_code),
        )
        .route("/static/site.css", get(page::stylesheet))
        .layer(axum::extract::DefaultBodyLimit::max(max_form))
        .layer(axum::middleware::map_response(page::secured))
        .with_state(web);
    // Over TLS, browsers are told to come back over TLS only.
    let pages = if https {
        pages.layer(axum::middleware::map_response(page::hsts))
    } else {
        pages
    };
    grpc.merge(pages).fallback(error::fallback)
}
