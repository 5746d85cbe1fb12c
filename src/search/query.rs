//! A search filter as a tantivy query. The keyword finds what `Record::matches_keyword` finds
//! (a substring of the data name, summary or subject name, or the code in any ASCII case); the
//! filters are what `Engine::search` filtered on when it scanned.
use super::grams::query_grams;
use super::schema::{julian, status_code, Fields};
use crate::domain::record::RecordStatus;
use crate::domain::types::DataType;
use std::ops::Bound;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// What a search asks for; every part given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A substring of the data name, summary or subject name, or the whole code; trimmed,
    /// and empty matches all.
    pub query: String,
    /// A region code; a province (`XX0000`) or city (`XXXX00`) code matches its whole area.
    pub region: String,
    pub data_type: Option<DataType>,
    pub industry: String,
    /// The status on the day of the search.
    pub status: Option<RecordStatus>,
    /// The year the code was assigned.
    pub year: Option<i32>,
}

impl Filter {
    /// The trimmed keyword.
    pub fn keyword(&self) -> &str {
        self.query.trim()
    }
}

/// The area a region filter covers, as a prefix of region codes.
pub fn region_prefix(region: &str) -> &str {
    let r = region.trim();
    if r.len() == 6 && r.ends_with("0000") {
        &r[..2]
    } else if r.len() == 6 && r.ends_with("00") {
        &r[..4]
    } else {
        r
    }
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

fn number(field: Field, n: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, n),
        IndexRecordOption::Basic,
    ))
}

/// What a keyword finds, each clause enough: where the texts hold it, or the code equal to it in
/// any ASCII case. One of up to four characters is a term of the three texts' grams together,
/// scored by how often they hold it; a longer one is the phrase of its four-character grams in
/// each text (which cannot run from one text into the next), so that records holding it in more
/// texts score more.
fn found(fields: &Fields, keyword: &str) -> Vec<(Occur, Box<dyn Query>)> {
    let grams = query_grams(keyword);
    let mut any: Vec<(Occur, Box<dyn Query>)> = if grams.len() == 1 {
        vec![(
            Occur::Should,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.texts, keyword),
                IndexRecordOption::WithFreqs,
            )),
        )]
    } else {
        [fields.data_name, fields.summary, fields.subject_name]
            .into_iter()
            .map(|field| -> (Occur, Box<dyn Query>) {
                let terms = grams
                    .iter()
                    .map(|(at, g)| (*at, Term::from_field_text(field, g)))
                    .collect();
                (Occur::Should, Box::new(PhraseQuery::new_with_offset(terms)))
            })
            .collect()
    };
    // A code is ASCII: any other keyword would only add a term no document has.
    if keyword.is_ascii() {
        any.push((
            Occur::Should,
            term(fields.code_folded, &keyword.to_ascii_lowercase()),
        ));
    }
    any
}

/// How what `f` found is ranked: the clauses that found its keyword and the keyword's jieba
/// words, which rank but never decide what is found (the ranked page takes only what [`build`]
/// found). For a keyword alone their sum is a union of terms (of up to four characters), whose
/// best tantivy finds without scoring everything it matches; with filters, only what they let
/// through is scored (they weigh nothing in the score).
pub fn ranking(
    fields: &Fields,
    words: &mut TextAnalyzer,
    f: &Filter,
    today: time::Date,
) -> Box<dyn Query> {
    let keyword = f.keyword();
    let mut any = found(fields, keyword);
    let mut stream = words.token_stream(keyword);
    while let Some(t) = stream.next() {
        let word = Term::from_field_text(fields.words, &t.text);
        any.push((
            Occur::Should,
            Box::new(TermQuery::new(word, IndexRecordOption::WithFreqs)),
        ));
    }
    let ranked = Box::new(BooleanQuery::new(any));
    let filters = filters(fields, f, today, None);
    if filters.is_empty() {
        return ranked;
    }
    let unweighed = BoostQuery::new(Box::new(BooleanQuery::new(filters)), 0.0);
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, ranked),
        (Occur::Must, Box::new(unweighed)),
    ]))
}

/// The query for `f` on `today` (Julian day), of codes after `after` when given.
pub fn build(
    fields: &Fields,
    f: &Filter,
    today: time::Date,
    after: Option<&str>,
) -> Box<dyn Query> {
    let mut must = filters(fields, f, today, after);
    let keyword = f.keyword();
    if !keyword.is_empty() {
        must.push((
            Occur::Must,
            Box::new(BooleanQuery::new(found(fields, keyword))),
        ));
    }
    if must.is_empty() {
        must.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(must))
}

/// What `f` asks beside its keyword, each a clause that must hold.
fn filters(
    fields: &Fields,
    f: &Filter,
    today: time::Date,
    after: Option<&str>,
) -> Vec<(Occur, Box<dyn Query>)> {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let region = region_prefix(&f.region);
    if !region.is_empty() {
        must.push((Occur::Must, term(fields.region_prefix, region)));
    }
    if let Some(d) = f.data_type {
        must.push((Occur::Must, number(fields.data_type, u64::from(d.digit()))));
    }
    if !f.industry.is_empty() {
        must.push((Occur::Must, term(fields.industry, &f.industry)));
    }
    if let Some(s) = f.status {
        let today = julian(today);
        let until = |lower: Bound<u64>, upper: Bound<u64>| -> Box<dyn Query> {
            let t = |n| Term::from_field_u64(fields.valid_until, n);
            Box::new(RangeQuery::new(lower.map(t), upper.map(t)))
        };
        match s {
            RecordStatus::Valid => {
                must.push((Occur::Must, number(fields.status, 0)));
                must.push((Occur::Must, until(Bound::Included(today), Bound::Unbounded)));
            }
            RecordStatus::Expired => {
                let lapsed = BooleanQuery::new(vec![
                    (Occur::Must, number(fields.status, 0)),
                    (Occur::Must, until(Bound::Unbounded, Bound::Excluded(today))),
                ]);
                let stored = number(fields.status, status_code(RecordStatus::Expired));
                must.push((
                    Occur::Must,
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Should, Box::new(lapsed)),
                        (Occur::Should, stored),
                    ])),
                ));
            }
            other => must.push((Occur::Must, number(fields.status, status_code(other)))),
        }
    }
    if let Some(y) = f.year {
        must.push((Occur::Must, number(fields.year, y.max(0) as u64)));
    }
    if let Some(after) = after {
        let t = Term::from_field_text(fields.code, after);
        must.push((
            Occur::Must,
            Box::new(RangeQuery::new(Bound::Excluded(t), Bound::Unbounded)),
        ));
    }
    must
}
