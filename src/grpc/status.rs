//! The one mapping from engine errors to `tonic::Status`. Every refusal carries a
//! `google.rpc.ErrorInfo` with a stable reason code (domain "sjdj"), and materials problems a
//! `google.rpc.BadRequest` listing every field, so any gRPC client can act on them.
use crate::domain::flow::{Refusal, RefusalKind};
use crate::engine::EngineError;
use crate::store::StoreError;
use std::collections::HashMap;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

pub const DOMAIN: &str = "sjdj";

fn with_reason(code: Code, reason: &str, message: String) -> Status {
    let details = ErrorDetails::with_error_info(reason, DOMAIN, HashMap::new());
    Status::with_error_details(code, format!("{reason}: {message}"), details)
}

pub fn refusal(r: Refusal) -> Status {
    let code = match r.kind {
        RefusalKind::InvalidArgument => Code::InvalidArgument,
        RefusalKind::PermissionDenied => Code::PermissionDenied,
        RefusalKind::FailedPrecondition => Code::FailedPrecondition,
        RefusalKind::NotFound => Code::NotFound,
    };
    let mut details = ErrorDetails::with_error_info(r.reason, DOMAIN, HashMap::new());
    if !r.violations.is_empty() {
        let violations: Vec<FieldViolation> = r
            .violations
            .iter()
            .map(|v| {
                FieldViolation::new(
                    format!("materials.{}", v.field),
                    format!("{}: {}", v.reason, v.message),
                )
            })
            .collect();
        details.set_bad_request(violations);
    }
    Status::with_error_details(code, format!("{}: {}", r.reason, r.message), details)
}

pub fn status(e: EngineError) -> Status {
    match e {
        EngineError::Refused(r) => refusal(r),
        EngineError::Unauthenticated(m) => with_reason(Code::Unauthenticated, "UNAUTHENTICATED", m),
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
    }
}

/// A malformed request field, refused before it reaches the engine.
pub fn invalid(reason: &'static str, message: impl Into<String>) -> Status {
    refusal(Refusal::invalid(reason, message))
}
