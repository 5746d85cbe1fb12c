//! Assigns codes to the applications whose publicity has ended (the node's own step, run by
//! the sweep loop and after a clock move).
use super::{Cx, Write};
use crate::engine::{mint, EngineError};

pub struct Sweep;

#[derive(Debug)]
pub struct Swept {
    pub registered: usize,
    /// A full batch was registered: more may be due, and the next sweep runs at once.
    pub more: bool,
}

impl Write for Sweep {
    type Reply = Swept;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Swept, EngineError> {
        let registered = mint::sweep(cx.shared, cx.tx)?;
        Ok(Swept {
            registered,
            more: registered == mint::SWEEP_BATCH,
        })
    }
}
