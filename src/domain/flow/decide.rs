//! The rules: which command is allowed, for whom, in which state, and what it causes.
use super::event::EventKind;
use super::lifecycle::{self, Target};
use super::refusal::Refusal;
use super::state::{publicity_text, sha256_hex, Application, ObjectionState, State};
use crate::domain::calendar::Calendar;
use crate::domain::materials::{Materials, MAX_NAME, MAX_TEXT};
use crate::domain::types::{staff_identity, Actor, RegistrationType, Role};
use serde::{Deserialize, Serialize};
use time::Date;

/// Time limits and policies, in working days, set per node (provinces differ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub acceptance_days: u32,
    pub review_days: u32,
    pub publicity_days: u32,
    /// Validity of a registration, in years from code assignment.
    pub validity_years: u32,
    /// Calendar days before expiry from which a renewal may be applied for.
    #[serde(default = "default_renewal_window")]
    pub renewal_window_days: u32,
    /// Years personal contact data is kept after its record ends (or its application ends
    /// without one); then it is purged.
    #[serde(default = "default_contact_retention")]
    pub contact_retention_years: u32,
    /// Whether one holder may both accept and review the same application.
    pub allow_same_holder_accept_and_review: bool,
    /// Longest reason, note or objection text, in characters (`REASON_TOO_LONG`).
    #[serde(default = "default_max_reason_chars")]
    pub max_reason_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            acceptance_days: 3,
            review_days: 10,
            publicity_days: 10,
            validity_years: 3,
            renewal_window_days: default_renewal_window(),
            contact_retention_years: default_contact_retention(),
            allow_same_holder_accept_and_review: false,
            max_reason_chars: default_max_reason_chars(),
        }
    }
}

fn default_max_reason_chars() -> usize {
    MAX_TEXT
}

fn default_renewal_window() -> u32 {
    90
}

fn default_contact_retention() -> u32 {
    3
}

/// Everything a decision may depend on besides the application and the command.
pub struct Ctx<'a> {
    /// Unix seconds.
    pub now: i64,
    /// Beijing-time civil date of `now`: working days are counted on it.
    pub today: Date,
    pub actor: &'a Actor,
    pub calendar: &'a Calendar,
    pub limits: &'a Limits,
    /// The record of the code a change, correction, renewal or deregistration acts on, read by
    /// the engine when such an application is created and when it completes.
    pub target: Option<&'a Target>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolution {
    Dismiss,
    UpholdRefuse,
    UpholdBackToReview,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Create {
        id: String,
        registration_type: RegistrationType,
        materials: Materials,
        /// The code a change, correction, renewal or deregistration acts on.
        #[serde(default)]
        target_code: Option<String>,
    },
    Edit {
        materials: Materials,
    },
    Submit {
        publicity_text_sha256: String,
    },
    Supplement {
        materials: Materials,
        note: String,
        /// SHA-256 of the publicity text of the supplemented materials: acknowledged again.
        publicity_text_sha256: String,
    },
    Withdraw {
        reason: String,
    },
    Accept {
        reason: String,
    },
    ReturnForSupplement {
        items: Vec<String>,
        reason: String,
    },
    RefuseAcceptance {
        reason: String,
    },
    PassReview {
        reason: String,
    },
    RefuseReview {
        reason: String,
    },
    FileObjection {
        objection_id: String,
        objector_name: String,
        /// Personal data: for the registrar to follow up; never published or logged.
        objector_contact: String,
        reason: String,
    },
    ResolveObjection {
        objection_id: String,
        resolution: Resolution,
        reason: String,
    },
    /// Issued by the node when the code an open application acts on ends (revoked).
    Close {
        reason: String,
    },
    /// Issued by the node when publicity has ended; `code` is the freshly minted unified code.
    Register {
        code: String,
    },
}

impl Command {
    /// The role that may issue the command.
    fn role(&self) -> Role {
        match self {
            Command::Create { .. }
            | Command::Edit { .. }
            | Command::Submit { .. }
            | Command::Supplement { .. }
            | Command::Withdraw { .. } => Role::Registrant,
            Command::Accept { .. }
            | Command::ReturnForSupplement { .. }
            | Command::RefuseAcceptance { .. } => Role::Clerk,
            Command::PassReview { .. } | Command::RefuseReview { .. } => Role::Reviewer,
            Command::ResolveObjection { .. } => Role::Registrar,
            Command::FileObjection { .. } => Role::Public,
            Command::Register { .. } | Command::Close { .. } => Role::System,
        }
    }
}

fn wrong_state(app: &Application, what: &str) -> Refusal {
    Refusal::precondition(
        "WRONG_STATE",
        format!("application {} is {}; {what}", app.id, app.state.name()),
    )
}

