//! National: hosts a province namespace that has no node yet (代为受理); the national node
//! then mints there (rules in `hosting`).
use super::{Cx, Write};
use crate::domain::types::Actor;
use crate::engine::{hosting, EngineError};

pub struct Host {
    pub actor: Actor,
    pub region: String,
}

impl Write for Host {
    /// The namespace hosted, XX0000.
    type Reply = String;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<String, EngineError> {
        hosting::host(cx.shared, cx.tx, &self.actor, self.region)
    }
}
