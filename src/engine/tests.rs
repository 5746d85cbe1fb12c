//! The engine over the in-memory store: the flow end to end through the single writer, plus what
//! the engine adds to the pure rules — ids, idempotency, tokens, attachments, minting, signing,
//! reads — and that a refusal writes nothing at all.
use super::commands::*;
use super::*;
use crate::domain::codes::UnifiedCode;
use crate::domain::flow::{publicity_text, Application, Command, State};
use crate::domain::materials::*;
use crate::domain::record::RecordStatus;
use crate::domain::types::*;
use crate::store::memory::MemoryStore;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

const OWN: &str = "91350100M000100Y43";
const OTHER: &str = "91110000802100433B";
const DAY: i64 = 86_400;
/// Outlasts 10 working days of publicity even across the longest holiday.
const PAST_PUBLICITY: i64 = 40;

fn config() -> EngineConfig {
    EngineConfig::for_tests()
}

fn admin() -> Actor {
    let (id, holder) = ("bootstrap".into(), "root".into());
    Actor {
        id,
        role: Role::Admin,
        holder,
        subject: None,
    }
}

/// The reason code of a refusal; anything else fails the test.
fn reason<T>(r: Result<T, EngineError>) -> &'static str {
    match r {
        Err(EngineError::Refused(refusal)) => refusal.reason,
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(_) => panic!("expected a refusal, got success"),
    }
}

fn app_of(r: Result<Applied, EngineError>) -> Application {
    match r {
        Ok(Applied { app, .. }) => *app,
        Err(e) => panic!("refused: {e}"),
    }
}

/// Every key and value in the store, to prove a refusal wrote nothing.
fn snapshot(e: &Engine) -> Vec<(Vec<u8>, Vec<u8>)> {
    e.store().scan(b"", None, usize::MAX).unwrap()
}

fn create(materials: Materials) -> Command {
    let (id, registration_type) = (String::new(), RegistrationType::Initial);
    Command::Create {
        id,
        registration_type,
        materials,
        target_code: None,
    }
}

fn accept() -> Command {
    Command::Accept { reason: "".into() }
}

/// A node with one token per role; each test drives it through `execute`.
struct Node {
    engine: Engine,
    registrant: Actor,
    other: Actor,
    clerk: Actor,
    reviewer: Actor,
    /// The uploaded registration undertaking every application attaches.
    undertaking: AttachmentRef,
    /// Source of fresh request ids.
    requests: AtomicU64,
}

impl Node {
    async fn start(cfg: EngineConfig) -> Node {
        Node::on(Arc::new(MemoryStore::new()), cfg).await
    }

    async fn on(store: crate::store::DynStore, cfg: EngineConfig) -> Node {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let engine = Engine::start(store, key, cfg).unwrap();
        let bytes = "本单位承诺所填信息真实".as_bytes().to_vec();
        let Ok(Attachment { sha256, size }) = engine
            .execute(PutAttachment {
                subject: OWN.into(),
                bytes,
            })
            .await
        else {
            panic!("upload failed")
        };
        let (kind, file_name) = (AttachmentKind::RegistrationUndertaking, "承诺书.pdf".into());
        let undertaking = AttachmentRef {
            kind,
            sha256,
            file_name,
            size,
        };
        let (registrant, other, clerk, reviewer) = (admin(), admin(), admin(), admin());
        let requests = AtomicU64::new(0);
        let mut n = Node {
            engine,
            registrant,
            other,
            clerk,
            reviewer,
            undertaking,
            requests,
        };
        n.registrant = n.token(Role::Registrant, "张三", Some(OWN)).await.1;
        n.other = n.token(Role::Registrant, "李四", Some(OTHER)).await.1;
        n.clerk = n.token(Role::Clerk, "clerk-li", None).await.1;
        n.reviewer = n.token(Role::Reviewer, "reviewer-wang", None).await.1;
        n
    }

    fn request_id(&self) -> String {
        format!("r{}", self.requests.fetch_add(1, Ordering::SeqCst))
    }

    fn token_op(&self, by: &Actor, role: Role, holder: &str, subject: Option<&str>) -> CreateToken {
        let (actor, request_id, holder) = (by.clone(), self.request_id(), holder.into());
        let subject = subject.map(Into::into);
        CreateToken {
            actor,
            request_id,
            role,
            holder,
            subject,
            ttl_days: 0,
        }
    }

    /// Issues a token and returns its secret and the actor it authenticates as.
    async fn token(&self, role: Role, holder: &str, subject: Option<&str>) -> (String, Actor) {
        let op = self.token_op(&admin(), role, holder, subject);
        let Ok(t) = self.engine.execute(op).await else {
            panic!("no token")
        };
        (t.token.clone(), self.engine.authenticate(&t.token).unwrap())
    }

