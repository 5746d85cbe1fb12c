//! Province: imports a handed-over record from its national certificate (rules in `hosting`).
use super::{Cx, Write};
use crate::engine::{hosting, EngineError};

pub struct Import {
    pub national_key: ed25519_dalek::VerifyingKey,
    pub certificate: Vec<u8>,
}

impl Write for Import {
    /// The code imported.
    type Reply = String;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<String, EngineError> {
        hosting::import(cx.shared, cx.tx, &self.national_key, self.certificate)
    }
}
