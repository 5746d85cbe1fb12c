//! FederationService: provinces push their log to the national node in signed envelopes;
//! anyone may read the sync state and the trust list (public keys and namespaces only).
//! A push is opened with the sending node's active key from the trust list before its payload
//! is decoded, and the payload must name the same node.
use super::pb::{self, federation_service_server::FederationService};
use super::status;
use crate::engine::commands::Ingest;
use crate::engine::{Engine, IngestBatch, Ingested, Synced};
use crate::log::checkpoint::note_key_id;
use crate::sync::envelope::{self, Envelope, EnvelopeSignature, TrustedKey};
use crate::sync::trust::TrustedNode;
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// The payload type of a push batch.
pub fn push_batch_type() -> String {
    envelope::payload_type("push-batch", 1)
}

/// The payload type of a query to follow the national log.
pub fn follow_log_type() -> String {
    envelope::payload_type("follow-log", 1)
}

/// Opens an envelope from `node_id` with the keys the trust list holds for it (`all`: retired
/// and revoked ones too, for reads), then decodes its payload.
fn open_from<M: Message + Default>(
    engine: &Engine,
    node_id: &str,
    env: Option<pb::Envelope>,
    payload_type: &str,
    all: bool,
) -> Result<(TrustedNode, M), Status> {
    let node = engine
        .trusted_node(node_id)
        .map_err(status::status)?
        .ok_or_else(|| {
            status::refusal(crate::domain::flow::Refusal::denied(
                "SYNC_UNKNOWN_NODE",
                format!("node {node_id} is not in the national trust list"),
            ))
        })?;
    if !all && node.active_key().is_none() {
        return Err(status::refusal(crate::domain::flow::Refusal::denied(
            "SYNC_KEY_REVOKED",
            format!("the key of node {node_id} is revoked; a new key must be delegated"),
        )));
    }
    let keys: Vec<ed25519_dalek::VerifyingKey> = if all {
        node.keys.iter().map(|k| k.verifying_key()).collect()
    } else {
        node.active_key().into_iter().collect()
    };
    let trusted: Vec<TrustedKey> = keys
        .into_iter()
        .map(|key| TrustedKey {
            keyid: note_key_id(&node.origin(), &key),
            key,
        })
        .collect();
    let env = from_wire(env.unwrap_or_default());
    let (payload, _) = envelope::open(&env, payload_type, &trusted).map_err(|e| {
        if let Some(region) = signed_under_other_region(&node, &env) {
            return status::refusal(crate::domain::flow::Refusal::precondition(
                "SYNC_WRONG_REGION",
                format!(
                    "envelope from {node_id} is signed with its key under the origin of \
                     namespace {region}, but the national log delegates namespace {} to it: \
                     set node.region = \"{}\" in its config and restart it",
                    node.region, node.region
                ),
            ));
        }
        status::refusal(crate::domain::flow::Refusal::denied(
            e.reason(),
            format!("envelope from {node_id}: {e}"),
        ))
    })?;
    let message = M::decode(payload)
        .map_err(|e| status::invalid("SYNC_BAD_PAYLOAD", format!("payload: {e}")))?;
    Ok((node, message))
}

/// The namespace whose origin an envelope naming none of `node`'s keys was signed under, when
/// it is `node`'s own active key under another namespace: a province whose `node.region` is not
/// the one delegated to it (it signs under its own origin, `sjdj/<region>/<id>`). Looked for only
/// on a refused envelope, over the 90 possible namespaces.
fn signed_under_other_region(node: &TrustedNode, env: &Envelope) -> Option<String> {
    let key = node.active_key()?;
    (11..=99u32)
        .map(|xx| format!("{xx}0000"))
        .chain(std::iter::once(
            crate::domain::codes::Region::CENTRAL.to_string(),
        ))
        .filter(|r| *r != node.region)
        .find(|r| {
            let id = note_key_id(&crate::log::checkpoint::origin(r, &node.node_id), &key);
            env.signatures.iter().any(|s| s.keyid == id)
        })
}

