//! 申请材料: the materials of an application and their validation.
//!
//! Validation has two levels. A draft may be incomplete, so create and edit check only that what
//! is present is well formed ([`Materials::check_form`]). Submission and supplement also require
//! everything the data type needs ([`Materials::check_complete`]). Both report every problem at
//! once, as the acceptance rules ask (一次性告知), never just the first.
use super::codes::{CreditCode, Region, UnifiedCode};
use super::types::*;
use serde::{Deserialize, Serialize};

/// Longest accepted text per kind of field, in characters.
pub const MAX_NAME: usize = 200;
pub const MAX_SUMMARY: usize = 2000;
pub const MAX_TEXT: usize = 4000;
pub const MAX_LIST: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Materials {
    pub subject: Subject,
    pub source: Source,
    pub resource: Resource,
    pub evidence: Evidence,
    pub products: Vec<Product>,
    pub scenarios: Vec<Scenario>,
    pub security: SecurityAssessment,
    pub attachments: Vec<AttachmentRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub credit_code: String,
    pub kind: Option<SubjectKind>,
    pub region: String,
    /// Personal data: kept out of events and the public registry, purged after retention.
    pub contact: Contact,
    pub agent: Option<Agent>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub name: String,
    pub credit_code: String,
    pub mandate: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub basis: Option<SourceBasis>,
    pub statutory_duty: String,
    pub authorisation: Option<Authorisation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorisation {
    pub agreement_number: String,
    pub scope: String,
    pub term_start: String,
    pub term_end: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    pub summary: String,
    pub data_type: Option<DataType>,
    pub industry: String,
    pub format: String,
    pub fields: Vec<Field>,
    pub volume: String,
    pub time_span: String,
    pub update_frequency: String,
    pub storage_location: String,
    pub classification: String,
    pub grade: Option<DataGrade>,
    pub access_mode: Option<AccessMode>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub r#type: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub sha256: String,
    /// Unix seconds; 0 when not given.
    pub taken_at: i64,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub name: String,
    pub description: String,
    pub resource_codes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityAssessment {
    pub conclusion: String,
    pub contains_personal_information: bool,
    pub contains_important_data: bool,
    pub deidentification_measures: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub kind: AttachmentKind,
    pub sha256: String,
    pub file_name: String,
    pub size: u64,
}

/// One problem found in the materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Dotted path of the field, e.g. `subject.credit_code`.
    pub field: String,
    /// Stable reason code, e.g. `REQUIRED`, `TOO_LONG`, `CODE_BAD_CHECK_CHARACTER`.
    pub reason: String,
    pub message: String,
}

/// Collects violations while walking the materials.
#[derive(Default)]
struct Check {
    found: Vec<Violation>,
    /// Whether missing values are violations (submission) or allowed (draft).
    complete: bool,
}

impl Check {
    fn add(&mut self, field: &str, reason: &str, message: impl Into<String>) {
        self.found.push(Violation {
            field: field.into(),
            reason: reason.into(),
            message: message.into(),
        });
    }

    /// Checks a text field's length; when `required`, also that it is present on submission.
    fn text(&mut self, field: &str, value: &str, max: usize, required: bool) {
        let len = value.chars().count();
        if value.trim().is_empty() {
            if required && self.complete {
                self.add(field, "REQUIRED", format!("{field} is required"));
            }
        } else if len > max {
            self.add(
                field,
                "TOO_LONG",
                format!("{field} has {len} characters; at most {max} are allowed"),
            );
        } else if value.chars().any(|c| c.is_control() && c != '\n') {
            self.add(
                field,
                "CONTROL_CHARACTER",
                format!("{field} contains control characters"),
            );
        }
    }

    fn present<T>(&mut self, field: &str, value: &Option<T>) {
        if value.is_none() && self.complete {
            self.add(field, "REQUIRED", format!("{field} is required"));
        }
    }

    fn credit_code(&mut self, field: &str, value: &str, required: bool) {
        if value.is_empty() {
            self.text(field, value, MAX_NAME, required);
        } else if let Err(e) = CreditCode::parse(value) {
            self.add(field, e.reason(), format!("{field}: {e}"));
        }
    }

    fn date(&mut self, field: &str, value: &str, required: bool) -> Option<time::Date> {
        if value.is_empty() {
            self.text(field, value, 10, required);
            return None;
        }
        match parse_date(value) {
            Some(d) => Some(d),
            None => {
                self.add(
                    field,
                    "BAD_DATE",
                    format!("{field}: {value:?} is not a date YYYY-MM-DD"),
                );
                None
            }
        }
    }

    fn list<T>(&mut self, field: &str, list: &[T], min: usize) {
        if list.len() > MAX_LIST {
            self.add(
                field,
                "TOO_MANY",
                format!("{field} has more than {MAX_LIST} items"),
            );
        } else if list.len() < min && self.complete {
            self.add(
                field,
                "REQUIRED",
                format!("{field} needs at least {min} item(s)"),
            );
        }
    }
}

/// Parses an ISO 8601 calendar date (`2026-03-01`).
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Materials {
    /// Well-formedness of what is present (drafts).
    pub fn check_form(&self) -> Result<(), Vec<Violation>> {
        self.run(false)
    }

    /// Well-formedness and completeness (submission, supplement).
    pub fn check_complete(&self) -> Result<(), Vec<Violation>> {
        self.run(true)
    }

    fn run(&self, complete: bool) -> Result<(), Vec<Violation>> {
        let mut c = Check {
            found: Vec::new(),
            complete,
        };
        self.check_subject(&mut c);
        self.check_source(&mut c);
        self.check_resource(&mut c);
        self.check_rest(&mut c);
        if c.found.is_empty() {
            Ok(())
        } else {
            Err(c.found)
        }
    }

    fn check_subject(&self, c: &mut Check) {
        let s = &self.subject;
        c.text("subject.name", &s.name, MAX_NAME, true);
        c.credit_code("subject.credit_code", &s.credit_code, true);
        c.present("subject.kind", &s.kind);
        if s.region.is_empty() {
            c.text("subject.region", "", 6, true);
        } else if let Err(e) = Region::parse(&s.region) {
            c.add("subject.region", e.reason(), format!("subject.region: {e}"));
        }
        c.text("subject.contact.name", &s.contact.name, MAX_NAME, true);
        c.text("subject.contact.phone", &s.contact.phone, 20, true);
        let phone_ok = s
            .contact
            .phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || "+- ".contains(ch));
        if !phone_ok {
            c.add(
                "subject.contact.phone",
                "BAD_PHONE",
                "subject.contact.phone may hold only digits, '+', '-' and spaces",
            );
        }
        c.text("subject.contact.email", &s.contact.email, MAX_NAME, false);
        if !s.contact.email.is_empty() && !s.contact.email.contains('@') {
            c.add(
                "subject.contact.email",
                "BAD_EMAIL",
                "subject.contact.email is not an e-mail address",
            );
        }
        if let Some(a) = &s.agent {
            c.text("subject.agent.name", &a.name, MAX_NAME, true);
            c.credit_code("subject.agent.credit_code", &a.credit_code, true);
            c.text("subject.agent.mandate", &a.mandate, MAX_TEXT, true);
        }
    }

    fn check_source(&self, c: &mut Check) {
        let s = &self.source;
        c.present("source.basis", &s.basis);
        c.text(
            "source.statutory_duty",
            &s.statutory_duty,
            MAX_TEXT,
            s.basis == Some(SourceBasis::StatutoryDuty),
        );
        let needs_agreement = s.basis == Some(SourceBasis::AuthorisationAgreement);
        if self.subject.kind == Some(SubjectKind::AuthorisedOperator)
            && s.basis == Some(SourceBasis::StatutoryDuty)
        {
            c.add(
                "source.basis",
                "OPERATOR_NEEDS_AGREEMENT",
                "an authorised operator must cite its authorisation agreement",
            );
        }
        match &s.authorisation {
            None if needs_agreement => c.present::<()>("source.authorisation", &None),
            None => {}
            Some(a) => {
                c.text(
                    "source.authorisation.agreement_number",
                    &a.agreement_number,
                    MAX_NAME,
                    true,
                );
                c.text("source.authorisation.scope", &a.scope, MAX_TEXT, true);
                let start = c.date("source.authorisation.term_start", &a.term_start, true);
                let end = c.date("source.authorisation.term_end", &a.term_end, true);
                if let (Some(start), Some(end)) = (start, end) {
                    if end < start {
                        c.add(
                            "source.authorisation.term_end",
                            "TERM_ENDS_BEFORE_START",
                            "the authorisation term ends before it starts",
                        );
                    }
                }
            }
        }
    }

    fn check_resource(&self, c: &mut Check) {
        let r = &self.resource;
        c.text("resource.name", &r.name, MAX_NAME, true);
        c.text("resource.summary", &r.summary, MAX_SUMMARY, true);
        c.present("resource.data_type", &r.data_type);
        c.text("resource.industry", &r.industry, MAX_NAME, true);
        c.text("resource.format", &r.format, MAX_NAME, true);
        // A data resource (types 1 and 3) is described down to its fields and storage; a product
        // (type 2) is described by its products below instead.
        let is_resource = matches!(
            r.data_type,
            Some(DataType::PublicDataResource | DataType::OpenDataResource)
        );
        c.list("resource.fields", &r.fields, usize::from(is_resource));
        for (i, f) in r.fields.iter().enumerate() {
            c.text(
                &format!("resource.fields[{i}].name"),
                &f.name,
                MAX_NAME,
                true,
            );
            c.text(
                &format!("resource.fields[{i}].type"),
                &f.r#type,
                MAX_NAME,
                false,
            );
            c.text(
                &format!("resource.fields[{i}].description"),
                &f.description,
                MAX_TEXT,
                false,
            );
        }
        c.text("resource.volume", &r.volume, MAX_NAME, is_resource);
        c.text("resource.time_span", &r.time_span, MAX_NAME, is_resource);
        c.text(
            "resource.update_frequency",
            &r.update_frequency,
            MAX_NAME,
            is_resource,
        );
        c.text(
            "resource.storage_location",
            &r.storage_location,
            MAX_NAME,
            is_resource,
        );
        c.text("resource.classification", &r.classification, MAX_NAME, true);
        c.present("resource.grade", &r.grade);
        c.present("resource.access_mode", &r.access_mode);
        if r.data_type == Some(DataType::OpenDataResource)
            && r.access_mode.is_some()
            && r.access_mode != Some(AccessMode::Open)
        {
            c.add(
                "resource.access_mode",
                "OPEN_DATA_NOT_OPEN",
                "an open data resource must have access mode open",
            );
        }
        if r.grade == Some(DataGrade::Core) && r.access_mode == Some(AccessMode::Open) {
            c.add(
                "resource.access_mode",
                "CORE_DATA_OPEN",
                "core data cannot be opened to the public",
            );
        }
    }

    fn check_rest(&self, c: &mut Check) {
        let e = &self.evidence;
        if e.sha256.is_empty() {
            c.text("evidence.sha256", "", 64, true);
        } else if !is_sha256_hex(&e.sha256) {
            c.add(
                "evidence.sha256",
                "BAD_DIGEST",
                "evidence.sha256 must be 64 lower-case hex digits",
            );
        }
        if e.taken_at <= 0 && c.complete {
            c.add(
                "evidence.taken_at",
                "REQUIRED",
                "evidence.taken_at is required",
            );
        }
        c.text("evidence.description", &e.description, MAX_TEXT, false);
        let is_product = self.resource.data_type == Some(DataType::DataProductOrService);
        c.list("products", &self.products, usize::from(is_product));
        for (i, p) in self.products.iter().enumerate() {
            c.text(&format!("products[{i}].name"), &p.name, MAX_NAME, true);
            c.text(
                &format!("products[{i}].description"),
                &p.description,
                MAX_TEXT,
                true,
            );
            c.list(
                &format!("products[{i}].resource_codes"),
                &p.resource_codes,
                0,
            );
            for (j, code) in p.resource_codes.iter().enumerate() {
                if let Err(err) = UnifiedCode::parse(code) {
                    c.add(
                        &format!("products[{i}].resource_codes[{j}]"),
                        err.reason(),
                        format!("{}: {err}", crate::domain::flow::echo(code)),
                    );
                }
            }
        }
        c.list("scenarios", &self.scenarios, usize::from(is_product));
        for (i, s) in self.scenarios.iter().enumerate() {
            c.text(&format!("scenarios[{i}].name"), &s.name, MAX_NAME, true);
            c.text(
                &format!("scenarios[{i}].description"),
                &s.description,
                MAX_TEXT,
                false,
            );
        }
        let s = &self.security;
        c.text("security.conclusion", &s.conclusion, MAX_TEXT, true);
        c.text(
            "security.deidentification_measures",
            &s.deidentification_measures,
            MAX_TEXT,
            s.contains_personal_information,
        );
        c.list("attachments", &self.attachments, 0);
        for (i, a) in self.attachments.iter().enumerate() {
            if !is_sha256_hex(&a.sha256) {
                c.add(
                    &format!("attachments[{i}].sha256"),
                    "BAD_DIGEST",
                    "attachment sha256 must be 64 lower-case hex digits",
                );
            }
            c.text(
                &format!("attachments[{i}].file_name"),
                &a.file_name,
                MAX_NAME,
                true,
            );
        }
        let has_undertaking = self
            .attachments
            .iter()
            .any(|a| a.kind == AttachmentKind::RegistrationUndertaking);
        if c.complete && !has_undertaking {
            c.add(
                "attachments",
                "UNDERTAKING_REQUIRED",
                "the registration undertaking (登记承诺书) must be attached",
            );
        }
    }

    /// The materials as they may appear in the event log: personal contact data removed, so the
    /// log never has to be rewritten when contacts are purged.
    pub fn without_personal_data(&self) -> Materials {
        let mut m = self.clone();
        m.subject.contact = Contact::default();
        m
    }
}

#[cfg(test)]
#[path = "materials_tests.rs"]
mod tests;
