//! Admin commands: tokens, the clock, and on the national node the trust list and alarms.
use super::client::Client;
use super::output::{every_page, rpc_error, show};
use super::Global;
use crate::grpc::{pb, Carries};
use anyhow::Context;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum AdminCmd {
    /// Issue a token; it is printed once.
    TokenCreate {
        /// registrant, clerk, reviewer, registrar, auditor or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        holder: String,
        /// The subject's credit code (registrant tokens only).
        #[arg(long, default_value = "")]
        subject: String,
        /// Days the token is valid (0: the node's default, tokens.ttl_days).
        #[arg(long, default_value_t = 0)]
        ttl_days: u32,
    },
    TokenRevoke {
        token_id: String,
    },
    TokenList,
    /// Show the node clock.
    Clock,
    /// Move the node clock forward (only where the config enables clock control).
    AdvanceClock {
        #[arg(long, default_value_t = 0)]
        days: i64,
        #[arg(long, default_value_t = 0)]
        seconds: i64,
    },
    /// National node: delegate a province namespace to a node's key (its node.key.pub).
    Delegate {
        node_id: String,
        /// The province namespace, XX0000.
        region: String,
        /// The node's public key: 64 hex digits or a file holding them.
        key: String,
    },
    /// National node: a new key takes over for a node; the old one is retired.
    RotateKey {
        node_id: String,
        /// The new public key: 64 hex digits or a file holding them.
        key: String,
    },
    /// National node: revoke a node's current key.
    RevokeKey {
        node_id: String,
        #[arg(long)]
        reason: String,
    },
    /// National node: host a province namespace that has no node yet (代为受理).
    Host {
        /// The province namespace, XX0000.
        region: String,
    },
    /// National node: hand a hosted namespace over to the province's new node.
    HandOver {
        region: String,
        node_id: String,
        /// The new node's public key: 64 hex digits or a file holding them.
        key: String,
    },
    /// Alarms raised (forked province logs), with their evidence.
    Alarms,
}

fn public_key_hex(arg: &str) -> anyhow::Result<String> {
    let key = crate::node::keyfile::parse_public(arg).map_err(anyhow::Error::msg)?;
    Ok(hex::encode(key.to_bytes()))
}

pub(super) fn trusted(n: &pb::TrustedNode) -> String {
    let mut out = format!("{}  {}  {}\n", n.node_id, n.region, n.origin);
    for k in &n.keys {
        out += &format!(
            "  {} {:<8} since log #{}\n",
            k.public_key,
            pb::KeyStatus::try_from(k.status)
                .map_or("?", |s| s.as_str_name())
                .trim_start_matches("KEY_STATUS_"),
            k.since
        );
    }
    out
}

fn clock(c: &pb::ClockState) -> String {
    format!(
        "today {} (offset {} s, controllable {})\n",
        c.today, c.offset_seconds, c.controllable
    )
}

