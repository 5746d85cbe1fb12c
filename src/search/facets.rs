//! Counts per facet over the documents a query matches: one pass over fast columns, strings
//! counted by their ordinal in each segment and named once at the end. A common keyword matches
//! most of the book, so the per-document step is three column reads (province, industry, the
//! packed numeric facets), each straight from its values, and increments of arrays sized before
//! the pass (a hash map per facet took half of such a search's time at a million records;
//! reading a column per numeric facet, about a third; the optional columns' index and arrays
//! grown as values came, a fifth).
use super::schema::{status_of, Packed};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnValues, StrColumn};
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
    province: Values,
    industry: Values,
    packed: Values,
    /// The column the ordinals name, for the names at the end.
    province_names: Option<StrColumn>,
    industry_names: Option<StrColumn>,
    total: u64,
    /// By ordinal.
    provinces: Vec<u64>,
    /// By ordinal + 1; 0 counts the records without one.
    industries: Vec<u64>,
    /// By the packed nibble.
    data_types: [u64; 16],
    statuses: [u64; 16],
    /// By `YYYYMM`; the years are summed from them at the end.
    months: Dense,
    /// Room for a block's values.
    block: [Vec<u64>; 3],
}

/// A column's first value of a document. Where every document has one (as a record always has
/// a province, an industry, empty or not, and the packed facets) it is read straight from the
/// values, without the index of which documents have one.
enum Values {
    Every(Arc<dyn ColumnValues<u64>>),
    Some(Column<u64>),
    None,
}

impl Values {
    fn of(column: Option<Column<u64>>) -> Values {
        match column {
            Some(c) if c.get_cardinality() == Cardinality::Full => Values::Every(c.values),
            Some(c) => Values::Some(c),
            None => Values::None,
        }
    }

    #[inline]
    fn get(&self, doc: DocId) -> Option<u64> {
        match self {
            Values::Every(v) => Some(v.get_val(doc)),
            Values::Some(c) => c.first(doc),
            Values::None => None,
        }
    }

    /// The values of a block of documents, [`ABSENT`] for none. Where every document has one
    /// and the block is a run of documents (as it is for a keyword most records hold), they
    /// are unpacked together rather than one call each.
    fn get_block(&self, docs: &[DocId], out: &mut Vec<u64>) {
        out.clear();
        out.resize(docs.len(), ABSENT);
        let (Some(&first), Some(&last)) = (docs.first(), docs.last()) else {
            return;
        };
        match self {
            Values::Every(v) if (last - first) as usize + 1 == docs.len() => {
                v.get_range(u64::from(first), out)
            }
            Values::Every(v) => v.get_vals(docs, out),
            Values::Some(c) => {
                for (o, &doc) in out.iter_mut().zip(docs) {
                    *o = c.first(doc).unwrap_or(ABSENT);
                }
            }
            Values::None => {}
        }
    }
}

/// No value, in a block's values: neither an ordinal nor a packed value ever is all ones.
const ABSENT: u64 = u64::MAX;

/// Adds one at `i`, if the counts reach that far (an ordinal the column gave always does).
#[inline]
fn bump(counts: &mut [u64], i: u64) {
    if let Some(n) = counts.get_mut(i as usize) {
        *n += 1;
    }
}

/// Counts of values that lie close together (`YYYYMM` months): an array over the span seen so
/// far, moved down when a lower value comes, and a map for a value far from it.
#[derive(Default)]
struct Dense {
    base: u64,
    counts: Vec<u64>,
    far: HashMap<u64, u64>,
}

/// How far apart values are counted in the array.
const DENSE_SPAN: u64 = 1 << 16;

impl Dense {
    #[inline]
    fn add(&mut self, v: u64) {
        if let Some(n) = v
            .checked_sub(self.base)
            .and_then(|i| self.counts.get_mut(i as usize))
        {
            *n += 1;
            return;
        }
        self.add_outside(v);
    }

