//! What the national node checks before it takes a province's entries into the national book.
//! Pure: it reads the province's mirrored tree through a [`TileSource`] and its mirrored
//! applications through a closure, and returns either the writes to make or the reason to refuse;
//! storing and answering are the caller's.
//!
//! A push is one batch: a signed checkpoint of the province's log (size `N`), the entries
//! `[from, end)`, and two consistency proofs — from the last checkpoint the national node
//! accepted to `N`, and from `end` to `N`. So every batch is checked against the signed tree on
//! its own and can be stored at once; an interrupted sync resumes at the next entry. A batch is
//! accepted only if:
//! 1. the checkpoint verifies under the province's current key and origin (from the trust list);
//! 2. it is not older than the checkpoint accepted before, and consistent with it — two
//!    checkpoints of one province that are not consistent are a fork: evidence to keep, the feed
//!    frozen, nothing applied;
//! 3. it starts where the mirror stands (else the answer is the expected size, to resume from);
//! 4. the entries, appended to the mirror, rebuild a tree that is a prefix of the signed one
//!    (its root exactly, for the last batch);
//! 5. each entry is well formed at its index, flows run in order (`flow::follows`), codes are
//!    minted only in the province's own namespace with serials that only grow, a new version of
//!    a code is the next one after the version the national book holds and an ended code takes
//!    none, and each issued certificate comes with the batch, signed by the province, matching
//!    the entry that pins it.
use crate::domain::certificate::{key_id, SignedCertificate};
use crate::domain::codes::{Region, UnifiedCode};
use crate::domain::flow::{self, Application, Event, EventKind};
use crate::domain::record::{Record as RegistryRecord, RecordEnd, RecordStatus};
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::entry::{Body, Record};
use crate::log::tree::{self, MemoryTiles, TileSource, TileWrite};
use crate::log::{Hash, LogError};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub use super::Refused;

/// What the national node knows of one province's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub node_id: String,
    pub origin: String,
    /// The key the province's checkpoints are signed with now.
    pub key: VerifyingKey,
    /// Every key of the node that is not revoked: certificates signed before a rotation stay valid.
    pub certificate_keys: Vec<VerifyingKey>,
    /// The province's namespace (`XX0000`).
    pub region: Region,
    /// Entries held, a prefix of `signed`.
    pub held: u64,
    /// The latest checkpoint accepted; `None` before the first push.
    pub signed: Option<SignedCheckpoint>,
    /// Highest serial seen per year in this namespace.
    pub serials: BTreeMap<u16, u32>,
}

/// One batch of a push, as received.
pub struct Push<'a> {
    pub note: &'a [u8],
    pub from: u64,
    /// Consistency proof from the accepted checkpoint's size to the note's.
    pub signed_proof: &'a [[u8; 32]],
    /// Consistency proof from `from + entries.len()` to the note's size (empty for the last batch).
    pub batch_proof: &'a [[u8; 32]],
    pub entries: &'a [Vec<u8>],
    /// The certificates the batch's `CertificateIssued` entries pin, in any order.
    pub certificates: &'a [Vec<u8>],
}

/// Everything to store for an accepted batch, in one atomic write.
#[derive(Debug)]
pub struct Accepted {
    pub checkpoint: SignedCheckpoint,
    /// Entries held after this batch (the push's entries are stored as sent, from `push.from`);
    /// the checkpoint is fully held when it equals its size.
    pub held: u64,
    pub tiles: Vec<TileWrite>,
    pub serials: BTreeMap<u16, u32>,
    /// Mirrored applications the batch changed, by their id in the national book
    /// (`{node id}/{application id}`).
    pub apps: BTreeMap<String, Application>,
    /// Registry records the batch made or changed (new codes, new versions, ends), by code.
    pub records: BTreeMap<String, RegistryRecord>,
    /// Certificates issued in the batch.
    pub certificates: Vec<SignedCertificate>,
    /// Each flow entry of the batch: its index, its application's id in the national book, and
    /// the application's step and state after it.
    pub steps: Vec<Step>,
}

/// One flow entry as folded: what a notification stream tells of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub index: u64,
    pub application_id: String,
    pub step: &'static str,
    pub state: &'static str,
    pub at: i64,
}

impl Accepted {
    pub fn complete(&self) -> bool {
        self.held == self.checkpoint.size
    }
}

/// The mirror's tiles plus the ones this push writes, so appends see each other.
struct Overlay<'a, S: TileSource> {
    base: &'a S,
    new: MemoryTiles,
}

