//! Change, correction, renewal and deregistration: the same five steps on an existing code, with
//! the rules about that code. Each refusal is named, and changes nothing.
use super::tests::*;
use super::*;
use crate::domain::record::RecordStatus;
use crate::domain::types::*;
use time::Date;

const CODE: &str = "135000020260000014";

/// The record of `CODE` as the engine hands it in: owned by `OWN`, valid until 30 April 2029.
fn record() -> Target {
    Target {
        code: CODE.into(),
        subject: OWN.into(),
        data_type: DataType::PublicDataResource,
        status: RecordStatus::Valid,
        current_version: 1,
        valid_until: Date::from_calendar_date(2029, time::Month::April, 30).unwrap(),
        in_flight: None,
    }
}

fn open(t: RegistrationType, code: Option<&str>) -> Command {
    Command::Create {
        id: "A2".into(),
        registration_type: t,
        materials: valid_materials(),
        target_code: code.map(Into::into),
    }
}

fn ack_as(t: RegistrationType) -> Command {
    let text = publicity_text(t, &valid_materials());
    Command::Submit {
        publicity_text_sha256: super::state::sha256_hex(&text),
    }
}

/// Runs a `t` application on `CODE` from creation through publicity on `today`, then completes
/// it the day after publicity ends (from 1 April 2026: 10 working days over 清明, to 16 April):
/// the event completion emits.
fn complete(t: RegistrationType, today: Date, target: Target) -> (Flow, EventKind) {
    let mut f = Flow::new(today);
    f.target = Some(target);
    f.ok(&owner(), open(t, Some(CODE)));
    f.ok(&owner(), ack_as(t));
    f.ok(&clerk(), accept("齐全"));
    f.ok(&reviewer(), pass(""));
    let end = f.app().publicity.expect("in publicity").end;
    f.today = end.next_day().unwrap();
    let ev = f.ok(&system(), Command::Register { code: CODE.into() });
    (f, ev)
}

#[test]
fn each_type_other_than_initial_names_an_existing_code_of_its_subject() {
    let mut f = Flow::new(day(4, 1));
    f.refuses(
        &owner(),
        open(RegistrationType::Change, None),
        "TARGET_CODE_REQUIRED",
    );
    // A code the engine found no record for.
    f.refuses(
        &owner(),
        open(RegistrationType::Change, Some(CODE)),
        "CODE_NOT_FOUND",
    );
    f.target = Some(record());
    f.refuses(
        &owner(),
        open(RegistrationType::Initial, Some(CODE)),
        "TARGET_CODE_NOT_ALLOWED",
    );
    f.target = Some(Target {
        subject: "91110000802100433B".into(),
        ..record()
    });
    f.refuses(
        &owner(),
        open(RegistrationType::Correction, Some(CODE)),
        "NOT_CODE_OWNER",
    );
    f.target = Some(Target {
        data_type: DataType::OpenDataResource,
        ..record()
    });
    f.refuses(
        &owner(),
        open(RegistrationType::Change, Some(CODE)),
        "DATA_TYPE_CHANGED",
    );
    f.target = Some(record());
    let created = f.ok(&owner(), open(RegistrationType::Change, Some(CODE)));
    assert!(matches!(
        created,
        EventKind::Created { target_code: Some(ref c), .. } if c == CODE
    ));
    assert_eq!(f.app().target_code.as_deref(), Some(CODE));
}

#[test]
fn only_one_application_at_a_time_per_code() {
    let mut f = Flow::new(day(4, 1));
    f.target = Some(Target {
        in_flight: Some("A1".into()),
        ..record()
    });
    let r = f.refused(&owner(), open(RegistrationType::Change, Some(CODE)));
    assert_eq!(r.reason, "CODE_BUSY");
    assert!(
        r.message.contains("application A1 is already open"),
        "{}",
        r.message
    );
}

#[test]
fn ended_and_expired_codes_take_no_application() {
    for (status, reason) in [
        (RecordStatus::Expired, "RECORD_EXPIRED"),
        (RecordStatus::Deregistered, "RECORD_ENDED"),
        (RecordStatus::Revoked, "RECORD_ENDED"),
    ] {
        let mut f = Flow::new(day(4, 1));
        f.target = Some(Target { status, ..record() });
        f.refuses(&owner(), open(RegistrationType::Change, Some(CODE)), reason);
        f.refuses(
            &owner(),
            open(RegistrationType::Renewal, Some(CODE)),
            reason,
        );
    }
}

