//! Revokes a token (admin); revoking a revoked one answers it as it is.
use super::{require_admin, Cx, Write};
use crate::domain::flow::{self, Refusal};
use crate::domain::types::Actor;
use crate::engine::tokens::TokenRecord;
use crate::engine::{log_ops, EngineError};
use crate::log::entry::Body;
use crate::store::{codec, keys};

pub struct RevokeToken {
    pub actor: Actor,
    pub token_id: String,
}

impl Write for RevokeToken {
    type Reply = TokenRecord;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<TokenRecord, EngineError> {
        let (shared, tx) = (cx.shared, &mut *cx.tx);
        let (actor, token_id) = (&self.actor, self.token_id.as_str());
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
            return Ok(record);
        }
        record.revoked = true;
        tx.put(key, codec::encode(&record));
        let body = Body::TokenRevoked {
            token_id: token_id.to_string(),
        };
        log_ops::append(tx, shared.clock.now(), actor, body)?;
        Ok(record)
    }
}
