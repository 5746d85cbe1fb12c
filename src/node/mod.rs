//! Wiring: open the store, start the engine and the gRPC server with health and reflection, run
//! background tasks, and stop gracefully. `run(listener, shutdown)` is the entry point; tests bind
//! port 0 and pass their own shutdown.
pub mod backup;
pub mod config;
pub mod dev;
pub mod keyfile;
pub mod metrics;
pub mod pull;
pub mod push;
pub mod recover;
mod server_config;

use crate::engine::{commands, Engine, EngineConfig, EngineError};
use crate::grpc::ratelimit::RateLimiter;
use crate::grpc::{self, pb};
use crate::store::{sled_store::SledStore, StoreError};
use config::Validated;
use ed25519_dalek::SigningKey;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Key(#[from] keyfile::KeyError),
    #[error(
        "cannot open the store in {path}: {source} (is another sjdj-node using this data dir?)"
    )]
    Store { path: String, source: StoreError },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("cannot listen on {0}: {1}")]
    Listen(String, std::io::Error),
    #[error("gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
    #[error("{0}")]
    Other(String),
}

/// Opens the sled store in `dir`, closed off to the node's own user. A damaged store can make
/// sled panic as it reads its files: that is a refusal to start with the reason, not a crash.
pub fn open_store(dir: &std::path::Path) -> Result<SledStore, NodeError> {
    open_store_with(dir, crate::store::sled_store::DEFAULT_CACHE_BYTES, true)
}

/// As [`open_store`], with a page cache of `cache_bytes` (`node.store_cache_bytes`) and pages
/// compressed if `compress_new` when the store is made here (`node.store_compression`).
pub fn open_store_with(
    dir: &std::path::Path,
    cache_bytes: u64,
    compress_new: bool,
) -> Result<SledStore, NodeError> {
    let refused = |source| NodeError::Store {
        path: dir.display().to_string(),
        source,
    };
    // The default hook would print the panic as if the node had crashed; the refusal says it.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(|| SledStore::open_with(dir, cache_bytes, compress_new));
    std::panic::set_hook(hook);
    let store = opened
        .map_err(|panic| {
            refused(StoreError::Corrupt {
                key: "store files".into(),
                detail: format!(
                    "sled could not read them ({}): the store is damaged; restore a backup",
                    crate::engine::panic_text(&*panic)
                ),
            })
        })?
        .map_err(refused)?;
    crate::store::files::restrict_tree(dir)
        .map_err(|e| NodeError::Other(format!("cannot make {} private: {e}", dir.display())))?;
    Ok(store)
}

