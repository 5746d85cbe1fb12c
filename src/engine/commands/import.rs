//! Province: imports a handed-over record from its national certificate, verified with the
//! national root key.
use super::{Cx, Write};
use crate::domain::flow::Refusal;
use crate::domain::types::Actor;
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Shared};
use crate::log::entry::Body;
use crate::store::{codec, keys};
use sha2::Digest;

pub struct Import {
    pub national_key: ed25519_dalek::VerifyingKey,
    pub certificate: Vec<u8>,
}

impl Write for Import {
    /// The code imported.
    type Reply = String;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<String, EngineError> {
        import(cx.shared, cx.tx, &self.national_key, self.certificate)
    }
}

/// Province: imports the record of a code the national node registered while hosting this
/// namespace, from its certificate signed by the national key. The record is what the
/// certificate states (the application's history stays in the national book).
fn import(
    shared: &Shared,
    tx: &mut Tx,
    national_key: &ed25519_dalek::VerifyingKey,
    bytes: Vec<u8>,
) -> Result<String, EngineError> {
    let bad = |m: String| Refusal::invalid("BAD_IMPORT", m);
    let signed = crate::domain::certificate::SignedCertificate::from_bytes(bytes)
        .map_err(|e| bad(e.to_string()))?;
    let c = signed
        .verify(national_key)
        .map_err(|e| bad(format!("not signed by the national key: {e}")))?;
    let code = c.code.to_string();
    if tx.get(&keys::import(&code))?.is_none() {
        return Err(bad(format!("{code} was not handed over to this node")).into());
    }
    let record = crate::domain::record::Record::from_certificate(&c, signed.query_code());
    log_ops::append(
        tx,
        shared.clock.now(),
        &Actor::system(),
        Body::RecordImported {
            code: code.clone(),
            version: c.version,
            certificate_sha256: hex::encode(sha2::Sha256::digest(signed.as_bytes())),
        },
    )?;
    crate::engine::mint::keep_certificate(tx, &signed);
    tx.put(keys::record(&code), codec::encode(&record));
    tx.delete(keys::import(&code));
    tracing::info!(%code, node = %shared.cfg.node_id, "imported a handed-over record");
    Ok(code)
}
