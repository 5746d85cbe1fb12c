//! The flow as openraft tests its engine: drive `decide` + `apply` and assert the exact events
//! emitted (as their `Debug` text, every field) and the exact reason code of every refusal.
//! Dates are fixed so working-day arithmetic over the 2026 holidays (清明 4–6 April, 劳动节
//! 1–5 May, 调休 Saturday 9 May) is checked against hand-counted dates.
use super::*;
use crate::domain::calendar::Calendar;
use crate::domain::materials::*;
use crate::domain::types::*;
use sha2::{Digest, Sha256};
use time::Date;
use Resolution::{Dismiss, UpholdBackToReview, UpholdRefuse};

pub(super) const OWN: &str = "91350100M000100Y43";
pub(super) const OTHER: &str = "91110000802100433B";
const CODE: &str = "135000020260000014";

/// A day of 2026, the year of the fixed scenarios.
pub(super) fn day(month: u8, d: u8) -> Date {
    let month = time::Month::try_from(month).unwrap();
    Date::from_calendar_date(2026, month, d).unwrap()
}

fn actor(id: &str, role: Role, holder: &str, subject: Option<&str>) -> Actor {
    let (id, holder, subject) = (id.into(), holder.into(), subject.map(Into::into));
    Actor {
        id,
        role,
        holder,
        subject,
    }
}
/// The registrant of subject `OWN`, which owns every application in these tests.
pub(super) fn owner() -> Actor {
    actor("tok-reg", Role::Registrant, "张三", Some(OWN))
}
/// A registrant bound to another subject.
pub(super) fn stranger() -> Actor {
    actor("tok-other", Role::Registrant, "李四", Some(OTHER))
}
pub(super) fn clerk() -> Actor {
    actor("tok-clerk", Role::Clerk, "clerk-li", None)
}
pub(super) fn reviewer() -> Actor {
    actor("tok-rev", Role::Reviewer, "reviewer-wang", None)
}
/// Another token of the clerk's holder: separation of duties compares holders, not tokens.
pub(super) fn clerk_as_reviewer() -> Actor {
    actor("tok-rev2", Role::Reviewer, "clerk-li", None)
}
pub(super) fn registrar() -> Actor {
    actor("tok-registrar", Role::Registrar, "registrar-zhao", None)
}
pub(super) fn public() -> Actor {
    Actor::public("某科技有限公司")
}
pub(super) fn system() -> Actor {
    Actor::system()
}
/// One actor of every role there is.
pub(super) fn everyone() -> [Actor; 8] {
    let auditor = actor("tok-aud", Role::Auditor, "auditor-qian", None);
    let admin = actor("tok-admin", Role::Admin, "admin-sun", None);
    let (a, b, c, d) = (owner(), clerk(), reviewer(), registrar());
    [a, b, c, d, auditor, admin, public(), system()]
}

/// Complete, valid materials of a type 1 (public data resource) initial registration.
pub(super) fn valid_materials() -> Materials {
    let mut m = Materials::default();
    let s = &mut m.subject;
    (s.name, s.credit_code) = ("福州市数据管理局".into(), OWN.into());
    (s.kind, s.region) = (Some(SubjectKind::GovernmentDepartment), "350100".into());
    (s.contact.name, s.contact.phone) = ("张三".into(), "0591-12345678".into());
    s.contact.email = "zs@example.cn".into();
    m.source.basis = Some(SourceBasis::StatutoryDuty);
    m.source.statutory_duty = "《福建省大数据发展条例》".into();
    let r = &mut m.resource;
    (r.name, r.summary) = ("企业登记信息".into(), "全市企业登记的基本信息".into());
    r.data_type = Some(DataType::PublicDataResource);
    (r.industry, r.format) = ("公共管理".into(), "CSV".into());
    r.fields = vec![Field::default()];
    r.fields[0].name = "统一社会信用代码".into();
    (r.volume, r.time_span) = ("120万条".into(), "2015-2025".into());
    (r.update_frequency, r.storage_location) = ("每日".into(), "福州政务云".into());
    r.classification = "市场监管".into();
    (r.grade, r.access_mode) = (Some(DataGrade::General), Some(AccessMode::Shared));
    (m.evidence.sha256, m.evidence.taken_at) = ("ab".repeat(32), 1_767_225_600);
    m.security.conclusion = "风险可控".into();
    let kind = AttachmentKind::RegistrationUndertaking;
    let (sha256, file_name, size) = ("cd".repeat(32), "登记承诺书.pdf".into(), 1024);
    let undertaking = AttachmentRef {
        kind,
        sha256,
        file_name,
        size,
    };
    m.attachments = vec![undertaking];
    m
}

