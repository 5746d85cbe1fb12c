//! The state of one application, as stored and as the rules see it.
use crate::domain::materials::Materials;
use crate::domain::types::RegistrationType;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    Draft,
    Submitted,
    Returned,
    InReview,
    InPublicity,
    Registered,
    NotAccepted,
    Refused,
    Withdrawn,
    /// Closed by the node: the code it acted on ended before it completed.
    Closed,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Draft,
        State::Submitted,
        State::Returned,
        State::InReview,
        State::InPublicity,
        State::Registered,
        State::NotAccepted,
        State::Refused,
        State::Withdrawn,
        State::Closed,
    ];

    /// Stable name, used in index keys and messages.
    pub fn name(self) -> &'static str {
        match self {
            State::Draft => "DRAFT",
            State::Submitted => "SUBMITTED",
            State::Returned => "RETURNED",
            State::InReview => "IN_REVIEW",
            State::InPublicity => "IN_PUBLICITY",
            State::Registered => "REGISTERED",
            State::NotAccepted => "NOT_ACCEPTED",
            State::Refused => "REFUSED",
            State::Withdrawn => "WITHDRAWN",
            State::Closed => "CLOSED",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Registered
                | State::NotAccepted
                | State::Refused
                | State::Withdrawn
                | State::Closed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publicity {
    /// The day review passed; publicity runs over the working days after it.
    pub start: Date,
    /// Last day of publicity; the code can be assigned from the next day on.
    pub end: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectionState {
    Open,
    Dismissed,
    Upheld,
    Superseded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub id: String,
    pub objector_name: String,
    /// Personal data: shown to staff only, purged with the application's contacts.
    #[serde(default)]
    pub objector_contact: String,
    pub reason: String,
    pub state: ObjectionState,
    pub resolution_reason: String,
    pub filed_at: i64,
}

/// One step taken, as shown in the application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub step: String,
    pub reason: String,
    pub actor: String,
    pub at: i64,
    /// Index of the transparency-log entry that records this step (set by the engine when it
    /// logs the event; the pure rules leave it 0).
    #[serde(default)]
    pub log_index: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub registration_type: RegistrationType,
    /// Credit code of the owning subject; registrants act only on their own.
    pub subject: String,
    pub state: State,
    pub materials: Materials,
    pub created_at: i64,
    /// The publicity text acknowledged at submission (and re-acknowledged on supplement).
    pub publicity_text: Option<String>,
    /// Due date of the current step while submitted or in review.
    pub due: Option<Date>,
    pub publicity: Option<Publicity>,
    /// The complete supplement list of the one allowed return.
    pub supplement_items: Vec<String>,
    pub returned_once: bool,
    /// Holder who accepted it: the same holder may not review it unless allowed.
    pub accepted_by: Option<String>,
    pub objections: Vec<Objection>,
    pub decisions: Vec<Decision>,
    /// The code a change, correction, renewal or deregistration acts on.
    #[serde(default)]
    pub target_code: Option<String>,
    /// The unified code, once assigned (for other types: the target code, once completed).
    pub code: Option<String>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// Number of events applied.
    pub revision: u64,
}

impl Application {
    pub fn has_open_objection(&self) -> bool {
        self.objections
            .iter()
            .any(|o| o.state == ObjectionState::Open)
    }

    /// The application with its personal contact data removed (the subject's contact and the
    /// objectors'); everything public stays.
    pub fn without_personal_data(&self) -> Application {
        let mut a = self.clone();
        a.materials = a.materials.without_personal_data();
        for o in &mut a.objections {
            o.objector_contact.clear();
        }
        a
    }

    /// The date the current step is due, or the last day of publicity.
    pub fn current_due(&self) -> Option<Date> {
        match self.state {
            State::Submitted | State::InReview => self.due,
            State::InPublicity => self.publicity.map(|p| p.end),
            _ => None,
        }
    }
}

/// The exact publicity notice (公示) text: subject name, registration type, data name, content
/// summary. The registrant acknowledges its SHA-256 on submission, so what is published is what
/// was agreed to.
pub fn publicity_text(registration_type: RegistrationType, m: &Materials) -> String {
    format!(
        "登记主体：{}\n登记类型：{}\n数据名称：{}\n内容摘要：{}\n",
        m.subject.name,
        registration_type.label_zh(),
        m.resource.name,
        m.resource.summary
    )
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}
