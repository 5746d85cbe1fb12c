//! The one refusal type of `sync`: why a pushed batch, a followed one, a signed envelope or a
//! trust-list change is refused, each with its stable reason code.
use super::envelope::MAX_PAYLOAD;
use crate::log::LogError;

/// Why the national node (or a province following the national log) refuses what it received.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("checkpoint: {0}")]
    Checkpoint(LogError),
    #[error(
        "the checkpoint has {got} entries; the national node already accepted one of {accepted}"
    )]
    Stale { got: u64, accepted: u64 },
    #[error("the push starts at {got}; the national node holds {expected} entries of this log")]
    WrongStart { got: u64, expected: u64 },
    #[error("the batch of {sent} entries from {from} does not fit a checkpoint of {size}")]
    WrongCount { size: u64, from: u64, sent: u64 },
    /// Evidence: the accepted checkpoint and this one cannot both be true.
    #[error("fork: the checkpoint of {new} entries is not consistent with the accepted {old}")]
    Fork { old: u64, new: u64 },
    #[error("the entries up to {0} do not rebuild the signed tree")]
    RootMismatch(u64),
    #[error("entry {index}: {why}")]
    BadEntry { index: u64, why: String },
    #[error("entry {index} mints {code} outside the province's namespace {region}")]
    ForeignNamespace {
        index: u64,
        code: String,
        region: String,
    },
    #[error("entry {index} mints serial {serial} of {year}, not above the {last} already minted")]
    SerialReused {
        index: u64,
        year: u16,
        serial: u32,
        last: u32,
    },
    #[error("entry {index}: certificate: {why}")]
    BadCertificate { index: u64, why: String },
    #[error("entry {index} registers {code}, already in the national book")]
    CodeTaken { index: u64, code: String },
    // A signed envelope (`envelope`).
    #[error("payload type {got} is not the expected {expected:?}")]
    WrongPayloadType { got: String, expected: String },
    #[error("payload of {0} bytes is larger than {MAX_PAYLOAD}")]
    PayloadTooLarge(usize),
    #[error("the envelope has no signature")]
    Unsigned,
    #[error("the envelope has {got} signatures; its signer has {keys} key(s) to sign with")]
    TooManySignatures { got: usize, keys: usize },
    #[error("no signature names a key trusted for the signer (key ids: {0})")]
    UnknownKey(String),
    #[error("the signature by key {0} does not verify")]
    BadSignature(String),
    /// The feed was frozen by a fork alarm: nothing more is applied until an operator acts.
    #[error("the feed is frozen by alarm #{alarm} (fork); nothing is applied")]
    Frozen { alarm: u64 },
    /// A trust-list change (`trust`), with its own reason code.
    #[error("{message}")]
    Trust {
        reason: &'static str,
        message: String,
    },
}

impl Refused {
    /// Stable reason code for the wire.
    pub fn reason(&self) -> &'static str {
        match self {
            Refused::Checkpoint(_) => "SYNC_BAD_CHECKPOINT",
            Refused::Stale { .. } => "SYNC_STALE_CHECKPOINT",
            Refused::WrongStart { .. } => "SYNC_WRONG_START",
            Refused::WrongCount { .. } => "SYNC_WRONG_COUNT",
            Refused::Fork { .. } => "SYNC_FORK",
            Refused::RootMismatch(_) => "SYNC_ROOT_MISMATCH",
            Refused::BadEntry { .. } => "SYNC_BAD_ENTRY",
            Refused::ForeignNamespace { .. } => "SYNC_FOREIGN_NAMESPACE",
            Refused::SerialReused { .. } => "SYNC_SERIAL_REUSED",
            Refused::BadCertificate { .. } => "SYNC_BAD_CERTIFICATE",
            Refused::CodeTaken { .. } => "SYNC_CODE_TAKEN",
            Refused::WrongPayloadType { .. } => "ENVELOPE_WRONG_TYPE",
            Refused::PayloadTooLarge(_) => "ENVELOPE_TOO_LARGE",
            Refused::Unsigned => "ENVELOPE_UNSIGNED",
            Refused::TooManySignatures { .. } => "ENVELOPE_TOO_MANY_SIGNATURES",
            Refused::UnknownKey(_) => "ENVELOPE_UNKNOWN_KEY",
            Refused::BadSignature(_) => "ENVELOPE_BAD_SIGNATURE",
            Refused::Frozen { .. } => "SYNC_FROZEN",
            Refused::Trust { reason, .. } => reason,
        }
    }
}