/// The acknowledgement a registrant sends: SHA-256 of the notice text, computed independently.
pub(super) fn ack(m: &Materials) -> String {
    let text = publicity_text(RegistrationType::Initial, m);
    hex::encode(Sha256::digest(text.as_bytes()))
}

// Commands, named after the steps of DESIGN §2.
pub(super) fn create(materials: Materials) -> Command {
    create_as(RegistrationType::Initial, materials)
}
fn create_as(registration_type: RegistrationType, materials: Materials) -> Command {
    let id = "A1".into();
    Command::Create {
        id,
        registration_type,
        materials,
        target_code: None,
    }
}
pub(super) fn edit(m: Materials) -> Command {
    Command::Edit { materials: m }
}
pub(super) fn submit(m: &Materials) -> Command {
    submit_sha(ack(m))
}
pub(super) fn submit_sha(publicity_text_sha256: String) -> Command {
    Command::Submit {
        publicity_text_sha256,
    }
}
pub(super) fn supplement(materials: Materials, note: &str) -> Command {
    let note = note.into();
    let publicity_text_sha256 = ack(&materials);
    Command::Supplement {
        materials,
        note,
        publicity_text_sha256,
    }
}
pub(super) fn withdraw() -> Command {
    let r = "不再登记";
    Command::Withdraw { reason: r.into() }
}
pub(super) fn accept(r: &str) -> Command {
    Command::Accept { reason: r.into() }
}
pub(super) fn give_back(items: &[&str]) -> Command {
    let items = items.iter().map(|i| i.to_string()).collect();
    let reason = "缺件".into();
    Command::ReturnForSupplement { items, reason }
}
pub(super) fn refuse_acceptance(r: &str) -> Command {
    Command::RefuseAcceptance { reason: r.into() }
}
pub(super) fn pass(r: &str) -> Command {
    Command::PassReview { reason: r.into() }
}
pub(super) fn refuse_review(r: &str) -> Command {
    Command::RefuseReview { reason: r.into() }
}
fn object_as(id: &str, name: &str, reason: &str) -> Command {
    let (objection_id, objector_name, reason) = (id.into(), name.into(), reason.into());
    Command::FileObjection {
        objection_id,
        objector_name,
        objector_contact: "13800000000".into(),
        reason,
    }
}
pub(super) fn object(id: &str) -> Command {
    object_as(id, "王五", "数据来源有争议")
}
fn resolve_with(id: &str, resolution: Resolution, reason: &str) -> Command {
    let (objection_id, reason) = (id.into(), reason.into());
    Command::ResolveObjection {
        objection_id,
        resolution,
        reason,
    }
}
pub(super) fn resolve(id: &str, resolution: Resolution) -> Command {
    resolve_with(id, resolution, "经核查")
}
pub(super) fn register() -> Command {
    Command::Register { code: CODE.into() }
}

/// One application, its fixed "today", and the node's calendar and limits.
pub(super) struct Flow {
    pub cal: Calendar,
    pub limits: Limits,
    pub today: Date,
    pub app: Option<Application>,
    /// The record the engine would read for a command on an existing code.
    pub target: Option<Target>,
}

impl Flow {
    pub fn new(today: Date) -> Flow {
        let (cal, limits, app) = (Calendar::builtin(), Limits::default(), None);
        Flow {
            cal,
            limits,
            today,
            app,
            target: None,
        }
    }

    /// Decides, then folds the events in exactly as the engine does.
    pub fn run(&mut self, who: &Actor, cmd: &Command) -> Result<Vec<EventKind>, Refusal> {
        // Noon in Beijing, so the Unix time and `today` agree.
        let now = self.today.midnight().assume_utc().unix_timestamp() + 4 * 3600;
        let (today, calendar, limits, actor) = (self.today, &self.cal, &self.limits, who);
        let ctx = Ctx {
            now,
            today,
            actor,
            calendar,
            limits,
            target: self.target.as_ref(),
        };
        let kinds = decide(self.app.as_ref(), cmd, &ctx)?;
        let application_id = match (&self.app, cmd) {
            (Some(a), _) => a.id.clone(),
            (None, Command::Create { id, .. }) => id.clone(),
            (None, _) => unreachable!("without an application only Create is decided"),
        };
        for kind in kinds.iter().cloned() {
            let (application_id, at) = (application_id.clone(), now);
            let (actor, holder) = (who.id.clone(), who.holder.clone());
            let ev = Event {
                application_id,
                at,
                actor,
                holder,
                kind,
            };
            self.app = Some(apply(self.app.take(), &ev));
        }
        Ok(kinds)
    }

