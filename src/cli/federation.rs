//! Federation commands: what a national node holds of a province's log, and its trust list.
use super::client::Client;
use super::output::{rpc_error, show};
use super::Global;
use crate::grpc::pb;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum FederationCmd {
    /// The national node's trust list: province nodes, their namespaces and keys.
    TrustList,
    /// What the national node holds of a node's log.
    State { node_id: String },
}

pub async fn run(cmd: FederationCmd, g: &Global) -> anyhow::Result<()> {
    let c = Client::connect(g).await?;
    let mut f = c.federation();
    match cmd {
        FederationCmd::TrustList => {
            let l = f
                .get_trust_list(c.req(pb::GetTrustListRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.GetTrustListResponse", &l, |l| {
                if l.nodes.is_empty() {
                    return "no province nodes in the trust list\n".into();
                }
                l.nodes.iter().map(super::admin::trusted).collect()
            });
        }
        FederationCmd::State { node_id } => {
            let s = f
                .get_sync_state(c.req(pb::GetSyncStateRequest {
                    node_id: node_id.clone(),
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.GetSyncStateResponse", &s, |s| {
                format!(
                    "{node_id}: {} entries held of a checkpoint of {}{}\n",
                    s.held,
                    s.accepted_size,
                    if s.frozen {
                        "  FROZEN (fork alarm)"
                    } else {
                        ""
                    }
                )
            });
        }
    }
    Ok(())
}
