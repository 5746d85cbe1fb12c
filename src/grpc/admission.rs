//! Admission: what every call must pass before its request body is read. One tower layer in
//! front of every service looks at the method and the headers only, so a refused call costs
//! the node a header parse, never the decoding of a body of up to the message limit:
//!
//! - calls that need a token (registration, review, admin) are refused UNAUTHENTICATED without a
//!   valid one; a token presented to a public call must be valid too (never silently anonymous);
//! - public calls take one call from a bucket: the caller's token's if it has one, else its
//!   address's (IPv6 grouped by /64; behind a trusted reverse proxy, the address the proxy names);
//! - node calls (push, follow) take one from the peer address's bucket and, under mutual TLS,
//!   need a client certificate (which node it names is checked once the request names the node);
//! - uploads and notification streams hold a per-token slot for as long as they run;
//! - a call that has not answered within the request timeout gets DEADLINE_EXCEEDED.
//!
//! What it learned goes into the request's extensions as a [`Caller`], which the services read
//! (`grpc::auth`). The method table, [`policy`], is the one place that says which call is public.
use super::ratelimit::{address_key, exhausted, RateLimiter};
use super::slots::{Slot, Slots};
use super::status::status;
use crate::domain::types::Actor;
use crate::engine::{Engine, EngineError};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tonic::Status;

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, unlimited: the health check, which load balancers and supervisors poll and
    /// which costs a map lookup.
    Open,
    /// Anyone; rate-limited per address, or per token when one is presented.
    Public,
    /// A valid bearer token; the service checks the role.
    Token,
    /// Another node: envelope signatures, and under mutual TLS a client certificate.
    Node,
}

/// The policy of a gRPC method path (`/package.Service/Method`).
pub fn policy(path: &str) -> Policy {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let service = parts.next().unwrap_or_default();
    let method = parts.next().unwrap_or_default();
    match service {
        "sjdj.v1.RegistrationService" | "sjdj.v1.ReviewService" | "sjdj.v1.AdminService" => {
            Policy::Token
        }
        "sjdj.v1.FederationService" => match method {
            "GetSyncState" | "GetTrustList" | "GetMirror" => Policy::Public,
            _ => Policy::Node,
        },
        "grpc.health.v1.Health" => Policy::Open,
        // The registry, the log and reflection; an unknown path is answered
        // UNIMPLEMENTED by the router, after it too has taken a call from the bucket.
        _ => Policy::Public,
    }
}

/// What admission learned of a caller, for the services.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's actor, when a valid token was presented.
    pub actor: Option<Actor>,
    /// The caller's address (the client's, not a trusted proxy's), when known.
    pub address: Option<IpAddr>,
}

impl Caller {
    /// Whom a per-caller quota counts: the token's holder, else the address (IPv6 by /64);
    /// empty for an in-process caller.
    pub fn key(&self) -> String {
        match (&self.actor, self.address) {
            (Some(a), _) => format!("token {}", a.id),
            (None, Some(ip)) => address_key(ip).to_string(),
            (None, None) => String::new(),
        }
    }
}

/// Where the client's address comes from behind a reverse proxy.
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    /// Peers trusted to name the client; from anyone else the header is ignored.
    pub trusted: Vec<IpAddr>,
    /// The header they name it in (`x-forwarded-for`: the last address not a trusted proxy).
    pub header: String,
}

/// The limits admission enforces (from `[server]`, `[public_api]` and `[quotas]`).
pub struct Limits {
    pub anonymous: RateLimiter<IpAddr>,
    pub per_token: RateLimiter<String>,
    pub node_peers: RateLimiter<IpAddr>,
    /// Refused envelopes per peer, counted by FederationService: a peer whose share ran dry
    /// is refused here, before its body is read.
    pub node_refused: Arc<RateLimiter<IpAddr>>,
    pub uploads: Arc<Slots>,
    pub watches: Arc<Slots>,
    pub request_timeout: Duration,
    pub proxy: ProxyConfig,
    /// Mutual TLS: node calls need a client certificate.
    pub require_client_cert: bool,
}

