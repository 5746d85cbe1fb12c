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
    /// A quota is used up (objections, edits, stored bytes); the reason names its config key.
    ResourceExhausted,
}

/// Longest refusal message, in characters. A refusal travels in the `grpc-message` trailer
/// (and again in `grpc-status-details-bin`); stock clients refuse trailers past 8-16 KiB, so a
/// message that echoed a huge input would hide the reason from the caller.
pub const MAX_MESSAGE_CHARS: usize = 256;

/// Longest stretch of a caller's input a message repeats, in characters.
pub const MAX_ECHO_CHARS: usize = 64;

/// A caller's value as a refusal may repeat it: debug-quoted and cut at [`MAX_ECHO_CHARS`],
/// saying how long it really was.
pub fn echo(value: &str) -> String {
    let n = value.chars().count();
    if n <= MAX_ECHO_CHARS {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(MAX_ECHO_CHARS).collect();
    format!("{head:?}… ({n} characters)")
}

/// `message` cut to at most `max` characters, on a character boundary.
pub fn bounded(message: String, max: usize) -> String {
    match message.char_indices().nth(max) {
        None => message,
        Some((cut, _)) => {
            let mut m = message[..cut].to_string();
            m.push('…');
            m
        }
    }
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
            message: bounded(message.into(), MAX_MESSAGE_CHARS),
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

    /// A quota used up: `what` has reached `limit`, set by config key `key`.
    pub fn quota(reason: &'static str, what: impl fmt::Display, limit: u64, key: &str) -> Refusal {
        Refusal::new(
            RefusalKind::ResourceExhausted,
            reason,
            format!("{what} has reached its limit of {limit} ({key})"),
        )
    }

    pub fn materials(violations: Vec<Violation>) -> Refusal {
        let list: Vec<String> = violations
            .iter()
            .map(|v| format!("{} ({})", v.field, v.reason))
            .collect();
        Refusal {
            kind: RefusalKind::InvalidArgument,
            reason: "MATERIALS_INVALID",
            message: bounded(
                format!(
                    "the materials have {} problem(s): {}",
                    list.len(),
                    list.join(", ")
                ),
                MAX_MESSAGE_CHARS,
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
