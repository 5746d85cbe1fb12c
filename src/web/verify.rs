//! Certificate verification (`/verify`): by query code, or by pasting the armored certificate.
//! Either way the node checks the signature against the issuer's key (its own or the trust
//! list's) and that it holds that certificate, as `VerifyCertificate` does over gRPC.
use super::error::WebError;
use super::page::Html;
use super::{labels, Web};
use crate::domain::certificate::{CertError, SignedCertificate};
use crate::engine::Verification;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Multipart, Query, State};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ByQueryCode {
    query_code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Pasted {
    armored: String,
}

/// What a verification found, for the page.
pub struct Outcome {
    valid: bool,
    headline: String,
    reason: String,
    code: String,
    version: u32,
    query_code: String,
    data_name: String,
    subject_name: String,
    valid_until: String,
    /// Whether the national node has confirmed the certificate's log entry.
    confirmed: bool,
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    query_code: String,
    armored: String,
    outcome: Option<Outcome>,
}

/// Why a certificate does not verify, in Chinese where a public page meets it.
fn refused(reason: &str, message: &str) -> String {
    match reason {
        "CERT_BAD_SIGNATURE" => "签名不成立：证书内容被改动过，或不是该签发者签发。".into(),
        "CERT_WRONG_KEY" => "证书所称的签发密钥与本节点所知的不一致。".into(),
        "CERT_ISSUER_KEY_REVOKED" => "签发这份证书的密钥已在全国信任列表中吊销。".into(),
        "CERT_ISSUER_UNKNOWN" => "本节点与全国信任列表都没有签发者的密钥。".into(),
        "CERT_NOT_IN_REGISTRY" => "签名成立，但本节点没有登记这份证书。".into(),
        r if r.starts_with("CERT_ARMOR") => format!("粘贴的文本不是完整的证书：{message}"),
        _ => message.to_string(),
    }
}

fn outcome(web: &Web, v: Verification) -> Result<Outcome, WebError> {
    let view = v.certificate.as_ref();
    let c = view.map(|v| &v.certificate);
    let headline = if v.valid {
        let status = v.status.map_or("", labels::status);
        let current = match c {
            Some(c) => {
                web.engine
                    .get_record(&c.code.to_string())?
                    .0
                    .current_version
            }
            None => 0,
        };
        match c {
            Some(c) if c.version < current => {
                format!("证书真实有效；该记录现为{status}，已有第 {current} 版取代这一版。")
            }
            _ => format!("证书真实有效；该记录现为{status}。"),
        }
    } else {
        refused(v.reason, &v.message)
    };
    Ok(Outcome {
        valid: v.valid,
        headline,
        reason: v.reason.to_string(),
        code: c.map(|c| c.code.to_string()).unwrap_or_default(),
        version: c.map_or(0, |c| c.version),
        query_code: view.map(|v| v.query_code.clone()).unwrap_or_default(),
        data_name: c.map(|c| c.data_name.clone()).unwrap_or_default(),
        subject_name: c.map(|c| c.subject_name.clone()).unwrap_or_default(),
        valid_until: c.map(|c| c.valid_until.to_string()).unwrap_or_default(),
        confirmed: view.is_some_and(|v| v.confirmation.is_some()),
    })
}

pub async fn by_query_code(
    State(web): State<Web>,
    params: Result<Query<ByQueryCode>, QueryRejection>,
) -> Result<Html<VerifyPage>, WebError> {
    let Query(p) =
        params.map_err(|e| WebError::invalid("QUERY_INVALID", format!("查询参数有误：{e}")))?;
    let query_code = p.query_code.trim().to_string();
    let outcome = if query_code.is_empty() {
        None
    } else {
        let view = web.engine.certificate(None, 0, Some(&query_code))?;
        let checked = web.engine.verify(view.signed.into_bytes())?;
        Some(outcome(&web, checked)?)
    };
    Ok(Html(VerifyPage {
        query_code,
        armored: String::new(),
        outcome,
    }))
}

/// Checks a certificate given as its armored text or its signed bytes.
fn check(web: &Web, given: Result<SignedCertificate, CertError>) -> Result<Outcome, WebError> {
    let checked = match given {
        Ok(signed) => web.engine.verify(signed.into_bytes())?,
        Err(e) => Verification {
            valid: false,
            reason: e.reason(),
            message: e.to_string(),
            certificate: None,
            status: None,
        },
    };
    outcome(web, checked)
}

pub async fn pasted(
    State(web): State<Web>,
    form: Result<Form<Pasted>, FormRejection>,
) -> Result<Html<VerifyPage>, WebError> {
    let Form(p) = form.map_err(WebError::form)?;
    Ok(Html(VerifyPage {
        query_code: String::new(),
        outcome: Some(check(&web, SignedCertificate::from_armored(&p.armored))?),
        armored: p.armored,
    }))
}

/// A certificate file uploaded (field `certificate`): the armored text `sjdj` and the
/// certificate page save, or the signed bytes.
pub async fn uploaded(
    State(web): State<Web>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Html<VerifyPage>, WebError> {
    let mut form = form.map_err(WebError::form)?;
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(WebError::form)? {
        if field.name() == Some("certificate") {
            file = Some(field.bytes().await.map_err(WebError::form)?);
        }
    }
    let bytes =
        file.ok_or_else(|| WebError::invalid("CERTIFICATE_REQUIRED", "请选择要核验的证书文件"))?;
    let given = match std::str::from_utf8(&bytes) {
        Ok(text) if text.trim_start().starts_with("-----BEGIN") => {
            SignedCertificate::from_armored(text)
        }
        _ => SignedCertificate::from_bytes(bytes.to_vec()),
    };
    Ok(Html(VerifyPage {
        query_code: String::new(),
        outcome: Some(check(&web, given)?),
        armored: String::new(),
    }))
}
