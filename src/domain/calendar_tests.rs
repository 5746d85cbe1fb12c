//! Tests of `calendar.rs`.
use super::*;
use proptest::prelude::*;
use time::macros::date;

const FILES: [(i32, &str); 3] = [
    (2025, include_str!("../../config/calendar/2025.toml")),
    (2026, include_str!("../../config/calendar/2026.toml")),
    (2027, include_str!("../../config/calendar/2027.toml")),
];

fn parse(s: &str) -> Date {
    Date::parse(s, &format_description!("[year]-[month]-[day]")).unwrap()
}

#[test]
fn data_files_are_well_formed() {
    for (year, text) in FILES {
        let f: YearFile = toml::from_str(text).unwrap();
        assert_eq!(f.year, year);
        assert!(!f.source.is_empty());
        for list in [&f.holidays, &f.workdays] {
            let dates: Vec<Date> = list.iter().map(|s| parse(s)).collect();
            assert!(
                dates.windows(2).all(|w| w[0] < w[1]),
                "{year}: not sorted/unique"
            );
            assert!(dates.iter().all(|d| d.year() == year));
        }
        for d in &f.workdays {
            assert!(
                is_weekend(parse(d)),
                "{year}: workday {d} is not a weekend day"
            );
        }
    }
    let cal = Calendar::builtin();
    let years: Vec<_> = cal.years().collect();
    assert_eq!(
        years,
        [
            (2025, CalendarStatus::Official),
            (2026, CalendarStatus::Official),
            (2027, CalendarStatus::Provisional)
        ]
    );
    assert!(cal.source(2025).unwrap().contains("国办发明电〔2024〕12号"));
}

/// The weekdays printed in the notices, to catch transcription slips.
#[test]
fn notice_weekdays_match() {
    use Weekday::*;
    let cases = [
        (date!(2025 - 01 - 01), Wednesday),
        (date!(2025 - 01 - 28), Tuesday),
        (date!(2025 - 02 - 04), Tuesday),
        (date!(2025 - 01 - 26), Sunday),
        (date!(2025 - 02 - 08), Saturday),
        (date!(2025 - 04 - 04), Friday),
        (date!(2025 - 05 - 05), Monday),
        (date!(2025 - 04 - 27), Sunday),
        (date!(2025 - 05 - 31), Saturday),
        (date!(2025 - 10 - 08), Wednesday),
        (date!(2025 - 09 - 28), Sunday),
        (date!(2025 - 10 - 11), Saturday),
        (date!(2026 - 01 - 03), Saturday),
        (date!(2026 - 01 - 04), Sunday),
        (date!(2026 - 02 - 15), Sunday),
        (date!(2026 - 02 - 23), Monday),
        (date!(2026 - 02 - 14), Saturday),
        (date!(2026 - 02 - 28), Saturday),
        (date!(2026 - 04 - 06), Monday),
        (date!(2026 - 05 - 05), Tuesday),
        (date!(2026 - 05 - 09), Saturday),
        (date!(2026 - 06 - 19), Friday),
        (date!(2026 - 09 - 25), Friday),
        (date!(2026 - 10 - 07), Wednesday),
        (date!(2026 - 09 - 20), Sunday),
        (date!(2026 - 10 - 10), Saturday),
        (date!(2027 - 02 - 06), Saturday),
    ];
    for (d, w) in cases {
        assert_eq!(d.weekday(), w, "{d}");
    }
}

#[test]
fn yearly_totals() {
    let cal = Calendar::builtin();
    let total = |y: i32| {
        cal.working_days_between(
            Date::from_calendar_date(y - 1, time::Month::December, 31).unwrap(),
            Date::from_calendar_date(y, time::Month::December, 31).unwrap(),
        )
    };
    // 261 weekdays − 18 weekday holidays + 5 调休 days.
    assert_eq!(total(2025), 248);
    // 261 weekdays − 19 weekday holidays + 6 调休 days.
    assert_eq!(total(2026), 248);
}

#[test]
fn spring_festival_and_national_day() {
    let cal = Calendar::builtin();
    let add = |d, n| cal.add_working_days(d, n);
    assert_eq!(add(date!(2026 - 02 - 13), 1), date!(2026 - 02 - 14));
    assert_eq!(add(date!(2026 - 02 - 14), 1), date!(2026 - 02 - 24));
    assert_eq!(add(date!(2026 - 02 - 13), 3), date!(2026 - 02 - 25));
    assert_eq!(add(date!(2026 - 02 - 27), 1), date!(2026 - 02 - 28));
    assert_eq!(add(date!(2026 - 12 - 31), 1), date!(2027 - 01 - 04));
    assert_eq!(add(date!(2025 - 01 - 24), 1), date!(2025 - 01 - 26));
    assert_eq!(add(date!(2025 - 01 - 27), 1), date!(2025 - 02 - 05));
    assert_eq!(add(date!(2025 - 02 - 07), 1), date!(2025 - 02 - 08));
    assert_eq!(add(date!(2025 - 09 - 26), 1), date!(2025 - 09 - 28));
    assert_eq!(add(date!(2025 - 09 - 30), 1), date!(2025 - 10 - 09));
    assert_eq!(add(date!(2025 - 10 - 09), 2), date!(2025 - 10 - 11));
    assert_eq!(add(date!(2025 - 10 - 01), 0), date!(2025 - 10 - 01));
    assert_eq!(
        cal.working_days_between(date!(2025 - 09 - 30), date!(2025 - 10 - 09)),
        1
    );
    assert_eq!(
        cal.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 25)),
        3
    );
    assert_eq!(
        cal.working_days_between(date!(2026 - 02 - 25), date!(2026 - 02 - 13)),
        0
    );
    assert_eq!(
        cal.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 13)),
        0
    );
    assert!(cal.is_working_day(date!(2026 - 01 - 04)));
    assert!(!cal.is_working_day(date!(2026 - 01 - 02)));
    assert!(!cal.is_working_day(date!(2026 - 01 - 10)));
    assert!(cal.is_working_day(date!(2026 - 01 - 12)));
}

