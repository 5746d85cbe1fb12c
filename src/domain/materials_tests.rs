//! Materials validation: every problem reported at once (一次性告知), with stable field paths and
//! reason codes, since clients and the acceptance clerk act on them.
use super::*;
use crate::domain::codes::{Region, UnifiedCode};
use std::collections::BTreeSet;

const OWN: &str = "91350100M000100Y43";

fn valid() -> Materials {
    let mut m = Materials::default();
    let s = &mut m.subject;
    (s.name, s.credit_code) = ("福州市数据管理局".into(), OWN.into());
    (s.kind, s.region) = (Some(SubjectKind::GovernmentDepartment), "350100".into());
    (s.contact.name, s.contact.phone) = ("张三".into(), "+86 591-1234".into());
    s.contact.email = "zs@example.cn".into();
    (m.source.basis, m.source.statutory_duty) =
        (Some(SourceBasis::StatutoryDuty), "法定职责".into());
    let r = &mut m.resource;
    (r.name, r.summary) = ("企业登记信息".into(), "全市企业登记的基本信息".into());
    r.data_type = Some(DataType::PublicDataResource);
    (r.industry, r.format, r.classification) = ("公共管理".into(), "CSV".into(), "市场监管".into());
    r.fields = vec![Field::default()];
    r.fields[0].name = "名称".into();
    (r.volume, r.time_span) = ("120万条".into(), "2015-2025".into());
    (r.update_frequency, r.storage_location) = ("每日".into(), "政务云".into());
    (r.grade, r.access_mode) = (Some(DataGrade::General), Some(AccessMode::Shared));
    (m.evidence.sha256, m.evidence.taken_at) = ("ab".repeat(32), 1_767_225_600);
    m.security.conclusion = "风险可控".into();
    let (kind, sha256) = (AttachmentKind::RegistrationUndertaking, "cd".repeat(32));
    let (file_name, size) = ("登记承诺书.pdf".into(), 10);
    m.attachments = vec![AttachmentRef {
        kind,
        sha256,
        file_name,
        size,
    }];
    m
}

/// The (field, reason) pairs of a failed check, in the order found.
fn problems(r: Result<(), Vec<Violation>>) -> Vec<(String, String)> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|v| (v.field, v.reason))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect()
}

#[test]
fn complete_type_1_materials_pass_both_checks() {
    assert_eq!(valid().check_form(), Ok(()));
    assert_eq!(valid().check_complete(), Ok(()));
}

#[test]
fn check_form_accepts_an_empty_draft() {
    assert_eq!(Materials::default().check_form(), Ok(()));
}

#[test]
fn check_form_flags_malformed_present_values() {
    let mut m = Materials::default();
    m.subject.credit_code = "91350100M000100Y44".into();
    m.subject.region = "35010".into();
    m.subject.contact.phone = "0591 转 8".into();
    m.subject.contact.email = "zs.example.cn".into();
    m.source.authorisation = Some(Authorisation {
        term_start: "2026-13-01".into(),
        ..Authorisation::default()
    });
    m.resource.name = "名称\u{7}".into();
    m.evidence.sha256 = "AB".repeat(32);
    m.products = vec![Product {
        resource_codes: vec!["1350000".into()],
        ..Product::default()
    }];
    let expected = [
        ("subject.credit_code", "CREDIT_CODE_BAD_CHECK_CHARACTER"),
        ("subject.region", "REGION_FORMAT"),
        ("subject.contact.phone", "BAD_PHONE"),
        ("subject.contact.email", "BAD_EMAIL"),
        ("source.authorisation.term_start", "BAD_DATE"),
        ("resource.name", "CONTROL_CHARACTER"),
        ("evidence.sha256", "BAD_DIGEST"),
        ("products[0].resource_codes[0]", "CODE_LENGTH"),
    ];
    assert_eq!(problems(m.check_form()), pairs(&expected));
}