pub async fn run(cmd: AdminCmd, g: &Global) -> anyhow::Result<()> {
    let c = Client::connect(g).await?;
    let mut a = c.admin();
    match cmd {
        AdminCmd::TokenCreate {
            role,
            holder,
            subject,
            ttl_days,
        } => {
            let role = pb::Role::from_str_name(&format!("ROLE_{}", role.to_ascii_uppercase()))
                .with_context(|| format!("unknown role {role}"))?;
            let req = pb::CreateTokenRequest {
                request_id: c.request_id(),
                role: role as i32,
                holder,
                subject_credit_code: subject,
                ttl_days,
            };
            let res = a
                .create_token(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.CreateTokenResponse", &res, |r| {
                format!("{}\n", r.token)
            });
        }
        AdminCmd::TokenRevoke { token_id } => {
            let t = a
                .revoke_token(c.req(pb::RevokeTokenRequest {
                    request_id: c.request_id(),
                    token_id,
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let t = t.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.TokenInfo", &t, |t| {
                format!("revoked {}\n", t.token_id)
            });
        }
        AdminCmd::TokenList => {
            // Every page, shown as one list.
            let l = every_page(
                |page_token| {
                    let (mut a, req) = (
                        a.clone(),
                        c.req(pb::ListTokensRequest {
                            page_size: 0,
                            page_token,
                        }),
                    );
                    async move { Ok(a.list_tokens(req?).await.map_err(rpc_error)?.into_inner()) }
                },
                |all: &mut pb::ListTokensResponse, page| {
                    all.tokens.extend(page.tokens);
                    page.next_page_token
                },
            )
            .await?;
            show(g.json, "sjdj.v1.ListTokensResponse", &l, |l| {
                l.tokens
                    .iter()
                    .map(|t| {
                        let role = pb::Role::try_from(t.role)
                            .map(|r| r.as_str_name())
                            .unwrap_or("?");
                        let expires = super::output::ts(&t.expires_at);
                        format!(
                            "{}  {:<16} {}  {}  expires {}{}\n",
                            t.token_id,
                            role.trim_start_matches("ROLE_"),
                            t.holder,
                            t.subject_credit_code,
                            expires,
                            if t.revoked { "  REVOKED" } else { "" }
                        )
                    })
                    .collect()
            });
        }
        AdminCmd::Clock => {
            let s = a
                .get_clock(c.req(pb::GetClockRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let s = s.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.ClockState", &s, clock);
        }
        AdminCmd::AdvanceClock { days, seconds } => {
            let s = a
                .advance_clock(c.req(pb::AdvanceClockRequest {
                    seconds: days * 86_400 + seconds,
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let s = s.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.ClockState", &s, clock);
        }
        AdminCmd::Delegate {
            node_id,
            region,
            key,
        } => {
            let req = pb::DelegateRegionRequest {
                node_id,
                region,
                public_key: public_key_hex(&key)?,
            };
            let n = a
                .delegate_region(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let n = n.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.TrustedNode", &n, trusted);
        }
        AdminCmd::RotateKey { node_id, key } => {
            let req = pb::RotateNodeKeyRequest {
                node_id,
                public_key: public_key_hex(&key)?,
            };
            let n = a
                .rotate_node_key(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let n = n.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.TrustedNode", &n, trusted);
        }
        AdminCmd::RevokeKey { node_id, reason } => {
            let req = pb::RevokeNodeKeyRequest { node_id, reason };
            let n = a
                .revoke_node_key(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let n = n.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.TrustedNode", &n, trusted);
        }
        AdminCmd::Host { region } => {
            let r = a
                .host_region(c.req(pb::HostRegionRequest { region })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.HostRegionResponse", &r, |r| {
                format!("hosting {}\n", r.region)
            });
        }
        AdminCmd::HandOver {
            region,
            node_id,
            key,
        } => {
            let req = pb::HandOverRegionRequest {
                region,
                node_id,
                public_key: public_key_hex(&key)?,
            };
            let n = a
                .hand_over_region(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let n = n.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.TrustedNode", &n, trusted);
        }
        AdminCmd::Alarms => {
            let l = every_page(
                |page_token| {
                    let (mut a, req) = (
                        a.clone(),
                        c.req(pb::ListAlarmsRequest {
                            page_size: 0,
                            page_token,
                        }),
                    );
                    async move { Ok(a.list_alarms(req?).await.map_err(rpc_error)?.into_inner()) }
                },
                |all: &mut pb::ListAlarmsResponse, page| {
                    all.alarms.extend(page.alarms);
                    page.next_page_token
                },
            )
            .await?;
            show(g.json, "sjdj.v1.ListAlarmsResponse", &l, |l| {
                if l.alarms.is_empty() {
                    return "no alarms\n".into();
                }
                l.alarms
                    .iter()
                    .map(|a| {
                        format!(
                            "#{} {} {}: {} ({} signed checkpoints kept)\n",
                            a.number,
                            pb::AlarmKind::try_from(a.kind)
                                .map_or("?", |k| k.as_str_name())
                                .trim_start_matches("ALARM_KIND_"),
                            a.node_id,
                            a.message,
                            a.evidence.len()
                        )
                    })
                    .collect()
            });
        }
    }
    Ok(())
}