impl<S: TileSource> TileSource for Overlay<'_, S> {
    fn tile(&self, level: u8, n: u64) -> Result<Option<Vec<u8>>, LogError> {
        match self.new.tile(level, n)? {
            Some(d) => Ok(Some(d)),
            None => self.base.tile(level, n),
        }
    }
}

fn hashes(proof: &[[u8; 32]]) -> Vec<Hash> {
    proof.iter().copied().map(Hash).collect()
}

/// The checks of a batch that need no state: each entry decoded and hashed, each certificate's
/// signature checked. The national node makes them before the writer takes the batch, so they
/// run beside the writer's work on the batch before.
#[derive(Debug)]
pub struct Prepared {
    /// The keys the certificates were checked under: if the trust list changed since, the
    /// writer prepares again.
    pub keys: Vec<VerifyingKey>,
    leaves: Vec<Hash>,
    records: Vec<Result<Record, String>>,
    certificates: BTreeMap<String, Result<SignedCertificate, String>>,
}

impl Prepared {
    /// Whether this was prepared from `entries` under `keys`.
    pub fn fits(&self, keys: &[VerifyingKey], entries: &[Vec<u8>]) -> bool {
        self.keys == keys && self.leaves.len() == entries.len()
    }
}

pub fn prepare(keys: &[VerifyingKey], entries: &[Vec<u8>], certificates: &[Vec<u8>]) -> Prepared {
    Prepared {
        keys: keys.to_vec(),
        leaves: leaf_hashes(entries),
        records: entries
            .iter()
            .map(|data| Record::decode(data).map_err(|e| e.to_string()))
            .collect(),
        certificates: verify_certificates(keys, certificates),
    }
}

/// The tree's leaf hash of each entry.
pub fn leaf_hashes(entries: &[Vec<u8>]) -> Vec<Hash> {
    entries.iter().map(|e| tree::leaf_hash(e)).collect()
}

/// Checks one batch against the mirror. `apps` reads a mirrored application by its id in the
/// national book; an error from it is reported as the entry's.
pub fn check_push(
    mirror: &Mirror,
    tiles: &impl TileSource,
    book: &Book,
    push: &Push,
    prepared: Prepared,
) -> Result<Accepted, Refused> {
    let tree = check_tree(
        &mirror.key,
        &mirror.origin,
        mirror.held,
        mirror.signed.as_ref(),
        tiles,
        push,
        &prepared.leaves,
    )?;
    let end = tree.held;
    let mut rules = Rules {
        mirror,
        book,
        serials: mirror.serials.clone(),
        changed: BTreeMap::new(),
        records: BTreeMap::new(),
        issued: Vec::new(),
        certificates: prepared.certificates,
        steps: Vec::new(),
    };
    for (i, record) in prepared.records.into_iter().enumerate() {
        let index = mirror.held + i as u64;
        rules.entry(index, record)?;
    }
    if let Some(sha) = rules.certificates.keys().next() {
        return Err(Refused::BadCertificate {
            index: end,
            why: format!("{sha} came with the batch but no entry pins it"),
        });
    }
    Ok(Accepted {
        checkpoint: tree.checkpoint,
        held: end,
        tiles: tree.tiles,
        serials: rules.serials,
        apps: rules.changed,
        records: rules.records,
        certificates: rules.issued,
        steps: rules.steps,
    })
}

/// The tree half of a batch check: what it takes to extend a mirror of a log by a batch.
#[derive(Debug)]
pub struct TreeChecked {
    pub checkpoint: SignedCheckpoint,
    /// Entries held after the batch.
    pub held: u64,
    pub tiles: Vec<TileWrite>,
}

