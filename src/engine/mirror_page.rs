//! Serving the copy this node holds of another node's log (the national node's mirror of a
//! province, a province's copy of the national log), for that node to recover the entries it
//! lost (`engine::recover`). The copy is public like the log it copies; the node that asks
//! checks every entry against its own signed checkpoint, so nothing here has to be trusted.
use super::federation::{bundle_entries, BUNDLE};
use super::{Engine, EngineError, MAX_ENTRIES};
use crate::domain::flow::{EventKind, Refusal, RefusalKind};
use crate::log::entry::{Body, Record};
use crate::store::keys;

/// One page of a held copy.
#[derive(Debug, Clone, Default)]
pub struct MirrorPage {
    /// The latest checkpoint of that log this node accepted, as signed by its node.
    pub checkpoint: Vec<u8>,
    /// Entries held: a prefix of that checkpoint's.
    pub held: u64,
    pub entries: Vec<Vec<u8>>,
    /// The certificates the page's entries pin, as signed (those this node holds).
    pub certificates: Vec<Vec<u8>>,
}

impl Engine {
    /// Entries `from..` of the copy of `node_id`'s log: at most [`MAX_ENTRIES`], cut at
    /// `quotas.entries_bytes` (at least one), with the certificates they pin.
    pub fn mirror_page(&self, node_id: &str, from: u64) -> Result<MirrorPage, EngineError> {
        let state = self.mirror_state(node_id)?;
        let Some(super::federation::AcceptedCheckpoint {
            note: checkpoint, ..
        }) = state.signed
        else {
            return Err(Refusal::new(
                RefusalKind::NotFound,
                "MIRROR_UNKNOWN",
                format!(
                    "this node holds no copy of the log of {}",
                    crate::domain::flow::echo(node_id)
                ),
            )
            .into());
        };
        if from > state.held {
            return Err(Refusal::invalid(
                "MIRROR_RANGE",
                format!(
                    "this node holds {} entries of that log; the page asked starts at {from}",
                    state.held
                ),
            )
            .into());
        }
        let end = state.held.min(from + MAX_ENTRIES);
        let max_bytes = self.config().quotas.entries_bytes;
        let (mut entries, mut bytes) = (Vec::new(), 0usize);
        let mut index = from;
        'bundles: while index < end {
            let key = keys::fed_bundle(node_id, index / BUNDLE);
            let bundle = self
                .store()
                .get(&key)?
                .ok_or_else(|| EngineError::corrupt(&key, "mirrored bundle missing"))?;
            let held = bundle_entries(&bundle).map_err(|e| EngineError::corrupt(&key, &e))?;
            let count = held.len() as u64;
            for e in held.into_iter().skip((index % BUNDLE) as usize) {
                if index == end || (!entries.is_empty() && bytes + e.len() > max_bytes) {
                    break 'bundles;
                }
                bytes += e.len();
                entries.push(e);
                index += 1;
            }
            if count < BUNDLE && index < end {
                return Err(EngineError::corrupt(&key, "mirrored entry missing"));
            }
        }
        let mut certificates = Vec::new();
        for e in &entries {
            if let Some((code, version)) = pinned(e) {
                if let Some(c) = self.store().get(&keys::certificate(&code, version))? {
                    certificates.push(c);
                }
            }
        }
        Ok(MirrorPage {
            checkpoint,
            held: state.held,
            entries,
            certificates,
        })
    }
}

/// The certificate an entry pins (code and version), if it pins one.
fn pinned(entry: &[u8]) -> Option<(String, u32)> {
    match Record::decode(entry).ok()?.body {
        Body::Flow { event, .. } => match event.view() {
            EventKind::CertificateIssued { code, version, .. } => Some((code, version)),
            _ => None,
        },
        Body::RecordCorrected { code, version, .. }
        | Body::RecordImported { code, version, .. } => Some((code, version)),
        _ => None,
    }
}
