//! The form of a draft's whole materials, field by field, named by the dotted paths that
//! validation reports (`subject.credit_code`, `resource.fields[2].name` under `resource.fields`),
//! so each problem is marked at its field. Lists are one line per item, parts split by `|`.
use crate::domain::materials::{
    Agent, AttachmentRef, Authorisation, Contact, Evidence, Field, Materials, Product, Resource,
    Scenario, SecurityAssessment, Source, Subject, Violation,
};
use crate::domain::types::{AccessMode, DataType, SubjectKind};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;

/// The choices of an enum field: the value the form sends (the enum's serde name) and its label.
pub type Choices = &'static [(&'static str, &'static str)];

pub const SUBJECT_KINDS: Choices = &[
    (
        "GovernmentDepartment",
        SubjectKind::GovernmentDepartment.label_zh(),
    ),
    (
        "PublicInstitution",
        SubjectKind::PublicInstitution.label_zh(),
    ),
    (
        "AuthorisedOperator",
        SubjectKind::AuthorisedOperator.label_zh(),
    ),
];
pub const SOURCE_BASES: Choices = &[
    ("StatutoryDuty", "依法履职采集"),
    ("AuthorisationAgreement", "授权运营协议"),
];
pub const DATA_TYPES: Choices = &[
    (
        "PublicDataResource",
        DataType::PublicDataResource.label_zh(),
    ),
    (
        "DataProductOrService",
        DataType::DataProductOrService.label_zh(),
    ),
    ("OpenDataResource", DataType::OpenDataResource.label_zh()),
];
pub const GRADES: Choices = &[
    ("General", "一般数据"),
    ("Important", "重要数据"),
    ("Core", "核心数据"),
];
pub const ACCESS_MODES: Choices = &[
    ("Open", AccessMode::Open.label_zh()),
    ("Shared", AccessMode::Shared.label_zh()),
    (
        "AuthorisedOperation",
        AccessMode::AuthorisedOperation.label_zh(),
    ),
    ("OnApplication", AccessMode::OnApplication.label_zh()),
];

/// The form as sent: every field a string (a checkbox: present or not).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MaterialsForm {
    pub csrf: String,
    pub request_id: String,
    /// A supplement's note to the clerk, and the SHA-256 of the publicity text it acknowledges
    /// (empty elsewhere).
    pub note: String,
    pub publicity_text_sha256: String,
    #[serde(rename = "subject.name")]
    subject_name: String,
    #[serde(rename = "subject.credit_code")]
    pub subject_credit_code: String,
    #[serde(rename = "subject.kind")]
    subject_kind: String,
    #[serde(rename = "subject.region")]
    subject_region: String,
    #[serde(rename = "subject.contact.name")]
    contact_name: String,
    #[serde(rename = "subject.contact.phone")]
    contact_phone: String,
    #[serde(rename = "subject.contact.email")]
    contact_email: String,
    #[serde(rename = "subject.agent.name")]
    agent_name: String,
    #[serde(rename = "subject.agent.credit_code")]
    agent_credit_code: String,
    #[serde(rename = "subject.agent.mandate")]
    agent_mandate: String,
    #[serde(rename = "source.basis")]
    source_basis: String,
    #[serde(rename = "source.statutory_duty")]
    statutory_duty: String,
    #[serde(rename = "source.authorisation.agreement_number")]
    agreement_number: String,
    #[serde(rename = "source.authorisation.scope")]
    agreement_scope: String,
    #[serde(rename = "source.authorisation.term_start")]
    term_start: String,
    #[serde(rename = "source.authorisation.term_end")]
    term_end: String,
    #[serde(rename = "resource.name")]
    resource_name: String,
    #[serde(rename = "resource.summary")]
    summary: String,
    #[serde(rename = "resource.data_type")]
    data_type: String,
    #[serde(rename = "resource.industry")]
    industry: String,
    #[serde(rename = "resource.format")]
    format: String,
    /// One field a line: `name|type|description`.
    #[serde(rename = "resource.fields")]
    fields: String,
    #[serde(rename = "resource.volume")]
    volume: String,
    #[serde(rename = "resource.time_span")]
    time_span: String,
    #[serde(rename = "resource.update_frequency")]
    update_frequency: String,
    #[serde(rename = "resource.storage_location")]
    storage_location: String,
    #[serde(rename = "resource.classification")]
    classification: String,
    #[serde(rename = "resource.grade")]
    grade: String,
    #[serde(rename = "resource.access_mode")]
    access_mode: String,
    #[serde(rename = "evidence.sha256")]
    evidence_sha256: String,
    /// When the evidence was taken: `YYYY-MM-DD` (Beijing time) or RFC 3339.
    #[serde(rename = "evidence.taken_at")]
    evidence_taken_at: String,
    #[serde(rename = "evidence.description")]
    evidence_description: String,
    /// One product a line: `name|description|code,code`.
    products: String,
    /// One scenario a line: `name|description`.
    scenarios: String,
    #[serde(rename = "security.conclusion")]
    conclusion: String,
    #[serde(rename = "security.contains_personal_information")]
    personal: Option<String>,
    #[serde(rename = "security.contains_important_data")]
    important: Option<String>,
    #[serde(rename = "security.deidentification_measures")]
    deidentification: String,
}