    /// A value outside the array: it grows to take it, up or down, while the span allows.
    fn add_outside(&mut self, v: u64) {
        if self.counts.is_empty() {
            self.base = v;
        }
        let top = self.base + self.counts.len() as u64;
        if v >= self.base && v - self.base < DENSE_SPAN {
            self.counts.resize((v - self.base) as usize + 1, 0);
        } else if v < self.base && top - v <= DENSE_SPAN {
            let below = (self.base - v) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, below));
            self.base = v;
        } else {
            *self.far.entry(v).or_default() += 1;
            return;
        }
        self.counts[(v - self.base) as usize] += 1;
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
        let (province, industry) = (f.str("province")?, f.str("industry")?);
        let ords = |c: &Option<StrColumn>| c.as_ref().map(|c| c.ords().clone());
        let terms = |c: &Option<StrColumn>| c.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentCounts {
            today: self.today,
            province: Values::of(ords(&province)),
            industry: Values::of(ords(&industry)),
            packed: Values::of(f.column_opt("packed")?),
            provinces: vec![0; terms(&province)],
            industries: vec![0; terms(&industry) + 1],
            province_names: province,
            industry_names: industry,
            total: 0,
            data_types: [0; 16],
            statuses: [0; 16],
            months: Dense::default(),
            block: Default::default(),
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

impl SegmentCounts {
    #[inline(always)]
    fn count(&mut self, province: Option<u64>, industry: Option<u64>, packed: Option<u64>) {
        self.total += 1;
        if let Some(p) = province {
            bump(&mut self.provinces, p);
        }
        bump(&mut self.industries, industry.map_or(0, |i| i + 1));
        let Some(p) = packed else {
            return;
        };
        let p = Packed::from(p);
        bump(&mut self.data_types, p.data_type);
        // A valid record past its last day has expired (as `Record::status_on` says).
        let expired = p.status == 0 && p.valid_until < self.today;
        bump(&mut self.statuses, if expired { 1 } else { p.status });
        if let Some(m) = p.month {
            self.months.add(m);
        }
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _: Score) {
        let province = self.province.get(doc);
        let industry = self.industry.get(doc);
        let packed = self.packed.get(doc);
        self.count(province, industry, packed);
    }

    /// A block of documents when nothing is scored (the statistics' count of everything): each
    /// column read for the whole block at once.
    fn collect_block(&mut self, docs: &[DocId]) {
        let [mut p, mut i, mut v] = std::mem::take(&mut self.block);
        self.province.get_block(docs, &mut p);
        self.industry.get_block(docs, &mut i);
        self.packed.get_block(docs, &mut v);
        let some = |x: u64| (x != ABSENT).then_some(x);
        for k in 0..docs.len() {
            self.count(some(p[k]), some(i[k]), some(v[k]));
        }
        self.block = [p, i, v];
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
        let nonzero = |counts: Vec<u64>| {
            counts
                .into_iter()
                .enumerate()
                .filter(|&(_, n)| n > 0)
                .map(|(i, n)| (i as u64, n))
        };
        let mut f = Facets {
            total: self.total,
            ..Facets::default()
        };
        for (p, n) in nonzero(self.provinces) {
            f.by_region.insert(name(&self.province_names, p), n);
        }
        for (i, n) in nonzero(self.industries) {
            // None (0, from an index made before every record had one) and the empty value
            // are both counted as none.
            let industry = (i > 0)
                .then(|| name(&self.industry_names, i - 1))
                .filter(|s| !s.is_empty());
            let key = industry.unwrap_or_else(|| NO_INDUSTRY.to_string());
            *f.by_industry.entry(key).or_default() += n;
        }
        for (d, n) in nonzero(self.data_types.to_vec()) {
            f.by_data_type.insert(d.to_string(), n);
        }
        for (s, n) in nonzero(self.statuses.to_vec()) {
            let key = status_of(s).map_or_else(|| s.to_string(), |s| s.name().to_string());
            f.by_status.insert(key, n);
        }
        for (m, n) in self.months.into_counts() {
            *f.by_year.entry(format!("{:04}", m / 100)).or_default() += n;
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
        // The array moved down for 2024 and 0; only the two far values are in the map.
        assert_eq!((d.base, d.far.len()), (0, 2));
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
