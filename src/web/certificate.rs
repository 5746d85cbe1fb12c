//! A certificate's page (`/certificates/{query_code}`): the 登记结果确认单 as issued, with the
//! QR code every certificate carries — the address that verifies it, query code included — and
//! its armored text to download (`/certificates/{query_code}/armored`).
use super::error::WebError;
use super::page::{beijing_time, query, Html};
use super::{labels, Web};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    code: String,
    version: u32,
    kind: &'static str,
    data_type: &'static str,
    subject_name: String,
    subject_credit_code: String,
    data_name: String,
    summary: String,
    issuer_node: String,
    assigned_on: String,
    valid: String,
    issued_at: String,
    log_index: u64,
    query_code: String,
    confirmed: bool,
    /// The verification address the QR code holds.
    verify_url: String,
    /// That QR code, drawn by the server as an SVG element.
    qr_svg: String,
    armored: String,
}

/// The address that verifies the certificate with `query_code`, from `base` (empty: relative).
pub fn verify_url(base: &str, query_code: &str) -> String {
    format!("{base}/verify{}", query(&[("query_code", query_code)]))
}

/// `text` as a QR code, an `<svg>` element to embed (the XML prolog dropped). Only our own
/// address goes in, and the renderer writes nothing but its path, so it is safe unescaped.
pub fn qr_svg(text: &str) -> Result<String, WebError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| WebError(tonic::Status::internal(format!("QR code: {e}"))))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(match svg.find("<svg") {
        Some(at) => svg[at..].to_string(),
        None => svg,
    })
}

pub async fn page(
    State(web): State<Web>,
    Path(query_code): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Html<CertificatePage>, WebError> {
    let view = web.engine.certificate(None, 0, Some(&query_code))?;
    let c = view.certificate;
    let verify_url = verify_url(&web.base_url(&headers, &uri), &view.query_code);
    Ok(Html(CertificatePage {
        code: c.code.to_string(),
        version: c.version,
        kind: c.registration_type.label_zh(),
        data_type: labels::data_type(c.data_type),
        subject_name: c.subject_name,
        subject_credit_code: c.subject_credit_code.as_str().to_string(),
        data_name: c.data_name,
        summary: c.summary,
        issuer_node: c.issuer_node,
        assigned_on: c.assigned_on.to_string(),
        valid: format!("{} 至 {}", c.valid_from, c.valid_until),
        issued_at: beijing_time(c.issued_at),
        log_index: c.log_index,
        confirmed: view.confirmation.is_some(),
        qr_svg: qr_svg(&verify_url)?,
        verify_url,
        armored: view.signed.to_armored(),
        query_code: view.query_code,
    }))
}

/// The armored certificate as a text file to keep: `sjdj cert verify` and the verify page read
/// it back.
pub async fn armored(
    State(web): State<Web>,
    Path(query_code): Path<String>,
) -> Result<Response, WebError> {
    let view = web.engine.certificate(None, 0, Some(&query_code))?;
    let c = &view.certificate;
    let name = format!("{}-v{}.sjdj-cert.txt", c.code, c.version);
    let mut r = view.signed.to_armored().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // The name is a code and a number: nothing in it needs quoting.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_qr_code_is_an_svg_element_of_paths_only() {
        let svg = super::qr_svg(&super::verify_url("https://sjdj.example.gov.cn", "abcd")).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("style") && !svg.contains("script"));
        assert_eq!(
            super::verify_url("", "ab cd"),
            "/verify?query_code=ab+cd",
            "a relative address when the node knows none"
        );
    }
}
