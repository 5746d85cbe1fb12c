//! The registrant's drafts in the portal: a new draft from the materials form
//! (`/portal/new`), its editing (`/portal/applications/{id}/edit`) and its attachments
//! (`…/attachments`). Each is the flow's own command (Create, Edit) or the attachment store's,
//! so a refusal is the gRPC API's; materials problems are marked at their fields, all at once.
use super::error::WebError;
use super::materials_form::{self as mf, FormView, MaterialsForm};
use super::page::{query, rendered};
use super::session::{random_id, Bar, Signed};
use super::Web;
use crate::domain::flow::{publicity_text, Command, State};
use crate::domain::materials::{AttachmentRef, Materials, Violation};
use crate::domain::types::{AttachmentKind, RegistrationType};
use crate::engine::commands::FlowStep;
use crate::engine::EngineError;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{rejection::FormRejection, Form, Multipart, Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

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
    /// The draft whose attachments the page lists and takes; empty for any other form.
    id: String,
    heading: String,
    action: String,
    save_label: &'static str,
    /// A supplement: the items the clerk asked for, the note, and the publicity text the
    /// supplemented materials produce, which sending acknowledges.
    supplementing: bool,
    supplement_items: Vec<String>,
    note: String,
    publicity_text: String,
    publicity_sha256: String,
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

/// What a materials form is for.
#[derive(Debug, Clone)]
pub enum Purpose {
    /// A new application: an initial registration, or one on the registrant's code.
    New {
        kind: RegistrationType,
        code: Option<String>,
    },
    /// A draft's materials replaced.
    Edit { id: String },
    /// A returned application's supplement, with the items asked for.
    Supplement {
        id: String,
        kind: RegistrationType,
        items: Vec<String>,
    },
}

impl Purpose {
    fn heading(&self) -> String {
        match self {
            Purpose::New { kind, code: None } => format!("新建登记申请（{}）", kind.label_zh()),
            Purpose::New {
                kind,
                code: Some(c),
            } => format!("{}申请：{c}", kind.label_zh()),
            Purpose::Edit { id } => format!("编辑草稿 {id}"),
            Purpose::Supplement { id, .. } => format!("补正申请 {id}"),
        }
    }

    fn action(&self) -> String {
        match self {
            Purpose::New { code: None, .. } => "/portal/new".into(),
            Purpose::New {
                kind,
                code: Some(c),
            } => format!("/portal/records/{c}/{}", lifecycle_slug(*kind)),
            Purpose::Edit { id } => format!("/portal/applications/{id}/edit"),
            Purpose::Supplement { id, .. } => format!("/portal/applications/{id}/supplement"),
        }
    }
}

/// The lifecycle applications a registrant starts on its own code, by their path segment.
const LIFECYCLE: [(&str, RegistrationType); 4] = [
    ("change", RegistrationType::Change),
    ("correction", RegistrationType::Correction),
    ("renewal", RegistrationType::Renewal),
    ("deregistration", RegistrationType::Deregistration),
];

pub fn lifecycle_slug(kind: RegistrationType) -> &'static str {
    LIFECYCLE
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("", |(s, _)| s)
}