    /// The single event an accepted command must emit.
    pub fn ok(&mut self, who: &Actor, cmd: Command) -> EventKind {
        let events = self.run(who, &cmd);
        let mut events = events.unwrap_or_else(|r| panic!("{cmd:?} by {:?}: {r}", who.role));
        assert_eq!(events.len(), 1, "one event per command");
        events.remove(0)
    }

    /// Asserts the one event a command emits, spelled as its `Debug` text.
    pub fn emits(&mut self, who: &Actor, cmd: Command, want: &str) {
        let ev = self.ok(who, cmd);
        assert_eq!(format!("{ev:?}"), want);
    }

    /// A refusal, checked to have changed nothing.
    pub fn refused(&mut self, who: &Actor, cmd: Command) -> Refusal {
        let before = self.app.clone();
        let r = self.run(who, &cmd).expect_err("command should be refused");
        assert_eq!(self.app, before, "a refusal changes nothing");
        r
    }

    /// Asserts a refusal and its reason code.
    pub fn refuses(&mut self, who: &Actor, cmd: Command, reason: &str) {
        let r = self.refused(who, cmd);
        assert_eq!(r.reason, reason, "{}", r.message);
    }

    pub fn app(&self) -> &Application {
        self.app.as_ref().expect("application exists")
    }

    pub fn state(&self) -> State {
        self.app().state
    }
}

/// Draft created on Wednesday 1 April 2026.
pub(super) fn at_draft() -> Flow {
    let mut f = Flow::new(day(4, 1));
    f.ok(&owner(), create(valid_materials()));
    f
}
/// Submitted on Friday 3 April, the last working day before 清明.
pub(super) fn at_submitted() -> Flow {
    let mut f = at_draft();
    f.today = day(4, 3);
    f.ok(&owner(), submit(&valid_materials()));
    f
}
pub(super) fn at_review() -> Flow {
    let mut f = at_submitted();
    f.today = day(4, 7);
    f.ok(&clerk(), accept("材料齐全"));
    f
}
/// Review passed on Monday 20 April: publicity ends Thursday 7 May, after the May Day break.
pub(super) fn at_publicity() -> Flow {
    let mut f = at_review();
    f.today = day(4, 20);
    f.ok(&reviewer(), pass(""));
    f
}

#[test]
fn happy_path_counts_every_limit_in_working_days() {
    let mut f = Flow::new(day(4, 1));
    let m = valid_materials();
    let ev = f.ok(&owner(), create(m.clone()));
    let (registration_type, subject, materials) = (RegistrationType::Initial, OWN.into(), m);
    let created = EventKind::Created {
        registration_type,
        subject,
        materials,
        target_code: None,
    };
    assert_eq!(ev, created);

    // Friday 3 April + 3 working days skips the weekend and 清明 (4–6 April): Thursday 9 April.
    // The hash is hex in either case.
    f.today = day(4, 3);
    let sha = ack(&f.app().materials).to_uppercase();
    let want = r#"Submitted { publicity_text: "登记主体：福州市数据管理局\n登记类型：首次登记\n数据名称：企业登记信息\n内容摘要：全市企业登记的基本信息\n", acceptance_due: 2026-04-09 }"#;
    f.emits(&owner(), submit_sha(sha), want);
    assert_eq!(f.app().current_due(), Some(day(4, 9)));

    f.today = day(4, 7);
    let want = r#"Accepted { reason: "齐全", review_due: 2026-04-21 }"#;
    f.emits(&clerk(), accept("齐全"), want);
    assert_eq!(f.app().accepted_by.as_deref(), Some("clerk-li"));

    f.today = day(4, 20);
    let want = r#"ReviewPassed { reason: "通过", publicity_start: 2026-04-20, publicity_end: 2026-05-07 }"#;
    f.emits(&reviewer(), pass("通过"), want);
    assert_eq!(f.app().current_due(), Some(day(5, 7)));

    // The last day of publicity is still publicity; the code comes the day after.
    f.today = day(5, 7);
    f.refuses(&system(), register(), "PUBLICITY_NOT_ENDED");
    f.today = day(5, 8);
    let want = r#"Registered { code: "135000020260000014", version: 1, assigned_on: 2026-05-08, valid_from: 2026-05-08, valid_until: 2029-05-07 }"#;
    f.emits(&system(), register(), want);
    let app = f.app();
    let until = Date::from_calendar_date(2029, time::Month::May, 7).unwrap();
    assert_eq!(
        (app.code.as_deref(), app.valid_until),
        (Some(CODE), Some(until))
    );
    let steps: Vec<&str> = app.decisions.iter().map(|d| d.step.as_str()).collect();
    let want = "CREATED SUBMITTED ACCEPTED REVIEW_PASSED REGISTERED";
    assert_eq!((steps.join(" "), app.revision), (want.to_string(), 5));
}