/// Health follows the store: NOT_SERVING, overall and for every service, from a store error until
/// the store takes writes again, and while its disk has less than `node.min_free_bytes` free, so
/// a load balancer or supervisor sees a node that cannot write. Space comes back without any
/// write, so it is looked at every second.
async fn store_health(engine: Engine, health: tonic_health::server::HealthReporter) {
    use tonic::server::NamedService;
    let services = [
        "",
        pb::registration_service_server::RegistrationServiceServer::<grpc::Registration>::NAME,
        pb::review_service_server::ReviewServiceServer::<grpc::Review>::NAME,
        pb::registry_service_server::RegistryServiceServer::<grpc::Registry>::NAME,
        pb::admin_service_server::AdminServiceServer::<grpc::Admin>::NAME,
        pb::transparency_service_server::TransparencyServiceServer::<grpc::Transparency>::NAME,
        pb::federation_service_server::FederationServiceServer::<grpc::Federation>::NAME,
    ];
    let mut ok = engine.store_ok();
    let mut shown = None;
    loop {
        let (room, free) = engine.store_room();
        let serving = *ok.borrow_and_update() && room;
        if shown != Some(serving) {
            if !room {
                tracing::error!(
                    free_bytes = free,
                    min_free_bytes = engine.config().min_free_bytes,
                    "the store's disk is full: writes are refused and health is NOT_SERVING"
                );
            } else if !serving {
                tracing::error!("the store is not taking writes: health is NOT_SERVING");
            } else if shown.is_some() {
                tracing::info!("the store takes writes again: health is SERVING");
            }
            let status = if serving {
                tonic_health::ServingStatus::Serving
            } else {
                tonic_health::ServingStatus::NotServing
            };
            for name in services {
                health.set_service_status(name, status).await;
            }
            shown = Some(serving);
        }
        tokio::select! {
            changed = ok.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
    }
}

/// The line `sjdj-node` prints once it listens: this prefix, then the address.
pub const LISTENING: &str = "listening on ";

/// The line before [`LISTENING`] that names the `/metrics` listener's address, when it serves one.
pub const METRICS_AT: &str = "metrics on ";

/// The address a started `sjdj-node` prints on `stdout` ([`LISTENING`]), or `None` if it
/// prints none within `wait`. The rest of its output is drained on a thread of its own, so the
/// node never blocks writing to a pipe nobody reads.
pub fn listening_addr(
    stdout: impl std::io::Read + Send + 'static,
    wait: Duration,
) -> Option<String> {
    listening(stdout, wait).map(|(addr, _)| addr)
}

/// [`listening_addr`], with the `/metrics` address printed before it ([`METRICS_AT`]), if any.
pub fn listening(
    stdout: impl std::io::Read + Send + 'static,
    wait: Duration,
) -> Option<(String, Option<String>)> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut metrics = None;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(addr) = line.strip_prefix(METRICS_AT) {
                metrics = Some(addr.trim().to_string());
            }
            if let Some(addr) = line.strip_prefix(LISTENING) {
                let _ = tx.send((addr.trim().to_string(), metrics.take()));
            }
        }
    });
    rx.recv_timeout(wait).ok()
}

/// What the engine needs of a validated config.
pub fn engine_config(v: &Validated) -> EngineConfig {
    let c = &v.config;
    EngineConfig {
        node_id: c.node.id.clone(),
        role: crate::domain::types::NodeRole::parse(&c.node.role).expect("validated"),
        region: v.region,
        limits: v.limits.clone(),
        calendar: v.calendar.clone(),
        max_attachment_bytes: c.attachments.max_bytes,
        clock_control: c.clock.control,
        federated: !c.federation.national_url.is_empty(),
        national_key: crate::sync::trust::parse_key(&c.federation.national_key).ok(),
        tokens: c.tokens.limits(),
        quotas: c.quotas.engine(),
        kept_checkpoint: Some(c.node.kept_checkpoint()),
        min_free_bytes: c.node.min_free_bytes,
        search_dir: Some(crate::search::default_dir(&c.node.data_dir)),
    }
}

/// The TLS a province talks to its national node with: the national CA and, for mutual TLS,
/// this node's client certificate.
pub fn national_tls(
    f: &config::FederationSection,
) -> Result<Option<tonic::transport::ClientTlsConfig>, NodeError> {
    Ok(match &f.ca_file {
        Some(ca) => {
            let identity = f
                .client_cert_file
                .as_deref()
                .zip(f.client_key_file.as_deref());
            Some(grpc::tls::client(ca, identity).map_err(NodeError::Other)?)
        }
        None => None,
    })
}

/// How long in-flight calls may take to finish after a shutdown signal.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

/// A node ready to serve: its engine and the settings the server needs.
pub struct Node {
    pub engine: Engine,
    pub sweep_interval: Duration,
    /// How often a checkpoint is signed while the log grows.
    pub checkpoint_interval: Duration,
    pub max_message_bytes: usize,
    /// Connections, streams and timeouts of the listener.
    pub server: config::ServerSection,
    /// What admission holds every call to (rates, slots, timeout).
    pub admission: grpc::admission::Limits,
    /// Node calls per node id, and refused envelopes per peer (shared with admission).
    pub node_limit: Arc<grpc::ratelimit::RateLimiter<String>>,
    pub node_refused: Arc<grpc::ratelimit::RateLimiter<std::net::IpAddr>>,
    /// Envelopes refused per node and reason (FederationService, shown in `/metrics`).
    pub refusals: Arc<grpc::federation::RefusedEnvelopes>,
    /// Objections one caller may file on one application a day.
    pub objections_per_caller: u32,
    /// Province: where and how to push its log to the national node.
    pub push: Option<push::PushConfig>,
    /// Address of the `/metrics` listener, when configured.
    pub metrics: Option<std::net::SocketAddr>,
    /// That listener once bound ahead of `run` (`bind_metrics`).
    pub metrics_listener: Option<std::net::TcpListener>,
    /// National: provinces to pull from.
    pub pulls: Vec<pull::PullConfig>,
    /// TLS on the listener, when configured.
    pub tls: Option<tonic::transport::ServerTlsConfig>,
    /// Mutual TLS: FederationService requires a client certificate.
    pub require_client_cert: bool,
    /// The web pages beside gRPC (`[web]`), unless `web.enabled` is false.
    pub web: Option<config::WebSection>,
}