/// Checks a batch against a mirror of someone's log, as far as the tree goes: the checkpoint's
/// signature (`key` under `origin`), not older than and consistent with the last one accepted
/// (`signed`), the resume point (`held`), and the entries rebuilding a prefix of the signed tree.
/// Shared by the national node's ingest and a province following the national log.
pub fn check_tree(
    key: &VerifyingKey,
    origin: &str,
    held: u64,
    signed: Option<&SignedCheckpoint>,
    tiles: &impl TileSource,
    push: &Push,
    leaves: &[Hash],
) -> Result<TreeChecked, Refused> {
    let cp = checkpoint::verify(push.note, key, Some(origin)).map_err(Refused::Checkpoint)?;
    if let Some(old) = signed {
        let consistent = if cp.size < old.size {
            return Err(Refused::Stale {
                got: cp.size,
                accepted: old.size,
            });
        } else if cp.size == old.size {
            cp.root == old.root
        } else {
            let proof = hashes(push.signed_proof);
            tree::verify_consistency(&proof, cp.size, Hash(cp.root), old.size, Hash(old.root))
                .is_ok()
        };
        if !consistent {
            return Err(Refused::Fork {
                old: old.size,
                new: cp.size,
            });
        }
    }
    if push.from != held {
        return Err(Refused::WrongStart {
            got: push.from,
            expected: held,
        });
    }
    let end = held + push.entries.len() as u64;
    if end > cp.size || (push.entries.is_empty() && end < cp.size) {
        return Err(Refused::WrongCount {
            size: cp.size,
            from: held,
            sent: push.entries.len() as u64,
        });
    }
    // The tree first: a tampered entry is named as such, before any rule reads it.
    let overlay = Overlay {
        base: tiles,
        new: MemoryTiles::default(),
    };
    for (i, leaf) in leaves.iter().enumerate() {
        let index = held + i as u64;
        let writes = tree::append(&overlay, index, *leaf).map_err(|e| Refused::BadEntry {
            index,
            why: e.to_string(),
        })?;
        overlay.new.write(writes);
    }
    if end > 0 {
        let root = tree::root(&overlay, end).map_err(|_| Refused::RootMismatch(end))?;
        let fits = if end == cp.size {
            root.0 == cp.root
        } else {
            let proof = hashes(push.batch_proof);
            tree::verify_consistency(&proof, cp.size, Hash(cp.root), end, root).is_ok()
        };
        if !fits {
            return Err(Refused::RootMismatch(end));
        }
    }
    let tiles = overlay
        .new
        .0
        .into_inner()
        .into_iter()
        .map(|((level, n), data)| TileWrite { level, n, data })
        .collect();
    Ok(TreeChecked {
        checkpoint: cp,
        held: end,
        tiles,
    })
}

/// What the national book holds already, read by the rules: mirrored applications by their id in
/// the book (`{node id}/{application id}`), and registry records by code.
pub struct Book<'a> {
    pub apps: &'a dyn Fn(&str) -> Result<Option<Application>, String>,
    pub records: &'a dyn Fn(&str) -> Result<Option<RegistryRecord>, String>,
}

/// The domain rules over one batch, entry by entry, with the applications it changes.
struct Rules<'a> {
    mirror: &'a Mirror,
    book: &'a Book<'a>,
    serials: BTreeMap<u16, u32>,
    changed: BTreeMap<String, Application>,
    records: BTreeMap<String, RegistryRecord>,
    issued: Vec<SignedCertificate>,
    /// Certificates sent, by SHA-256 hex, with their signature check; taken out as entries pin
    /// them.
    certificates: BTreeMap<String, Result<SignedCertificate, String>>,
    steps: Vec<Step>,
}

