//! Where the node's writer spent a phase, read from its `/metrics` before and after: jobs per
//! group, each job's time running its rules and applying its batch, how long the writer waited
//! for work, and the flushes. It says whether the write path is held by the writer, the store
//! or the callers.
use super::*;
use sjdj::engine::WriterStats;
use std::io::{Read, Write as _};

/// The writer's counters as the node's `/metrics` at `addr` shows them now.
pub(super) fn scrape(addr: &str) -> anyhow::Result<WriterStats> {
    let mut conn =
        std::net::TcpStream::connect(addr).with_context(|| format!("metrics at {addr}"))?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(conn, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut text = String::new();
    conn.read_to_string(&mut text)?;
    let value = |name: &str| -> anyhow::Result<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .ok_or_else(|| anyhow!("{name} is not in the node's /metrics"))
    };
    let us = |name: &str| value(name).map(|s| (s * 1e6) as u64);
    Ok(WriterStats {
        groups: value("sjdj_writer_groups_total")? as u64,
        jobs: value("sjdj_writer_jobs_total")? as u64,
        idle_us: us("sjdj_writer_seconds_total{phase=\"idle\"}")?,
        run_us: us("sjdj_writer_seconds_total{phase=\"run\"}")?,
        apply_us: us("sjdj_writer_seconds_total{phase=\"apply\"}")?,
        flushes: value("sjdj_store_flushes_total")? as u64,
        flush_us: us("sjdj_store_flush_seconds_total")?,
    })
}

/// One line: what the writer did over a phase of `wall`.
pub(super) fn line(phase: &str, w: &WriterStats, wall: Duration) -> String {
    let jobs = w.jobs.max(1) as f64;
    let wall_us = wall.as_secs_f64() * 1e6;
    format!(
        "writer ({phase}): {} jobs in {} groups ({:.1} per group); per job: run {:.0} µs, apply {:.0} µs; \
         writer idle {:.0}% of the phase; {} flushes, {:.0} µs each, the flusher busy {:.0}%\n",
        w.jobs,
        w.groups,
        w.jobs as f64 / w.groups.max(1) as f64,
        w.run_us as f64 / jobs,
        w.apply_us as f64 / jobs,
        100.0 * w.idle_us as f64 / wall_us,
        w.flushes,
        w.flush_us as f64 / w.flushes.max(1) as f64,
        100.0 * w.flush_us as f64 / wall_us,
    )
}

/// As JSON, for `--json`.
pub(super) fn json(w: &WriterStats, wall: Duration) -> Value {
    let jobs = w.jobs.max(1) as f64;
    json!({
        "jobs": w.jobs, "groups": w.groups,
        "run_us_per_job": w.run_us as f64 / jobs, "apply_us_per_job": w.apply_us as f64 / jobs,
        "idle_share": w.idle_us as f64 / (wall.as_secs_f64() * 1e6),
        "flushes": w.flushes, "flush_us_each": w.flush_us as f64 / w.flushes.max(1) as f64,
    })
}