    fn materials(&self, subject: &str) -> Materials {
        let mut m = Materials::default();
        let s = &mut m.subject;
        (s.name, s.credit_code) = ("广州市政务服务数据管理局".into(), subject.into());
        (s.kind, s.region) = (Some(SubjectKind::GovernmentDepartment), "440100".into());
        (s.contact.name, s.contact.phone) = ("张三".into(), "020-12345678".into());
        m.source.basis = Some(SourceBasis::StatutoryDuty);
        m.source.statutory_duty = "法定职责".into();
        let r = &mut m.resource;
        (r.name, r.summary) = ("企业登记信息".into(), "全市市场主体的登记信息".into());
        r.data_type = Some(DataType::PublicDataResource);
        (r.industry, r.format, r.classification) =
            ("公共管理".into(), "CSV".into(), "市场监管".into());
        r.fields = vec![Field::default()];
        r.fields[0].name = "名称".into();
        (r.volume, r.time_span) = ("100万条".into(), "2020-2025".into());
        (r.update_frequency, r.storage_location) = ("每日".into(), "政务云".into());
        (r.grade, r.access_mode) = (Some(DataGrade::General), Some(AccessMode::Shared));
        (m.evidence.sha256, m.evidence.taken_at) = ("ab".repeat(32), 1_767_225_600);
        m.security.conclusion = "风险可控".into();
        m.attachments = vec![self.undertaking.clone()];
        m
    }

    async fn try_flow(
        &self,
        who: &Actor,
        id: Option<&str>,
        command: Command,
    ) -> Result<Applied, EngineError> {
        let (actor, request_id, application_id) =
            (who.clone(), self.request_id(), id.map(Into::into));
        let op = FlowStep {
            actor,
            request_id,
            application_id,
            command: Box::new(command),
        };
        self.engine.execute(op).await
    }

    async fn flow(&self, who: &Actor, id: Option<&str>, command: Command) -> Application {
        app_of(self.try_flow(who, id, command).await)
    }

    async fn submitted(&self, who: &Actor, m: Materials) -> String {
        let app = self.flow(who, None, create(m)).await;
        let text = publicity_text(app.registration_type, &app.materials);
        let publicity_text_sha256 = hex::encode(Sha256::digest(text));
        let submit = Command::Submit {
            publicity_text_sha256,
        };
        self.flow(who, Some(&app.id), submit).await;
        app.id
    }

    async fn in_publicity(&self) -> String {
        let id = self.submitted(&self.registrant, self.materials(OWN)).await;
        self.flow(&self.clerk, Some(&id), accept()).await;
        let pass = Command::PassReview { reason: "".into() };
        let app = self.flow(&self.reviewer, Some(&id), pass).await;
        assert_eq!(app.state, State::InPublicity);
        id
    }

    /// Moves the node's clock on; the engine sweeps what fell due in the skipped days.
    async fn advance(&self, days: i64) {
        let (actor, seconds) = (admin(), days * DAY);
        let op = AdvanceClock { actor, seconds };
        self.engine.execute(op).await.unwrap();
    }

    fn app(&self, id: &str) -> Application {
        self.engine.get_application(&self.clerk, id).unwrap()
    }

    fn code(&self, id: &str) -> UnifiedCode {
        UnifiedCode::parse(self.app(id).code.as_deref().expect("registered")).unwrap()
    }
}

#[tokio::test]
async fn full_flow_mints_serial_codes_with_verifiable_certificates() {
    let n = Node::start(config()).await;
    let (a, b) = (n.in_publicity().await, n.in_publicity().await);
    let notices = n.engine.publicity(0, "").unwrap().items;
    let listed: Vec<&str> = notices.iter().map(|app| app.id.as_str()).collect();
    assert_eq!(listed, [a.as_str(), b.as_str()]);
    n.advance(PAST_PUBLICITY).await;
    assert!(n.engine.publicity(0, "").unwrap().items.is_empty());
    for (id, serial) in [(&a, 1), (&b, 2)] {
        let (app, code) = (n.app(id), n.code(id));
        assert_eq!(app.state, State::Registered);
        assert_eq!(app.decisions.last().unwrap().step, "CERTIFICATE_ISSUED");
        let parts = (code.region.to_string(), code.serial, code.data_type);
        assert_eq!(
            parts,
            ("440000".into(), serial, DataType::PublicDataResource)
        );
        assert_eq!(i32::from(code.year), n.engine.today().year());

        let view = n
            .engine
            .certificate(Some(&code.to_string()), 0, None)
            .unwrap();
        let cert = view.signed.verify(&n.engine.verifying_key()).unwrap();
        let issued = (cert.code, cert.version, cert.subject_credit_code.as_str());
        assert_eq!(issued, (code, 1, OWN));
        let validity = (Some(cert.valid_from), Some(cert.valid_until));
        assert_eq!(validity, (app.valid_from, app.valid_until));
        let verified = n.engine.verify(view.signed.as_bytes().to_vec()).unwrap();
        assert!(verified.valid, "{}", verified.message);
        assert_eq!(verified.status, Some(RecordStatus::Valid));
        // Query codes may be typed in either case; both lead to the same signed bytes.
        let typed = view.query_code.to_uppercase();
        let by_query = n.engine.certificate(None, 0, Some(&typed)).unwrap();
        assert_eq!(by_query.signed, view.signed);
        let (record, history) = n.engine.get_record(&code.to_string()).unwrap();
        let v1 = &record.versions[0];
        assert_eq!((&v1.query_code, &v1.application_id), (&view.query_code, id));
        assert_eq!(history.len(), app.decisions.len());
    }
}

