//! The federation drivers' view of the other node (`sync::remote`), carried over gRPC: the
//! national node's FederationService and registry for a province, a province's transparency
//! log and registry for the national node that pulls it.
use super::federation::{follow_log_type, proof_hashes, push_batch_type, to_wire};
use super::pb::federation_service_client::FederationServiceClient;
use super::pb::registry_service_client::RegistryServiceClient;
use super::pb::transparency_service_client::TransparencyServiceClient;
use super::status::reason_of;
use super::{pb, CarriedAnswer, Carries};
use crate::sync::envelope::Envelope;
use crate::sync::remote::{
    CallError, Certificates, FeedStatus, FollowAnswer, NationalNode, ProvinceNode, Published,
    PushAnswer, PushAnswers, PushBatch,
};
use crate::sync::round::National;
use prost::Message;
use std::sync::Arc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt as _;
use tonic::transport::{Channel, ClientTlsConfig};
use tonic::Status;

/// Seals a payload of a type in an envelope signed with this node's key.
pub type Seal = Arc<dyn Fn(&str, Vec<u8>) -> Envelope + Send + Sync>;

fn call_error(s: Status) -> CallError {
    CallError {
        reason: reason_of(&s),
        message: format!("{:?}: {}", s.code(), s.message()),
    }
}

fn hashes(proof: Vec<Vec<u8>>) -> Result<Vec<[u8; 32]>, CallError> {
    proof_hashes(proof).map_err(CallError::malformed)
}

fn wire(proof: Vec<[u8; 32]>) -> Vec<Vec<u8>> {
    proof.into_iter().map(|h| h.to_vec()).collect()
}

fn channel(url: &str, tls: Option<&ClientTlsConfig>) -> Result<Channel, String> {
    super::tls::lazy_channel(url, tls).map_err(|e| format!("{url}: {e}"))
}

async fn certificate(
    registry: &mut RegistryServiceClient<Channel>,
    code: &str,
    version: u32,
) -> Result<Vec<u8>, CallError> {
    let cert = registry
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::Code(code.to_string())),
            version,
        })
        .await
        .carried()
        .map_err(call_error)?;
    Ok(cert.signed)
}

/// The national node, for the province `node_id` that seals its requests with `seal`.
pub struct GrpcNational {
    node_id: String,
    seal: Seal,
    federation: FederationServiceClient<Channel>,
    registry: RegistryServiceClient<Channel>,
}

impl GrpcNational {
    /// A client of the node at `url`, connected on first use (a node that is down is retried).
    pub fn new(
        url: &str,
        tls: Option<&ClientTlsConfig>,
        node_id: String,
        seal: Seal,
    ) -> Result<Self, String> {
        let channel = channel(url, tls)?;
        Ok(GrpcNational {
            node_id,
            seal,
            registry: RegistryServiceClient::new(channel.clone()),
            // A push batch or a slice of the national log is bounded by the batch size the
            // sender chose, not by a client-side limit.
            federation: FederationServiceClient::new(channel)
                .max_decoding_message_size(usize::MAX)
                .max_encoding_message_size(usize::MAX),
        })
    }
}

impl Certificates for GrpcNational {
    async fn certificate(&mut self, code: &str, version: u32) -> Result<Vec<u8>, CallError> {
        certificate(&mut self.registry, code, version).await
    }
}

impl NationalNode for GrpcNational {
    async fn feed_status(&mut self) -> Result<FeedStatus, CallError> {
        let s = self
            .federation
            .get_sync_state(pb::GetSyncStateRequest {
                node_id: self.node_id.clone(),
            })
            .await
            .map_err(call_error)?
            .into_inner();
        Ok(FeedStatus {
            national: National {
                held: s.held,
                accepted: s.accepted_size,
                frozen: s.frozen,
            },
            national_origin: s.national_origin,
        })
    }