impl Node {
    /// Opens the store and key named by a validated config.
    pub fn open(v: Validated, key: SigningKey) -> Result<Node, NodeError> {
        let c = &v.config;
        let dir = &c.node.data_dir;
        // The store holds contacts and attachments: whatever the node creates is its own only.
        crate::store::files::private_umask();
        crate::store::files::create_private_dir_all(dir).map_err(|e| {
            NodeError::Other(format!("cannot create data dir {}: {e}", dir.display()))
        })?;
        let store = open_store_with(dir, c.node.store_cache_bytes, c.node.compress_store())?;
        let cfg = engine_config(&v);
        for (year, status) in cfg.calendar.years() {
            tracing::info!(year, ?status, "working-day calendar loaded");
        }
        let engine = Engine::start(Arc::new(store), key, cfg)?;
        let f = &c.federation;
        let client_tls = national_tls(f)?;
        let push = (!f.national_url.is_empty()).then(|| push::PushConfig {
            national_url: f.national_url.clone(),
            national_key: crate::sync::trust::parse_key(&f.national_key)
                .expect("validated with the config"),
            interval: Duration::from_millis(f.push_interval_ms),
            batch_entries: f.batch_entries,
            tls: client_tls,
        });
        let mut pulls = Vec::new();
        for p in &f.pull {
            let tls = match &p.ca_file {
                Some(ca) => Some(grpc::tls::client(ca, None).map_err(NodeError::Other)?),
                None => None,
            };
            pulls.push(pull::PullConfig {
                node_id: p.node_id.clone(),
                url: p.url.clone(),
                interval: Duration::from_millis(f.push_interval_ms),
                tls,
            });
        }
        let tls = match &c.tls {
            Some(t) => Some(
                grpc::tls::server(&t.cert_file, &t.key_file, t.client_ca_file.as_deref())
                    .map_err(NodeError::Other)?
                    .timeout(Duration::from_millis(c.server.tls_handshake_timeout_ms)),
            ),
            None => None,
        };
        let node_refused = Arc::new(RateLimiter::new(
            f.refused_per_second,
            f.refused_burst,
            "refused node envelopes from this address",
            "federation.refused_per_second, refused_burst",
        ));
        Ok(Node {
            metrics: c.metrics.as_ref().and_then(|m| m.listen.parse().ok()),
            metrics_listener: None,
            push,
            pulls,
            require_client_cert: c.tls.as_ref().is_some_and(|t| t.client_ca_file.is_some()),
            tls,
            engine,
            sweep_interval: Duration::from_millis(c.clock.sweep_interval_ms),
            checkpoint_interval: Duration::from_millis(c.log.checkpoint_interval_ms),
            max_message_bytes: grpc::max_message_bytes(c.attachments.max_bytes),
            admission: admission_limits(c, node_refused.clone()),
            node_limit: Arc::new(RateLimiter::new(
                f.node_rate_per_second,
                f.node_burst,
                "node calls by this node",
                "federation.node_rate_per_second, node_burst",
            )),
            node_refused,
            refusals: Arc::default(),
            objections_per_caller: c.quotas.objections_per_caller,
            server: c.server.clone(),
            web: c.web.enabled.then(|| c.web.clone()),
        })
    }

