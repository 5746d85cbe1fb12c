//! Flows in tests: a registrant's drafts and submissions (`Flow`), the staff decisions that
//! take an application to publicity and registration, the clock moves that end it.
use super::*;

/// Registrant-side helper: uploads an undertaking and creates + submits one application.
pub struct Flow {
    pub ch: Channel,
    pub registrant: String,
}

impl Flow {
    pub async fn materials(&self) -> pb::Materials {
        let mut m = example_materials();
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(self.ch.clone());
        let upload = pb::UploadAttachmentRequest {
            kind: pb::AttachmentKind::RegistrationUndertaking as i32,
            file_name: "承诺书.txt".into(),
            content: "本单位承诺所登记数据合法合规。".as_bytes().to_vec(),
        };
        m.attachments.push(
            reg.upload_attachment(authed(&self.registrant, upload))
                .await
                .carried()
                .expect("upload"),
        );
        m
    }

    pub async fn create(&self, materials: pb::Materials) -> Result<pb::Application, tonic::Status> {
        self.create_on(pb::RegistrationType::Initial, "", materials)
            .await
    }

    /// Creates an application of type `t` on `code` (empty: an initial registration).
    pub async fn create_on(
        &self,
        t: pb::RegistrationType,
        code: &str,
        materials: pb::Materials,
    ) -> Result<pb::Application, tonic::Status> {
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(self.ch.clone());
        let req = pb::CreateApplicationRequest {
            request_id: rid(),
            registration_type: t as i32,
            materials: Some(materials),
            target_code: code.into(),
        };
        reg.create_application(authed(&self.registrant, req))
            .await
            .carried()
    }

    pub async fn submit(&self, app: &pb::Application) -> Result<pb::Application, tonic::Status> {
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(self.ch.clone());
        let req = pb::SubmitApplicationRequest {
            request_id: rid(),
            application_id: app.id.clone(),
            publicity_text_sha256: app.publicity_text_sha256.clone(),
        };
        reg.submit_application(authed(&self.registrant, req))
            .await
            .carried()
    }

    /// The application as its registrant sees it.
    pub async fn get(&self, id: &str) -> pb::Application {
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(self.ch.clone());
        let req = pb::GetApplicationRequest {
            application_id: id.into(),
        };
        reg.get_application(authed(&self.registrant, req))
            .await
            .carried()
            .expect("get application")
    }

    pub async fn submitted(&self) -> pb::Application {
        let m = self.materials().await;
        let app = self.create(m).await.expect("create");
        self.submit(&app).await.expect("submit")
    }
}

/// The example materials (config/examples/materials.json), complete for data type 1 once an
/// undertaking is attached.
pub fn example_materials() -> pb::Materials {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/examples/materials.json");
    sjdj::grpc::json::from_json(
        "sjdj.v1.Materials",
        &std::fs::read_to_string(path).expect("read example"),
    )
    .expect("example parses")
}

/// Declares `fn $name(id, reason) -> pb::$request` for a decision request with a fresh
/// request id.
macro_rules! decisions {
    ($($name:ident: $request:ident),*) => {$(
        #[allow(dead_code)]
        pub fn $name(id: &str, reason: &str) -> pb::$request {
            pb::$request {
                request_id: rid(),
                application_id: id.into(),
                reason: reason.into(),
            }
        }
    )*};
}

decisions!(
    accept: AcceptApplicationRequest,
    refuse_acceptance: RefuseAcceptanceRequest,
    pass: PassReviewRequest,
    refuse_review: RefuseReviewRequest
);

/// A history step's name as the domain spells it (`SUBMITTED`), from its wire value.
#[allow(dead_code)]
pub fn step(v: i32) -> String {
    pb::Step::try_from(v)
        .map_or("?", |s| s.as_str_name())
        .trim_start_matches("STEP_")
        .to_string()
}

impl Node {
    /// Accepts (dev clerk) and passes review (dev reviewer): the application enters publicity.
    pub async fn to_publicity(&self, id: &str) -> pb::Application {
        let mut review = pb::review_service_client::ReviewServiceClient::new(self.channel().await);
        review
            .accept_application(authed(&self.token("clerk"), accept(id, "")))
            .await
            .carried()
            .expect("accept");
        review
            .pass_review(authed(&self.token("reviewer"), pass(id, "")))
            .await
            .carried()
            .expect("pass review")
    }

    /// Submits an application, takes it into publicity and moves the clock past it: the
    /// application as registered, with its code.
    pub async fn registered(&self) -> pb::Application {
        let app = self.in_publicity().await;
        self.advance_days(40).await;
        self.flow().await.get(&app.id).await
    }

    /// The dev registrant's Flow helper over a fresh channel.
    pub async fn flow(&self) -> Flow {
        Flow {
            ch: self.channel().await,
            registrant: self.token("registrant"),
        }
    }

    /// Submits an application (dev registrant) and takes it into publicity.
    pub async fn in_publicity(&self) -> pb::Application {
        let app = self.flow().await.submitted().await;
        self.to_publicity(&app.id).await
    }

    /// Moves the dev node's clock forward; ended publicity turns into codes before it returns.
    pub async fn advance_seconds(&self, seconds: i64) -> pb::ClockState {
        let mut admin = pb::admin_service_client::AdminServiceClient::new(self.channel().await);
        let req = pb::AdvanceClockRequest { seconds };
        admin
            .advance_clock(authed(&self.token("admin"), req))
            .await
            .carried()
            .expect("advance clock")
    }

    pub async fn advance_days(&self, days: i64) -> pb::ClockState {
        self.advance_seconds(days * 86_400).await
    }

    /// Every application, as the auditor sees them.
    pub async fn all_applications(&self) -> Vec<pb::Application> {
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(self.channel().await);
        let (mut all, mut page_token) = (Vec::new(), String::new());
        loop {
            let req = pb::ListApplicationsRequest {
                page_size: 500,
                page_token,
                ..Default::default()
            };
            let page = reg
                .list_applications(authed(&self.token("auditor"), req))
                .await
                .expect("list")
                .into_inner();
            all.extend(page.applications);
            if page.next_page_token.is_empty() {
                return all;
            }
            page_token = page.next_page_token;
        }
    }
}