#[tokio::test]
async fn tampered_certificates_do_not_verify() {
    let n = Node::start(config()).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let view = n
        .engine
        .certificate(Some(&n.code(&id).to_string()), 0, None);
    let good = view.unwrap().signed.into_bytes();
    let mut bytes = good.clone();
    *bytes.last_mut().unwrap() ^= 1;
    let v = n.engine.verify(bytes).unwrap();
    assert_eq!((v.valid, v.reason), (false, "CERT_BAD_SIGNATURE"));
    // Any flipped byte fails: as a framing or field error, or else as a bad signature.
    for i in (0..good.len()).step_by(7) {
        let mut bytes = good.clone();
        bytes[i] ^= 0x20;
        let v = n.engine.verify(bytes).unwrap();
        assert!(
            !v.valid && v.reason.starts_with("CERT_"),
            "byte {i}: {}",
            v.reason
        );
    }
}

#[tokio::test]
async fn retried_request_returns_the_first_result() {
    let n = Node::start(config()).await;
    let op = |materials| {
        let (actor, request_id) = (n.registrant.clone(), "create-1".into());
        let (application_id, command) = (None, create(materials));
        FlowStep {
            actor,
            request_id,
            application_id,
            command: Box::new(command),
        }
    };
    let first = app_of(n.engine.execute(op(n.materials(OWN))).await);
    let again = app_of(n.engine.execute(op(n.materials(OWN))).await);
    assert_eq!(first, again);
    let mine = n
        .engine
        .list_applications(&n.registrant, None, 0, "")
        .unwrap();
    assert_eq!(mine.items.len(), 1, "a retry creates no second application");
    let mut changed = n.materials(OWN);
    changed.resource.name = "另一份数据".into();
    let before = snapshot(&n.engine);
    assert_eq!(
        reason(n.engine.execute(op(changed)).await),
        "REQUEST_ID_REUSED"
    );
    assert_eq!(snapshot(&n.engine), before);
}

/// A retry's first answer is rebuilt from the log once the application has moved on: no revision
/// keeps a copy of the whole state, yet each retry gets exactly what it first got.
#[tokio::test]
async fn a_retry_after_later_steps_returns_the_state_it_first_returned() {
    let n = Node::start(config()).await;
    let run = |who: &Actor, rid: &str, id: Option<&str>, command: Command| FlowStep {
        actor: who.clone(),
        request_id: rid.into(),
        application_id: id.map(Into::into),
        command: Box::new(command),
    };
    let created = app_of(
        n.engine
            .execute(run(&n.registrant, "c", None, create(n.materials(OWN))))
            .await,
    );
    let id = created.id.clone();
    let mut edited = n.materials(OWN);
    edited.resource.summary = "改过的摘要".into();
    let edit = || Command::Edit {
        materials: edited.clone(),
    };
    let after_edit = app_of(
        n.engine
            .execute(run(&n.registrant, "e", Some(&id), edit()))
            .await,
    );
    let text = publicity_text(after_edit.registration_type, &after_edit.materials);
    let publicity_text_sha256 = hex::encode(Sha256::digest(text));
    let submit = || Command::Submit {
        publicity_text_sha256: publicity_text_sha256.clone(),
    };
    n.engine
        .execute(run(&n.registrant, "s", Some(&id), submit()))
        .await
        .unwrap();
    let accepted = app_of(
        n.engine
            .execute(run(&n.clerk, "a", Some(&id), accept()))
            .await,
    );
    n.flow(
        &n.reviewer,
        Some(&id),
        Command::PassReview { reason: "".into() },
    )
    .await;
    let now = n.app(&id);
    assert_eq!(now.revision, 5);
    let again = app_of(
        n.engine
            .execute(run(&n.registrant, "c", None, create(n.materials(OWN))))
            .await,
    );
    assert_eq!(again, created, "the create's retry");
    let again = app_of(
        n.engine
            .execute(run(&n.registrant, "e", Some(&id), edit()))
            .await,
    );
    assert_eq!(again, after_edit, "the edit's retry");
    let again = app_of(
        n.engine
            .execute(run(&n.clerk, "a", Some(&id), accept()))
            .await,
    );
    assert_eq!(
        again, accepted,
        "the acceptance's retry, with the clerk who accepted"
    );
    assert_eq!(again.accepted_by.as_deref(), Some(n.clerk.holder.as_str()));
    assert_eq!(n.app(&id), now, "retries wrote nothing");
    // Stored once: one value per application, none per revision.
    assert!(n.engine.store().scan(b"appv/", None, 1).unwrap().is_empty());
}