    /// Serves gRPC on `listener` until `shutdown` completes, then drains in-flight calls.
    /// Binds the `/metrics` listener now, so its address (port 0 picks one) can be printed
    /// before the node runs; `None` when the node serves no metrics.
    pub fn bind_metrics(&mut self) -> Result<Option<std::net::SocketAddr>, NodeError> {
        let Some(addr) = self.metrics else {
            return Ok(None);
        };
        let listen = |e| NodeError::Listen(addr.to_string(), e);
        let l = std::net::TcpListener::bind(addr).map_err(listen)?;
        l.set_nonblocking(true).map_err(listen)?;
        let bound = l.local_addr().map_err(listen)?;
        self.metrics_listener = Some(l);
        Ok(Some(bound))
    }

    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), NodeError> {
        let engine = self.engine;
        let max = self.max_message_bytes;
        let (health, health_service) = tonic_health::server::health_reporter();
        health.set_serving::<pb::registration_service_server::RegistrationServiceServer<grpc::Registration>>().await;
        health
            .set_serving::<pb::review_service_server::ReviewServiceServer<grpc::Review>>()
            .await;
        health
            .set_serving::<pb::registry_service_server::RegistryServiceServer<grpc::Registry>>()
            .await;
        health
            .set_serving::<pb::admin_service_server::AdminServiceServer<grpc::Admin>>()
            .await;
        health
            .set_serving::<pb::transparency_service_server::TransparencyServiceServer<grpc::Transparency>>()
            .await;
        health
            .set_serving::<pb::federation_service_server::FederationServiceServer<grpc::Federation>>()
            .await;
        // google.rpc's error details too, so a stock client (grpcurl, grpcio) decodes the
        // ErrorInfo and BadRequest of a refusal by reflection alone.
        let described = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(grpc::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection_v1 = described()
            .build_v1()
            .map_err(|e| NodeError::Other(format!("reflection: {e}")))?;
        let reflection_v1alpha = described()
            .build_v1alpha()
            .map_err(|e| NodeError::Other(format!("reflection: {e}")))?;

        let store_health = tokio::spawn(store_health(engine.clone(), health.clone()));
        let sweeper = tokio::spawn(sweep_loop(engine.clone(), self.sweep_interval));
        let checkpointer = tokio::spawn(checkpoint_loop(engine.clone(), self.checkpoint_interval));
        let metrics = match self.metrics {
            Some(addr) => {
                let l = match self.metrics_listener {
                    Some(l) => TcpListener::from_std(l),
                    None => TcpListener::bind(addr).await,
                }
                .map_err(|e| NodeError::Listen(addr.to_string(), e))?;
                // The bound address: port 0 in the config picks a free one.
                let bound = l.local_addr().unwrap_or(addr);
                tracing::info!(addr = %bound, "metrics at /metrics");
                Some(tokio::spawn(metrics::serve(
                    l,
                    engine.clone(),
                    self.refusals.clone(),
                )))
            }
            None => None,
        };
        let pullers: Vec<_> = self
            .pulls
            .into_iter()
            .map(|cfg| {
                tracing::info!(node = %cfg.node_id, url = %cfg.url, "pulling a province's log");
                tokio::spawn(pull::run(engine.clone(), cfg))
            })
            .collect();
        let pusher = self.push.map(|cfg| {
            tracing::info!(national = %cfg.national_url, "pushing the log to the national node");
            tokio::spawn(push::run(engine.clone(), cfg))
        });
        // On shutdown, in-flight calls get DRAIN_GRACE to finish; idle clients that never close
        // their connections must not keep the node up forever.
        let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
        // Notification streams end at shutdown instead of holding the drain open.
        let watch_stop = stopping.clone();
        // A writer that cannot go on stops the node too, with an error (see `Engine::fatal`).
        let mut fatal = engine.fatal();
        let shutdown = async move {
            tokio::select! {
                () = shutdown => {}
                _ = fatal.wait_for(Option::is_some) => {
                    tracing::error!("the writer cannot go on; stopping the node");
                }
            }
            let _ = stopping_tx.send(true);
        };
        let drain_deadline = async move {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(DRAIN_GRACE).await;
        };
        let addr = listener
            .local_addr()
            .map_err(|e| NodeError::Listen("listener".into(), e))?;
        tracing::info!(%addr, node = %engine.config().node_id, role = %engine.config().role, "serving");
        let srv = &self.server;
        let tls_on = self.tls.is_some();
        let incoming = grpc::incoming::bounded(
            listener,
            grpc::incoming::ConnectionLimits {
                max_total: srv.max_connections,
                max_per_address: srv.max_connections_per_address,
                idle_timeout: Duration::from_millis(srv.idle_timeout_ms),
                exempt: srv.trusted_proxies.clone(),
                tls: tls_on,
            },
        );
        let pages = self
            .web
            .is_some()
            .then_some(crate::web::refusal_page as grpc::admission::PageRefusal);
        let gate = grpc::admission::Gate::new(engine.clone(), self.admission, pages);
        let mut builder = tonic::transport::Server::builder()
            .max_concurrent_streams(srv.max_concurrent_streams)
            .http2_keepalive_interval(Some(Duration::from_millis(srv.keepalive_interval_ms)))
            .http2_keepalive_timeout(Some(Duration::from_millis(srv.keepalive_timeout_ms)))
            .http2_max_header_list_size(srv.max_header_list_bytes)
            .http2_max_pending_accept_reset_streams(Some(srv.max_pending_reset_streams))
            // tonic's default (None) switches h2's guard against locally reset streams off.
            .http2_max_local_error_reset_streams(Some(srv.max_local_reset_streams));
        if let Some(tls) = self.tls {
            builder = builder.tls_config(tls)?;
            tracing::info!(mutual = self.require_client_cert, "TLS on the listener");
        }
        // Searches from gRPC and from the pages share these slots.
        let scans = Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        ));
        // One share of objections per caller, whether filed over gRPC or on the web.
        let objections = Arc::new(RateLimiter::per_day(
            self.objections_per_caller,
            "objections on one application from one caller a day",
            "quotas.objections_per_caller",
        ));
        let mut services = tonic::service::Routes::builder();
        services
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(
                pb::registration_service_server::RegistrationServiceServer::new(
                    grpc::Registration {
                        engine: engine.clone(),
                        stopping: watch_stop,
                    },
                )
                .max_decoding_message_size(max),
            )
            .add_service(pb::review_service_server::ReviewServiceServer::new(
                grpc::Review {
                    engine: engine.clone(),
                },
            ))
            .add_service(pb::registry_service_server::RegistryServiceServer::new(
                grpc::Registry {
                    engine: engine.clone(),
                    scans: scans.clone(),
                    objections: objections.clone(),
                },
            ))
            .add_service(pb::admin_service_server::AdminServiceServer::new(
                grpc::Admin {
                    engine: engine.clone(),
                },
            ))
            .add_service(
                pb::transparency_service_server::TransparencyServiceServer::new(
                    grpc::Transparency {
                        engine: engine.clone(),
                    },
                ),
            )
            .add_service(
                pb::federation_service_server::FederationServiceServer::new(grpc::Federation {
                    engine: engine.clone(),
                    require_client_cert: self.require_client_cert,
                    node_limit: self.node_limit,
                    checks: Arc::new(tokio::sync::Semaphore::new(
                        std::thread::available_parallelism().map_or(1, |n| n.get()),
                    )),
                    refused: self.node_refused,
                    refusals: self.refusals.clone(),
                })
                .max_decoding_message_size(crate::sync::envelope::MAX_PAYLOAD + 64 * 1024),
            );
        let mut routes = services.routes().into_axum_router();
        let web = self.web.is_some();
        if let Some(site) = self.web {
            let scheme = if tls_on { "https" } else { "http" };
            tracing::info!("web pages at {scheme}://{addr}/");
            let site = crate::web::Site {
                public_url: site.public_url,
                max_form_bytes: site.max_form_bytes,
                session_minutes: site.session_minutes,
                max_sessions: site.max_sessions,
                max_import_rows: site.max_import_rows,
            };
            let shared = crate::web::Web::new(engine.clone(), scans, objections, site, tls_on);
            routes = crate::web::mount(routes, shared);
        }
        // Browsers speak HTTP/1.1 to a plain listener; gRPC stays on HTTP/2.
        let serve = builder
            .accept_http1(web)
            .layer(grpc::admission::AdmissionLayer(gate))
            .add_routes(routes.into())
            .serve_with_incoming_shutdown(incoming, shutdown);
        let result = tokio::select! {
            r = serve => r,
            () = drain_deadline => {
                tracing::warn!("connections still open {DRAIN_GRACE:?} after shutdown; closing them");
                Ok(())
            }
        };
        sweeper.abort();
        store_health.abort();
        checkpointer.abort();
        if let Some(p) = pusher {
            p.abort();
        }
        for p in pullers {
            p.abort();
        }
        if let Some(m) = metrics {
            m.abort();
        }
        if let Some(why) = engine.fatal().borrow().clone() {
            return Err(NodeError::Other(why));
        }
        // A node stopped cleanly leaves a checkpoint over everything it wrote.
        if let Err(e) = engine.publish_checkpoint().await {
            tracing::warn!(error = %e, "final checkpoint failed");
        }
        tracing::info!("stopped");
        Ok(result?)
    }
}

