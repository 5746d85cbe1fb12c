//! Reads go straight to the store, concurrently with the writer. Each read checks who may see
//! what: registrants their own applications, staff all, the public only the registry.
use super::tokens::{self, TokenRecord};
use super::{apps, Engine, EngineError};
use crate::domain::calendar::china_date;
use crate::domain::certificate::{Certificate, SignedCertificate};
use crate::domain::codes::UnifiedCode;
use crate::domain::flow::{echo, Application, Decision, Refusal, RefusalKind, State};
use crate::domain::record::{Record, RecordStatus};
use crate::domain::types::{Actor, DataType, Role};
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

#[derive(Default)]
pub struct SearchFilter {
    pub query: String,
    pub region: String,
    pub data_type: Option<DataType>,
    pub industry: String,
    pub status: Option<RecordStatus>,
}

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

    pub fn get_application(&self, actor: &Actor, id: &str) -> Result<Application, EngineError> {
        // The role first, so a caller who may read no application learns nothing of ids.
        if !(actor.role == Role::Registrant || STAFF_READERS.contains(&actor.role)) {
            return Err(Refusal::denied(
                "WRONG_ROLE",
                format!("the {} role cannot read applications", actor.role.name()),
            )
            .into());
        }
        match self.read_app(id)? {
            Some(app) if apps::visible_to(actor, &app) => Ok(app),
            _ => Err(apps::not_visible(id)),
        }
    }

    /// Applications the caller may see, optionally in one state, paged by application id.
    pub fn list_applications(
        &self,
        actor: &Actor,
        state: Option<State>,
        size: i32,
        after: &str,
    ) -> Result<Page<Application>, EngineError> {
        let size = page_size(size, 50);
        let prefix = match (actor.role, state) {
            (Role::Registrant, _) => keys::subject_prefix(actor.subject.as_deref().unwrap_or("-")),
            (r, Some(s)) if STAFF_READERS.contains(&r) => keys::state_prefix(s.name()),
            (r, None) if STAFF_READERS.contains(&r) => keys::APP_PREFIX.to_vec(),
            (r, _) => {
                return Err(Refusal::denied(
                    "WRONG_ROLE",
                    format!("the {} role cannot list applications", r.name()),
                )
                .into())
            }
        };
        let mut items = Vec::new();
        let mut cursor =
            (!after.is_empty()).then(|| [prefix.as_slice(), after.as_bytes()].concat());
        // Registrants filter their own list by state, so scan until the page is full.
        loop {
            let chunk = self.store().scan(&prefix, cursor.as_deref(), size)?;
            let exhausted = chunk.len() < size;
            for (key, value) in &chunk {
                let id = keys::suffix(key, &prefix);
                let app = if prefix.as_slice() == keys::APP_PREFIX {
                    apps::at(
                        &|k| Ok(self.store().get(k)?),
                        id,
                        apps::pointer(key, value)?,
                    )?
                } else {
                    self.read_app(id)?.ok_or_else(|| {
                        EngineError::corrupt(key, "index names a missing application")
                    })?
                };
                if state.is_none_or(|s| s == app.state) {
                    items.push(app);
                }
                cursor = Some(key.clone());
                if items.len() == size {
                    break;
                }
            }
            if items.len() == size || exhausted {
                let next = (items.len() == size)
                    .then(|| items.last().map(|a| a.id.clone()))
                    .flatten();
                return Ok(Page { items, next });
            }
        }
    }

    /// A step's work queue: overdue first, then by due date.
    pub fn queue(
        &self,
        actor: &Actor,
        state: State,
        objections_only: bool,
        size: i32,
    ) -> Result<Vec<QueueEntry>, EngineError> {
        if !STAFF_READERS.contains(&actor.role) {
            return Err(Refusal::denied(
                "WRONG_ROLE",
                format!("the {} role has no work queue", actor.role.name()),
            )
            .into());
        }
        let today = self.today();
        let prefix = keys::state_prefix(state.name());
        let mut entries = Vec::new();
        for (key, _) in self.store().scan(&prefix, None, usize::MAX)? {
            let id = keys::suffix(&key, &prefix);
            let Some(app) = self.read_app(id)? else {
                continue;
            };
            if objections_only && !app.has_open_objection() {
                continue;
            }
            let due = app.current_due();
            let overdue = state != State::InPublicity && due.is_some_and(|d| d < today);
            entries.push(QueueEntry {
                application: app,
                due,
                overdue,
            });
        }
        entries.sort_by_key(|e| (!e.overdue, e.due, e.application.id.clone()));
        entries.truncate(page_size(size, 100));
        Ok(entries)
    }

    /// A subject's application changes after log index `after` (`None`: from the first), up to
    /// `limit`, below the log size `durable` (a value `durable()` gave): so a stream never shows
    /// a change a crash could take back.
    pub fn subject_changes(
        &self,
        subject: &str,
        after: Option<u64>,
        durable: u64,
        limit: usize,
    ) -> Result<Vec<Change>, EngineError> {
        let prefix = keys::subject_events_prefix(&subject.to_ascii_uppercase());
        let after_key = after.map(|i| keys::subject_event(&subject.to_ascii_uppercase(), i));
        let mut out = Vec::new();
        for (key, value) in self.store().scan(&prefix, after_key.as_deref(), limit)? {
            let change: Change = codec::decode(&key, &value)?;
            if change.index >= durable {
                break;
            }
            out.push(change);
        }
        Ok(out)
    }

    /// The durable log size, and a way to wait for it to grow.
    pub fn durable(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.durable.subscribe()
    }

    /// Statistics for disclosure over every record this node's registry holds (on the national
    /// node: every province's), as they stand today. A scan, like keyword search.
    pub fn statistics(&self) -> Result<crate::domain::statistics::Statistics, EngineError> {
        let today = self.today();
        let mut stats = crate::domain::statistics::Statistics::default();
        let mut cursor: Option<Vec<u8>> = None;
        loop {
            let chunk = self
                .store()
                .scan(keys::RECORD_PREFIX, cursor.as_deref(), 1024)?;
            let Some((last, _)) = chunk.last() else {
                return Ok(stats);
            };
            let last = last.clone();
            for (key, value) in chunk {
                let r: Record = codec::decode(&key, &value)?;
                stats.add(&r, today);
            }
            cursor = Some(last);
        }
    }

    /// Open applications past their step's due date, by step: `acceptance` and `review` past
    /// their working-day limit, `publicity` past its end yet not registered (an objection still
    /// open, or a province waiting for its delegation). Reads only the open applications.
    pub fn overdue(&self) -> Result<Vec<(&'static str, u64)>, EngineError> {
        let today = self.today();
        let mut out = Vec::new();
        for (step, state) in [
            ("acceptance", State::Submitted),
            ("review", State::InReview),
            ("publicity", State::InPublicity),
        ] {
            let prefix = keys::state_prefix(state.name());
            let mut n = 0;
            for (key, _) in self.store().scan(&prefix, None, usize::MAX)? {
                let late = self
                    .read_app(keys::suffix(&key, &prefix))?
                    .and_then(|app| app.current_due())
                    .is_some_and(|due| due < today);
                n += u64::from(late);
            }
            out.push((step, n));
        }
        Ok(out)
    }

    pub fn get_record(&self, code: &str) -> Result<(Record, Vec<Decision>), EngineError> {
        let code = UnifiedCode::parse(code)
            .map_err(|e| Refusal::invalid(e.reason(), format!("{}: {e}", echo(code))))?
            .to_string();
        let key = keys::record(&code);
        let bytes = self
            .store()
            .get(&key)?
            .ok_or_else(|| not_found("CODE_NOT_FOUND", format!("no record {code}")))?;
        let mut record: Record = codec::decode(&key, &bytes)?;
        record.status = record.status_on(self.today());
        let mut history = Vec::new();
        // Every application behind the record: each version's, then the deregistration's.
        let ended = record.ended.iter().map(|e| e.application_id.as_str());
        for id in record
            .versions
            .iter()
            .map(|v| v.application_id.as_str())
            .chain(ended)
        {
            let app = if id.contains('/') {
                self.read_mirrored_app(id)?
            } else if id.is_empty() {
                None
            } else {
                self.read_app(id)?
            };
            if let Some(app) = app {
                history.extend(app.decisions);
            }
        }
        Ok((record, history))
    }

    pub fn search(
        &self,
        f: &SearchFilter,
        size: i32,
        after: &str,
    ) -> Result<Page<Record>, EngineError> {
        let size = page_size(size, 20);
        let today = self.today();
        let region = region_prefix(&f.region);
        let mut items = Vec::new();
        let mut cursor = (!after.is_empty()).then(|| keys::record(after));
        // A scan over the records: substring search needs no tokeniser for Chinese. A full-text
        // index can replace it when registries grow past what a scan serves (see ARCHITECTURE.md).
        'scan: loop {
            let chunk = self
                .store()
                .scan(keys::RECORD_PREFIX, cursor.as_deref(), 1024)?;
            if chunk.is_empty() {
                return Ok(Page { items, next: None });
            }
            for (key, value) in chunk {
                let mut r: Record = codec::decode(&key, &value)?;
                r.status = r.status_on(today);
                cursor = Some(key);
                let ok = r.matches_keyword(&f.query)
                    && r.region.starts_with(region)
                    && f.data_type.is_none_or(|d| d == r.data_type)
                    && (f.industry.is_empty() || r.industry == f.industry)
                    && f.status.is_none_or(|s| s == r.status);
                if ok {
                    items.push(r);
                    if items.len() == size {
                        break 'scan;
                    }
                }
            }
        }
        let next = items.last().map(|r| r.code.clone());
        Ok(Page { items, next })
    }

    /// Applications now in publicity, paged by application id: this node's, then on the national
    /// node the provinces' (ids `{node id}/{id}`).
    pub fn publicity(&self, size: i32, after: &str) -> Result<Page<Application>, EngineError> {
        let size = page_size(size, 50);
        let mirrored = after.contains('/');
        let mut items = Vec::new();
        if !mirrored {
            let prefix = keys::state_prefix(State::InPublicity.name());
            let cursor =
                (!after.is_empty()).then(|| [prefix.as_slice(), after.as_bytes()].concat());
            for (key, _) in self.store().scan(&prefix, cursor.as_deref(), size)? {
                if let Some(app) = self.read_app(keys::suffix(&key, &prefix))? {
                    items.push(app);
                }
            }
        }
        if items.len() < size {
            let prefix = keys::FED_PUBLICITY_PREFIX;
            let cursor = mirrored.then(|| [prefix, after.as_bytes()].concat());
            let rest = size - items.len();
            for (key, _) in self.store().scan(prefix, cursor.as_deref(), rest)? {
                if let Some(app) = self.read_mirrored_app(keys::suffix(&key, prefix))? {
                    items.push(app);
                }
            }
        }
        let next = (items.len() == size)
            .then(|| items.last().map(|a| a.id.clone()))
            .flatten();
        Ok(Page { items, next })
    }

    /// A certificate by code and version (0 = current) or by query code.
    pub fn certificate(
        &self,
        code: Option<&str>,
        version: u32,
        query_code: Option<&str>,
    ) -> Result<CertificateView, EngineError> {
        let (code, version) = match (code, query_code) {
            (Some(code), _) => {
                let code = UnifiedCode::parse(code)
                    .map_err(|e| Refusal::invalid(e.reason(), format!("{}: {e}", echo(code))))?
                    .to_string();
                let version = if version == 0 {
                    self.get_record(&code)?.0.current_version
                } else {
                    version
                };
                (code, version)
            }
            (None, Some(qc)) => {
                let qc = qc.trim().to_ascii_lowercase();
                let bytes = self.store().get(&keys::query_code(&qc))?.ok_or_else(|| {
                    not_found(
                        "QUERY_CODE_NOT_FOUND",
                        format!("no certificate with query code {qc}"),
                    )
                })?;
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let (code, v) = s
                    .split_once('/')
                    .ok_or_else(|| EngineError::corrupt(&bytes, "bad query code entry"))?;
                (
                    code.to_string(),
                    v.parse()
                        .map_err(|_| EngineError::corrupt(&bytes, "bad version"))?,
                )
            }
            (None, None) => {
                return Err(Refusal::invalid("KEY_REQUIRED", "give a code or a query code").into())
            }
        };
        let key = keys::certificate(&code, version);
        let bytes = self.store().get(&key)?.ok_or_else(|| {
            not_found(
                "CERTIFICATE_NOT_FOUND",
                format!("no certificate {code} version {version}"),
            )
        })?;
        let signed = SignedCertificate::from_bytes(bytes)
            .map_err(|e| EngineError::corrupt(&key, &e.to_string()))?;
        self.certificate_view(&signed)
    }

    fn certificate_view(&self, s: &SignedCertificate) -> Result<CertificateView, EngineError> {
        let certificate = s.certificate();
        let issuer_key = match self.issuer_key(&certificate)? {
            super::IssuerKey::Own(k) | super::IssuerKey::Listed(k) => Some(k),
            _ => None,
        };
        Ok(CertificateView {
            confirmation: self.confirmation(&certificate)?,
            issuer_key,
            certificate,
            query_code: s.query_code(),
            signed: s.clone(),
        })
    }

    /// Verifies a certificate against this node's key and what the node holds.
    pub fn verify(&self, bytes: Vec<u8>) -> Result<Verification, EngineError> {
        let refused = |reason: &'static str,
                       message: String,
                       certificate: Option<CertificateView>| Verification {
            valid: false,
            reason,
            message,
            certificate,
            status: None,
        };
        let signed = match SignedCertificate::from_bytes(bytes) {
            Ok(s) => s,
            Err(e) => return Ok(refused(e.reason(), e.to_string(), None)),
        };
        let view = |s: &SignedCertificate| CertificateView {
            certificate: s.certificate(),
            query_code: s.query_code(),
            signed: s.clone(),
            confirmation: None,
            issuer_key: None,
        };
        let key = match self.issuer_key(&signed.certificate())? {
            super::IssuerKey::Own(k) | super::IssuerKey::Listed(k) => k,
            super::IssuerKey::Revoked => {
                return Ok(refused(
                    "CERT_ISSUER_KEY_REVOKED",
                    "the key that signed this certificate is revoked in the national trust list"
                        .into(),
                    Some(view(&signed)),
                ))
            }
            super::IssuerKey::Unknown => {
                return Ok(refused(
                    "CERT_ISSUER_UNKNOWN",
                    "neither this node nor the national trust list holds the issuer's key".into(),
                    Some(view(&signed)),
                ))
            }
        };
        if let Err(e) = signed.verify(&key) {
            return Ok(refused(e.reason(), e.to_string(), Some(view(&signed))));
        }
        let c = signed.certificate();
        let held = self
            .store()
            .get(&keys::certificate(&c.code.to_string(), c.version))?;
        if held.as_deref() != Some(signed.as_bytes()) {
            return Ok(refused(
                "CERT_NOT_IN_REGISTRY",
                "the signature holds but this node holds no such certificate".into(),
                Some(view(&signed)),
            ));
        }
        let record = self.get_record(&c.code.to_string())?.0;
        let status = record.status;
        let view = self.certificate_view(&signed)?;
        let confirmed = if view.confirmation.is_some() {
            "; confirmed by the national node"
        } else {
            ""
        };
        // An older version stays authentic, but the record has moved on.
        let superseded = if c.version < record.current_version {
            format!(
                "; superseded by version {} of the code",
                record.current_version
            )
        } else {
            String::new()
        };
        Ok(Verification {
            valid: true,
            reason: "",
            message: format!(
                "valid; the record is {}{superseded}{confirmed}",
                status.name()
            ),
            certificate: Some(view),
            status: Some(status),
        })
    }

    pub fn list_tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>, EngineError> {
        if actor.role != Role::Admin {
            return Err(
                Refusal::denied("WRONG_ROLE", "listing tokens needs the admin role").into(),
            );
        }
        let mut out = Vec::new();
        for (_, hash) in self.store().scan(keys::TOKEN_ID_PREFIX, None, usize::MAX)? {
            let key = keys::token(&String::from_utf8_lossy(&hash));
            if let Some(b) = self.store().get(&key)? {
                let mut t: TokenRecord = codec::decode(&key, &b)?;
                // A token issued before tokens carried an expiry shows the one it has.
                t.expires_at = t.expiry(self.config().tokens.ttl_days);
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Whether an attachment with this digest is stored.
    pub fn has_attachment(&self, sha256: &str) -> Result<bool, EngineError> {
        Ok(self.store().get(&keys::attachment(sha256))?.is_some())
    }
}

/// `XX0000` matches its province, `XXYY00` its city, anything else itself.
fn region_prefix(region: &str) -> &str {
    let r = region.trim();
    if r.len() == 6 && r.ends_with("0000") {
        &r[..2]
    } else if r.len() == 6 && r.ends_with("00") {
        &r[..4]
    } else {
        r
    }
}
