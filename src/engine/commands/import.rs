//! Province: imports a handed-over record from its national certificate, verified with the
//! national root key.
use super::{Cx, Write};
use crate::domain::flow::Refusal;
use crate::domain::flow::{Application, Event, EventKind};
use crate::domain::record::{RecordEnd, RecordStatus};
use crate::domain::types::Actor;
use crate::engine::federation::{bundle_entries, BUNDLE};
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Shared, NATIONAL_MIRROR};
use crate::log::entry::Body;
use crate::store::{codec, keys};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};

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
/// namespace, from its certificate signed by the national key: the record the certificate
/// states, with the public facts and the steps of its application from the national log.
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
    let mut record = crate::domain::record::Record::from_certificate(&c, signed.query_code());
    // Its applications' steps, from the national log this node follows: kept as mirrored
    // applications, so the record's history is the national book's, each step with its entry;
    // their public facts (industry and access mode, which certificates do not carry); and its
    // end, if it ended while hosted.
    let copy = national_copy(tx, c.log_index, &code)?;
    let issued = copy.issued_by.as_ref();
    if let Some((id, app)) = issued.and_then(|id| copy.apps.get(id).map(|a| (id, a))) {
        let facts = &app.materials;
        if !facts.subject.region.is_empty() {
            record.region = facts.subject.region.clone();
        }
        record.industry = facts.resource.industry.clone();
        record.access_mode = facts.resource.access_mode;
        if let Some(v) = record.versions.last_mut() {
            v.application_id = id.clone();
        }
    }
    for (id, app) in &copy.apps {
        tx.put(keys::fed_app(id), codec::encode_compact(app));
    }
    if let Some(end) = copy.end {
        record = record.ended(end);
    }
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
    tx.put(
        keys::record(&code),
        crate::engine::record_ops::encode(&record),
    );
    tx.delete(keys::import(&code));
    tracing::info!(%code, node = %shared.cfg.node_id, "imported a handed-over record");
    Ok(code)
}

/// What the copy of the national log this node follows says of a handed-over code: the
/// applications behind it (the one that issued the certificate pinned by entry `index`, and the
/// one that deregistered the code, if one did), folded as the national book folds a province's,
/// and how the code ended, if it did.
#[derive(Default)]
struct NationalCopy {
    /// The application that issued the certificate (`national/{id}`).
    issued_by: Option<String>,
    apps: BTreeMap<String, Application>,
    end: Option<RecordEnd>,
}

fn mirrored(application_id: &str) -> String {
    format!("{NATIONAL_MIRROR}/{application_id}")
}

/// Two passes over the copy (a handover imports each code once): which applications and the
/// end, then the applications folded.
fn national_copy(tx: &Tx, index: u64, code: &str) -> Result<NationalCopy, EngineError> {
    let mut copy = NationalCopy::default();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    national_entries(tx, |i, r| {
        match &r.body {
            Body::Flow {
                application_id,
                event,
            } => {
                if i == index {
                    copy.issued_by = Some(mirrored(application_id));
                    wanted.insert(application_id.clone());
                }
                if let EventKind::Deregistered { code: c, on } = event.view() {
                    if c == code {
                        copy.end = Some(RecordEnd {
                            status: RecordStatus::Deregistered,
                            on,
                            application_id: mirrored(application_id),
                            reason: String::new(),
                        });
                        wanted.insert(application_id.clone());
                    }
                }
            }
            Body::RecordRevoked {
                code: c,
                on,
                reason,
            } if c == code => {
                copy.end = Some(RecordEnd {
                    status: RecordStatus::Revoked,
                    on: *on,
                    application_id: String::new(),
                    reason: reason.clone(),
                });
            }
            _ => {}
        }
        Ok(())
    })?;
    national_entries(tx, |i, r| {
        if let Body::Flow {
            application_id,
            event,
        } = r.body
        {
            if wanted.contains(&application_id) {
                let id = mirrored(&application_id);
                let e = Event {
                    application_id: id.clone(),
                    at: r.at,
                    actor: r.actor,
                    holder: r.holder,
                    kind: event.view(),
                };
                let before = copy.apps.remove(&id);
                copy.apps
                    .insert(id, crate::sync::ingest::fold_step(before, &e, &event, i));
            }
        }
        Ok(())
    })?;
    Ok(copy)
}

/// Each entry of the copy of the national log this node follows, in order, with its index.
fn national_entries(
    tx: &Tx,
    mut f: impl FnMut(u64, crate::log::entry::Record) -> Result<(), EngineError>,
) -> Result<(), EngineError> {
    for n in 0.. {
        let key = keys::fed_bundle(NATIONAL_MIRROR, n);
        let Some(bundle) = tx.get(&key)? else {
            break;
        };
        let entries = bundle_entries(&bundle).map_err(|e| EngineError::corrupt(&key, &e))?;
        for (j, bytes) in entries.into_iter().enumerate() {
            let r = crate::log::entry::Record::decode(&bytes)
                .map_err(|e| EngineError::corrupt(&key, &e.to_string()))?;
            f(n * BUNDLE + j as u64, r)?;
        }
    }
    Ok(())
}
