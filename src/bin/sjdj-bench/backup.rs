//! `--backup-entries`: online backups of a node holding that many log entries, taken back to
//! back while 64 clients write, against the same writes without a backup and against the disk's
//! own sequential write rate, all in one run.
use super::*;
use std::io::Write as _;

pub(super) struct Backups {
    pub(super) log_size: u64,
    /// The machine's limit: sequential writes with one fsync, MB/s.
    pub(super) disk_mb_s: f64,
    pub(super) without: Phase,
    pub(super) during: Phase,
    /// (store entries, archive bytes, seconds) of each backup taken during `during`.
    pub(super) taken: Vec<(u64, u64, f64)>,
}

impl Backups {
    pub(super) fn mb_s(&self) -> f64 {
        let (bytes, secs) = self
            .taken
            .iter()
            .fold((0, 0.0), |(b, s), t| (b + t.1, s + t.2));
        bytes as f64 / 1e6 / secs
    }
    pub(super) fn records_s(&self) -> f64 {
        let (n, secs) = self
            .taken
            .iter()
            .fold((0, 0.0), |(n, s), t| (n + t.0, s + t.2));
        n as f64 / secs
    }
    pub(super) fn json(&self) -> Value {
        json!({"log_size": self.log_size, "disk_sequential_mb_per_s": self.disk_mb_s,
               "backups": self.taken.iter().map(|(n, b, s)| json!({"records": n, "bytes": b, "seconds": s})).collect::<Vec<_>>(),
               "backup_mb_per_s": self.mb_s(), "backup_records_per_s": self.records_s(),
               "ratio_backup_to_disk": self.mb_s() / self.disk_mb_s,
               "creates_without": self.without.json(), "creates_during": self.during.json(),
               "ratio_creates_during_to_without": self.during.rate() / self.without.rate()})
    }
}

/// Writes 256 MiB in 1 MiB blocks and one fsync: the disk's sequential write rate in MB/s.
fn disk_rate() -> anyhow::Result<f64> {
    let path = std::env::temp_dir().join(format!("sjdj-bench-disk-{}", std::process::id()));
    let block = vec![0x5a_u8; 1 << 20];
    let started = Instant::now();
    let mut f = std::fs::File::create(&path)?;
    for _ in 0..256 {
        f.write_all(&block)?;
    }
    f.sync_all()?;
    let secs = started.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(&path)?;
    Ok(256.0 * 1048576.0 / 1e6 / secs)
}

pub(super) async fn backups(
    channels: &[Channel],
    ctx: &Arc<Ctx>,
    entries: u64,
    span: Duration,
    node: Option<u32>,
    addr: &str,
    tokens: &Path,
) -> anyhow::Result<Backups> {
    let log_size = fill_log(channels, ctx, entries).await?;
    let disk_mb_s = tokio::task::spawn_blocking(disk_rate).await??;

    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let s = on_all(channels, |i, ch| create_loop(ctx.clone(), i, ch, deadline)).await?;
    let without = Phase::new("creates, no backup", s, start, cpu0, node, &[CREATE]);

    let global = sjdj::cli::Global {
        addr: addr.to_string(),
        ca_file: None,
        client_cert: None,
        client_key: None,
        token: None,
        token_file: None,
        as_role: Some("admin".into()),
        tokens: Some(tokens.to_path_buf()),
        request_id: None,
        json: false,
    };
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let taking = tokio::spawn(async move {
        let mut taken = Vec::new();
        let dir = std::env::temp_dir();
        // At least one, and back to back until the writers stop.
        while taken.is_empty() || Instant::now() < deadline {
            let out = dir.join(format!(
                "sjdj-bench-{}-{}.tar",
                std::process::id(),
                taken.len()
            ));
            let t = sjdj::cli::backup::take(&global, &out).await?;
            let _ = std::fs::remove_file(&out);
            taken.push((t.manifest.records, t.file_bytes, t.seconds));
        }
        anyhow::Ok(taken)
    });
    let s = on_all(channels, |i, ch| {
        create_loop(ctx.clone(), i + channels.len(), ch, deadline)
    })
    .await?;
    let during = Phase::new("creates, backups running", s, start, cpu0, node, &[CREATE]);
    let taken = taking.await??;
    Ok(Backups {
        log_size,
        disk_mb_s,
        without,
        during,
        taken,
    })
}
