//! RegistrationService: the registrant's side of the flow.
use super::convert::{enums, materials::materials};
use super::pb::{self, registration_service_server::RegistrationService};
use super::{auth, page_after, run_flow, status};
use crate::domain::flow::Command;
use crate::engine::Engine;
use tonic::{Request, Response, Status};

pub struct Registration {
    pub engine: Engine,
    /// Becomes true when the node shuts down: open notification streams end.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

type Res<T> = Result<Response<T>, Status>;

/// An application as its registrant may see it: objectors' contacts are for staff only.
fn for_registrant(app: &crate::domain::flow::Application) -> pb::Application {
    let mut a: pb::Application = app.into();
    for o in &mut a.objections {
        o.objector_contact.clear();
    }
    a
}

impl Registration {
    async fn flow(
        &self,
        actor: crate::domain::types::Actor,
        request_id: String,
        id: String,
        command: Command,
    ) -> Result<Option<pb::Application>, Status> {
        let (app, _) = run_flow(&self.engine, actor, request_id, Some(id), command).await?;
        Ok(Some(for_registrant(&app)))
    }
}

#[tonic::async_trait]
impl RegistrationService for Registration {
    async fn create_application(
        &self,
        req: Request<pb::CreateApplicationRequest>,
    ) -> Res<pb::CreateApplicationResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let registration_type = enums::required(
            "registration_type",
            enums::registration_type("registration_type", r.registration_type),
        )?;
        let command = Command::Create {
            id: String::new(),
            registration_type,
            materials: materials(r.materials)?,
            target_code: Some(r.target_code).filter(|c| !c.trim().is_empty()),
        };
        let (app, _) = run_flow(&self.engine, actor, r.request_id, None, command).await?;
        Ok(Response::new(pb::CreateApplicationResponse {
            application: Some(for_registrant(&app)),
        }))
    }

    async fn update_application(
        &self,
        req: Request<pb::UpdateApplicationRequest>,
    ) -> Res<pb::UpdateApplicationResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let application = self
            .flow(
                actor,
                r.request_id,
                r.application_id,
                Command::Edit {
                    materials: materials(r.materials)?,
                },
            )
            .await?;
        Ok(Response::new(pb::UpdateApplicationResponse { application }))
    }

    async fn submit_application(
        &self,
        req: Request<pb::SubmitApplicationRequest>,
    ) -> Res<pb::SubmitApplicationResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let application = self
            .flow(
                actor,
                r.request_id,
                r.application_id,
                Command::Submit {
                    publicity_text_sha256: r.publicity_text_sha256,
                },
            )
            .await?;
        Ok(Response::new(pb::SubmitApplicationResponse { application }))
    }

    async fn supplement_application(
        &self,
        req: Request<pb::SupplementApplicationRequest>,
    ) -> Res<pb::SupplementApplicationResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let command = Command::Supplement {
            materials: materials(r.materials)?,
            note: r.note,
            publicity_text_sha256: r.publicity_text_sha256,
        };
        let application = self
            .flow(actor, r.request_id, r.application_id, command)
            .await?;
        Ok(Response::new(pb::SupplementApplicationResponse {
            application,
        }))
    }

    async fn withdraw_application(
        &self,
        req: Request<pb::WithdrawApplicationRequest>,
    ) -> Res<pb::WithdrawApplicationResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let application = self
            .flow(
                actor,
                r.request_id,
                r.application_id,
                Command::Withdraw { reason: r.reason },
            )
            .await?;
        Ok(Response::new(pb::WithdrawApplicationResponse {
            application,
        }))
    }

    async fn get_application(
        &self,
        req: Request<pb::GetApplicationRequest>,
    ) -> Res<pb::GetApplicationResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let app = self
            .engine
            .get_application(&actor, &req.get_ref().application_id)
            .map_err(status::status)?;
        Ok(Response::new(pb::GetApplicationResponse {
            application: Some(for_registrant(&app)),
        }))
    }

    async fn list_applications(
        &self,
        req: Request<pb::ListApplicationsRequest>,
    ) -> Res<pb::ListApplicationsResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let state = enums::state("state", r.state)?;
        let page = self
            .engine
            .list_applications(&actor, state, r.page_size, page_after(&r.page_token))
            .map_err(status::status)?;
        Ok(Response::new(pb::ListApplicationsResponse {
            applications: page.items.iter().map(for_registrant).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    type WatchApplicationsStream = super::watch::Stream;

    async fn watch_applications(
        &self,
        req: Request<pb::WatchApplicationsRequest>,
    ) -> Res<Self::WatchApplicationsStream> {
        let actor = auth::actor(&self.engine, &req)?;
        let stream = super::watch::start(
            self.engine.clone(),
            self.stopping.clone(),
            &actor,
            &req.get_ref().after_cursor,
        )?;
        Ok(Response::new(stream))
    }

    async fn upload_attachment(
        &self,
        req: Request<pb::UploadAttachmentRequest>,
    ) -> Res<pb::UploadAttachmentResponse> {
        let actor = auth::actor(&self.engine, &req)?;
        let r = req.into_inner();
        let kind = enums::required("kind", enums::attachment_kind("kind", r.kind))?;
        let stored = self
            .engine
            .upload_attachment(&actor, &r.file_name, r.content)
            .await
            .map_err(status::status)?;
        Ok(Response::new(pb::UploadAttachmentResponse {
            attachment: Some(pb::AttachmentRef {
                kind: enums::attachment_kind_pb(kind),
                sha256: stored.sha256,
                file_name: r.file_name,
                size: stored.size,
            }),
        }))
    }
}
