//! The registrant portal (`/portal`): a registrant signed in with its token follows its own
//! applications — state, due dates, what to supplement, history — and submits a draft after
//! reading the exact publicity text it acknowledges, through the flow's own Submit command.
use super::error::{refused_again, WebError};
use super::page::{beijing_time, query, Done, Html};
use super::session::{random_id, Bar, Signed};
use super::staff::state;
use super::{labels, Web};
use crate::domain::flow::{publicity_text, Application, Command, State};
use crate::domain::types::RegistrationType;
use askama::Template;
use axum::extract::{rejection::FormRejection, Form, Path, Query, State as Shared};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Applications the list shows.
const LIST_SIZE: i32 = 100;

pub struct Row {
    id: String,
    data_name: String,
    kind: &'static str,
    state: &'static str,
    due: String,
    code: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
pub struct ListPage {
    bar: Bar,
    rows: Vec<Row>,
}

pub async fn list(Shared(web): Shared<Web>, signed: Signed) -> Result<Html<ListPage>, WebError> {
    let page = web
        .engine
        .list_applications(&signed.actor, None, LIST_SIZE, "")?;
    Ok(Html(ListPage {
        bar: signed.bar(false),
        rows: page
            .items
            .iter()
            .map(|a| Row {
                id: a.id.clone(),
                data_name: a.materials.resource.name.clone(),
                kind: a.registration_type.label_zh(),
                state: state(a.state),
                due: a.current_due().map(|d| d.to_string()).unwrap_or_default(),
                code: a.code.clone().unwrap_or_default(),
            })
            .collect(),
    }))
}

pub struct Step {
    at: String,
    step: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "portal_application.html")]
pub struct ApplicationPage {
    bar: Bar,
    request_id: String,
    id: String,
    data_name: String,
    kind: &'static str,
    state: &'static str,
    due: String,
    code: String,
    supplement_items: Vec<String>,
    history: Vec<Step>,
    /// A draft: the exact publicity text submitting acknowledges, and its SHA-256.
    draft: bool,
    /// Returned for supplement: the way to the supplement form.
    returned: bool,
    /// Registered: the lifecycle applications that may start on its code, (path, label).
    on_code: Vec<(&'static str, &'static str)>,
    publicity_text: String,
    publicity_sha256: String,
    done: String,
    refused: Option<(String, String)>,
}

fn application_page(
    signed: &Signed,
    app: &Application,
    done: String,
    refused: Option<(String, String)>,
) -> ApplicationPage {
    let text = publicity_text(app.registration_type, &app.materials);
    ApplicationPage {
        bar: signed.bar(true),
        request_id: random_id(),
        id: app.id.clone(),
        data_name: app.materials.resource.name.clone(),
        kind: app.registration_type.label_zh(),
        state: state(app.state),
        due: app.current_due().map(|d| d.to_string()).unwrap_or_default(),
        code: app.code.clone().unwrap_or_default(),
        supplement_items: app.supplement_items.clone(),
        history: app
            .decisions
            .iter()
            .filter(|d| d.step != "EDITED")
            .map(|d| Step {
                at: beijing_time(d.at),
                step: labels::step(&d.step).to_string(),
                reason: d.reason.clone(),
            })
            .collect(),
        draft: app.state == State::Draft,
        returned: app.state == State::Returned,
        on_code: if app.state == State::Registered && app.code.is_some() {
            [
                RegistrationType::Change,
                RegistrationType::Correction,
                RegistrationType::Renewal,
                RegistrationType::Deregistration,
            ]
            .iter()
            .map(|k| (super::drafts::lifecycle_slug(*k), k.label_zh()))
            .collect()
        } else {
            Vec::new()
        },
        publicity_sha256: hex::encode(Sha256::digest(text.as_bytes())),
        publicity_text: text,
        done,
        refused,
    }
}

pub async fn application(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Html<ApplicationPage>, WebError> {
    let app = web.engine.get_application(&signed.actor, &id)?;
    Ok(Html(application_page(&signed, &app, q.done, None)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Submit {
    csrf: String,
    request_id: String,
    publicity_text_sha256: String,
}

pub async fn submit(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Form<Submit>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(s) = form.map_err(WebError::form)?;
    signed.check(&s.csrf)?;
    let ran = crate::grpc::run_flow(
        &web.engine,
        signed.actor.clone(),
        s.request_id,
        Some(id.clone()),
        Command::Submit {
            publicity_text_sha256: s.publicity_text_sha256,
        },
    )
    .await;
    match ran {
        Ok(_) => Ok(Redirect::to(&format!(
            "/portal/applications/{id}{}",
            query(&[("done", "已提交，等待受理")])
        ))
        .into_response()),
        Err(refusal) => {
            let app = web.engine.get_application(&signed.actor, &id)?;
            Ok(refused_again(&refusal, |r| {
                application_page(&signed, &app, String::new(), Some(r))
            }))
        }
    }
}