#[test]
fn only_a_draft_can_be_edited() {
    let mut f = at_draft();
    let mut m = valid_materials();
    m.resource.summary = "更新后的摘要".into();
    let ev = f.ok(&owner(), edit(m.clone()));
    let materials = m.clone();
    assert_eq!(ev, EventKind::Edited { materials });
    assert_eq!(f.app().materials, m);
    let mut moved = m.clone();
    moved.subject.credit_code = OTHER.into();
    f.refuses(&owner(), edit(moved), "SUBJECT_CHANGED");
    let mut bad = m.clone();
    bad.subject.contact.phone = "call me".into();
    f.refuses(&owner(), edit(bad), "MATERIALS_INVALID");
    f.ok(&owner(), submit(&m));
    f.refuses(&owner(), edit(m), "WRONG_STATE");
}

#[test]
fn submit_needs_the_hash_of_the_exact_publicity_text() {
    let mut f = at_draft();
    let mut stale = valid_materials();
    stale.resource.summary = "旧摘要".into();
    let r = f.refused(&owner(), submit(&stale));
    let not_acknowledged = "PUBLICITY_TEXT_NOT_ACKNOWLEDGED";
    assert_eq!(
        (r.reason, r.kind),
        (not_acknowledged, RefusalKind::InvalidArgument)
    );
    f.refuses(&owner(), submit_sha(String::new()), not_acknowledged);
}

#[test]
fn incomplete_submission_lists_every_violation() {
    let mut f = Flow::new(day(4, 1));
    let mut m = valid_materials();
    m.resource.summary.clear();
    m.subject.contact.phone.clear();
    m.attachments.clear();
    f.ok(&owner(), create(m.clone()));
    let r = f.refused(&owner(), submit(&m));
    assert_eq!(r.reason, "MATERIALS_INVALID");
    let found: Vec<String> = r
        .violations
        .iter()
        .map(|v| v.field.clone() + " " + &v.reason)
        .collect();
    let want = [
        "subject.contact.phone REQUIRED",
        "resource.summary REQUIRED",
        "attachments UNDERTAKING_REQUIRED",
    ];
    assert_eq!(found, want);
}

#[test]
fn return_for_supplement_happens_once() {
    let mut f = at_submitted();
    f.refuses(&clerk(), give_back(&[" "]), "SUPPLEMENT_ITEMS_REQUIRED");
    let want = r#"ReturnedForSupplement { items: ["授权协议", "样本"], reason: "缺件" }"#;
    f.emits(&clerk(), give_back(&[" 授权协议 ", "", "样本"]), want);
    let app = f.app();
    let returned = (app.state, app.due, app.returned_once);
    assert_eq!(returned, (State::Returned, None, true));
    f.ok(&owner(), supplement(valid_materials(), "已补正"));
    let again = f.refused(&clerk(), give_back(&["更多"]));
    let want = ("ALREADY_RETURNED", RefusalKind::FailedPrecondition);
    assert_eq!((again.reason, again.kind), want);
}