/// Envelopes refused, by the node they name and the reason, for `/metrics`: a province that
/// keeps pushing under a revoked key, a wrong region or a forked log shows here. Node ids the
/// trust list does not hold count as one, so a caller cannot grow the table.
#[derive(Default)]
pub struct RefusedEnvelopes(std::sync::Mutex<std::collections::BTreeMap<(String, String), u64>>);

impl RefusedEnvelopes {
    fn note(&self, node_id: &str, refusal: &Status) {
        use tonic_types::StatusExt;
        let reason = refusal
            .get_error_details()
            .error_info()
            .map_or_else(|| refusal.code().to_string(), |i| i.reason.clone());
        let node = if reason == "SYNC_UNKNOWN_NODE" {
            ""
        } else {
            node_id
        };
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry((node.to_string(), reason)).or_default() += 1;
    }

    /// ((node id, reason), envelopes refused) since the node started.
    pub fn counts(&self) -> Vec<((String, String), u64)> {
        let counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        counts.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

pub struct Federation {
    pub engine: Engine,
    /// Mutual TLS: pushes and follows must come over a connection with a client certificate
    /// of the node they name (the TLS layer checked it against the configured client CA).
    pub require_client_cert: bool,
    /// Node calls per node id (`federation.node_rate_per_second`, `node_burst`).
    pub node_limit: std::sync::Arc<super::ratelimit::RateLimiter<String>>,
    /// Envelope and proof checks running at once, node-wide (one per core).
    pub checks: std::sync::Arc<tokio::sync::Semaphore>,
    /// Refused envelopes per peer address (`federation.refused_per_second`, `refused_burst`):
    /// a genuine node sends none, so a peer that used its share is refused before any work
    /// (admission looks at the same buckets).
    pub refused: std::sync::Arc<super::ratelimit::RateLimiter<std::net::IpAddr>>,
    /// Refused envelopes counted for `/metrics`.
    pub refusals: std::sync::Arc<RefusedEnvelopes>,
}

/// The client certificates of a call's connection (mutual TLS), kept before the request is
/// taken apart.
type PeerCerts = Option<std::sync::Arc<Vec<tonic::transport::CertificateDer<'static>>>>;

impl Federation {
    /// Under mutual TLS, a node call needs a client certificate of the node it names (admission
    /// already refused one without any certificate before the body was read).
    fn check_node_cert(&self, certs: &PeerCerts, node_id: &str) -> Result<(), Status> {
        if !self.require_client_cert {
            return Ok(());
        }
        let named = certs
            .as_ref()
            .and_then(|c| c.first())
            .is_some_and(|c| super::tls::names_node(c, node_id));
        if named {
            return Ok(());
        }
        Err(status::refusal(crate::domain::flow::Refusal::denied(
            "CLIENT_CERT_WRONG_NODE",
            format!(
                "the client certificate does not name node {}",
                crate::domain::flow::echo(node_id)
            ),
        )))
    }
}

type Res<T> = Result<Response<T>, Status>;

/// The caller's address as admission found it (the client's, behind a trusted proxy).
fn peer<T>(req: &Request<T>) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<super::admission::Caller>()
        .and_then(|c| c.address)
        .or_else(|| req.remote_addr().map(|a| a.ip()))
}

/// Batches of one push stream queued in the writer and not yet answered, at most.
const PUSH_STREAM_WINDOW: usize = 8;

/// A batch of a push stream: its answer to come, or why it was not queued.
type Queued = Result<
    std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<Synced<Ingested>, crate::engine::EngineError>>
                + Send,
        >,
    >,
    Status,
>;

pub(super) fn trusted_node(n: &TrustedNode) -> pb::TrustedNode {
    pb::TrustedNode {
        node_id: n.node_id.clone(),
        region: n.region.clone(),
        origin: n.origin(),
        keys: n
            .keys
            .iter()
            .map(|k| pb::NodeKey {
                public_key: k.key.clone(),
                status: super::convert::enums::key_status_pb(k.status),
                since: k.since,
            })
            .collect(),
    }
}

pub fn to_wire(e: Envelope) -> pb::Envelope {
    pb::Envelope {
        payload_type: e.payload_type,
        payload: e.payload,
        signatures: e
            .signatures
            .into_iter()
            .map(|s| pb::EnvelopeSignature {
                keyid: s.keyid,
                sig: s.sig,
            })
            .collect(),
    }
}

/// An envelope as the wire carries it, for [`envelope::open`].
pub fn from_wire(e: pb::Envelope) -> Envelope {
    Envelope {
        payload_type: e.payload_type,
        payload: e.payload,
        signatures: e
            .signatures
            .into_iter()
            .map(|s| EnvelopeSignature {
                keyid: s.keyid,
                sig: s.sig,
            })
            .collect(),
    }
}

/// Proof hashes from the wire: each exactly 32 bytes.
pub fn proof_hashes(proof: Vec<Vec<u8>>) -> Result<Vec<[u8; 32]>, String> {
    proof
        .into_iter()
        .map(|h| {
            h.try_into()
                .map_err(|_| "a proof hash is not 32 bytes".to_string())
        })
        .collect()
}

impl Federation {
    /// What a push stream's reader task needs of the service.
    fn handle(&self) -> Federation {
        Federation {
            engine: self.engine.clone(),
            require_client_cert: self.require_client_cert,
            node_limit: self.node_limit.clone(),
            checks: self.checks.clone(),
            refused: self.refused.clone(),
            refusals: self.refusals.clone(),
        }
    }

