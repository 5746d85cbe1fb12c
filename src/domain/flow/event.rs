//! Events: what happened to an application. Every state change is one or more events, stored
//! with the state in the same transaction; later the transparency log is built from them.
use super::decide::Resolution;
use crate::domain::materials::Materials;
use crate::domain::types::RegistrationType;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Created {
        registration_type: RegistrationType,
        subject: String,
        materials: Materials,
        /// The code a change, correction, renewal or deregistration acts on (absent for an
        /// initial registration, so those entries keep their bytes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_code: Option<String>,
    },
    Edited {
        materials: Materials,
    },
    Submitted {
        publicity_text: String,
        acceptance_due: Date,
    },
    Withdrawn {
        reason: String,
    },
    Supplemented {
        materials: Materials,
        note: String,
        publicity_text: String,
        acceptance_due: Date,
    },
    Accepted {
        reason: String,
        review_due: Date,
    },
    ReturnedForSupplement {
        items: Vec<String>,
        reason: String,
    },
    AcceptanceRefused {
        reason: String,
    },
    ReviewPassed {
        reason: String,
        publicity_start: Date,
        publicity_end: Date,
    },
    ReviewRefused {
        reason: String,
    },
    ObjectionFiled {
        objection_id: String,
        objector_name: String,
        /// Personal data: committed to in the log, never in clear (`log::public`).
        objector_contact: String,
        reason: String,
    },
    ObjectionResolved {
        objection_id: String,
        resolution: Resolution,
        reason: String,
        /// Set when the objection sends the application back to review.
        review_due: Option<Date>,
    },
    Registered {
        code: String,
        /// The code's version this registration makes: 1 for an initial registration (then not
        /// written, so those entries keep their bytes), the next one for a change, correction
        /// or renewal.
        #[serde(default = "first_version", skip_serializing_if = "is_first_version")]
        version: u32,
        assigned_on: Date,
        valid_from: Date,
        valid_until: Date,
    },
    /// The node closed an open application because the code it acted on ended (revoked).
    Closed {
        reason: String,
    },
    /// A deregistration completed: the code ends, as a tombstone with its history.
    Deregistered {
        code: String,
        on: Date,
    },
    /// Recorded by the node right after `Registered`: the signed certificate's identity.
    CertificateIssued {
        code: String,
        version: u32,
        query_code: String,
        /// SHA-256 (hex) of the signed certificate bytes: the log entry pins the exact certificate.
        #[serde(default)]
        certificate_sha256: String,
    },
}

impl EventKind {
    /// Stable step name shown in histories.
    pub fn step(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "CREATED",
            EventKind::Edited { .. } => "EDITED",
            EventKind::Submitted { .. } => "SUBMITTED",
            EventKind::Withdrawn { .. } => "WITHDRAWN",
            EventKind::Supplemented { .. } => "SUPPLEMENTED",
            EventKind::Accepted { .. } => "ACCEPTED",
            EventKind::ReturnedForSupplement { .. } => "RETURNED_FOR_SUPPLEMENT",
            EventKind::AcceptanceRefused { .. } => "ACCEPTANCE_REFUSED",
            EventKind::ReviewPassed { .. } => "REVIEW_PASSED",
            EventKind::ReviewRefused { .. } => "REVIEW_REFUSED",
            EventKind::ObjectionFiled { .. } => "OBJECTION_FILED",
            EventKind::ObjectionResolved { .. } => "OBJECTION_RESOLVED",
            EventKind::Registered { .. } => "REGISTERED",
            EventKind::Deregistered { .. } => "DEREGISTERED",
            EventKind::Closed { .. } => "CLOSED",
            EventKind::CertificateIssued { .. } => "CERTIFICATE_ISSUED",
        }
    }

    /// The reason text a history shows for this step.
    pub fn reason(&self) -> String {
        match self {
            EventKind::Withdrawn { reason }
            | EventKind::Closed { reason }
            | EventKind::Accepted { reason, .. }
            | EventKind::AcceptanceRefused { reason }
            | EventKind::ReviewPassed { reason, .. }
            | EventKind::ReviewRefused { reason }
            | EventKind::ObjectionFiled { reason, .. }
            | EventKind::ObjectionResolved { reason, .. } => reason.clone(),
            EventKind::ReturnedForSupplement { items, reason } => {
                format!("{reason} [{}]", items.join("; "))
            }
            EventKind::Supplemented { note, .. } => note.clone(),
            EventKind::Registered { code, version, .. } if *version > 1 => {
                format!("{code} v{version}")
            }
            EventKind::Registered { code, .. } | EventKind::Deregistered { code, .. } => {
                code.clone()
            }
            EventKind::CertificateIssued {
                code,
                version,
                query_code,
                ..
            } => format!("{code} v{version} {query_code}"),
            _ => String::new(),
        }
    }
}

fn first_version() -> u32 {
    1
}

fn is_first_version(v: &u32) -> bool {
    *v == 1
}

/// An event with who did it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub application_id: String,
    /// Unix seconds, from the node's (injectable) clock.
    pub at: i64,
    /// Token id of the actor, "system" or "public".
    pub actor: String,
    /// The person behind the actor: separation of duties compares holders.
    pub holder: String,
    pub kind: EventKind,
}
