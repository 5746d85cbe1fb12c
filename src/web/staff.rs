//! The staff console (`/staff`): the work queues by step, overdue first with their due dates,
//! and each application with its materials, attachments, history and objections, and the
//! decisions its step allows. Every decision is the flow command ReviewService runs, so the
//! log records the same entries and the same refusals show.
use super::error::{refused_again, WebError};
use super::page::{beijing_time, Done, Html};
use super::session::{random_id, Bar, Signed};
use super::{labels, Web};
use crate::domain::flow::{Application, Command, ObjectionState, Resolution, State};
use askama::Template;
use axum::extract::{rejection::FormRejection, Form, Path, Query, State as Shared};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Applications a queue shows (the engine's order: overdue first, then by due date).
const QUEUE_SIZE: i32 = 50;

pub struct Item {
    id: String,
    data_name: String,
    subject_name: String,
    due: String,
    overdue: bool,
}

pub struct Queue {
    title: &'static str,
    items: Vec<Item>,
    more: bool,
}

#[derive(Template)]
#[template(path = "staff_queues.html")]
pub struct QueuesPage {
    bar: Bar,
    queues: Vec<Queue>,
}

pub async fn queues(
    Shared(web): Shared<Web>,
    signed: Signed,
) -> Result<Html<QueuesPage>, WebError> {
    let steps = [
        ("待受理", State::Submitted, false),
        ("待形式审查", State::InReview, false),
        ("公示中", State::InPublicity, false),
        ("有待处理的异议", State::InPublicity, true),
    ];
    let mut queues = Vec::new();
    for (title, state, objections) in steps {
        let page = match web
            .engine
            .queue(&signed.actor, state, objections, QUEUE_SIZE, "")
        {
            Ok(page) => page,
            // The admin has no queue: the console shows its other pages.
            Err(crate::engine::EngineError::Refused(r)) if r.reason == "WRONG_ROLE" => break,
            Err(e) => return Err(e.into()),
        };
        queues.push(Queue {
            title,
            more: page.next.is_some(),
            items: page
                .items
                .iter()
                .map(|e| Item {
                    id: e.application.id.clone(),
                    data_name: e.application.materials.resource.name.clone(),
                    subject_name: e.application.materials.subject.name.clone(),
                    due: e.due.map(|d| d.to_string()).unwrap_or_default(),
                    overdue: e.overdue,
                })
                .collect(),
        });
    }
    Ok(Html(QueuesPage {
        bar: signed.bar(false),
        queues,
    }))
}

pub struct Attachment {
    kind: &'static str,
    file_name: String,
    size: u64,
    sha256: String,
}

pub struct Step {
    at: String,
    step: String,
    reason: String,
    actor: String,
    log_index: u64,
}

pub struct Objection {
    id: String,
    objector_name: String,
    objector_contact: String,
    reason: String,
    filed_at: String,
    open: bool,
    resolution: String,
}

#[derive(Template)]
#[template(path = "staff_application.html")]
pub struct ApplicationPage {
    bar: Bar,
    /// Made when the page is shown: a decision sent twice is made once.
    request_id: String,
    id: String,
    state: &'static str,
    kind: &'static str,
    due: String,
    subject_name: String,
    credit_code: String,
    contact: String,
    data_name: String,
    summary: String,
    data_type: &'static str,
    industry: String,
    format: String,
    access_mode: &'static str,
    publicity: String,
    supplement_items: Vec<String>,
    attachments: Vec<Attachment>,
    history: Vec<Step>,
    objections: Vec<Objection>,
    /// Which decisions the application's step takes.
    at_acceptance: bool,
    in_review: bool,
    code: String,
    done: String,
    refused: Option<(String, String)>,
}

pub fn state(s: State) -> &'static str {
    match s {
        State::Draft => "草稿",
        State::Submitted => "待受理",
        State::Returned => "退回补正",
        State::InReview => "形式审查中",
        State::InPublicity => "公示中",
        State::Registered => "已登记",
        State::NotAccepted => "不予受理",
        State::Refused => "不予登记",
        State::Withdrawn => "已撤回",
        State::Closed => "已关闭",
    }
}

