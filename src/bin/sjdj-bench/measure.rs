//! Measurement: per-request durations, errors with the first message, CPU, phases.
use super::*;

/// What client tasks recorded: `ops` is what the phase's rate counts.
#[derive(Default)]
pub(super) struct Samples {
    pub(super) ops: u64,
    pub(super) lat: HashMap<&'static str, Vec<Duration>>,
    pub(super) errors: u64,
    pub(super) first_error: Option<String>,
    pub(super) ids: Vec<String>,
    /// When each acknowledged write was answered, and the log entry that records it.
    pub(super) acks: Vec<(Instant, u64)>,
    /// When the last success was seen (the full flows: the last registration confirmed).
    pub(super) last: Option<Instant>,
}

impl Samples {
    pub(super) fn time(&mut self, call: &'static str, since: Instant) {
        self.lat.entry(call).or_default().push(since.elapsed());
    }

    pub(super) fn fail(&mut self, call: &str, message: String) {
        self.errors += 1;
        self.first_error
            .get_or_insert_with(|| format!("{call}: {message}"));
    }

    pub(super) fn merge(&mut self, o: Samples) {
        self.ops += o.ops;
        for (k, v) in o.lat {
            self.lat.entry(k).or_default().extend(v);
        }
        self.errors += o.errors;
        self.first_error = self.first_error.take().or(o.first_error);
        self.ids.extend(o.ids);
        self.acks.extend(o.acks);
        self.last = self.last.max(o.last);
    }
}

pub(super) fn status_text(s: &Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

/// Count and nearest-rank p50, p90, p99, max of the recorded durations, in milliseconds.
pub(super) fn percentiles(mut v: Vec<Duration>) -> (usize, [f64; 4]) {
    v.sort_unstable();
    let ms = |q: f64| {
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len().max(1));
        v.get(rank - 1).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (v.len(), [ms(0.5), ms(0.9), ms(0.99), ms(1.0)])
}

/// CPU seconds (user + system, all threads) of a process; Linux /proc, USER_HZ = 100.
pub(super) fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some((f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?) as f64 / 100.0)
}

/// CPU seconds so far of the node (when the bench started it) and of the bench itself.
pub(super) fn cpu_now(node: Option<u32>) -> [Option<f64>; 2] {
    [node.and_then(cpu_secs), cpu_secs(std::process::id())]
}

/// One phase's figures; CPU is % of one core over the phase's wall time.
pub(super) struct Phase {
    pub(super) title: &'static str,
    pub(super) s: Samples,
    pub(super) wall: Duration,
    pub(super) rows: Vec<(&'static str, usize, [f64; 4])>,
    pub(super) cpu: [Option<f64>; 2],
}

impl Phase {
    pub(super) fn new(
        title: &'static str,
        mut s: Samples,
        start: Instant,
        cpu0: [Option<f64>; 2],
        node: Option<u32>,
        calls: &[&'static str],
    ) -> Phase {
        let wall = start.elapsed();
        let cpu1 = cpu_now(node);
        let cpu = [0, 1].map(|i| Some((cpu1[i]? - cpu0[i]?) / wall.as_secs_f64() * 100.0));
        let rows = calls.iter().map(|c| {
            let (n, p) = percentiles(s.lat.remove(c).unwrap_or_default());
            (*c, n, p)
        });
        Phase {
            title,
            rows: rows.collect(),
            s,
            wall,
            cpu,
        }
    }

    pub(super) fn p99(&self, call: &str) -> f64 {
        let row = self.rows.iter().find(|r| r.0 == call);
        row.map_or(f64::NAN, |r| r.2[2])
    }

    pub(super) fn rate(&self) -> f64 {
        self.s.ops as f64 / self.wall.as_secs_f64()
    }

    pub(super) fn json(&self) -> Value {
        let lat = self.rows.iter().map(|(c, n, [p50, p90, p99, max])| {
            let l = json!({"n": n, "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max});
            (c.to_string(), l)
        });
        json!({"count": self.s.ops, "wall_s": self.wall.as_secs_f64(), "per_s": self.rate(),
               "latency": lat.collect::<serde_json::Map<_, _>>(), "errors": self.s.errors,
               "first_error": self.s.first_error, "node_cpu_pct": self.cpu[0], "bench_cpu_pct": self.cpu[1]})
    }
}

/// Runs one task per client channel at once and merges what they recorded.
pub(super) async fn on_all<F, Fut>(channels: &[Channel], mut task: F) -> anyhow::Result<Samples>
where
    F: FnMut(usize, Channel) -> Fut,
    Fut: Future<Output = Samples> + Send + 'static,
{
    let handles: Vec<_> = channels
        .iter()
        .enumerate()
        .map(|(i, ch)| tokio::spawn(task(i, ch.clone())))
        .collect();
    let mut all = Samples::default();
    for h in handles {
        all.merge(h.await?);
    }
    Ok(all)
}
