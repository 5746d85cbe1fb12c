//! Pull, the fallback when a province cannot push: the national node reads a province's public
//! log (checkpoint, entries, consistency proofs) and the certificates its entries pin, and runs
//! them through the same ingest as a push. Nothing is trusted for being fetched: the province's
//! signed checkpoint, the tree and the domain rules are checked exactly as for a push.
use crate::engine::commands::Ingest;
use crate::engine::{Engine, EngineError, IngestBatch, Synced, MAX_ENTRIES};
use crate::grpc::{pb, CarriedAnswer};
use crate::log::entry::Record;
use pb::registry_service_client::RegistryServiceClient;
use pb::transparency_service_client::TransparencyServiceClient;
use std::time::Duration;
use tonic::transport::Channel;

pub struct PullConfig {
    pub node_id: String,
    pub url: String,
    pub interval: Duration,
    pub tls: Option<tonic::transport::ClientTlsConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("province node: {0}")]
    Rpc(#[from] tonic::Status),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Refused(String),
}

/// Pulls from one province every interval until the task is dropped.
pub async fn run(engine: Engine, cfg: PullConfig) {
    let channel = match crate::grpc::tls::lazy_channel(&cfg.url, cfg.tls.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(node = %cfg.node_id, error = %e, "bad federation.pull url");
            return;
        }
    };

    let mut log = TransparencyServiceClient::new(channel.clone());
    let mut registry = RegistryServiceClient::new(channel);
    let mut tick = tokio::time::interval(cfg.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tick.tick().await;
        match pull_once(&engine, &cfg.node_id, &mut log, &mut registry).await {
            Ok(_) => failing = false,
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(node = %cfg.node_id, error = %e, "pull failed; retrying");
            }
            Err(_) => {}
        }
    }
}

/// One round: ingest everything the province's latest checkpoint has that the mirror does not.
pub async fn pull_once(
    engine: &Engine,
    node_id: &str,
    log: &mut TransparencyServiceClient<Channel>,
    registry: &mut RegistryServiceClient<Channel>,
) -> Result<u64, PullError> {
    let cp = match log.get_checkpoint(pb::GetCheckpointRequest {}).await {
        Ok(c) => c.into_inner(),
        Err(s) if s.code() == tonic::Code::FailedPrecondition => return Ok(0),
        Err(s) => return Err(s.into()),
    };
    let state = engine.mirror_state(node_id)?;
    let accepted = state.signed.as_ref().map_or(0, |c| c.size);
    if state.held == cp.size && accepted == cp.size {
        return Ok(state.held);
    }
    let accepted_proof = proof(log, accepted, cp.size).await?;
    let mut held = state.held;
    loop {
        let end = (held + MAX_ENTRIES).min(cp.size);
        let entries: Vec<Vec<u8>> = if end > held {
            log.list_entries(pb::ListEntriesRequest { start: held, end })
                .await?
                .into_inner()
                .entries
                .into_iter()
                .map(|e| e.data)
                .collect()
        } else {
            Vec::new()
        };
        // An answer cut by bytes (quotas.entries_bytes) ends early: the batch ends there.
        let end = held + entries.len() as u64;
        let certificates = pinned(registry, &entries).await?;
        let batch = IngestBatch {
            node_id: node_id.to_string(),
            note: cp.note.clone(),
            from: held,
            signed_proof: accepted_proof.clone(),
            batch_proof: proof(log, end, cp.size).await?,
            entries,
            certificates,
            prepared: None,
        };
        match engine.execute(Ingest(Box::new(batch))).await? {
            Synced::Applied(i) if i.held >= i.size => return Ok(i.held),
            Synced::Applied(i) => held = i.held,
            Synced::Refused(r) => {
                return Err(PullError::Refused(format!("{}: {}", r.reason, r.message)))
            }
        }
    }
}

async fn proof(
    log: &mut TransparencyServiceClient<Channel>,
    from: u64,
    to: u64,
) -> Result<Vec<[u8; 32]>, PullError> {
    if from == 0 || from >= to {
        return Ok(Vec::new());
    }
    let p = log
        .get_consistency_proof(pb::GetConsistencyProofRequest {
            first: from,
            second: to,
        })
        .await?
        .into_inner();
    crate::grpc::federation::proof_hashes(p.hashes).map_err(PullError::Refused)
}

/// The certificates the entries pin, fetched from the province's registry.
async fn pinned(
    registry: &mut RegistryServiceClient<Channel>,
    entries: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, PullError> {
    let mut out = Vec::new();
    for data in entries {
        let Ok(record) = Record::decode(data) else {
            continue; // the ingest names a malformed entry
        };
        if let Some((code, version)) = record.issued_certificate() {
            let cert = registry
                .get_certificate(pb::GetCertificateRequest {
                    key: Some(pb::get_certificate_request::Key::Code(code.to_string())),
                    version,
                })
                .await
                .carried()?;
            out.push(cert.signed);
        }
    }
    Ok(out)
}
