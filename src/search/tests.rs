//! The index finds what a scan of the records finds, on random records and queries, and counts
//! what `Statistics` counts.
use super::fixtures::{record, text, Rng};
use super::*;
use crate::domain::record::RecordStatus;
use crate::domain::statistics::Statistics;
use std::collections::BTreeMap;
use time::macros::date;

/// What `Engine::search` found when it scanned, as codes in code order.
fn scan(records: &[Record], f: &Filter, today: time::Date) -> Vec<String> {
    let region = region_prefix(&f.region);
    let mut found: Vec<String> = records
        .iter()
        .filter(|r| {
            let status = r.status_on(today);
            r.matches_keyword(&f.query)
                && r.region.starts_with(region)
                && f.data_type.is_none_or(|d| d == r.data_type)
                && (f.industry.is_empty() || r.industry == f.industry)
                && f.status.is_none_or(|s| s == status)
                && f.year.is_none_or(|y| r.versions[0].assigned_on.year() == y)
        })
        .map(|r| r.code.clone())
        .collect();
    found.sort();
    found
}

/// Every page of a search, in order, and the counts (the same on every page).
fn pages(index: &SearchIndex, f: &Filter, today: time::Date, size: usize) -> (Vec<String>, Facets) {
    let (mut all, mut token, mut counts) = (Vec::new(), String::new(), None);
    loop {
        let hits = index.search(f, today, size, &token).unwrap();
        assert!(hits.codes.len() <= size);
        let c = counts.get_or_insert_with(|| hits.facets.clone());
        assert_eq!(*c, hits.facets, "the counts are of everything found");
        all.extend(hits.codes);
        match hits.next {
            Some(next) => token = next,
            None => return (all, counts.expect("a page")),
        }
    }
}

/// What the counts of a search must be: the statistics of the records it finds.
fn assert_counts_are_statistics(c: &Facets, found: &[&Record], today: time::Date, what: &str) {
    let mut stats = Statistics::default();
    for r in found {
        stats.add(r, today);
    }
    let mut by_year = BTreeMap::new();
    for (month, n) in &stats.registrations_by_month {
        *by_year.entry(month[..4].to_string()).or_default() += n;
    }
    assert_eq!(c.total, stats.records, "total of {what}");
    assert_eq!(c.by_region, stats.by_region, "by region of {what}");
    assert_eq!(c.by_data_type, stats.by_data_type, "by data type of {what}");
    assert_eq!(c.by_industry, stats.by_industry, "by industry of {what}");
    assert_eq!(c.by_status, stats.by_status, "by status of {what}");
    assert_eq!(
        c.by_month, stats.registrations_by_month,
        "by month of {what}"
    );
    assert_eq!(c.by_year, by_year, "by year of {what}");
}

fn indexed(records: &[Record]) -> SearchIndex {
    let (index, opened) = SearchIndex::open(None).unwrap();
    assert!(matches!(opened, Opened::Empty(_)));
    let n = index
        .rebuild(records.iter().cloned().map(Ok::<_, ()>), 7)
        .unwrap()
        .unwrap();
    assert_eq!(n, records.len() as u64);
    assert_eq!(index.covered(), 7);
    index
}

fn random_filter(rng: &mut Rng, records: &[Record]) -> Filter {
    let r = rng.pick(records);
    let source = match rng.below(5) {
        0 => r.data_name.clone(),
        1 => r.summary.clone(),
        2 => r.subject_name.clone(),
        3 => text(rng, 2),
        _ => String::new(),
    };
    let chars: Vec<char> = source.chars().collect();
    let mut query = if chars.is_empty() {
        String::new()
    } else {
        let from = rng.below(chars.len());
        // Up to 7 characters: one term up to four, the phrase of four-character grams past it.
        let len = 1 + rng.below(7.min(chars.len() - from));
        chars[from..from + len].iter().collect()
    };
    if rng.below(20) == 0 {
        query = r.code.to_ascii_lowercase();
    }
    let mut f = Filter {
        query,
        ..Filter::default()
    };
    if rng.below(4) == 0 {
        f.region = rng
            .pick(&["440000", "440300", "440305", "110000", "3", ""])
            .to_string();
    }
    if rng.below(4) == 0 {
        f.data_type = Some(r.data_type);
    }
    if rng.below(5) == 0 {
        f.industry = rng.pick(&["交通运输", "卫生", "未填"]).to_string();
    }
    if rng.below(4) == 0 {
        f.status = Some(*rng.pick(&[
            RecordStatus::Valid,
            RecordStatus::Expired,
            RecordStatus::Deregistered,
            RecordStatus::Revoked,
        ]));
    }
    if rng.below(6) == 0 {
        f.year = Some(*rng.pick(&[2024, 2025, 2026]));
    }
    f
}

