//! A record's page (`/records/{code}`): its facts, every version, the history of each
//! application behind it, its certificate and whether the national node has confirmed it, and
//! its metadata as schema.org `Dataset` JSON-LD for search engines and harvesters.
use super::error::WebError;
use super::page::{beijing_time, query, Html};
use super::{labels, Web};
use crate::domain::record::Record;
use crate::engine::{EngineError, Logged};
use askama::Template;
use axum::extract::{Path, State};

pub struct Version {
    version: u32,
    kind: &'static str,
    assigned_on: String,
    valid: String,
    query_code: String,
    verify: String,
}

pub struct Step {
    at: String,
    step: String,
    reason: String,
    actor: String,
    /// Where the step is logged: the log's origin and the entry's index.
    logged: String,
}

pub struct Certificate {
    version: u32,
    query_code: String,
    issuer_node: String,
    issued_at: String,
    confirmed: bool,
    verify: String,
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    code: String,
    data_name: String,
    summary: String,
    subject_name: String,
    subject_credit_code: String,
    data_type: &'static str,
    status: &'static str,
    province: String,
    region: String,
    industry: String,
    access_mode: &'static str,
    valid_from: String,
    valid_until: String,
    issuer_node: String,
    ended: Option<String>,
    versions: Vec<Version>,
    history: Vec<Step>,
    certificate: Option<Certificate>,
    /// schema.org `Dataset` JSON-LD, escaped to stay inside its script element.
    json_ld: String,
}

fn verify_href(query_code: &str) -> String {
    format!("/verify{}", query(&[("query_code", query_code)]))
}

fn step(l: &Logged) -> Step {
    let d = &l.decision;
    Step {
        at: beijing_time(d.at),
        step: labels::step(&d.step).to_string(),
        reason: d.reason.clone(),
        actor: d.actor.clone(),
        logged: if l.log_origin.is_empty() {
            String::new()
        } else {
            format!("{} #{}", l.log_origin, d.log_index)
        },
    }
}

/// schema.org `Dataset` of a record. `<`, `>` and `&` are escaped in the JSON text, so a name
/// can never close the script element it is embedded in.
fn json_ld(r: &Record) -> String {
    let first = r.versions.first().map(|v| v.assigned_on.to_string());
    let latest = r.versions.last().map(|v| v.assigned_on.to_string());
    let v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Dataset",
        "identifier": r.code,
        "name": r.data_name,
        "description": r.summary,
        "url": format!("/records/{}", r.code),
        "version": r.current_version.to_string(),
        "dateCreated": first,
        "dateModified": latest,
        // The registration's term, not the data's coverage.
        "expires": r.valid_until.to_string(),
        "spatialCoverage": labels::province(&r.region),
        "creator": {
            "@type": "GovernmentOrganization",
            "name": r.subject_name,
            "identifier": r.subject_credit_code,
        },
        "publisher": { "@type": "Organization", "name": r.issuer_node },
        "keywords": [labels::data_type(r.data_type), r.industry],
    });
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub async fn page(
    State(web): State<Web>,
    Path(code): Path<String>,
) -> Result<Html<RecordPage>, WebError> {
    let (r, history) = web.engine.get_record(&code)?;
    let certificate = match web
        .engine
        .certificate(Some(&r.code), r.current_version, None)
    {
        Ok(view) => Some(Certificate {
            version: view.certificate.version,
            verify: verify_href(&view.query_code),
            query_code: view.query_code,
            issuer_node: view.certificate.issuer_node,
            issued_at: beijing_time(view.certificate.issued_at),
            confirmed: view.confirmation.is_some(),
        }),
        // A record this node holds without the signed certificate (none is lost: the page
        // says so rather than failing).
        Err(EngineError::Refused(r)) if r.reason == "CERTIFICATE_NOT_FOUND" => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Html(RecordPage {
        json_ld: json_ld(&r),
        versions: r
            .versions
            .iter()
            .map(|v| Version {
                version: v.version,
                kind: v.registration_type.label_zh(),
                assigned_on: v.assigned_on.to_string(),
                valid: format!("{} 至 {}", v.valid_from, v.valid_until),
                verify: verify_href(&v.query_code),
                query_code: v.query_code.clone(),
            })
            .collect(),
        history: history
            .iter()
            .filter(|l| l.decision.step != "EDITED")
            .map(step)
            .collect(),
        certificate,
        ended: r
            .ended
            .as_ref()
            .map(|e| format!("{}于 {}：{}", labels::status(e.status), e.on, e.reason)),
        code: r.code,
        data_name: r.data_name,
        summary: r.summary,
        subject_name: r.subject_name,
        subject_credit_code: r.subject_credit_code,
        data_type: labels::data_type(r.data_type),
        status: labels::status(r.status),
        province: labels::province(&r.region),
        region: r.region,
        industry: r.industry,
        access_mode: labels::access_mode(r.access_mode),
        valid_from: r.valid_from.to_string(),
        valid_until: r.valid_until.to_string(),
        issuer_node: r.issuer_node,
    }))
}

#[cfg(test)]
mod tests {
    use crate::domain::record::{Record, RecordStatus};
    use crate::domain::types::DataType;
    use time::macros::date;

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let r = Record {
            code: "code".into(),
            current_version: 1,
            status: RecordStatus::Valid,
            subject_name: "某市数据局 & 中心".into(),
            subject_credit_code: "11350100M000100Y43".into(),
            data_type: DataType::PublicDataResource,
            region: "440305".into(),
            industry: "I".into(),
            data_name: "</script><script>alert(1)</script>".into(),
            summary: String::new(),
            access_mode: None,
            valid_from: date!(2026 - 01 - 01),
            valid_until: date!(2028 - 12 - 31),
            versions: Vec::new(),
            issuer_node: "gd".into(),
            ended: None,
        };
        let out = super::json_ld(&r);
        assert!(!out.contains(['<', '>', '&']), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
        assert_eq!(back["creator"]["name"], "某市数据局 & 中心");
        assert_eq!(back["@type"], "Dataset");
        assert_eq!(back["spatialCoverage"], "广东省");
    }
}
