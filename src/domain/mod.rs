//! Pure registration rules: no I/O, no clock reads, no async. Everything here takes its inputs
//! (including "now" and the calendar) as arguments, so it can be tested exhaustively.
pub mod calendar;
pub mod catalogue;
pub mod certificate;
pub mod codes;
pub mod flow;
pub mod materials;
pub mod reasons;
pub mod record;
pub mod statistics;
pub mod types;
