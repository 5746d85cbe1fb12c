//! The one place a refusal or a failure becomes a page: its HTTP status, a title in Chinese, the
//! stable reason code the gRPC API gives for the same refusal, and what to do.
use super::page::html_response;
use crate::engine::EngineError;
use askama::Template;
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tonic::{Code, Status};

/// A page's failure, as the gRPC API states it: the same refusals, the same reason codes.
#[derive(Debug)]
pub struct WebError(pub Status);

impl From<Status> for WebError {
    fn from(s: Status) -> WebError {
        WebError(s)
    }
}

impl From<EngineError> for WebError {
    fn from(e: EngineError) -> WebError {
        WebError(crate::grpc::status::status(e))
    }
}

impl WebError {
    /// A bad parameter of a page's request.
    pub fn invalid(reason: &'static str, message: impl Into<String>) -> WebError {
        WebError(crate::grpc::status::invalid(reason, message))
    }

    /// A form the page could not read: too large for `web.max_form_bytes` (413), or malformed.
    pub fn form(e: impl axum::response::IntoResponse + std::fmt::Display) -> WebError {
        let text = e.to_string();
        if e.into_response().status() == StatusCode::PAYLOAD_TOO_LARGE {
            return WebError(crate::grpc::status::with_reason(
                Code::ResourceExhausted,
                "FORM_TOO_LARGE",
                "the form is larger than web.max_form_bytes".into(),
            ));
        }
        WebError::invalid("FORM_INVALID", format!("表单有误：{text}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    /// Whether signing in (again) is the way on.
    sign_in: bool,
    status: u16,
    reason: String,
    message: String,
}

fn http_status(code: Code, reason: &str) -> StatusCode {
    match code {
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted if reason == "FORM_TOO_LARGE" => StatusCode::PAYLOAD_TOO_LARGE,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unimplemented => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "请求有误",
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::CONFLICT => "与现状冲突",
        StatusCode::FORBIDDEN => "无权操作",
        StatusCode::UNAUTHORIZED => "需要登录",
        StatusCode::TOO_MANY_REQUESTS => "请求过于频繁",
        StatusCode::PAYLOAD_TOO_LARGE => "提交的内容过大",
        StatusCode::SERVICE_UNAVAILABLE => "暂时无法服务",
        StatusCode::GATEWAY_TIMEOUT => "处理超时",
        _ => "内部错误",
    }
}

/// What a page says of a refusal: in Chinese for the reasons a public page meets, else the
/// engine's own message.
fn explained(reason: &str, message: &str) -> String {
    let zh = match reason {
        "CODE_NOT_FOUND" => "本节点没有这个登记编码的记录。",
        "QUERY_CODE_NOT_FOUND" => "本节点没有这个查询码的证书。",
        "CERTIFICATE_NOT_FOUND" => "本节点没有这份证书。",
        "QUERY_TOO_LONG" => "关键词最多 200 个字符。",
        "RATE_LIMITED" | "TOKEN_RATE_LIMITED" => "来自这个地址的请求过多，请稍后再试。",
        "REQUEST_TIMEOUT" => "请求处理超时，请稍后再试。",
        "SHUTTING_DOWN" => "节点正在停止，请稍后再试。",
        "SEARCH_INDEX_BUILDING" => "搜索索引正在重建，完成后即可搜索，请稍后再试。",
        "PAGE_NOT_FOUND" => "没有这个页面。",
        "SIGN_IN_REQUIRED" => "这个页面需要登录。",
        "SESSION_EXPIRED" => "会话已结束，请重新登录。",
        "SESSIONS_FULL" => "本节点同时登录的会话已达上限（web.max_sessions），请稍后再试。",
        "CSRF_TOKEN_INVALID" => "表单缺少本次会话的校验码：请刷新页面后重新提交。",
        "UNAUTHENTICATED" => "令牌无效。",
        "TOKEN_EXPIRED" => "令牌已过期。",
        "WRONG_ROLE" => "您的角色不能进行这项操作。",
        "WRONG_STATE" => "申请当前所处的环节不允许这项操作。",
        "REASON_REQUIRED" => "这项决定必须说明理由。",
        "REASON_TOO_LONG" => "理由过长。",
        "SUPPLEMENT_ITEMS_REQUIRED" => "退回补正须一次性列明全部补正事项。",
        "ALREADY_RETURNED" => "申请只能退回补正一次。",
        "SAME_HOLDER_ACCEPTED" => "受理和形式审查不能由同一人办理。",
        "OBJECTION_CLOSED" => "这项异议已经处理过。",
        "OBJECTION_NOT_FOUND" => "申请没有这项异议。",
        "NOT_FOUND" => "没有这份申请。",
        "FORM_TOO_LARGE" => "提交的表单超过本节点允许的大小（web.max_form_bytes）。",
        "NOTICE_NOT_FOUND" => "没有这份正在公示的申请：公示可能已经结束。",
        "NOT_NATIONAL" => "只有全国节点汇总各省的登记簿。",
        "IMPORT_BUSY" => "您上一次的批量登记还在创建草稿，请等它完成后再导入。",
        "IMPORT_TOO_MANY_ROWS" => "目录文件的行数超过一次导入的上限（web.max_import_rows）。",
        "CATALOGUE_TOO_LARGE" => "工作簿解压后过大，超过一次导入允许的大小。",
        "OBJECTIONS_PER_CALLER" => "同一地址对同一申请每天可提出的异议已达上限。",
        _ => "",
    };
    if zh.is_empty() {
        message.to_string()
    } else {
        zh.to_string()
    }
}

/// A refusal as a page states it: its HTTP status, its reason code, and what it says.
pub fn status_of(s: &Status) -> (StatusCode, String, String) {
    let reason = crate::grpc::status::reason_of(s).unwrap_or_default();
    let status = http_status(s.code(), &reason);
    // The gRPC message leads with its reason code; the page shows the code apart.
    let message = s.message();
    let message = message
        .strip_prefix(reason.as_str())
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message);
    let message = explained(&reason, message);
    (status, reason, message)
}

/// A form's page shown again after the form was refused, with the refusal's HTTP status: the
/// page is built with the refusal's (reason code, message) to show beside what was typed.
pub fn refused_again<T: Template>(
    refusal: &Status,
    page: impl FnOnce((String, String)) -> T,
) -> Response {
    let (status, reason, message) = status_of(refusal);
    super::page::rendered(&page((reason, message)), status)
}

/// The page of a refusal or a failure.
fn page(s: &Status) -> Response {
    let (status, reason, message) = status_of(s);
    let p = ErrorPage {
        title: title(status),
        sign_in: status == StatusCode::UNAUTHORIZED,
        status: status.as_u16(),
        message,
        reason,
    };
    let html = p.render().unwrap_or_else(|_| title(status).to_string());
    let mut r = html_response(status, html);
    if status == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    r
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        page(&self.0)
    }
}

/// Admission's refusal of a page's request (rate, timeout), as a page.
pub fn refusal_page(s: &Status) -> axum::http::Response<tonic::body::Body> {
    page(s).map(tonic::body::Body::new)
}

/// What no route answers: gRPC's UNIMPLEMENTED to a gRPC client, a page to a browser.
pub async fn fallback(req: Request<axum::body::Body>) -> Response {
    if crate::grpc::admission::is_grpc(&req) {
        return Status::unimplemented("").into_http::<axum::body::Body>();
    }
    page(&crate::grpc::status::with_reason(
        Code::NotFound,
        "PAGE_NOT_FOUND",
        format!("no page at {}", req.uri().path()),
    ))
}
