//! Province: one batch of the national log it follows (checks in `federation`).
use super::{Cx, Write};
use crate::engine::federation::{self, FollowBatch, Followed, Synced};
use crate::engine::EngineError;

pub struct Follow(pub Box<FollowBatch>);

impl Write for Follow {
    type Reply = Synced<Followed>;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Synced<Followed>, EngineError> {
        federation::follow(cx.shared, cx.tx, *self.0)
    }
}
