//! The province's push driver: after each new checkpoint, send the national node every entry it
//! does not hold yet, in signed batches on one `PushStream` with a few unanswered at a time (so
//! the national node checks the next batch while it stores the last), and keep the receipt. It asks the national node where
//! it stands before each push, so an interrupted or refused push simply resumes; a national node
//! that is down is retried every interval while the province goes on working.
//!
//! Each round it also follows the national log (FollowLog): the national checkpoint, verified by
//! the engine with the root key from the config and consistent with the last one followed, and
//! the new entries, checked against it before the trust-list changes among them are applied.
use crate::engine::commands::{Follow, Import, KeepReceipt};
use crate::engine::{Engine, EngineError, FollowBatch, Synced, NATIONAL_MIRROR};
use crate::grpc::remote::GrpcNational;
use crate::log::entry::Record;
use crate::sync::remote::{CallError, NationalNode, PushBatch};
use crate::sync::round::{self, Answered, Plan};
use ed25519_dalek::VerifyingKey;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};
use tokio_stream::StreamExt as _;

/// Batches of a push sent and not yet answered, at most.
pub const PUSH_WINDOW: usize = 4;

pub struct PushConfig {
    pub national_url: String,
    pub national_key: VerifyingKey,
    pub interval: Duration,
    pub batch_entries: u64,
    /// For an `https://` URL: the national node's CA and, for mutual TLS, this node's identity.
    pub tls: Option<tonic::transport::ClientTlsConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("national node: {0}")]
    Call(#[from] CallError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Refused(String),
}

/// What one round did.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Nothing new: the latest checkpoint already has its receipt and the national node holds
    /// it (or there is no checkpoint).
    Idle,
    /// The national node confirmed the checkpoint of this size.
    Confirmed(u64),
}

/// Pushes every interval until the task is dropped. Failures are logged and retried.
pub async fn run(engine: Engine, cfg: PushConfig) {
    let seal = {
        let engine = engine.clone();
        Arc::new(move |kind: &str, payload: Vec<u8>| engine.seal(kind, payload))
    };
    let node_id = engine.config().node_id.clone();
    let mut national = match GrpcNational::new(&cfg.national_url, cfg.tls.as_ref(), node_id, seal) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "bad federation.national_url");
            return;
        }
    };
    let mut tick = tokio::time::interval(cfg.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut failing, mut follow_failing, mut idle) = (false, false, 0);
    loop {
        tick.tick().await;
        let followed = match follow_once(&engine, &mut national, &cfg).await {
            Ok(_) => import_handed_over(&engine, &mut national, &cfg).await,
            Err(e) => Err(e),
        };
        match followed {
            Ok(_) => follow_failing = false,
            Err(e) if !follow_failing => {
                follow_failing = true;
                tracing::warn!(error = %e, "following the national log failed; retrying");
            }
            Err(_) => {}
        }
        idle = (idle + 1) % RECHECK_EVERY;
        match push_once(&engine, &mut national, &cfg, idle == 0).await {
            Ok(Pushed::Confirmed(size)) => {
                failing = false;
                tracing::info!(size, "national node confirmed checkpoint");
            }
            Ok(Pushed::Idle) => failing = false,
            // One line when the national node goes away, not one per interval.
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "push to the national node failed; retrying");
            }
            Err(_) => {}
        }
    }
}

/// Fetches what is new in the national log (FollowLog, signed by this node) and hands it to the
/// engine batch by batch; returns the size now held.
pub async fn follow_once(
    engine: &Engine,
    national: &mut impl NationalNode,
    cfg: &PushConfig,
) -> Result<u64, PushError> {
    loop {
        let state = engine.mirror_state(NATIONAL_MIRROR)?;
        let accepted = state.signed.as_ref().map_or(0, |c| c.size);
        // Not delegated yet, or an empty national log: nothing to follow yet.
        let Some(r) = national.follow_log(state.held, accepted).await? else {
            return Ok(state.held);
        };
        if r.entries.is_empty()
            && state
                .signed
                .as_ref()
                .is_some_and(|c| c.note == r.checkpoint)
        {
            return Ok(state.held);
        }
        let batch = FollowBatch {
            national_key: cfg.national_key,
            national_origin: r.origin,
            note: r.checkpoint,
            from: state.held,
            signed_proof: r.accepted_proof,
            batch_proof: r.batch_proof,
            entries: r.entries,
        };
        match engine.execute(Follow(Box::new(batch))).await? {
            Synced::Applied(f) if f.held >= f.size => return Ok(f.held),
            Synced::Applied(_) => {}
            Synced::Refused(r) => {
                return Err(PushError::Refused(format!("{}: {}", r.reason, r.message)))
            }
        }
    }
}

/// Imports the records of codes the national node handed over to this node (from the national
/// certificates, which the engine verifies with the root key); returns how many.
pub async fn import_handed_over(
    engine: &Engine,
    national: &mut impl NationalNode,
    cfg: &PushConfig,
) -> Result<usize, PushError> {
    let pending = engine.pending_imports()?;
    for code in &pending {
        let certificate = national.certificate(code, 0).await?;
        engine
            .execute(Import {
                national_key: cfg.national_key,
                certificate,
            })
            .await?;
    }
    Ok(pending.len())
}

