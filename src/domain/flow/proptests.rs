//! Random command sequences from random actors over random days, folded exactly as the engine
//! folds them. Every step is checked against an independent transition table, so a rule added
//! to `decide` that lets an application jump between states the table does not list fails here.
use super::tests::*;
use super::*;
use crate::domain::materials::{parse_date, Authorisation, Materials};
use crate::domain::types::{Actor, Role, SourceBasis, SubjectKind};
use proptest::prelude::*;
use time::{Date, Duration, Month};

#[derive(Debug, Clone)]
enum Op {
    Create(u8),
    Edit(u8),
    Submit {
        right_hash: bool,
    },
    Supplement(u8),
    Withdraw,
    Accept,
    Return,
    RefuseAcceptance,
    PassReview,
    RefuseReview,
    File,
    Resolve(usize, Resolution),
    Register,
    /// Whatever moves the application on from its current state, so long runs get far.
    Forward,
}

#[derive(Debug, Clone)]
struct Step {
    op: Op,
    /// `None`: the actor the command is meant for; `Some(i)`: anyone from `actors()`.
    who: Option<usize>,
    days: u8,
}

fn actors() -> Vec<Actor> {
    let mut all = everyone().to_vec();
    all.extend([stranger(), clerk_as_reviewer()]);
    all
}

/// Materials of several kinds, so edits and supplements are sometimes refused.
fn materials(variant: u8) -> Materials {
    let mut m = valid_materials();
    match variant % 6 {
        0 => {}
        1 => m.resource.summary = "修订后的内容摘要".into(),
        2 => m.subject.contact.phone = "not a phone".into(),
        3 => m.attachments.clear(),
        4 => m.subject.credit_code = OTHER.into(),
        _ => {
            // An operator whose authorisation ends mid-May caps the validity of its code.
            m.subject.kind = Some(SubjectKind::AuthorisedOperator);
            m.source.basis = Some(SourceBasis::AuthorisationAgreement);
            let a = m.source.authorisation.insert(Authorisation::default());
            (a.agreement_number, a.scope) = ("授〔2026〕1号".into(), "全部".into());
            (a.term_start, a.term_end) = ("2026-01-01".into(), "2026-05-15".into());
        }
    }
    m
}