#[test]
fn check_complete_on_empty_materials_lists_every_required_field() {
    let found = problems(Materials::default().check_complete());
    let fields: BTreeSet<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    let expected: BTreeSet<&str> = [
        "subject.name",
        "subject.credit_code",
        "subject.kind",
        "subject.region",
        "subject.contact.name",
        "subject.contact.phone",
        "source.basis",
        "resource.name",
        "resource.summary",
        "resource.data_type",
        "resource.industry",
        "resource.format",
        "resource.classification",
        "resource.grade",
        "resource.access_mode",
        "evidence.sha256",
        "evidence.taken_at",
        "security.conclusion",
        "attachments",
    ]
    .into();
    assert_eq!(fields, expected);
    assert_eq!(found.len(), expected.len(), "each field is reported once");
    let reasons: BTreeSet<&str> = found.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(reasons, ["REQUIRED", "UNDERTAKING_REQUIRED"].into());
}

#[test]
fn a_data_product_needs_products_and_scenarios_not_fields() {
    let mut m = valid();
    m.resource.data_type = Some(DataType::DataProductOrService);
    m.resource.fields.clear();
    m.resource.volume.clear();
    m.resource.time_span.clear();
    m.resource.update_frequency.clear();
    m.resource.storage_location.clear();
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("products", "REQUIRED"), ("scenarios", "REQUIRED")])
    );
    let code = UnifiedCode::new(
        DataType::PublicDataResource,
        Region::parse("350000").unwrap(),
        2026,
        1,
    )
    .unwrap();
    m.products = vec![Product {
        name: "企业画像".into(),
        description: "基于登记信息".into(),
        resource_codes: vec![code.to_string()],
    }];
    m.scenarios = vec![Scenario {
        name: "信贷风控".into(),
        description: String::new(),
    }];
    assert_eq!(m.check_complete(), Ok(()));
    // The same data as a type 1 resource must describe its fields and storage again.
    m.resource.data_type = Some(DataType::PublicDataResource);
    let fields: Vec<String> = problems(m.check_complete())
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        fields,
        [
            "resource.fields",
            "resource.volume",
            "resource.time_span",
            "resource.update_frequency",
            "resource.storage_location"
        ]
    );
}

#[test]
fn open_data_must_be_open_and_core_data_never() {
    let mut m = valid();
    m.resource.data_type = Some(DataType::OpenDataResource);
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("resource.access_mode", "OPEN_DATA_NOT_OPEN")])
    );
    m.resource.access_mode = Some(AccessMode::Open);
    assert_eq!(m.check_complete(), Ok(()));
    m.resource.grade = Some(DataGrade::Core);
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("resource.access_mode", "CORE_DATA_OPEN")])
    );
}

#[test]
fn bad_credit_codes_carry_the_codes_reason() {
    for (code, reason) in [
        ("91350100M000100Y44", "CREDIT_CODE_BAD_CHECK_CHARACTER"),
        ("91350100M000100Y4", "CREDIT_CODE_LENGTH"),
        ("91350100M00010OY43", "CREDIT_CODE_CHARACTER"),
    ] {
        let mut m = valid();
        m.subject.credit_code = code.into();
        assert_eq!(
            problems(m.check_complete()),
            pairs(&[("subject.credit_code", reason)]),
            "{code}"
        );
    }
    // Lower case is the same code.
    let mut m = valid();
    m.subject.credit_code = OWN.to_lowercase();
    assert_eq!(m.check_complete(), Ok(()));
    // An agent filing by proxy is checked the same way.
    m.subject.agent = Some(Agent {
        name: "代理机构".into(),
        credit_code: "91110000802100433C".into(),
        mandate: "委托书".into(),
    });
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[(
            "subject.agent.credit_code",
            "CREDIT_CODE_BAD_CHECK_CHARACTER"
        )])
    );
}

#[test]
fn text_limits_count_characters_not_bytes() {
    let mut m = valid();
    // 200 characters of Chinese are 600 bytes of UTF-8 and still fit a name.
    m.resource.name = "数".repeat(MAX_NAME);
    m.resource.summary = "摘".repeat(MAX_SUMMARY);
    assert_eq!(m.check_complete(), Ok(()));
    m.resource.name.push('据');
    m.resource.summary.push('要');
    assert_eq!(
        problems(m.check_form()),
        pairs(&[
            ("resource.name", "TOO_LONG"),
            ("resource.summary", "TOO_LONG")
        ])
    );
    let long = valid();
    let mut m = long.clone();
    m.subject.contact.phone = "1".repeat(21);
    assert_eq!(
        problems(m.check_form()),
        pairs(&[("subject.contact.phone", "TOO_LONG")])
    );
}