fn name_of<T: Serialize>(v: &Option<T>) -> String {
    v.as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An enum from its serde name; an empty value is none, another one a violation.
fn choice<T: DeserializeOwned>(field: &str, value: &str, bad: &mut Vec<Violation>) -> Option<T> {
    if value.is_empty() {
        return None;
    }
    let parsed = serde_json::from_value(serde_json::Value::String(value.to_string())).ok();
    if parsed.is_none() {
        bad.push(Violation {
            field: field.to_string(),
            reason: "UNKNOWN_ENUM_VALUE".into(),
            message: format!(
                "{field}: {} is not one of the choices",
                crate::domain::flow::echo(value)
            ),
        });
    }
    parsed
}

/// The lines of a list field, each split into its `|` parts (missing parts empty).
fn rows<const N: usize>(text: &str) -> Vec<[String; N]> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.splitn(N, '|').map(|p| p.trim().to_string());
            std::array::from_fn(|_| parts.next().unwrap_or_default())
        })
        .collect()
}

fn t(s: &str) -> String {
    s.trim().to_string()
}

const BEIJING: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// Unix seconds from `YYYY-MM-DD` (midnight, Beijing time) or RFC 3339; 0 for empty.
fn parsed_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(s, &day) {
        return Some(d.midnight().assume_offset(BEIJING).unix_timestamp());
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// A time as the form shows it again: RFC 3339 in Beijing time; empty for none.
fn shown_time(seconds: i64) -> String {
    if seconds <= 0 {
        return String::new();
    }
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.to_offset(BEIJING)
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl MaterialsForm {
    /// The form filled with `m`.
    pub fn of(m: &Materials) -> MaterialsForm {
        let s = &m.subject;
        let agent = s.agent.clone().unwrap_or_default();
        let auth = m.source.authorisation.clone().unwrap_or_default();
        let r = &m.resource;
        MaterialsForm {
            csrf: String::new(),
            request_id: String::new(),
            note: String::new(),
            publicity_text_sha256: String::new(),
            subject_name: s.name.clone(),
            subject_credit_code: s.credit_code.clone(),
            subject_kind: name_of(&s.kind),
            subject_region: s.region.clone(),
            contact_name: s.contact.name.clone(),
            contact_phone: s.contact.phone.clone(),
            contact_email: s.contact.email.clone(),
            agent_name: agent.name,
            agent_credit_code: agent.credit_code,
            agent_mandate: agent.mandate,
            source_basis: name_of(&m.source.basis),
            statutory_duty: m.source.statutory_duty.clone(),
            agreement_number: auth.agreement_number,
            agreement_scope: auth.scope,
            term_start: auth.term_start,
            term_end: auth.term_end,
            resource_name: r.name.clone(),
            summary: r.summary.clone(),
            data_type: name_of(&r.data_type),
            industry: r.industry.clone(),
            format: r.format.clone(),
            fields: r
                .fields
                .iter()
                .map(|f| format!("{}|{}|{}", f.name, f.r#type, f.description))
                .collect::<Vec<_>>()
                .join("\n"),
            volume: r.volume.clone(),
            time_span: r.time_span.clone(),
            update_frequency: r.update_frequency.clone(),
            storage_location: r.storage_location.clone(),
            classification: r.classification.clone(),
            grade: name_of(&r.grade),
            access_mode: name_of(&r.access_mode),
            evidence_sha256: m.evidence.sha256.clone(),
            evidence_taken_at: shown_time(m.evidence.taken_at),
            evidence_description: m.evidence.description.clone(),
            products: m
                .products
                .iter()
                .map(|p| {
                    format!(
                        "{}|{}|{}",
                        p.name,
                        p.description,
                        p.resource_codes.join(",")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            scenarios: m
                .scenarios
                .iter()
                .map(|s| format!("{}|{}", s.name, s.description))
                .collect::<Vec<_>>()
                .join("\n"),
            conclusion: m.security.conclusion.clone(),
            personal: m
                .security
                .contains_personal_information
                .then(|| "on".into()),
            important: m.security.contains_important_data.then(|| "on".into()),
            deidentification: m.security.deidentification_measures.clone(),
        }
    }

    /// The materials the form gives, with the draft's `attachments` kept (they are uploaded
    /// apart from the form), and the form's own problems: a choice not among its options or a
    /// time that does not parse (that field is left empty in the materials).
    pub fn materials(&self, attachments: Vec<AttachmentRef>) -> (Materials, Vec<Violation>) {
        let mut bad = Vec::new();
        let taken_at = match parsed_time(&self.evidence_taken_at) {
            Some(t) => t,
            None => {
                bad.push(Violation {
                    field: "evidence.taken_at".into(),
                    reason: "BAD_DATE".into(),
                    message: "evidence.taken_at is not a date (YYYY-MM-DD) or an RFC 3339 time"
                        .into(),
                });
                0
            }
        };
        let agent = [
            &self.agent_name,
            &self.agent_credit_code,
            &self.agent_mandate,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
        .then(|| Agent {
            name: t(&self.agent_name),
            credit_code: t(&self.agent_credit_code),
            mandate: t(&self.agent_mandate),
        });
        let authorisation = [
            &self.agreement_number,
            &self.agreement_scope,
            &self.term_start,
            &self.term_end,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
        .then(|| Authorisation {
            agreement_number: t(&self.agreement_number),
            scope: t(&self.agreement_scope),
            term_start: t(&self.term_start),
            term_end: t(&self.term_end),
        });
        let m = Materials {
            subject: Subject {
                name: t(&self.subject_name),
                credit_code: t(&self.subject_credit_code),
                kind: choice("subject.kind", &self.subject_kind, &mut bad),
                region: t(&self.subject_region),
                contact: Contact {
                    name: t(&self.contact_name),
                    phone: t(&self.contact_phone),
                    email: t(&self.contact_email),
                },
                agent,
            },
            source: Source {
                basis: choice("source.basis", &self.source_basis, &mut bad),
                statutory_duty: t(&self.statutory_duty),
                authorisation,
            },
            resource: Resource {
                name: t(&self.resource_name),
                summary: t(&self.summary),
                data_type: choice("resource.data_type", &self.data_type, &mut bad),
                industry: t(&self.industry),
                format: t(&self.format),
                fields: rows::<3>(&self.fields)
                    .into_iter()
                    .map(|[name, r#type, description]| Field {
                        name,
                        r#type,
                        description,
                    })
                    .collect(),
                volume: t(&self.volume),
                time_span: t(&self.time_span),
                update_frequency: t(&self.update_frequency),
                storage_location: t(&self.storage_location),
                classification: t(&self.classification),
                grade: choice("resource.grade", &self.grade, &mut bad),
                access_mode: choice("resource.access_mode", &self.access_mode, &mut bad),
            },
            evidence: Evidence {
                sha256: t(&self.evidence_sha256),
                taken_at,
                description: t(&self.evidence_description),
            },
            products: rows::<3>(&self.products)
                .into_iter()
                .map(|[name, description, codes]| Product {
                    name,
                    description,
                    resource_codes: codes
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
                .collect(),
            scenarios: rows::<2>(&self.scenarios)
                .into_iter()
                .map(|[name, description]| Scenario { name, description })
                .collect(),
            security: SecurityAssessment {
                conclusion: t(&self.conclusion),
                contains_personal_information: self.personal.is_some(),
                contains_important_data: self.important.is_some(),
                deidentification_measures: t(&self.deidentification),
            },
            attachments,
        };
        (m, bad)
    }
}

/// The form as a page shows it: each field's value, and each marked field's problems.
pub struct FormView {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

/// A violation in Chinese where the reason is a common one.
pub fn problem(v: &Violation) -> String {
    match v.reason.as_str() {
        "REQUIRED" => "必填。".to_string(),
        "TOO_LONG" => "过长。".to_string(),
        "UNKNOWN_ENUM_VALUE" => "请从选项中选择。".to_string(),
        _ => v.message.clone(),
    }
}

impl FormView {
    pub fn new(form: &MaterialsForm, violations: &[Violation]) -> FormView {
        let values = match serde_json::to_value(form) {
            Ok(serde_json::Value::Object(m)) => m
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_default()))
                .collect(),
            _ => BTreeMap::new(),
        };
        let mut errors: BTreeMap<String, String> = BTreeMap::new();
        for v in violations {
            // `resource.fields[2].name` is marked at `resource.fields`, saying which line.
            let (field, line) = match v.field.split_once('[') {
                Some((list, rest)) => {
                    let n: usize = rest
                        .split(']')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    (list.to_string(), format!("第 {} 行：", n + 1))
                }
                None => (v.field.clone(), String::new()),
            };
            let text = format!("{line}{}", problem(v));
            errors
                .entry(field)
                .and_modify(|e| {
                    e.push(' ');
                    e.push_str(&text)
                })
                .or_insert(text);
        }
        FormView { values, errors }
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn selected(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }

    pub fn checked(&self, name: &str) -> bool {
        !self.value(name).is_empty()
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Materials {
        let mut m = Materials::default();
        m.subject.name = "某市数据局".into();
        m.subject.credit_code = "11350100M000100Y43".into();
        m.subject.kind = Some(crate::domain::types::SubjectKind::GovernmentDepartment);
        m.resource.fields = vec![Field {
            name: "企业名称".into(),
            r#type: "string".into(),
            description: "登记名称".into(),
        }];
        m.security.contains_personal_information = true;
        m.evidence.taken_at = 1_761_984_000;
        m
    }

    #[test]
    fn a_form_gives_back_the_materials_it_was_filled_with() {
        let m = example();
        let (back, bad) = MaterialsForm::of(&m).materials(Vec::new());
        assert_eq!((back, bad), (m, Vec::new()));
    }

    #[test]
    fn a_bad_choice_and_a_list_lines_problem_are_marked_at_their_fields() {
        let mut form = MaterialsForm::of(&example());
        form.subject_kind = "Mayor".into();
        let (_, bad) = form.materials(Vec::new());
        assert_eq!(bad[0].field, "subject.kind");
        let listed = Violation {
            field: "resource.fields[1].name".into(),
            reason: "REQUIRED".into(),
            message: String::new(),
        };
        let view = FormView::new(&form, &[bad[0].clone(), listed]);
        assert_eq!(view.error("subject.kind"), Some("请从选项中选择。"));
        assert_eq!(view.error("resource.fields"), Some("第 2 行：必填。"));
        assert_eq!(view.value("subject.name"), "某市数据局");
        assert!(view.checked("security.contains_personal_information"));
    }
}
