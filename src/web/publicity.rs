//! The publicity notices (`/publicity`) and each notice's page with the objection form
//! (`/publicity/{id}`). An objection goes through the same path as FileObjection: one of the
//! caller's daily objections on that application, then the flow's command, so the log holds the
//! same entry and the same refusals show.
use super::error::{refused_again, WebError};
use super::page::{query, Html};
use super::Web;
use crate::domain::flow::Application;
use crate::grpc::admission::Caller;
use askama::Template;
use axum::extract::{rejection::FormRejection, Extension, Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Notices on one page.
const PAGE_SIZE: i32 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    page: String,
}

/// A notice as the list and its page show it.
pub struct Notice {
    id: String,
    data_name: String,
    subject_name: String,
    kind: &'static str,
    summary: String,
    start: String,
    end: String,
    /// The exact publicity text the registrant acknowledged.
    text: String,
}

impl Notice {
    fn of(a: &Application) -> Notice {
        let m = &a.materials;
        Notice {
            id: a.id.clone(),
            data_name: m.resource.name.clone(),
            subject_name: m.subject.name.clone(),
            kind: a.registration_type.label_zh(),
            summary: m.resource.summary.clone(),
            start: a.publicity.map(|p| p.start.to_string()).unwrap_or_default(),
            end: a.publicity.map(|p| p.end.to_string()).unwrap_or_default(),
            text: a.publicity_text.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "publicity.html")]
pub struct ListPage {
    notices: Vec<Notice>,
    next: Option<String>,
    first: bool,
}

pub async fn list(
    State(web): State<Web>,
    Query(p): Query<ListParams>,
) -> Result<Html<ListPage>, WebError> {
    let page = web.engine.publicity(PAGE_SIZE, p.page.trim())?;
    Ok(Html(ListPage {
        notices: page.items.iter().map(Notice::of).collect(),
        next: page
            .next
            .map(|after| format!("/publicity{}", query(&[("page", &after)]))),
        first: !p.page.is_empty(),
    }))
}

/// The objection form's fields, as filled in.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Objecting {
    objector_name: String,
    objector_contact: String,
    reason: String,
    /// Made when the form is shown: sending the form twice files one objection.
    request_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeParams {
    /// The objection just filed, to confirm.
    objection: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    notice: Notice,
    filed: String,
    form: Objecting,
    /// Why the objection sent was refused: reason code and message.
    refused: Option<(String, String)>,
}

fn request_id() -> String {
    let mut b = [0u8; 16];
    // Without randomness the form still works; a resend may then file twice.
    let _ = getrandom::getrandom(&mut b);
    hex::encode(b)
}

pub async fn notice(
    State(web): State<Web>,
    Path(id): Path<String>,
    Query(p): Query<NoticeParams>,
) -> Result<Html<NoticePage>, WebError> {
    let app = web.engine.publicity_notice(&id)?;
    Ok(Html(NoticePage {
        notice: Notice::of(&app),
        filed: p.objection,
        form: Objecting {
            request_id: request_id(),
            ..Objecting::default()
        },
        refused: None,
    }))
}

pub async fn object(
    State(web): State<Web>,
    Path(id): Path<String>,
    caller: Option<Extension<Caller>>,
    form: Result<Form<Objecting>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(WebError::form)?;
    let caller = caller.map(|Extension(c)| c.key()).unwrap_or_default();
    let filed = crate::grpc::file_objection(
        &web.engine,
        &web.objections,
        caller,
        crate::grpc::Objecting {
            application_id: id.clone(),
            objector_name: form.objector_name.clone(),
            objector_contact: form.objector_contact.clone(),
            reason: form.reason.clone(),
            request_id: form.request_id.clone(),
        },
    )
    .await;
    match filed {
        // After a POST, a GET: reloading the page does not send the form again.
        Ok(o) => Ok(Redirect::to(&format!(
            "/publicity/{id}{}",
            query(&[("objection", &o.id)])
        ))
        .into_response()),
        Err(refusal) => {
            // The notice again, with what was typed and why it was refused; nothing was filed.
            let app = web.engine.publicity_notice(&id)?;
            Ok(refused_again(&refusal, |r| NoticePage {
                notice: Notice::of(&app),
                filed: String::new(),
                form,
                refused: Some(r),
            }))
        }
    }
}
