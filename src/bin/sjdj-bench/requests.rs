//! The requests: complete materials for a public data resource (data type 1).
use super::*;

pub(super) struct Ctx {
    pub(super) run: String,
    pub(super) materials: pb::Materials,
    pub(super) tokens: HashMap<String, MetadataValue<Ascii>>,
}

impl Ctx {
    /// A request carrying the bearer token of `role`.
    pub(super) fn req<T>(&self, role: &str, msg: T) -> Request<T> {
        let mut r = Request::new(msg);
        r.metadata_mut()
            .insert("authorization", self.tokens[role].clone());
        r
    }
}

impl Ctx {
    /// A registrant's CreateApplication of the bench's materials under `request_id`.
    pub(super) fn create(&self, request_id: String) -> Request<pb::CreateApplicationRequest> {
        let create = pb::CreateApplicationRequest {
            request_id,
            registration_type: pb::RegistrationType::Initial as i32,
            materials: Some(self.materials.clone()),
            target_code: String::new(),
        };
        self.req("registrant", create)
    }
}

pub(super) fn load_tokens(path: &Path) -> anyhow::Result<HashMap<String, MetadataValue<Ascii>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let map: HashMap<String, String> =
        serde_json::from_str(&text).with_context(|| format!("parse {}", path.display()))?;
    let token = |role: &str| {
        map.get(role)
            .ok_or_else(|| anyhow!("{} has no {role} token", path.display()))
    };
    ["registrant", "clerk", "reviewer", "admin"]
        .iter()
        .map(|r| Ok((r.to_string(), format!("Bearer {}", token(r)?).parse()?)))
        .collect()
}

pub(super) fn materials(undertaking: pb::AttachmentRef) -> pb::Materials {
    let s = |x: &str| x.to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let contact = pb::Contact {
        name: s("林测试"),
        phone: s("0591-87000000"),
        ..Default::default()
    };
    let field = pb::Field {
        name: s("统一社会信用代码"),
        r#type: s("string"),
        description: s("市场主体的代码"),
    };
    pb::Materials {
        subject: Some(pb::Subject {
            name: s("福州市大数据管理局"),
            credit_code: s(SUBJECT),
            kind: pb::SubjectKind::GovernmentDepartment as i32,
            region: s("350100"),
            contact: Some(contact),
            agent: None,
        }),
        source: Some(pb::Source {
            basis: pb::SourceBasis::StatutoryDuty as i32,
            statutory_duty: s("依法履行市场主体登记职责"),
            authorisation: None,
        }),
        resource: Some(pb::Resource {
            name: s("福州市市场主体登记信息"),
            summary: s("福州市市场主体的登记、变更和注销信息。"),
            data_type: pb::DataType::PublicDataResource as i32,
            industry: s("公共管理"),
            format: s("CSV"),
            fields: vec![field],
            volume: s("120万条"),
            time_span: s("2015-2026"),
            update_frequency: s("每日"),
            storage_location: s("福州市政务云"),
            classification: s("市场监管"),
            grade: pb::DataGrade::General as i32,
            access_mode: pb::AccessMode::Shared as i32,
        }),
        evidence: Some(pb::Evidence {
            sha256: hex::encode(Sha256::digest(b"sjdj-bench sample")),
            taken_at: Some(prost_types::Timestamp {
                seconds: now,
                nanos: 0,
            }),
            description: s("样例数据摘要"),
        }),
        security: Some(pb::SecurityAssessment {
            conclusion: s("已完成安全评估，风险可控"),
            ..Default::default()
        }),
        attachments: vec![undertaking],
        ..Default::default()
    }
}

pub(super) type Failed = (&'static str, Status);

/// Creates a draft and submits it (two durable writes); returns the application id.
pub(super) async fn create_submit(
    reg: &mut RegClient<Channel>,
    ctx: &Ctx,
    rid: &str,
    s: &mut Samples,
) -> Result<String, Failed> {
    let t0 = Instant::now();
    let app = reg
        .create_application(ctx.create(format!("{rid}-c")))
        .await
        .carried()
        .map_err(|e| (CREATE, e))?;
    s.time(CREATE, t0);
    let t1 = Instant::now();
    let (application_id, publicity_text_sha256) = (app.id.clone(), app.publicity_text_sha256);
    let submit = pb::SubmitApplicationRequest {
        request_id: format!("{rid}-s"),
        application_id,
        publicity_text_sha256,
    };
    reg.submit_application(ctx.req("registrant", submit))
        .await
        .map_err(|e| (SUBMIT, e))?;
    s.time(SUBMIT, t1);
    s.time(PAIR, t0);
    Ok(app.id)
}
