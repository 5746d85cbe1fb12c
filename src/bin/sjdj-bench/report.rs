//! The human report.
use super::*;

/// Throughput per phase, latency per call, the ratio and the target verdicts.
pub(super) fn table(
    args: &Args,
    cores: usize,
    addr: &str,
    phases: [&Phase; 5],
    (drive, registering, registered_per_s): (Duration, Option<Duration>, Option<f64>),
    ratio: f64,
    p99: f64,
) -> String {
    let pct = |c: Option<f64>| c.map_or("-".to_string(), |c| format!("{c:.0}%"));
    let row = |first: &str, cells: &[String]| {
        cells
            .iter()
            .fold(format!("{first:<28}"), |l, c| l + &format!("{c:>10}"))
            + "\n"
    };
    let own = if args.addr.is_some() {
        "given"
    } else {
        "started by the bench"
    };
    let mut t = format!(
        "\nsjdj-bench: {cores} cores, {} clients, {} s phases, {} flows, ",
        args.clients, args.seconds, args.flows
    );
    let _ = writeln!(t, "node {addr} ({own})\n");
    let head = [
        "count",
        "wall s",
        "per s",
        "node cpu",
        "bench cpu",
        "errors",
    ];
    t += &row("phase", &head.map(String::from));
    for p in phases {
        let (wall, rate) = (
            format!("{:.2}", p.wall.as_secs_f64()),
            format!("{:.1}", p.rate()),
        );
        t += &row(
            p.title,
            &[
                p.s.ops.to_string(),
                wall,
                rate,
                pct(p.cpu[0]),
                pct(p.cpu[1]),
                p.s.errors.to_string(),
            ],
        );
    }
    let _ = writeln!(
        t,
        "  (phase 3 = {:.2} s driving the flows, then the clock move and the wait for the sweep)",
        drive.as_secs_f64()
    );
    if let (Some(d), Some(rate)) = (registering, registered_per_s) {
        let _ = writeln!(
            t,
            "  sweep: the last of them registered {:.2} s after the clock move: {rate:.0} registrations/s",
            d.as_secs_f64()
        );
    }
    t += &row(
        "\nlatency ms",
        &["n", "p50", "p90", "p99", "max"].map(String::from),
    );
    for p in phases {
        for (call, n, lat) in &p.rows {
            let cells: Vec<String> = std::iter::once(n.to_string())
                .chain(lat.iter().map(|x| format!("{x:.2}")))
                .collect();
            t += &row(
                &format!("{} {call}", p.title.split(' ').next().unwrap_or("")),
                &cells,
            );
        }
    }
    for p in phases.iter().filter(|p| p.s.errors > 0) {
        let _ = writeln!(
            t,
            "{} errors in {}; the first: {}",
            p.s.errors,
            p.title,
            p.s.first_error.as_deref().unwrap_or("?")
        );
    }
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let _ = writeln!(
        t,
        "\nsubmits/s / echo/s = {:.1} / {:.1} = {ratio:.3}",
        phases[2].rate(),
        phases[0].rate()
    );
    let note = if args.clients == 64 {
        String::new()
    } else {
        format!(" (this run used {} clients)", args.clients)
    };
    let _ = writeln!(
        t,
        "target: durable submits at 64 clients >= {TARGET_RATIO}x echo rate: {} ({ratio:.3}){note}",
        verdict(ratio >= TARGET_RATIO)
    );
    let _ = writeln!(
        t,
        "target: submit p99 < {TARGET_P99_MS} ms: {} ({p99:.2} ms)",
        verdict(p99 < TARGET_P99_MS)
    );
    t
}

