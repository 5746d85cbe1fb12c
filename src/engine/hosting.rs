//! Hosting (代为受理) and handover. The national node may host a province namespace that has no
//! node yet: it then mints codes there for subjects of that province. A signed handover — one
//! national log entry — delegates the namespace to the province's new node and carries the last
//! serial minted per year and the codes registered; after it the national node no longer mints
//! there, the national ingest refuses the province's serials up to those, and the province,
//! which mints nothing before its own delegation reaches it through the national log, starts
//! after them. So no code can be minted twice across the handover.
//! This holds the handover entry, the namespace a registration is minted in and what is left to
//! import; the commands are `commands::{host, import}` and the handover a `trust` entry.
use super::federation::MirrorState;
use super::writer::Tx;
use super::{EngineError, Shared};
use crate::domain::codes::Region;
use crate::domain::flow::{Application, Refusal, State};
use crate::domain::types::NodeRole;
use crate::log::entry::Body;
use crate::store::{codec, keys};
use crate::sync::trust::TrustedNode;
use std::collections::BTreeMap;

/// National: the handover entry for a hosted region, with its serials and codes as stored.
pub(super) fn handover_body(
    tx: &Tx,
    now: i64,
    region: String,
    node_id: String,
    key: String,
) -> Result<Body, EngineError> {
    // Serials are read year by year through the writer's view, so a mint earlier in the same
    // write group is seen too; years from the first one stored to next year.
    let mut serials = BTreeMap::new();
    let prefix = keys::serial_prefix(&region);
    let first = tx
        .scan(&prefix, None, 1)?
        .first()
        .and_then(|(k, _)| keys::suffix(k, &prefix).parse::<i32>().ok());
    let this_year = crate::domain::calendar::china_date(now).year();
    for year in first.unwrap_or(this_year).min(this_year)..=this_year + 1 {
        let k = keys::serial(&region, year);
        if let Some(v) = tx.get(&k)? {
            let last = u32::from_be_bytes(
                v.as_slice()
                    .try_into()
                    .map_err(|_| EngineError::corrupt(&k, "serial is not 4 bytes"))?,
            );
            let year = u16::try_from(year).map_err(|_| EngineError::corrupt(&k, "year"))?;
            serials.insert(year, last);
        }
    }
    let mut codes = Vec::new();
    for data_type in ['1', '2', '3'] {
        let prefix = format!("rec/{data_type}{region}").into_bytes();
        for (k, _) in tx.scan(&prefix, None, usize::MAX)? {
            codes.push(keys::suffix(&k, keys::RECORD_PREFIX).to_string());
        }
    }
    Ok(Body::HandedOver {
        region,
        node_id,
        key,
        serials,
        codes,
    })
}

/// After a handover entry is folded into the trust list: the namespace is no longer hosted; the
/// national node starts the new node's mirror at the handed-over serials, and the new node
/// itself (following the national log) starts its serial counters after them.
pub(super) fn handed_over(
    shared: &Shared,
    tx: &mut Tx,
    node: &TrustedNode,
    region: &str,
    serials: &BTreeMap<u16, u32>,
    codes: &[String],
) -> Result<(), EngineError> {
    tx.delete(keys::hosted(region));
    if shared.cfg.role == NodeRole::National {
        let state = MirrorState {
            serials: serials.clone(),
            ..MirrorState::default()
        };
        tx.put(keys::fed_state(&node.node_id), codec::encode(&state));
    } else if node.node_id == shared.cfg.node_id {
        for code in codes {
            tx.put(keys::import(code), Vec::new());
        }
        for (year, last) in serials {
            let key = keys::serial(region, i32::from(*year));
            let current = match tx.get(&key)? {
                Some(b) => u32::from_be_bytes(
                    b.as_slice()
                        .try_into()
                        .map_err(|_| EngineError::corrupt(&key, "serial is not 4 bytes"))?,
                ),
                None => 0,
            };
            tx.put(key, current.max(*last).to_be_bytes().to_vec());
        }
        tracing::info!(%region, "the national node handed this namespace over");
    }
    Ok(())
}

