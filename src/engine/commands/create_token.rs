//! Issues a bearer token (admin). The token is answered once; the node keeps only its hash.
use super::idempotent::{fingerprint, idempotent};
use super::{require_admin, Cx, Write};
use crate::domain::codes::CreditCode;
use crate::domain::flow::Refusal;
use crate::domain::types::{Actor, Role};
use crate::engine::tokens::{self, IssuedToken, TokenRecord};
use crate::engine::{log_ops, EngineError, Quotas};
use crate::log::entry::Body;
use crate::store::{codec, keys};

pub struct CreateToken {
    pub actor: Actor,
    pub request_id: String,
    pub role: Role,
    pub holder: String,
    pub subject: Option<String>,
    /// Days it is valid; 0 for the node's default.
    pub ttl_days: u32,
}

impl Write for CreateToken {
    type Reply = IssuedToken;

    fn prepare(&self, _quotas: &Quotas) -> Result<String, EngineError> {
        Ok(fingerprint(&(&self.role, &self.holder, &self.subject, &self.ttl_days)).0)
    }

    fn run(self, cx: &mut Cx, fp: String) -> Result<IssuedToken, EngineError> {
        let (actor, request_id) = (self.actor.clone(), self.request_id.clone());
        idempotent(cx.tx, &actor, &request_id, fp, |tx| {
            self.issue(&mut Cx {
                shared: cx.shared,
                tx,
            })
        })
    }
}

impl CreateToken {
    fn issue(self, cx: &mut Cx) -> Result<IssuedToken, EngineError> {
        let CreateToken {
            actor,
            role,
            holder,
            subject,
            ttl_days,
            ..
        } = self;
        let (shared, tx) = (cx.shared, &mut *cx.tx);
        let actor = &actor;
        require_admin(actor)?;
        let t = &shared.cfg.tokens;
        let ttl_days = match ttl_days {
            0 => t.ttl_days,
            d if d > t.max_ttl_days => {
                return Err(Refusal::invalid(
                    "TOKEN_TTL_TOO_LONG",
                    format!(
                        "a token lives at most {} days (tokens.max_ttl_days); {d} asked",
                        t.max_ttl_days
                    ),
                )
                .into())
            }
            d => d,
        };
        if matches!(role, Role::Public | Role::System) {
            return Err(Refusal::invalid(
                "BAD_ROLE",
                "tokens carry one of the staff or registrant roles",
            )
            .into());
        }
        if holder.trim().is_empty() || holder.chars().count() > 200 {
            return Err(Refusal::invalid(
                "HOLDER_REQUIRED",
                "holder is required (at most 200 characters)",
            )
            .into());
        }
        let subject = match (role, subject.filter(|s| !s.is_empty())) {
            (Role::Registrant, Some(s)) => Some(
                CreditCode::parse(&s)
                    .map_err(|e| Refusal::invalid(e.reason(), format!("subject_credit_code: {e}")))?
                    .as_str()
                    .to_string(),
            ),
            (Role::Registrant, None) => {
                return Err(Refusal::invalid(
                    "SUBJECT_REQUIRED",
                    "a registrant token is bound to one subject's credit code",
                )
                .into())
            }
            (_, Some(_)) => {
                return Err(Refusal::invalid(
                    "SUBJECT_NOT_ALLOWED",
                    "only registrant tokens are bound to a subject",
                )
                .into())
            }
            (_, None) => None,
        };
        let token = tokens::generate();
        let hash = tokens::hash_hex(&token);
        let record = TokenRecord {
            token_id: tokens::token_id(&hash),
            role,
            holder,
            subject,
            created_at: shared.clock.now(),
            revoked: false,
            expires_at: shared.clock.now() + i64::from(ttl_days) * 86_400,
        };
        tx.put(keys::token(&hash), codec::encode(&record));
        tx.put(keys::token_id(&record.token_id), hash.into_bytes());
        let body = Body::TokenCreated {
            token_id: record.token_id.clone(),
            role,
            // Committed by the log as it appends the entry.
            holder: record.holder.clone(),
            token_holder_commitment: None,
            subject: record.subject.clone(),
        };
        log_ops::append(tx, record.created_at, actor, body)?;
        Ok(IssuedToken { token, record })
    }
}
