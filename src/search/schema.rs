//! The index's schema, built once, and a record's document in it.
//!
//! Texts are indexed as character grams (`grams`), which find every substring: all three texts'
//! grams of one to four characters together, without positions, for the one term of a short
//! keyword, and each text's four-character grams in a field of its own, with positions, for the
//! phrase of a longer one (which cannot run from one text into the next); and as jieba's words,
//! which rank. Facets are fast columns, counted over the matching documents. A
//! record's status is kept as stored (expiry is derived from `valid_until` and the day of the
//! query, as `Record::status_on` derives it), so a record expires in the index without a write.
use super::grams::CharGrams;
use crate::domain::codes::Region;
use crate::domain::record::{Record, RecordStatus};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::TantivyDocument;

/// The tokenizer of the ranked words.
pub const WORDS: &str = "sjdj_jieba";

/// The fields, by what they hold.
#[derive(Clone, Copy)]
pub struct Fields {
    /// The unified code: the document's key (deleted by it), the order of an empty query.
    pub code: Field,
    /// The code in ASCII lower case: a query equal to it in any case finds the record.
    pub code_folded: Field,
    /// Each text's four-character grams, at their positions.
    pub data_name: Field,
    pub summary: Field,
    pub subject_name: Field,
    /// The grams of one to four characters of all three texts, with their counts: a keyword of
    /// up to four characters is one term of it, one posting list rather than three unioned.
    pub texts: Field,
    /// The three texts as jieba's words, for relevance only.
    pub words: Field,
    /// Every prefix of the region code, so a province or city filter is one term.
    pub region_prefix: Field,
    /// The province (`XX0000`) of the region, as the statistics count it.
    pub province: Field,
    pub data_type: Field,
    pub industry: Field,
    /// The stored status (`status_code`).
    pub status: Field,
    /// The last valid day, as a Julian day number.
    pub valid_until: Field,
    /// The year the code was assigned (its first version); absent if none.
    pub year: Field,
    /// The numeric facets a search counts, packed in one column ([`Packed`]) so that counting
    /// a document reads one value, not five.
    pub packed: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let longest = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CharGrams::LONGEST.name())
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let all = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CharGrams::ALL.name())
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            code: b.add_text_field("code", STRING | FAST),
            code_folded: b.add_text_field("code_folded", STRING),
            data_name: b.add_text_field("data_name", longest.clone()),
            summary: b.add_text_field("summary", longest.clone()),
            subject_name: b.add_text_field("subject_name", longest),
            texts: b.add_text_field("texts", all),
            words: b.add_text_field("words", words),
            region_prefix: b.add_text_field("region_prefix", STRING),
            province: b.add_text_field("province", STRING | FAST),
            data_type: b.add_u64_field("data_type", INDEXED),
            industry: b.add_text_field("industry", STRING | FAST),
            status: b.add_u64_field("status", INDEXED),
            valid_until: b.add_u64_field("valid_until", INDEXED | FAST),
            year: b.add_u64_field("year", INDEXED),
            packed: b.add_u64_field("packed", FAST),
        };
        (b.build(), fields)
    }

    pub fn document(&self, r: &Record) -> TantivyDocument {
        let mut d = TantivyDocument::new();
        d.add_text(self.code, &r.code);
        d.add_text(self.code_folded, r.code.to_ascii_lowercase());
        d.add_text(self.data_name, &r.data_name);
        d.add_text(self.summary, &r.summary);
        d.add_text(self.subject_name, &r.subject_name);
        for text in [&r.data_name, &r.summary, &r.subject_name] {
            d.add_text(self.texts, text);
            d.add_text(self.words, text);
        }
        for (i, _) in r.region.char_indices().skip(1) {
            d.add_text(self.region_prefix, &r.region[..i]);
        }
        if !r.region.is_empty() {
            d.add_text(self.region_prefix, &r.region);
        }
        d.add_text(self.province, province(&r.region));
        d.add_u64(self.data_type, u64::from(r.data_type.digit()));
        // Always a value, the empty one for none, so the column has one per document and a
        // count reads it without looking up which documents have one.
        d.add_text(self.industry, &r.industry);
        d.add_u64(self.status, status_code(r.status));
        d.add_u64(self.valid_until, julian(r.valid_until));
        let month = r.versions.first().map(|first| {
            let on = first.assigned_on;
            d.add_u64(self.year, on.year().max(0) as u64);
            on.year().max(0) as u64 * 100 + u64::from(u8::from(on.month()))
        });
        let packed = Packed {
            valid_until: julian(r.valid_until),
            month,
            status: status_code(r.status),
            data_type: u64::from(r.data_type.digit()),
        };
        d.add_u64(self.packed, packed.into());
        d
    }
}

/// A record's numeric facets in one u64: the last valid day (Julian day, bits 0–23), the month
/// the code was assigned as `YYYYMM` (bits 24–47, 0 for none), the stored status (48–51) and
/// the data type digit (52–55). Each fits its bits with room: Julian days stay under 2^24 until
/// the year 41,000, `YYYYMM` under 2^24 until the year 167,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    pub valid_until: u64,
    pub month: Option<u64>,
    pub status: u64,
    pub data_type: u64,
}

const FIELD: u64 = (1 << 24) - 1;
const NIBBLE: u64 = 0xF;

impl From<Packed> for u64 {
    fn from(p: Packed) -> u64 {
        (p.valid_until & FIELD)
            | (p.month.unwrap_or(0) & FIELD) << 24
            | (p.status & NIBBLE) << 48
            | (p.data_type & NIBBLE) << 52
    }
}

impl From<u64> for Packed {
    fn from(v: u64) -> Packed {
        Packed {
            valid_until: v & FIELD,
            month: Some(v >> 24 & FIELD).filter(|&m| m != 0),
            status: v >> 48 & NIBBLE,
            data_type: v >> 52 & NIBBLE,
        }
    }
}

/// The province a region is counted under (as `Statistics::add` counts it).
pub fn province(region: &str) -> String {
    Region::parse(region)
        .map(|g| g.province().to_string())
        .unwrap_or_else(|_| region.to_string())
}

pub fn status_code(s: RecordStatus) -> u64 {
    match s {
        RecordStatus::Valid => 0,
        RecordStatus::Expired => 1,
        RecordStatus::Deregistered => 2,
        RecordStatus::Revoked => 3,
    }
}

pub fn status_of(code: u64) -> Option<RecordStatus> {
    Some(match code {
        0 => RecordStatus::Valid,
        1 => RecordStatus::Expired,
        2 => RecordStatus::Deregistered,
        3 => RecordStatus::Revoked,
        _ => return None,
    })
}

/// A day as a number that orders as the days do.
pub fn julian(d: time::Date) -> u64 {
    d.to_julian_day().max(0) as u64
}
