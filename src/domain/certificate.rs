//! The signed registration certificate (登记结果确认单).
//!
//! A certificate is a canonical byte string signed by the issuing node's
//! ed25519 key. The bytes are the record: they are stored, hashed into the
//! query code and verified exactly as received, never re-encoded.
//!
//! # Byte layout, format version 1
//!
//! All integers are big-endian. A *string* is a u32 byte length followed by
//! that many bytes of UTF-8, at most [`MAX_STRING_LEN`] bytes. A *date* is a
//! u16 year, a u8 month (1–12) and a u8 day (1–31), a valid calendar date.
//!
//! | field               | encoding                                          |
//! |---------------------|---------------------------------------------------|
//! | magic               | 7 bytes `SJDJCRT`                                 |
//! | format version      | u8 `0x01`                                         |
//! | code                | 18 ASCII bytes, canonical unified code            |
//! | version             | u32, ≥ 1                                          |
//! | registration_type   | u8, [`RegistrationType::number`]                  |
//! | data_type           | u8, [`DataType::digit`]                           |
//! | subject_name        | string                                            |
//! | subject_credit_code | 18 ASCII bytes, canonical credit code             |
//! | data_name           | string                                            |
//! | summary             | string                                            |
//! | issuer_node         | string                                            |
//! | issuer_key_id       | 8 bytes: SHA-256(issuer public key)[0..8]         |
//! | assigned_on         | date                                              |
//! | valid_from          | date                                              |
//! | valid_until         | date                                              |
//! | issued_at           | i64, Unix seconds                                 |
//! | log_index           | u64                                               |
//!
//! These fields form the *body*. The signed certificate is
//! `body || signature`, where the 64-byte signature is ed25519 (RFC 8032,
//! verified strictly) over `b"sjdj/certificate/v1\n" || body`. The label is
//! signed but not stored, so a signature can never be replayed as a
//! signature over some other kind of sjdj message.
//!
//! Every field has exactly one encoding (fixed widths, canonical codes,
//! validated dates and enums), so a byte string that parses re-encodes to
//! itself; parsing refuses anything else, with a distinct reason code per
//! failure ([`CertError::reason`]).
//!
//! The armored text form wraps the signed bytes in base64 between
//! `-----BEGIN SJDJ CERTIFICATE-----` and `-----END SJDJ CERTIFICATE-----`,
//! after a block of human-readable `Key: value` lines that are not signed and
//! are ignored when parsing.

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;
use time::{Date, Month};

use super::codes::{self, CreditCode, UnifiedCode};
use super::types::{DataType, RegistrationType};

pub const MAGIC: &[u8; 7] = b"SJDJCRT";
pub const FORMAT_VERSION: u8 = 0x01;
/// Domain-separation label prepended to the body when signing.
pub const SIGNING_LABEL: &[u8] = b"sjdj/certificate/v1\n";
pub const SIGNATURE_LEN: usize = 64;
/// Longest string field, in bytes of UTF-8: 8192 bytes holds the longest text materials allow (2000 characters of up to 4 UTF-8 bytes).
pub const MAX_STRING_LEN: usize = 8192;
/// Longest possible signed certificate.
pub const MAX_SIGNED_LEN: usize =
    MAGIC.len() + 1 + 18 + 4 + 1 + 1 + 18 + 8 + 3 * 4 + 8 + 8 + 4 * (4 + MAX_STRING_LEN) + 64;

const ARMOR_BEGIN: &str = "-----BEGIN SJDJ CERTIFICATE-----";
const ARMOR_END: &str = "-----END SJDJ CERTIFICATE-----";
/// Bounds the work done on pasted text before it is known to be a
/// certificate; comfortably above the largest armor this module writes.
const MAX_ARMOR_LEN: usize = 64 * 1024;