/// The national ingest figures, against the targets (>= 50k entries/s, <= 30 s per 1M).
pub(super) fn report_ingest(i: &ingest::Ingest, json: bool) -> anyhow::Result<()> {
    let [p50, _, p99, max] = i.batch_ms;
    let rate = i.rate();
    let genuine = i.genuine_batch();
    let text = format!(
        "national ingest: {} entries ({} batches, {:.0} MB signed payload) verified and stored in {:.2} s\n\
         \x20 {rate:.0} entries/s (target >= 50000: {}); a 1M-entry backlog catches up in {:.1} s (target <= 30 s: {})\n\
         \x20 per batch: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; node cpu {:.0}% of one core\n\
         \x20 machine limits (one core, same run): {:.0} ed25519 verifies/s, {:.0} SHA-256 leaf hashes/s\n\
         \x20 (building and signing the province log beforehand took {:.1} s, not timed)\n\
         \x20 forged pushes: {} of {:.1} MiB each cost {:.1} ms of node cpu each ({}); a genuine batch of {:.2} MiB costs {:.1} ms\n",
        i.entries,
        i.batches,
        i.bytes as f64 / 1e6,
        i.wall.as_secs_f64(),
        if rate >= 50_000.0 { "met" } else { "MISSED" },
        i.per_million_s(),
        if i.per_million_s() <= 30.0 { "met" } else { "MISSED" },
        i.node_cpu.unwrap_or(f64::NAN),
        i.verify_per_s,
        i.hash_per_s,
        i.build.as_secs_f64(),
        i.bogus.pushes,
        i.bogus.payload_bytes as f64 / (1 << 20) as f64,
        i.bogus.cpu_ms.unwrap_or(f64::NAN),
        i.bogus.reason.split(':').next().unwrap_or_default(),
        genuine.map_or(f64::NAN, |g| g.1),
        genuine.map_or(f64::NAN, |g| g.0),
    );
    let report = json.then(|| {
        json!({"ingest": {
            "entries": i.entries, "batches": i.batches, "payload_bytes": i.bytes,
            "wall_s": i.wall.as_secs_f64(), "entries_per_s": rate, "s_per_million": i.per_million_s(),
            "batch_ms": {"p50": p50, "p99": p99, "max": max}, "node_cpu_pct": i.node_cpu,
            "ed25519_verify_per_s": i.verify_per_s, "sha256_leaf_per_s": i.hash_per_s,
            "forged_push": {"pushes": i.bogus.pushes, "payload_bytes": i.bogus.payload_bytes,
                            "node_cpu_ms_each": i.bogus.cpu_ms, "refusal": i.bogus.reason},
            "genuine_batch": {"node_cpu_ms": genuine.map(|g| g.0), "payload_mib": genuine.map(|g| g.1)},
            "target": {"entries_per_s_min": 50000, "s_per_million_max": 30,
                       "rate_pass": rate >= 50000.0, "catch_up_pass": i.per_million_s() <= 30.0}}})
    });
    emit(&text, report)
}

