//! National: one batch of a province's push (checks and the feed's state in `federation`).
use super::{Cx, Write};
use crate::engine::federation::{self, IngestBatch, Ingested, Synced};
use crate::engine::EngineError;

pub struct Ingest(pub Box<IngestBatch>);

impl Write for Ingest {
    type Reply = Synced<Ingested>;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Synced<Ingested>, EngineError> {
        federation::ingest(cx.shared, cx.tx, *self.0)
    }
}