/// Why a certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertError {
    #[error("not an sjdj certificate: the first bytes are not \"SJDJCRT\"")]
    BadMagic,
    #[error("unknown certificate format version {found}, expected {FORMAT_VERSION}")]
    UnknownFormatVersion { found: u8 },
    #[error("certificate truncated in field {field}: needs {needed} bytes, {available} left")]
    Truncated {
        field: &'static str,
        needed: usize,
        available: usize,
    },
    #[error("certificate has {count} trailing bytes after the signature")]
    TrailingBytes { count: usize },
    #[error("certificate field {field} is not valid UTF-8")]
    InvalidUtf8 { field: &'static str },
    #[error("certificate field {field} is {len} bytes, more than the {MAX_STRING_LEN} allowed")]
    FieldTooLong { field: &'static str, len: usize },
    #[error(
        "certificate field code {found:?} is not a valid unified registration code: {problem}"
    )]
    BadCode { found: String, problem: String },
    #[error(
        "certificate field subject_credit_code {found:?} is not a valid credit code: {problem}"
    )]
    BadCreditCode { found: String, problem: String },
    #[error("certificate field version is {found}; versions start at 1")]
    BadCodeVersion { found: u32 },
    #[error("certificate field registration_type {found} is not a known registration type")]
    BadRegistrationType { found: u8 },
    #[error("certificate field data_type {found} is not a known data type")]
    BadDataType { found: u8 },
    #[error("certificate field {field}: {value} is not a date in years 0..=9999")]
    BadDate { field: &'static str, value: String },
    #[error("certificate signature does not verify")]
    BadSignature,
    #[error("certificate names issuer key {expected}, but the key given is {found}")]
    WrongKey { expected: String, found: String },
    #[error("armored certificate: {problem}")]
    Armor { problem: &'static str },
    #[error("armored certificate: body is not valid base64: {message}")]
    ArmorBase64 { message: String },
}

impl CertError {
    /// Stable machine-readable reason code.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadMagic => "CERT_BAD_MAGIC",
            Self::UnknownFormatVersion { .. } => "CERT_UNKNOWN_FORMAT_VERSION",
            Self::Truncated { .. } => "CERT_TRUNCATED",
            Self::TrailingBytes { .. } => "CERT_TRAILING_BYTES",
            Self::InvalidUtf8 { .. } => "CERT_INVALID_UTF8",
            Self::FieldTooLong { .. } => "CERT_FIELD_TOO_LONG",
            Self::BadCode { .. } => "CERT_BAD_CODE",
            Self::BadCreditCode { .. } => "CERT_BAD_CREDIT_CODE",
            Self::BadCodeVersion { .. } => "CERT_BAD_CODE_VERSION",
            Self::BadRegistrationType { .. } => "CERT_BAD_REGISTRATION_TYPE",
            Self::BadDataType { .. } => "CERT_BAD_DATA_TYPE",
            Self::BadDate { .. } => "CERT_BAD_DATE",
            Self::BadSignature => "CERT_BAD_SIGNATURE",
            Self::WrongKey { .. } => "CERT_WRONG_KEY",
            Self::Armor { .. } => "CERT_ARMOR",
            Self::ArmorBase64 { .. } => "CERT_ARMOR_BASE64",
        }
    }
}

/// The first 8 bytes of SHA-256 over the 32-byte public key: enough to tell
/// a node's keys apart, short enough to print.
pub fn key_id(key: &VerifyingKey) -> [u8; 8] {
    let digest = Sha256::digest(key.as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[..8]);
    id
}

/// The content of a certificate, in layout order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub code: UnifiedCode,
    pub version: u32,
    pub registration_type: RegistrationType,
    pub data_type: DataType,
    pub subject_name: String,
    pub subject_credit_code: CreditCode,
    pub data_name: String,
    pub summary: String,
    pub issuer_node: String,
    pub issuer_key_id: [u8; 8],
    pub assigned_on: Date,
    pub valid_from: Date,
    pub valid_until: Date,
    pub issued_at: i64,
    pub log_index: u64,
}

