//! Staff commands: queues, acceptance, review, objections.
use super::client::Client;
use super::output::{self, rpc_error, show};
use super::Global;
use crate::grpc::{pb, CarriedAnswer, Carries};
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand)]
pub enum ReviewCmd {
    /// A step's work queue, overdue first.
    Queue {
        #[arg(value_enum)]
        step: Step,
        #[arg(long, default_value_t = 100)]
        limit: i32,
    },
    /// Clerk: accept (受理).
    Accept {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Clerk: return once with the complete list of what to supplement (一次性告知).
    Return {
        id: String,
        /// One item to supplement; repeat for each.
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Clerk: refuse acceptance (不予受理).
    RefuseAcceptance {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Reviewer: pass formal review; publicity starts.
    Pass {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Reviewer: refuse registration (不予登记).
    Refuse {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Registrar: correct a record's public facts (更正 by the institution): the next version.
    Correct {
        code: String,
        #[arg(long)]
        subject_name: Option<String>,
        #[arg(long)]
        data_name: Option<String>,
        #[arg(long)]
        summary: Option<String>,
        #[arg(long)]
        industry: Option<String>,
        #[arg(long)]
        reason: String,
    },
    /// Registrar: revoke a code (撤销); it stays as a tombstone.
    Revoke {
        code: String,
        #[arg(long)]
        reason: String,
    },
    /// Registrar: resolve an objection.
    Resolve {
        id: String,
        objection: String,
        #[arg(long, value_enum)]
        resolution: Resolution,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Step {
    Acceptance,
    Review,
    Publicity,
    Objections,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Resolution {
    Dismiss,
    UpholdRefuse,
    UpholdBackToReview,
}

pub async fn run(cmd: ReviewCmd, g: &Global) -> anyhow::Result<()> {
    let c = Client::connect(g).await?;
    let mut rv = c.review();
    let app = match cmd {
        ReviewCmd::Correct {
            code,
            subject_name,
            data_name,
            summary,
            industry,
            reason,
        } => {
            let req = pb::CorrectRecordRequest {
                request_id: c.request_id(),
                code,
                subject_name,
                data_name,
                summary,
                industry,
                reason,
            };
            let r = rv.correct_record(c.req(req)?).await.map_err(rpc_error)?;
            let record = r.into_inner().carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.Record", &record, output::record);
            return Ok(());
        }
        ReviewCmd::Revoke { code, reason } => {
            let req = pb::RevokeRecordRequest {
                request_id: c.request_id(),
                code,
                reason,
            };
            let r = rv.revoke_record(c.req(req)?).await.map_err(rpc_error)?;
            let record = r.into_inner().carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.Record", &record, output::record);
            return Ok(());
        }
        ReviewCmd::Queue { step, limit } => {
            let step = match step {
                Step::Acceptance => pb::QueueStep::Acceptance,
                Step::Review => pb::QueueStep::Review,
                Step::Publicity => pb::QueueStep::Publicity,
                Step::Objections => pb::QueueStep::Objections,
            };
            let q = rv
                .list_queue(c.req(pb::ListQueueRequest {
                    step: step as i32,
                    page_size: limit,
                    page_token: String::new(),
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.ListQueueResponse", &q, |q| {
                q.items
                    .iter()
                    .map(|i| {
                        let a = i.application.clone().unwrap_or_default();
                        let data = a
                            .materials
                            .and_then(|m| m.resource)
                            .map(|r| r.name)
                            .unwrap_or_default();
                        format!(
                            "{}{}  due {}  {}\n",
                            if i.overdue { "OVERDUE " } else { "" },
                            a.id,
                            i.due_date,
                            data
                        )
                    })
                    .collect()
            });
            return Ok(());
        }
        ReviewCmd::Accept { id, reason } => {
            let req = pb::AcceptApplicationRequest {
                request_id: c.request_id(),
                application_id: id,
                reason,
            };
            rv.accept_application(c.req(req)?).await.carried()
        }
        ReviewCmd::Return { id, items, reason } => rv
            .return_for_supplement(c.req(pb::ReturnForSupplementRequest {
                request_id: c.request_id(),
                application_id: id,
                items,
                reason,
            })?)
            .await
            .carried(),
        ReviewCmd::RefuseAcceptance { id, reason } => {
            let req = pb::RefuseAcceptanceRequest {
                request_id: c.request_id(),
                application_id: id,
                reason,
            };
            rv.refuse_acceptance(c.req(req)?).await.carried()
        }
        ReviewCmd::Pass { id, reason } => {
            let req = pb::PassReviewRequest {
                request_id: c.request_id(),
                application_id: id,
                reason,
            };
            rv.pass_review(c.req(req)?).await.carried()
        }
        ReviewCmd::Refuse { id, reason } => {
            let req = pb::RefuseReviewRequest {
                request_id: c.request_id(),
                application_id: id,
                reason,
            };
            rv.refuse_review(c.req(req)?).await.carried()
        }
        ReviewCmd::Resolve {
            id,
            objection,
            resolution,
            reason,
        } => {
            let resolution = match resolution {
                Resolution::Dismiss => pb::ObjectionResolution::Dismiss,
                Resolution::UpholdRefuse => pb::ObjectionResolution::UpholdRefuse,
                Resolution::UpholdBackToReview => pb::ObjectionResolution::UpholdBackToReview,
            };
            let req = pb::ResolveObjectionRequest {
                request_id: c.request_id(),
                application_id: id,
                objection_id: objection,
                resolution: resolution as i32,
                reason,
            };
            rv.resolve_objection(c.req(req)?).await.carried()
        }
    };
    let app = app.map_err(rpc_error)?;
    show(g.json, "sjdj.v1.Application", &app, output::application);
    Ok(())
}
