//! Whether an event may follow an application's state: the order `decide` enforces, checked
//! again on events that arrive already decided (a province's log, ingested by the national node).
//! Pure, and deliberately coarser than `decide`: it checks the step order and the objection ids,
//! not the dates or materials, which were the issuing node's to judge.
use super::event::EventKind;
use super::state::{Application, ObjectionState, State};

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
        EventKind::Registered { .. } => {
            if app.has_open_objection() {
                return Err("registered with an objection still open".into());
            }
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