#[test]
fn the_index_finds_what_the_scan_finds() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let records: Vec<Record> = (0..1500).map(|n| record(&mut rng, n)).collect();
    let index = indexed(&records);
    let today = date!(2027 - 06 - 01);
    let mut nonempty = 0;
    for i in 0..2000 {
        let f = random_filter(&mut rng, &records);
        let expected = scan(&records, &f, today);
        let size = [1, 40, 300, 2000][i % 4];
        // One per page only where few are found: each page counts every record found again.
        let size = if size == 1 && expected.len() > 20 {
            40
        } else {
            size
        };
        let (mut got, counts) = pages(&index, &f, today, size);
        let found: Vec<&Record> = records
            .iter()
            .filter(|r| expected.binary_search(&r.code).is_ok())
            .collect();
        assert_counts_are_statistics(&counts, &found, today, &format!("{f:?}"));
        let before = got.len();
        got.sort();
        got.dedup();
        assert_eq!(got.len(), before, "a record on two pages for {f:?}");
        assert_eq!(got, expected, "records for {f:?}");
        nonempty += usize::from(!expected.is_empty());
    }
    // The queries were not all empty-handed (nor all match-everything).
    assert!(nonempty > 700, "{nonempty} queries found something");
}

/// A ranked page, found by pruning, holds the best scores of what was found, as scoring every
/// found record does; and every record found is scored.
#[test]
fn a_ranked_page_is_the_best_of_what_was_found() {
    use tantivy::query::EnableScoring;
    use tantivy::{DocSet, TERMINATED};
    let mut rng = Rng(0x7a11_0002);
    let records: Vec<Record> = (0..1500).map(|n| record(&mut rng, n)).collect();
    let index = indexed(&records);
    let today = date!(2027 - 06 - 01);
    let searcher = index.reader.searcher();
    let mut ranked = 0;
    for _ in 0..400 {
        let f = random_filter(&mut rng, &records);
        if f.keyword().is_empty() {
            continue;
        }
        let q = query::build(&index.fields, &f, today, None);
        let found = searcher.search(&*q, &ranked::Found).unwrap();
        let ranking = query::ranking(&index.fields, &mut index.words.clone(), &f, today);
        let weight = ranking
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let mut all = Vec::new();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut scorer = weight.scorer(reader, 1.0).unwrap();
            let set = &found[&(ord as u32)];
            while scorer.doc() != TERMINATED {
                if set.contains(scorer.doc()) {
                    all.push(scorer.score());
                }
                scorer.advance();
            }
        }
        let total: usize = found.values().map(|s| s.len()).sum();
        assert_eq!(all.len(), total, "every record found is ranked for {f:?}");
        all.sort_by(|a, b| b.total_cmp(a));
        for (offset, size) in [(0, 10), (7, 5), (0, 2000)] {
            let page = ranked::Ranked {
                found: found.clone(),
                offset,
                size,
            };
            let got: Vec<f32> = page
                .collect(&searcher, &*ranking)
                .unwrap()
                .iter()
                .map(|(s, _)| *s)
                .collect();
            let want: Vec<f32> = all.iter().copied().skip(offset).take(size).collect();
            assert_eq!(got.len(), want.len(), "page {offset}+{size} of {f:?}");
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-4 * w.abs().max(1.0),
                    "{got:?} {want:?} {f:?}"
                );
            }
        }
        ranked += usize::from(total > 10);
    }
    assert!(ranked > 50, "{ranked} searches found more than a page");
}

/// A record that holds the keyword in all three texts ranks before those holding it in one.
#[test]
fn more_of_the_keyword_ranks_first() {
    let mut rng = Rng(11);
    let mut records: Vec<Record> = (0..60).map(|n| record(&mut rng, n)).collect();
    for (i, r) in records.iter_mut().enumerate().take(6) {
        r.data_name = "森林资源清查数据".into();
        if i == 4 {
            r.summary = "森林资源清查成果，森林资源的分布".into();
            r.subject_name = "森林资源清查局".into();
        }
    }
    let index = indexed(&records);
    for q in ["森林资源", "林资", "森林资源清查"] {
        let f = Filter {
            query: q.into(),
            ..Filter::default()
        };
        let hits = index.search(&f, date!(2026 - 01 - 01), 3, "").unwrap();
        assert_eq!(hits.facets.total, 6, "{q}");
        assert_eq!(hits.codes[0], records[4].code, "{q}");
    }
}

