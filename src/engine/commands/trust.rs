//! National: a trust-list entry (delegation, key rotation, revocation, handover) in the
//! national log (rules in `federation`).
use super::{Cx, Write};
use crate::domain::types::Actor;
use crate::engine::{federation, EngineError};
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
        federation::trust(cx.shared, cx.tx, &self.actor, self.body)
    }
}
