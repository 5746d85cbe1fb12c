//! Flow events as the log publishes them (entry layout v2): what is public by design in clear,
//! the rest as salted commitments ([`super::commitment`]).
//!
//! | event | in clear | committed |
//! |---|---|---|
//! | `Created`, `Edited` (a draft) | that it happened | `application` (type, subject, target code and materials but contacts), `contact` |
//! | `Submitted` | the publicity text, the due date, the public [`Facts`] | — (the materials were committed as a draft) |
//! | `Supplemented` | the publicity text, the due date, the public [`Facts`] | `application`, `contact`, `note` |
//! | `Withdrawn` | that it happened | `reason` |
//! | `ObjectionFiled` | the objection's id and reason | `objector` (name), `objector_contact` |
//! | every other step | all of it: decisions and their reasons, codes, certificates | — |
//!
//! A withdrawn draft so leaves only that it existed and its commitments. The public facts are
//! what the publicity notice shows and what the code's registry record and certificate will
//! carry: registration type, subject (name, credit code, region), data type, name, summary,
//! industry, access mode, and the code acted on. A v1 entry holds every event in clear (with
//! contacts removed); it reads as [`PublicEvent::Clear`].
use super::commitment::{self, Opening};
use crate::domain::flow::{Application, EventKind};
use crate::domain::materials::{Contact, Materials};
use crate::domain::types::{AccessMode, DataType, RegistrationType};
use serde::{Deserialize, Serialize};
use time::Date;

/// The openings of personal contact data: the retention purge removes them, and an event opens
/// without them (the contacts read as empty).
pub const PURGEABLE: [&str; 2] = ["contact", "objector_contact"];

/// What an application makes public once submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub registration_type: RegistrationType,
    /// The subject's unified social credit code.
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    pub subject_name: String,
    /// GB/T 2260 region of the subject.
    pub subject_region: String,
    pub data_type: Option<DataType>,
    pub data_name: String,
    pub summary: String,
    pub industry: String,
    pub access_mode: Option<AccessMode>,
}

impl Facts {
    /// The facts of `materials` for an application of `t` by `subject`.
    pub fn of(
        t: RegistrationType,
        subject: &str,
        target_code: Option<&str>,
        m: &Materials,
    ) -> Facts {
        Facts {
            registration_type: t,
            subject: subject.into(),
            target_code: target_code.map(Into::into),
            subject_name: m.subject.name.clone(),
            subject_region: m.subject.region.clone(),
            data_type: m.resource.data_type,
            data_name: m.resource.name.clone(),
            summary: m.resource.summary.clone(),
            industry: m.resource.industry.clone(),
            access_mode: m.resource.access_mode,
        }
    }

    /// An application as far as the facts tell it: what the national book folds from a v2 log.
    pub fn apply_to(&self, app: &mut Application) {
        app.registration_type = self.registration_type;
        app.subject = self.subject.clone();
        app.target_code = self.target_code.clone();
        let mut m = Materials::default();
        m.subject.name = self.subject_name.clone();
        m.subject.credit_code = self.subject.clone();
        m.subject.region = self.subject_region.clone();
        m.resource.data_type = self.data_type;
        m.resource.name = self.data_name.clone();
        m.resource.summary = self.summary.clone();
        m.resource.industry = self.industry.clone();
        m.resource.access_mode = self.access_mode;
        app.materials = m;
    }
}

/// What a draft's `application` commitment opens to: all of it but the contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Committed {
    registration_type: RegistrationType,
    subject: String,
    target_code: Option<String>,
    materials: Materials,
}

/// A flow event in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublicEvent {
    Created {
        application_commitment: String,
        contact_commitment: String,
    },
    Edited {
        application_commitment: String,
        contact_commitment: String,
    },
    Submitted {
        publicity_text: String,
        acceptance_due: Date,
        facts: Facts,
    },
    Supplemented {
        application_commitment: String,
        contact_commitment: String,
        note_commitment: String,
        publicity_text: String,
        acceptance_due: Date,
        facts: Facts,
    },
    Withdrawn {
        reason_commitment: String,
    },
    ObjectionFiled {
        objection_id: String,
        objector_commitment: String,
        objector_contact_commitment: String,
        reason: String,
    },
    /// An event public by design, written as the event itself; in a v1 entry, every event.
    #[serde(untagged)]
    Clear(Box<EventKind>),
}

/// Whether a v2 entry may hold this event in clear (the private steps it may not).
pub fn public_by_design(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::Created { .. }
            | EventKind::Edited { .. }
            | EventKind::Submitted { .. }
            | EventKind::Supplemented { .. }
            | EventKind::Withdrawn { .. }
            | EventKind::ObjectionFiled { .. }
    )
}