/// Stores written before the state moved into `app/{id}` hold a revision pointer there and a
/// snapshot per revision under `appv/`: they still read, and the next step writes the state.
#[tokio::test]
async fn a_store_with_per_revision_snapshots_still_reads() {
    let n = Node::start(config()).await;
    let app = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    let legacy = crate::store::Batch {
        ops: vec![
            (
                keys::app_version(&app.id, app.revision),
                Some(crate::store::codec::encode(&app)),
            ),
            (
                keys::app(&app.id),
                Some(app.revision.to_be_bytes().to_vec()),
            ),
        ],
    };
    n.engine.store().apply(legacy).unwrap();
    assert_eq!(n.app(&app.id), app);
    let listed = n.engine.list_applications(&n.clerk, None, 0, "").unwrap();
    assert_eq!(listed.items, vec![app.clone()]);
    let mut m = n.materials(OWN);
    m.resource.summary = "改过".into();
    let edited = n
        .flow(&n.registrant, Some(&app.id), Command::Edit { materials: m })
        .await;
    assert_eq!(n.app(&app.id), edited);
    assert!(
        n.engine
            .store()
            .get(&keys::app(&app.id))
            .unwrap()
            .unwrap()
            .len()
            > 8
    );
}

#[tokio::test]
async fn a_refused_command_writes_nothing() {
    let n = Node::start(config()).await;
    let id = n.submitted(&n.registrant, n.materials(OWN)).await;
    let before = snapshot(&n.engine);
    let refused = n.try_flow(&n.registrant, Some(&id), accept()).await;
    assert_eq!(reason(refused), "WRONG_ROLE");
    let withdraw = Command::Withdraw { reason: "".into() };
    let theirs = n.try_flow(&n.other, Some(&id), withdraw).await;
    let missing = n.try_flow(&n.other, Some("A9999999999"), accept()).await;
    // Another subject's application is answered as if it did not exist.
    assert_eq!(reason(theirs), "NOT_FOUND");
    assert_eq!(reason(missing), "NOT_FOUND");
    let missing = n.try_flow(&n.clerk, Some("A9999999999"), accept()).await;
    assert_eq!(reason(missing), "NOT_FOUND");
    // Create draws an id from a counter before the rules refuse it: that draw must vanish too.
    let mut bad = n.materials(OWN);
    bad.subject.contact.phone = "电话".into();
    let refused = n.try_flow(&n.registrant, None, create(bad)).await;
    assert_eq!(reason(refused), "MATERIALS_INVALID");
    let register = Command::Register { code: "1".into() };
    let refused = n.try_flow(&Actor::system(), Some(&id), register).await;
    assert_eq!(reason(refused), "WRONG_ROLE");
    assert_eq!(snapshot(&n.engine), before);
}

#[tokio::test]
async fn tokens_are_bound_to_role_and_subject_and_can_be_revoked() {
    let n = Node::start(config()).await;
    let (token, actor) = n.token(Role::Auditor, "auditor-qian", None).await;
    let who = (actor.role, actor.holder.as_str(), actor.subject.as_deref());
    assert_eq!(who, (Role::Auditor, "auditor-qian", None));
    let token_id = actor.id.clone();
    let revoke = RevokeToken {
        actor: admin(),
        token_id,
    };
    n.engine.execute(revoke).await.unwrap();
    let revoked = n.engine.authenticate(&token);
    assert!(matches!(revoked, Err(EngineError::Unauthenticated(_))));
    let unknown = n.engine.authenticate("sjdj_unknown");
    assert!(matches!(unknown, Err(EngineError::Unauthenticated(_))));
    let bad_check = Some("91350100M000100Y44");
    for (by, role, subject, want) in [
        (admin(), Role::Registrant, None, "SUBJECT_REQUIRED"),
        (
            admin(),
            Role::Registrant,
            bad_check,
            "CREDIT_CODE_BAD_CHECK_CHARACTER",
        ),
        (admin(), Role::Clerk, Some(OWN), "SUBJECT_NOT_ALLOWED"),
        (admin(), Role::System, None, "BAD_ROLE"),
        (n.clerk.clone(), Role::Clerk, None, "WRONG_ROLE"),
    ] {
        let refused = n
            .engine
            .execute(n.token_op(&by, role, "某人", subject))
            .await;
        assert_eq!(reason(refused), want);
    }
    let (actor, token_id) = (n.clerk.clone(), actor.id);
    let revoke = RevokeToken { actor, token_id };
    assert_eq!(reason(n.engine.execute(revoke).await), "WRONG_ROLE");
}

