//! The gRPC edge (package `sjdj.v1`): the only module that knows prost types. Each
//! service converts requests with `convert`, runs them on the engine, and maps every error
//! through `status` — one place, with stable reason codes.
mod admin;
pub mod admission;
pub mod auth;
mod backup;
mod carried;
pub mod convert;
pub mod federation;
pub mod incoming;
pub mod json;
pub mod ratelimit;
mod registration;
mod registry;
pub mod remote;
mod review;
pub mod slots;
pub mod status;
pub mod tls;
mod transparency;
mod watch;

pub mod pb {
    tonic::include_proto!("sjdj.v1");
}

pub use carried::{CarriedAnswer, Carries};

/// Encoded descriptors of every sjdj proto, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/sjdj_descriptor.bin"));

use crate::domain::flow::{Application, Command};
use crate::domain::types::Actor;
use crate::engine::commands::FlowStep;
use crate::engine::Engine;
use tonic::Status;

pub use admin::Admin;
pub use federation::Federation;
pub use registration::Registration;
pub use registry::{file_objection, Objecting, Registry};
pub use review::Review;
pub use transparency::Transparency;

/// Largest request the node decodes: an attachment at the size limit plus room for its fields.
pub fn max_message_bytes(max_attachment_bytes: usize) -> usize {
    max_attachment_bytes + 64 * 1024
}

/// Runs one flow command through the engine's writer.
pub(crate) async fn run_flow(
    engine: &Engine,
    actor: Actor,
    request_id: String,
    application_id: Option<String>,
    command: Command,
) -> Result<(Application, Option<String>), Status> {
    let application_id = application_id.filter(|id| !id.is_empty());
    let applied = engine
        .execute(FlowStep {
            actor,
            request_id,
            application_id,
            command: Box::new(command),
        })
        .await
        .map_err(status::status)?;
    Ok((*applied.app, applied.objection_id))
}

/// Runs a scan of the store (search, statistics) off the async threads, at most as many at once
/// as `slots` allows node-wide: a scan neither stalls an async worker nor takes every core.
pub(crate) async fn scan<T: Send + 'static>(
    slots: &std::sync::Arc<tokio::sync::Semaphore>,
    engine: &Engine,
    f: impl FnOnce(&Engine) -> Result<T, crate::engine::EngineError> + Send + 'static,
) -> Result<T, Status> {
    let _permit = slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| status::status(crate::engine::EngineError::Unavailable))?;
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .map_err(|e| Status::internal(format!("scan: {e}")))?
        .map_err(status::status)
}

/// Decodes a page token that is a plain id; they are opaque to clients.
pub(crate) fn page_after(token: &str) -> &str {
    token.trim()
}
