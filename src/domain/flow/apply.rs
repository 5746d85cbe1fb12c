//! Folds an event into the application state. Total: `decide` already checked the event fits.
use super::decide::Resolution;
use super::event::{Event, EventKind};
use super::state::{Application, Decision, Objection, ObjectionState, Publicity, State};

pub fn apply(app: Option<Application>, ev: &Event) -> Application {
    let mut app = match (app, &ev.kind) {
        (Some(a), _) => a,
        (
            None,
            EventKind::Created {
                registration_type,
                subject,
                materials,
                target_code,
            },
        ) => Application {
            id: ev.application_id.clone(),
            registration_type: *registration_type,
            subject: subject.clone(),
            state: State::Draft,
            materials: materials.clone(),
            created_at: ev.at,
            publicity_text: None,
            due: None,
            publicity: None,
            supplement_items: Vec::new(),
            returned_once: false,
            accepted_by: None,
            objections: Vec::new(),
            decisions: Vec::new(),
            target_code: target_code.clone(),
            code: None,
            valid_from: None,
            valid_until: None,
            revision: 0,
        },
        (None, other) => unreachable!(
            "decide never emits {} for a missing application",
            other.step()
        ),
    };
    match &ev.kind {
        EventKind::Created { .. } => {}
        EventKind::Edited { materials } => app.materials = materials.clone(),
        EventKind::Submitted {
            publicity_text,
            acceptance_due,
        } => {
            app.state = State::Submitted;
            app.publicity_text = Some(publicity_text.clone());
            app.due = Some(*acceptance_due);
        }
        EventKind::Withdrawn { .. } => {
            app.state = State::Withdrawn;
            app.due = None;
        }
        EventKind::Supplemented {
            materials,
            publicity_text,
            acceptance_due,
            ..
        } => {
            app.state = State::Submitted;
            app.materials = materials.clone();
            app.publicity_text = Some(publicity_text.clone());
            app.due = Some(*acceptance_due);
        }
        EventKind::Accepted { review_due, .. } => {
            app.state = State::InReview;
            app.due = Some(*review_due);
            app.accepted_by = Some(ev.holder.clone());
        }
        EventKind::ReturnedForSupplement { items, .. } => {
            app.state = State::Returned;
            app.returned_once = true;
            app.supplement_items = items.clone();
            app.due = None;
        }
        EventKind::AcceptanceRefused { .. } => {
            app.state = State::NotAccepted;
            app.due = None;
        }
        EventKind::ReviewPassed {
            publicity_start,
            publicity_end,
            ..
        } => {
            app.state = State::InPublicity;
            app.due = None;
            app.publicity = Some(Publicity {
                start: *publicity_start,
                end: *publicity_end,
            });
        }
        EventKind::ReviewRefused { .. } => {
            app.state = State::Refused;
            app.due = None;
        }
        EventKind::ObjectionFiled {
            objection_id,
            objector_name,
            objector_contact,
            reason,
        } => app.objections.push(Objection {
            id: objection_id.clone(),
            objector_name: objector_name.clone(),
            objector_contact: objector_contact.clone(),
            reason: reason.clone(),
            state: ObjectionState::Open,
            resolution_reason: String::new(),
            filed_at: ev.at,
        }),
        EventKind::ObjectionResolved {
            objection_id,
            resolution,
            reason,
            review_due,
        } => {
            let closed = match resolution {
                Resolution::Dismiss => ObjectionState::Dismissed,
                _ => ObjectionState::Upheld,
            };
            for o in app.objections.iter_mut() {
                if &o.id == objection_id {
                    o.state = closed;
                    o.resolution_reason = reason.clone();
                } else if o.state == ObjectionState::Open && *resolution != Resolution::Dismiss {
                    // Publicity is over for this round: the others no longer need a ruling.
                    o.state = ObjectionState::Superseded;
                }
            }
            match resolution {
                Resolution::Dismiss => {}
                Resolution::UpholdRefuse => app.state = State::Refused,
                Resolution::UpholdBackToReview => {
                    app.state = State::InReview;
                    app.publicity = None;
                    app.due = *review_due;
                }
            }
        }
        EventKind::Registered {
            code,
            valid_from,
            valid_until,
            ..
        } => {
            app.state = State::Registered;
            app.code = Some(code.clone());
            app.valid_from = Some(*valid_from);
            app.valid_until = Some(*valid_until);
        }
        EventKind::Closed { .. } => {
            app.state = State::Closed;
            app.due = None;
        }
        EventKind::Deregistered { code, .. } => {
            app.state = State::Registered;
            app.code = Some(code.clone());
        }
        EventKind::CertificateIssued { .. } => {}
    }
    app.decisions.push(Decision {
        step: ev.kind.step().to_string(),
        reason: ev.kind.reason(),
        actor: ev.actor.clone(),
        at: ev.at,
        log_index: 0,
    });
    app.revision += 1;
    app
}
