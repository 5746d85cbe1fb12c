//! Self-audit (`sjdj-node audit`): rebuild the log's tree from the stored entries alone and check
//! it against the stored tiles, the latest signed checkpoint and the state the entries record.
//! It stops at the first mismatch and names the key, so a damaged or truncated store is reported,
//! never served as if whole.
//!
//! What is checked, in order:
//! 1. entries `ev/0 .. ev/{size-1}` all present, none beyond, each a v1 or v2 entry naming its
//!    index, and every commitment of a v2 entry opened by the opening kept for it
//!    (`audit_openings`), a submission's public facts those of the materials it committed to
//!    (entries recovered from the other tier, `engine::recover`, have no openings: they are
//!    folded as the log publishes them);
//! 2. every stored tile equals the tile rebuilt from the entries (no tile missing or extra);
//! 3. the latest checkpoint verifies with the node key under the node's origin, covers at most
//!    the log, has the root rebuilt for its size, and is not older than the newest entry it covers;
//! 4. folding each application's flow entries gives the stored application (state, revision,
//!    code, steps and the entry of each), every stored application has entries, and every issued certificate is stored
//!    with the SHA-256 its entry pins;
//! 5. on the national node, each province mirror (`audit_mirrors`);
//! 6. the kept statistics (`engine::tally`) equal a count of the records.
use super::{apps, log_ops, EngineError};
use crate::domain::flow::{self, Application, Event, EventKind};
use crate::log::checkpoint;
use crate::log::entry::{Body, Record};
use crate::log::tree::{self, MemoryTiles};
use crate::store::{keys, Store};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const PAGE: usize = 10_000;

#[derive(Debug, Default)]
pub struct AuditReport {
    pub entries: u64,
    pub tiles: usize,
    /// Size and time of the latest checkpoint, if the log has one.
    pub checkpoint: Option<(u64, i64)>,
    pub applications: usize,
    pub certificates: usize,
    /// Commitments of v2 entries checked against their openings.
    pub commitments: usize,
    /// Entries recovered from the other tier: checked as the log publishes them, their
    /// commitments unopened (the openings never left the node that lost them).
    pub recovered: u64,
    /// National node: each province mirror checked, with its entries.
    pub mirrors: Vec<super::audit_mirrors::MirrorReport>,
}

/// The first thing found wrong.
#[derive(Debug, thiserror::Error)]
#[error("{what} (at {key})")]
pub struct Mismatch {
    pub key: String,
    pub what: String,
}

pub(super) fn at(key: &[u8], what: impl Into<String>) -> Mismatch {
    Mismatch {
        key: String::from_utf8_lossy(key).into_owned(),
        what: what.into(),
    }
}

pub(super) fn store_err(e: impl std::fmt::Display) -> Mismatch {
    Mismatch {
        key: "store".into(),
        what: format!("the store cannot be read: {e}"),
    }
}

/// Every key and value under `prefix`, page by page.
pub(super) fn scan_all(
    store: &dyn Store,
    prefix: &[u8],
    mut each: impl FnMut(Vec<u8>, Vec<u8>) -> Result<(), Mismatch>,
) -> Result<(), Mismatch> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = store
            .scan(prefix, after.as_deref(), PAGE)
            .map_err(store_err)?;
        let done = page.len() < PAGE;
        for (k, v) in page {
            after = Some(k.clone());
            each(k, v)?;
        }
        if done {
            return Ok(());
        }
    }
}

/// The store against the checkpoint kept outside it (`kept`): the size it covers, if there is
/// a file. A store shorter than it, or whose log differs, fails the audit.
pub fn kept(
    store: &dyn Store,
    key: &VerifyingKey,
    origin: &str,
    path: &std::path::Path,
) -> Result<Option<u64>, Mismatch> {
    let mut keys = vec![*key];
    keys.extend(retired_keys(store, origin)?);
    super::kept::check(store, &keys, origin, path)
        .map(|c| c.map(|c| c.size))
        .map_err(|e| Mismatch {
            key: path.display().to_string(),
            what: e.to_string(),
        })
}

