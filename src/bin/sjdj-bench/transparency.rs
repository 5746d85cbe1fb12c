//! The transparency log under load: how fast entries are appended, how long an acknowledged
//! write waits to be covered by a signed checkpoint, and how fast inclusion proofs are served
//! from a large log.
use super::*;
use pb::transparency_service_client::TransparencyServiceClient as LogClient;

/// Watches the published checkpoint every 2 ms until `stop`, then until it covers `last` (at
/// most 5 s more); returns when each new size was first seen.
pub(super) async fn watch_checkpoints(
    ch: Channel,
    stop: Arc<AtomicBool>,
    last: Arc<AtomicU64>,
) -> Vec<(Instant, u64)> {
    let mut client = LogClient::new(ch);
    let mut seen: Vec<(Instant, u64)> = Vec::new();
    let mut stopped_at: Option<Instant> = None;
    loop {
        let size = published_size(&mut client).await;
        if seen.last().map_or(size > 0, |&(_, s)| s < size) {
            seen.push((Instant::now(), size));
        }
        if stop.load(Ordering::Relaxed) {
            let since = *stopped_at.get_or_insert_with(Instant::now);
            let covered = seen
                .last()
                .is_some_and(|&(_, s)| s > last.load(Ordering::Relaxed));
            if covered || since.elapsed() > Duration::from_secs(5) {
                return seen;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Entries appended per second (from the acks' indexes) and the ack -> checkpoint latencies.
pub(super) fn coverage(
    acks: &[(Instant, u64)],
    seen: &[(Instant, u64)],
    wall: Duration,
) -> (f64, Vec<Duration>) {
    let (lo, hi) = acks
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), &(_, i)| (lo.min(i), hi.max(i)));
    let appends = if acks.is_empty() {
        0.0
    } else {
        (hi - lo + 1) as f64 / wall.as_secs_f64()
    };
    let lat = acks
        .iter()
        .filter_map(|&(t, index)| {
            let (when, _) = seen.iter().find(|&&(_, size)| size > index)?;
            Some(when.saturating_duration_since(t))
        })
        .collect();
    (appends, lat)
}

/// The size of the node's latest checkpoint (0 before the first).
async fn published_size(log: &mut LogClient<Channel>) -> u64 {
    let cp = log.get_checkpoint(pb::GetCheckpointRequest {}).await;
    cp.map_or(0, |c| c.into_inner().size)
}

/// Grows the log to at least `target` entries with durable creates (one entry each) from every
/// client; returns the published size.
pub(super) async fn fill_log(
    channels: &[Channel],
    ctx: &Arc<Ctx>,
    target: u64,
) -> anyhow::Result<u64> {
    let mut log = LogClient::new(channels[0].clone());
    let mut now = published_size(&mut log).await;
    let started = Instant::now();
    while now < target {
        let need = (target - now) as usize;
        let per = need.div_ceil(channels.len()).min(2000);
        let round = now;
        let s = on_all(channels, |i, ch| {
            let ctx = ctx.clone();
            async move {
                let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
                for n in 0..per {
                    let create = ctx.create(format!("{}-fill{round}-{i}-{n}", ctx.run));
                    match reg.create_application(create).await {
                        Ok(_) => s.ops += 1,
                        Err(e) => s.fail(CREATE, status_text(&e)),
                    }
                }
                s
            }
        })
        .await?;
        ensure!(
            s.errors == 0,
            "filling the log: {}",
            s.first_error.unwrap_or_default()
        );
        // Wait for the checkpoint to cover what was written.
        let want = now + s.ops;
        loop {
            now = published_size(&mut log).await;
            if now >= want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!(
            "  log at {now} entries ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(now)
}

/// Inclusion proofs of random entries against the published size, from every client.
pub(super) async fn proof_loop(
    ctx: Arc<Ctx>,
    i: usize,
    ch: Channel,
    size: u64,
    deadline: Instant,
) -> Samples {
    let (mut log, mut s) = (LogClient::new(ch), Samples::default());
    // A fixed-seed xorshift per client: spread over the whole log, reproducible.
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ (i as u64 + 1);
    while Instant::now() < deadline {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let req = pb::GetInclusionProofRequest {
            index: x % size,
            tree_size: size,
        };
        let t = Instant::now();
        // Authenticated: the public per-address limit is for anonymous callers.
        match log.get_inclusion_proof(ctx.req("registrant", req)).await {
            Ok(p) if !p.get_ref().hashes.is_empty() || size == 1 => {
                s.time(PROOF, t);
                s.ops += 1;
            }
            Ok(_) => s.fail(PROOF, "empty proof".into()),
            Err(e) => s.fail(PROOF, status_text(&e)),
        }
    }
    s
}
