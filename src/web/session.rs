//! Sign-in for the console: a token is given once, at sign-in; the browser then holds only a
//! random session id, in an HttpOnly, SameSite=Strict cookie with an expiry, and every form
//! the console shows carries the session's CSRF token, checked on every POST. The node keeps
//! the token with the session and authenticates it on each request, so a revoked or expired
//! token ends its sessions at once. Sessions live in memory: a restarted node asks again.
use super::error::WebError;
use super::Web;
use crate::domain::types::Actor;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tonic::Code;

/// The session cookie.
pub const COOKIE: &str = "sjdj_session";
/// The sign-in form's own CSRF cookie (there is no session yet to hold its token).
pub const LOGIN_COOKIE: &str = "sjdj_login";

struct Session {
    token: String,
    csrf: String,
    expires: Instant,
}

/// The open sessions, at most `max` (`web.max_sessions`), each living `lifetime`
/// (`web.session_minutes`).
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    lifetime: Duration,
    max: usize,
}

/// 128 random bits, hex.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).expect("the OS's randomness");
    hex::encode(b)
}

/// Equal, in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn refused(code: Code, reason: &str, message: &str) -> WebError {
    WebError(crate::grpc::status::with_reason(
        code,
        reason,
        message.into(),
    ))
}

impl Sessions {
    pub fn new(lifetime: Duration, max: usize) -> Sessions {
        Sessions {
            open: Mutex::default(),
            lifetime,
            max,
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Opens a session for `token` (already authenticated): its id and CSRF token.
    pub fn open(&self, token: String) -> Result<(String, String), WebError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= self.max {
            let now = Instant::now();
            open.retain(|_, s| s.expires > now);
        }
        if open.len() >= self.max {
            return Err(refused(
                Code::ResourceExhausted,
                "SESSIONS_FULL",
                "the node holds as many signed-in sessions as web.max_sessions allows",
            ));
        }
        let (id, csrf) = (random_id(), random_id());
        open.insert(
            id.clone(),
            Session {
                token,
                csrf: csrf.clone(),
                expires: Instant::now() + self.lifetime,
            },
        );
        Ok((id, csrf))
    }

    /// The token and CSRF token of a live session.
    fn get(&self, id: &str) -> Result<(String, String), WebError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        match open.get(id) {
            Some(s) if s.expires > Instant::now() => Ok((s.token.clone(), s.csrf.clone())),
            Some(_) => {
                open.remove(id);
                Err(expired())
            }
            None => Err(expired()),
        }
    }

    pub fn close(&self, id: &str) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

fn expired() -> WebError {
    refused(
        Code::Unauthenticated,
        "SESSION_EXPIRED",
        "this session has ended or was never opened: sign in again",
    )
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure over TLS; `max_age` 0
/// ends it.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: u64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("a cookie of hex and fixed text")
}

/// Who is signed in on this request, with the session's CSRF token.
pub struct Signed {
    pub actor: Actor,
    pub session: String,
    pub csrf: String,
}

/// The strip atop every signed-in page: who is signed in, the way back to their home page,
/// and the sign-out form with the session's CSRF token (which the page's own forms carry too).
pub struct Bar {
    pub who: String,
    pub csrf: String,
    /// Empty on the home page itself.
    pub home: &'static str,
    pub home_label: &'static str,
}

impl Signed {
    /// The page's [`Bar`]; `back`: with the way to the home page (not on the home page).
    pub fn bar(&self, back: bool) -> Bar {
        let (home, home_label) = match (back, self.actor.role) {
            (false, _) => ("", ""),
            (true, crate::domain::types::Role::Registrant) => ("/portal", "我的申请"),
            (true, _) => ("/staff", "返回工作台"),
        };
        Bar {
            who: format!(
                "{}（{}）",
                self.actor.holder,
                super::labels::role(self.actor.role)
            ),
            csrf: self.csrf.clone(),
            home,
            home_label,
        }
    }

    /// Refuses a form without this session's CSRF token.
    pub fn check(&self, csrf: &str) -> Result<(), WebError> {
        if same(csrf, &self.csrf) {
            Ok(())
        } else {
            Err(csrf_refused())
        }
    }
}

pub fn csrf_refused() -> WebError {
    refused(
        Code::PermissionDenied,
        "CSRF_TOKEN_INVALID",
        "the form does not carry this session's CSRF token: reload the page and send it again",
    )
}

impl FromRequestParts<Web> for Signed {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Signed, WebError> {
        let session = cookie(&parts.headers, COOKIE).ok_or_else(|| {
            refused(
                Code::Unauthenticated,
                "SIGN_IN_REQUIRED",
                "this page is for signed-in staff and registrants: sign in with a token",
            )
        })?;
        let (token, csrf) = web.sessions.get(&session)?;
        let actor = match web.engine.authenticate(&token) {
            Ok(actor) => actor,
            // A token revoked or expired since sign-in ends the session.
            Err(e) => {
                web.sessions.close(&session);
                return Err(e.into());
            }
        };
        Ok(Signed {
            actor,
            session,
            csrf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_they_expire_and_are_bounded() {
        let s = Sessions::new(Duration::from_millis(0), 2);
        let (id, _) = s.open("t".into()).unwrap();
        assert_eq!(
            crate::grpc::status::reason_of(&s.get(&id).unwrap_err().0).as_deref(),
            Some("SESSION_EXPIRED")
        );
        let s = Sessions::new(Duration::from_secs(60), 1);
        let (id, csrf) = s.open("t".into()).unwrap();
        assert_eq!(s.get(&id).unwrap(), ("t".to_string(), csrf));
        let full = s.open("u".into()).unwrap_err();
        assert_eq!(
            crate::grpc::status::reason_of(&full.0).as_deref(),
            Some("SESSIONS_FULL")
        );
        s.close(&id);
        assert!(
            s.open("u".into()).is_ok(),
            "a closed session frees its place"
        );
    }

    #[test]
    fn cookies_are_read_by_name_and_set_strict() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sjdj_session=abc"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
        let c = set_cookie(COOKIE, "abc", "/", 60, true);
        assert_eq!(
            c.to_str().unwrap(),
            "sjdj_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(same("abcd", "abcd") && !same("abcd", "abce") && !same("abc", "abcd"));
    }
}
