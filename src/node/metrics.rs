//! Prometheus metrics (`GET /metrics`, text exposition via `prometheus-client`) on their own
//! listener when `[metrics] listen` is set. Values are read from the engine at each scrape, so
//! they are never stale: the log size, alarms by kind and node (a fork alarm is also a log line
//! and `AdminService.ListAlarms`), what the national node holds of each province and whether its
//! feed is frozen, open applications past their step's due date by step, whether the store and
//! the writer take writes, the checkpoint kept outside the store, and on a province the size of
//! the last national receipt, and the last online backup served whole (when, at which log size,
//! how many bytes), and the envelopes FederationService refused by node and reason.
use crate::domain::types::NodeRole;
use crate::engine::Engine;
use crate::grpc::federation::RefusedEnvelopes;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;

type Labels = Vec<(String, String)>;

fn counter(value: u64) -> Counter {
    let c = Counter::default();
    c.inc_by(value);
    c
}

/// The writer's and the flusher's time since start, in seconds by what it was spent on.
fn writer_time(reg: &mut Registry, engine: &Engine) {
    let w = engine.writer_stats();
    reg.register(
        "sjdj_writer_groups",
        "Write groups applied, each one atomic batch",
        counter(w.groups),
    );
    reg.register(
        "sjdj_writer_jobs",
        "Write commands run in those groups, refused ones included",
        counter(w.jobs),
    );
    let seconds = Family::<Labels, Counter<f64>>::default();
    for (phase, us) in [
        ("idle", w.idle_us),
        ("run", w.run_us),
        ("apply", w.apply_us),
    ] {
        seconds
            .get_or_create(&vec![("phase".into(), phase.into())])
            .inc_by(us as f64 / 1e6);
    }
    reg.register(
        "sjdj_writer_seconds",
        "The writer thread's time: idle (waiting for commands), run (their rules and encoding), apply (the store taking the batch, waiting while a flush holds it)",
        seconds,
    );
    reg.register(
        "sjdj_store_flushes",
        "Flushes (fsyncs) of the store, each making every group applied before it durable",
        counter(w.flushes),
    );
    let flush = Counter::<f64>::default();
    flush.inc_by(w.flush_us as f64 / 1e6);
    reg.register(
        "sjdj_store_flush_seconds",
        "Time the flusher thread spent in the store's flush",
        flush,
    );
}

fn gauge(value: u64) -> Gauge {
    let g = Gauge::default();
    g.set(i64::try_from(value).unwrap_or(i64::MAX));
    g
}

