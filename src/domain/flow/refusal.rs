//! Why a command was refused. A refusal changes nothing.
use crate::domain::materials::Violation;
use std::fmt;

/// The broad class of a refusal; the gRPC layer maps each to one status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// Malformed input: bad materials, unknown values.
    InvalidArgument,
    /// The actor may not do this (wrong role, another subject's application).
    PermissionDenied,
    /// The step is out of order for the application's state.
    FailedPrecondition,
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// Stable reason code, e.g. `WRONG_STATE`, `NOT_OWNER`.
    pub reason: &'static str,
    pub message: String,
    /// Every problem in the materials, when the refusal is about them.
    pub violations: Vec<Violation>,
}

impl Refusal {
    pub fn new(kind: RefusalKind, reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            reason,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    pub fn invalid(reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::InvalidArgument, reason, message)
    }

    pub fn denied(reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::PermissionDenied, reason, message)
    }

    pub fn precondition(reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(RefusalKind::FailedPrecondition, reason, message)
    }

    pub fn materials(violations: Vec<Violation>) -> Refusal {
        let list: Vec<String> = violations
            .iter()
            .map(|v| format!("{} ({})", v.field, v.reason))
            .collect();
        Refusal {
            kind: RefusalKind::InvalidArgument,
            reason: "MATERIALS_INVALID",
            message: format!(
                "the materials have {} problem(s): {}",
                list.len(),
                list.join(", ")
            ),
            violations,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

impl std::error::Error for Refusal {}