fn put_str(out: &mut Vec<u8>, field: &'static str, s: &str) -> Result<(), CertError> {
    let len = s.len();
    if len > MAX_STRING_LEN {
        return Err(CertError::FieldTooLong { field, len });
    }
    // len ≤ MAX_STRING_LEN, so it fits in u32.
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn put_date(out: &mut Vec<u8>, field: &'static str, d: Date) -> Result<(), CertError> {
    let year = u16::try_from(d.year()).map_err(|_| CertError::BadDate {
        field,
        value: d.to_string(),
    })?;
    out.extend_from_slice(&year.to_be_bytes());
    out.push(u8::from(d.month()));
    out.push(d.day());
    Ok(())
}

impl Certificate {
    /// The canonical body. Fails only for values the format cannot carry:
    /// an invalid code, version 0, over-long strings or dates before year 0.
    pub fn encode(&self) -> Result<Vec<u8>, CertError> {
        if self.version == 0 {
            return Err(CertError::BadCodeVersion { found: 0 });
        }
        // The code's fields are public, so a hand-built value may be one that
        // `UnifiedCode::new` refuses and that would not survive parsing.
        let c = self.code;
        UnifiedCode::new(c.data_type, c.region, c.year, c.serial).map_err(|e| {
            CertError::BadCode {
                found: c.format(),
                problem: e.to_string(),
            }
        })?;
        let mut out = Vec::with_capacity(
            150 + self.subject_name.len()
                + self.data_name.len()
                + self.summary.len()
                + self.issuer_node.len(),
        );
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(self.code.format().as_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.push(self.registration_type.number());
        out.push(self.data_type.digit());
        put_str(&mut out, "subject_name", &self.subject_name)?;
        out.extend_from_slice(self.subject_credit_code.as_str().as_bytes());
        put_str(&mut out, "data_name", &self.data_name)?;
        put_str(&mut out, "summary", &self.summary)?;
        put_str(&mut out, "issuer_node", &self.issuer_node)?;
        out.extend_from_slice(&self.issuer_key_id);
        put_date(&mut out, "assigned_on", self.assigned_on)?;
        put_date(&mut out, "valid_from", self.valid_from)?;
        put_date(&mut out, "valid_until", self.valid_until)?;
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.log_index.to_be_bytes());
        Ok(out)
    }

    /// Encodes and signs. Refuses (CERT_WRONG_KEY) when `issuer_key_id` is
    /// not the id of `key`, since such a certificate could never verify.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedCertificate, CertError> {
        let id = key_id(&key.verifying_key());
        if id != self.issuer_key_id {
            return Err(CertError::WrongKey {
                expected: hex::encode(self.issuer_key_id),
                found: hex::encode(id),
            });
        }
        let mut bytes = self.encode()?;
        let signature = key.sign(&signing_message(&bytes));
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(SignedCertificate {
            bytes,
            certificate: self.clone(),
        })
    }
}

fn signing_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_LABEL.len() + body.len());
    m.extend_from_slice(SIGNING_LABEL);
    m.extend_from_slice(body);
    m
}

/// A certificate as signed bytes, framed and field-validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCertificate {
    bytes: Vec<u8>,
    /// Decoded once by `from_bytes`/`sign`; the bytes stay authoritative.
    certificate: Certificate,
}

impl SignedCertificate {
    /// Checks framing and every field. Does not check the signature: that
    /// needs the issuer's key, see [`SignedCertificate::verify`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CertError> {
        let certificate = decode(&bytes)?;
        Ok(Self { bytes, certificate })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The signed body, without the signature.
    pub fn body(&self) -> &[u8] {
        let (body, _) = self.split();
        body
    }

    fn split(&self) -> (&[u8], &[u8]) {
        // from_bytes and sign guarantee at least a body and 64 bytes.
        self.bytes
            .split_at(self.bytes.len().saturating_sub(SIGNATURE_LEN))
    }

    /// The decoded content, not yet verified.
    pub fn certificate(&self) -> Certificate {
        self.certificate.clone()
    }

