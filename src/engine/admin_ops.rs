//! The writer's non-flow ops: tokens, attachments and the clock. Each runs in the writer's
//! [`Tx`], like the flow commands in `ops`.
use super::mint;
use super::ops::Reply;
use super::tokens::{self, IssuedToken, TokenRecord};
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::codes::CreditCode;
use crate::domain::flow::{self, Refusal};
use crate::domain::types::{Actor, Role};
use crate::log::entry::Body;
use crate::store::{codec, keys};
use sha2::{Digest, Sha256};

pub(super) fn require_admin(actor: &Actor) -> Result<(), Refusal> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Refusal::denied(
            "WRONG_ROLE",
            format!(
                "this needs the admin role; the caller is {}",
                actor.role.name()
            ),
        ))
    }
}

pub(super) fn create_token(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    role: Role,
    holder: String,
    subject: Option<String>,
    ttl_days: u32,
) -> Result<Reply, EngineError> {
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
    Ok(Reply::Token(IssuedToken { token, record }))
}

pub(super) fn revoke_token(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    token_id: &str,
) -> Result<Reply, EngineError> {
    require_admin(actor)?;
    let not_found = || {
        Refusal::new(
            flow::RefusalKind::NotFound,
            "TOKEN_NOT_FOUND",
            format!("no token {token_id}"),
        )
    };
    let hash = tx.get(&keys::token_id(token_id))?.ok_or_else(not_found)?;
    let key = keys::token(&String::from_utf8_lossy(&hash));
    let bytes = tx.get(&key)?.ok_or_else(not_found)?;
    let mut record: TokenRecord = codec::decode(&key, &bytes)?;
    if record.revoked {
        return Ok(Reply::TokenRecord(record));
    }
    record.revoked = true;
    tx.put(key, codec::encode(&record));
    let body = Body::TokenRevoked {
        token_id: token_id.to_string(),
    };
    log_ops::append(tx, shared.clock.now(), actor, body)?;
    Ok(Reply::TokenRecord(record))
}

pub(super) fn put_attachment(
    shared: &Shared,
    tx: &mut Tx,
    subject: &str,
    bytes: Vec<u8>,
) -> Result<Reply, EngineError> {
    let max = shared.cfg.max_attachment_bytes;
    if bytes.len() > max {
        return Err(Refusal::invalid(
            "ATTACHMENT_TOO_LARGE",
            format!(
                "the attachment has {} bytes; at most {max} are allowed",
                bytes.len()
            ),
        )
        .into());
    }
    if bytes.is_empty() {
        return Err(Refusal::invalid("ATTACHMENT_EMPTY", "the attachment is empty").into());
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as u64;
    let key = keys::attachment(&sha256);
    // Content-addressed: the same bytes are stored once, and counted against the subject
    // that uploaded them first.
    if tx.get(&key)?.is_none() {
        let usage = keys::attachment_usage(subject);
        let used = super::ops::read_u64(tx, &usage)? + size;
        let quota = shared.cfg.quotas.attachment_bytes_per_subject;
        if used > quota {
            return Err(Refusal::quota(
                "ATTACHMENT_QUOTA",
                format_args!("subject {subject}: {used} bytes of attachments"),
                quota,
                "quotas.attachment_bytes_per_subject",
            )
            .into());
        }
        tx.put(usage, used.to_be_bytes().to_vec());
        tx.put(key, bytes);
    }
    Ok(Reply::Attachment { sha256, size })
}

pub(super) fn advance_clock(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    seconds: i64,
) -> Result<Reply, EngineError> {
    require_admin(actor)?;
    if !shared.clock.controllable {
        return Err(Refusal::precondition(
            "CLOCK_CONTROL_DISABLED",
            "this node's config does not enable clock control",
        )
        .into());
    }
    const TEN_YEARS: i64 = 10 * 366 * 86_400;
    if !(1..=TEN_YEARS).contains(&seconds) {
        return Err(Refusal::invalid(
            "BAD_CLOCK_STEP",
            "the clock moves forward only, by 1 second to 10 years",
        )
        .into());
    }
    let before = shared.clock.offset();
    let offset = before + seconds;
    tx.put(keys::meta("clock_offset"), offset.to_be_bytes().to_vec());
    shared.clock.set_offset(offset);
    let logged = log_ops::append(
        tx,
        shared.clock.now(),
        actor,
        Body::ClockAdvanced { seconds, offset },
    );
    if let Err(e) = logged {
        shared.clock.set_offset(before);
        return Err(e);
    }
    // Whatever fell due in the skipped time happens now, before the caller hears back. If that
    // fails the step is refused, so the clock goes back to where it was.
    if let Err(e) = mint::sweep(shared, tx) {
        shared.clock.set_offset(before);
        return Err(e);
    }
    Ok(Reply::Clock { offset })
}