#[test]
fn supplement_restarts_acceptance_clock() {
    let mut f = at_submitted();
    assert_eq!(f.app().due, Some(day(4, 9)));
    f.ok(&clerk(), give_back(&["样本"]));
    f.refuses(&owner(), submit(&valid_materials()), "WRONG_STATE");
    let mut m = valid_materials();
    m.resource.summary = "补正后的摘要".into();
    // Supplemented on Wednesday 29 April: 30 April, then 6 and 7 May after the May Day break.
    f.today = day(4, 29);
    let ev = f.ok(&owner(), supplement(m.clone(), "补"));
    let text = publicity_text(RegistrationType::Initial, &m);
    let (materials, note, publicity_text, acceptance_due) =
        (m.clone(), "补".into(), text.clone(), day(5, 7));
    let want = EventKind::Supplemented {
        materials,
        note,
        publicity_text,
        acceptance_due,
    };
    assert_eq!(ev, want);
    assert_eq!(
        (f.state(), f.app().due),
        (State::Submitted, Some(acceptance_due))
    );
    assert_eq!(f.app().publicity_text, Some(text));

    let mut g = at_submitted();
    g.ok(&clerk(), give_back(&["样本"]));
    m.attachments.clear();
    g.refuses(&owner(), supplement(m, ""), "MATERIALS_INVALID");
}

#[test]
fn refusing_acceptance_or_review_needs_a_reason() {
    let mut f = at_submitted();
    f.refuses(&clerk(), refuse_acceptance(" \n"), "REASON_REQUIRED");
    let want = r#"AcceptanceRefused { reason: "不属于公共数据" }"#;
    f.emits(&clerk(), refuse_acceptance("不属于公共数据"), want);
    assert_eq!((f.state(), f.app().due), (State::NotAccepted, None));
    let mut g = at_review();
    g.refuses(&reviewer(), refuse_review(""), "REASON_REQUIRED");
    let too_long = refuse_review(&"长".repeat(4001));
    g.refuses(&reviewer(), too_long, "REASON_TOO_LONG");
    let want = r#"ReviewRefused { reason: "材料不一致" }"#;
    g.emits(&reviewer(), refuse_review("材料不一致"), want);
    assert_eq!((g.state(), g.app().due), (State::Refused, None));
}

#[test]
fn the_holder_who_accepted_may_not_review_unless_allowed() {
    let mut f = at_review();
    let r = f.refused(&clerk_as_reviewer(), pass(""));
    let want = ("SAME_HOLDER_ACCEPTED", RefusalKind::PermissionDenied);
    assert_eq!((r.reason, r.kind), want);
    f.refuses(&clerk_as_reviewer(), refuse_review("x"), want.0);
    // The same person with the holder written another way: full-width, other case, spaces.
    for written in ["ＣＬＥＲＫ－ＬＩ", "  Clerk-Li ", "clerk-li\u{3000}"] {
        let same = actor("tok-rev3", Role::Reviewer, written, None);
        f.refuses(&same, pass(""), want.0);
    }
    let other = actor("tok-rev4", Role::Reviewer, "clerk-lin", None);
    at_review().ok(&other, pass(""));
    f.limits.allow_same_holder_accept_and_review = true;
    f.ok(&clerk_as_reviewer(), pass(""));
    assert_eq!(f.state(), State::InPublicity);
}

#[test]
fn staff_identities_fold_width_case_and_spaces_but_nothing_else() {
    use crate::domain::types::staff_identity;
    assert_eq!(staff_identity("ＬＩ　０７"), "li 07");
    assert_eq!(staff_identity(" 受理员  王五 "), "受理员 王五");
    assert_ne!(staff_identity("王五"), staff_identity("王伍"));
}

#[test]
fn every_command_refuses_every_other_role() {
    let m = valid_materials();
    let cases = [
        (create(m.clone()), Role::Registrant),
        (edit(m.clone()), Role::Registrant),
        (submit(&m), Role::Registrant),
        (supplement(m.clone(), ""), Role::Registrant),
        (withdraw(), Role::Registrant),
        (accept(""), Role::Clerk),
        (give_back(&["x"]), Role::Clerk),
        (refuse_acceptance("x"), Role::Clerk),
        (pass(""), Role::Reviewer),
        (refuse_review("x"), Role::Reviewer),
        (resolve("O1", Dismiss), Role::Registrar),
        (register(), Role::System),
    ];
    let want = ("WRONG_ROLE", RefusalKind::PermissionDenied);
    for (cmd, role) in cases {
        for who in everyone().iter().filter(|a| a.role != role) {
            // Authorisation comes first, with or without an application.
            for mut f in [Flow::new(day(4, 1)), at_draft()] {
                let r = f.refused(who, cmd.clone());
                assert_eq!((r.reason, r.kind), want, "{cmd:?} {who:?}");
            }
        }
    }
    // Objecting is a public right: staff and registrants may object too.
    for who in everyone() {
        at_publicity().ok(&who, object("O1"));
    }
}

