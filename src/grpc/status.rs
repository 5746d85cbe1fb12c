//! The one mapping from engine errors to `tonic::Status`. Every refusal carries a
//! `google.rpc.ErrorInfo` with a stable reason code (domain "sjdj"), and materials problems a
//! `google.rpc.BadRequest` listing every field, so any gRPC client can act on them.
use crate::domain::flow::{bounded, Refusal, RefusalKind, MAX_MESSAGE_CHARS};
use crate::engine::EngineError;
use crate::store::StoreError;
use std::collections::HashMap;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

pub const DOMAIN: &str = "sjdj";

/// Field violations a refusal lists at most (the materials have fewer fields than this).
const MAX_VIOLATIONS: usize = 100;

/// Every status message goes out through here: a refusal built from an echoed input, a
/// transport or store error text, all cut to [`MAX_MESSAGE_CHARS`] so the trailer stays small
/// enough for any client to read the reason.
fn message(reason: &str, message: &str) -> String {
    bounded(format!("{reason}: {message}"), MAX_MESSAGE_CHARS)
}

pub(crate) fn with_reason(code: Code, reason: &str, message: String) -> Status {
    let details = ErrorDetails::with_error_info(reason, DOMAIN, HashMap::new());
    Status::with_error_details(code, self::message(reason, &message), details)
}

/// The reason code a refusal carries in its `ErrorInfo` (domain "sjdj"), for clients that act
/// on it; `None` for a status without one (a transport error, another server).
pub fn reason_of(s: &Status) -> Option<String> {
    s.get_details_error_info()
        .filter(|i| i.domain == DOMAIN)
        .map(|i| i.reason)
}

pub fn refusal(r: Refusal) -> Status {
    let code = match r.kind {
        RefusalKind::InvalidArgument => Code::InvalidArgument,
        RefusalKind::PermissionDenied => Code::PermissionDenied,
        RefusalKind::FailedPrecondition => Code::FailedPrecondition,
        RefusalKind::NotFound => Code::NotFound,
        RefusalKind::ResourceExhausted => Code::ResourceExhausted,
    };
    let mut details = ErrorDetails::with_error_info(r.reason, DOMAIN, HashMap::new());
    if !r.violations.is_empty() {
        let violations: Vec<FieldViolation> = r
            .violations
            .iter()
            .take(MAX_VIOLATIONS)
            .map(|v| {
                FieldViolation::new(
                    bounded(format!("materials.{}", v.field), MAX_MESSAGE_CHARS),
                    message(&v.reason, &v.message),
                )
            })
            .collect();
        details.set_bad_request(violations);
    }
    Status::with_error_details(code, message(r.reason, &r.message), details)
}

pub fn status(e: EngineError) -> Status {
    match e {
        EngineError::Refused(r) => refusal(r),
        EngineError::Unauthenticated(m) => with_reason(Code::Unauthenticated, "UNAUTHENTICATED", m),
        EngineError::TokenExpired(m) => with_reason(Code::Unauthenticated, "TOKEN_EXPIRED", m),
        EngineError::Store(StoreError::Corrupt { key, detail }) => {
            tracing::error!(%key, %detail, "corrupted store entry");
            with_reason(
                Code::DataLoss,
                "STORE_CORRUPT",
                format!("stored data at {key} is corrupted"),
            )
        }
        EngineError::Store(e) => {
            tracing::error!(error = %e, "store error");
            with_reason(Code::Internal, "STORE_ERROR", e.to_string())
        }
        EngineError::Unavailable => with_reason(
            Code::Unavailable,
            "SHUTTING_DOWN",
            "the node is shutting down".into(),
        ),
        EngineError::Internal(m) => {
            tracing::error!(error = %m, "internal error");
            with_reason(Code::Internal, "INTERNAL", m)
        }
        EngineError::OutcomeUnknown(m) => {
            tracing::error!(error = %m, "a write's flush failed");
            with_reason(
                Code::Unavailable,
                "WRITE_OUTCOME_UNKNOWN",
                format!(
                    "the store could not make this write durable ({m}); it may or may not have \
                     been applied: retry with the same request_id"
                ),
            )
        }
        e @ EngineError::StoreFull { .. } => {
            tracing::debug!(error = %e, "a write was refused: the store's disk is full");
            with_reason(Code::Unavailable, "STORE_FULL", e.to_string())
        }
        EngineError::Diverged(m) => {
            tracing::error!(error = %m, "the store diverged from the published history");
            with_reason(Code::DataLoss, "STORE_DIVERGED", m)
        }
        e @ EngineError::SearchBuilding => {
            with_reason(Code::Unavailable, "SEARCH_INDEX_BUILDING", e.to_string())
        }
    }
}

/// A malformed request field, refused before it reaches the engine.
pub fn invalid(reason: &'static str, message: impl Into<String>) -> Status {
    refusal(Refusal::invalid(reason, message))
}

/// tonic's refusal of a request message over a service's decoding limit (a bare OUT_OF_RANGE
/// with a message of its own), answered instead like every other refusal: RESOURCE_EXHAUSTED
/// with reason `MESSAGE_TOO_LARGE` and what sets the limit. `None` for any other response.
pub fn message_too_large(headers: &tonic::codegen::http::HeaderMap) -> Option<Status> {
    if headers.get("grpc-status")?.as_bytes() != b"11" {
        return None;
    }
    let bare = Status::from_header_map(headers)?;
    let tail = bare
        .message()
        .strip_prefix("Error, decoded message length too large: ")?;
    Some(with_reason(
        Code::ResourceExhausted,
        "MESSAGE_TOO_LARGE",
        format!(
            "the request message is too large ({tail}); RegistrationService takes \
             attachments.max_bytes plus 64 KiB, FederationService a push envelope, every other \
             service 4 MiB"
        ),
    ))
}

/// A call that did not answer within the request timeout (`server.request_timeout_ms`).
pub fn timed_out(after: std::time::Duration) -> Status {
    with_reason(
        Code::DeadlineExceeded,
        "REQUEST_TIMEOUT",
        format!(
            "the call did not complete within {} ms (server.request_timeout_ms); a write may \
             still have been applied: retry with the same request_id",
            after.as_millis()
        ),
    )
}
