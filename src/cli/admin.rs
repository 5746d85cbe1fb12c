//! Admin commands: tokens and the clock.
use super::client::Client;
use super::output::{rpc_error, show};
use super::Global;
use crate::grpc::pb;
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
        } => {
            let role = pb::Role::from_str_name(&format!("ROLE_{}", role.to_ascii_uppercase()))
                .with_context(|| format!("unknown role {role}"))?;
            let req = pb::CreateTokenRequest {
                request_id: c.request_id(),
                role: role as i32,
                holder,
                subject_credit_code: subject,
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
            show(g.json, "sjdj.v1.TokenInfo", &t, |t| {
                format!("revoked {}\n", t.token_id)
            });
        }
        AdminCmd::TokenList => {
            let l = a
                .list_tokens(c.req(pb::ListTokensRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.ListTokensResponse", &l, |l| {
                l.tokens
                    .iter()
                    .map(|t| {
                        let role = pb::Role::try_from(t.role)
                            .map(|r| r.as_str_name())
                            .unwrap_or("?");
                        format!(
                            "{}  {:<16} {}  {}{}\n",
                            t.token_id,
                            role.trim_start_matches("ROLE_"),
                            t.holder,
                            t.subject_credit_code,
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
            show(g.json, "sjdj.v1.ClockState", &s, clock);
        }
    }
    Ok(())
}
