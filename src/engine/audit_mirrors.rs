//! Self-audit of the national node's mirrors of province logs: for each province, rebuild the
//! tree from the stored entry bundles alone and check it against the stored mirror tiles and the
//! last checkpoint accepted from that province, and that every entry names its index.
use super::audit::{at, scan_all, Mismatch};
use super::federation::{bundle_entries, MirrorState, BUNDLE};
use crate::log::entry::Record;
use crate::log::tree::{self, MemoryTiles};
use crate::store::{codec, keys, Store};

/// What was checked of one province's mirror.
#[derive(Debug)]
pub struct MirrorReport {
    pub node_id: String,
    pub entries: u64,
}

pub fn audit_mirrors(store: &dyn Store) -> Result<Vec<MirrorReport>, Mismatch> {
    let mut states = Vec::new();
    scan_all(store, b"fed/", |k, v| {
        if let Some(node) = keys::suffix(&k, b"fed/").strip_suffix("/state") {
            let state: MirrorState = codec::decode(&k, &v).map_err(|e| at(&k, e.to_string()))?;
            states.push((node.to_string(), state));
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for (node, state) in states {
        out.push(audit_one(store, &node, &state)?);
    }
    Ok(out)
}

fn audit_one(store: &dyn Store, node: &str, state: &MirrorState) -> Result<MirrorReport, Mismatch> {
    let rebuilt = MemoryTiles::default();
    let prefix = format!("fed/{node}/eb/").into_bytes();
    let mut next = 0u64;
    scan_all(store, &prefix, |k, v| {
        if k != keys::fed_bundle(node, next / BUNDLE) || !next.is_multiple_of(BUNDLE) {
            return Err(at(
                &k,
                format!("{node}: bundle out of order at entry {next}"),
            ));
        }
        for e in bundle_entries(&v).map_err(|e| at(&k, format!("{node}: {e}")))? {
            let r = Record::decode(&e).map_err(|e| at(&k, format!("{node} entry {next}: {e}")))?;
            if r.index != next {
                return Err(at(
                    &k,
                    format!("{node}: entry {next} says it is {}", r.index),
                ));
            }
            rebuilt
                .append(next, tree::leaf_hash(&e))
                .map_err(|e| at(&k, e.to_string()))?;
            next += 1;
        }
        Ok(())
    })?;
    let state_key = keys::fed_state(node);
    if next != state.held {
        return Err(at(
            &state_key,
            format!(
                "{node}: the mirror holds {next} entries, its state says {}",
                state.held
            ),
        ));
    }
    let mut expected = rebuilt.0.borrow().clone();
    let tiles = format!("fed/{node}/lt/").into_bytes();
    scan_all(store, &tiles, |k, v| {
        let rest = &k[tiles.len()..];
        let slash = rest.iter().position(|&b| b == b'/');
        let parsed = slash.and_then(|s| {
            let level: u8 = std::str::from_utf8(&rest[..s]).ok()?.parse().ok()?;
            let n = u64::from_be_bytes(rest[s + 1..].try_into().ok()?);
            Some((level, n))
        });
        let (level, n) = parsed.ok_or_else(|| at(&k, "not a tile key"))?;
        match expected.remove(&(level, n)) {
            Some(want) if want == v => Ok(()),
            _ => Err(at(
                &k,
                format!("{node}: tile {level}/{n} differs from the one rebuilt from the entries"),
            )),
        }
    })?;
    if let Some(((level, n), _)) = expected.into_iter().next() {
        return Err(at(
            &keys::fed_tile(node, level, n),
            format!("{node}: tile {level}/{n} is missing"),
        ));
    }
    if let Some(super::federation::AcceptedCheckpoint { size, root, .. }) = &state.signed {
        if *size == state.held && *size > 0 {
            let got = tree::root(&rebuilt, *size).map_err(|e| at(&state_key, e.to_string()))?;
            if got.0 != *root {
                return Err(at(
                    &state_key,
                    format!("{node}: the accepted checkpoint's root differs from the mirror's"),
                ));
            }
        }
    }
    Ok(MirrorReport {
        node_id: node.to_string(),
        entries: next,
    })
}
