//! Pull, the fallback when a province cannot push: the national node reads a province's public
//! log (checkpoint, entries, consistency proofs) and the certificates its entries pin, and runs
//! them through the same ingest as a push. Nothing is trusted for being fetched: the province's
//! signed checkpoint, the tree and the domain rules are checked exactly as for a push.
use crate::engine::commands::Ingest;
use crate::engine::{Engine, EngineError, IngestBatch, Synced, MAX_ENTRIES};
use crate::grpc::remote::GrpcProvince;
use crate::log::entry::Record;
use crate::sync::remote::{CallError, ProvinceNode};
use std::time::Duration;

pub struct PullConfig {
    pub node_id: String,
    pub url: String,
    pub interval: Duration,
    pub tls: Option<tonic::transport::ClientTlsConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("province node: {0}")]
    Call(#[from] CallError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Refused(String),
}

/// Pulls from one province every interval until the task is dropped.
pub async fn run(engine: Engine, cfg: PullConfig) {
    let mut province = match GrpcProvince::new(&cfg.url, cfg.tls.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(node = %cfg.node_id, error = %e, "bad federation.pull url");
            return;
        }
    };
    let mut tick = tokio::time::interval(cfg.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tick.tick().await;
        match pull_once(&engine, &cfg.node_id, &mut province).await {
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
    province: &mut impl ProvinceNode,
) -> Result<u64, PullError> {
    let Some(cp) = province.checkpoint().await? else {
        return Ok(0);
    };
    let state = engine.mirror_state(node_id)?;
    let accepted = state.signed.as_ref().map_or(0, |c| c.size);
    if state.held == cp.size && accepted == cp.size {
        return Ok(state.held);
    }
    let accepted_proof = proof(province, accepted, cp.size).await?;
    let mut held = state.held;
    loop {
        let end = (held + MAX_ENTRIES).min(cp.size);
        let entries = if end > held {
            province.entries(held, end).await?
        } else {
            Vec::new()
        };
        // An answer cut by bytes (quotas.entries_bytes) ends early: the batch ends there.
        let end = held + entries.len() as u64;
        let certificates = pinned(province, &entries).await?;
        let batch = IngestBatch {
            node_id: node_id.to_string(),
            note: cp.note.clone(),
            from: held,
            signed_proof: accepted_proof.clone(),
            batch_proof: proof(province, end, cp.size).await?,
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
    province: &mut impl ProvinceNode,
    from: u64,
    to: u64,
) -> Result<Vec<[u8; 32]>, PullError> {
    if from == 0 || from >= to {
        return Ok(Vec::new());
    }
    Ok(province.consistency_proof(from, to).await?)
}

/// The certificates the entries pin, fetched from the province's registry.
async fn pinned(
    province: &mut impl ProvinceNode,
    entries: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, PullError> {
    let mut out = Vec::new();
    for data in entries {
        let Ok(record) = Record::decode(data) else {
            continue; // the ingest names a malformed entry
        };
        if let Some((code, version)) = record.issued_certificate() {
            out.push(province.certificate(code, version).await?);
        }
    }
    Ok(out)
}
