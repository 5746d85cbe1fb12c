//! Test harness around the real `sjdj-node` binary: each node in its own temp dir, on a port the
//! OS picks, ready when its health RPC answers SERVING, killed on drop. This file holds the
//! process control (start, stop, restart, kill) and the small client helpers; `spec` builds
//! configs, `federation` links provinces to a national node, `flows` drives applications.
#![allow(dead_code)]
use sjdj::grpc::pb;
pub use sjdj::grpc::{CarriedAnswer, Carries};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tonic::transport::Channel;
use tonic::Request;

mod federation;
mod flows;
mod spec;
// Each test binary uses its own part of the harness.
#[allow(unused_imports)]
pub use federation::sync_state;
#[allow(unused_imports)]
pub use flows::*;
pub use spec::Spec;

pub struct Node {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub addr: String,
    pub tokens: BTreeMap<String, String>,
    args: Vec<String>,
    /// How a client reaches it over TLS (CA, optional identity); `None`: plain gRPC.
    pub tls: Option<tonic::transport::ClientTlsConfig>,
}

pub fn node_bin() -> &'static str {
    env!("CARGO_BIN_EXE_sjdj-node")
}

pub fn cli_bin() -> &'static str {
    env!("CARGO_BIN_EXE_sjdj")
}

/// Runs the `sjdj` CLI: (exit 0?, stdout, stderr).
pub fn sjdj(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(cli_bin())
        .args(args)
        .output()
        .expect("run sjdj");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits until `f` gives `Some`, for at most `secs` seconds, polling every 50 ms.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `sjdj-node audit --data-dir` on a node's dir: (exit code, stdout and stderr). A dir
/// holding a `node.toml` (a node from a config) is audited as that node.
pub fn audit(dir: &Path) -> (i32, String) {
    node_cmd(&["audit", "--data-dir", dir.to_str().expect("utf-8 path")])
}

/// Runs `sjdj-node ARGS` to its end: (exit code, stdout and stderr together).
pub fn node_cmd(args: &[&str]) -> (i32, String) {
    let out = Command::new(node_bin())
        .args(args)
        .output()
        .expect("run sjdj-node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Starts `sjdj-node` with `args` expecting it to refuse: its exit code and what it printed.
/// Panics if it is still running after 60 s (it started serving instead).
pub fn refused_start(args: &[String]) -> (i32, String) {
    let mut child = Command::new(node_bin())
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sjdj-node");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait for node").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the node started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("node output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Copies a directory tree (a stopped node's store, to damage or restore a copy).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The entries `sjdj-node audit` found in a whole store (it must pass).
pub fn audited_entries(dir: &Path) -> u64 {
    let (code, out) = audit(dir);
    assert_eq!(code, 0, "{out}");
    out["audit ok: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no entry count in {out}"))
}

/// Spawns the node and returns it with the address it printed once bound.
fn spawn(args: &[String]) -> (Child, String) {
    let mut child = Command::new(node_bin())
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start sjdj-node");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the node's first line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (child, addr)
}

impl Node {
    /// A dev node (`--dev`): built-in config, clock control on, one token per role.
    pub async fn dev() -> Node {
        Node::dev_in(&std::env::temp_dir()).await
    }

    /// A dev node whose data dir is a new directory under `parent` (a filesystem a test made).
    pub async fn dev_in(parent: &Path) -> Node {
        Node::dev_at(tempfile::tempdir_in(parent).expect("temp dir")).await
    }

    /// A dev node on a data dir made beforehand (a restored store, a copied key).
    pub async fn dev_at(dir: tempfile::TempDir) -> Node {
        let args = vec![
            "--dev".into(),
            "--data-dir".into(),
            dir.path().display().to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        Node::start(dir, args).await
    }

    /// A province node (440000) from a config file, with no clock control and no dev tokens.
    pub async fn province(id: &str) -> Node {
        Spec::province(id, "440000").start().await
    }

    /// A province node on its own (no national link), with dev tokens and clock control.
    pub async fn province_dev(id: &str, region: &str) -> Node {
        Spec::province(id, region).drill().start().await
    }

    /// The node process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the node is running").id()
    }

    /// The node's resident memory, in KiB (`VmRSS` of /proc).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }

    /// CPU time the node process has used (user + system), in clock ticks (1/100 s on Linux).
    pub fn cpu_ticks(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).expect("read /proc stat");
        // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
        let rest = &stat[stat.rfind(')').expect("comm") + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
    }

    /// A channel from a given local address (any in 127.0.0.0/8), so a test can be several
    /// clients.
    pub async fn channel_from(&self, local: &str) -> Result<Channel, tonic::transport::Error> {
        Channel::from_shared(self.url())
            .expect("uri")
            .local_address(Some(local.parse().expect("local address")))
            .connect()
            .await
    }

    /// Starts the node again on the same data dir and the same address (others point at it).
    pub async fn restart_same_port(&mut self) {
        assert!(self.child.is_none(), "stop or kill the node first");
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| {
                if a == "127.0.0.1:0" {
                    self.addr.clone()
                } else {
                    a.clone()
                }
            })
            .collect();
        let (child, addr) = spawn(&args);
        assert_eq!(addr, self.addr, "the node came back on another address");
        self.child = Some(child);
        self.wait_ready().await;
    }

    async fn start(dir: tempfile::TempDir, args: Vec<String>) -> Node {
        Node::start_tls(dir, args, None).await
    }

    /// A node from a config text (a key generated in `dir` first unless there is one), with
    /// dev tokens when the config sets clock.control, reached over TLS with `tls`. Tests build
    /// the text with [`Spec`].
    pub(crate) async fn from_config_tls(
        dir: tempfile::TempDir,
        toml: &str,
        tls: Option<tonic::transport::ClientTlsConfig>,
    ) -> Node {
        let d = dir.path().display().to_string();
        if !dir.path().join("node.key").exists() {
            sjdj::node::keyfile::generate(&dir.path().join("node.key")).expect("key");
        }
        let path = dir.path().join("node.toml");
        std::fs::write(&path, toml).expect("write config");
        let mut args = vec!["--config".into(), path.display().to_string()];
        let drill = toml::from_str::<toml::Table>(toml)
            .ok()
            .and_then(|t| t.get("clock")?.get("control")?.as_bool())
            .unwrap_or(false);
        if drill {
            args.extend(["--dev-tokens".into(), d]);
        }
        Node::start_tls(dir, args, tls).await
    }

    async fn start_tls(
        dir: tempfile::TempDir,
        args: Vec<String>,
        tls: Option<tonic::transport::ClientTlsConfig>,
    ) -> Node {
        let (child, addr) = spawn(&args);
        let mut node = Node {
            child: Some(child),
            dir,
            addr,
            tokens: BTreeMap::new(),
            args,
            tls,
        };
        node.wait_ready().await;
        node.load_tokens();
        node
    }

    /// Reads the dev tokens the node wrote (`dev-tokens.json`), if it wrote any.
    fn load_tokens(&mut self) {
        let tokens = self.dir.path().join("dev-tokens.json");
        if tokens.exists() {
            self.tokens =
                serde_json::from_str(&std::fs::read_to_string(tokens).expect("read tokens"))
                    .expect("tokens JSON");
        }
    }

    async fn wait_ready(&self) {
        let what = format!("node at {} to become ready", self.addr);
        eventually(30, &what, || async {
            let ch = self.try_channel().await.ok()?;
            let mut h = tonic_health::pb::health_client::HealthClient::new(ch);
            let req = tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            };
            let status = h.check(req).await.ok()?.into_inner().status;
            (status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
                .then_some(())
        })
        .await
    }

    /// The node's URL: `https://` when it is reached over TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    async fn try_channel(&self) -> Result<Channel, tonic::transport::Error> {
        let mut e = Channel::from_shared(self.url()).expect("uri");
        if let Some(tls) = &self.tls {
            e = e.tls_config(tls.clone())?;
        }
        e.connect().await
    }

    pub async fn channel(&self) -> Channel {
        self.try_channel().await.expect("connect")
    }

    pub fn token(&self, role: &str) -> String {
        self.tokens
            .get(role)
            .cloned()
            .unwrap_or_else(|| panic!("no dev token for {role}"))
    }

    /// Stops the node gracefully (SIGTERM) and waits for it to exit. Async, so this test's own
    /// client connections keep running and can close when the server says GOAWAY.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let status = eventually(30, "the node to stop after SIGTERM", || {
                let exited = child.try_wait().expect("wait for node");
                std::future::ready(exited)
            })
            .await;
            assert!(status.success(), "node exited with {status} after SIGTERM");
        }
    }

    /// The node's exit status, if it has exited by itself.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().expect("wait for node")?;
        self.child = None;
        Some(status)
    }

    /// Kills the node with SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The node's arguments for starting it again on its data dir, on a new port.
    fn restart_args(&self) -> Vec<String> {
        assert!(self.child.is_none(), "stop or kill the node first");
        self.args
            .iter()
            .map(|a| {
                if a == &self.addr {
                    "127.0.0.1:0".into()
                } else {
                    a.clone()
                }
            })
            .collect()
    }

    /// Starts the node again on the same data dir (a new port).
    pub async fn restart(&mut self) {
        let args = self.restart_args();
        let (child, addr) = spawn(&args);
        self.child = Some(child);
        self.addr = addr;
        self.wait_ready().await;
        self.load_tokens();
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the node again on its data dir expecting it to refuse: its exit code and what it
    /// printed.
    pub fn refused_start(&self) -> (i32, String) {
        refused_start(&self.restart_args())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Wraps a message with a bearer token.
/// GET /metrics over plain HTTP/1.1.
pub fn scrape(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// The value of one metric line (`name{labels}` exactly as exposed), 0 when absent.
pub fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

pub fn authed<T>(token: &str, msg: T) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    r
}

/// A fresh request id.
pub fn rid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "t-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// The reason code in a status's google.rpc.ErrorInfo.
pub fn reason(s: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    s.get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_else(|| format!("<no ErrorInfo: {s:?}>"))
}

/// The arguments of `sjdj-node backup` of `node` as its dev admin into `file`.
pub fn backup_args(node: &Node, file: &Path) -> Vec<String> {
    let tokens = node.data_dir().join("dev-tokens.json");
    ["backup", "--addr", &node.url(), "--as", "admin", "--tokens"]
        .map(String::from)
        .into_iter()
        .chain([
            tokens.display().to_string(),
            "--out".into(),
            file.display().to_string(),
        ])
        .collect()
}

/// A RegistryService client on `ch`.
pub fn registry(ch: Channel) -> pb::registry_service_client::RegistryServiceClient<Channel> {
    pb::registry_service_client::RegistryServiceClient::new(ch)
}