    /// Verifies the signature over the exact bytes held, then that the
    /// certificate names `key` as its issuer key.
    pub fn verify(&self, key: &VerifyingKey) -> Result<Certificate, CertError> {
        let (body, sig) = self.split();
        let signature_ok = Signature::from_slice(sig)
            .and_then(|s| key.verify_strict(&signing_message(body), &s))
            .is_ok();
        let id = key_id(key);
        // A failed signature under a key the certificate does not name is
        // most usefully reported as the wrong key.
        if id != self.certificate.issuer_key_id {
            return Err(CertError::WrongKey {
                expected: hex::encode(self.certificate.issuer_key_id),
                found: hex::encode(id),
            });
        }
        if !signature_ok {
            return Err(CertError::BadSignature);
        }
        Ok(self.certificate.clone())
    }

    /// The message the signature covers and the signature, for checking many certificates in
    /// one batch verification; `None` if the signature bytes are not a signature.
    pub fn signed_parts(&self) -> Option<(Vec<u8>, Signature)> {
        let (body, sig) = self.split();
        Some((signing_message(body), Signature::from_slice(sig).ok()?))
    }

    pub fn query_code(&self) -> String {
        codes::query_code(&self.bytes)
    }

    /// Text form for download. Header lines are for people only.
    pub fn to_armored(&self) -> String {
        let c = &self.certificate;
        let mut out = String::with_capacity(self.bytes.len() * 4 / 3 + 512);
        out.push_str(ARMOR_BEGIN);
        out.push('\n');
        let headers = [
            ("Code", c.code.format()),
            ("Version", c.version.to_string()),
            ("Subject", c.subject_name.clone()),
            ("Data-Name", c.data_name.clone()),
            ("Valid-Until", c.valid_until.to_string()),
            ("Query-Code", self.query_code()),
        ];
        for (key, value) in headers {
            out.push_str(key);
            out.push_str(": ");
            // A newline in a name must not end the header block early.
            out.extend(
                value
                    .chars()
                    .map(|ch| if ch.is_control() { ' ' } else { ch }),
            );
            out.push('\n');
        }
        out.push('\n');
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.bytes);
        for chunk in b64.as_bytes().chunks(64) {
            // base64 output is ASCII, so every chunk is valid UTF-8.
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push('\n');
        }
        out.push_str(ARMOR_END);
        out.push('\n');
        out
    }

    /// Parses the armored form; only surrounding whitespace is tolerated
    /// outside the BEGIN/END lines, and header lines are skipped unread.
    pub fn from_armored(text: &str) -> Result<Self, CertError> {
        let armor = |problem| CertError::Armor { problem };
        if text.len() > MAX_ARMOR_LEN {
            return Err(armor("text is too large to be a certificate"));
        }
        let mut lines = text.trim().lines().map(str::trim);
        if lines.next() != Some(ARMOR_BEGIN) {
            return Err(armor("does not start with the BEGIN SJDJ CERTIFICATE line"));
        }
        loop {
            match lines.next() {
                None => return Err(armor("no blank line after the header lines")),
                Some("") => break,
                Some(_) => {}
            }
        }
        let mut b64 = String::new();
        let mut ended = false;
        for line in lines.by_ref() {
            if line == ARMOR_END {
                ended = true;
                break;
            }
            b64.push_str(line);
        }
        if !ended {
            return Err(armor("no END SJDJ CERTIFICATE line"));
        }
        if lines.next().is_some() {
            return Err(armor("text follows the END SJDJ CERTIFICATE line"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| CertError::ArmorBase64 {
                message: e.to_string(),
            })?;
        Self::from_bytes(bytes)
    }
}

/// Cursor over the received bytes; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], CertError> {
        let available = self.remaining();
        if n > available {
            return Err(CertError::Truncated {
                field,
                needed: n,
                available,
            });
        }
        let start = self.pos;
        self.pos += n;
        self.buf.get(start..self.pos).ok_or(CertError::Truncated {
            field,
            needed: n,
            available,
        })
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], CertError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, CertError> {
        Ok(self.array::<1>(field)?[0])
    }

    fn string(&mut self, field: &'static str) -> Result<String, CertError> {
        let len = u32::from_be_bytes(self.array(field)?) as usize;
        if len > MAX_STRING_LEN {
            return Err(CertError::FieldTooLong { field, len });
        }
        let raw = self.take(len, field)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| CertError::InvalidUtf8 { field })
    }

    fn date(&mut self, field: &'static str) -> Result<Date, CertError> {
        let year = u16::from_be_bytes(self.array(field)?);
        let [month, day] = self.array::<2>(field)?;
        let bad = || CertError::BadDate {
            field,
            value: format!("{year:04}-{month:02}-{day:02}"),
        };
        let month = Month::try_from(month).map_err(|_| bad())?;
        Date::from_calendar_date(i32::from(year), month, day).map_err(|_| bad())
    }
}

