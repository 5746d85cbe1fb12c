//! The public registry record of one unified code: the facts published, and every version.
use super::certificate::Certificate;
use super::flow::Application;
use super::types::{AccessMode, DataType, RegistrationType};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordStatus {
    Valid,
    Expired,
    Deregistered,
    Revoked,
}

impl RecordStatus {
    pub fn name(self) -> &'static str {
        match self {
            RecordStatus::Valid => "VALID",
            RecordStatus::Expired => "EXPIRED",
            RecordStatus::Deregistered => "DEREGISTERED",
            RecordStatus::Revoked => "REVOKED",
        }
    }

    /// The status [`RecordStatus::name`] names.
    pub fn from_name(name: &str) -> Option<RecordStatus> {
        [
            RecordStatus::Valid,
            RecordStatus::Expired,
            RecordStatus::Deregistered,
            RecordStatus::Revoked,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVersion {
    pub version: u32,
    pub registration_type: RegistrationType,
    pub application_id: String,
    pub query_code: String,
    pub assigned_on: Date,
    pub valid_from: Date,
    pub valid_until: Date,
}

impl RecordVersion {
    /// The version a certificate states, with the application behind it (empty: none here).
    fn of(c: &Certificate, application_id: String, query_code: String) -> RecordVersion {
        RecordVersion {
            version: c.version,
            registration_type: c.registration_type,
            application_id,
            query_code,
            assigned_on: c.assigned_on,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub code: String,
    pub current_version: u32,
    /// Stored status; expiry is derived from `valid_until` and today by [`Record::status_on`].
    pub status: RecordStatus,
    pub subject_name: String,
    pub subject_credit_code: String,
    pub data_type: DataType,
    /// GB/T 2260 region of the subject.
    pub region: String,
    pub industry: String,
    pub data_name: String,
    pub summary: String,
    pub access_mode: Option<AccessMode>,
    pub valid_from: Date,
    pub valid_until: Date,
    pub versions: Vec<RecordVersion>,
    pub issuer_node: String,
    /// How the code ended, once deregistered or revoked: it stays resolvable as a tombstone.
    /// Always written (records are stored in the positional compact form); `default` reads a
    /// record stored in JSON before the field existed.
    #[serde(default)]
    pub ended: Option<RecordEnd>,
}

/// The public facts the registration institution may correct on a record itself (更正 by the
/// institution); each one given replaces the record's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCorrection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
}

/// The end of a code: deregistered by its subject's application, or revoked by the institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEnd {
    pub status: RecordStatus,
    pub on: Date,
    /// The deregistration application, or empty for a revocation.
    pub application_id: String,
    pub reason: String,
}

impl Record {
    /// The record a registered application publishes with its first certificate. The same on
    /// the issuing node and on the national node that rebuilds it from the issuer's log.
    pub fn first_version(app: &Application, c: &Certificate, query_code: String) -> Record {
        let m = &app.materials;
        Record {
            code: c.code.to_string(),
            current_version: c.version,
            status: RecordStatus::Valid,
            subject_name: m.subject.name.clone(),
            subject_credit_code: app.subject.clone(),
            data_type: c.data_type,
            region: m.subject.region.clone(),
            industry: m.resource.industry.clone(),
            data_name: m.resource.name.clone(),
            summary: m.resource.summary.clone(),
            access_mode: m.resource.access_mode,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            versions: vec![RecordVersion::of(c, app.id.clone(), query_code)],
            issuer_node: c.issuer_node.clone(),
            ended: None,
        }
    }

    /// The record after a change, correction or renewal completed by `app`: the facts its
    /// materials state, the new validity, and the new version appended to the history.
    pub fn with_version(
        mut self,
        app: &Application,
        c: &Certificate,
        query_code: String,
    ) -> Record {
        let m = &app.materials;
        self.current_version = c.version;
        self.subject_name = m.subject.name.clone();
        self.region = m.subject.region.clone();
        self.industry = m.resource.industry.clone();
        self.data_name = m.resource.name.clone();
        self.summary = m.resource.summary.clone();
        self.access_mode = m.resource.access_mode;
        self.next_version(c, app.id.clone(), query_code)
    }

    /// Appends the version certificate `c` states; its term becomes the record's, and its
    /// issuer the record's (a code handed over to a province has the province issue its next
    /// versions).
    fn next_version(
        mut self,
        c: &Certificate,
        application_id: String,
        query_code: String,
    ) -> Record {
        self.current_version = c.version;
        self.issuer_node = c.issuer_node.clone();
        self.valid_from = c.valid_from;
        self.valid_until = c.valid_until;
        self.versions
            .push(RecordVersion::of(c, application_id, query_code));
        self
    }

    /// The record after the institution corrected it itself: the corrected facts, and the new
    /// version (a correction, with no application behind it) appended to the history.
    pub fn corrected(
        mut self,
        fix: &RecordCorrection,
        c: &Certificate,
        query_code: String,
    ) -> Record {
        let set = |field: &mut String, new: &Option<String>| {
            if let Some(v) = new {
                *field = v.clone();
            }
        };
        set(&mut self.subject_name, &fix.subject_name);
        set(&mut self.data_name, &fix.data_name);
        set(&mut self.summary, &fix.summary);
        set(&mut self.industry, &fix.industry);
        self.next_version(c, String::new(), query_code)
    }

    /// The record ended (deregistered or revoked) on `on`: a tombstone that keeps every version.
    pub fn ended(mut self, end: RecordEnd) -> Record {
        self.status = end.status;
        self.ended = Some(end);
        self
    }

    /// The record as a certificate alone states it: for a record handed over from another node,
    /// whose application stays there. The region is the code's namespace; industry and access
    /// mode, which certificates do not carry, are left empty.
    pub fn from_certificate(c: &Certificate, query_code: String) -> Record {
        Record {
            code: c.code.to_string(),
            current_version: c.version,
            status: RecordStatus::Valid,
            subject_name: c.subject_name.clone(),
            subject_credit_code: c.subject_credit_code.as_str().to_string(),
            data_type: c.data_type,
            region: c.code.region.to_string(),
            industry: String::new(),
            data_name: c.data_name.clone(),
            summary: c.summary.clone(),
            access_mode: None,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            versions: vec![RecordVersion::of(c, String::new(), query_code)],
            issuer_node: c.issuer_node.clone(),
            ended: None,
        }
    }

    /// The day the record ends: the day it was deregistered or revoked, else its last valid day.
    pub fn end_date(&self) -> Date {
        self.ended.as_ref().map_or(self.valid_until, |e| e.on)
    }

    /// Every application of this node behind the record: each version's, and the one that
    /// ended it (not the institution's own actions, nor mirrored ones).
    pub fn application_ids(&self) -> Vec<String> {
        self.versions
            .iter()
            .map(|v| v.application_id.clone())
            .chain(self.ended.iter().map(|e| e.application_id.clone()))
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .collect()
    }

    /// Status on a given day: a valid record past its validity has expired.
    pub fn status_on(&self, today: Date) -> RecordStatus {
        if self.status == RecordStatus::Valid && today > self.valid_until {
            RecordStatus::Expired
        } else {
            self.status
        }
    }

    /// Whether a keyword occurs in the searchable text. Substring matching works for Chinese,
    /// which has no word boundaries to tokenise on.
    pub fn matches_keyword(&self, keyword: &str) -> bool {
        let k = keyword.trim();
        k.is_empty()
            || self.data_name.contains(k)
            || self.summary.contains(k)
            || self.subject_name.contains(k)
            || self.code.eq_ignore_ascii_case(k)
    }
}