impl Rules<'_> {
    fn entry(&mut self, index: u64, record: Result<Record, String>) -> Result<(), Refused> {
        let bad = |why: String| Refused::BadEntry { index, why };
        let record = record.map_err(bad)?;
        if record.index != index {
            return Err(bad(format!("it says it is entry {}", record.index)));
        }
        let (application_id, sealed) = match record.body {
            Body::Flow {
                application_id,
                event,
            } => (application_id, event),
            Body::TokenCreated { .. }
            | Body::TokenRevoked { .. }
            | Body::ClockAdvanced { .. }
            | Body::RecordImported { .. }
            // Mirrored applications come from what the log publishes: no contacts to purge.
            | Body::ContactsPurged { .. } => return Ok(()),
            Body::RecordCorrected {
                code,
                version,
                query_code,
                certificate_sha256,
                correction,
                ..
            } => {
                let r = self.standing(index, &code)?;
                if r.current_version + 1 != version {
                    return Err(bad(format!(
                        "correction to version {version} of {code}, but the national book holds version {}",
                        r.current_version
                    )));
                }
                let signed =
                    self.certificate(index, &code, version, &query_code, &certificate_sha256)?;
                let r = r.corrected(&correction, &signed.certificate(), query_code);
                self.records.insert(code, r);
                self.issued.push(signed);
                return Ok(());
            }
            Body::RecordRevoked { code, on, reason } => {
                let r = self.standing(index, &code)?.ended(RecordEnd {
                    status: RecordStatus::Revoked,
                    on,
                    application_id: String::new(),
                    reason,
                });
                self.records.insert(code, r);
                return Ok(());
            }
            other => {
                return Err(bad(format!(
                    "{other:?} belongs in the national log, not a province's"
                )))
            }
        };
        let id = format!("{}/{}", self.mirror.node_id, application_id);
        // Taken out of the batch's changes (not cloned): a refusal drops the whole batch anyway.
        let before = match self.changed.remove(&id) {
            Some(app) => Some(app),
            None => (self.book.apps)(&id).map_err(bad)?,
        };
        // A v2 entry's private parts are commitments: the book folds what is public.
        let event = sealed.view();
        flow::follows(before.as_ref(), &event).map_err(bad)?;
        match &event {
            EventKind::Registered { code, version, .. } if *version == 1 => {
                self.minted(index, code)?;
                if self.record(index, code)?.is_some() {
                    return Err(Refused::CodeTaken {
                        index,
                        code: code.clone(),
                    });
                }
            }
            EventKind::Registered { code, version, .. } => {
                let record = self.standing(index, code)?;
                if record.current_version + 1 != *version {
                    return Err(bad(format!(
                        "version {version} of {code}, but the national book holds version {}",
                        record.current_version
                    )));
                }
            }
            EventKind::Deregistered { code, on } => {
                let record = self.standing(index, code)?.ended(RecordEnd {
                    status: RecordStatus::Deregistered,
                    on: *on,
                    application_id: id.clone(),
                    reason: String::new(),
                });
                self.records.insert(code.clone(), record);
            }
            _ => {}
        }
        let e = Event {
            application_id: id.clone(),
            at: record.at,
            actor: record.actor,
            holder: record.holder,
            kind: event,
        };
        let after = fold_step(before, &e, &sealed, index);
        self.steps.push(Step {
            index,
            application_id: id.clone(),
            step: e.kind.step(),
            state: after.state.name(),
            at: e.at,
        });
        if let EventKind::CertificateIssued {
            code,
            version,
            query_code,
            certificate_sha256,
        } = &e.kind
        {
            let signed = self.certificate(index, code, *version, query_code, certificate_sha256)?;
            let c = signed.certificate();
            let record = match self.record(index, code)? {
                None => RegistryRecord::first_version(&after, &c, query_code.clone()),
                Some(r) => r.with_version(&after, &c, query_code.clone()),
            };
            self.records.insert(code.clone(), record);
            self.issued.push(signed);
        }
        self.changed.insert(id, after);
        Ok(())
    }

    /// The record of a code as the book holds it with this batch's changes.
    fn record(&self, index: u64, code: &str) -> Result<Option<RegistryRecord>, Refused> {
        match self.records.get(code) {
            Some(r) => Ok(Some(r.clone())),
            None => (self.book.records)(code).map_err(|why| Refused::BadEntry { index, why }),
        }
    }

    /// The record a change, correction, renewal or deregistration acts on: in the province's
    /// namespace, in the book, and not ended.
    fn standing(&self, index: u64, code: &str) -> Result<RegistryRecord, Refused> {
        self.in_namespace(index, code)?;
        let record = self.record(index, code)?.ok_or_else(|| Refused::BadEntry {
            index,
            why: format!("{code} is not in the national book"),
        })?;
        if let Some(end) = &record.ended {
            return Err(Refused::BadEntry {
                index,
                why: format!("{code} ended ({}) on {}", end.status.name(), end.on),
            });
        }
        Ok(record)
    }

    fn in_namespace(&self, index: u64, code: &str) -> Result<UnifiedCode, Refused> {
        let c = UnifiedCode::parse(code).map_err(|e| Refused::BadEntry {
            index,
            why: format!("code {code}: {e}"),
        })?;
        if c.region != self.mirror.region {
            return Err(Refused::ForeignNamespace {
                index,
                code: code.to_string(),
                region: self.mirror.region.to_string(),
            });
        }
        Ok(c)
    }

    fn minted(&mut self, index: u64, code: &str) -> Result<(), Refused> {
        let c = self.in_namespace(index, code)?;
        let last = self.serials.get(&c.year).copied().unwrap_or(0);
        if c.serial <= last {
            return Err(Refused::SerialReused {
                index,
                year: c.year,
                serial: c.serial,
                last,
            });
        }
        self.serials.insert(c.year, c.serial);
        Ok(())
    }

    /// The certificate an entry pins: sent with the batch, signed by one of the node's keys,
    /// and saying what the entry says.
    fn certificate(
        &mut self,
        index: u64,
        code: &str,
        version: u32,
        query_code: &str,
        sha: &str,
    ) -> Result<SignedCertificate, Refused> {
        let bad = |why: String| Refused::BadCertificate { index, why };
        let signed = self
            .certificates
            .remove(sha)
            .ok_or_else(|| bad(format!("{sha} was not sent with the batch")))?
            .map_err(bad)?;
        let c = signed.certificate();
        let says = (
            c.code.to_string(),
            c.version,
            c.log_index,
            c.issuer_node.as_str(),
        );
        if says
            != (
                code.to_string(),
                version,
                index,
                self.mirror.node_id.as_str(),
            )
            || signed.query_code() != query_code
        {
            return Err(bad(format!(
                "says {} v{} at entry {} by {}, the entry says {code} v{version} by {}",
                says.0, says.1, says.2, says.3, self.mirror.node_id
            )));
        }
        Ok(signed)
    }
}

