//! The public registry: records, search, publicity notices, certificates and their
//! verification, the disclosure statistics. No token needed.
use super::*;

impl Engine {
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