/// Seals `kind`, the next event of `before` (none for a creation), with salts from `salt`: the
/// event to publish and the openings to keep.
pub fn seal(
    kind: &EventKind,
    before: Option<&Application>,
    salt: &mut dyn FnMut() -> [u8; 32],
) -> (PublicEvent, Vec<Opening>) {
    let mut openings = Vec::new();
    let mut commit = |field: &str, value: String| {
        let (c, o) = Opening::seal(field, value, salt());
        openings.push(o);
        c
    };
    let facts_of = |m: &Materials| match before {
        Some(app) => Facts::of(
            app.registration_type,
            &app.subject,
            app.target_code.as_deref(),
            m,
        ),
        None => Facts::of(RegistrationType::Initial, "", None, m),
    };
    let event = match kind {
        EventKind::Created {
            registration_type,
            subject,
            materials,
            target_code,
        } => {
            let c = Committed {
                registration_type: *registration_type,
                subject: subject.clone(),
                target_code: target_code.clone(),
                materials: materials.without_personal_data(),
            };
            PublicEvent::Created {
                application_commitment: commit("application", json(&c)),
                contact_commitment: commit("contact", json(&materials.subject.contact)),
            }
        }
        EventKind::Edited { materials } => {
            let c = committed(before, materials);
            PublicEvent::Edited {
                application_commitment: commit("application", json(&c)),
                contact_commitment: commit("contact", json(&materials.subject.contact)),
            }
        }
        EventKind::Submitted {
            publicity_text,
            acceptance_due,
        } => PublicEvent::Submitted {
            publicity_text: publicity_text.clone(),
            acceptance_due: *acceptance_due,
            facts: facts_of(&before.map(|a| a.materials.clone()).unwrap_or_default()),
        },
        EventKind::Supplemented {
            materials,
            note,
            publicity_text,
            acceptance_due,
        } => {
            let c = committed(before, materials);
            PublicEvent::Supplemented {
                application_commitment: commit("application", json(&c)),
                contact_commitment: commit("contact", json(&materials.subject.contact)),
                note_commitment: commit("note", note.clone()),
                publicity_text: publicity_text.clone(),
                acceptance_due: *acceptance_due,
                facts: facts_of(materials),
            }
        }
        EventKind::Withdrawn { reason } => PublicEvent::Withdrawn {
            reason_commitment: commit("reason", reason.clone()),
        },
        EventKind::ObjectionFiled {
            objection_id,
            objector_name,
            objector_contact,
            reason,
        } => PublicEvent::ObjectionFiled {
            objection_id: objection_id.clone(),
            objector_commitment: commit("objector", objector_name.clone()),
            objector_contact_commitment: commit("objector_contact", objector_contact.clone()),
            reason: reason.clone(),
        },
        clear => PublicEvent::Clear(Box::new(clear.clone())),
    };
    (event, openings)
}

fn committed(before: Option<&Application>, materials: &Materials) -> Committed {
    Committed {
        registration_type: before.map_or(RegistrationType::Initial, |a| a.registration_type),
        subject: before.map(|a| a.subject.clone()).unwrap_or_default(),
        target_code: before.and_then(|a| a.target_code.clone()),
        materials: materials.without_personal_data(),
    }
}

/// A committed value's text: its JSON.
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("a committed value serialises")
}

impl PublicEvent {
    /// The event as anyone reading the log can know it, private parts empty: how the national
    /// book folds a province's application. Its [`Facts`], once submitted, are
    /// [`PublicEvent::facts`].
    pub fn view(&self) -> EventKind {
        match self {
            // A draft's type and target code are not public. The view names an unknown code
            // (empty) rather than none, so a draft the node closes, because the code it acted
            // on ended, still follows; its submission states the real facts.
            PublicEvent::Created { .. } => EventKind::Created {
                registration_type: RegistrationType::Initial,
                subject: String::new(),
                materials: Materials::default(),
                target_code: Some(String::new()),
            },
            PublicEvent::Edited { .. } => EventKind::Edited {
                materials: Materials::default(),
            },
            PublicEvent::Submitted {
                publicity_text,
                acceptance_due,
                ..
            } => EventKind::Submitted {
                publicity_text: publicity_text.clone(),
                acceptance_due: *acceptance_due,
            },
            PublicEvent::Supplemented {
                publicity_text,
                acceptance_due,
                ..
            } => EventKind::Supplemented {
                materials: Materials::default(),
                note: String::new(),
                publicity_text: publicity_text.clone(),
                acceptance_due: *acceptance_due,
            },
            PublicEvent::Withdrawn { .. } => EventKind::Withdrawn {
                reason: String::new(),
            },
            PublicEvent::ObjectionFiled {
                objection_id,
                reason,
                ..
            } => EventKind::ObjectionFiled {
                objection_id: objection_id.clone(),
                objector_name: String::new(),
                objector_contact: String::new(),
                reason: reason.clone(),
            },
            PublicEvent::Clear(k) => (**k).clone(),
        }
    }