/// The table on stdout; with `--json`, the table on stderr and the figures on stdout.
fn emit(text: &str, json: Option<Value>) -> anyhow::Result<()> {
    match json {
        Some(report) => {
            eprint!("{text}");
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        None => print!("{text}"),
    }
    Ok(())
}

pub(super) fn report_backups(b: &backup::Backups, json: bool) -> anyhow::Result<()> {
    let (records, bytes, _) = b.taken.last().copied().unwrap_or_default();
    let text = format!(
        "online backup of a {}-entry log ({records} store entries, {:.1} MB archive), {} taken back to back:\n\
         \x20 {:.1} MB/s, {:.0} store entries/s; the disk's sequential write rate {:.0} MB/s (backup / disk = {:.2})\n\
         \x20 creates: {:.0}/s without a backup, {:.0}/s during backups (during / without = {:.2}); \
         p99 {:.1} ms / {:.1} ms; errors {} / {}\n",
        b.log_size,
        bytes as f64 / 1e6,
        b.taken.len(),
        b.mb_s(),
        b.records_s(),
        b.disk_mb_s,
        b.mb_s() / b.disk_mb_s,
        b.without.rate(),
        b.during.rate(),
        b.during.rate() / b.without.rate(),
        b.without.p99(CREATE),
        b.during.p99(CREATE),
        b.without.s.errors,
        b.during.s.errors,
    );
    emit(&text, json.then(|| b.json()))
}

pub(super) fn report_disk(d: &disk::Disk, json: bool) -> anyhow::Result<()> {
    let per = d.per_record();
    let verdict = if per <= disk::TARGET_BYTES_PER_RECORD {
        "PASS"
    } else {
        "FAIL"
    };
    let text = format!(
        "disk: {} applications registered in {:.1} s ({} errors); store {:.1} MB on disk, \
         {per:.0} bytes per registered record; search index beside it {:.1} MB, {:.0} bytes \
         per record; node RSS {}\n\
         target: <= {:.0} bytes per registered record (attachments aside): {verdict}\n\
         live bytes (keys and values) per registered record, by key family:\n",
        d.registered,
        d.flows.wall.as_secs_f64(),
        d.flows.s.errors,
        d.store_bytes as f64 / 1e6,
        d.index_bytes as f64 / 1e6,
        d.index_bytes as f64 / d.registered.max(1) as f64,
        d.rss_bytes
            .map_or("unknown".into(), |b| format!("{:.0} MB", b as f64 / 1e6)),
        disk::TARGET_BYTES_PER_RECORD,
    );
    let mut text = text;
    let live: u64 = d.families.iter().map(|f| f.1).sum();
    for (family, bytes, keys) in d.families.iter().chain([&("all".into(), live, 0)]) {
        let per = *bytes as f64 / d.registered.max(1) as f64;
        let _ = writeln!(text, "  {family:<10} {per:>8.0} bytes  ({keys} keys)");
    }
    emit(&text, json.then(|| d.json()))
}

pub(super) fn report_country(c: &country::Country, json: bool) -> anyhow::Result<()> {
    let mb = |b: Option<u64>| b.map_or("unknown".into(), |b| format!("{:.0} MB", b as f64 / 1e6));
    let rss: Vec<u64> = c.province_rss.iter().filter_map(|(_, b)| *b).collect();
    let (min, max) = (rss.iter().min().copied(), rss.iter().max().copied());
    let mean = (!rss.is_empty()).then(|| rss.iter().sum::<u64>() / rss.len() as u64);
    let mut text = format!(
        "country: 32 nodes (national + 31 provinces); {} registrations in all ({} errors) in \
         {:.1} s; the national book held every province's latest checkpoint {:.2} s after the \
         last one, with {} records; national ingest {:.0} entries/s over the run ({} entries)\n\
         memory: national {}; provinces min {} / mean {} / max {}\n",
        c.registered,
        c.errors,
        c.registering.as_secs_f64(),
        c.to_complete.as_secs_f64(),
        c.records_in_book,
        c.ingest_rate(),
        c.entries,
        mb(c.national_rss),
        mb(min),
        mb(mean),
        mb(max),
    );
    for (id, b) in &c.province_rss {
        let _ = write!(text, "  {id} {}", mb(*b));
    }
    text.push('\n');
    emit(&text, json.then(|| c.json()))
}

pub(super) fn report_book(b: &book::Book, json: bool) -> anyhow::Result<()> {
    let mb = |b: Option<u64>| {
        b.map_or("unknown".into(), |b| {
            format!("{:.0} MB", b as f64 / (1 << 20) as f64)
        })
    };
    let mut text = format!(
        "book: {} records ({} entries) from {} provinces loaded through the national ingest in \
         {:.0} s ({:.0} entries/s); the index counted them all {:.1} s after the last push\n\
         echo {:.0}/s at {} clients (cpu node {:.0}%, bench {:.0}%); GetRecord {:.0}/s ({:.2}x \
         echo), p50 {:.2} ms, p99 {:.2} ms (cpu node {:.0}%, bench {:.0}%)\n\
         reads at {} clients ({:.0} calls/s, node cpu {:.0}%):\n",
        b.records,
        b.entries,
        b.provinces,
        b.load.as_secs_f64(),
        b.entries as f64 / b.load.as_secs_f64(),
        b.index_lag.as_secs_f64(),
        b.echo.rate(),
        b.clients,
        b.echo.cpu[0].unwrap_or(f64::NAN),
        b.echo.cpu[1].unwrap_or(f64::NAN),
        b.lookup.rate(),
        b.lookup_ratio(),
        b.lookup.rows.first().map_or(f64::NAN, |r| r.2[0]),
        b.lookup.p99(book::LOOKUP),
        b.lookup.cpu[0].unwrap_or(f64::NAN),
        b.lookup.cpu[1].unwrap_or(f64::NAN),
        b.search_clients,
        b.reads.rate(),
        b.reads.cpu[0].unwrap_or(f64::NAN),
    );
    for (call, n, [p50, _, p99, max]) in &b.reads.rows {
        let _ = writeln!(
            text,
            "  {call:<32} {n:>6} calls  p50 {p50:>6.1} ms  p99 {p99:>6.1} ms  max {max:>6.1} ms"
        );
    }
    let _ = writeln!(
        text,
        "web pages at {} clients ({:.0} pages/s, node cpu {:.0}%):",
        b.search_clients,
        b.pages.rate(),
        b.pages.cpu[0].unwrap_or(f64::NAN),
    );
    for (call, n, [p50, _, p99, max]) in &b.pages.rows {
        let _ = writeln!(
            text,
            "  {call:<32} {n:>6} pages  p50 {p50:>6.1} ms  p99 {p99:>6.1} ms  max {max:>6.1} ms"
        );
    }
    let memory = |m: &[Option<u64>; 4]| {
        format!(
            "RSS {} (anonymous {}, file pages {}), peak {}",
            mb(m[0]),
            mb(m[1]),
            mb(m[2]),
            mb(m[3])
        )
    };
    let _ = writeln!(
        text,
        "memory after the reads: {}; store cache {} MB\n\
         memory restarted, after lookups and reads again: {}",
        memory(&b.memory),
        b.cache_bytes >> 20,
        memory(&b.memory_restarted)
    );
    let _ = writeln!(
        text,
        "disk: store {:.0} MB ({}), {:.0} bytes per record; search index {:.0} MB, {:.0} bytes per record, {} segments\n\
         restart (stopped with SIGTERM, started again, first lookup answered): {:.2} s\n\
         live bytes (keys and values) per record, by key family:",
        b.store_bytes as f64 / 1e6,
        if b.compressed { "pages compressed" } else { "pages not compressed" },
        b.per_record(b.store_bytes),
        b.index_bytes as f64 / 1e6,
        b.per_record(b.index_bytes),
        b.index_segments,
        b.restart.as_secs_f64()
    );
    let live: u64 = b.families.iter().map(|f| f.1).sum();
    for (family, bytes, keys) in b.families.iter().chain([&("all".into(), live, 0)]) {
        let _ = writeln!(
            text,
            "  {family:<10} {:>8.0} bytes  ({keys} keys)",
            b.per_record(*bytes)
        );
    }
    text.push_str("targets:\n");
    for (target, met) in b.verdicts() {
        let _ = writeln!(text, "  {}: {target}", if met { "met" } else { "MISSED" });
    }
    emit(&text, json.then(|| b.json()))
}
