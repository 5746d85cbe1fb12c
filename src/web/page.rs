//! A page's template rendered into a response, and the headers every page carries.
use askama::Template;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A rendered page: a template type, whose fields are all the page shows.
pub struct Html<T>(pub T);

impl<T: Template> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        rendered(&self.0, StatusCode::OK)
    }
}

/// A page rendered as the answer with `status` (a form shown again after a refusal has the
/// refusal's); a template that fails to render is logged and answered 500.
pub fn rendered<T: Template>(page: &T, status: StatusCode) -> Response {
    match page.render() {
        Ok(html) => html_response(status, html),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>内部错误</title><p>页面生成失败。</p>".into(),
            )
        }
    }
}

pub fn html_response(status: StatusCode, html: String) -> Response {
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure(r.headers_mut());
    r
}

/// No script, style and images from this node only, no framing, forms posted here only: a page
/// that shows a registrant's text can never run it.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The security headers of every page and refusal page.
pub fn secure(h: &mut HeaderMap) {
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
}

/// Every response of the page router gets [`secure`]'s headers.
pub async fn secured(mut r: Response) -> Response {
    secure(r.headers_mut());
    r
}

/// HSTS for a TLS listener: a year, as browsers' preload lists expect.
pub async fn hsts(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    r
}

/// The site's one stylesheet, compiled in.
pub async fn stylesheet() -> Response {
    let mut r = include_str!("../../static/site.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// The query of the page a form's POST leads back to: what was done, to say so.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Done {
    pub done: String,
}

/// A time of the log (Unix seconds) as Beijing time reads it.
pub fn beijing_time(seconds: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("a valid offset");
    match time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => String::new(),
    }
}

/// A query string of the pairs whose value is not empty, `?` included (empty for none).
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    let q = s.finish();
    if q.is_empty() {
        q
    } else {
        format!("?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_string_keeps_only_given_values_encoded() {
        assert_eq!(
            query(&[("q", "数据 库"), ("region", "")]),
            "?q=%E6%95%B0%E6%8D%AE+%E5%BA%93"
        );
        assert_eq!(query(&[("q", "")]), "");
    }

    #[test]
    fn log_times_read_in_beijing_time() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(beijing_time(1_767_225_600), "2026-01-01 08:00");
    }
}