/// The metrics text, read from the engine now.
pub fn render(engine: &Engine, refused: &RefusedEnvelopes) -> Result<String, String> {
    let mut reg = Registry::default();
    let by_reason = Family::<Labels, Gauge>::default();
    for ((node, reason), n) in refused.counts() {
        by_reason
            .get_or_create(&vec![("node".into(), node), ("reason".into(), reason)])
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    reg.register(
        "sjdj_federation_refused_envelopes",
        "Envelopes (pushes, follows) refused since start, by the node they name (empty: not in the trust list) and reason",
        by_reason,
    );
    let size = engine.checkpoint().map_or(0, |c| c.size);
    reg.register(
        "sjdj_log_entries",
        "Entries covered by the node's latest published checkpoint",
        gauge(size),
    );
    reg.register(
        "sjdj_log_durable_entries",
        "Entries durable in the store; above sjdj_log_entries until the next checkpoint covers them",
        gauge(*engine.durable().borrow()),
    );
    if let Some(kept) = engine.kept_size() {
        reg.register(
            "sjdj_kept_checkpoint_entries",
            "Entries of the checkpoint kept outside the store (the node refuses a store shorter than it)",
            gauge(kept),
        );
    }
    reg.register(
        "sjdj_writer_ok",
        "1 while the writer takes writes; 0 once a batch failed to apply and the node is stopping",
        gauge(u64::from(engine.fatal().borrow().is_none())),
    );
    reg.register(
        "sjdj_store_ok",
        "1 while the store takes writes; 0 from a store error (a failed write or flush) until a write is flushed again",
        gauge(u64::from(*engine.store_ok().borrow())),
    );
    writer_time(&mut reg, engine);
    if let (_, Some(free)) = engine.store_room() {
        reg.register(
            "sjdj_store_free_bytes",
            "Bytes free on the store's filesystem; below node.min_free_bytes writes are refused (STORE_FULL)",
            gauge(free),
        );
        reg.register(
            "sjdj_store_min_free_bytes",
            "node.min_free_bytes: the free space below which writes are refused",
            gauge(engine.config().min_free_bytes),
        );
    }
    // 0 until the first backup, so "last backup too old" fires on a node never backed up.
    let last = engine.last_backup();
    reg.register(
        "sjdj_backup_last_success_timestamp_seconds",
        "Unix time the last online backup was served whole (0: never)",
        gauge(last.as_ref().map_or(0, |b| b.at.max(0) as u64)),
    );
    if let Some(b) = &last {
        reg.register(
            "sjdj_backup_last_bytes",
            "Bytes of store entries in the last online backup served whole",
            gauge(b.bytes),
        );
        reg.register(
            "sjdj_backup_last_log_entries",
            "Log entries the last online backup served whole holds",
            gauge(b.size),
        );
    }
    let alarms = engine.alarms().map_err(|e| e.to_string())?;
    let by_kind = Family::<Labels, Gauge>::default();
    for a in &alarms {
        by_kind
            .get_or_create(&vec![
                ("kind".into(), a.kind.name().into()),
                ("node".into(), a.node_id.clone()),
            ])
            .inc();
    }
    reg.register(
        "sjdj_alarms",
        "Alarms raised (FORK), by kind and node",
        by_kind,
    );
    let held = Family::<Labels, Gauge>::default();
    let frozen = Family::<Labels, Gauge>::default();
    let mut nodes: Vec<String> = engine
        .trust_list()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|n| n.node_id)
        .collect();
    if engine.config().role != NodeRole::National {
        nodes = vec![crate::engine::NATIONAL_MIRROR.to_string()];
    }
    for node in nodes {
        let s = engine.mirror_state(&node).map_err(|e| e.to_string())?;
        let labels = vec![("node".to_string(), node)];
        held.get_or_create(&labels)
            .set(i64::try_from(s.held).unwrap_or(i64::MAX));
        frozen
            .get_or_create(&labels)
            .set(i64::from(s.frozen.is_some()));
    }
    reg.register(
        "sjdj_mirror_entries",
        "Entries held of another node's log (national: each province; province: the national log)",
        held,
    );
    reg.register(
        "sjdj_mirror_frozen",
        "1 when that feed is frozen by a fork alarm",
        frozen,
    );
    let overdue = Family::<Labels, Gauge>::default();
    for (step, n) in engine.overdue().map_err(|e| e.to_string())? {
        overdue
            .get_or_create(&vec![("step".into(), step.into())])
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    reg.register(
        "sjdj_overdue_applications",
        "Open applications past their step's due date (acceptance, review: working-day limits; publicity: ended but not registered)",
        overdue,
    );
    if let Some((size, _)) = engine.latest_receipt().map_err(|e| e.to_string())? {
        reg.register(
            "sjdj_national_receipt_entries",
            "Size of this province's checkpoint the national node last cosigned",
            gauge(size),
        );
    }
    let mut out = String::new();
    encode(&mut out, &reg).map_err(|e| e.to_string())?;
    Ok(out)
}

async fn answer(
    engine: Engine,
    refused: Arc<RefusedEnvelopes>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = if req.uri().path() != "/metrics" {
        (
            StatusCode::NOT_FOUND,
            "only /metrics is served here\n".to_string(),
        )
    } else {
        match render(&engine, &refused) {
            Ok(text) => (StatusCode::OK, text),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("metrics: {e}\n")),
        }
    };
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(r)
}

/// Serves `/metrics` until the task is dropped.
pub async fn serve(listener: TcpListener, engine: Engine, refused: Arc<RefusedEnvelopes>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (engine, refused) = (engine.clone(), refused.clone());
        tokio::spawn(async move {
            let svc =
                hyper::service::service_fn(move |req| answer(engine.clone(), refused.clone(), req));
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await
            {
                tracing::debug!(error = %e, "metrics connection");
            }
        });
    }
}
