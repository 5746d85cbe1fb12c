//! What the log publishes of each flow event, and that the openings give the event back.
use super::*;
use crate::domain::flow::{self, Event};

fn salts() -> impl FnMut() -> [u8; 32] {
    let mut n = 0u8;
    move || {
        n += 1;
        [n; 32]
    }
}

fn materials() -> Materials {
    let mut m = Materials::default();
    m.subject.name = "广州市政务服务数据管理局".into();
    m.subject.region = "440100".into();
    m.subject.contact.name = "联系人张三".into();
    m.subject.contact.phone = "020-12345678".into();
    m.resource.name = "企业登记信息".into();
    m.resource.summary = "全市市场主体的登记信息".into();
    m.resource.industry = "公共管理".into();
    m.security.conclusion = "风险可控且不公开的结论".into();
    m
}

fn created() -> EventKind {
    EventKind::Created {
        registration_type: RegistrationType::Initial,
        subject: "91350100M000100Y43".into(),
        materials: materials(),
        target_code: None,
    }
}

fn apply(app: Option<Application>, kind: &EventKind) -> Application {
    let e = Event {
        application_id: "A1".into(),
        at: 0,
        actor: String::new(),
        holder: String::new(),
        kind: kind.clone(),
    };
    flow::apply(app, &e)
}

/// The event's published JSON, which must hold none of `secrets`.
fn published(e: &PublicEvent, secrets: &[&str]) -> String {
    let json = serde_json::to_string(e).unwrap();
    for s in secrets {
        assert!(!json.contains(s), "{s:?} is published: {json}");
    }
    json
}

#[test]
fn a_draft_publishes_only_that_it_exists_and_opens_to_itself() {
    let mut salt = salts();
    let (e, openings) = seal(&created(), None, &mut salt);
    published(
        &e,
        &[
            "广州",
            "企业登记信息",
            "张三",
            "020",
            "风险可控",
            "91350100M000100Y43",
        ],
    );
    assert_eq!(e.commitments().len(), 2);
    assert_eq!(e.open(&openings).unwrap(), created());
    // The contact opening purged by retention: the rest still opens, the contact reads empty.
    let kept: Vec<Opening> = openings
        .iter()
        .filter(|o| o.field != "contact")
        .cloned()
        .collect();
    let EventKind::Created { materials: m, .. } = e.open(&kept).unwrap() else {
        panic!("not a creation")
    };
    assert_eq!(m, materials().without_personal_data());
    // A forged opening does not open.
    let mut forged = openings.clone();
    forged[0].value = forged[0].value.replace("企业登记信息", "伪造");
    assert!(e.open(&forged).unwrap_err().contains("does not open"));
    assert!(e.open(&[]).unwrap_err().contains("no opening"));
}

#[test]
fn a_submission_publishes_its_notice_and_the_facts_of_its_record_only() {
    let mut salt = salts();
    let draft = apply(None, &created());
    let submitted = EventKind::Submitted {
        publicity_text: "数据名称：企业登记信息".into(),
        acceptance_due: time::macros::date!(2026 - 01 - 08),
    };
    let (e, openings) = seal(&submitted, Some(&draft), &mut salt);
    assert!(openings.is_empty());
    let json = published(&e, &["张三", "020", "风险可控"]);
    assert!(
        json.contains("企业登记信息") && json.contains("公共管理"),
        "{json}"
    );
    let facts = e.facts().unwrap();
    assert_eq!(facts.subject, "91350100M000100Y43");
    assert_eq!(facts.subject_region, "440100");
    // What the national book folds: the facts, nothing else of the materials.
    let (created_view, _) = seal(&created(), None, &mut salt);
    let mut mirrored = apply(Some(apply(None, &created_view.view())), &e.view());
    facts.apply_to(&mut mirrored);
    assert_eq!(mirrored.materials.resource.name, "企业登记信息");
    assert_eq!(mirrored.materials.security.conclusion, "");
    assert_eq!(mirrored.subject, "91350100M000100Y43");
}

#[test]
fn withdrawals_supplements_and_objections_commit_their_private_text() {
    let mut salt = salts();
    let draft = apply(None, &created());
    for (kind, secrets) in [
        (
            EventKind::Withdrawn {
                reason: "内部原因王五".into(),
            },
            vec!["王五"],
        ),
        (
            EventKind::Supplemented {
                materials: materials(),
                note: "补充说明李雷".into(),
                publicity_text: "数据名称：企业登记信息".into(),
                acceptance_due: time::macros::date!(2026 - 01 - 08),
            },
            vec!["李雷", "张三", "风险可控"],
        ),
        (
            EventKind::ObjectionFiled {
                objection_id: "A1-O1".into(),
                objector_name: "异议人赵六".into(),
                objector_contact: "13800000000".into(),
                reason: "数据来源存疑".into(),
            },
            vec!["赵六", "13800000000"],
        ),
    ] {
        let (e, openings) = seal(&kind, Some(&draft), &mut salt);
        let json = published(&e, &secrets);
        assert!(!openings.is_empty(), "{json}");
        assert_eq!(e.open(&openings).unwrap(), kind);
    }
    // Decisions and their reasons are public by design: in clear, nothing to open.
    let accepted = EventKind::Accepted {
        reason: "材料齐全".into(),
        review_due: time::macros::date!(2026 - 01 - 20),
    };
    let (e, openings) = seal(&accepted, Some(&draft), &mut salt);
    assert_eq!(e, PublicEvent::Clear(Box::new(accepted.clone())));
    assert!(openings.is_empty());
    assert!(public_by_design(&accepted));
    assert!(!public_by_design(&created()));
}
