//! Bulk registration in the portal (`/portal/import`): a catalogue file (CSV or `.xlsx` with the
//! columns `domain::catalogue` names, or JSON lines of materials) is read and every row shown with its problems before
//! anything is created; confirmed, its valid rows become drafts through the flow's Create, each
//! under its row's request id, so a row sent twice makes one draft (`import_jobs`), while the
//! registrant watches the progress page.
use super::error::WebError;
use super::import_jobs::Made;
use super::materials_form::problem;
use super::page::Html;
use super::session::{Bar, Signed};
use super::Web;
use crate::domain::catalogue::{self, Row};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{rejection::FormRejection, Form, Multipart, State};
use axum::response::Redirect;
use base64::Engine as _;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_import.html")]
pub struct ImportPage {
    bar: Bar,
    /// The rows read, once a file is sent; with the file itself to confirm.
    rows: Vec<Line>,
    valid: usize,
    file: String,
    /// After the confirmation: the rows to make, those done so far, and whether more are to come.
    started: bool,
    total: usize,
    made: Vec<Made>,
    running: bool,
    max_rows: usize,
}

pub struct Line {
    line: usize,
    data_name: String,
    problems: Vec<String>,
}

fn lines(rows: &[Row]) -> Vec<Line> {
    rows.iter()
        .map(|r| Line {
            line: r.line,
            data_name: r.materials.resource.name.clone(),
            problems: r
                .problems
                .iter()
                .map(|p| match p.field.as_str() {
                    "" => problem(p),
                    field => format!("{field}：{}", problem(p)),
                })
                .collect(),
        })
        .collect()
}

fn read(web: &Web, signed: &Signed, bytes: &[u8]) -> Result<Vec<Row>, WebError> {
    let subject = signed.actor.subject.clone().unwrap_or_default();
    catalogue::read(
        bytes,
        &subject,
        web.site.max_import_rows,
        crate::grpc::json::materials,
    )
    .map_err(|e| WebError::invalid(e.reason(), e.to_string()))
}

fn empty(web: &Web, signed: &Signed) -> ImportPage {
    ImportPage {
        bar: signed.bar(true),
        rows: Vec::new(),
        valid: 0,
        file: String::new(),
        started: false,
        total: 0,
        made: Vec::new(),
        running: false,
        max_rows: web.site.max_import_rows,
    }
}

pub async fn page(State(web): State<Web>, signed: Signed) -> Html<ImportPage> {
    Html(empty(&web, &signed))
}

/// The file sent (fields `csrf`, `file`): every row with its problems; nothing created yet.
pub async fn preview(
    State(web): State<Web>,
    signed: Signed,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Html<ImportPage>, WebError> {
    let mut form = form.map_err(WebError::form)?;
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(WebError::form)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(WebError::form)?,
            "file" => file = Some(field.bytes().await.map_err(WebError::form)?),
            _ => {}
        }
    }
    signed.check(&csrf)?;
    let bytes = file.ok_or_else(|| WebError::invalid("FILE_NAME_REQUIRED", "请选择目录文件"))?;
    let rows = read(&web, &signed, &bytes)?;
    Ok(Html(ImportPage {
        valid: rows.iter().filter(|r| r.problems.is_empty()).count(),
        rows: lines(&rows),
        file: base64::engine::general_purpose::STANDARD.encode(&bytes),
        ..empty(&web, &signed)
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Confirm {
    csrf: String,
    /// The file previewed, base64.
    file: String,
}

/// The valid rows of the file previewed start becoming drafts, in order; the registrant is
/// sent to the progress page.
pub async fn create(
    State(web): State<Web>,
    signed: Signed,
    form: Result<Form<Confirm>, FormRejection>,
) -> Result<Redirect, WebError> {
    let Form(c) = form.map_err(WebError::form)?;
    signed.check(&c.csrf)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(c.file.trim())
        .map_err(|e| {
            WebError::invalid(
                "CATALOGUE_INVALID",
                format!("the file sent back is not base64: {e}"),
            )
        })?;
    let rows = read(&web, &signed, &bytes)?;
    let valid = rows.into_iter().filter(|r| r.problems.is_empty()).collect();
    web.imports
        .start(web.engine.clone(), signed.actor.clone(), valid)?;
    Ok(Redirect::to("/portal/import/progress"))
}

/// The registrant's latest import: the rows done so far; the page reloads itself until the
/// last is done.
pub async fn progress(
    State(web): State<Web>,
    signed: Signed,
) -> Result<Html<ImportPage>, WebError> {
    let job = web.imports.of(&signed.actor).ok_or_else(|| {
        WebError(crate::grpc::status::with_reason(
            tonic::Code::NotFound,
            "PAGE_NOT_FOUND",
            "no import of this token is running or kept: send a catalogue file first".into(),
        ))
    })?;
    let (made, ended) = job.progress();
    Ok(Html(ImportPage {
        running: !ended,
        total: job.total,
        made,
        started: true,
        ..empty(&web, &signed)
    }))
}
