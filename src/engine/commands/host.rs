//! National: hosts a province namespace that has no node yet (代为受理); the national node
//! then mints there for subjects of that province (see `hosting` for the handover).
use super::{Cx, Write};
use crate::domain::codes::Region;
use crate::domain::flow::Refusal;
use crate::domain::types::{Actor, NodeRole, Role};
use crate::engine::writer::Tx;
use crate::engine::{log_ops, EngineError, Shared};
use crate::log::entry::Body;
use crate::store::keys;

pub struct Host {
    pub actor: Actor,
    pub region: String,
}

impl Write for Host {
    /// The namespace hosted, XX0000.
    type Reply = String;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<String, EngineError> {
        host(cx.shared, cx.tx, &self.actor, self.region)
    }
}

/// National: starts hosting a province namespace.
fn host(
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
