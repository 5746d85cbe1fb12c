//! ReviewService: acceptance, formal review and objections, each decision with its reason.
use super::convert::enums;
use super::convert::views;
use super::pb::{self, review_service_server::ReviewService};
use super::{auth, run_flow, status};
use crate::domain::flow::{Command, State};
use crate::domain::record::RecordCorrection;
use crate::engine::commands::{CorrectRecord, RevokeRecord};
use crate::engine::Write;
use tonic::{Request, Response, Status};

pub struct Review {
    pub engine: crate::engine::Engine,
}

type Res<T> = Result<Response<T>, Status>;

/// The ids every decision request carries.
trait Decision {
    fn ids(&self) -> (String, String);
}

macro_rules! decision {
    ($($t:ty),*) => {$(
        impl Decision for $t {
            fn ids(&self) -> (String, String) {
                (self.request_id.clone(), self.application_id.clone())
            }
        }
    )*};
}

decision!(
    pb::AcceptApplicationRequest,
    pb::ReturnForSupplementRequest,
    pb::RefuseAcceptanceRequest,
    pb::PassReviewRequest,
    pb::RefuseReviewRequest,
    pb::ResolveObjectionRequest
);

impl Review {
    /// Runs a decision on an application; answers with the application after it.
    async fn decide<T: Decision>(
        &self,
        req: Request<T>,
        command: impl Fn(T) -> Result<Command, Status>,
    ) -> Result<Option<pb::Application>, Status> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let (request_id, application_id) = r.ids();
        let (app, _) = run_flow(
            &self.engine,
            actor,
            request_id,
            Some(application_id),
            command(r)?,
        )
        .await?;
        Ok(Some((&app).into()))
    }
}

impl Review {
    /// Runs an institution action on a record; answers with the record and its history.
    async fn on_record<W: Write>(
        &self,
        write: W,
        code: &str,
    ) -> Result<Option<pb::Record>, Status> {
        self.engine.execute(write).await.map_err(status::status)?;
        let (record, history) = self.engine.get_record(code).map_err(status::status)?;
        Ok(Some(views::record(&record, &history)))
    }
}

#[tonic::async_trait]
impl ReviewService for Review {
    async fn correct_record(
        &self,
        req: Request<pb::CorrectRecordRequest>,
    ) -> Res<pb::CorrectRecordResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let op = CorrectRecord {
            actor,
            request_id: r.request_id,
            code: r.code.clone(),
            correction: RecordCorrection {
                subject_name: r.subject_name,
                data_name: r.data_name,
                summary: r.summary,
                industry: r.industry,
            },
            reason: r.reason,
        };
        let record = self.on_record(op, &r.code).await?;
        Ok(Response::new(pb::CorrectRecordResponse { record }))
    }

    async fn revoke_record(
        &self,
        req: Request<pb::RevokeRecordRequest>,
    ) -> Res<pb::RevokeRecordResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let op = RevokeRecord {
            actor,
            request_id: r.request_id,
            code: r.code.clone(),
            reason: r.reason,
        };
        let record = self.on_record(op, &r.code).await?;
        Ok(Response::new(pb::RevokeRecordResponse { record }))
    }

    async fn list_queue(&self, req: Request<pb::ListQueueRequest>) -> Res<pb::ListQueueResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let step = pb::QueueStep::try_from(r.step).map_err(|_| {
            status::invalid(
                "UNKNOWN_ENUM_VALUE",
                format!("step: {} is not a known value", r.step),
            )
        })?;
        let (state, objections_only) = match step {
            pb::QueueStep::Acceptance => (State::Submitted, false),
            pb::QueueStep::Review => (State::InReview, false),
            pb::QueueStep::Publicity => (State::InPublicity, false),
            pb::QueueStep::Objections => (State::InPublicity, true),
            pb::QueueStep::Unspecified => {
                return Err(status::invalid("FIELD_REQUIRED", "step is required"))
            }
        };
        let page = self
            .engine
            .queue(&actor, state, objections_only, r.page_size, &r.page_token)
            .map_err(status::status)?;
        Ok(Response::new(pb::ListQueueResponse {
            next_page_token: page.next.unwrap_or_default(),
            items: page
                .items
                .iter()
                .map(|e| pb::QueueItem {
                    application: Some((&e.application).into()),
                    due_date: e.due.map(|d| d.to_string()).unwrap_or_default(),
                    overdue: e.overdue,
                })
                .collect(),
        }))
    }

    async fn accept_application(
        &self,
        req: Request<pb::AcceptApplicationRequest>,
    ) -> Res<pb::AcceptApplicationResponse> {
        let application = self
            .decide(req, |r| Ok(Command::Accept { reason: r.reason }))
            .await?;
        Ok(Response::new(pb::AcceptApplicationResponse { application }))
    }

    async fn return_for_supplement(
        &self,
        req: Request<pb::ReturnForSupplementRequest>,
    ) -> Res<pb::ReturnForSupplementResponse> {
        let application = self
            .decide(req, |r| {
                Ok(Command::ReturnForSupplement {
                    items: r.items,
                    reason: r.reason,
                })
            })
            .await?;
        Ok(Response::new(pb::ReturnForSupplementResponse {
            application,
        }))
    }

    async fn refuse_acceptance(
        &self,
        req: Request<pb::RefuseAcceptanceRequest>,
    ) -> Res<pb::RefuseAcceptanceResponse> {
        let application = self
            .decide(req, |r| Ok(Command::RefuseAcceptance { reason: r.reason }))
            .await?;
        Ok(Response::new(pb::RefuseAcceptanceResponse { application }))
    }

    async fn pass_review(
        &self,
        req: Request<pb::PassReviewRequest>,
    ) -> Res<pb::PassReviewResponse> {
        let application = self
            .decide(req, |r| Ok(Command::PassReview { reason: r.reason }))
            .await?;
        Ok(Response::new(pb::PassReviewResponse { application }))
    }

    async fn refuse_review(
        &self,
        req: Request<pb::RefuseReviewRequest>,
    ) -> Res<pb::RefuseReviewResponse> {
        let application = self
            .decide(req, |r| Ok(Command::RefuseReview { reason: r.reason }))
            .await?;
        Ok(Response::new(pb::RefuseReviewResponse { application }))
    }

    async fn resolve_objection(
        &self,
        req: Request<pb::ResolveObjectionRequest>,
    ) -> Res<pb::ResolveObjectionResponse> {
        let application = self
            .decide(req, |r| {
                let resolution =
                    enums::required("resolution", enums::resolution("resolution", r.resolution))?;
                Ok(Command::ResolveObjection {
                    objection_id: r.objection_id,
                    resolution,
                    reason: r.reason,
                })
            })
            .await?;
        Ok(Response::new(pb::ResolveObjectionResponse { application }))
    }
}