#[tokio::test]
async fn a_token_expires_on_the_node_clock_and_its_lifetime_is_bounded() {
    let n = Node::start(config()).await;
    let issue = |ttl_days| CreateToken {
        actor: admin(),
        request_id: format!("ttl-{ttl_days}"),
        role: Role::Clerk,
        holder: "受理员".into(),
        subject: None,
        ttl_days,
    };
    let Ok(t) = n.engine.execute(issue(2)).await else {
        panic!("token not issued")
    };
    assert_eq!(t.record.expires_at, t.record.created_at + 2 * 86_400);
    let Ok(default) = n.engine.execute(issue(0)).await else {
        panic!("token not issued")
    };
    assert_eq!(
        default.record.expires_at,
        default.record.created_at + 365 * 86_400
    );
    n.engine.authenticate(&t.token).unwrap();
    n.advance(1).await;
    n.engine.authenticate(&t.token).unwrap();
    n.advance(1).await;
    let expired = n.engine.authenticate(&t.token).unwrap_err();
    assert!(
        matches!(&expired, EngineError::TokenExpired(m) if m.contains(&t.record.token_id)),
        "{expired}"
    );
    n.engine.authenticate(&default.token).unwrap();
    let listed = n.engine.list_tokens(&admin(), 0, "").unwrap().items;
    assert!(listed.iter().all(|r| r.expires_at > r.created_at));
    assert_eq!(
        reason(n.engine.execute(issue(3651)).await),
        "TOKEN_TTL_TOO_LONG"
    );
}

/// Tokens and alarms are listed a page at a time; following the tokens covers each list once.
#[tokio::test]
async fn tokens_and_alarms_are_paged() {
    let n = Node::start(config()).await;
    let all = n.engine.list_tokens(&admin(), 0, "").unwrap();
    assert!(
        all.items.len() >= 3 && all.next.is_none(),
        "{}",
        all.items.len()
    );
    let (mut seen, mut after) = (Vec::new(), String::new());
    loop {
        let page = n.engine.list_tokens(&admin(), 2, &after).unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|t| t.token_id));
        match page.next {
            Some(next) => after = next,
            None => break,
        }
    }
    let ids: Vec<_> = all.items.into_iter().map(|t| t.token_id).collect();
    assert_eq!(seen, ids);
    let none = n.engine.alarms_page(0, "").unwrap();
    assert!(none.items.is_empty() && none.next.is_none());
    assert_eq!(reason(n.engine.alarms_page(0, "x")), "PAGE_TOKEN_INVALID");
}

#[tokio::test]
async fn the_clock_moves_only_where_the_config_allows() {
    let advance = |actor, seconds| AdvanceClock { actor, seconds };
    let fixed = Node::start(EngineConfig {
        clock_control: false,
        ..config()
    })
    .await;
    let refused = fixed.engine.execute(advance(admin(), DAY)).await;
    assert_eq!(reason(refused), "CLOCK_CONTROL_DISABLED");
    let n = Node::start(config()).await;
    let by_clerk = n.engine.execute(advance(n.clerk.clone(), DAY)).await;
    assert_eq!(reason(by_clerk), "WRONG_ROLE");
    let backwards = n.engine.execute(advance(admin(), -DAY)).await;
    assert_eq!(reason(backwards), "BAD_CLOCK_STEP");
    n.advance(2).await;
    assert_eq!(n.engine.clock().offset(), 2 * DAY);
    // The offset is persisted, so a restarted node does not travel back in time.
    let stored = n
        .engine
        .store()
        .get(&crate::store::keys::meta("clock_offset"));
    assert_eq!(stored.unwrap(), Some((2 * DAY).to_be_bytes().to_vec()));
}

#[tokio::test]
async fn attachments_are_bounded_and_content_addressed() {
    let n = Node::start(config()).await;
    let before = snapshot(&n.engine);
    let put = |bytes| {
        n.engine.execute(PutAttachment {
            subject: OWN.into(),
            bytes,
        })
    };
    let too_big = vec![b'x'; 1025];
    let sha = hex::encode(Sha256::digest(&too_big));
    assert_eq!(reason(put(too_big).await), "ATTACHMENT_TOO_LARGE");
    assert_eq!(reason(put(vec![]).await), "ATTACHMENT_EMPTY");
    assert!(!n.engine.has_attachment(&sha).unwrap());
    assert_eq!(snapshot(&n.engine), before);
    let max = vec![b'x'; 1024];
    let want = (hex::encode(Sha256::digest(&max)), 1024);
    for _ in 0..2 {
        let Ok(Attachment { sha256, size }) = put(max.clone()).await else {
            panic!()
        };
        assert_eq!((sha256, size), want);
    }
    assert_eq!(
        snapshot(&n.engine).len(),
        before.len() + 1,
        "the same bytes are stored once"
    );
}