fn op() -> impl Strategy<Value = Op> {
    use Resolution::*;
    let resolution = prop_oneof![Just(Dismiss), Just(UpholdRefuse), Just(UpholdBackToReview)];
    let right_hash = prop_oneof![3 => Just(true), 1 => Just(false)];
    // Weighted towards the steps that move an application on, so that most sequences reach
    // publicity and registration instead of ending early in a withdrawal.
    prop_oneof![
        2 => any::<u8>().prop_map(Op::Create),
        4 => any::<u8>().prop_map(Op::Edit),
        8 => right_hash.prop_map(|right_hash| Op::Submit { right_hash }),
        4 => any::<u8>().prop_map(Op::Supplement),
        1 => Just(Op::Withdraw),
        8 => Just(Op::Accept),
        3 => Just(Op::Return),
        1 => Just(Op::RefuseAcceptance),
        8 => Just(Op::PassReview),
        1 => Just(Op::RefuseReview),
        6 => Just(Op::File),
        6 => (0..4usize, resolution).prop_map(|(i, r)| Op::Resolve(i, r)),
        8 => Just(Op::Register),
        12 => Just(Op::Forward),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let who = prop_oneof![3 => Just(None), 1 => (0..actors().len()).prop_map(Some)];
    // Mostly short steps; sometimes long enough to run past a whole publicity period.
    let days = prop_oneof![4 => 0u8..3, 1 => 0u8..25];
    (op(), who, days).prop_map(|(op, who, days)| Step { op, who, days })
}

/// The command for `op` given the current application, and the actor it is meant for.
fn command(op: &Op, app: &Application) -> (Command, Actor) {
    match op {
        Op::Create(v) => (create(materials(*v)), owner()),
        Op::Edit(v) => (edit(materials(*v)), owner()),
        Op::Submit { right_hash: true } => (submit(&app.materials), owner()),
        Op::Submit { right_hash: false } => (submit_sha("0".repeat(64)), owner()),
        Op::Supplement(v) => (supplement(materials(*v), ""), owner()),
        Op::Withdraw => (withdraw(), owner()),
        Op::Accept => (accept(""), clerk()),
        Op::Return => (give_back(&["样本"]), clerk()),
        Op::RefuseAcceptance => (refuse_acceptance("不予受理"), clerk()),
        Op::PassReview => (pass(""), reviewer()),
        Op::RefuseReview => (refuse_review("不予登记"), reviewer()),
        // Fresh ids, as the engine assigns them.
        Op::File => (object(&format!("O{}", app.objections.len() + 1)), public()),
        Op::Resolve(i, resolution) => {
            // Usually a real objection, open or closed; "O0" never exists.
            let o = app.objections.get(i % app.objections.len().max(1));
            (resolve(o.map_or("O0", |o| &o.id), *resolution), registrar())
        }
        Op::Register => (register(), system()),
        Op::Forward => match app.state {
            State::Draft => command(&Op::Submit { right_hash: true }, app),
            State::Submitted => command(&Op::Accept, app),
            State::Returned => command(&Op::Supplement(0), app),
            State::InReview => command(&Op::PassReview, app),
            _ => command(&Op::Register, app),
        },
    }
}

/// The transition table of DESIGN §2, written independently of `apply`: the state an event
/// leads to from a state, or `None` when the event may not happen there.
fn next_state(before: State, ev: &EventKind) -> Option<State> {
    use EventKind as E;
    use State::*;
    Some(match (before, ev) {
        (Draft, E::Edited { .. }) => Draft,
        (Draft, E::Submitted { .. }) => Submitted,
        (Draft | Submitted | Returned | InReview, E::Withdrawn { .. }) => Withdrawn,
        (Returned, E::Supplemented { .. }) => Submitted,
        (Submitted, E::Accepted { .. }) => InReview,
        (Submitted, E::ReturnedForSupplement { .. }) => Returned,
        (Submitted, E::AcceptanceRefused { .. }) => NotAccepted,
        (InReview, E::ReviewPassed { .. }) => InPublicity,
        (InReview, E::ReviewRefused { .. }) => Refused,
        (InPublicity, E::ObjectionFiled { .. }) => InPublicity,
        (InPublicity, E::ObjectionResolved { resolution, .. }) => match resolution {
            Resolution::Dismiss => InPublicity,
            Resolution::UpholdRefuse => Refused,
            Resolution::UpholdBackToReview => InReview,
        },
        (InPublicity, E::Registered { .. }) => Registered,
        _ => return None,
    })
}

/// 3 years less a day from today, or the end of the authorisation term when sooner.
fn expected_validity(app: &Application, today: Date) -> (Date, Date) {
    let y = today.year() + 3;
    let march_first = Date::from_calendar_date(y, Month::March, 1).unwrap();
    let anniversary = today.replace_year(y).unwrap_or(march_first);
    let until = anniversary.previous_day().unwrap();
    let authorisation = app.materials.source.authorisation.as_ref();
    match authorisation.and_then(|a| parse_date(&a.term_end)) {
        Some(end) => (today, until.min(end)),
        None => (today, until),
    }
}

/// Whether the rules say a code may be assigned today.
fn may_register(app: &Application, today: Date) -> bool {
    let ended = app.publicity.is_some_and(|p| today > p.end);
    // An authorised operation whose term has lapsed cannot be registered (validity would be empty).
    let term_current = app
        .materials
        .source
        .authorisation
        .as_ref()
        .and_then(|a| crate::domain::materials::parse_date(&a.term_end))
        .is_none_or(|end| end >= today);
    app.state == State::InPublicity && ended && !app.has_open_objection() && term_current
}

fn check_sequence(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut f = at_draft();
    let all = actors();
    let mut registrations = 0;
    for s in steps {
        f.today += Duration::days(i64::from(s.days));
        let before = f.app().clone();
        let (cmd, meant_for) = command(&s.op, &before);
        let who = s.who.map_or(meant_for, |i| all[i].clone());
        let system_registers = matches!(cmd, Command::Register { .. }) && who.role == Role::System;
        match f.run(&who, &cmd) {
            Err(refusal) => {
                prop_assert_eq!(f.app(), &before, "refused {:?} changed the state", cmd);
                // Folding no events is the identity: the engine writes nothing for a refusal.
                let none: [Event; 0] = [];
                let folded = none.iter().fold(before.clone(), |a, e| apply(Some(a), e));
                prop_assert_eq!(&folded, &before);
                let allowed = system_registers && may_register(&before, f.today);
                prop_assert!(!allowed, "Register refused ({}) though allowed", refusal);
            }
            Ok(events) => {
                let from = before.state;
                prop_assert!(!from.is_final(), "{:?} accepted {:?}", from, cmd);
                prop_assert!(!events.is_empty());
                let after = f.app();
                prop_assert_eq!(after.revision, before.revision + events.len() as u64);
                // What decide emits, the national node's order check accepts, event by event.
                let mut folded = before.clone();
                for ev in &events {
                    prop_assert_eq!(follows(Some(&folded), ev), Ok(()));
                    let e = Event {
                        application_id: folded.id.clone(),
                        at: 0,
                        actor: String::new(),
                        holder: String::new(),
                        kind: ev.clone(),
                    };
                    folded = apply(Some(folded), &e);
                }
                // Replay the transition table over the events actually emitted.
                let mut state = Some(from);
                for ev in &events {
                    state = state.and_then(|s| next_state(s, ev));
                    prop_assert!(state.is_some(), "{} from {:?}", ev.step(), from);
                    if let EventKind::Registered {
                        valid_from,
                        valid_until,
                        ..
                    } = ev
                    {
                        registrations += 1;
                        let ok = may_register(&before, f.today);
                        prop_assert!(ok, "registered on {} from {:?}", f.today, before);
                        let validity = (*valid_from, *valid_until);
                        prop_assert_eq!(validity, expected_validity(&before, f.today));
                    }
                }
                prop_assert_eq!(Some(after.state), state);
            }
        }
        let app = f.app();
        prop_assert!(registrations <= 1, "registered twice");
        prop_assert_eq!(app.decisions.len() as u64, app.revision);
        prop_assert_eq!(app.code.is_some(), app.state == State::Registered);
        let timed = matches!(
            app.state,
            State::Submitted | State::InReview | State::InPublicity
        );
        prop_assert_eq!(app.current_due().is_some(), timed);
        let returns = app
            .decisions
            .iter()
            .filter(|d| d.step == "RETURNED_FOR_SUPPLEMENT");
        prop_assert!(returns.count() <= 1, "returned twice");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_follow_the_transition_table(steps in prop::collection::vec(step(), 1..=40)) {
        check_sequence(steps)?;
    }
}

/// Final states refuse every command from every actor.
#[test]
fn final_states_accept_no_command() {
    let ops = [
        Op::Create(0),
        Op::Edit(0),
        Op::Submit { right_hash: true },
        Op::Supplement(0),
        Op::Withdraw,
        Op::Accept,
        Op::Return,
        Op::RefuseAcceptance,
        Op::PassReview,
        Op::RefuseReview,
        Op::File,
        Op::Resolve(0, Resolution::Dismiss),
        Op::Register,
    ];
    let (mut withdrawn, mut not_accepted) = (at_draft(), at_submitted());
    withdrawn.ok(&owner(), withdraw());
    not_accepted.ok(&clerk(), refuse_acceptance("x"));
    let (mut refused, mut registered) = (at_review(), at_publicity());
    refused.ok(&reviewer(), refuse_review("x"));
    registered.today = day(6, 1);
    registered.ok(&system(), register());
    for mut end in [withdrawn, not_accepted, refused, registered] {
        let state = end.state();
        assert!(state.is_final());
        for op in &ops {
            for who in actors() {
                let (cmd, _) = command(op, end.app());
                let r = end.run(&who, &cmd);
                assert!(r.is_err(), "{state:?} accepted {cmd:?} from {:?}", who.role);
            }
        }
    }
}