/// A sent certificate decoded, with the trusted key it names; or why not.
type Decoded = Result<(SignedCertificate, VerifyingKey), String>;
/// The message a certificate signature covers, and the signature.
type SignedParts = (Vec<u8>, ed25519_dalek::Signature);

/// Decodes the sent certificates and checks their signatures under the keys they name.
/// Signatures are most of an ingest's work (one per registration), so they are checked in one
/// ed25519 batch verification; if the batch fails, each is checked strictly on its own, so the
/// refusal names the one that fails. (The bytes themselves are already authenticated: the
/// province's signed tree holds the entry that pins each certificate's SHA-256.)
fn verify_certificates(
    keys: &[VerifyingKey],
    sent: &[Vec<u8>],
) -> BTreeMap<String, Result<SignedCertificate, String>> {
    let decoded: Vec<(String, Decoded)> = sent
        .iter()
        .map(|bytes| {
            let sha = hex::encode(Sha256::digest(bytes));
            let parsed = SignedCertificate::from_bytes(bytes.clone())
                .map_err(|e| e.to_string())
                .and_then(|signed| {
                    let named = signed.certificate().issuer_key_id;
                    let key = keys.iter().find(|k| key_id(k) == named).ok_or_else(|| {
                        format!(
                            "signed by key {}, which the trust list does not hold",
                            hex::encode(named)
                        )
                    })?;
                    Ok((signed, *key))
                });
            (sha, parsed)
        })
        .collect();
    let parts: Vec<_> = decoded
        .iter()
        .filter_map(|(_, d)| d.as_ref().ok())
        .map(|(s, k)| (s.signed_parts(), *k))
        .collect();
    // One batch per core, in parallel.
    let batch = |chunk: &[(Option<SignedParts>, VerifyingKey)]| {
        let mut messages = Vec::with_capacity(chunk.len());
        let mut signatures = Vec::with_capacity(chunk.len());
        let mut keys = Vec::with_capacity(chunk.len());
        for (p, k) in chunk {
            let Some((m, s)) = p else { return false };
            messages.push(m.as_slice());
            signatures.push(*s);
            keys.push(*k);
        }
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let batch_ok = if threads < 2 || parts.len() < 32 {
        batch(&parts)
    } else {
        let size = parts.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .chunks(size)
                .map(|c| scope.spawn(move || batch(c)))
                .collect();
            handles
                .into_iter()
                .all(|h| h.join().expect("batch verification panicked"))
        })
    };
    decoded
        .into_iter()
        .map(|(sha, d)| {
            let checked = d.and_then(|(signed, key)| {
                if !batch_ok {
                    signed.verify(&key).map_err(|e| e.to_string())?;
                }
                Ok(signed)
            });
            (sha, checked)
        })
        .collect()
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;

/// A mirrored application after one step of another node's log, as a book folds it: the
/// step's public view (`e`, from `sealed`), the index of the entry that records it as the step's,
/// and the public facts a submission states as its materials.
pub fn fold_step(
    before: Option<Application>,
    e: &Event,
    sealed: &crate::log::public::PublicEvent,
    index: u64,
) -> Application {
    let mut after = flow::apply(before, e);
    if let Some(d) = after.decisions.last_mut() {
        d.log_index = index;
    }
    if let Some(facts) = sealed.facts() {
        facts.apply_to(&mut after);
    }
    after
}
