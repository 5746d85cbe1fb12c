//! Statistics for public disclosure (DESIGN §7): counts of the registry's records by region
//! (province of the subject), data type, industry and status on the day, and registrations by
//! the month their code was assigned. A fold over records, so a node counts its own registry and
//! the national node, whose registry holds every province's records, counts the national one.
//! [`Tally`] keeps the same figures as records are written, per province, so that reading them
//! needs no pass over the records.
use super::codes::Region;
use super::record::{Record, RecordStatus};
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statistics {
    pub records: u64,
    /// By the province (`XX0000`) of the subject's region.
    pub by_region: BTreeMap<String, u64>,
    /// By data type digit (`1`, `2`, `3`).
    pub by_data_type: BTreeMap<String, u64>,
    pub by_industry: BTreeMap<String, u64>,
    /// By status on the day counted (`VALID`, `EXPIRED`, `DEREGISTERED`, `REVOKED`).
    pub by_status: BTreeMap<String, u64>,
    /// Codes assigned per month (`YYYY-MM`, of version 1), ended ones included.
    pub registrations_by_month: BTreeMap<String, u64>,
}

impl Statistics {
    /// Counts one record as it stands on `today`.
    pub fn add(&mut self, r: &Record, today: Date) {
        let bump = |m: &mut BTreeMap<String, u64>, k: String| *m.entry(k).or_default() += 1;
        self.records += 1;
        bump(&mut self.by_region, province_of(&r.region));
        bump(&mut self.by_data_type, r.data_type.digit().to_string());
        bump(&mut self.by_industry, industry_of(r));
        bump(&mut self.by_status, r.status_on(today).name().to_string());
        if let Some(month) = month_of(r) {
            bump(&mut self.registrations_by_month, month);
        }
    }
}

/// The province (`XX0000`) a region counts under; a region that does not parse counts as itself.
pub fn province_of(region: &str) -> String {
    Region::parse(region)
        .map(|g| g.province().to_string())
        .unwrap_or_else(|_| region.to_string())
}

/// The industry a record counts under (`未填` when it gives none).
fn industry_of(r: &Record) -> String {
    if r.industry.is_empty() {
        "未填".to_string()
    } else {
        r.industry.clone()
    }
}

/// The month (`YYYY-MM`) its code was assigned.
fn month_of(r: &Record) -> Option<String> {
    let d = r.versions.first()?.assigned_on;
    Some(format!("{:04}-{:02}", d.year(), u8::from(d.month())))
}

fn day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// What a kept count counts, within a province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    /// Every record (the value is empty).
    Records,
    DataType,
    Industry,
    /// The stored status: a record stored valid may have expired by the day asked about.
    Stored,
    /// The last day of a record stored valid (`YYYY-MM-DD`): from it, how many have expired.
    ValidUntil,
    Month,
}

impl Facet {
    const ALL: [Facet; 6] = [
        Facet::Records,
        Facet::DataType,
        Facet::Industry,
        Facet::Stored,
        Facet::ValidUntil,
        Facet::Month,
    ];

    /// Its name in stored keys.
    pub fn tag(self) -> &'static str {
        match self {
            Facet::Records => "n",
            Facet::DataType => "type",
            Facet::Industry => "industry",
            Facet::Stored => "status",
            Facet::ValidUntil => "until",
            Facet::Month => "month",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.tag() == tag)
    }
}

/// One kept count: the province, what it counts, the value counted.
pub type Counter = (String, Facet, String);

/// The counts one record adds, as it is stored: they change only when the record is written,
/// never because a day has passed.
pub fn counters(r: &Record) -> Vec<Counter> {
    let p = province_of(&r.region);
    let mut c = vec![
        (p.clone(), Facet::Records, String::new()),
        (p.clone(), Facet::DataType, r.data_type.digit().to_string()),
        (p.clone(), Facet::Industry, industry_of(r)),
        (p.clone(), Facet::Stored, r.status.name().to_string()),
    ];
    if r.status == RecordStatus::Valid {
        c.push((p.clone(), Facet::ValidUntil, day(r.valid_until)));
    }
    if let Some(m) = month_of(r) {
        c.push((p, Facet::Month, m));
    }
    c
}

