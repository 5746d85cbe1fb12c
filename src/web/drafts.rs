//! The registrant's drafts in the portal: a new draft from the materials form
//! (`/portal/new`), its editing (`/portal/applications/{id}/edit`) and its attachments
//! (`…/attachments`). Each is the flow's own command (Create, Edit) or the attachment store's,
//! so a refusal is the gRPC API's; materials problems are marked at their fields, all at once.
use super::error::WebError;
use super::materials_form::{self as mf, FormView, MaterialsForm};
use super::page::{query, rendered};
use super::session::{random_id, Bar, Signed};
use super::Web;
use crate::domain::flow::{Command, State};
use crate::domain::materials::{AttachmentRef, Materials, Violation};
use crate::domain::types::{AttachmentKind, RegistrationType};
use crate::engine::commands::FlowStep;
use crate::engine::EngineError;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{rejection::FormRejection, Form, Multipart, Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

pub struct Attachment {
    kind: &'static str,
    file_name: String,
    size: u64,
}

#[derive(Template)]
#[template(path = "portal_draft.html")]
pub struct DraftPage {
    bar: Bar,
    request_id: String,
    /// Empty for a new draft.
    id: String,
    view: FormView,
    attachments: Vec<Attachment>,
    subject_kinds: mf::Choices,
    source_bases: mf::Choices,
    data_types: mf::Choices,
    grades: mf::Choices,
    access_modes: mf::Choices,
    refused: Option<(String, String)>,
}

/// The attachment kinds the upload form offers, by the value it sends.
const KINDS: [(AttachmentKind, &str); 4] = [
    (
        AttachmentKind::RegistrationUndertaking,
        "RegistrationUndertaking",
    ),
    (AttachmentKind::DescriptionDocument, "DescriptionDocument"),
    (
        AttachmentKind::AuthorisationAgreement,
        "AuthorisationAgreement",
    ),
    (AttachmentKind::Other, "Other"),
];

fn page(
    signed: &Signed,
    id: &str,
    form: &MaterialsForm,
    attachments: &[AttachmentRef],
    violations: &[Violation],
    refused: Option<(String, String)>,
) -> DraftPage {
    DraftPage {
        bar: signed.bar(true),
        request_id: random_id(),
        id: id.to_string(),
        view: FormView::new(form, violations),
        attachments: attachments
            .iter()
            .map(|a| Attachment {
                kind: a.kind.label_zh(),
                file_name: a.file_name.clone(),
                size: a.size,
            })
            .collect(),
        subject_kinds: mf::SUBJECT_KINDS,
        source_bases: mf::SOURCE_BASES,
        data_types: mf::DATA_TYPES,
        grades: mf::GRADES,
        access_modes: mf::ACCESS_MODES,
        refused,
    }
}

pub async fn new(signed: Signed) -> Result<Response, WebError> {
    // The registrant's token acts for one subject: its credit code is filled in.
    let mut m = Materials::default();
    m.subject.credit_code = signed.actor.subject.clone().unwrap_or_default();
    let p = page(&signed, "", &MaterialsForm::of(&m), &[], &[], None);
    Ok(rendered(&p, StatusCode::OK))
}

/// Runs Create or Edit with the form's materials; back to the form with every problem marked
/// when the materials are refused, else to the application's page.
async fn save(
    web: &Web,
    signed: &Signed,
    id: &str,
    form: MaterialsForm,
    attachments: Vec<AttachmentRef>,
) -> Result<Response, WebError> {
    signed.check(&form.csrf)?;
    let (materials, mut bad) = form.materials(attachments.clone());
    if !bad.is_empty() {
        // The form's own problems and the rules' on the rest, all at once.
        bad.extend(materials.check_form().err().unwrap_or_default());
        let reason = (
            "MATERIALS_INVALID".to_string(),
            "请改正标出的项目。".to_string(),
        );
        let p = page(signed, id, &form, &attachments, &bad, Some(reason));
        return Ok(rendered(&p, StatusCode::BAD_REQUEST));
    }
    let command = if id.is_empty() {
        Command::Create {
            id: String::new(),
            registration_type: RegistrationType::Initial,
            materials,
            target_code: None,
        }
    } else {
        Command::Edit { materials }
    };
    let ran = web
        .engine
        .execute(FlowStep {
            actor: signed.actor.clone(),
            request_id: form.request_id.clone(),
            application_id: (!id.is_empty()).then(|| id.to_string()),
            command: Box::new(command),
        })
        .await;
    match ran {
        Ok(applied) => Ok(Redirect::to(&format!(
            "/portal/applications/{}{}",
            applied.app.id,
            query(&[("done", "草稿已保存")])
        ))
        .into_response()),
        Err(EngineError::Refused(r)) if !r.violations.is_empty() => {
            let reason = (r.reason.to_string(), "请改正标出的项目。".to_string());
            let p = page(signed, id, &form, &attachments, &r.violations, Some(reason));
            Ok(rendered(&p, StatusCode::BAD_REQUEST))
        }
        Err(e) => {
            let (status, reason, message) =
                super::error::status_of(&crate::grpc::status::status(e));
            let p = page(
                signed,
                id,
                &form,
                &attachments,
                &[],
                Some((reason, message)),
            );
            Ok(rendered(&p, status))
        }
    }
}

pub async fn create(
    Shared(web): Shared<Web>,
    signed: Signed,
    form: Result<Form<MaterialsForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(WebError::form)?;
    save(&web, &signed, "", form, Vec::new()).await
}

/// The draft `id` of the signed-in registrant, or the refusal to show it.
fn draft(
    web: &Web,
    signed: &Signed,
    id: &str,
) -> Result<crate::domain::flow::Application, WebError> {
    let app = web.engine.get_application(&signed.actor, id)?;
    if app.state != State::Draft {
        return Err(WebError::from(EngineError::from(
            crate::domain::flow::Refusal::precondition(
                "WRONG_STATE",
                format!("application {id} is not a draft"),
            ),
        )));
    }
    Ok(app)
}

pub async fn edit(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let app = draft(&web, &signed, &id)?;
    let form = MaterialsForm::of(&app.materials);
    let p = page(&signed, &id, &form, &app.materials.attachments, &[], None);
    Ok(rendered(&p, StatusCode::OK))
}

pub async fn update(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Form<MaterialsForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(WebError::form)?;
    let app = draft(&web, &signed, &id)?;
    save(&web, &signed, &id, form, app.materials.attachments).await
}

/// An attachment uploaded to the draft (fields `csrf`, `kind`, `file`): stored as
/// UploadAttachment stores it, then named in the draft's materials by an Edit.
pub async fn attach(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let mut form = form.map_err(WebError::form)?;
    let (mut csrf, mut kind, mut file) = (String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(WebError::form)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(WebError::form)?,
            "kind" => kind = field.text().await.map_err(WebError::form)?,
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                file = Some((name, field.bytes().await.map_err(WebError::form)?));
            }
            _ => {}
        }
    }
    signed.check(&csrf)?;
    let app = draft(&web, &signed, &id)?;
    let kind = KINDS
        .iter()
        .find(|(_, v)| *v == kind)
        .map(|(k, _)| *k)
        .ok_or_else(|| WebError::invalid("UNKNOWN_ENUM_VALUE", "请选择附件类别"))?;
    let (file_name, bytes) =
        file.ok_or_else(|| WebError::invalid("FILE_NAME_REQUIRED", "请选择文件"))?;
    let stored = web
        .engine
        .upload_attachment(&signed.actor, &file_name, bytes.to_vec())
        .await?;
    let mut m = app.materials;
    m.attachments.push(AttachmentRef {
        kind,
        sha256: stored.sha256,
        file_name,
        size: stored.size,
    });
    web.engine
        .execute(FlowStep {
            actor: signed.actor.clone(),
            request_id: random_id(),
            application_id: Some(id.clone()),
            command: Box::new(Command::Edit { materials: m }),
        })
        .await?;
    Ok(Redirect::to(&format!(
        "/portal/applications/{id}/edit{}",
        query(&[("done", "附件已上传")])
    ))
    .into_response())
}
