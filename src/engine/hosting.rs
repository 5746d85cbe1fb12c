//! Hosting (代为受理) and handover. The national node may host a province namespace that has no
//! node yet: it then mints codes there for subjects of that province. A signed handover — one
//! national log entry — delegates the namespace to the province's new node and carries the last
//! serial minted per year and the codes registered; after it the national node no longer mints
//! there, the national ingest refuses the province's serials up to those, and the province,
//! which mints nothing before its own delegation reaches it through the national log, starts
//! after them. So no code can be minted twice across the handover.
use super::federation::MirrorState;
use super::writer::Tx;
use super::{log_ops, EngineError, Shared};
use crate::domain::codes::Region;
use crate::domain::flow::{Application, Refusal};
use crate::domain::types::NodeRole;
use crate::domain::types::{Actor, Role};
use crate::log::entry::Body;
use crate::store::{codec, keys};
use crate::sync::trust::TrustedNode;
use sha2::Digest;
use std::collections::BTreeMap;

/// National: starts hosting a province namespace.
pub(super) fn host(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    region: String,
) -> Result<String, EngineError> {
    if actor.role != Role::Admin {
        return Err(Refusal::denied("WRONG_ROLE", "hosting needs the admin role").into());
    }
    if shared.cfg.role != NodeRole::National {
        return Err(Refusal::precondition("NOT_NATIONAL", "only the national node hosts").into());
    }
    let r = Region::parse(&region)
        .map_err(|e| Refusal::invalid("BAD_REGION", format!("{region}: {e}")))?;
    if !r.is_namespace() || r == Region::CENTRAL {
        return Err(Refusal::invalid(
            "BAD_REGION",
            format!("{region} is not a province namespace (XX0000)"),
        )
        .into());
    }
    let region = r.to_string();
    if let Some(holder) = tx.get(&keys::trust_region(&region))? {
        return Err(Refusal::precondition(
            "REGION_DELEGATED",
            format!(
                "{region} is delegated to {}",
                String::from_utf8_lossy(&holder)
            ),
        )
        .into());
    }
    if tx.get(&keys::hosted(&region))?.is_some() {
        return Err(Refusal::precondition(
            "ALREADY_HOSTED",
            format!("the national node already hosts {region}"),
        )
        .into());
    }
    tx.put(keys::hosted(&region), Vec::new());
    log_ops::append(
        tx,
        shared.clock.now(),
        actor,
        Body::Hosted {
            region: region.clone(),
        },
    )?;
    tracing::info!(%region, "hosting a province namespace");
    Ok(region)
}

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

/// Province: imports the record of a code the national node registered while hosting this
/// namespace, from its certificate signed by the national key. The record is what the
/// certificate states (the application's history stays in the national book).
pub(super) fn import(
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
    super::mint::keep_certificate(tx, &signed);
    tx.put(keys::record(&code), codec::encode(&record));
    tx.delete(keys::import(&code));
    tracing::info!(%code, node = %shared.cfg.node_id, "imported a handed-over record");
    Ok(code)
}
