//! The nodes of a campaign: real `sjdj-node` processes on loopback, started, killed with
//! SIGKILL, audited while dead and restarted on the same port (the province's config names the
//! national node's address).
use anyhow::{anyhow, bail, Context};
use sjdj::grpc::pb;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

pub struct Proc {
    pub name: &'static str,
    bin: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    pub addr: String,
    pub dir: PathBuf,
    /// `sjdj-node audit` arguments for this node's store.
    audit: Vec<String>,
    tokens: HashMap<String, MetadataValue<Ascii>>,
}

impl Proc {
    /// Starts `sjdj-node ARGS` (listening on 127.0.0.1:0) and waits until it serves.
    pub async fn start(
        name: &'static str,
        bin: &Path,
        dir: PathBuf,
        args: Vec<String>,
        audit: Vec<String>,
    ) -> anyhow::Result<Proc> {
        let mut p = Proc {
            name,
            bin: bin.to_path_buf(),
            args,
            child: None,
            addr: String::new(),
            dir,
            audit,
            tokens: HashMap::new(),
        };
        p.spawn()?;
        // From now on the node comes back on the port it took.
        for a in &mut p.args {
            if a == "127.0.0.1:0" {
                a.clone_from(&p.addr);
            }
        }
        p.wait_serving().await?;
        let text = std::fs::read_to_string(p.dir.join("dev-tokens.json"))
            .with_context(|| format!("{name}: dev tokens"))?;
        let map: HashMap<String, String> = serde_json::from_str(&text)?;
        for (role, token) in map {
            p.tokens.insert(role, format!("Bearer {token}").parse()?);
        }
        Ok(p)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("node.log"))?;
        let mut child = Command::new(&self.bin)
            .args(&self.args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("start {}", self.bin.display()))?;
        let stdout = child.stdout.take().context("node stdout")?;
        self.child = Some(child);
        let addr = sjdj::node::listening_addr(stdout, Duration::from_secs(60))
            .ok_or_else(|| anyhow!("{} did not start: see {}", self.name, self.log()))?;
        if !self.addr.is_empty() && addr != self.addr {
            bail!("{} came back on {addr}, not {}", self.name, self.addr);
        }
        self.addr = addr;
        Ok(())
    }

    fn log(&self) -> String {
        self.dir.join("node.log").display().to_string()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn channel(&self) -> anyhow::Result<Channel> {
        Ok(Channel::from_shared(self.url())?.connect().await?)
    }

    /// A request carrying the dev token of `role`.
    pub fn req<T>(&self, role: &str, msg: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(msg);
        r.metadata_mut()
            .insert("authorization", self.tokens[role].clone());
        r
    }

    /// The node's dev tokens, as `authorization` header values by role.
    pub fn tokens(&self) -> HashMap<String, MetadataValue<Ascii>> {
        self.tokens.clone()
    }

    pub fn token_file(&self) -> PathBuf {
        self.dir.join("dev-tokens.json")
    }

    async fn wait_serving(&self) -> anyhow::Result<()> {
        use tonic_health::pb::{
            health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
        };
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if let Ok(ch) = self.channel().await {
                let r = HealthClient::new(ch)
                    .check(HealthCheckRequest::default())
                    .await;
                if r.is_ok_and(|r| r.get_ref().status == ServingStatus::Serving as i32) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!(
            "{} did not serve within 60 s: see {}",
            self.name,
            self.log()
        )
    }

    /// SIGKILL: the node gets no chance to flush or publish anything.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, and the exit it ends with.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut c) = self.child.take() else {
            return Ok(());
        };
        Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()?;
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = c.try_wait()? {
                if !status.success() {
                    bail!("{} exited with {status} after SIGTERM", self.name);
                }
                return Ok(());
            }
            if Instant::now() > until {
                bail!("{} did not stop within 30 s of SIGTERM", self.name);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.spawn()?;
        self.wait_serving().await
    }

    /// `sjdj-node audit` on the stopped node's store; its report if it passes.
    pub fn audit(&self) -> anyhow::Result<String> {
        let (ok, out) = run(&self.bin, &self.audit)?;
        if !ok {
            bail!("{}: the audit failed: {out}", self.name);
        }
        Ok(out)
    }

    /// The latest checkpoint the node publishes.
    pub async fn checkpoint(&self) -> anyhow::Result<pb::GetCheckpointResponse> {
        let mut t =
            pb::transparency_service_client::TransparencyServiceClient::new(self.channel().await?);
        Ok(t.get_checkpoint(pb::GetCheckpointRequest {})
            .await?
            .into_inner())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Runs `bin ARGS` to its end: whether it succeeded, and its stdout and stderr.
pub fn run(bin: &Path, args: &[String]) -> anyhow::Result<(bool, String)> {
    let out = Command::new(bin).args(args).output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}
