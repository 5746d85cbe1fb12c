//! The search page (`/`, `/search`): a keyword (any substring of a name or summary), filters by
//! the facets of the book, the counts per facet of everything found, and paging.
use super::error::WebError;
use super::page::{query, Html};
use super::{labels, Web};
use crate::domain::record::{Record, RecordStatus};
use crate::domain::types::DataType;
use crate::engine::SearchFilter;
use askama::Template;
use axum::extract::{rejection::QueryRejection, Query, State};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Records on one page.
const PAGE_SIZE: i32 = 20;
/// Values a facet lists at most, the largest counts first.
const FACET_VALUES: usize = 12;

/// The page's parameters, as its form and links send them; every one may be absent.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Params {
    q: String,
    region: String,
    data_type: String,
    industry: String,
    status: String,
    year: String,
    /// The page token of the search's next page.
    page: String,
}

impl Params {
    fn pairs(&self) -> [(&'static str, &str); 6] {
        [
            ("q", self.q.as_str()),
            ("region", self.region.as_str()),
            ("data_type", self.data_type.as_str()),
            ("industry", self.industry.as_str()),
            ("status", self.status.as_str()),
            ("year", self.year.as_str()),
        ]
    }

    /// This search's address with `name` set to `value` (empty: unset), from its first page.
    fn with(&self, name: &str, value: &str) -> String {
        let pairs: Vec<(&str, &str)> = self
            .pairs()
            .into_iter()
            .map(|(k, v)| if k == name { (k, value) } else { (k, v) })
            .collect();
        format!("/search{}", query(&pairs))
    }

    /// The filter these parameters ask for, or the first bad one refused as gRPC refuses it.
    fn filter(&self) -> Result<SearchFilter, WebError> {
        let data_type = match self.data_type.as_str() {
            "" => None,
            d => Some(
                d.parse()
                    .ok()
                    .and_then(DataType::from_digit)
                    .ok_or_else(|| {
                        WebError::invalid("DATA_TYPE_INVALID", "数据类型应为 1、2 或 3")
                    })?,
            ),
        };
        let status = match self.status.as_str() {
            "" => None,
            s => Some(RecordStatus::from_name(s).ok_or_else(|| {
                WebError::invalid(
                    "STATUS_INVALID",
                    "状态应为 VALID、EXPIRED、DEREGISTERED 或 REVOKED",
                )
            })?),
        };
        let year = match self.year.as_str() {
            "" => None,
            y => Some(
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (1000..=9999).contains(y))
                    .ok_or_else(|| WebError::invalid("YEAR_INVALID", "年份应为四位数字"))?,
            ),
        };
        Ok(SearchFilter {
            query: self.q.trim().to_string(),
            region: self.region.trim().to_string(),
            data_type,
            industry: self.industry.trim().to_string(),
            status,
            year,
        })
    }
}

/// A record as a line of the results.
pub struct Hit {
    code: String,
    data_name: String,
    subject_name: String,
    summary: String,
    data_type: &'static str,
    status: &'static str,
    province: String,
    valid_until: String,
}

impl Hit {
    fn of(r: &Record) -> Hit {
        // A summary is cut for the list; the record page shows it whole.
        let mut summary: String = r.summary.chars().take(90).collect();
        if r.summary.chars().count() > 90 {
            summary.push('…');
        }
        Hit {
            code: r.code.clone(),
            data_name: r.data_name.clone(),
            subject_name: r.subject_name.clone(),
            summary,
            data_type: labels::data_type(r.data_type),
            status: labels::status(r.status),
            province: labels::province(&r.region),
            valid_until: r.valid_until.to_string(),
        }
    }
}

/// One value of a facet: its label, its count, and the search with it chosen (or dropped).
pub struct Value {
    label: String,
    count: u64,
    href: String,
    chosen: bool,
}

pub struct Facet {
    title: &'static str,
    values: Vec<Value>,
}

fn facet(
    p: &Params,
    title: &'static str,
    name: &str,
    chosen: &str,
    counts: &BTreeMap<String, u64>,
    label: impl Fn(&str) -> String,
) -> Facet {
    let mut by_count: Vec<(&String, &u64)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let values = by_count
        .into_iter()
        .take(FACET_VALUES)
        .map(|(key, count)| Value {
            label: label(key),
            count: *count,
            chosen: key == chosen,
            href: p.with(name, if key == chosen { "" } else { key }),
        })
        .collect();
    Facet { title, values }
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    q: String,
    total: u64,
    hits: Vec<Hit>,
    facets: Vec<Facet>,
    /// The next page's address, if there is one.
    next: Option<String>,
    /// The first page's address, when this is a later one.
    first: Option<String>,
    /// Whether any filter is set, so the page offers to clear them, and the search without.
    filtered: bool,
    clear: String,
}

pub async fn page(
    State(web): State<Web>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Html<SearchPage>, WebError> {
    let Query(p) =
        params.map_err(|e| WebError::invalid("QUERY_INVALID", format!("查询参数有误：{e}")))?;
    let filter = p.filter()?;
    let token = p.page.clone();
    let found = crate::grpc::scan(&web.scans, &web.engine, move |e| {
        e.search(&filter, PAGE_SIZE, &token)
    })
    .await?;
    let f = &found.facets;
    let facets = vec![
        facet(
            &p,
            "省份",
            "region",
            &p.region,
            &f.by_region,
            labels::province,
        ),
        facet(
            &p,
            "数据类型",
            "data_type",
            &p.data_type,
            &f.by_data_type,
            labels::data_type_digit,
        ),
        facet(
            &p,
            "行业",
            "industry",
            &p.industry,
            &f.by_industry,
            str::to_string,
        ),
        facet(
            &p,
            "状态",
            "status",
            &p.status,
            &f.by_status,
            labels::status_name,
        ),
        facet(&p, "登记年份", "year", &p.year, &f.by_year, |y| {
            format!("{y} 年")
        }),
    ];
    let here: Vec<(&str, &str)> = p.pairs().to_vec();
    let next = found.page.next.as_ref().map(|token| {
        let mut pairs = here.clone();
        pairs.push(("page", token.as_str()));
        format!("/search{}", query(&pairs))
    });
    Ok(Html(SearchPage {
        total: f.total,
        hits: found.page.items.iter().map(Hit::of).collect(),
        facets,
        next,
        first: (!p.page.is_empty()).then(|| format!("/search{}", query(&here))),
        filtered: p.pairs()[1..].iter().any(|(_, v)| !v.is_empty()),
        clear: format!("/search{}", query(&[("q", p.q.as_str())])),
        q: p.q,
    }))
}
