//! Working days on the official PRC calendar.
//!
//! Statutory deadlines in the registration procedure are counted in 工作日
//! (working days), which in China are not simply Monday to Friday: the State
//! Council publishes each year which days are 放假 (holidays, including the
//! weekends inside each holiday block) and which weekend days become 调休
//! working days. Those notices are kept as data in `config/calendar/YYYY.toml`
//! and embedded at build time ([`Calendar::builtin`]).
//!
//! For a date whose year no file covers, the calendar falls back to plain
//! Monday–Friday; callers that must not rely on a guess check
//! [`Calendar::covers`] or the year's [`CalendarStatus`].
//!
//! Every deadline is counted on the civil date in Beijing time
//! ([`china_date`]).

use serde::Deserialize;
use thiserror::Error;
use time::{macros::format_description, Date, Weekday};

/// Whether a year's data comes from the State Council notice or is a
/// placeholder that must be replaced when the notice is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarStatus {
    Official,
    Provisional,
}

/// Why calendar data was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("calendar file #{file}: malformed TOML: {message}")]
    Toml { file: usize, message: String },
    #[error("calendar file #{file}: year {year} is outside the supported range")]
    Year { file: usize, year: i32 },
    #[error("calendar {year}: {value:?} is not a YYYY-MM-DD date")]
    BadDate { year: i32, value: String },
    #[error("calendar {year}: date {date} is not in {year}")]
    DateOutsideYear { year: i32, date: Date },
    #[error("calendar {year}: date {date} is listed twice")]
    DuplicateDate { year: i32, date: Date },
    #[error("calendar {year}: date {date} is listed both as holiday and as workday")]
    HolidayAndWorkday { year: i32, date: Date },
    #[error("calendar {year}: workday {date} is a {weekday}, not a Saturday or Sunday")]
    WorkdayNotWeekend {
        year: i32,
        date: Date,
        weekday: Weekday,
    },
    #[error("calendar year {year} is given by more than one file")]
    DuplicateYear { year: i32 },
}

impl CalendarError {
    /// Stable machine-readable reason code.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Toml { .. } => "CAL_TOML",
            Self::Year { .. } => "CAL_YEAR",
            Self::BadDate { .. } => "CAL_BAD_DATE",
            Self::DateOutsideYear { .. } => "CAL_DATE_OUTSIDE_YEAR",
            Self::DuplicateDate { .. } => "CAL_DUPLICATE_DATE",
            Self::HolidayAndWorkday { .. } => "CAL_HOLIDAY_AND_WORKDAY",
            Self::WorkdayNotWeekend { .. } => "CAL_WORKDAY_NOT_WEEKEND",
            Self::DuplicateYear { .. } => "CAL_DUPLICATE_YEAR",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    status: CalendarStatus,
    source: String,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct YearEntry {
    year: i32,
    status: CalendarStatus,
    source: String,
    /// Bit `ordinal - 1` is set when that day is a working day. Precomputed
    /// so that lookups on hot paths are a shift and a mask.
    working: [u64; 6],
}

impl YearEntry {
    fn is_working(&self, ordinal: u16) -> bool {
        let i = usize::from(ordinal.saturating_sub(1));
        self.working
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    fn set(&mut self, ordinal: u16, working: bool) {
        let i = usize::from(ordinal.saturating_sub(1));
        if let Some(w) = self.working.get_mut(i / 64) {
            let bit = 1u64 << (i % 64);
            if working {
                *w |= bit;
            } else {
                *w &= !bit;
            }
        }
    }
}

/// The working-day calendar: official data for the years it covers,
/// Monday–Friday elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Calendar {
    /// Sorted by year.
    years: Vec<YearEntry>,
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn parse_dates(year: i32, values: &[String]) -> Result<Vec<Date>, CalendarError> {
    let format = format_description!("[year]-[month]-[day]");
    let mut dates = Vec::with_capacity(values.len());
    for value in values {
        let date = Date::parse(value, &format).map_err(|_| CalendarError::BadDate {
            year,
            value: value.clone(),
        })?;
        if date.year() != year {
            return Err(CalendarError::DateOutsideYear { year, date });
        }
        if dates.contains(&date) {
            return Err(CalendarError::DuplicateDate { year, date });
        }
        dates.push(date);
    }
    Ok(dates)
}

fn build_year(file: usize, text: &str) -> Result<YearEntry, CalendarError> {
    let parsed: YearFile = toml::from_str(text).map_err(|e| CalendarError::Toml {
        file,
        message: e.message().to_owned(),
    })?;
    let year = parsed.year;
    let Ok(first) = Date::from_ordinal_date(year, 1) else {
        return Err(CalendarError::Year { file, year });
    };
    let holidays = parse_dates(year, &parsed.holidays)?;
    let workdays = parse_dates(year, &parsed.workdays)?;
    let mut entry = YearEntry {
        year,
        status: parsed.status,
        source: parsed.source,
        working: [0; 6],
    };
    let mut day = Some(first);
    while let Some(d) = day.filter(|d| d.year() == year) {
        entry.set(d.ordinal(), !is_weekend(d));
        day = d.next_day();
    }
    for &date in &holidays {
        entry.set(date.ordinal(), false);
    }
    for &date in &workdays {
        if holidays.contains(&date) {
            return Err(CalendarError::HolidayAndWorkday { year, date });
        }
        if !is_weekend(date) {
            return Err(CalendarError::WorkdayNotWeekend {
                year,
                date,
                weekday: date.weekday(),
            });
        }
        entry.set(date.ordinal(), true);
    }
    Ok(entry)
}

impl Calendar {
    /// Builds a calendar from one TOML text per year. Errors name the file by
    /// its 1-based position in `files` when its year is not yet known.
    pub fn from_toml(files: &[&str]) -> Result<Calendar, CalendarError> {
        let mut years: Vec<YearEntry> = Vec::with_capacity(files.len());
        for (i, text) in files.iter().enumerate() {
            let entry = build_year(i + 1, text)?;
            if years.iter().any(|e| e.year == entry.year) {
                return Err(CalendarError::DuplicateYear { year: entry.year });
            }
            years.push(entry);
        }
        years.sort_by_key(|e| e.year);
        Ok(Calendar { years })
    }

