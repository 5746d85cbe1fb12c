//! Moves the node clock forward (admin, where the config enables clock control); what fell
//! due in the skipped time happens before the caller hears back.
use super::{require_admin, Cx, Write};
use crate::domain::flow::Refusal;
use crate::domain::types::Actor;
use crate::engine::{log_ops, mint, EngineError};
use crate::log::entry::Body;
use crate::store::keys;

pub struct AdvanceClock {
    pub actor: Actor,
    pub seconds: i64,
}

impl Write for AdvanceClock {
    /// The clock's offset after the move, in seconds.
    type Reply = i64;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<i64, EngineError> {
        let (shared, tx) = (cx.shared, &mut *cx.tx);
        let (actor, seconds) = (&self.actor, self.seconds);
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
        Ok(offset)
    }
}
