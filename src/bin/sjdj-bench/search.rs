//! The registry's reads under load, over the records phase 3 registered: keyword search of one
//! to four characters (found in every record, in a few or in none; with and without a region
//! filter) and the disclosure statistics.
use super::*;
use pb::registry_service_client::RegistryServiceClient as Registry;

pub(super) const SEARCH: &str = "SearchRecords";
pub(super) const STATS: &str = "GetStatistics";

/// Substrings of the bench's materials (found in every record) and strings found in none.
const QUERIES: &[&str] = &[
    "市",
    "登记",
    "市场主",
    "主体登记",
    "无",
    "无此数据",
    "福州市大",
];

/// Searches and statistics from one client until `deadline`, one statistics call in eight.
pub(super) async fn search_loop(
    ctx: Arc<Ctx>,
    i: usize,
    ch: Channel,
    deadline: Instant,
) -> Samples {
    let (mut registry, mut s) = (Registry::new(ch), Samples::default());
    let mut n = i;
    while Instant::now() < deadline {
        n += 1;
        let t = Instant::now();
        // Authenticated: the public per-address limit is for anonymous callers.
        if n.is_multiple_of(8) {
            let req = ctx.req("registrant", pb::GetStatisticsRequest::default());
            match registry.get_statistics(req).await {
                Ok(_) => s.time(STATS, t),
                Err(e) => s.fail(STATS, status_text(&e)),
            }
        } else {
            let req = pb::SearchRecordsRequest {
                query: QUERIES[n % QUERIES.len()].into(),
                region: if n.is_multiple_of(3) {
                    "350000".into()
                } else {
                    String::new()
                },
                page_size: 20,
                ..Default::default()
            };
            match registry.search_records(ctx.req("registrant", req)).await {
                Ok(_) => s.time(SEARCH, t),
                Err(e) => s.fail(SEARCH, status_text(&e)),
            }
        }
        s.ops += 1;
    }
    s
}

/// The table's line for the phase.
pub(super) fn line(p: &Phase, records: u64) -> String {
    let mut out = format!(
        "registry reads at {records} records: {:.0} calls/s (node cpu {:.0}%)",
        p.rate(),
        p.cpu[0].unwrap_or(f64::NAN)
    );
    for (call, n, [p50, _, p99, _]) in &p.rows {
        let _ = write!(out, "; {call} {n}: p50 {p50:.2} ms, p99 {p99:.2} ms");
    }
    out + "\n"
}