    /// The calendar files shipped with this crate.
    pub fn builtin() -> Calendar {
        const FILES: [&str; 3] = [
            include_str!("../../config/calendar/2025.toml"),
            include_str!("../../config/calendar/2026.toml"),
            include_str!("../../config/calendar/2027.toml"),
        ];
        // The embedded files are fixed at build time and validated by the
        // tests below, so failure here is a build defect, not bad input.
        Calendar::from_toml(&FILES).expect("built-in calendar files are valid")
    }

    /// Covered years in ascending order with the status of their data.
    pub fn years(&self) -> impl Iterator<Item = (i32, CalendarStatus)> + '_ {
        self.years.iter().map(|e| (e.year, e.status))
    }

    /// The `source` text of a covered year.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.entry(year).map(|e| e.source.as_str())
    }

    pub fn status(&self, year: i32) -> Option<CalendarStatus> {
        self.entry(year).map(|e| e.status)
    }

    /// Whether `date`'s year has calendar data (official or provisional).
    pub fn covers(&self, date: Date) -> bool {
        self.entry(date.year()).is_some()
    }

    fn entry(&self, year: i32) -> Option<&YearEntry> {
        self.years
            .binary_search_by_key(&year, |e| e.year)
            .ok()
            .and_then(|i| self.years.get(i))
    }

    /// Listed workday → true; listed holiday → false; otherwise Monday to
    /// Friday. Uncovered years use Monday to Friday.
    pub fn is_working_day(&self, date: Date) -> bool {
        match self.entry(date.year()) {
            Some(e) => e.is_working(date.ordinal()),
            None => !is_weekend(date),
        }
    }

    /// The `n`-th working day strictly after `start`; `start` itself when
    /// `n == 0`. Saturates at [`Date::MAX`].
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            match date.next_day() {
                Some(next) => date = next,
                None => return Date::MAX,
            }
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }

    /// Number of working days in the half-open interval (`from`, `to`];
    /// zero when `to <= from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0u32;
        let mut date = from;
        while date < to {
            match date.next_day() {
                Some(next) => date = next,
                None => break,
            }
            if self.is_working_day(date) {
                count = count.saturating_add(1);
            }
        }
        count
    }
}

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
/// China Standard Time is UTC+8 all year; there is no daylight saving.
const CHINA_OFFSET_SECONDS: i64 = 8 * 3600;

/// The civil date in Beijing time of a Unix timestamp, clamped to the range
/// of [`Date`].
pub fn china_date(unix_seconds: i64) -> Date {
    let days = unix_seconds
        .saturating_add(CHINA_OFFSET_SECONDS)
        .div_euclid(86_400);
    let julian = UNIX_EPOCH_JULIAN_DAY + days;
    match i32::try_from(julian)
        .ok()
        .and_then(|j| Date::from_julian_day(j).ok())
    {
        Some(date) => date,
        None if julian < i64::from(Date::MIN.to_julian_day()) => Date::MIN,
        None => Date::MAX,
    }
}

#[cfg(test)]
mod tests {
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
}