fn require_reason(reason: &str, required: bool, max: usize) -> Result<(), Refusal> {
    if required && reason.trim().is_empty() {
        return Err(Refusal::invalid(
            "REASON_REQUIRED",
            "this decision needs a reason",
        ));
    }
    if reason.chars().count() > max {
        return Err(Refusal::invalid(
            "REASON_TOO_LONG",
            format!("a reason may have at most {max} characters (limits.max_reason_chars)"),
        ));
    }
    Ok(())
}

fn check_materials(m: &Materials, complete: bool) -> Result<(), Refusal> {
    let r = if complete {
        m.check_complete()
    } else {
        m.check_form()
    };
    r.map_err(Refusal::materials)
}

/// Who may act: the command's role, and for registrants only on their own subject's applications.
fn authorise(app: Option<&Application>, cmd: &Command, ctx: &Ctx) -> Result<(), Refusal> {
    let need = cmd.role();
    // Anyone may object, staff included: objecting is a public right.
    if need != Role::Public && ctx.actor.role != need {
        return Err(Refusal::denied(
            "WRONG_ROLE",
            format!(
                "this step needs the {} role; the caller is {}",
                need.name(),
                ctx.actor.role.name()
            ),
        ));
    }
    if need == Role::Registrant {
        let own = ctx.actor.subject.as_deref().unwrap_or_default();
        let subject = match (app, cmd) {
            (Some(a), _) => a.subject.as_str(),
            (None, Command::Create { materials, .. }) => materials.subject.credit_code.as_str(),
            (None, _) => "",
        };
        // A malformed credit code on a new draft is a materials problem: let validation name the
        // field instead of answering "not yours".
        let malformed_new = app.is_none()
            && !subject.is_empty()
            && crate::domain::codes::CreditCode::parse(subject).is_err();
        // A token bound to no subject owns nothing: without this, it matched a draft whose
        // credit code was left empty.
        if !malformed_new && (own.is_empty() || !own.eq_ignore_ascii_case(subject)) {
            return Err(Refusal::denied(
                "NOT_OWNER",
                "a registrant acts only for the subject its token is bound to",
            ));
        }
    }
    Ok(())
}