#[test]
fn a_registrant_acts_only_for_its_own_subject() {
    let m = valid_materials();
    let r = Flow::new(day(4, 1)).refused(&stranger(), create(m.clone()));
    let denied = RefusalKind::PermissionDenied;
    assert_eq!((r.reason, r.kind), ("NOT_OWNER", denied));
    let mut f = at_draft();
    for cmd in [
        edit(m.clone()),
        submit(&m),
        supplement(m.clone(), ""),
        withdraw(),
    ] {
        f.refuses(&stranger(), cmd, "NOT_OWNER");
    }
    // A token bound to no subject owns nothing, not even a draft with no credit code.
    let mut unbound = owner();
    unbound.subject = None;
    let mut empty = m;
    empty.subject.credit_code.clear();
    Flow::new(day(4, 1)).refuses(&unbound, create(empty), "NOT_OWNER");
}

#[test]
fn objections_are_taken_only_during_publicity() {
    at_review().refuses(&public(), object("O1"), "NOT_IN_PUBLICITY");
    let mut f = at_publicity();
    // The start day and the last day both belong to publicity.
    let want = r#"ObjectionFiled { objection_id: "O1", objector_name: "王五", objector_contact: "13800000000", reason: "数据来源有争议" }"#;
    f.emits(&public(), object("O1"), want);
    f.today = day(5, 7);
    f.ok(&public(), object("O2"));
    f.refuses(&public(), object("O2"), "OBJECTION_EXISTS");
    let nameless = object_as("O3", " ", "x");
    f.refuses(&public(), nameless, "OBJECTOR_NAME_REQUIRED");
    f.refuses(&public(), object_as("O3", "王五", ""), "REASON_REQUIRED");
    f.today = day(5, 8);
    f.refuses(&public(), object("O3"), "NOT_IN_PUBLICITY");
}

#[test]
fn an_open_objection_blocks_registration_until_dismissed() {
    let mut f = at_publicity();
    f.ok(&public(), object("O1"));
    f.today = day(5, 7);
    f.refuses(&system(), register(), "PUBLICITY_NOT_ENDED");
    f.today = day(5, 8);
    f.refuses(&system(), register(), "OBJECTION_OPEN");
    f.refuses(&registrar(), resolve("O9", Dismiss), "OBJECTION_NOT_FOUND");
    let blank = resolve_with("O1", Dismiss, "");
    f.refuses(&registrar(), blank, "REASON_REQUIRED");
    let want = r#"ObjectionResolved { objection_id: "O1", resolution: Dismiss, reason: "经核查", review_due: None }"#;
    f.emits(&registrar(), resolve("O1", Dismiss), want);
    let states = (f.state(), f.app().objections[0].state);
    assert_eq!(states, (State::InPublicity, ObjectionState::Dismissed));
    f.refuses(&registrar(), resolve("O1", Dismiss), "OBJECTION_CLOSED");
    f.ok(&system(), register());
    assert_eq!(f.state(), State::Registered);
}

fn objection_states(f: &Flow) -> Vec<ObjectionState> {
    f.app().objections.iter().map(|o| o.state).collect()
}

#[test]
fn upholding_an_objection_can_refuse_the_registration() {
    let mut f = at_publicity();
    f.ok(&public(), object("O1"));
    f.ok(&public(), object("O2"));
    f.ok(&registrar(), resolve("O1", UpholdRefuse));
    assert_eq!(f.state(), State::Refused);
    let want = [ObjectionState::Upheld, ObjectionState::Superseded];
    assert_eq!(objection_states(&f), want);
    f.refuses(&registrar(), resolve("O2", Dismiss), "WRONG_STATE");
}