    /// The public facts a submission or supplement states.
    pub fn facts(&self) -> Option<&Facts> {
        match self {
            PublicEvent::Submitted { facts, .. } | PublicEvent::Supplemented { facts, .. } => {
                Some(facts)
            }
            _ => None,
        }
    }

    /// Every commitment the event carries, by the field its opening names.
    pub fn commitments(&self) -> Vec<(&'static str, &str)> {
        match self {
            PublicEvent::Created {
                application_commitment,
                contact_commitment,
            }
            | PublicEvent::Edited {
                application_commitment,
                contact_commitment,
            } => vec![
                ("application", application_commitment),
                ("contact", contact_commitment),
            ],
            PublicEvent::Supplemented {
                application_commitment,
                contact_commitment,
                note_commitment,
                ..
            } => vec![
                ("application", application_commitment),
                ("contact", contact_commitment),
                ("note", note_commitment),
            ],
            PublicEvent::Withdrawn { reason_commitment } => vec![("reason", reason_commitment)],
            PublicEvent::ObjectionFiled {
                objector_commitment,
                objector_contact_commitment,
                ..
            } => vec![
                ("objector", objector_commitment),
                ("objector_contact", objector_contact_commitment),
            ],
            PublicEvent::Submitted { .. } | PublicEvent::Clear(_) => Vec::new(),
        }
    }

    /// The whole event, from its openings (each checked against its commitment). An opening
    /// of personal contact data the retention purge removed reads as empty.
    pub fn open(&self, openings: &[Opening]) -> Result<EventKind, String> {
        let value = |field: &str| -> Result<Option<String>, String> {
            let c = self
                .commitments()
                .into_iter()
                .find(|(f, _)| *f == field)
                .map(|(_, c)| c)
                .ok_or_else(|| format!("no {field} commitment"))?;
            match openings.iter().find(|o| o.field == field) {
                Some(o) if o.opens(c) => Ok(Some(o.value.clone())),
                Some(_) => Err(format!("the {field} opening does not open its commitment")),
                None if PURGEABLE.contains(&field) => Ok(None),
                None => Err(format!("no opening of the {field} commitment")),
            }
        };
        let parse = |field: &str, v: String| -> Result<Committed, String> {
            serde_json::from_str(&v).map_err(|e| format!("the {field} opening: {e}"))
        };
        let contact = |v: Option<String>| -> Result<Contact, String> {
            v.map_or(Ok(Contact::default()), |v| {
                serde_json::from_str(&v).map_err(|e| format!("the contact opening: {e}"))
            })
        };
        let materials = |c: &Committed, contact: Contact| {
            let mut m = c.materials.clone();
            m.subject.contact = contact;
            m
        };
        let need = |field: &str| -> Result<String, String> {
            value(field)?.ok_or_else(|| format!("no opening of the {field} commitment"))
        };
        Ok(match self {
            PublicEvent::Created { .. } => {
                let c = parse("application", need("application")?)?;
                let m = materials(&c, contact(value("contact")?)?);
                EventKind::Created {
                    registration_type: c.registration_type,
                    subject: c.subject,
                    materials: m,
                    target_code: c.target_code,
                }
            }
            PublicEvent::Edited { .. } => {
                let c = parse("application", need("application")?)?;
                EventKind::Edited {
                    materials: materials(&c, contact(value("contact")?)?),
                }
            }
            PublicEvent::Supplemented {
                publicity_text,
                acceptance_due,
                ..
            } => {
                let c = parse("application", need("application")?)?;
                EventKind::Supplemented {
                    materials: materials(&c, contact(value("contact")?)?),
                    note: need("note")?,
                    publicity_text: publicity_text.clone(),
                    acceptance_due: *acceptance_due,
                }
            }
            PublicEvent::Withdrawn { .. } => EventKind::Withdrawn {
                reason: need("reason")?,
            },
            PublicEvent::ObjectionFiled {
                objection_id,
                reason,
                ..
            } => EventKind::ObjectionFiled {
                objection_id: objection_id.clone(),
                objector_name: need("objector")?,
                objector_contact: value("objector_contact")?.unwrap_or_default(),
                reason: reason.clone(),
            },
            PublicEvent::Submitted { .. } | PublicEvent::Clear(_) => self.view(),
        })
    }
}

/// Whether every commitment of `event` is well formed.
pub fn commitments_well_formed(event: &PublicEvent) -> bool {
    event
        .commitments()
        .iter()
        .all(|(_, c)| commitment::well_formed(c))
}

#[cfg(test)]
#[path = "public_tests.rs"]
mod tests;