/// The limits admission holds calls to, from the config.
fn admission_limits(
    c: &config::Config,
    node_refused: Arc<RateLimiter<std::net::IpAddr>>,
) -> grpc::admission::Limits {
    let (p, q, f, s) = (&c.public_api, &c.quotas, &c.federation, &c.server);
    grpc::admission::Limits {
        anonymous: RateLimiter::new(
            p.rate_per_second,
            p.burst,
            "public calls from this address",
            "public_api.rate_per_second, burst",
        ),
        per_token: RateLimiter::new(
            q.token_rate_per_second,
            q.token_burst,
            "public calls with this token",
            "quotas.token_rate_per_second, token_burst",
        ),
        node_peers: RateLimiter::new(
            f.peer_rate_per_second,
            f.peer_burst,
            "node calls from this address",
            "federation.peer_rate_per_second, peer_burst",
        ),
        node_refused,
        uploads: grpc::slots::Slots::new(q.uploads_in_flight),
        watches: grpc::slots::Slots::new(q.streams_per_token),
        request_timeout: Duration::from_millis(s.request_timeout_ms),
        proxy: grpc::admission::ProxyConfig {
            trusted: s.trusted_proxies.clone(),
            header: s.client_address_header.to_ascii_lowercase(),
        },
        require_client_cert: c.tls.as_ref().is_some_and(|t| t.client_ca_file.is_some()),
    }
}

