//! The public registry: records, search, publicity notices, certificates and their
//! verification, the disclosure statistics. No token needed.
use super::*;
use crate::domain::statistics::Facet;

/// A step of a record's history, with the log whose entry `decision.log_index` records it (its
/// origin): on the national node, a province's steps are in that province's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub decision: Decision,
    pub log_origin: String,
}

impl Engine {
    /// Statistics for disclosure over every record this node's registry holds (on the national
    /// node: every province's), or those of one province, as they stand today: read from the
    /// counts the writer keeps.
    pub fn statistics(
        &self,
        province: Option<crate::domain::codes::Region>,
    ) -> crate::domain::statistics::Statistics {
        let province = province.map(|p| p.province().to_string());
        self.shared
            .tally
            .read()
            .statistics(self.today(), province.as_deref())
    }

    /// The records counted under a province (`XX0000`).
    pub(super) fn tally_records(&self, province: &str) -> u64 {
        let records = (province.to_string(), Facet::Records, String::new());
        self.shared.tally.read().get(&records)
    }

    pub fn get_record(&self, code: &str) -> Result<(Record, Vec<Logged>), EngineError> {
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
            let (app, log_origin) = match id.split_once('/') {
                // A province's application in the national book: its steps are entries of
                // that province's log (on a province, `national/…`: of the national log).
                Some((node, _)) => {
                    let origin = if node == crate::engine::NATIONAL_MIRROR {
                        // A province's copy of the national node's application (handed over).
                        self.mirror_state(node)?.signed.and_then(|c| {
                            crate::log::checkpoint::note_origin(&c.note).map(str::to_string)
                        })
                    } else {
                        self.trusted_node(node)?.map(|n| n.origin())
                    };
                    (self.read_mirrored_app(id)?, origin.unwrap_or_default())
                }
                None if id.is_empty() => (None, String::new()),
                None => (self.read_app(id)?, self.log_origin().to_string()),
            };
            for decision in app.map(|a| a.decisions).unwrap_or_default() {
                let log_origin = log_origin.clone();
                history.push(Logged {
                    decision,
                    log_origin,
                });
            }
        }
        Ok((record, history))
    }

    /// One page of the records a search finds (best first; by code for an empty keyword), with
    /// the counts per facet of everything it finds.
    pub fn search(&self, f: &SearchFilter, size: i32, token: &str) -> Result<Found, EngineError> {
        if f.query.chars().count() > MAX_QUERY_CHARS {
            return Err(Refusal::invalid(
                "QUERY_TOO_LONG",
                format!("a query has at most {MAX_QUERY_CHARS} characters"),
            )
            .into());
        }
        let today = self.today();
        let hits = self
            .indexed()?
            .search(f, today, page_size(size, 20), token)?;
        let mut items = Vec::with_capacity(hits.codes.len());
        for code in &hits.codes {
            let key = keys::record(code);
            // The index holds only durable records, and records are never removed.
            let bytes = self
                .store()
                .get(&key)?
                .ok_or_else(|| EngineError::corrupt(&key, "indexed but not in the store"))?;
            let mut r: Record = codec::decode(&key, &bytes)?;
            r.status = r.status_on(today);
            items.push(r);
        }
        Ok(Found {
            page: Page {
                items,
                next: hits.next,
            },
            facets: hits.facets,
        })
    }

    /// The search index once it covers every write durable now (so a caller finds what it was
    /// told is done), or as it is after `SEARCH_WAIT`; refused if it is still being built then
    /// (a small store's build is done within the wait, a large one's takes minutes).
    fn indexed(&self) -> Result<&crate::search::SearchIndex, EngineError> {
        let index = &self.shared.search;
        let durable = self
            .shared
            .feed_durable
            .load(std::sync::atomic::Ordering::SeqCst);
        if !index.wait_for(durable, SEARCH_WAIT) {
            if index.building() {
                return Err(EngineError::SearchBuilding);
            }
            tracing::warn!(
                durable,
                covered = index.covered(),
                "the search index is behind the store"
            );
        }
        Ok(index)
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

    /// One application in publicity, by id (`{node id}/{id}` on the national node for a
    /// province's): what its publicity notice shows. Any other application is not found, so
    /// the public learns nothing of drafts or of applications under review.
    pub fn publicity_notice(&self, id: &str) -> Result<Application, EngineError> {
        let id = id.trim();
        let app = if id.contains('/') {
            self.read_mirrored_app(id)?
        } else {
            self.read_app(id)?
        };
        app.filter(|a| a.state == State::InPublicity)
            .ok_or_else(|| {
                not_found(
                    "NOTICE_NOT_FOUND",
                    format!("no application {} in publicity", echo(id)),
                )
            })
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
}

/// Characters a search's keyword has at most: longer than any name or summary it could match.
pub const MAX_QUERY_CHARS: usize = 200;

/// How long a search waits for the index to take writes already durable.
const SEARCH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A page of a search, and the counts of everything it found.
pub struct Found {
    pub page: Page<Record>,
    pub facets: crate::search::Facets,
}