/// The statistics kept as records are written: counts per province of each facet's values as
/// stored, from which the figures of any day and any province are read without a pass over the
/// records (the work grows with the distinct values, not with the records).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    provinces: BTreeMap<String, BTreeMap<(Facet, String), u64>>,
}

impl Tally {
    pub fn get(&self, (p, f, v): &Counter) -> u64 {
        self.provinces
            .get(p)
            .and_then(|m| m.get(&(*f, v.clone())))
            .copied()
            .unwrap_or(0)
    }

    /// Sets a count; a count of 0 is dropped.
    pub fn set(&mut self, (p, f, v): Counter, n: u64) {
        if n > 0 {
            self.provinces.entry(p).or_default().insert((f, v), n);
        } else if let Some(m) = self.provinces.get_mut(&p) {
            m.remove(&(f, v));
            if m.is_empty() {
                self.provinces.remove(&p);
            }
        }
    }

    /// Adds a record's counts.
    pub fn add(&mut self, r: &Record) {
        for c in counters(r) {
            let n = self.get(&c) + 1;
            self.set(c, n);
        }
    }

    /// Every count, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Counter, u64)> + '_ {
        self.provinces.iter().flat_map(|(p, m)| {
            m.iter()
                .map(move |((f, v), n)| ((p.clone(), *f, v.clone()), *n))
        })
    }

    /// The provinces that have records.
    pub fn provinces(&self) -> impl Iterator<Item = &str> {
        self.provinces.keys().map(String::as_str)
    }

    /// The statistics on `today` of one province's records (`XX0000`), or of all.
    pub fn statistics(&self, today: Date, province: Option<&str>) -> Statistics {
        let today = day(today);
        let mut s = Statistics::default();
        let add = |m: &mut BTreeMap<String, u64>, k: &str, n: u64| {
            if n > 0 {
                *m.entry(k.to_string()).or_default() += n;
            }
        };
        for (p, counts) in &self.provinces {
            if province.is_some_and(|want| want != p) {
                continue;
            }
            let (mut valid, mut expired) = (0, 0);
            for ((f, v), &n) in counts {
                match f {
                    Facet::Records => {
                        s.records += n;
                        add(&mut s.by_region, p, n);
                    }
                    Facet::DataType => add(&mut s.by_data_type, v, n),
                    Facet::Industry => add(&mut s.by_industry, v, n),
                    Facet::Stored if v == RecordStatus::Valid.name() => valid = n,
                    Facet::Stored => add(&mut s.by_status, v, n),
                    // Expired: its last day is before today.
                    Facet::ValidUntil if *v < today => expired += n,
                    Facet::ValidUntil => {}
                    Facet::Month => add(&mut s.registrations_by_month, v, n),
                }
            }
            add(&mut s.by_status, RecordStatus::Expired.name(), expired);
            add(
                &mut s.by_status,
                RecordStatus::Valid.name(),
                valid.saturating_sub(expired),
            );
        }
        s
    }
}

/// Signed changes to a [`Tally`], summed over the records a batch of writes replaces.
#[derive(Debug, Default)]
pub struct Delta(BTreeMap<Counter, i64>);

impl Delta {
    /// A record written where `before` stood (`None`: none).
    pub fn replace(&mut self, before: Option<&Record>, after: Option<&Record>) {
        for (r, sign) in [(before, -1), (after, 1)] {
            for c in r.map(counters).unwrap_or_default() {
                *self.0.entry(c).or_default() += sign;
            }
        }
    }

    /// The counts that change, with their new values over `base`.
    pub fn over(&self, base: &Tally) -> Vec<(Counter, u64)> {
        self.0
            .iter()
            .filter(|(_, d)| **d != 0)
            .map(|(c, d)| (c.clone(), base.get(c).saturating_add_signed(*d)))
            .collect()
    }
}