/// The namespace a registration is minted in, or `None` if this node may not mint now.
/// A province mints in its own namespace — once federated, only after its delegation has
/// reached it through the national log. The national node mints in a hosted province's
/// namespace for subjects of that province, and in the central namespace otherwise.
pub(super) fn namespace(
    shared: &Shared,
    tx: &Tx,
    app: &Application,
) -> Result<Option<Region>, EngineError> {
    if shared.cfg.role != NodeRole::National {
        if shared.cfg.federated {
            let me: Option<TrustedNode> =
                super::federation::read(tx, &keys::trust(&shared.cfg.node_id))?;
            let delegated = me.is_some_and(|n| {
                n.region == shared.cfg.region.to_string()
                    && n.active_key() == Some(shared.key.verifying_key())
            });
            if !delegated {
                return Ok(None);
            }
        }
        return Ok(Some(shared.cfg.region));
    }
    let subject = Region::parse(&app.materials.subject.region).map(Region::province);
    if let Ok(province) = subject {
        if province != Region::CENTRAL && tx.get(&keys::hosted(&province.to_string()))?.is_some() {
            return Ok(Some(province));
        }
    }
    Ok(Some(shared.cfg.region))
}

/// National: an application for a subject whose province has its own node is refused; that
/// node registers it (the national node registers central subjects and those of provinces it
/// hosts, and mints no code in a namespace it has handed over or delegated).
pub(super) fn refuse_delegated_subject(
    shared: &Shared,
    tx: &Tx,
    subject_region: &str,
) -> Result<(), EngineError> {
    if shared.cfg.role != NodeRole::National {
        return Ok(());
    }
    let Ok(province) = Region::parse(subject_region).map(Region::province) else {
        // Materials validation names a region that does not parse.
        return Ok(());
    };
    if province == Region::CENTRAL {
        return Ok(());
    }
    let Some(node) = tx.get(&keys::trust_region(&province.to_string()))? else {
        return Ok(());
    };
    Err(Refusal::precondition(
        "SUBJECT_REGION_DELEGATED",
        format!(
            "subjects of {province} register with that province's node {}; the national node \
             registers central subjects and those of the provinces it hosts",
            String::from_utf8_lossy(&node)
        ),
    )
    .into())
}

/// National: a namespace is delegated or handed over only once no application the national
/// node has open (submitted, not yet ended) would be minted in it: one for a subject of the
/// province, or on a code of its namespace. Drafts do not count: they are refused at submission.
pub(super) fn refuse_open_in(tx: &Tx, region: &str) -> Result<(), EngineError> {
    let Ok(province) = Region::parse(region).map(Region::province) else {
        return Ok(());
    };
    let open = [
        State::Submitted,
        State::Returned,
        State::InReview,
        State::InPublicity,
    ];
    let mut found = Vec::new();
    for state in open {
        let prefix = keys::state_prefix(state.name());
        for (k, _) in tx.scan(&prefix, None, usize::MAX)? {
            let id = keys::suffix(&k, &prefix).to_string();
            let Some(app) = tx.load_app(&id)? else {
                continue;
            };
            let subject = Region::parse(&app.materials.subject.region).map(Region::province);
            let on_code = app.target_code.as_deref().and_then(|c| c.get(1..7));
            if subject == Ok(province) || on_code == Some(&*province.to_string()) {
                found.push(id);
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Refusal::precondition(
        "REGION_HAS_OPEN_APPLICATIONS",
        format!(
            "{} application(s) open here would be minted in {province} ({}…): let them end \
             (registered, refused or withdrawn) before the namespace moves",
            found.len(),
            found[..found.len().min(5)].join(", ")
        ),
    )
    .into())
}