#[tokio::test]
async fn materials_may_name_only_uploaded_attachments() {
    let n = Node::start(config()).await;
    let mut m = n.materials(OWN);
    m.attachments[0].sha256 = "ef".repeat(32);
    let Err(EngineError::Refused(r)) = n.try_flow(&n.registrant, None, create(m)).await else {
        panic!("expected a refusal")
    };
    assert_eq!(r.reason, "MATERIALS_INVALID");
    let found: Vec<(&str, &str)> = r
        .violations
        .iter()
        .map(|v| (&*v.field, &*v.reason))
        .collect();
    assert_eq!(found, [("attachments[0].sha256", "ATTACHMENT_NOT_FOUND")]);
}

#[tokio::test]
async fn registrants_see_only_their_own_applications() {
    let n = Node::start(config()).await;
    let mine = n.submitted(&n.registrant, n.materials(OWN)).await;
    let theirs = n.submitted(&n.other, n.materials(OTHER)).await;
    let ids = |who: &Actor| -> Vec<String> {
        let page = n.engine.list_applications(who, None, 0, "").unwrap();
        page.items.into_iter().map(|a| a.id).collect()
    };
    assert_eq!(ids(&n.registrant), [mine.as_str()]);
    assert_eq!(ids(&n.other), [theirs.as_str()]);
    assert_eq!(ids(&n.clerk), [mine.as_str(), theirs.as_str()]);
    let peek = n
        .engine
        .get_application(&n.registrant, &theirs)
        .unwrap_err();
    let absent = n
        .engine
        .get_application(&n.registrant, "A9999999999")
        .unwrap_err();
    // The same answer whether the id exists or not, the id aside.
    assert_eq!(
        peek.to_string().replace(&theirs, "ID"),
        absent.to_string().replace("A9999999999", "ID")
    );
    assert!(peek.to_string().contains("NOT_FOUND"), "{peek}");
}

#[tokio::test]
async fn queues_put_overdue_applications_first() {
    let n = Node::start(config()).await;
    let late = n.submitted(&n.registrant, n.materials(OWN)).await;
    // Twenty days outlast the three working days allowed for acceptance, even when they
    // straddle the Spring Festival or National Day break.
    n.advance(20).await;
    let fresh = n.submitted(&n.other, n.materials(OTHER)).await;
    let queue = n
        .engine
        .queue(&n.clerk, State::Submitted, false, 0, "")
        .unwrap();
    let order: Vec<(&str, bool)> = queue
        .items
        .iter()
        .map(|e| (&*e.application.id, e.overdue))
        .collect();
    assert_eq!(order, [(late.as_str(), true), (fresh.as_str(), false)]);
    assert!(queue.next.is_none());
    // Paged one at a time, the same order, and the last page says there is no further one.
    let first = n
        .engine
        .queue(&n.clerk, State::Submitted, false, 1, "")
        .unwrap();
    assert_eq!(first.items[0].application.id, late);
    let token = first.next.expect("a second page");
    let second = n
        .engine
        .queue(&n.clerk, State::Submitted, false, 1, &token)
        .unwrap();
    assert_eq!(second.items[0].application.id, fresh);
    assert!(second.next.is_none());
    let bad = n.engine.queue(&n.clerk, State::Submitted, false, 1, "x|y");
    assert_eq!(reason(bad), "PAGE_TOKEN_INVALID");
    let not_staff = n
        .engine
        .queue(&n.registrant, State::Submitted, false, 0, "");
    assert_eq!(reason(not_staff), "WRONG_ROLE");
}