fn application_page(
    signed: &Signed,
    app: &Application,
    done: String,
    refused: Option<(String, String)>,
) -> ApplicationPage {
    let m = &app.materials;
    let c = &m.subject.contact;
    ApplicationPage {
        bar: signed.bar(true),
        request_id: random_id(),
        id: app.id.clone(),
        state: state(app.state),
        kind: app.registration_type.label_zh(),
        due: app.current_due().map(|d| d.to_string()).unwrap_or_default(),
        subject_name: m.subject.name.clone(),
        credit_code: m.subject.credit_code.clone(),
        contact: [c.name.as_str(), c.phone.as_str(), c.email.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("，"),
        data_name: m.resource.name.clone(),
        summary: m.resource.summary.clone(),
        data_type: m.resource.data_type.map_or("未填", labels::data_type),
        industry: m.resource.industry.clone(),
        format: m.resource.format.clone(),
        access_mode: labels::access_mode(m.resource.access_mode),
        publicity: app
            .publicity
            .map(|p| format!("{} 至 {}", p.start, p.end))
            .unwrap_or_default(),
        supplement_items: app.supplement_items.clone(),
        attachments: m
            .attachments
            .iter()
            .map(|a| Attachment {
                kind: a.kind.label_zh(),
                file_name: a.file_name.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
            })
            .collect(),
        history: app
            .decisions
            .iter()
            .map(|d| Step {
                at: beijing_time(d.at),
                step: labels::step(&d.step).to_string(),
                reason: d.reason.clone(),
                actor: d.actor.clone(),
                log_index: d.log_index,
            })
            .collect(),
        objections: app
            .objections
            .iter()
            .map(|o| Objection {
                id: o.id.clone(),
                objector_name: o.objector_name.clone(),
                objector_contact: o.objector_contact.clone(),
                reason: o.reason.clone(),
                filed_at: beijing_time(o.filed_at),
                open: o.state == ObjectionState::Open,
                resolution: o.resolution_reason.clone(),
            })
            .collect(),
        at_acceptance: app.state == State::Submitted,
        in_review: app.state == State::InReview,
        code: app.code.clone().unwrap_or_default(),
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

/// A decision's form: every decision has a reason; a return lists what to supplement (one
/// item a line); a resolution names its objection and outcome.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Decision {
    csrf: String,
    request_id: String,
    reason: String,
    items: String,
    objection_id: String,
    resolution: String,
}

fn command(action: &str, d: &Decision) -> Result<Command, WebError> {
    let reason = d.reason.clone();
    Ok(match action {
        "accept" => Command::Accept { reason },
        "return" => Command::ReturnForSupplement {
            items: d
                .items
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            reason,
        },
        "refuse-acceptance" => Command::RefuseAcceptance { reason },
        "pass" => Command::PassReview { reason },
        "refuse-review" => Command::RefuseReview { reason },
        "resolve" => Command::ResolveObjection {
            objection_id: d.objection_id.clone(),
            resolution: match d.resolution.as_str() {
                "dismiss" => Resolution::Dismiss,
                "uphold-refuse" => Resolution::UpholdRefuse,
                "uphold-back-to-review" => Resolution::UpholdBackToReview,
                _ => {
                    return Err(WebError::invalid(
                        "UNKNOWN_ENUM_VALUE",
                        "处理结果应为驳回异议、异议成立不予登记或异议成立退回审查",
                    ))
                }
            },
            reason,
        },
        _ => {
            return Err(WebError(crate::grpc::status::with_reason(
                tonic::Code::NotFound,
                "PAGE_NOT_FOUND",
                format!("no decision {action}"),
            )))
        }
    })
}

/// What a decision done says on the page it returns to.
fn done(action: &str) -> &'static str {
    match action {
        "accept" => "已受理",
        "return" => "已退回补正",
        "refuse-acceptance" => "已决定不予受理",
        "pass" => "形式审查已通过，进入公示",
        "refuse-review" => "已决定不予登记",
        _ => "异议已处理",
    }
}

pub async fn decide(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path((id, action)): Path<(String, String)>,
    form: Result<Form<Decision>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(d) = form.map_err(WebError::form)?;
    signed.check(&d.csrf)?;
    let command = command(&action, &d)?;
    let ran = crate::grpc::run_flow(
        &web.engine,
        signed.actor.clone(),
        d.request_id.clone(),
        Some(id.clone()),
        command,
    )
    .await;
    match ran {
        Ok(_) => Ok(Redirect::to(&format!(
            "/staff/applications/{id}{}",
            super::page::query(&[("done", done(&action))])
        ))
        .into_response()),
        // The application again, as it stands (unchanged), with the refusal.
        Err(refusal) => {
            let app = web.engine.get_application(&signed.actor, &id)?;
            Ok(refused_again(&refusal, |r| {
                application_page(&signed, &app, String::new(), Some(r))
            }))
        }
    }
}