fn operator() -> Materials {
    let mut m = valid();
    m.subject.kind = Some(SubjectKind::AuthorisedOperator);
    m.source = Source {
        basis: Some(SourceBasis::AuthorisationAgreement),
        statutory_duty: String::new(),
        authorisation: Some(Authorisation {
            agreement_number: "授〔2025〕1号".into(),
            scope: "企业登记数据".into(),
            term_start: "2025-01-01".into(),
            term_end: "2027-12-31".into(),
        }),
    };
    m
}

#[test]
fn an_operator_cites_a_well_formed_authorisation() {
    assert_eq!(operator().check_complete(), Ok(()));
    let mut m = operator();
    m.source.authorisation.as_mut().unwrap().term_end = "2024-12-31".into();
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("source.authorisation.term_end", "TERM_ENDS_BEFORE_START")])
    );
    let mut m = operator();
    m.source.authorisation = None;
    assert_eq!(problems(m.check_form()), vec![]);
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("source.authorisation", "REQUIRED")])
    );
    let mut m = operator();
    m.source.basis = Some(SourceBasis::StatutoryDuty);
    m.source.statutory_duty = "法定职责".into();
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("source.basis", "OPERATOR_NEEDS_AGREEMENT")])
    );
    let mut m = operator();
    m.source.authorisation.as_mut().unwrap().scope.clear();
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("source.authorisation.scope", "REQUIRED")])
    );
}

#[test]
fn personal_information_needs_deidentification_measures() {
    let mut m = valid();
    m.security.contains_personal_information = true;
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("security.deidentification_measures", "REQUIRED")])
    );
    m.security.deidentification_measures = "姓名脱敏，证件号哈希".into();
    assert_eq!(m.check_complete(), Ok(()));
}

#[test]
fn the_registration_undertaking_is_required_on_submission() {
    let mut m = valid();
    m.attachments[0].kind = AttachmentKind::DescriptionDocument;
    assert_eq!(m.check_form(), Ok(()));
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("attachments", "UNDERTAKING_REQUIRED")])
    );
    let mut m = valid();
    m.attachments[0].sha256 = "cd".repeat(31);
    m.attachments[0].file_name.clear();
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[
            ("attachments[0].sha256", "BAD_DIGEST"),
            ("attachments[0].file_name", "REQUIRED")
        ])
    );
}

#[test]
fn product_resource_codes_must_be_unified_codes() {
    let mut m = valid();
    let good = UnifiedCode::new(
        DataType::PublicDataResource,
        Region::parse("350000").unwrap(),
        2026,
        1,
    )
    .unwrap()
    .to_string();
    let mut typo = good.clone();
    typo.replace_range(17..18, if good.ends_with('0') { "1" } else { "0" });
    m.products = vec![Product {
        name: "企业画像".into(),
        description: "说明".into(),
        resource_codes: vec![good, typo],
    }];
    assert_eq!(
        problems(m.check_complete()),
        pairs(&[("products[0].resource_codes[1]", "CODE_BAD_CHECK_CHARACTER")])
    );
}

#[test]
fn regions_are_checked_against_gb_t_2260_prefixes() {
    let mut m = valid();
    m.subject.region = "990000".into();
    assert_eq!(
        problems(m.check_form()),
        pairs(&[("subject.region", "REGION_PROVINCE")])
    );
}

#[test]
fn removing_personal_data_clears_only_the_contact() {
    let m = valid();
    let clean = m.without_personal_data();
    assert_eq!(clean.subject.contact, Contact::default());
    assert_eq!(
        Materials {
            subject: Subject {
                contact: m.subject.contact.clone(),
                ..clean.subject.clone()
            },
            ..clean
        },
        m
    );
}