#[tokio::test]
async fn search_finds_registered_records_by_chinese_substring() {
    let n = Node::start(config()).await;
    n.in_publicity().await;
    let found = |query: &str, region: &str| {
        let (query, region) = (query.into(), region.into());
        let filter = SearchFilter {
            query,
            region,
            ..SearchFilter::default()
        };
        n.engine.search(&filter, 0, "").unwrap().page.items
    };
    assert!(
        found("登记", "").is_empty(),
        "nothing is public before the code"
    );
    n.advance(PAST_PUBLICITY).await;
    let hits = found("登记", "440000");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].data_name, "企业登记信息");
    assert_eq!(
        found("市场主体", "").len(),
        1,
        "the summary is searched too"
    );
    assert!(found("气象", "").is_empty());
    assert!(
        found("登记", "350000").is_empty(),
        "another province's region"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_flows_all_succeed_with_distinct_serials() {
    let n = Arc::new(Node::start(config()).await);
    let spawn = |n: Arc<Node>| tokio::spawn(async move { n.in_publicity().await });
    let tasks: Vec<_> = (0..50).map(|_| spawn(n.clone())).collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    n.advance(PAST_PUBLICITY).await;
    let mut serials: Vec<u32> = ids.iter().map(|id| n.code(id).serial).collect();
    serials.sort_unstable();
    assert_eq!(serials, (1..=50).collect::<Vec<u32>>());
}

/// Regression: the sweep once read only its first page of ended publicities, so enough
/// applications held by open objections at the front would block every one behind them.
#[tokio::test]
async fn the_sweep_pages_past_applications_held_by_objections() {
    let n = Node::start(config()).await;
    // The test build reads 2 index entries per page: 3 held applications span two pages.
    let mut held = Vec::new();
    for _ in 0..3 {
        let id = n.in_publicity().await;
        let object = Command::FileObjection {
            objection_id: String::new(),
            objector_name: "王五".into(),
            objector_contact: String::new(),
            reason: "来源存疑".into(),
        };
        n.flow(&Actor::public("王五"), Some(&id), object).await;
        held.push(id);
    }
    let free = n.in_publicity().await;
    n.advance(40).await;
    for id in &held {
        assert_eq!(
            n.app(id).state,
            State::InPublicity,
            "{id} is held by its objection"
        );
    }
    assert_eq!(
        n.app(&free).state,
        State::Registered,
        "the free application behind them registers"
    );
}

/// A bug that panics inside one operation refuses that operation, writes nothing of it, and
/// the writer goes on with the writes after it.
#[tokio::test]
async fn a_panicking_operation_is_refused_and_the_writer_goes_on() {
    let n = Node::start(config()).await;
    let before = snapshot(&n.engine);
    let e = n.engine.execute(Panic).await.unwrap_err();
    assert!(
        matches!(&e, EngineError::Internal(m) if m.contains("wrote nothing") && m.contains("a test's panic")),
        "{e:?}"
    );
    assert_eq!(snapshot(&n.engine), before, "nothing of it was written");
    let app = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    assert_eq!(app.state, State::Draft);
}

/// The status message of `e` on the wire, which must be UNAVAILABLE with `reason`.
fn unavailable(e: EngineError, reason: &str) -> String {
    let status = crate::grpc::status::status(e);
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert!(status.message().starts_with(reason), "{}", status.message());
    status.message().to_string()
}

/// A memory store whose flush (`failing`) or apply (`apply_fails`) fails while set, as a full
/// or failing disk's would, and whose disk has `free` bytes free once set (0: no disk).
#[derive(Default)]
struct FailingFlush {
    inner: MemoryStore,
    failing: std::sync::atomic::AtomicBool,
    apply_fails: std::sync::atomic::AtomicBool,
    free: std::sync::atomic::AtomicU64,
}

impl crate::store::Store for FailingFlush {
    fn get(&self, key: &[u8]) -> crate::store::Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> crate::store::Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.inner.scan(prefix, after, limit)
    }
    fn last(&self, prefix: &[u8]) -> crate::store::Result<Option<(Vec<u8>, Vec<u8>)>> {
        self.inner.last(prefix)
    }
    fn apply(&self, batch: crate::store::Batch) -> crate::store::Result<()> {
        if self.apply_fails.load(Ordering::SeqCst) {
            return Err(StoreError::Engine("No space left on device".into()));
        }
        self.inner.apply(batch)
    }
    fn flush(&self) -> crate::store::Result<()> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Engine("No space left on device".into()));
        }
        self.inner.flush()
    }
    fn free_bytes(&self) -> Option<u64> {
        Some(self.free.load(Ordering::SeqCst)).filter(|&f| f > 0)
    }
}

/// A write that would leave the disk under `node.min_free_bytes` is refused whole before the
/// store sees it (UNAVAILABLE / STORE_FULL, nothing written): the writer goes on, the store's
/// flag stays up, reads go on, and the next write once there is room is taken.
#[tokio::test]
async fn a_full_disk_refuses_writes_before_the_store_and_they_resume_with_space() {
    let store = Arc::new(FailingFlush::default());
    let n = Node::on(
        store.clone(),
        EngineConfig {
            min_free_bytes: 1 << 20,
            ..config()
        },
    )
    .await;
    store.free.store(10 << 20, Ordering::SeqCst);
    let kept = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    assert!(n.engine.store_room().0);

    store.free.store((1 << 20) + 100, Ordering::SeqCst);
    assert!(n.engine.store_room().0, "room, but not for a draft");
    let before = snapshot(&n.engine);
    let e = n
        .try_flow(&n.registrant, None, create(n.materials(OWN)))
        .await
        .unwrap_err();
    assert!(
        matches!(e, EngineError::StoreFull { free, min } if free == (1 << 20) + 100 && min == 1 << 20),
        "{e:?}"
    );
    assert!(unavailable(e, "STORE_FULL").contains("node.min_free_bytes"));
    assert_eq!(snapshot(&n.engine), before, "nothing of it was written");
    store.free.store(1000, Ordering::SeqCst);
    assert_eq!(n.engine.store_room(), (false, Some(1000)));
    assert!(
        *n.engine.store_ok().borrow(),
        "the store itself did not fail"
    );
    assert!(n.engine.fatal().borrow().is_none(), "the writer goes on");
    let read = n.engine.get_application(&n.registrant, &kept.id).unwrap();
    assert_eq!(read.id, kept.id, "reads go on");

    store.free.store(10 << 20, Ordering::SeqCst);
    let app = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    assert_eq!(app.state, State::Draft, "writes resume once there is space");
    assert_ne!(app.id, kept.id);
}