    async fn follow_log(
        &mut self,
        from: u64,
        accepted: u64,
    ) -> Result<Option<FollowAnswer>, CallError> {
        let query = pb::FollowLogQuery {
            node_id: self.node_id.clone(),
            from,
            accepted,
        };
        let envelope = (self.seal)(&follow_log_type(), query.encode_to_vec());
        let r = match self
            .federation
            .follow_log(pb::FollowLogRequest {
                node_id: self.node_id.clone(),
                envelope: Some(to_wire(envelope)),
            })
            .await
        {
            Ok(r) => r.into_inner(),
            Err(s) => {
                let e = call_error(s);
                return match e.reason.as_deref() {
                    Some("SYNC_UNKNOWN_NODE" | "NO_CHECKPOINT") => Ok(None),
                    _ => Err(e),
                };
            }
        };
        Ok(Some(FollowAnswer {
            origin: r.origin,
            checkpoint: r.checkpoint,
            entries: r.entries,
            accepted_proof: hashes(r.accepted_proof)?,
            batch_proof: hashes(r.batch_proof)?,
        }))
    }

    async fn push(
        &mut self,
        mut batches: tokio::sync::mpsc::Receiver<PushBatch>,
    ) -> Result<PushAnswers, CallError> {
        let (node_id, seal) = (self.node_id.clone(), self.seal.clone());
        // Each batch is sealed by a task of its own as the stream takes it, so the next is
        // signed while the last is in flight. (A mapped stream would do, but rustc cannot yet
        // prove that future `Send` through the `async fn` of a trait.)
        let (requests, stream) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            while let Some(b) = batches.recv().await {
                let batch = pb::PushBatch {
                    node_id: node_id.clone(),
                    checkpoint: b.checkpoint,
                    from: b.from,
                    accepted_proof: wire(b.accepted_proof),
                    batch_proof: wire(b.batch_proof),
                    certificates: b.certificates,
                    entries: b.entries,
                };
                let envelope = seal(&push_batch_type(), batch.encode_to_vec());
                let request = pb::PushStreamRequest {
                    push: Some(pb::PushRequest {
                        node_id: node_id.clone(),
                        envelope: Some(to_wire(envelope)),
                    }),
                };
                if requests.send(request).await.is_err() {
                    return;
                }
            }
        });
        let answers = self
            .federation
            .push_stream(ReceiverStream::new(stream))
            .await
            .map_err(call_error)?
            .into_inner();
        Ok(Box::pin(answers.map(|a| {
            let r = a.and_then(|a| a.carried()).map_err(call_error)?;
            Ok(PushAnswer {
                held: r.held,
                receipt: r.receipt,
            })
        })))
    }
}

/// A province's public log and registry, for the national node that pulls it.
pub struct GrpcProvince {
    log: TransparencyServiceClient<Channel>,
    registry: RegistryServiceClient<Channel>,
}

impl GrpcProvince {
    /// A client of the node at `url`, connected on first use.
    pub fn new(url: &str, tls: Option<&ClientTlsConfig>) -> Result<Self, String> {
        let channel = channel(url, tls)?;
        Ok(GrpcProvince {
            log: TransparencyServiceClient::new(channel.clone()),
            registry: RegistryServiceClient::new(channel),
        })
    }
}

impl Certificates for GrpcProvince {
    async fn certificate(&mut self, code: &str, version: u32) -> Result<Vec<u8>, CallError> {
        certificate(&mut self.registry, code, version).await
    }
}

impl ProvinceNode for GrpcProvince {
    async fn checkpoint(&mut self) -> Result<Option<Published>, CallError> {
        match self.log.get_checkpoint(pb::GetCheckpointRequest {}).await {
            Ok(c) => {
                let c = c.into_inner();
                Ok(Some(Published {
                    note: c.note,
                    size: c.size,
                }))
            }
            Err(s) => {
                let e = call_error(s);
                match e.reason.as_deref() {
                    Some("NO_CHECKPOINT") => Ok(None),
                    _ => Err(e),
                }
            }
        }
    }

    async fn entries(&mut self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, CallError> {
        let r = self
            .log
            .list_entries(pb::ListEntriesRequest { start, end })
            .await
            .map_err(call_error)?;
        Ok(r.into_inner().entries.into_iter().map(|e| e.data).collect())
    }

    async fn consistency_proof(
        &mut self,
        first: u64,
        second: u64,
    ) -> Result<Vec<[u8; 32]>, CallError> {
        let p = self
            .log
            .get_consistency_proof(pb::GetConsistencyProofRequest { first, second })
            .await
            .map_err(call_error)?;
        hashes(p.into_inner().hashes)
    }
}
