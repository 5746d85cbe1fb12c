//! Callers: `authorization: Bearer <token>` metadata resolves to an [`Actor`]. Public RPCs take
//! no token; the rest refuse a missing, unknown or revoked one with UNAUTHENTICATED.
use super::status::status;
use crate::domain::types::Actor;
use crate::engine::{Engine, EngineError};
use tonic::{Request, Status};

pub fn bearer<T>(req: &Request<T>) -> Option<&str> {
    let value = req.metadata().get("authorization")?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

pub fn actor<T>(engine: &Engine, req: &Request<T>) -> Result<Actor, Status> {
    let token = bearer(req).ok_or_else(|| {
        status(EngineError::Unauthenticated(
            "this call needs `authorization: Bearer <token>`".into(),
        ))
    })?;
    engine.authenticate(token).map_err(status)
}