#[test]
fn renewal_opens_a_configured_window_before_expiry() {
    // Valid until 10 May 2026; the default window is 90 days: it opens on 9 February.
    let target = Target {
        valid_until: day(5, 10),
        ..record()
    };
    assert_eq!(renewal_opens(day(5, 10), 90), day(2, 9));
    let mut f = Flow::new(day(2, 8));
    f.target = Some(target.clone());
    let r = f.refused(&owner(), open(RegistrationType::Renewal, Some(CODE)));
    assert_eq!(r.reason, "RENEWAL_TOO_EARLY");
    assert!(
        r.message.contains("renewal opens on 2026-02-09"),
        "{}",
        r.message
    );
    f.today = day(2, 9);
    f.ok(&owner(), open(RegistrationType::Renewal, Some(CODE)));
    // A shorter window, as a node may configure it.
    let mut g = Flow::new(day(4, 1));
    g.limits.renewal_window_days = 30;
    g.target = Some(target);
    g.refuses(
        &owner(),
        open(RegistrationType::Renewal, Some(CODE)),
        "RENEWAL_TOO_EARLY",
    );
}

#[test]
fn renewal_keeps_the_code_and_adds_a_term_after_the_current_one() {
    let target = Target {
        valid_until: day(5, 31),
        ..record()
    };
    let (f, ev) = complete(RegistrationType::Renewal, day(4, 1), target);
    // Publicity ended Thursday 16 April; the new term runs three years from 1 June.
    assert_eq!(
        format!("{ev:?}"),
        "Registered { code: \"135000020260000014\", version: 2, assigned_on: 2026-04-17, \
         valid_from: 2026-04-17, valid_until: 2029-05-31 }"
    );
    assert_eq!(f.app().code.as_deref(), Some(CODE));
    assert_eq!(f.state(), State::Registered);
}

#[test]
fn change_and_correction_make_the_next_version_within_the_current_term() {
    for t in [RegistrationType::Change, RegistrationType::Correction] {
        let target = Target {
            current_version: 3,
            ..record()
        };
        let (_, ev) = complete(t, day(4, 1), target);
        let EventKind::Registered {
            version,
            valid_until,
            ..
        } = ev
        else {
            panic!("{ev:?}")
        };
        assert_eq!(version, 4);
        assert_eq!(valid_until, record().valid_until, "the term stays");
    }
}

#[test]
fn deregistration_ends_the_code_without_a_new_version() {
    let (f, ev) = complete(RegistrationType::Deregistration, day(4, 1), record());
    assert_eq!(
        format!("{ev:?}"),
        "Deregistered { code: \"135000020260000014\", on: 2026-04-17 }"
    );
    assert_eq!(f.state(), State::Registered);
    assert_eq!(f.app().code.as_deref(), Some(CODE));
    // The national node's order check takes what decide emitted, and nothing else.
    let app = f.app().clone();
    assert!(follows(Some(&app), &ev).is_err(), "not twice");
}

#[test]
fn completion_checks_the_code_again() {
    // Revoked while the change was in publicity: it cannot complete.
    let mut f = Flow::new(day(4, 1));
    f.target = Some(record());
    f.ok(&owner(), open(RegistrationType::Change, Some(CODE)));
    f.ok(&owner(), ack_as(RegistrationType::Change));
    f.ok(&clerk(), accept("齐全"));
    f.ok(&reviewer(), pass(""));
    f.today = day(5, 8);
    f.target = Some(Target {
        status: RecordStatus::Revoked,
        ..record()
    });
    f.refuses(
        &system(),
        Command::Register { code: CODE.into() },
        "RECORD_ENDED",
    );
    // Another code than the one the application names.
    f.target = Some(record());
    f.refuses(
        &system(),
        Command::Register {
            code: "135000020260000022".into(),
        },
        "TARGET_CODE_MISMATCH",
    );
    // A renewal that outlasted the term still completes.
    let mut g = Flow::new(day(4, 1));
    g.target = Some(Target {
        valid_until: day(4, 30),
        ..record()
    });
    g.ok(&owner(), open(RegistrationType::Renewal, Some(CODE)));
    g.ok(&owner(), ack_as(RegistrationType::Renewal));
    g.ok(&clerk(), accept("齐全"));
    g.ok(&reviewer(), pass(""));
    g.today = day(5, 8);
    g.target = Some(Target {
        status: RecordStatus::Expired,
        valid_until: day(4, 30),
        ..record()
    });
    let ev = g.ok(&system(), Command::Register { code: CODE.into() });
    let EventKind::Registered { valid_until, .. } = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(
        valid_until,
        Date::from_calendar_date(2029, time::Month::May, 7).unwrap()
    );
}
