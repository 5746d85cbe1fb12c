//! National: a trust-list entry (delegation, key rotation, revocation, handover) checked
//! against the list as stored (`sync::trust`) and appended to the national log.
use super::{Cx, Write};
use crate::domain::flow::Refusal;
use crate::domain::types::{Actor, Role};
use crate::engine::federation::{fold_trust, require_national};
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Shared};
use crate::log::entry::Body;
use crate::sync::trust::TrustedNode;

pub struct Trust {
    pub actor: Actor,
    pub body: Body,
}

impl Write for Trust {
    /// The node's entry in the trust list after it.
    type Reply = TrustedNode;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<TrustedNode, EngineError> {
        trust(cx.shared, cx.tx, &self.actor, self.body)
    }
}

/// Adds a trust-list entry (delegation, rotation, revocation) to the national log.
fn trust(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    body: Body,
) -> Result<TrustedNode, EngineError> {
    if actor.role != Role::Admin {
        return Err(Refusal::denied("WRONG_ROLE", "the trust list needs the admin role").into());
    }
    require_national(shared)?;
    let body = match body {
        Body::HandedOver {
            region,
            node_id,
            key,
            ..
        } => {
            crate::engine::hosting::refuse_open_in(tx, &region)?;
            crate::engine::hosting::handover_body(tx, shared.clock.now(), region, node_id, key)?
        }
        Body::Delegated {
            node_id,
            region,
            key,
        } => {
            crate::engine::hosting::refuse_open_in(tx, &region)?;
            Body::Delegated {
                node_id,
                region,
                key,
            }
        }
        other => other,
    };
    let index = log_ops::size(|k| tx.get(k))?;
    let next = fold_trust(shared, tx, &body, index)
        .map_err(|e| Refusal::invalid(e.reason(), e.to_string()))?;
    log_ops::append(tx, shared.clock.now(), actor, body)?;
    tracing::info!(node = %next.node_id, region = %next.region, "trust list changed");
    Ok(next)
}
