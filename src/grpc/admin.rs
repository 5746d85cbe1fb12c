//! AdminService: tokens and the clock.
use super::convert::{enums, views};
use super::pb::{self, admin_service_server::AdminService};
use super::{auth, status};
use crate::domain::calendar::china_date;
use crate::domain::flow::Refusal;
use crate::domain::types::Role;
use crate::engine::{Engine, Op, Reply};
use tonic::{Request, Response, Status};

pub struct Admin {
    pub engine: Engine,
}

type Res<T> = Result<Response<T>, Status>;

impl Admin {
    fn clock(&self) -> pb::ClockState {
        let now = self.engine.clock().now();
        pb::ClockState {
            now: Some(prost_types::Timestamp {
                seconds: now,
                nanos: 0,
            }),
            today: china_date(now).to_string(),
            offset_seconds: self.engine.clock().offset(),
            controllable: self.engine.clock().controllable,
        }
    }
}

fn unexpected(r: Reply) -> Status {
    Status::internal(format!("unexpected reply {r:?}"))
}

#[tonic::async_trait]
impl AdminService for Admin {
    async fn create_token(
        &self,
        req: Request<pb::CreateTokenRequest>,
    ) -> Res<pb::CreateTokenResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let role = enums::required("role", enums::role("role", r.role))?;
        let subject = Some(r.subject_credit_code).filter(|s| !s.trim().is_empty());
        match self
            .engine
            .execute(Op::CreateToken {
                actor,
                request_id: r.request_id,
                role,
                holder: r.holder,
                subject,
            })
            .await
            .map_err(status::status)?
        {
            Reply::Token(t) => Ok(Response::new(pb::CreateTokenResponse {
                token: t.token,
                info: Some(views::token(&t.record)),
            })),
            other => Err(unexpected(other)),
        }
    }

    async fn revoke_token(&self, req: Request<pb::RevokeTokenRequest>) -> Res<pb::TokenInfo> {
        let actor = auth::actor(&self.engine, &req)?;
        let token_id = req.into_inner().token_id;
        match self
            .engine
            .execute(Op::RevokeToken { actor, token_id })
            .await
            .map_err(status::status)?
        {
            Reply::TokenRecord(t) => Ok(Response::new(views::token(&t))),
            other => Err(unexpected(other)),
        }
    }

    async fn list_tokens(
        &self,
        req: Request<pb::ListTokensRequest>,
    ) -> Res<pb::ListTokensResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let tokens = self.engine.list_tokens(&actor).map_err(status::status)?;
        Ok(Response::new(pb::ListTokensResponse {
            tokens: tokens.iter().map(views::token).collect(),
        }))
    }

    async fn get_clock(&self, req: Request<pb::GetClockRequest>) -> Res<pb::ClockState> {
        let actor = auth::actor(&self.engine, &req)?;
        if actor.role != Role::Admin {
            return Err(status::refusal(Refusal::denied(
                "WRONG_ROLE",
                "the clock is an admin matter",
            )));
        }
        Ok(Response::new(self.clock()))
    }

    async fn advance_clock(&self, req: Request<pb::AdvanceClockRequest>) -> Res<pb::ClockState> {
        let actor = auth::actor(&self.engine, &req)?;
        let seconds = req.into_inner().seconds;
        match self
            .engine
            .execute(Op::AdvanceClock { actor, seconds })
            .await
            .map_err(status::status)?
        {
            Reply::Clock { .. } => Ok(Response::new(self.clock())),
            other => Err(unexpected(other)),
        }
    }
}