/// How a refusal reaches a caller that is not a gRPC client (a browser at the web pages), when
/// the node serves pages: the web layer renders it, since this layer knows only gRPC.
pub type PageRefusal = fn(&Status) -> http::Response<Body>;

pub struct Gate {
    engine: Engine,
    limits: Limits,
    pages: Option<PageRefusal>,
}

impl Gate {
    pub fn new(engine: Engine, limits: Limits, pages: Option<PageRefusal>) -> Arc<Gate> {
        Arc::new(Gate {
            engine,
            limits,
            pages,
        })
    }

    /// A refusal as the caller reads it: a gRPC status, or a page for a browser.
    fn answer(&self, page: bool, refused: Status) -> http::Response<Body> {
        match self.pages {
            Some(render) if page => render(&refused),
            _ => refused.into_http(),
        }
    }

    /// Admits a call from its head, or says why not. The slot, if any, is held by the call.
    fn admit(&self, req: &http::Request<Body>) -> Result<(Caller, Option<Slot>), Status> {
        let path = req.uri().path();
        let peer = peer(req);
        let address = peer.map(|p| self.client_address(p, req.headers()));
        let actor = match bearer(req.headers()) {
            Some(token) => Some(self.engine.authenticate(token).map_err(status)?),
            None => None,
        };
        let l = &self.limits;
        match policy(path) {
            Policy::Token if actor.is_none() => {
                return Err(status(EngineError::Unauthenticated(
                    "this call needs `authorization: Bearer <token>`".into(),
                )))
            }
            Policy::Token | Policy::Open => {}
            Policy::Public => match (&actor, address) {
                (Some(a), _) => l.per_token.check(&a.id, "TOKEN_RATE_LIMITED")?,
                (None, Some(ip)) => l.anonymous.check(&address_key(ip), "RATE_LIMITED")?,
                // In-process transports have no address and no one to attribute calls to.
                (None, None) => {}
            },
            Policy::Node => {
                if let Some(ip) = peer.map(address_key) {
                    if !l.node_refused.has_left(&ip) {
                        return Err(exhausted(
                            "NODE_REFUSED_TOO_OFTEN",
                            format!(
                                "this address sent more refused envelopes than {}; \
                                 calls from it are refused until that share refills",
                                l.node_refused.describe()
                            ),
                        ));
                    }
                    l.node_peers.check(&ip, "NODE_RATE_LIMITED")?;
                }
                if l.require_client_cert && client_certs(req).is_none() {
                    return Err(super::status::with_reason(
                        tonic::Code::Unauthenticated,
                        "CLIENT_CERT_REQUIRED",
                        "node-to-node calls need a client certificate (mutual TLS)".into(),
                    ));
                }
            }
        }
        let slot = match (path, &actor) {
            ("/sjdj.v1.RegistrationService/UploadAttachment", Some(a)) => Some(take(
                &l.uploads,
                a,
                "UPLOADS_IN_FLIGHT",
                "quotas.uploads_in_flight",
            )?),
            ("/sjdj.v1.RegistrationService/WatchApplications", Some(a)) => Some(take(
                &l.watches,
                a,
                "TOO_MANY_STREAMS",
                "quotas.streams_per_token",
            )?),
            _ => None,
        };
        Ok((Caller { actor, address }, slot))
    }

    /// The client's address: the peer's, or behind a trusted proxy the last address in its
    /// header that is not itself a trusted proxy.
    fn client_address(&self, peer: IpAddr, headers: &http::HeaderMap) -> IpAddr {
        let p = &self.limits.proxy;
        if !p.trusted.contains(&peer) {
            return peer;
        }
        let named = headers
            .get_all(p.header.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .rfind(|a| !p.trusted.contains(a));
        named.unwrap_or(peer)
    }
}

fn take(
    slots: &Arc<Slots>,
    actor: &Actor,
    reason: &'static str,
    key: &str,
) -> Result<Slot, Status> {
    slots.take(&actor.id).map_err(|held| {
        exhausted(
            reason,
            format!(
                "token {} already has {held} of at most {} open; wait for one to end (limit: {key})",
                actor.id,
                slots.max()
            ),
        )
    })
}

/// Whether a request is a gRPC call: gRPC clients always name their content type.
pub fn is_grpc<B>(req: &http::Request<B>) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

pub fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

fn peer<B>(req: &http::Request<B>) -> Option<IpAddr> {
    let e = req.extensions();
    e.get::<TcpConnectInfo>()
        .and_then(TcpConnectInfo::remote_addr)
        .or_else(|| {
            e.get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|t| t.get_ref().remote_addr())
        })
        .map(|a| a.ip())
}

