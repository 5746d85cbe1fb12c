//! Callers: `authorization: Bearer <token>` metadata resolves to an [`Actor`]. Admission
//! (`grpc::admission`) resolves it before the request body is read and refuses a call that needs
//! a token without a valid one; the services take the actor it found from the request.
use super::admission::{bearer, Caller};
use super::status::status;
use crate::domain::types::Actor;
use crate::engine::{Engine, EngineError};
use tonic::{Request, Status};

/// The caller's actor: as admission found it, or (a service run without the admission layer)
/// from the request's token.
pub fn actor<T>(engine: &Engine, req: &Request<T>) -> Result<Actor, Status> {
    if let Some(caller) = req.extensions().get::<Caller>() {
        return caller.actor.clone().ok_or_else(unauthenticated);
    }
    let token = bearer(req.metadata().as_ref()).ok_or_else(unauthenticated)?;
    engine.authenticate(token).map_err(status)
}

fn unauthenticated() -> Status {
    status(EngineError::Unauthenticated(
        "this call needs `authorization: Bearer <token>`".into(),
    ))
}
