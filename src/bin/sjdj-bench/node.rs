//! The node under test: started by the bench unless --addr names one.
use super::*;

/// Kills the node the bench started and removes its temp dir (unless kept), however the bench
/// ends.
pub(super) struct NodeGuard {
    pub(super) child: Child,
    pub(super) dir: PathBuf,
    pub(super) keep_dir: bool,
    /// Its `/metrics` address: the writer's profile is read there.
    pub(super) metrics: Option<String>,
}

impl Drop for NodeGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A new temp dir for a node the bench starts.
pub(super) fn temp_dir(what: &str) -> anyhow::Result<PathBuf> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let dir = std::env::temp_dir().join(format!("sjdj-bench-{what}{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}

/// Starts `sjdj-node --dev` on a free port; returns the guard and the address it printed.
/// With `compressed` false, its store is made beforehand with pages not compressed, which the
/// node then keeps (`--dev` makes compressed ones).
pub(super) fn start_node(bin: &Path, compressed: bool) -> anyhow::Result<(NodeGuard, String)> {
    let dir = temp_dir("")?;
    if !compressed {
        sjdj::store::sled_store::SledStore::open_with(&dir.join("store"), 1 << 20, false)
            .map_err(|e| anyhow::anyhow!("make an uncompressed store: {e}"))?;
    }
    let dev = [
        "--dev",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "127.0.0.1:0",
    ];
    let mut args: Vec<std::ffi::OsString> = dev.iter().map(Into::into).collect();
    args.extend(["--data-dir".into(), dir.clone().into_os_string()]);
    spawn_node(bin, dir, &args, false)
}

/// Starts `sjdj-node ARGS` for a node whose files are in `dir` (its log goes to `dir/node.log`);
/// returns the guard and the address it printed. `keep_dir`: the directory is the caller's
/// (`--book-dir`), left in place however the node ends, even if it never starts.
pub(super) fn spawn_node(
    bin: &Path,
    dir: PathBuf,
    args: &[std::ffi::OsString],
    keep_dir: bool,
) -> anyhow::Result<(NodeGuard, String)> {
    let spawned = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("node.log"))?)
        .spawn();
    let mut child = spawned.map_err(|e| {
        if !keep_dir {
            let _ = std::fs::remove_dir_all(&dir);
        }
        anyhow!(
            "cannot start {}: {e} (build it, or pass --node-bin)",
            bin.display()
        )
    })?;
    let stdout = child.stdout.take().context("node stdout")?;
    let mut guard = NodeGuard {
        child,
        dir,
        keep_dir,
        metrics: None,
    };
    match sjdj::node::listening(stdout, Duration::from_secs(60)) {
        Some((addr, metrics)) => {
            guard.metrics = metrics;
            Ok((guard, addr))
        }
        None => {
            let log = std::fs::read_to_string(guard.dir.join("node.log")).unwrap_or_default();
            let tail = log.lines().rev().take(20).collect::<Vec<_>>();
            let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
            bail!("the node did not print `listening on ADDR`; its log ends:\n{tail}")
        }
    }
}

pub(super) async fn connect(addr: &str) -> anyhow::Result<Channel> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))?.tcp_nodelay(true);
    endpoint
        .connect()
        .await
        .with_context(|| format!("connect to {addr}"))
}

/// Waits until the node's gRPC health check answers SERVING.
pub(super) async fn wait_serving(addr: &str) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let last = match connect(addr).await {
            Ok(ch) => match HealthClient::new(ch)
                .check(HealthCheckRequest::default())
                .await
            {
                Ok(r) if r.get_ref().status == ServingStatus::Serving as i32 => return Ok(()),
                Ok(r) => format!("status {}", r.get_ref().status),
                Err(e) => status_text(&e),
            },
            Err(e) => format!("{e:#}"),
        };
        ensure!(
            Instant::now() < until,
            "{addr} is not SERVING after 30 s: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
