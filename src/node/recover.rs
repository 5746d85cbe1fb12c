//! `sjdj-node recover`: a stopped node gets back the entries of its log that its store lost
//! (restored from an older backup, or from nothing but its key and config) from the other
//! tier's copy of it (`FederationService.GetMirror`: a province from the national node, the
//! national node from a province), checked against its own last published checkpoint
//! (`engine::recover`), then audits the store.
use super::config::Validated;
use super::{engine_config, national_tls, open_store, NodeError};
use crate::engine::audit::{self, AuditReport};
use crate::engine::recover::{Fetched, Recovered};
use crate::grpc::pb::{self, federation_service_client::FederationServiceClient};
use ed25519_dalek::SigningKey;
use std::sync::Arc;

/// What the recovery did and the audit of the store after it.
pub struct Outcome {
    pub recovered: Recovered,
    pub audit: AuditReport,
    /// Where the entries came from.
    pub source: String,
}

/// Fetches what the store lacks of this node's log from `source` (default: the config's
/// national node; the national node names a province) and recovers it into the store;
/// refuses, writing nothing, if the entries do not rebuild this node's own checkpoint.
pub async fn recover(
    v: Validated,
    key: SigningKey,
    source: Option<String>,
) -> Result<Outcome, NodeError> {
    let c = &v.config;
    let dir = &c.node.data_dir;
    crate::store::files::private_umask();
    crate::store::files::create_private_dir_all(dir)
        .map_err(|e| NodeError::Other(format!("cannot create data dir {}: {e}", dir.display())))?;
    let store = Arc::new(open_store(dir)?);
    let from = crate::engine::recover::log_size(store.as_ref())?;
    // Decided here, before asking anyone: a store that holds the kept checkpoint lost nothing.
    if let Some(k) = crate::engine::kept::read(&c.node.kept_checkpoint())? {
        let size = crate::log::checkpoint::note_size(k.checkpoint.as_bytes());
        if size.is_some_and(|size| size <= from) {
            return Err(NodeError::Other(format!(
                "RECOVER_NOTHING_LOST: the store holds {from} log entries, all of the \
                 checkpoint this node published last ({}): nothing to recover",
                c.node.kept_checkpoint().display()
            )));
        }
    }
    let source = source.unwrap_or_else(|| c.federation.national_url.clone());
    if source.is_empty() {
        return Err(NodeError::Other(
            "this node follows no national node (federation.national_url is empty): give \
             --from URL of a node that holds a copy of this node's log (for the national \
             node: a province that follows it)"
                .into(),
        ));
    }
    // Over https, the federation's CA (and client certificate): the tiers share one PKI.
    let tls = if source.starts_with("https://") {
        national_tls(&c.federation)?
    } else {
        None
    };
    // A province keeps its copy of the national log under one id, whatever the national
    // node's own id.
    let copy = if c.node.role == crate::domain::types::NodeRole::National.name() {
        crate::engine::NATIONAL_MIRROR
    } else {
        c.node.id.as_str()
    };
    let fetched = fetch(&source, tls.as_ref(), copy, from).await?;
    let cfg = engine_config(&v);
    let origin = crate::log::checkpoint::origin(&v.region.to_string(), &c.node.id);
    let verifying = key.verifying_key();
    let recovered = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            crate::engine::recover::recover(store, key, cfg, fetched)
        })
        .await
        .map_err(|e| NodeError::Other(format!("recovery failed: {e}")))?
        .map_err(|e| match e {
            // The refusal once, not also as its own cause.
            crate::engine::EngineError::Refused(r) => NodeError::Other(r.to_string()),
            e => NodeError::Engine(e),
        })?
    };
    let report = audit::audit(store.as_ref(), &verifying, &origin)
        .map_err(|m| NodeError::Other(format!("the recovered store fails the audit: {m}")))?;
    audit::kept(
        store.as_ref(),
        &verifying,
        &origin,
        &c.node.kept_checkpoint(),
    )
    .map_err(|m| NodeError::Other(format!("the recovered store fails the audit: {m}")))?;
    Ok(Outcome {
        recovered,
        audit: report,
        source,
    })
}

/// Every entry `source` holds of `node_id`'s log from `from` on, page by page, with the
/// certificates they pin and the latest checkpoint it accepted.
async fn fetch(
    source: &str,
    tls: Option<&tonic::transport::ClientTlsConfig>,
    node_id: &str,
    mut from: u64,
) -> Result<Fetched, NodeError> {
    let channel = crate::grpc::tls::lazy_channel(source, tls)
        .map_err(|e| NodeError::Other(format!("bad URL {source}: {e}")))?;
    let mut client = FederationServiceClient::new(channel).max_decoding_message_size(usize::MAX);
    let mut fetched = Fetched {
        checkpoint: Vec::new(),
        entries: Vec::new(),
        certificates: Vec::new(),
    };
    loop {
        let page = client
            .get_mirror(pb::GetMirrorRequest {
                node_id: node_id.to_string(),
                from,
            })
            .await
            .map_err(|s| {
                NodeError::Other(format!(
                    "{source} cannot give its copy of this node's log from entry {from}: {}",
                    s.message()
                ))
            })?
            .into_inner();
        if fetched.checkpoint.is_empty() {
            fetched.checkpoint = page.checkpoint;
        }
        from += page.entries.len() as u64;
        let done = page.entries.is_empty() || from >= page.held;
        fetched.entries.extend(page.entries);
        fetched.certificates.extend(page.certificates);
        if done {
            return Ok(fetched);
        }
    }
}