/// A write whose flush failed was applied but may not be durable: it is answered "outcome
/// unknown" (UNAVAILABLE, retry with the same request id), never refused; the retry, once the
/// store flushes again, returns the first result instead of writing twice.
#[tokio::test]
async fn a_failed_flush_leaves_the_outcome_unknown_and_a_retry_returns_the_first_result() {
    let store = Arc::new(FailingFlush::default());
    let n = Node::on(store.clone(), config()).await;
    let op = |request_id: &str| FlowStep {
        actor: n.registrant.clone(),
        request_id: request_id.into(),
        application_id: None,
        command: Box::new(create(n.materials(OWN))),
    };
    store.failing.store(true, Ordering::SeqCst);
    let e = n.engine.execute(op("disk-full")).await.unwrap_err();
    assert!(
        matches!(&e, EngineError::OutcomeUnknown(m) if m.contains("No space left")),
        "{e:?}"
    );
    assert!(unavailable(e, "WRITE_OUTCOME_UNKNOWN").contains("retry with the same request_id"));
    assert!(
        !*n.engine.store_ok().borrow(),
        "the store is not taking writes"
    );

    store.failing.store(false, Ordering::SeqCst);
    let first = app_of(n.engine.execute(op("disk-full")).await);
    assert!(
        *n.engine.store_ok().borrow(),
        "it is again once a group is flushed"
    );
    let again = app_of(n.engine.execute(op("disk-full")).await);
    assert_eq!(first.id, again.id, "one application, not two");
    let drafts = n
        .engine
        .store()
        .scan(&keys::state_prefix("DRAFT"), None, usize::MAX)
        .unwrap();
    assert_eq!(drafts.len(), 1);
}

/// A batch the store failed to apply may be partly applied in its memory: the writer takes no
/// write after it, says why (the node stops on it, for its supervisor to restart it on the
/// durable state), and health's store flag is down.
#[tokio::test]
async fn a_failed_apply_stops_the_writer() {
    let store = Arc::new(FailingFlush::default());
    let n = Node::on(store.clone(), config()).await;
    store.apply_fails.store(true, Ordering::SeqCst);
    let e = n
        .try_flow(&n.registrant, None, create(n.materials(OWN)))
        .await
        .unwrap_err();
    assert!(matches!(&e, EngineError::Store(_)), "{e:?}");
    let why = n
        .engine
        .fatal()
        .borrow()
        .clone()
        .expect("the writer stopped");
    assert!(why.contains("failed to apply"), "{why}");
    assert!(!*n.engine.store_ok().borrow());
    // Even once the store would take it, no write goes on the store that failed.
    store.apply_fails.store(false, Ordering::SeqCst);
    let before = snapshot(&n.engine);
    let e = n
        .try_flow(&n.registrant, None, create(n.materials(OWN)))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("restarts on its durable state"),
        "{e}"
    );
    assert_eq!(snapshot(&n.engine), before);
}

#[path = "log_tests.rs"]
mod log_tests;

#[path = "lifecycle_tests.rs"]
mod lifecycle;

#[path = "tally_tests.rs"]
mod kept_statistics;

#[path = "quota_tests.rs"]
mod quotas;

#[path = "backup_tests.rs"]
mod backup;

#[path = "recover_tests.rs"]
mod recover_tests;

/// The accepted checkpoint is a named type in code and the `[note, size, root]` triple it always
/// was in the store, so stores written before read the same.
#[test]
fn an_accepted_checkpoint_is_stored_as_the_triple_it_was() {
    use crate::engine::federation::{AcceptedCheckpoint, MirrorState};
    let state = MirrorState {
        held: 3,
        signed: Some(AcceptedCheckpoint {
            note: b"n".to_vec(),
            size: 3,
            root: [7; 32],
        }),
        ..Default::default()
    };
    let json = serde_json::to_string(&state).unwrap();
    assert!(
        json.contains(&format!("\"signed\":[[110],3,{:?}]", [7u8; 32]).replace(' ', "")),
        "{json}"
    );
    let back: MirrorState = serde_json::from_str(&json).unwrap();
    assert_eq!(back.signed, state.signed);
}