    /// Runs an envelope's checks for node `node_id` off the async threads, at most
    /// `checks` at once, after taking a call from the node's bucket: so no node, however many
    /// envelopes it sends, holds more than its share of the cores or any async worker.
    async fn off_async<T: Send + 'static>(
        &self,
        peer: Option<std::net::IpAddr>,
        node_id: &str,
        check: impl FnOnce(&Engine) -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        self.node_limit
            .check(&node_id.to_string(), "NODE_RATE_LIMITED")?;
        let checked = self.blocking(check).await;
        if let Err(refusal) = &checked {
            self.refusals.note(node_id, refusal);
        }
        if let (Err(_), Some(ip)) = (&checked, peer) {
            // Counted whether or not the bucket still had room: it only has to run dry.
            let _ = self
                .refused
                .check(&super::ratelimit::address_key(ip), "NODE_REFUSED_TOO_OFTEN");
        }
        checked
    }

    /// Runs `work` on a blocking thread, at most `checks` at once.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        let _permit = self
            .checks
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Status::unavailable("SHUTTING_DOWN: the node is shutting down"))?;
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || work(&engine))
            .await
            .map_err(|e| Status::internal(format!("off the async threads: {e}")))?
    }

    /// Opens a pushed batch off the async threads: the envelope with the sender's active key,
    /// the payload, then the batch's stateless checks (`ingest::prepare`), which so run beside
    /// the writer's work on the batch before.
    async fn open_push(
        &self,
        peer: Option<std::net::IpAddr>,
        r: pb::PushRequest,
    ) -> Result<IngestBatch, Status> {
        let node_id = r.node_id.clone();
        self.off_async(peer, &node_id, move |engine| open_and_prepare(engine, r))
            .await
    }
}

/// A signed payload must name the node the request names (whose key opened it).
fn same_node(what: &str, signed: &str, named: &str) -> Result<(), Status> {
    if signed == named {
        return Ok(());
    }
    Err(status::invalid(
        "SYNC_BAD_PAYLOAD",
        format!("the {what} is from {signed}, the request names {named}"),
    ))
}