fn decode(bytes: &[u8]) -> Result<Certificate, CertError> {
    let head = bytes.get(..MAGIC.len()).unwrap_or(bytes);
    if !MAGIC.starts_with(head) {
        return Err(CertError::BadMagic);
    }
    let mut r = Reader { buf: bytes, pos: 0 };
    r.take(MAGIC.len(), "magic")?;
    let format = r.u8("format_version")?;
    if format != FORMAT_VERSION {
        return Err(CertError::UnknownFormatVersion { found: format });
    }
    let raw_code = r.take(18, "code")?;
    let code = canonical(raw_code, UnifiedCode::parse, UnifiedCode::format)
        .map_err(|(found, problem)| CertError::BadCode { found, problem })?;
    let version = u32::from_be_bytes(r.array("version")?);
    if version == 0 {
        return Err(CertError::BadCodeVersion { found: 0 });
    }
    let rt = r.u8("registration_type")?;
    let registration_type =
        RegistrationType::from_number(rt).ok_or(CertError::BadRegistrationType { found: rt })?;
    let dt = r.u8("data_type")?;
    let data_type = DataType::from_digit(dt).ok_or(CertError::BadDataType { found: dt })?;
    let subject_name = r.string("subject_name")?;
    let raw_credit = r.take(18, "subject_credit_code")?;
    let subject_credit_code =
        canonical(raw_credit, CreditCode::parse, |c| c.as_str().to_owned())
            .map_err(|(found, problem)| CertError::BadCreditCode { found, problem })?;
    let data_name = r.string("data_name")?;
    let summary = r.string("summary")?;
    let issuer_node = r.string("issuer_node")?;
    let issuer_key_id = r.array("issuer_key_id")?;
    let assigned_on = r.date("assigned_on")?;
    let valid_from = r.date("valid_from")?;
    let valid_until = r.date("valid_until")?;
    let issued_at = i64::from_be_bytes(r.array("issued_at")?);
    let log_index = u64::from_be_bytes(r.array("log_index")?);
    match r.remaining() {
        n if n < SIGNATURE_LEN => {
            return Err(CertError::Truncated {
                field: "signature",
                needed: SIGNATURE_LEN,
                available: n,
            })
        }
        n if n > SIGNATURE_LEN => {
            return Err(CertError::TrailingBytes {
                count: n - SIGNATURE_LEN,
            })
        }
        _ => {}
    }
    Ok(Certificate {
        code,
        version,
        registration_type,
        data_type,
        subject_name,
        subject_credit_code,
        data_name,
        summary,
        issuer_node,
        issuer_key_id,
        assigned_on,
        valid_from,
        valid_until,
        issued_at,
        log_index,
    })
}

/// Parses a fixed-width code field and insists on its canonical spelling, so
/// that one certificate has exactly one byte encoding.
fn canonical<T, E: std::fmt::Display>(
    raw: &[u8],
    parse: fn(&str) -> Result<T, E>,
    format: fn(&T) -> String,
) -> Result<T, (String, String)> {
    let text = std::str::from_utf8(raw).map_err(|_| {
        (
            String::from_utf8_lossy(raw).into_owned(),
            "not ASCII".to_owned(),
        )
    })?;
    let value = parse(text).map_err(|e| (text.to_owned(), e.to_string()))?;
    if format(&value).as_bytes() != raw {
        return Err((
            text.to_owned(),
            "not in canonical upper-case form".to_owned(),
        ));
    }
    Ok(value)
}

#[cfg(test)]
#[path = "certificate_tests.rs"]
mod tests;