fn client_certs<B>(req: &http::Request<B>) -> Option<()> {
    let certs = req
        .extensions()
        .get::<TlsConnectInfo<TcpConnectInfo>>()?
        .peer_certs()?;
    (!certs.is_empty()).then_some(())
}

/// The tower layer that puts a [`Gate`] in front of the services.
#[derive(Clone)]
pub struct AdmissionLayer(pub Arc<Gate>);

impl<S> tower_layer::Layer<S> for AdmissionLayer {
    type Service = Admission<S>;
    fn layer(&self, inner: S) -> Admission<S> {
        Admission {
            inner,
            gate: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Admission<S> {
    inner: S,
    gate: Arc<Gate>,
}

type Answer<E> = Pin<Box<dyn Future<Output = Result<http::Response<Body>, E>> + Send>>;

impl<S> tower_service::Service<http::Request<Body>> for Admission<S>
where
    S: tower_service::Service<http::Request<Body>, Response = http::Response<Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<Body>) -> Self::Future {
        let page = !is_grpc(&req);
        let gate = self.gate.clone();
        let (caller, slot) = match self.gate.admit(&req) {
            Ok(admitted) => admitted,
            Err(refused) => return Box::pin(async move { Ok(gate.answer(page, refused)) }),
        };
        req.extensions_mut().insert(caller);
        // The service that was polled ready takes this call; its clone waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let timeout = self.gate.limits.request_timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, inner.call(req)).await {
                Ok(Ok(response)) => {
                    // tonic refuses an oversized message itself, with no reason code.
                    if let Some(refusal) = super::status::message_too_large(response.headers()) {
                        return Ok(gate.answer(page, refusal));
                    }
                    Ok(match slot {
                        // The slot goes with the response body: a stream holds it while it is
                        // open.
                        Some(slot) => response.map(|body| Body::new(Held { body, _slot: slot })),
                        None => response,
                    })
                }
                Ok(Err(e)) => Err(e),
                Err(_) => Ok(gate.answer(page, super::status::timed_out(timeout))),
            }
        })
    }
}

/// A response body that holds a slot until it is dropped.
struct Held {
    body: Body,
    _slot: Slot,
}

impl http_body::Body for Held {
    type Data = tonic::codegen::Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_a_policy_and_only_nodes_push_and_follow() {
        assert_eq!(policy("/sjdj.v1.RegistryService/GetRecord"), Policy::Public);
        assert_eq!(
            policy("/sjdj.v1.TransparencyService/ListEntries"),
            Policy::Public
        );
        assert_eq!(
            policy("/sjdj.v1.RegistrationService/UploadAttachment"),
            Policy::Token
        );
        assert_eq!(policy("/sjdj.v1.ReviewService/PassReview"), Policy::Token);
        assert_eq!(policy("/sjdj.v1.AdminService/ListTokens"), Policy::Token);
        assert_eq!(policy("/sjdj.v1.FederationService/Push"), Policy::Node);
        assert_eq!(
            policy("/sjdj.v1.FederationService/PushStream"),
            Policy::Node
        );
        assert_eq!(policy("/sjdj.v1.FederationService/FollowLog"), Policy::Node);
        assert_eq!(
            policy("/sjdj.v1.FederationService/GetTrustList"),
            Policy::Public
        );
        assert_eq!(policy("/grpc.health.v1.Health/Check"), Policy::Open);
        assert_eq!(
            policy("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            Policy::Public
        );
    }
}
