//! The five-step flow as a pure state machine (DESIGN §2).
//!
//! `decide(application, command, ctx)` either refuses — changing nothing — or returns the events
//! the command causes; `apply(application, event)` folds one event into the state. The engine
//! stores the new state and its events in one transaction, so every state change is an event.
//! Nothing here reads a clock or a store: `ctx` carries "now", the calendar and the limits.
mod apply;
mod decide;
mod event;
mod lifecycle;
mod order;
mod refusal;
mod state;

pub use apply::apply;
pub use decide::{decide, Command, Ctx, Limits, Resolution};
pub use event::{Event, EventKind};
pub use lifecycle::{check_correction, check_revocation, purge_on, renewal_opens, Target};
pub use order::follows;
pub use refusal::{bounded, echo, Refusal, RefusalKind, MAX_ECHO_CHARS, MAX_MESSAGE_CHARS};
pub use state::{
    publicity_text, Application, Decision, Objection, ObjectionState, Publicity, State,
};

#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