pub fn audit(store: &dyn Store, key: &VerifyingKey, origin: &str) -> Result<AuditReport, Mismatch> {
    let get = |k: &[u8]| -> Result<Option<Vec<u8>>, EngineError> { Ok(store.get(k)?) };
    let size = log_ops::size(get).map_err(|e| at(b"meta/next_event", e.to_string()))?;
    let mut report = AuditReport {
        entries: size,
        ..Default::default()
    };

    // 1 + 2 (rebuild): entries in order, the tree rebuilt from them alone.
    let rebuilt = MemoryTiles::default();
    let mut next = 0u64;
    let mut newest_at = Vec::with_capacity(size as usize);
    let mut folded: BTreeMap<String, Application> = BTreeMap::new();
    let mut pinned: Vec<(String, u32, String)> = Vec::new();
    let ranges =
        super::recover::recovered_ranges(get).map_err(|e| at(b"meta/recovered", e.to_string()))?;
    scan_all(store, keys::EVENT_PREFIX, |k, v| {
        if k != keys::event(next) {
            let what = if next >= size {
                format!("an entry beyond the log's size {size}")
            } else {
                format!("entry {next} is missing")
            };
            return Err(at(&k, what));
        }
        let record = Record::decode(&v).map_err(|e| at(&k, format!("entry {next}: {e}")))?;
        if record.index != next {
            return Err(at(
                &k,
                format!("entry {next} says it is entry {}", record.index),
            ));
        }
        rebuilt
            .append(next, tree::leaf_hash(&v))
            .map_err(|e| at(&k, e.to_string()))?;
        newest_at.push(record.at);
        if let Body::RecordImported {
            code,
            version,
            certificate_sha256,
        }
        | Body::RecordCorrected {
            code,
            version,
            certificate_sha256,
            ..
        } = &record.body
        {
            pinned.push((code.clone(), *version, certificate_sha256.clone()));
        }
        let subject = match &record.body {
            Body::Flow { application_id, .. } => {
                folded.get(application_id).map(|a| a.subject.as_str())
            }
            _ => None,
        };
        let recovered = ranges.iter().any(|r| (r.from..r.to).contains(&next));
        let opened = if recovered {
            report.recovered += 1;
            super::audit_openings::Opened::published(&record)
        } else {
            super::audit_openings::open(&get, next, &record, subject)?
        };
        report.commitments += opened.commitments;
        if let (
            Body::Flow {
                application_id,
                event: sealed,
            },
            Some(event),
        ) = (record.body, opened.event)
        {
            if let EventKind::CertificateIssued {
                code,
                version,
                certificate_sha256,
                ..
            } = &event
            {
                pinned.push((code.clone(), *version, certificate_sha256.clone()));
            }
            let before = folded.remove(&application_id);
            if let (Some(facts), Some(app), false) = (sealed.facts(), &before, recovered) {
                let materials = match &event {
                    EventKind::Supplemented { materials, .. } => materials,
                    _ => &app.materials,
                };
                let committed = crate::log::public::Facts::of(
                    app.registration_type,
                    &app.subject,
                    app.target_code.as_deref(),
                    materials,
                );
                if *facts != committed {
                    return Err(at(
                        &k,
                        format!(
                            "entry {next} publishes facts other than the materials it commits to"
                        ),
                    ));
                }
            }
            let e = Event {
                application_id: application_id.clone(),
                at: record.at,
                actor: record.actor,
                holder: opened.holder,
                kind: event,
            };
            let mut after = flow::apply(before, &e);
            if let Some(d) = after.decisions.last_mut() {
                d.log_index = next;
            }
            folded.insert(application_id, after);
        }
        next += 1;
        Ok(())
    })?;
    if next != size {
        return Err(at(
            &keys::event(next),
            format!("entry {next} is missing: the log holds {size}"),
        ));
    }

    // 2: stored tiles against rebuilt ones.
    let mut expected = rebuilt.0.borrow().clone();
    scan_all(store, b"lt/", |k, v| {
        let (level, n) = parse_tile_key(&k).ok_or_else(|| at(&k, "not a tile key"))?;
        match expected.remove(&(level, n)) {
            Some(want) if want == v => Ok(()),
            Some(want) if v.len() > want.len() && v.starts_with(&want) => Err(at(&k, format!(
                "tile {level}/{n} holds hashes of entries the store no longer has: entries were lost after entry {}",
                size.saturating_sub(1)
            ))),
            Some(want) => Err(at(&k, format!("tile {level}/{n} holds {} bytes that differ from the {} rebuilt from the entries", v.len(), want.len()))),
            None => Err(at(&k, format!("tile {level}/{n} is not part of the tree of {size} entries"))),
        }
    })?;
    if let Some(((level, n), _)) = expected.into_iter().next() {
        return Err(at(
            &keys::tile(level, n),
            format!("tile {level}/{n} is missing"),
        ));
    }
    report.tiles = rebuilt.0.borrow().len();

    // 3: the latest checkpoint.
    let ck = b"meta/checkpoint";
    if let Some(note) = store.get(ck).map_err(store_err)? {
        let c = checkpoint::verify(&note, key, Some(origin)).or_else(|e| {
            // After a key rotation: a key this node held before, retired in the national
            // trust list it followed.
            retired_keys(store, origin)?
                .iter()
                .find_map(|k| checkpoint::verify(&note, k, Some(origin)).ok())
                .ok_or_else(|| at(ck, e.to_string()))
        })?;
        if c.size > size {
            return Err(at(
                ck,
                format!(
                    "the checkpoint covers {} entries; the store holds {size}: entries were lost",
                    c.size
                ),
            ));
        }
        if c.size > 0 {
            let root = tree::root(&rebuilt, c.size).map_err(|e| at(ck, e.to_string()))?;
            if root.0 != c.root {
                return Err(at(
                    ck,
                    format!(
                        "the signed root for {} entries differs from the root rebuilt from them",
                        c.size
                    ),
                ));
            }
            if c.time < newest_at[c.size as usize - 1] {
                return Err(at(
                    ck,
                    "the checkpoint is older than the newest entry it covers",
                ));
            }
        }
        report.checkpoint = Some((c.size, c.time));
    }

    // 4: state against what the entries record.
    let mut stored_ids = Vec::new();
    scan_all(store, keys::APP_PREFIX, |k, _| {
        stored_ids.push(keys::suffix(&k, keys::APP_PREFIX).to_string());
        Ok(())
    })?;
    for id in &stored_ids {
        let key = keys::app(id);
        let stored = apps::current(&get, id)
            .map_err(|e| at(&key, e.to_string()))?
            .ok_or_else(|| at(&key, "application vanished during the audit"))?;
        let Some(f) = folded.remove(id) else {
            return Err(at(
                &key,
                format!("application {id} has no entries in the log"),
            ));
        };
        let steps = |a: &Application| {
            a.decisions
                .iter()
                .map(|d| d.step.clone())
                .collect::<Vec<_>>()
        };
        if (f.state, f.revision, &f.code, steps(&f))
            != (stored.state, stored.revision, &stored.code, steps(&stored))
        {
            return Err(at(&key, format!(
                "application {id} is {:?} at revision {} in the store, but its entries make it {:?} at revision {}",
                stored.state, stored.revision, f.state, f.revision
            )));
        }
    }
    if let Some(id) = folded.keys().next() {
        return Err(at(
            &keys::app(id),
            format!("application {id} is in the log but not in the store"),
        ));
    }
    report.applications = stored_ids.len();
    for (code, version, sha) in pinned {
        let key = keys::certificate(&code, version);
        let bytes = store.get(&key).map_err(store_err)?.ok_or_else(|| {
            at(
                &key,
                format!("certificate {code} v{version} is logged but not stored"),
            )
        })?;
        if hex::encode(Sha256::digest(&bytes)) != sha {
            return Err(at(
                &key,
                format!("certificate {code} v{version} differs from the bytes its entry pins"),
            ));
        }
        report.certificates += 1;
    }
    // 5: the national node's mirrors of province logs.
    report.mirrors = super::audit_mirrors::audit_mirrors(store)?;
    // 6: the kept statistics are a count of the records.
    let differ = super::tally::check(store).map_err(store_err)?;
    if let Some(((p, f, v), kept, counted)) = differ.first() {
        return Err(at(
            &keys::tally(p, f.tag(), v),
            format!(
                "the statistics keep {kept} where the records count {counted} \
                 ({} counts differ; `sjdj-node reindex` counts them again)",
                differ.len()
            ),
        ));
    }
    Ok(report)
}

/// The retired keys of the node whose log has this origin, from the trust list in the store.
fn retired_keys(store: &dyn Store, origin: &str) -> Result<Vec<VerifyingKey>, Mismatch> {
    let mut out = Vec::new();
    scan_all(store, keys::TRUST_PREFIX, |k, v| {
        let node: crate::sync::trust::TrustedNode =
            crate::store::codec::decode(&k, &v).map_err(|e| at(&k, e.to_string()))?;
        if node.origin() == origin {
            out.extend(
                node.keys
                    .iter()
                    .filter(|k| k.status == crate::sync::trust::KeyStatus::Retired)
                    .map(|k| k.verifying_key()),
            );
        }
        Ok(())
    })?;
    Ok(out)
}

fn parse_tile_key(k: &[u8]) -> Option<(u8, u64)> {
    let rest = k.strip_prefix(b"lt/")?;
    let slash = rest.iter().position(|&b| b == b'/')?;
    let level = std::str::from_utf8(&rest[..slash]).ok()?.parse().ok()?;
    let n = u64::from_be_bytes(rest[slash + 1..].try_into().ok()?);
    Some((level, n))
}
