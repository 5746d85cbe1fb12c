//! The institution's own actions on a record, from the console (`/staff/records/{code}`): a
//! correction of its public facts (更正) and a revocation (撤销), each with its reason. They are
//! the commands ReviewService runs (`CorrectRecord`, `RevokeRecord`), by the signed-in token.
use super::error::{refused_again, WebError};
use super::page::{query, Done, Html};
use super::session::{random_id, Bar, Signed};
use super::{labels, Web};
use crate::domain::record::RecordCorrection;
use crate::engine::commands::{CorrectRecord, RevokeRecord};
use askama::Template;
use axum::extract::{rejection::FormRejection, Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff_record.html")]
pub struct RecordPage {
    bar: Bar,
    request_id: String,
    code: String,
    data_name: String,
    subject_name: String,
    summary: String,
    industry: String,
    status: &'static str,
    ended: bool,
    done: String,
    refused: Option<(String, String)>,
}

fn record_page(
    web: &Web,
    signed: &Signed,
    code: &str,
    done: String,
    refused: Option<(String, String)>,
) -> Result<RecordPage, WebError> {
    let (r, _) = web.engine.get_record(code)?;
    Ok(RecordPage {
        bar: signed.bar(true),
        request_id: random_id(),
        code: r.code,
        data_name: r.data_name,
        subject_name: r.subject_name,
        summary: r.summary,
        industry: r.industry,
        status: labels::status(r.status),
        ended: r.ended.is_some(),
        done,
        refused,
    })
}

pub async fn page(
    State(web): State<Web>,
    signed: Signed,
    Path(code): Path<String>,
    Query(q): Query<Done>,
) -> Result<Html<RecordPage>, WebError> {
    Ok(Html(record_page(&web, &signed, &code, q.done, None)?))
}

/// The forms' fields: a correction gives the facts it changes (empty: unchanged).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Action {
    csrf: String,
    request_id: String,
    reason: String,
    subject_name: String,
    data_name: String,
    summary: String,
    industry: String,
}

fn given(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub async fn act(
    State(web): State<Web>,
    signed: Signed,
    Path((code, action)): Path<(String, String)>,
    form: Result<Form<Action>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(a) = form.map_err(WebError::form)?;
    signed.check(&a.csrf)?;
    let (actor, request_id, reason) =
        (signed.actor.clone(), a.request_id.clone(), a.reason.clone());
    let (ran, done) = match action.as_str() {
        "correct" => (
            web.engine
                .execute(CorrectRecord {
                    actor,
                    request_id,
                    code: code.clone(),
                    correction: RecordCorrection {
                        subject_name: given(&a.subject_name),
                        data_name: given(&a.data_name),
                        summary: given(&a.summary),
                        industry: given(&a.industry),
                    },
                    reason,
                })
                .await
                .map(drop),
            "记录已更正",
        ),
        "revoke" => (
            web.engine
                .execute(RevokeRecord {
                    actor,
                    request_id,
                    code: code.clone(),
                    reason,
                })
                .await
                .map(drop),
            "登记已撤销",
        ),
        _ => {
            return Err(WebError(crate::grpc::status::with_reason(
                tonic::Code::NotFound,
                "PAGE_NOT_FOUND",
                format!("no action {action}"),
            )))
        }
    };
    match ran {
        Ok(()) => Ok(Redirect::to(&format!(
            "/staff/records/{code}{}",
            query(&[("done", done)])
        ))
        .into_response()),
        Err(e) => {
            let page = record_page(&web, &signed, &code, String::new(), None)?;
            Ok(refused_again(&crate::grpc::status::status(e), |r| {
                RecordPage {
                    refused: Some(r),
                    ..page
                }
            }))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Open {
    code: String,
}

/// The console's "open a record by code" form: to that record's page, once the code parses.
pub async fn open(_signed: Signed, Query(o): Query<Open>) -> Result<Redirect, WebError> {
    let code = crate::domain::codes::UnifiedCode::parse(o.code.trim()).map_err(|e| {
        WebError::from(crate::engine::EngineError::from(
            crate::domain::flow::Refusal::invalid(e.reason(), e.to_string()),
        ))
    })?;
    Ok(Redirect::to(&format!("/staff/records/{code}")))
}