#[test]
fn upholding_back_to_review_supersedes_others_and_runs_a_second_round() {
    let mut f = at_publicity();
    f.ok(&public(), object("O1"));
    f.ok(&public(), object("O2"));
    f.today = day(4, 22);
    // A fresh 10 working days from Wednesday 22 April: six in April, 6–8 May and Saturday 9 May.
    let want = r#"ObjectionResolved { objection_id: "O1", resolution: UpholdBackToReview, reason: "经核查", review_due: Some(2026-05-09) }"#;
    f.emits(&registrar(), resolve("O1", UpholdBackToReview), want);
    let app = f.app();
    let back = (app.state, app.due, app.publicity);
    assert_eq!(back, (State::InReview, Some(day(5, 9)), None));
    let want = [ObjectionState::Upheld, ObjectionState::Superseded];
    assert_eq!(objection_states(&f), want);
    f.refuses(&registrar(), resolve("O2", Dismiss), "WRONG_STATE");
    f.refuses(&public(), object("O3"), "NOT_IN_PUBLICITY");

    f.today = day(5, 11);
    let want = r#"ReviewPassed { reason: "已更正", publicity_start: 2026-05-11, publicity_end: 2026-05-25 }"#;
    f.emits(&reviewer(), pass("已更正"), want);
    f.today = day(5, 25);
    f.refuses(&system(), register(), "PUBLICITY_NOT_ENDED");
    f.today = day(5, 26);
    f.ok(&system(), register());
    assert_eq!(f.state(), State::Registered);
}

#[test]
fn withdrawal_is_possible_until_publicity() {
    let mut returned = at_submitted();
    returned.ok(&clerk(), give_back(&["x"]));
    for mut f in [at_draft(), at_submitted(), returned, at_review()] {
        f.emits(&owner(), withdraw(), r#"Withdrawn { reason: "不再登记" }"#);
        assert_eq!((f.state(), f.app().due), (State::Withdrawn, None));
    }
    let mut f = at_publicity();
    f.refuses(&owner(), withdraw(), "WRONG_STATE");
    f.today = day(5, 8);
    f.ok(&system(), register());
    f.refuses(&owner(), withdraw(), "WRONG_STATE");
}

#[test]
fn types_other_than_initial_need_the_code_they_act_on() {
    use {RefusalKind::InvalidArgument, RegistrationType::*};
    let want = ("TARGET_CODE_REQUIRED", InvalidArgument);
    for t in [Change, Correction, Deregistration, Renewal] {
        let r = Flow::new(day(4, 1)).refused(&owner(), create_as(t, valid_materials()));
        assert_eq!((r.reason, r.kind), want);
    }
    at_draft().refuses(&owner(), create(valid_materials()), "ALREADY_EXISTS");
    let r = Flow::new(day(4, 1)).refused(&clerk(), accept(""));
    assert_eq!((r.reason, r.kind), ("NOT_FOUND", RefusalKind::NotFound));
}

/// Runs an application with `m` through review on `review` and registers it on `on`.
fn validity_when_registered(m: Materials, review: Date, on: Date) -> (Date, Date) {
    let mut f = Flow::new(review);
    f.ok(&owner(), create(m.clone()));
    f.ok(&owner(), submit(&m));
    f.ok(&clerk(), accept(""));
    f.ok(&reviewer(), pass(""));
    f.today = on;
    match f.ok(&system(), register()) {
        EventKind::Registered {
            valid_from,
            valid_until,
            ..
        } => (valid_from, valid_until),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn validity_is_three_years_less_a_day_or_the_authorisation_term() {
    let ymd = |y, m: u8, d| Date::from_calendar_date(y, m.try_into().unwrap(), d).unwrap();
    let three_years = (day(5, 8), ymd(2029, 5, 7));
    let plain = validity_when_registered(valid_materials(), day(4, 20), day(5, 8));
    assert_eq!(plain, three_years);
    // 29 February has no anniversary: the term runs to the last day of February.
    let leap_day = ymd(2028, 2, 29);
    let leap = validity_when_registered(valid_materials(), ymd(2028, 1, 31), leap_day);
    assert_eq!(leap, (leap_day, ymd(2031, 2, 28)));
    let mut m = valid_materials();
    m.subject.kind = Some(SubjectKind::AuthorisedOperator);
    m.source.basis = Some(SourceBasis::AuthorisationAgreement);
    m.source.statutory_duty.clear();
    let a = m.source.authorisation.insert(Authorisation::default());
    (a.agreement_number, a.scope) = ("闽数授〔2025〕1号".into(), "企业登记数据".into());
    (a.term_start, a.term_end) = ("2025-01-01".into(), "2027-12-31".into());
    let capped = validity_when_registered(m.clone(), day(4, 20), day(5, 8));
    assert_eq!(capped, (day(5, 8), ymd(2027, 12, 31)));
    m.source.authorisation.as_mut().unwrap().term_end = "2035-01-01".into();
    let later_term = validity_when_registered(m, day(4, 20), day(5, 8));
    assert_eq!(later_term, three_years);
}
