//! AdminService: tokens, the clock, and on the national node the trust list and alarms.
use super::convert::{enums, views};
use super::pb::{self, admin_service_server::AdminService};
use super::{auth, status};
use crate::domain::calendar::china_date;
use crate::domain::flow::Refusal;
use crate::domain::types::Role;
use crate::engine::commands::{AdvanceClock, CreateToken, Host, RevokeToken, Trust};
use crate::engine::Engine;
use crate::log::entry::Body;
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

impl Admin {
    /// Runs a trust-list change; answers with the node's entry after it.
    async fn trust(
        &self,
        actor: crate::domain::types::Actor,
        body: Body,
    ) -> Result<Option<pb::TrustedNode>, Status> {
        let node = self
            .engine
            .execute(Trust { actor, body })
            .await
            .map_err(status::status)?;
        Ok(Some(super::federation::trusted_node(&node)))
    }
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
        let t = self
            .engine
            .execute(CreateToken {
                actor,
                request_id: r.request_id,
                role,
                holder: r.holder,
                subject,
                ttl_days: r.ttl_days,
            })
            .await
            .map_err(status::status)?;
        Ok(Response::new(pb::CreateTokenResponse {
            token: t.token,
            info: Some(views::token(&t.record)),
        }))
    }

    async fn revoke_token(
        &self,
        req: Request<pb::RevokeTokenRequest>,
    ) -> Res<pb::RevokeTokenResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let token_id = req.into_inner().token_id;
        let t = self
            .engine
            .execute(RevokeToken { actor, token_id })
            .await
            .map_err(status::status)?;
        Ok(Response::new(pb::RevokeTokenResponse {
            token: Some(views::token(&t)),
        }))
    }

    async fn list_tokens(
        &self,
        req: Request<pb::ListTokensRequest>,
    ) -> Res<pb::ListTokensResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let page = self
            .engine
            .list_tokens(&actor, r.page_size, &r.page_token)
            .map_err(status::status)?;
        Ok(Response::new(pb::ListTokensResponse {
            tokens: page.items.iter().map(views::token).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn get_clock(&self, req: Request<pb::GetClockRequest>) -> Res<pb::GetClockResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        if actor.role != Role::Admin {
            return Err(status::refusal(Refusal::denied(
                "WRONG_ROLE",
                "the clock is an admin matter",
            )));
        }
        Ok(Response::new(pb::GetClockResponse {
            clock: Some(self.clock()),
        }))
    }

    async fn advance_clock(
        &self,
        req: Request<pb::AdvanceClockRequest>,
    ) -> Res<pb::AdvanceClockResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let seconds = req.into_inner().seconds;
        self.engine
            .execute(AdvanceClock { actor, seconds })
            .await
            .map_err(status::status)?;
        Ok(Response::new(pb::AdvanceClockResponse {
            clock: Some(self.clock()),
        }))
    }

    async fn delegate_region(
        &self,
        req: Request<pb::DelegateRegionRequest>,
    ) -> Res<pb::DelegateRegionResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let body = Body::Delegated {
            node_id: r.node_id,
            region: r.region,
            key: r.public_key,
        };
        let node = self.trust(actor, body).await?;
        Ok(Response::new(pb::DelegateRegionResponse { node }))
    }

    async fn rotate_node_key(
        &self,
        req: Request<pb::RotateNodeKeyRequest>,
    ) -> Res<pb::RotateNodeKeyResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let body = Body::KeyRotated {
            node_id: r.node_id,
            key: r.public_key,
        };
        let node = self.trust(actor, body).await?;
        Ok(Response::new(pb::RotateNodeKeyResponse { node }))
    }

    async fn revoke_node_key(
        &self,
        req: Request<pb::RevokeNodeKeyRequest>,
    ) -> Res<pb::RevokeNodeKeyResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let body = Body::KeyRevoked {
            node_id: r.node_id,
            reason: r.reason,
        };
        let node = self.trust(actor, body).await?;
        Ok(Response::new(pb::RevokeNodeKeyResponse { node }))
    }

    type BackupStream = super::backup::Stream;

    async fn backup(&self, req: Request<pb::BackupRequest>) -> Res<Self::BackupStream> {
        let actor = auth::actor(&self.engine, &req)?;
        Ok(Response::new(
            super::backup::backup(&self.engine, actor).await?,
        ))
    }

    async fn get_log_openings(
        &self,
        req: Request<pb::GetLogOpeningsRequest>,
    ) -> Res<pb::GetLogOpeningsResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let index = req.get_ref().index;
        let openings = self
            .engine
            .log_openings(&actor, index)
            .map_err(status::status)?;
        Ok(Response::new(pb::GetLogOpeningsResponse {
            index,
            openings: openings
                .into_iter()
                .map(|o| pb::LogOpening {
                    field: o.field,
                    salt: o.salt,
                    value: o.value,
                })
                .collect(),
        }))
    }

    async fn list_alarms(
        &self,
        req: Request<pb::ListAlarmsRequest>,
    ) -> Res<pb::ListAlarmsResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let page = self
            .engine
            .alarms_for(&actor, r.page_size, &r.page_token)
            .map_err(status::status)?;
        Ok(Response::new(pb::ListAlarmsResponse {
            next_page_token: page.next.unwrap_or_default(),
            alarms: page
                .items
                .into_iter()
                .map(|a| pb::Alarm {
                    number: a.number,
                    node_id: a.node_id,
                    kind: enums::alarm_kind_pb(a.kind),
                    message: a.message,
                    raised_at: Some(prost_types::Timestamp {
                        seconds: a.at,
                        nanos: 0,
                    }),
                    evidence: a.evidence,
                })
                .collect(),
        }))
    }

    async fn host_region(
        &self,
        req: Request<pb::HostRegionRequest>,
    ) -> Res<pb::HostRegionResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let region = req.into_inner().region;
        let region = self
            .engine
            .execute(Host { actor, region })
            .await
            .map_err(status::status)?;
        Ok(Response::new(pb::HostRegionResponse { region }))
    }

    async fn hand_over_region(
        &self,
        req: Request<pb::HandOverRegionRequest>,
    ) -> Res<pb::HandOverRegionResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let body = Body::HandedOver {
            region: r.region,
            node_id: r.node_id,
            key: r.public_key,
            // Filled in by the engine from what it minted while hosting.
            serials: Default::default(),
            codes: Vec::new(),
        };
        let node = self.trust(actor, body).await?;
        Ok(Response::new(pb::HandOverRegionResponse { node }))
    }
}
