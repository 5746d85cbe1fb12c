//! Counts per facet over the documents a query matches: one pass over fast columns, strings
//! counted by their ordinal in each segment and named once at the end. A common keyword matches
//! most of the book, so the per-document step is three column reads (province, industry, the
//! packed numeric facets) and array increments (a hash map per facet took half of such a
//! search's time at a million records; reading a column per numeric facet, about a third).
use super::schema::{status_of, Packed};
use std::collections::{BTreeMap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentReader;
use tantivy::{DocId, Score};

/// The industry of a record that gives none, as the statistics name it.
pub const NO_INDUSTRY: &str = "未填";

/// How many matching records have each value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub total: u64,
    /// By the province (`XX0000`) of the region.
    pub by_region: BTreeMap<String, u64>,
    /// By data type digit.
    pub by_data_type: BTreeMap<String, u64>,
    pub by_industry: BTreeMap<String, u64>,
    /// By status on the day of the query.
    pub by_status: BTreeMap<String, u64>,
    /// By the year the code was assigned.
    pub by_year: BTreeMap<String, u64>,
    /// By the month the code was assigned (`YYYY-MM`).
    pub by_month: BTreeMap<String, u64>,
}

impl Facets {
    fn merge(&mut self, other: Facets) {
        self.total += other.total;
        for (mine, theirs) in [
            (&mut self.by_region, other.by_region),
            (&mut self.by_data_type, other.by_data_type),
            (&mut self.by_industry, other.by_industry),
            (&mut self.by_status, other.by_status),
            (&mut self.by_year, other.by_year),
            (&mut self.by_month, other.by_month),
        ] {
            for (k, n) in theirs {
                *mine.entry(k).or_default() += n;
            }
        }
    }
}

#[derive(Clone, Copy)]
pub struct FacetCounts {
    /// The day statuses are taken on (Julian day): a valid record past it has expired.
    pub today: u64,
}

pub struct SegmentCounts {
    today: u64,
    province: Option<StrColumn>,
    industry: Option<StrColumn>,
    packed: Option<Column<u64>>,
    total: u64,
    provinces: Dense,
    /// By ordinal + 1; 0 counts the records without one.
    industries: Dense,
    data_types: Dense,
    statuses: Dense,
    years: Dense,
    months: Dense,
}

/// Counts of values that lie close together (ordinals, digits, years, `YYYYMM` months): an
/// array from the first value seen, and a map for a value far from it.
#[derive(Default)]
struct Dense {
    base: u64,
    counts: Vec<u64>,
    far: HashMap<u64, u64>,
}

/// How far above the base a value is counted in the array.
const DENSE_SPAN: u64 = 1 << 16;

impl Dense {
    fn add(&mut self, v: u64) {
        if self.counts.is_empty() {
            self.base = v.saturating_sub(64);
        }
        match v.checked_sub(self.base) {
            Some(i) if i < DENSE_SPAN => {
                let i = i as usize;
                if i >= self.counts.len() {
                    self.counts.resize(i + 1, 0);
                }
                self.counts[i] += 1;
            }
            _ => *self.far.entry(v).or_default() += 1,
        }
    }

    fn into_counts(self) -> impl Iterator<Item = (u64, u64)> {
        let base = self.base;
        let near = self.counts.into_iter().enumerate();
        near.filter(|&(_, n)| n > 0)
            .map(move |(i, n)| (base + i as u64, n))
            .chain(self.far)
    }
}

impl Collector for FacetCounts {
    type Fruit = Facets;
    type Child = SegmentCounts;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentCounts> {
        let f = segment.fast_fields();
        Ok(SegmentCounts {
            today: self.today,
            province: f.str("province")?,
            industry: f.str("industry")?,
            packed: f.column_opt("packed")?,
            total: 0,
            provinces: Dense::default(),
            industries: Dense::default(),
            data_types: Dense::default(),
            statuses: Dense::default(),
            years: Dense::default(),
            months: Dense::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut all = Facets::default();
        for f in fruits {
            all.merge(f);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.total += 1;
        let ord = |c: &Option<StrColumn>| c.as_ref().and_then(|c| c.term_ords(doc).next());
        if let Some(p) = ord(&self.province) {
            self.provinces.add(p);
        }
        self.industries
            .add(ord(&self.industry).map_or(0, |i| i + 1));
        let Some(p) = self.packed.as_ref().and_then(|c| c.first(doc)) else {
            return;
        };
        let p = Packed::from(p);
        self.data_types.add(p.data_type);
        // A valid record past its last day has expired (as `Record::status_on` says).
        let expired = p.status == 0 && p.valid_until < self.today;
        self.statuses.add(if expired { 1 } else { p.status });
        if let Some(m) = p.month {
            self.years.add(m / 100);
            self.months.add(m);
        }
    }

    fn harvest(self) -> Facets {
        let name = |c: &Option<StrColumn>, ord: u64| {
            let mut s = String::new();
            if let Some(c) = c {
                // An ordinal the column gave names a term of the same column.
                let _ = c.ord_to_str(ord, &mut s);
            }
            s
        };
        let mut f = Facets {
            total: self.total,
            ..Facets::default()
        };
        for (p, n) in self.provinces.into_counts() {
            f.by_region.insert(name(&self.province, p), n);
        }
        for (i, n) in self.industries.into_counts() {
            let key = match i {
                0 => NO_INDUSTRY.to_string(),
                i => name(&self.industry, i - 1),
            };
            *f.by_industry.entry(key).or_default() += n;
        }
        for (d, n) in self.data_types.into_counts() {
            f.by_data_type.insert(d.to_string(), n);
        }
        for (s, n) in self.statuses.into_counts() {
            let key = status_of(s).map_or_else(|| s.to_string(), |s| s.name().to_string());
            f.by_status.insert(key, n);
        }
        for (y, n) in self.years.into_counts() {
            f.by_year.insert(format!("{y:04}"), n);
        }
        for (m, n) in self.months.into_counts() {
            f.by_month
                .insert(format!("{:04}-{:02}", m / 100, m % 100), n);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::{Dense, Packed};

    #[test]
    fn packed_facets_read_back_as_written() {
        for p in [
            Packed {
                valid_until: 2_461_406,
                month: Some(202612),
                status: 0,
                data_type: 3,
            },
            Packed {
                valid_until: (1 << 24) - 1,
                month: None,
                status: 3,
                data_type: 1,
            },
            Packed {
                valid_until: 0,
                month: Some(999_912),
                status: 15,
                data_type: 15,
            },
        ] {
            assert_eq!(Packed::from(u64::from(p)), p);
        }
    }

    #[test]
    fn dense_counts_every_value_near_below_and_far_from_the_first() {
        let mut d = Dense::default();
        for v in [2026, 2026, 2024, 0, 1, u64::MAX, 2026 + (1 << 20), 2025] {
            d.add(v);
        }
        let mut got: Vec<(u64, u64)> = d.into_counts().collect();
        got.sort();
        assert_eq!(
            got,
            [
                (0, 1),
                (1, 1),
                (2024, 1),
                (2025, 1),
                (2026, 2),
                (2026 + (1 << 20), 1),
                (u64::MAX, 1)
            ]
        );
    }
}
