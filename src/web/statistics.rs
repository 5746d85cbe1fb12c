//! The statistics page (`/statistics`), for disclosure: the counts the writer keeps, drawn as
//! bar charts in SVG by the server, so they show without a script.
use super::page::Html;
use super::{labels, Web};
use askama::Template;
use axum::extract::State;
use std::collections::BTreeMap;

/// Bars a chart draws at most, the largest first (months: the latest).
const BARS: usize = 16;
/// Drawing units: a bar's row, the label column, and the longest bar.
const ROW: u32 = 26;
const LABEL: u32 = 150;
const WIDTH: u32 = 330;

pub struct Bar {
    label: String,
    count: u64,
    /// The row's top, the bar's length and where its count is written.
    y: u32,
    width: u32,
    text_x: u32,
}

pub struct Chart {
    title: &'static str,
    bars: Vec<Bar>,
    height: u32,
}

fn chart(title: &'static str, items: Vec<(String, u64)>) -> Chart {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = items
        .into_iter()
        .enumerate()
        .map(|(i, (label, count))| {
            // Any count above zero gets a visible bar.
            let width = ((count * u64::from(WIDTH)) / max).max(u64::from(count > 0)) as u32;
            Bar {
                label,
                count,
                y: i as u32 * ROW,
                width,
                text_x: LABEL + width + 6,
            }
        })
        .collect();
    Chart {
        title,
        height: (bars.len() as u32 * ROW).max(ROW),
        bars,
    }
}

/// The largest counts first, labelled.
fn largest(counts: &BTreeMap<String, u64>, label: impl Fn(&str) -> String) -> Vec<(String, u64)> {
    let mut v: Vec<(&String, &u64)> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(BARS)
        .map(|(k, n)| (label(k), *n))
        .collect()
}

#[derive(Template)]
#[template(path = "statistics.html")]
pub struct StatisticsPage {
    records: u64,
    charts: Vec<Chart>,
    label_width: u32,
    chart_width: u32,
}

pub async fn page(State(web): State<Web>) -> Html<StatisticsPage> {
    // Read from the counts the writer keeps: constant time, so no scan slot is needed.
    let s = web.engine.statistics(None);
    let months: Vec<(String, u64)> = s
        .registrations_by_month
        .iter()
        .rev()
        .take(BARS)
        .map(|(m, n)| (m.clone(), *n))
        .collect();
    Html(StatisticsPage {
        records: s.records,
        charts: vec![
            chart("按省份", largest(&s.by_region, labels::province)),
            chart(
                "按数据类型",
                largest(&s.by_data_type, labels::data_type_digit),
            ),
            chart("按状态", largest(&s.by_status, labels::status_name)),
            chart("按行业", largest(&s.by_industry, str::to_string)),
            chart("按月赋码（最近）", months),
        ],
        label_width: LABEL,
        chart_width: LABEL + WIDTH + 80,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_a_small_count_still_shows() {
        let c = chart(
            "t",
            vec![("a".into(), 1000), ("b".into(), 1), ("c".into(), 0)],
        );
        assert_eq!(c.bars[0].width, WIDTH);
        assert_eq!(c.bars[1].width, 1);
        assert_eq!(c.bars[2].width, 0);
        assert_eq!(c.bars[2].y, 2 * ROW);
        assert_eq!(c.height, 3 * ROW);
    }
}