#[test]
fn uncovered_years_fall_back_to_monday_to_friday() {
    let cal = Calendar::builtin();
    assert!(cal.covers(date!(2026 - 06 - 01)));
    assert!(!cal.covers(date!(2030 - 10 - 01)));
    assert!(cal.is_working_day(date!(2030 - 10 - 01)));
    assert!(!cal.is_working_day(date!(2030 - 10 - 05)));
    assert_eq!(
        cal.add_working_days(date!(2030 - 10 - 04), 1),
        date!(2030 - 10 - 07)
    );
    assert_eq!(cal.add_working_days(Date::MAX, 1), Date::MAX);
    assert_eq!(cal.working_days_between(Date::MAX, Date::MAX), 0);
}

#[test]
fn from_toml_refuses() {
    let ok = "year = 2030\nstatus = \"official\"\nsource = \"x\"\n";
    let with = |h: &str, w: &str| format!("{ok}holidays = [{h}]\nworkdays = [{w}]\n");
    let cases = [
        ("year = ".to_owned(), "CAL_TOML"),
        (format!("{ok}holiday = []\n"), "CAL_TOML"),
        (
            "year = 2030\nstatus = \"guess\"\nsource = \"x\"\n".to_owned(),
            "CAL_TOML",
        ),
        (
            "year = 20300\nstatus = \"official\"\nsource = \"x\"\n".to_owned(),
            "CAL_YEAR",
        ),
        (with("\"2030-02-30\"", ""), "CAL_BAD_DATE"),
        (with("\"2031-01-01\"", ""), "CAL_DATE_OUTSIDE_YEAR"),
        (with("", "\"2029-12-29\""), "CAL_DATE_OUTSIDE_YEAR"),
        (
            with("\"2030-01-01\", \"2030-01-01\"", ""),
            "CAL_DUPLICATE_DATE",
        ),
        (
            with("\"2030-01-05\"", "\"2030-01-05\""),
            "CAL_HOLIDAY_AND_WORKDAY",
        ),
        (with("", "\"2030-01-07\""), "CAL_WORKDAY_NOT_WEEKEND"),
    ];
    for (text, reason) in &cases {
        let err = Calendar::from_toml(&[text]).unwrap_err();
        assert_eq!(err.reason(), *reason, "{text}: {err}");
    }
    let err = Calendar::from_toml(&[ok, ok]).unwrap_err();
    assert_eq!(err, CalendarError::DuplicateYear { year: 2030 });
    let err = Calendar::from_toml(&[&with("", "\"2030-01-07\"")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "calendar 2030: workday 2030-01-07 is a Monday, not a Saturday or Sunday"
    );
    let cal = Calendar::from_toml(&[ok]).unwrap();
    assert_eq!(cal.status(2030), Some(CalendarStatus::Official));
}

#[test]
fn china_dates() {
    assert_eq!(china_date(0), date!(1970 - 01 - 01));
    assert_eq!(china_date(16 * 3600 - 1), date!(1970 - 01 - 01));
    assert_eq!(china_date(16 * 3600), date!(1970 - 01 - 02));
    assert_eq!(china_date(-8 * 3600), date!(1970 - 01 - 01));
    assert_eq!(china_date(-8 * 3600 - 1), date!(1969 - 12 - 31));
    // 2026-02-16T16:00:00Z is 2026-02-17 00:00 in Beijing (初一).
    assert_eq!(china_date(1_771_257_600), date!(2026 - 02 - 17));
    assert_eq!(china_date(1_771_257_599), date!(2026 - 02 - 16));
    assert_eq!(china_date(i64::MAX), Date::MAX);
    assert_eq!(china_date(i64::MIN), Date::MIN);
}

fn arb_date() -> impl Strategy<Value = Date> {
    let lo = date!(2024 - 01 - 01).to_julian_day();
    let hi = date!(2028 - 12 - 31).to_julian_day();
    (lo..=hi).prop_map(|j| Date::from_julian_day(j).unwrap())
}

proptest! {
    #[test]
    fn add_and_between_agree(start in arb_date(), n in 0u32..400) {
        let cal = Calendar::builtin();
        let end = cal.add_working_days(start, n);
        prop_assert_eq!(cal.working_days_between(start, end), n);
        if n > 0 {
            prop_assert!(cal.is_working_day(end));
            let before = end.previous_day().unwrap();
            prop_assert_eq!(cal.working_days_between(start, before), n - 1);
        }
    }

    #[test]
    fn between_is_additive(a in arb_date(), b in arb_date(), c in arb_date()) {
        let cal = Calendar::builtin();
        let mut v = [a, b, c];
        v.sort();
        prop_assert_eq!(
            cal.working_days_between(v[0], v[1]) + cal.working_days_between(v[1], v[2]),
            cal.working_days_between(v[0], v[2])
        );
    }
}