/// Assigns codes when publicity ends, without waiting for anyone to ask.
async fn sweep_loop(engine: Engine, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Batch after batch while a full one was registered: what fell due is registered at
        // once, each batch one job among the others (so writes go on between them).
        loop {
            match engine.execute(commands::Sweep).await {
                Ok(commands::Swept { more: true, .. }) => continue,
                Ok(_) => break,
                Err(EngineError::Unavailable) => return,
                // Said once by the health task, not every interval.
                Err(e @ EngineError::StoreFull { .. }) => {
                    tracing::debug!(error = %e, "sweep waits");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "deadline sweep failed");
                    break;
                }
            }
        }
    }
}

/// Signs and publishes a checkpoint whenever the log has grown, once per interval.
async fn checkpoint_loop(engine: Engine, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match engine.publish_checkpoint().await {
            Ok(Some(c)) => tracing::debug!(size = c.size, "checkpoint published"),
            Ok(None) => {}
            Err(EngineError::Unavailable) => return,
            Err(e @ EngineError::StoreFull { .. }) => {
                tracing::debug!(error = %e, "checkpoint waits")
            }
            Err(e) => tracing::error!(error = %e, "checkpoint failed"),
        }
    }
}

/// Completes on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when
/// the future is first polled, so a signal sent as soon as the node says it listens stops it
/// cleanly instead of killing it (call it before printing the `listening on` line).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (term, interrupt) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutdown requested");
    }
}