fn open_and_prepare(engine: &Engine, r: pb::PushRequest) -> Result<IngestBatch, Status> {
    let (node, b): (_, pb::PushBatch) =
        open_from(engine, &r.node_id, r.envelope, &push_batch_type(), false)?;
    same_node("batch", &b.node_id, &r.node_id)?;
    Ok(IngestBatch {
        node_id: b.node_id,
        note: b.checkpoint,
        from: b.from,
        signed_proof: hashes("accepted_proof", b.accepted_proof)?,
        batch_proof: hashes("batch_proof", b.batch_proof)?,
        prepared: Some(crate::sync::ingest::prepare(
            &node.certificate_keys(),
            &b.entries,
            &b.certificates,
        )),
        entries: b.entries,
        certificates: b.certificates,
    })
}

/// What a follower gets: the national log's entries after the ones it holds, with the proofs
/// that tie them to the latest checkpoint and to the one it accepted before.
fn follow(engine: &Engine, r: pb::FollowLogRequest) -> Result<pb::FollowLogResponse, Status> {
    let (_, q): (_, pb::FollowLogQuery) =
        open_from(engine, &r.node_id, r.envelope, &follow_log_type(), true)?;
    same_node("query", &q.node_id, &r.node_id)?;
    let cp = engine.checkpoint().ok_or_else(|| {
        status::refusal(crate::domain::flow::Refusal::precondition(
            "NO_CHECKPOINT",
            "the national log has no checkpoint yet",
        ))
    })?;
    if q.from > cp.size || q.accepted > cp.size {
        return Err(status::refusal(crate::domain::flow::Refusal::precondition(
            "SYNC_AHEAD",
            format!(
                "the national log has {} entries; the follower says it holds {}",
                cp.size,
                q.from.max(q.accepted)
            ),
        )));
    }
    let end = (q.from + crate::engine::MAX_ENTRIES).min(cp.size);
    let entries: Vec<Vec<u8>> = if end > q.from {
        engine
            .log_entries_page(q.from, end)
            .map_err(status::status)?
            .into_iter()
            .map(|(_, e)| e)
            .collect()
    } else {
        Vec::new()
    };
    // A page cut by bytes ends early; its proof is from where it ends.
    let end = q.from + entries.len() as u64;
    let proof = |from: u64| -> Result<Vec<Vec<u8>>, Status> {
        if from == 0 || from >= cp.size {
            return Ok(Vec::new());
        }
        let (_, p) = engine
            .consistency_proof(from, cp.size)
            .map_err(status::status)?;
        Ok(p.into_iter().map(|h| h.to_vec()).collect())
    };
    Ok(pb::FollowLogResponse {
        accepted_proof: proof(q.accepted)?,
        batch_proof: proof(end)?,
        checkpoint: cp.note,
        origin: cp.origin,
        entries,
    })
}

fn push_response(answer: Synced<Ingested>) -> Result<pb::PushResponse, Status> {
    match answer {
        Synced::Applied(i) => Ok(pb::PushResponse {
            held: i.held,
            checkpoint_size: i.size,
            receipt: i.receipt.unwrap_or_default(),
        }),
        // Refused to the sender; the fork's evidence and the frozen feed are kept.
        Synced::Refused(r) => Err(status::refusal(r)),
    }
}

fn hashes(field: &str, proof: Vec<Vec<u8>>) -> Result<Vec<[u8; 32]>, Status> {
    proof_hashes(proof).map_err(|e| status::invalid("SYNC_BAD_PROOF", format!("{field}: {e}")))
}

#[tonic::async_trait]
impl FederationService for Federation {
    async fn push(&self, req: Request<pb::PushRequest>) -> Res<pb::PushResponse> {
        let (certs, peer) = (req.peer_certs(), peer(&req));
        let r = req.into_inner();
        self.check_node_cert(&certs, &r.node_id)?;
        let batch = self.open_push(peer, r).await?;
        let answer = self
            .engine
            .execute(Ingest(Box::new(batch)))
            .await
            .map_err(status::status)?;
        push_response(answer).map(Response::new)
    }

    type PushStreamStream = ReceiverStream<Result<pb::PushStreamResponse, Status>>;