#[test]
fn an_empty_keyword_pages_in_code_order() {
    let mut rng = Rng(7);
    let records: Vec<Record> = (0..40).map(|n| record(&mut rng, n)).collect();
    let index = indexed(&records);
    let (got, _) = pages(&index, &Filter::default(), date!(2026 - 01 - 01), 9);
    let mut codes: Vec<String> = records.iter().map(|r| r.code.clone()).collect();
    codes.sort();
    assert_eq!(got, codes);
}

#[test]
fn the_counts_are_the_statistics() {
    let mut rng = Rng(99);
    let records: Vec<Record> = (0..500).map(|n| record(&mut rng, n)).collect();
    let index = indexed(&records);
    let today = date!(2027 - 03 - 01);
    let all: Vec<&Record> = records.iter().collect();
    assert_counts_are_statistics(&index.counts(today).unwrap(), &all, today, "all");
}

#[test]
fn a_change_replaces_and_a_removal_drops_the_document() {
    let mut rng = Rng(3);
    let mut records: Vec<Record> = (0..5).map(|n| record(&mut rng, n)).collect();
    let index = indexed(&records);
    let today = date!(2026 - 01 - 01);
    records[0].data_name = "独一无二的名称".into();
    index
        .apply(
            [
                (records[0].code.clone(), Some(records[0].clone())),
                (records[1].code.clone(), None),
            ],
            8,
        )
        .unwrap();
    assert_eq!(index.covered(), 8);
    assert_eq!(index.len(), 4);
    let found = |q: &str| {
        let f = Filter {
            query: q.into(),
            ..Filter::default()
        };
        index.search(&f, today, 10, "").unwrap().codes
    };
    assert_eq!(found("一无二"), vec![records[0].code.clone()]);
    assert!(found(&records[1].code).is_empty());
}

#[test]
fn a_bad_page_token_is_refused() {
    let index = indexed(&[]);
    let today = date!(2026 - 01 - 01);
    let keyword = Filter {
        query: "数据".into(),
        ..Filter::default()
    };
    for (f, token) in [
        (&keyword, "x"),
        (&keyword, "@-1"),
        // Past every record (the index is empty): a rank no page gave.
        (&keyword, "@1"),
        (&keyword, "@18446744073709551615"),
        (&Filter::default(), "@3"),
    ] {
        assert!(matches!(
            index.search(f, today, 5, token),
            Err(SearchError::PageToken(_))
        ));
    }
}

/// Opens an index in `path`, builds it from `n` random records (seeded `seed`) covering feed
/// position `seq`, and closes it; what opening it found.
fn built_on_disk(path: &std::path::Path, seed: u64, n: usize, seq: u64) -> Opened {
    let mut rng = Rng(seed);
    let records: Vec<Record> = (0..n).map(|i| record(&mut rng, i)).collect();
    let (index, opened) = SearchIndex::open(Some(path)).unwrap();
    index
        .rebuild(records.into_iter().map(Ok::<_, ()>), seq)
        .unwrap()
        .unwrap();
    opened
}

#[test]
fn a_directory_index_reopens_with_its_position_and_a_damaged_one_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    assert_eq!(
        built_on_disk(&path, 11, 10, 42),
        Opened::Empty("no index yet".into())
    );
    let (index, opened) = SearchIndex::open(Some(&path)).unwrap();
    assert_eq!(opened, Opened::Covers(42));
    assert_eq!(index.len(), 10);
    drop(index);
    std::fs::write(path.join("meta.json"), b"{ not json").unwrap();
    let (index, opened) = SearchIndex::open(Some(&path)).unwrap();
    assert!(
        matches!(&opened, Opened::Empty(why) if why.starts_with("unreadable")),
        "{opened:?}"
    );
    assert_eq!(index.len(), 0);
}

#[test]
fn an_index_of_an_earlier_layout_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    built_on_disk(&path, 12, 3, 7);
    // Version 1 kept its term dictionaries as FSTs, which this build cannot read.
    let meta = std::fs::read_to_string(path.join("meta.json")).unwrap();
    assert!(meta.contains("sjdj-search/2 7"), "{meta}");
    let earlier = meta.replace("sjdj-search/2 7", "sjdj-search/1 7");
    std::fs::write(path.join("meta.json"), earlier).unwrap();
    let (index, opened) = SearchIndex::open(Some(&path)).unwrap();
    assert_eq!(
        opened,
        Opened::Empty("no position it covers (Some(\"sjdj-search/1 7\"))".into())
    );
    assert_eq!(index.len(), 0);
}