/// Decides a command: the events it causes, or a refusal that changes nothing.
pub fn decide(
    app: Option<&Application>,
    cmd: &Command,
    ctx: &Ctx,
) -> Result<Vec<EventKind>, Refusal> {
    authorise(app, cmd, ctx)?;
    let Some(app) = app else {
        return match cmd {
            Command::Create {
                registration_type,
                materials,
                target_code,
                ..
            } => create(*registration_type, materials, target_code.as_deref(), ctx),
            _ => Err(Refusal::new(
                super::RefusalKind::NotFound,
                "NOT_FOUND",
                "no such application",
            )),
        };
    };
    let due = |days: u32| ctx.calendar.add_working_days(ctx.today, days);
    let ev = match cmd {
        Command::Create { .. } => {
            return Err(Refusal::precondition(
                "ALREADY_EXISTS",
                format!("application {} exists", app.id),
            ))
        }
        Command::Edit { materials } => {
            if app.state != State::Draft {
                return Err(wrong_state(app, "only a draft can be edited"));
            }
            check_materials(materials, false)?;
            same_subject(app, materials)?;
            EventKind::Edited {
                materials: materials.clone(),
            }
        }
        Command::Submit {
            publicity_text_sha256,
        } => {
            if app.state != State::Draft {
                return Err(wrong_state(app, "only a draft can be submitted"));
            }
            check_materials(&app.materials, true)?;
            authorisation_current(&app.materials, ctx)?;
            let text = acknowledged(app.registration_type, &app.materials, publicity_text_sha256)?;
            EventKind::Submitted {
                publicity_text: text,
                acceptance_due: due(ctx.limits.acceptance_days),
            }
        }
        Command::Supplement {
            materials,
            note,
            publicity_text_sha256,
        } => {
            if app.state != State::Returned {
                return Err(wrong_state(
                    app,
                    "only a returned application can be supplemented",
                ));
            }
            require_reason(note, false, ctx.limits.max_reason_chars)?;
            check_materials(materials, true)?;
            same_subject(app, materials)?;
            authorisation_current(materials, ctx)?;
            // Supplementing may change the notice, so the registrant acknowledges it again.
            let text = acknowledged(app.registration_type, materials, publicity_text_sha256)?;
            EventKind::Supplemented {
                materials: materials.clone(),
                note: note.clone(),
                publicity_text: text,
                acceptance_due: due(ctx.limits.acceptance_days),
            }
        }
        Command::Withdraw { reason } => {
            if !matches!(
                app.state,
                State::Draft | State::Submitted | State::Returned | State::InReview
            ) {
                return Err(wrong_state(app, "it can no longer be withdrawn"));
            }
            require_reason(reason, false, ctx.limits.max_reason_chars)?;
            EventKind::Withdrawn {
                reason: reason.clone(),
            }
        }
        Command::Accept { reason } => {
            if app.state != State::Submitted {
                return Err(wrong_state(
                    app,
                    "only a submitted application can be accepted",
                ));
            }
            require_reason(reason, false, ctx.limits.max_reason_chars)?;
            EventKind::Accepted {
                reason: reason.clone(),
                review_due: due(ctx.limits.review_days),
            }
        }
        Command::ReturnForSupplement { items, reason } => {
            if app.state != State::Submitted {
                return Err(wrong_state(
                    app,
                    "only a submitted application can be returned",
                ));
            }
            if app.returned_once {
                return Err(Refusal::precondition(
                    "ALREADY_RETURNED",
                    "an application is returned only once, with the complete list (一次性告知)",
                ));
            }
            let items: Vec<String> = items
                .iter()
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty())
                .collect();
            if items.is_empty() {
                return Err(Refusal::invalid(
                    "SUPPLEMENT_ITEMS_REQUIRED",
                    "list every item to supplement",
                ));
            }
            if items.iter().any(|i| i.chars().count() > MAX_NAME * 5) || items.len() > 100 {
                return Err(Refusal::invalid(
                    "SUPPLEMENT_ITEMS_TOO_LONG",
                    "at most 100 items of 1000 characters",
                ));
            }
            require_reason(reason, false, ctx.limits.max_reason_chars)?;
            EventKind::ReturnedForSupplement {
                items,
                reason: reason.clone(),
            }
        }
        Command::RefuseAcceptance { reason } => {
            if app.state != State::Submitted {
                return Err(wrong_state(
                    app,
                    "only a submitted application can be refused acceptance",
                ));
            }
            require_reason(reason, true, ctx.limits.max_reason_chars)?;
            EventKind::AcceptanceRefused {
                reason: reason.clone(),
            }
        }
        Command::PassReview { reason } | Command::RefuseReview { reason } => {
            if app.state != State::InReview {
                return Err(wrong_state(
                    app,
                    "only an application in review can be decided",
                ));
            }
            if !ctx.limits.allow_same_holder_accept_and_review
                && app
                    .accepted_by
                    .as_deref()
                    .is_some_and(|by| staff_identity(by) == ctx.actor.identity())
            {
                return Err(Refusal::denied(
                    "SAME_HOLDER_ACCEPTED",
                    format!(
                        "{} accepted this application and may not also review it",
                        ctx.actor.holder
                    ),
                ));
            }
            if let Command::PassReview { .. } = cmd {
                require_reason(reason, false, ctx.limits.max_reason_chars)?;
                EventKind::ReviewPassed {
                    reason: reason.clone(),
                    publicity_start: ctx.today,
                    publicity_end: due(ctx.limits.publicity_days),
                }
            } else {
                require_reason(reason, true, ctx.limits.max_reason_chars)?;
                EventKind::ReviewRefused {
                    reason: reason.clone(),
                }
            }
        }
        Command::FileObjection {
            objection_id,
            objector_name,
            objector_contact,
            reason,
        } => {
            let open = app.state == State::InPublicity
                && app.publicity.is_some_and(|p| ctx.today <= p.end);
            if !open {
                return Err(Refusal::precondition(
                    "NOT_IN_PUBLICITY",
                    format!("application {} is not in publicity", app.id),
                ));
            }
            if objector_name.trim().is_empty() || objector_name.chars().count() > MAX_NAME {
                return Err(Refusal::invalid(
                    "OBJECTOR_NAME_REQUIRED",
                    "an objection names its objector (at most 200 characters)",
                ));
            }
            if objector_contact.chars().count() > MAX_NAME {
                return Err(Refusal::invalid(
                    "CONTACT_TOO_LONG",
                    "objector_contact has at most 200 characters",
                ));
            }
            require_reason(reason, true, ctx.limits.max_reason_chars)?;
            // Resolution finds objections by id: a second one under the same id would be closed
            // by the ruling on the first.
            if app.objections.iter().any(|o| &o.id == objection_id) {
                return Err(Refusal::precondition(
                    "OBJECTION_EXISTS",
                    format!("objection {objection_id} is already filed"),
                ));
            }
            EventKind::ObjectionFiled {
                objection_id: objection_id.clone(),
                objector_name: objector_name.clone(),
                objector_contact: objector_contact.clone(),
                reason: reason.clone(),
            }
        }
        Command::ResolveObjection {
            objection_id,
            resolution,
            reason,
        } => {
            if app.state != State::InPublicity {
                return Err(wrong_state(app, "objections are resolved during publicity"));
            }
            let Some(o) = app.objections.iter().find(|o| &o.id == objection_id) else {
                return Err(Refusal::new(
                    super::RefusalKind::NotFound,
                    "OBJECTION_NOT_FOUND",
                    format!("no objection {objection_id}"),
                ));
            };
            if o.state != ObjectionState::Open {
                return Err(Refusal::precondition(
                    "OBJECTION_CLOSED",
                    format!("objection {objection_id} is already resolved"),
                ));
            }
            require_reason(reason, true, ctx.limits.max_reason_chars)?;
            let review_due = (*resolution == Resolution::UpholdBackToReview)
                .then(|| due(ctx.limits.review_days));
            EventKind::ObjectionResolved {
                objection_id: objection_id.clone(),
                resolution: *resolution,
                reason: reason.clone(),
                review_due,
            }
        }
        Command::Close { reason } => {
            if app.target_code.is_none() || app.state.is_final() {
                return Err(wrong_state(
                    app,
                    "only an open application on an existing code is closed by the node",
                ));
            }
            require_reason(reason, true, ctx.limits.max_reason_chars)?;
            EventKind::Closed {
                reason: reason.clone(),
            }
        }
        Command::Register { code } => {
            if app.state != State::InPublicity {
                return Err(wrong_state(app, "a code is assigned only after publicity"));
            }
            let end = app.publicity.map(|p| p.end).unwrap_or(ctx.today);
            if ctx.today <= end {
                return Err(Refusal::precondition(
                    "PUBLICITY_NOT_ENDED",
                    format!("publicity runs until {end}"),
                ));
            }
            if app.has_open_objection() {
                return Err(Refusal::precondition(
                    "OBJECTION_OPEN",
                    "an objection is still open",
                ));
            }
            let version = match (&app.target_code, ctx.target) {
                (None, _) => 1,
                (Some(want), Some(t)) if want == code && &t.code == code => {
                    lifecycle::still_valid_or_renewing(app, t)?;
                    t.current_version + 1
                }
                (Some(want), _) => {
                    return Err(Refusal::precondition(
                        "TARGET_CODE_MISMATCH",
                        format!("application {} acts on {want}, not {code}", app.id),
                    ))
                }
            };
            if app.registration_type == RegistrationType::Deregistration {
                return Ok(vec![EventKind::Deregistered {
                    code: code.clone(),
                    on: ctx.today,
                }]);
            }
            authorisation_current(&app.materials, ctx)?;
            let (valid_from, valid_until) = lifecycle::validity(app, ctx.target, ctx);
            EventKind::Registered {
                code: code.clone(),
                version,
                assigned_on: ctx.today,
                valid_from,
                valid_until,
            }
        }
    };
    Ok(vec![ev])
}