    async fn push_stream(
        &self,
        req: Request<Streaming<pb::PushStreamRequest>>,
    ) -> Res<Self::PushStreamStream> {
        let (certs, peer) = (req.peer_certs(), peer(&req));
        let mut inbound = req.into_inner();
        let (answers, out) = mpsc::channel(PUSH_STREAM_WINDOW);
        // Batches queued in the writer, in the order received; their answers go out in order.
        let (queued, mut pending) = mpsc::channel(PUSH_STREAM_WINDOW);
        let engine = self.engine.clone();
        let this = self.handle();
        tokio::spawn(async move {
            loop {
                let next = match inbound.message().await {
                    Ok(Some(pb::PushStreamRequest { push: Some(r) })) => {
                        match this.check_node_cert(&certs, &r.node_id) {
                            Ok(()) => this.open_push(peer, r).await,
                            Err(refused) => Err(refused),
                        }
                    }
                    Ok(Some(pb::PushStreamRequest { push: None })) => Err(status::invalid(
                        "FIELD_REQUIRED",
                        "push is required in every PushStreamRequest",
                    )),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let answer: Queued = match next {
                    Ok(batch) => match engine.submit(Ingest(Box::new(batch))).await {
                        Ok(answer) => Ok(Box::pin(answer)),
                        Err(e) => Err(status::status(e)),
                    },
                    Err(e) => Err(e),
                };
                let stop = answer.is_err();
                if queued.send(answer).await.is_err() || stop {
                    break;
                }
            }
        });
        tokio::spawn(async move {
            while let Some(answer) = pending.recv().await {
                let answer = match answer {
                    Ok(answer) => answer
                        .await
                        .map_err(status::status)
                        .and_then(push_response)
                        .map(|r| pb::PushStreamResponse { result: Some(r) }),
                    Err(status) => Err(status),
                };
                let stop = answer.is_err();
                if answers.send(answer).await.is_err() || stop {
                    break;
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(out)))
    }

    async fn get_sync_state(
        &self,
        req: Request<pb::GetSyncStateRequest>,
    ) -> Res<pb::GetSyncStateResponse> {
        let s = self
            .engine
            .mirror_state(&req.get_ref().node_id)
            .map_err(status::status)?;
        Ok(Response::new(pb::GetSyncStateResponse {
            held: s.held,
            accepted_size: s.signed.map_or(0, |c| c.size),
            frozen: s.frozen.is_some(),
            national_origin: self.engine.log_origin().to_string(),
        }))
    }

    async fn follow_log(&self, req: Request<pb::FollowLogRequest>) -> Res<pb::FollowLogResponse> {
        let (certs, peer) = (req.peer_certs(), peer(&req));
        let r = req.into_inner();
        self.check_node_cert(&certs, &r.node_id)?;
        let node_id = r.node_id.clone();
        // The envelope check, the entries and the proofs: all of it off the async threads.
        self.off_async(peer, &node_id, move |engine| follow(engine, r))
            .await
            .map(Response::new)
    }

    async fn get_mirror(&self, req: Request<pb::GetMirrorRequest>) -> Res<pb::GetMirrorResponse> {
        let r = req.into_inner();
        // A public read, rate-limited per address by admission; the store reads run on a
        // blocking thread, as many at once as envelope checks.
        let page = self
            .blocking(move |engine| {
                engine
                    .mirror_page(&r.node_id, r.from)
                    .map_err(status::status)
            })
            .await?;
        Ok(Response::new(pb::GetMirrorResponse {
            checkpoint: page.checkpoint,
            held: page.held,
            entries: page.entries,
            certificates: page.certificates,
        }))
    }

    async fn get_trust_list(
        &self,
        _req: Request<pb::GetTrustListRequest>,
    ) -> Res<pb::GetTrustListResponse> {
        let nodes = self.engine.trust_list().map_err(status::status)?;
        Ok(Response::new(pb::GetTrustListResponse {
            nodes: nodes.iter().map(trusted_node).collect(),
        }))
    }
}
