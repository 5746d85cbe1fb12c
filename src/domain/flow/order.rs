//! Whether an event may follow an application's state: the order `decide` enforces, checked
//! again on events that arrive already decided (a province's log, ingested by the national node).
//! Pure, and deliberately coarser than `decide`: it checks the step order and the objection ids,
//! not the dates or materials, which were the issuing node's to judge.
use super::event::EventKind;
use super::state::{Application, ObjectionState, State};
use crate::domain::types::RegistrationType;

/// `Ok` when `kind` may follow `app` (`None`: no event yet); else why not.
pub fn follows(app: Option<&Application>, kind: &EventKind) -> Result<(), String> {
    let Some(app) = app else {
        return match kind {
            EventKind::Created { .. } => Ok(()),
            other => Err(format!(
                "{} before the application was created",
                other.step()
            )),
        };
    };
    let want: &[State] = match kind {
        EventKind::Created { .. } => return Err("created twice".into()),
        EventKind::Edited { .. } | EventKind::Submitted { .. } => &[State::Draft],
        EventKind::Supplemented { .. } => &[State::Returned],
        EventKind::Withdrawn { .. } => &[
            State::Draft,
            State::Submitted,
            State::Returned,
            State::InReview,
        ],
        EventKind::Accepted { .. }
        | EventKind::ReturnedForSupplement { .. }
        | EventKind::AcceptanceRefused { .. } => &[State::Submitted],
        EventKind::ReviewPassed { .. } | EventKind::ReviewRefused { .. } => &[State::InReview],
        EventKind::ObjectionFiled { objection_id, .. } => {
            if app.objections.iter().any(|o| &o.id == objection_id) {
                return Err(format!("objection {objection_id} filed twice"));
            }
            &[State::InPublicity]
        }
        EventKind::ObjectionResolved { objection_id, .. } => {
            let open = app
                .objections
                .iter()
                .any(|o| &o.id == objection_id && o.state == ObjectionState::Open);
            if !open {
                return Err(format!("objection {objection_id} is not open"));
            }
            &[State::InPublicity]
        }
        EventKind::Registered { code, version, .. } => {
            if app.has_open_objection() {
                return Err("registered with an objection still open".into());
            }
            on_target(app, code, *version)?;
            &[State::InPublicity]
        }
        EventKind::Closed { .. } => {
            if app.target_code.is_none() || app.state.is_final() {
                return Err(format!(
                    "application {} cannot be closed by the node ({})",
                    app.id,
                    app.state.name()
                ));
            }
            return Ok(());
        }
        EventKind::Deregistered { code, .. } => {
            if app.registration_type != RegistrationType::Deregistration {
                return Err(format!(
                    "{} application {} cannot deregister a code",
                    app.registration_type.label_zh(),
                    app.id
                ));
            }
            if app.has_open_objection() {
                return Err("deregistered with an objection still open".into());
            }
            on_target(app, code, 0)?;
            &[State::InPublicity]
        }
        EventKind::CertificateIssued { code, .. } => {
            if app.state != State::Registered || app.code.as_deref() != Some(code.as_str()) {
                return Err(format!(
                    "certificate for {code} but the application holds {:?}",
                    app.code
                ));
            }
            return Ok(());
        }
    };
    if want.contains(&app.state) {
        Ok(())
    } else {
        Err(format!(
            "{} cannot follow {} (application {})",
            kind.step(),
            app.state.name(),
            app.id
        ))
    }
}

/// A registration completes on the code its application names: an initial one makes version 1
/// of a new code; the other types act on their target (`version` 0: not a new version).
fn on_target(app: &Application, code: &str, version: u32) -> Result<(), String> {
    match (&app.target_code, app.registration_type) {
        (None, RegistrationType::Initial) if version == 1 => Ok(()),
        (Some(t), RegistrationType::Deregistration) if t == code && version == 0 => Ok(()),
        (
            Some(t),
            RegistrationType::Change | RegistrationType::Correction | RegistrationType::Renewal,
        ) if t == code && version > 1 => Ok(()),
        (target, t) => Err(format!(
            "{} application {} (on {target:?}) cannot complete as {code} version {version}",
            t.label_zh(),
            app.id
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::{apply, Event};
    use crate::domain::types::RegistrationType;

    fn fold(kinds: Vec<EventKind>) -> Application {
        let mut app = None;
        for kind in kinds {
            let e = Event {
                application_id: "110000/A1".into(),
                at: 0,
                actor: "T1".into(),
                holder: "h".into(),
                kind,
            };
            app = Some(apply(app, &e));
        }
        app.unwrap()
    }

    fn created() -> EventKind {
        EventKind::Created {
            registration_type: RegistrationType::Initial,
            subject: "91350100M000100Y43".into(),
            materials: Default::default(),
            target_code: None,
        }
    }

    fn accepted() -> EventKind {
        EventKind::Accepted {
            reason: String::new(),
            review_due: time::macros::date!(2026 - 01 - 05),
        }
    }

    #[test]
    fn refuses_steps_out_of_order_and_names_them() {
        assert_eq!(
            follows(None, &accepted()),
            Err("ACCEPTED before the application was created".into())
        );
        let draft = fold(vec![created()]);
        assert_eq!(
            follows(Some(&draft), &created()),
            Err("created twice".into())
        );
        assert_eq!(
            follows(Some(&draft), &accepted()),
            Err("ACCEPTED cannot follow DRAFT (application 110000/A1)".into())
        );
        let registered = EventKind::Registered {
            code: "1110000202600000X".into(),
            version: 1,
            assigned_on: time::macros::date!(2026 - 01 - 05),
            valid_from: time::macros::date!(2026 - 01 - 05),
            valid_until: time::macros::date!(2029 - 01 - 04),
        };
        assert!(follows(Some(&draft), &registered).is_err());
        let cert = EventKind::CertificateIssued {
            code: "X".into(),
            version: 1,
            query_code: String::new(),
            certificate_sha256: String::new(),
        };
        assert!(follows(Some(&draft), &cert)
            .unwrap_err()
            .starts_with("certificate for X"));
    }

    #[test]
    fn accepts_the_order_decide_produces() {
        let submitted = fold(vec![
            created(),
            EventKind::Submitted {
                publicity_text: String::new(),
                acceptance_due: time::macros::date!(2026 - 01 - 05),
            },
        ]);
        assert_eq!(follows(Some(&submitted), &accepted()), Ok(()));
    }
}