fn create(
    registration_type: RegistrationType,
    materials: &Materials,
    target_code: Option<&str>,
    ctx: &Ctx,
) -> Result<Vec<EventKind>, Refusal> {
    check_materials(materials, false)?;
    let target = match (target_code, ctx.target) {
        (None, _) => None,
        (Some(code), Some(t)) if t.code == code => Some(t),
        (Some(code), _) => {
            return Err(Refusal::new(
                super::RefusalKind::NotFound,
                "CODE_NOT_FOUND",
                format!("no record with the unified code {code}"),
            ))
        }
    };
    lifecycle::check_create(registration_type, materials, target, ctx)?;
    Ok(vec![EventKind::Created {
        registration_type,
        subject: materials.subject.credit_code.to_ascii_uppercase(),
        materials: materials.clone(),
        target_code: target.map(|t| t.code.clone()),
    }])
}

/// The owning subject of an application never changes.
fn same_subject(app: &Application, m: &Materials) -> Result<(), Refusal> {
    if !m.subject.credit_code.eq_ignore_ascii_case(&app.subject) {
        return Err(Refusal::invalid(
            "SUBJECT_CHANGED",
            "the subject's credit code of an application cannot change",
        ));
    }
    Ok(())
}

/// The registrant must acknowledge exactly the text that will be published.
fn acknowledged(t: RegistrationType, m: &Materials, sha256: &str) -> Result<String, Refusal> {
    let text = publicity_text(t, m);
    if !sha256.eq_ignore_ascii_case(&sha256_hex(&text)) {
        return Err(Refusal::invalid(
            "PUBLICITY_TEXT_NOT_ACKNOWLEDGED",
            "publicity_text_sha256 does not match the application's publicity text; fetch it and acknowledge it again",
        ));
    }
    Ok(text)
}

/// An authorised operation whose term has ended cannot be registered: its validity would end
/// before it began.
fn authorisation_current(m: &Materials, ctx: &Ctx) -> Result<(), Refusal> {
    match lifecycle::authorisation_end(m) {
        Some(end) if end < ctx.today => Err(Refusal::precondition(
            "AUTHORISATION_EXPIRED",
            format!("the authorisation term ended on {end}"),
        )),
        _ => Ok(()),
    }
}
