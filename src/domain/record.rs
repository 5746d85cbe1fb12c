//! The public registry record of one unified code: the facts published, and every version.
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
}

impl Record {
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
