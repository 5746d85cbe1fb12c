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
#[path = "calendar_tests.rs"]
mod tests;
