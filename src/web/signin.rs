//! Signing in and out (`/staff/login`, `/staff/logout`): a token for a session cookie.
use super::error::{status_of, WebError};
use super::page::rendered;
use super::session::{self, Signed, COOKIE, LOGIN_COOKIE};
use super::Web;
use crate::domain::types::Role;
use askama::Template;
use axum::extract::{rejection::FormRejection, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// How long a sign-in form stays good, in seconds.
const LOGIN_FORM_SECONDS: u64 = 600;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    csrf: String,
    refused: Option<(String, String)>,
}

/// The sign-in form, with a fresh CSRF token in the form and in its own cookie.
fn form(web: &Web, status: StatusCode, refused: Option<(String, String)>) -> Response {
    let csrf = session::random_id();
    let page = LoginPage {
        csrf: csrf.clone(),
        refused,
    };
    let mut r = rendered(&page, status);
    r.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(
            LOGIN_COOKIE,
            &csrf,
            "/staff/login",
            LOGIN_FORM_SECONDS,
            web.https,
        ),
    );
    r
}

pub async fn page(State(web): State<Web>) -> Response {
    form(&web, StatusCode::OK, None)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignIn {
    token: String,
    csrf: String,
}

pub async fn sign_in(
    State(web): State<Web>,
    headers: HeaderMap,
    given: Result<Form<SignIn>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(given) = given.map_err(WebError::form)?;
    // The form must be the one this node showed this browser (no sign-in from another site).
    let shown = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if shown.is_empty() || !session::same(&shown, &given.csrf) {
        return Err(session::csrf_refused());
    }
    let token = given.token.trim().to_string();
    let actor = match web.engine.authenticate(&token) {
        Ok(actor) => actor,
        Err(e) => {
            let (status, reason, message) = status_of(&crate::grpc::status::status(e));
            return Ok(form(&web, status, Some((reason, message))));
        }
    };
    let (id, _) = web.sessions.open(token)?;
    // A registrant to its own applications, the staff to their console.
    let home = if actor.role == Role::Registrant {
        "/portal"
    } else {
        "/staff"
    };
    let mut r = Redirect::to(home).into_response();
    let seconds = web.sessions.lifetime().as_secs();
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(COOKIE, &id, "/", seconds, web.https),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(LOGIN_COOKIE, "", "/staff/login", 0, web.https),
    );
    Ok(r)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignOut {
    csrf: String,
}

pub async fn sign_out(
    State(web): State<Web>,
    signed: Signed,
    given: Result<Form<SignOut>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(given) = given.map_err(WebError::form)?;
    signed.check(&given.csrf)?;
    web.sessions.close(&signed.session);
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(COOKIE, "", "/", 0, web.https),
    );
    Ok(r)
}