fn page(
    signed: &Signed,
    purpose: &Purpose,
    form: &MaterialsForm,
    attachments: &[AttachmentRef],
    violations: &[Violation],
    refused: Option<(String, String)>,
) -> DraftPage {
    let (supplementing, supplement_items, text) = match purpose {
        Purpose::Supplement { kind, items, .. } => {
            let (m, _) = form.materials(attachments.to_vec());
            (true, items.clone(), publicity_text(*kind, &m))
        }
        _ => (false, Vec::new(), String::new()),
    };
    DraftPage {
        bar: signed.bar(true),
        request_id: random_id(),
        id: match purpose {
            Purpose::Edit { id } => id.clone(),
            _ => String::new(),
        },
        heading: purpose.heading(),
        action: purpose.action(),
        save_label: match purpose {
            Purpose::Supplement { .. } => "提交补正",
            _ => "保存草稿",
        },
        supplementing,
        supplement_items,
        note: form.note.clone(),
        publicity_sha256: hex::encode(Sha256::digest(text.as_bytes())),
        publicity_text: text,
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

/// The form of `purpose` filled with `m`, nothing marked yet.
fn filled(signed: &Signed, purpose: &Purpose, m: &Materials) -> Response {
    let form = MaterialsForm::of(m);
    rendered(
        &page(signed, purpose, &form, &m.attachments, &[], None),
        StatusCode::OK,
    )
}

pub async fn new(signed: Signed) -> Result<Response, WebError> {
    // The registrant's token acts for one subject: its credit code is filled in.
    let mut m = Materials::default();
    m.subject.credit_code = signed.actor.subject.clone().unwrap_or_default();
    let purpose = Purpose::New {
        kind: RegistrationType::Initial,
        code: None,
    };
    Ok(filled(&signed, &purpose, &m))
}

/// Runs Create, Edit or Supplement with the form's materials; back to the form with every
/// problem marked when the materials are refused, else to the application's page. A supplement
/// whose materials make another publicity text than the one the form showed is shown again with
/// the new text, to be read and acknowledged before it is sent.
async fn save(
    web: &Web,
    signed: &Signed,
    purpose: Purpose,
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
        let p = page(signed, &purpose, &form, &attachments, &bad, Some(reason));
        return Ok(rendered(&p, StatusCode::BAD_REQUEST));
    }
    let (application_id, command, done) = match &purpose {
        Purpose::New { kind, code } => (
            None,
            Command::Create {
                id: String::new(),
                registration_type: *kind,
                materials,
                target_code: code.clone(),
            },
            "草稿已保存",
        ),
        Purpose::Edit { id } => (Some(id.clone()), Command::Edit { materials }, "草稿已保存"),
        Purpose::Supplement { id, kind, .. } => {
            let text = publicity_text(*kind, &materials);
            if hex::encode(Sha256::digest(text.as_bytes())) != form.publicity_text_sha256 {
                let reason = (
                    "PUBLICITY_TEXT_NOT_ACKNOWLEDGED".to_string(),
                    "补正后的材料将这样公示：请阅读页末的公示内容，确认后再提交。".to_string(),
                );
                let p = page(signed, &purpose, &form, &attachments, &[], Some(reason));
                return Ok(rendered(&p, StatusCode::OK));
            }
            let command = Command::Supplement {
                materials,
                note: form.note.clone(),
                publicity_text_sha256: form.publicity_text_sha256.clone(),
            };
            (Some(id.clone()), command, "补正材料已提交，等待受理")
        }
    };
    let ran = web
        .engine
        .execute(FlowStep {
            actor: signed.actor.clone(),
            request_id: form.request_id.clone(),
            application_id,
            command: Box::new(command),
        })
        .await;
    match ran {
        Ok(applied) => Ok(Redirect::to(&format!(
            "/portal/applications/{}{}",
            applied.app.id,
            query(&[("done", done)])
        ))
        .into_response()),
        Err(EngineError::Refused(r)) if !r.violations.is_empty() => {
            let reason = (r.reason.to_string(), "请改正标出的项目。".to_string());
            let p = page(
                signed,
                &purpose,
                &form,
                &attachments,
                &r.violations,
                Some(reason),
            );
            Ok(rendered(&p, StatusCode::BAD_REQUEST))
        }
        Err(e) => {
            let (status, reason, message) =
                super::error::status_of(&crate::grpc::status::status(e));
            let p = page(
                signed,
                &purpose,
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
    let purpose = Purpose::New {
        kind: RegistrationType::Initial,
        code: None,
    };
    save(&web, &signed, purpose, form, Vec::new()).await
}

/// The application `id` of the signed-in registrant in `state`, or the refusal to show it.
fn in_state(
    web: &Web,
    signed: &Signed,
    id: &str,
    state: State,
) -> Result<crate::domain::flow::Application, WebError> {
    let app = web.engine.get_application(&signed.actor, id)?;
    if app.state != state {
        return Err(WebError::from(EngineError::from(
            crate::domain::flow::Refusal::precondition(
                "WRONG_STATE",
                format!(
                    "application {id} is {}, not {}",
                    app.state.name(),
                    state.name()
                ),
            ),
        )));
    }
    Ok(app)
}

fn draft(
    web: &Web,
    signed: &Signed,
    id: &str,
) -> Result<crate::domain::flow::Application, WebError> {
    in_state(web, signed, id, State::Draft)
}

pub async fn edit(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let app = draft(&web, &signed, &id)?;
    Ok(filled(&signed, &Purpose::Edit { id }, &app.materials))
}

fn supplementing(app: &crate::domain::flow::Application) -> Purpose {
    Purpose::Supplement {
        id: app.id.clone(),
        kind: app.registration_type,
        items: app.supplement_items.clone(),
    }
}

/// The supplement form of a returned application: its materials, the items asked for.
pub async fn supplement_form(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let app = in_state(&web, &signed, &id, State::Returned)?;
    Ok(filled(&signed, &supplementing(&app), &app.materials))
}

pub async fn supplement(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Form<MaterialsForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(WebError::form)?;
    let app = in_state(&web, &signed, &id, State::Returned)?;
    let purpose = supplementing(&app);
    save(&web, &signed, purpose, form, app.materials.attachments).await
}

/// The materials of the application behind `code`'s newest version, which a change,
/// correction, renewal or deregistration starts from, and the type the path names.
fn on_code(
    web: &Web,
    signed: &Signed,
    code: &str,
    slug: &str,
) -> Result<(Purpose, Materials), WebError> {
    let kind = LIFECYCLE
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            WebError(crate::grpc::status::with_reason(
                tonic::Code::NotFound,
                "PAGE_NOT_FOUND",
                format!(
                    "{} is not change, correction, renewal or deregistration",
                    crate::domain::flow::echo(slug)
                ),
            ))
        })?;
    let (record, _) = web.engine.get_record(code)?;
    let newest = record.versions.iter().max_by_key(|v| v.version);
    let mut m = newest
        .and_then(|v| {
            web.engine
                .get_application(&signed.actor, &v.application_id)
                .ok()
        })
        .map(|a| a.materials)
        .unwrap_or_default();
    if m.resource.name.is_empty() {
        // A record registered elsewhere (handed over): what the record itself says.
        m.resource.name = record.data_name.clone();
        m.subject.name = record.subject_name.clone();
    }
    m.subject.credit_code = signed.actor.subject.clone().unwrap_or_default();
    let purpose = Purpose::New {
        kind,
        code: Some(record.code),
    };
    Ok((purpose, m))
}

/// A new change, correction, renewal or deregistration on the registrant's own code, its form
/// filled with the code's current materials.
pub async fn on_code_form(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path((code, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (purpose, m) = on_code(&web, &signed, &code, &slug)?;
    Ok(filled(&signed, &purpose, &m))
}

pub async fn start_on_code(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path((code, slug)): Path<(String, String)>,
    form: Result<Form<MaterialsForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(WebError::form)?;
    let (purpose, m) = on_code(&web, &signed, &code, &slug)?;
    save(&web, &signed, purpose, form, m.attachments).await
}

pub async fn update(
    Shared(web): Shared<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Form<MaterialsForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(WebError::form)?;
    let app = draft(&web, &signed, &id)?;
    save(
        &web,
        &signed,
        Purpose::Edit { id },
        form,
        app.materials.attachments,
    )
    .await
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
