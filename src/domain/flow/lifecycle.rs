//! The registration types that act on an existing code (DESIGN §2): change (变更), correction
//! (更正), renewal (续展) and deregistration (注销). Each runs the same five steps as an initial
//! registration, on the code it names; these are the rules about that code. The engine reads the
//! code's record and hands its facts in as a [`Target`].
use super::decide::Ctx;
use super::refusal::Refusal;
use super::state::Application;
use crate::domain::materials::{parse_date, Materials, MAX_NAME, MAX_TEXT};
use crate::domain::record::{RecordCorrection, RecordStatus};
use crate::domain::types::{DataType, RegistrationType};
use time::Date;

/// The facts of the record an application acts on, as the rules need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub code: String,
    /// Credit code of the record's subject: only that subject may apply on the code.
    pub subject: String,
    pub data_type: DataType,
    /// Status on the day of the decision (a valid record past its validity has expired).
    pub status: RecordStatus,
    pub current_version: u32,
    pub valid_until: Date,
    /// The application already running on this code, if any: one at a time.
    pub in_flight: Option<String>,
}

/// Whether an application of type `t` may be opened on `target` (`None`: no code named).
pub(super) fn check_create(
    t: RegistrationType,
    materials: &Materials,
    target: Option<&Target>,
    ctx: &Ctx,
) -> Result<(), Refusal> {
    let Some(target) = target else {
        return match t {
            RegistrationType::Initial => Ok(()),
            _ => Err(Refusal::invalid(
                "TARGET_CODE_REQUIRED",
                format!(
                    "a {} application names the unified code it acts on",
                    t.label_zh()
                ),
            )),
        };
    };
    if t == RegistrationType::Initial {
        return Err(Refusal::invalid(
            "TARGET_CODE_NOT_ALLOWED",
            "an initial registration is given a new code; it names none",
        ));
    }
    if !target
        .subject
        .eq_ignore_ascii_case(&materials.subject.credit_code)
    {
        return Err(Refusal::denied(
            "NOT_CODE_OWNER",
            format!("{} is registered to another subject", target.code),
        ));
    }
    if let Some(running) = &target.in_flight {
        return Err(Refusal::precondition(
            "CODE_BUSY",
            format!(
                "application {running} is already open on {}; one application at a time per code",
                target.code
            ),
        ));
    }
    if materials
        .resource
        .data_type
        .is_some_and(|d| d != target.data_type)
    {
        return Err(Refusal::invalid(
            "DATA_TYPE_CHANGED",
            format!(
                "{} is a code of data type {}; the data type cannot change",
                target.code,
                target.data_type.digit()
            ),
        ));
    }
    still_valid(target)?;
    if t == RegistrationType::Renewal {
        let opens = renewal_opens(target.valid_until, ctx.limits.renewal_window_days);
        if ctx.today < opens {
            return Err(Refusal::precondition(
                "RENEWAL_TOO_EARLY",
                format!(
                    "{} is valid until {}; renewal opens on {opens}",
                    target.code, target.valid_until
                ),
            ));
        }
    }
    Ok(())
}

/// The first day a renewal may be applied for: `window_days` calendar days before expiry.
pub fn renewal_opens(valid_until: Date, window_days: u32) -> Date {
    valid_until
        .checked_sub(time::Duration::days(i64::from(window_days)))
        .unwrap_or(Date::MIN)
}

/// An ended or expired record takes no application: it stays as a tombstone.
pub(super) fn still_valid(target: &Target) -> Result<(), Refusal> {
    match target.status {
        RecordStatus::Valid => Ok(()),
        RecordStatus::Expired => Err(Refusal::precondition(
            "RECORD_EXPIRED",
            format!(
                "{} expired after {}; a new initial registration is needed",
                target.code, target.valid_until
            ),
        )),
        ended => Err(Refusal::precondition(
            "RECORD_ENDED",
            format!("{} is {}", target.code, ended.name()),
        )),
    }
}

