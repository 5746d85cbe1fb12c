//! The human report.
use super::*;

/// Throughput per phase, latency per call, the ratio and the target verdicts.
pub(super) fn table(
    args: &Args,
    cores: usize,
    addr: &str,
    phases: [&Phase; 5],
    drive: Duration,
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
        "  (phase 3 = {:.2} s driving the flows, then the clock move and the check)",
        drive.as_secs_f64()
    );
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