/// Idle rounds between two checks that the national node still holds what it confirmed.
const RECHECK_EVERY: u32 = 30;

/// One round: bring the national node up to the latest checkpoint and keep its receipt. With
/// `recheck`, a confirmed checkpoint is pushed again if the national node no longer holds it
/// (restored from an older backup).
pub async fn push_once(
    engine: &Engine,
    national: &mut impl NationalNode,
    cfg: &PushConfig,
    recheck: bool,
) -> Result<Pushed, PushError> {
    let Some(cp) = engine.checkpoint() else {
        return Ok(Pushed::Idle);
    };
    let receipt = engine.latest_receipt()?.map(|(size, _)| size);
    if !round::needs_asking(Some(cp.size), receipt, recheck) {
        return Ok(Pushed::Idle);
    }
    let confirmed = receipt.is_some_and(|size| size >= cp.size);
    let node_id = engine.config().node_id.clone();
    let state = national.feed_status().await?;
    // What concerns this node in the national log: once its key is rotated away or revoked
    // there, pushing under it would only be refused.
    let key_active = engine
        .trusted_node(&node_id)?
        .map(|me| me.active_key() == Some(engine.verifying_key()));
    let feed = state.national;
    match round::plan(cp.size, confirmed, key_active, feed) {
        Plan::Idle => return Ok(Pushed::Idle),
        Plan::Stop(why) => return Err(PushError::Refused(why.to_string())),
        Plan::Push { .. } => {}
    }
    let accepted_proof = proof(engine, feed.accepted, cp.size)?;
    // The batches go out on one stream, built as it takes them, with at most PUSH_WINDOW sent
    // and not yet answered: the national node checks the next while it flushes the last.
    let window = Arc::new(Semaphore::new(PUSH_WINDOW));
    let (to_stream, stream) = mpsc::channel(1);
    let producer = {
        let (engine, window) = (engine.clone(), window.clone());
        let (note, size, step) = (cp.note.clone(), cp.size, cfg.batch_entries);
        let mut from = feed.held;
        tokio::spawn(async move {
            loop {
                window.acquire().await.expect("never closed").forget();
                let end = (from + step).min(size);
                let entries = if end > from {
                    engine.log_entries(from, end)?
                } else {
                    Vec::new()
                };
                let batch = PushBatch {
                    checkpoint: note.clone(),
                    from,
                    accepted_proof: accepted_proof.clone(),
                    batch_proof: proof(&engine, end, size)?,
                    certificates: pinned_certificates(&engine, &entries)?,
                    entries: entries.into_iter().map(|(_, e)| e).collect(),
                };
                if to_stream.send(batch).await.is_err() || end == size {
                    return Ok::<(), EngineError>(());
                }
                from = end;
            }
        })
    };
    // Stops building batches however this function returns.
    let _stop = AbortOnDrop(producer.abort_handle());
    let mut answers = national.push(stream).await?;
    let mut held = feed.held;
    while let Some(resp) = answers.next().await {
        window.add_permits(1);
        let resp = resp?;
        match round::on_answer(held, resp.held, !resp.receipt.is_empty()) {
            Answered::Holds(now) => held = now,
            Answered::Stalled { before, after } => {
                return Err(PushError::Refused(format!(
                    "the national node held {after} after a batch from {before}"
                )))
            }
            Answered::Receipt => {
                engine
                    .execute(KeepReceipt {
                        national_key: cfg.national_key,
                        national_origin: state.national_origin.clone(),
                        receipt: resp.receipt,
                    })
                    .await?;
                // The receipt is kept outside the store too, beside the published checkpoint.
                engine.keep_published().await?;
                return Ok(Pushed::Confirmed(cp.size));
            }
        }
    }
    match producer.await {
        Ok(Err(e)) => Err(e.into()),
        _ => Err(PushError::Refused(format!(
            "the national node ended the push at {held} of {} entries without a receipt",
            cp.size
        ))),
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn proof(engine: &Engine, from: u64, to: u64) -> Result<Vec<[u8; 32]>, EngineError> {
    if from == 0 || from >= to {
        return Ok(Vec::new());
    }
    Ok(engine.consistency_proof(from, to)?.1)
}

/// The signed certificates the batch's `CertificateIssued` entries pin.
fn pinned_certificates(
    engine: &Engine,
    entries: &[(u64, Vec<u8>)],
) -> Result<Vec<Vec<u8>>, EngineError> {
    let mut out = Vec::new();
    for (index, data) in entries {
        let record = Record::decode(data).map_err(|e| {
            EngineError::corrupt(&crate::store::keys::event(*index), &e.to_string())
        })?;
        if let Some((code, version)) = record.issued_certificate() {
            let view = engine.certificate(Some(code), version, None)?;
            out.push(view.signed.into_bytes());
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "push_tests.rs"]
mod tests;
