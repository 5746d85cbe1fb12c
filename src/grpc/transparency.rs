//! TransparencyService: the node's log, public. Proofs are served only against published
//! (durable, signed) sizes; rate-limited per client like the registry.
use super::pb::{self, transparency_service_server::TransparencyService};
use super::status;
use crate::engine::Engine;
use crate::log::checkpoint::{verifier_key, SignedCheckpoint};
use tonic::{Request, Response, Status};

pub struct Transparency {
    pub engine: Engine,
}

type Res<T> = Result<Response<T>, Status>;

pub(super) fn checkpoint_view(c: &SignedCheckpoint, engine: &Engine) -> pb::GetCheckpointResponse {
    pb::GetCheckpointResponse {
        note: c.note.clone(),
        origin: c.origin.clone(),
        size: c.size,
        root_hash: c.root.to_vec(),
        time: c.time,
        verifier_key: verifier_key(&c.origin, &engine.verifying_key()),
    }
}

#[tonic::async_trait]
impl TransparencyService for Transparency {
    async fn get_checkpoint(
        &self,
        _req: Request<pb::GetCheckpointRequest>,
    ) -> Res<pb::GetCheckpointResponse> {
        match self.engine.checkpoint() {
            Some(c) => Ok(Response::new(checkpoint_view(&c, &self.engine))),
            None => Err(status::refusal(crate::domain::flow::Refusal::precondition(
                "NO_CHECKPOINT",
                "the log has no checkpoint yet (it is empty or its first checkpoint is being signed)",
            ))),
        }
    }

    async fn list_entries(
        &self,
        req: Request<pb::ListEntriesRequest>,
    ) -> Res<pb::ListEntriesResponse> {
        let r = req.get_ref();
        let entries = self
            .engine
            .log_entries_page(r.start, r.end)
            .map_err(status::status)?;
        Ok(Response::new(pb::ListEntriesResponse {
            entries: entries
                .into_iter()
                .map(|(index, data)| pb::LogEntry { index, data })
                .collect(),
        }))
    }

    async fn get_inclusion_proof(
        &self,
        req: Request<pb::GetInclusionProofRequest>,
    ) -> Res<pb::GetInclusionProofResponse> {
        let r = req.get_ref();
        let (tree_size, hashes) = self
            .engine
            .inclusion_proof(r.index, r.tree_size)
            .map_err(status::status)?;
        Ok(Response::new(pb::GetInclusionProofResponse {
            index: r.index,
            tree_size,
            hashes: hashes.iter().map(|h| h.to_vec()).collect(),
        }))
    }

    async fn get_consistency_proof(
        &self,
        req: Request<pb::GetConsistencyProofRequest>,
    ) -> Res<pb::GetConsistencyProofResponse> {
        let r = req.get_ref();
        let (second, hashes) = self
            .engine
            .consistency_proof(r.first, r.second)
            .map_err(status::status)?;
        Ok(Response::new(pb::GetConsistencyProofResponse {
            first: r.first,
            second,
            hashes: hashes.iter().map(|h| h.to_vec()).collect(),
        }))
    }
}