/// At completion: the code must still stand. A renewal whose flow outlasted the term still
/// completes (the record was expired for the days between); other types need a valid record.
pub(super) fn still_valid_or_renewing(app: &Application, target: &Target) -> Result<(), Refusal> {
    match (app.registration_type, target.status) {
        (RegistrationType::Renewal, RecordStatus::Expired) => Ok(()),
        _ => still_valid(target),
    }
}

/// The validity a completed application gives its code's new version, from `today`.
/// Initial: `validity_years` from today. Change and correction keep the term the code has.
/// Renewal: `validity_years` more from the end of the current term (from today if the flow
/// outlasted it). Every term ends no later than the authorised operation term.
pub(super) fn validity(app: &Application, target: Option<&Target>, ctx: &Ctx) -> (Date, Date) {
    let from = ctx.today;
    let term = |start: Date| years_after(start, ctx.limits.validity_years);
    let mut until = match (app.registration_type, target) {
        (RegistrationType::Change | RegistrationType::Correction, Some(t)) => t.valid_until,
        (RegistrationType::Renewal, Some(t)) if t.valid_until >= from => {
            term(t.valid_until.next_day().unwrap_or(t.valid_until))
        }
        _ => term(from),
    };
    if let Some(end) = authorisation_end(&app.materials) {
        until = until.min(end);
    }
    (from, until)
}

/// The last day of a term of `years` starting on `from`.
fn years_after(from: Date, years: u32) -> Date {
    let years = i32::try_from(years).unwrap_or(3);
    let anniversary = from
        .replace_year(from.year() + years)
        // 29 February has no anniversary in a common year: use 1 March.
        .unwrap_or_else(|_| {
            Date::from_calendar_date(from.year() + years, time::Month::March, 1).unwrap_or(from)
        });
    anniversary.previous_day().unwrap_or(anniversary)
}

pub(super) fn authorisation_end(m: &Materials) -> Option<Date> {
    m.source
        .authorisation
        .as_ref()
        .and_then(|a| parse_date(&a.term_end))
}

/// Whether the institution may correct `target` itself with `fix`: a record that still stands,
/// at least one fact, each within its limits, and a reason.
pub fn check_correction(
    target: &Target,
    fix: &RecordCorrection,
    reason: &str,
) -> Result<(), Refusal> {
    still_valid(target)?;
    let fields = [
        ("subject_name", &fix.subject_name, MAX_NAME),
        ("data_name", &fix.data_name, MAX_NAME),
        ("summary", &fix.summary, MAX_TEXT),
        ("industry", &fix.industry, MAX_NAME),
    ];
    if fields.iter().all(|(_, v, _)| v.is_none()) {
        return Err(Refusal::invalid(
            "NOTHING_TO_CORRECT",
            "name at least one fact to correct",
        ));
    }
    for (name, value, max) in fields {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().count() > max {
                return Err(Refusal::invalid(
                    "BAD_CORRECTION",
                    format!("{name} must be 1 to {max} characters"),
                ));
            }
        }
    }
    institution_reason(reason)
}

/// Whether the institution may revoke (撤销) `target`: any code that has not ended, with a reason.
pub fn check_revocation(target: &Target, reason: &str) -> Result<(), Refusal> {
    if let RecordStatus::Deregistered | RecordStatus::Revoked = target.status {
        return Err(Refusal::precondition(
            "RECORD_ENDED",
            format!("{} is {}", target.code, target.status.name()),
        ));
    }
    institution_reason(reason)
}

/// The institution's own actions on a record always say why.
fn institution_reason(reason: &str) -> Result<(), Refusal> {
    if reason.trim().is_empty() || reason.chars().count() > MAX_TEXT {
        return Err(Refusal::invalid(
            "REASON_REQUIRED",
            format!("the institution's action needs a reason of at most {MAX_TEXT} characters"),
        ));
    }
    Ok(())
}

/// The day personal contact data is purged: `years` after the day its record (or application)
/// ended.
pub fn purge_on(ended: Date, years: u32) -> Date {
    years_after(ended, years).next_day().unwrap_or(Date::MAX)
}
