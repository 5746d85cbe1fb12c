//! Reads go straight to the store, concurrently with the writer. Each read checks who may see
//! what: registrants their own applications, staff all, the public only the registry. They are
//! split by who asks: [`applications`] (registrants and staff), [`staff`], [`public`], and
//! [`nodes`] (the federation's reads).
use super::tokens::{self, TokenRecord};
use super::{apps, Engine, EngineError};
use crate::domain::calendar::china_date;
use crate::domain::certificate::{Certificate, SignedCertificate};
use crate::domain::codes::UnifiedCode;
use crate::domain::flow::{echo, Application, Decision, Refusal, RefusalKind, State};
use crate::domain::record::{Record, RecordStatus};
use crate::domain::types::{Actor, Role};
use crate::store::{codec, keys};
use time::Date;

/// Largest page any list returns.
pub const MAX_PAGE: usize = 500;

pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque token for the next page; `None` at the end.
    pub next: Option<String>,
}

pub struct QueueEntry {
    pub application: Application,
    pub due: Option<Date>,
    pub overdue: bool,
}

pub use crate::search::Filter as SearchFilter;
pub use public::{Found, Logged};

pub struct CertificateView {
    pub signed: SignedCertificate,
    pub certificate: Certificate,
    pub query_code: String,
    /// The national confirmation of the certificate's entry, once confirmed.
    pub confirmation: Option<super::Confirmation>,
    /// The issuer's key, when this node or the trust list knows it.
    pub issuer_key: Option<ed25519_dalek::VerifyingKey>,
}

/// One state change of an application, as its subject's notification stream shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    /// The log entry of the event: the stream's cursor.
    pub index: u64,
    pub application_id: String,
    pub step: String,
    /// The application's state after the event.
    pub state: String,
    pub at: i64,
}

pub struct Verification {
    pub valid: bool,
    pub reason: &'static str,
    pub message: String,
    pub certificate: Option<CertificateView>,
    pub status: Option<RecordStatus>,
}

fn page_size(requested: i32, default: usize) -> usize {
    match usize::try_from(requested) {
        Ok(0) | Err(_) => default,
        Ok(n) => n.min(MAX_PAGE),
    }
}

fn not_found(reason: &'static str, message: String) -> EngineError {
    Refusal::new(RefusalKind::NotFound, reason, message).into()
}

const STAFF_READERS: [Role; 4] = [Role::Clerk, Role::Reviewer, Role::Registrar, Role::Auditor];

impl Engine {
    /// The caller behind a bearer token.
    pub fn authenticate(&self, token: &str) -> Result<Actor, EngineError> {
        let key = keys::token(&tokens::hash_hex(token));
        let bytes = self
            .store()
            .get(&key)?
            .ok_or_else(|| EngineError::Unauthenticated("unknown token".into()))?;
        let record: TokenRecord = codec::decode(&key, &bytes)?;
        if record.revoked {
            return Err(EngineError::Unauthenticated(format!(
                "token {} is revoked",
                record.token_id
            )));
        }
        let expiry = record.expiry(self.config().tokens.ttl_days);
        if self.clock().now() >= expiry {
            return Err(EngineError::TokenExpired(format!(
                "token {} expired at {} (unix seconds); ask the node's admin for a new one",
                record.token_id, expiry
            )));
        }
        Ok(record.actor())
    }

    pub fn today(&self) -> Date {
        china_date(self.clock().now())
    }

    fn read_app(&self, id: &str) -> Result<Option<Application>, EngineError> {
        apps::current(&|k| Ok(self.store().get(k)?), id)
    }

    /// The durable log size, and a way to wait for it to grow.
    pub fn durable(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.durable.subscribe()
    }
}

mod applications;
mod nodes;
mod public;
mod staff;

pub use nodes::{Confirmation, IssuerKey, ProvinceState};
