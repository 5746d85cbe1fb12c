//! `sjdj-bench`: how many durable registrations a node takes, measured against the machine's own
//! gRPC round-trip limit in the same run, with the same clients, connections and cores.
//!
//! Without `--addr` it starts its own `sjdj-node --dev` in a fresh temp dir and stops it at the end.
//! Exits non-zero if any RPC of phase 2 or 3 failed; a missed target is reported, not an error.
use anyhow::{anyhow, bail, ensure, Context};
use clap::Parser;
use pb::registration_service_client::RegistrationServiceClient as RegClient;
use pb::review_service_client::ReviewServiceClient;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sjdj::grpc::pb;
use std::collections::HashMap;
use std::fmt::Write;
use std::future::Future;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

/// The target: durable submits at 64 clients reach this share of the echo rate, with
/// SubmitApplication p99 under `TARGET_P99_MS`.
const TARGET_RATIO: f64 = 0.3;
const TARGET_P99_MS: f64 = 20.0;
/// One clock move past acceptance, review and 10 working days of publicity: 30 days.
const CLOCK_STEP: i64 = 2_592_000;
/// The subject the dev registrant token is bound to.
const SUBJECT: &str = "91350100M000100Y43";
const CHECK: &str = "health Check";
const CREATE: &str = "CreateApplication";
const SUBMIT: &str = "SubmitApplication";
const PAIR: &str = "create+submit";
const ACCEPT: &str = "AcceptApplication";
const REVIEW: &str = "PassReview";
const FLOW: &str = "flow before clock";
const CLOCK: &str = "AdvanceClock";
const VERIFY: &str = "GetApplication";

#[derive(Parser)]
#[command(
    name = "sjdj-bench",
    about = "Benchmark a sjdj node: echo baseline, durable submits, full flows"
)]
struct Args {
    /// A running node (HOST:PORT); without it the bench starts its own dev node.
    #[arg(long, requires = "tokens")]
    addr: Option<String>,
    /// Role name -> bearer token JSON for --addr (a dev node's dev-tokens.json).
    #[arg(long, requires = "addr")]
    tokens: Option<PathBuf>,
    /// Concurrent clients, each with its own connection.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Duration of phases 1 and 2, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Applications driven through the whole flow in phase 3.
    #[arg(long, default_value_t = 200)]
    flows: usize,
    /// Writes per flush in phase 0 (raw store); 8 is the node's measured average group.
    #[arg(long, default_value_t = 8)]
    raw_group: usize,
    /// The sjdj-node binary to start [default: sjdj-node next to this executable].
    #[arg(long)]
    node_bin: Option<PathBuf>,
    /// Print every figure as one JSON object on stdout (the table goes to stderr).
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let rt = tokio::runtime::Runtime::new().expect("start the tokio runtime");
    rt.block_on(run(Args::parse())).unwrap_or_else(|e| {
        eprintln!("sjdj-bench: {e:#}");
        ExitCode::FAILURE
    })
}

// ---- The node under test: started by the bench unless --addr names one. ----

/// Kills the node the bench started and removes its temp dir, however the bench ends.
struct NodeGuard {
    child: Child,
    dir: PathBuf,
}

impl Drop for NodeGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `sjdj-node --dev` on a free port; returns the guard and the address it printed.
fn start_node(bin: &Path) -> anyhow::Result<(NodeGuard, String)> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let dir = std::env::temp_dir().join(format!("sjdj-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let spawned = Command::new(bin)
        .args(["--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("node.log"))?)
        .spawn();
    let mut child = spawned.map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        anyhow!(
            "cannot start {}: {e} (build it, or pass --node-bin)",
            bin.display()
        )
    })?;
    let stdout = child.stdout.take().context("node stdout")?;
    let guard = NodeGuard { child, dir };
    let (tx, rx) = std::sync::mpsc::channel();
    // Read the address, then keep draining stdout so the node never blocks writing to it.
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(addr) => Ok((guard, addr)),
        Err(_) => {
            let log = std::fs::read_to_string(guard.dir.join("node.log")).unwrap_or_default();
            let tail = log.lines().rev().take(20).collect::<Vec<_>>();
            let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
            bail!("the node did not print `listening on ADDR`; its log ends:\n{tail}")
        }
    }
}

async fn connect(addr: &str) -> anyhow::Result<Channel> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))?.tcp_nodelay(true);
    endpoint
        .connect()
        .await
        .with_context(|| format!("connect to {addr}"))
}

/// Waits until the node's gRPC health check answers SERVING.
async fn wait_serving(addr: &str) -> anyhow::Result<()> {
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

// ---- Measurement: per-request durations, errors with the first message, CPU. ----

/// What client tasks recorded: `ops` is what the phase's rate counts.
#[derive(Default)]
struct Samples {
    ops: u64,
    lat: HashMap<&'static str, Vec<Duration>>,
    errors: u64,
    first_error: Option<String>,
    ids: Vec<String>,
}

impl Samples {
    fn time(&mut self, call: &'static str, since: Instant) {
        self.lat.entry(call).or_default().push(since.elapsed());
    }

    fn fail(&mut self, call: &str, message: String) {
        self.errors += 1;
        self.first_error
            .get_or_insert_with(|| format!("{call}: {message}"));
    }

    fn merge(&mut self, o: Samples) {
        self.ops += o.ops;
        for (k, v) in o.lat {
            self.lat.entry(k).or_default().extend(v);
        }
        self.errors += o.errors;
        self.first_error = self.first_error.take().or(o.first_error);
        self.ids.extend(o.ids);
    }
}

fn status_text(s: &Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

/// Count and nearest-rank p50, p90, p99, max of the recorded durations, in milliseconds.
fn percentiles(mut v: Vec<Duration>) -> (usize, [f64; 4]) {
    v.sort_unstable();
    let ms = |q: f64| {
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len().max(1));
        v.get(rank - 1).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (v.len(), [ms(0.5), ms(0.9), ms(0.99), ms(1.0)])
}

/// CPU seconds (user + system, all threads) of a process; Linux /proc, USER_HZ = 100.
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some((f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?) as f64 / 100.0)
}

/// CPU seconds so far of the node (when the bench started it) and of the bench itself.
fn cpu_now(node: Option<u32>) -> [Option<f64>; 2] {
    [node.and_then(cpu_secs), cpu_secs(std::process::id())]
}

/// One phase's figures; CPU is % of one core over the phase's wall time.
struct Phase {
    title: &'static str,
    s: Samples,
    wall: Duration,
    rows: Vec<(&'static str, usize, [f64; 4])>,
    cpu: [Option<f64>; 2],
}

impl Phase {
    fn new(
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

    fn p99(&self, call: &str) -> f64 {
        let row = self.rows.iter().find(|r| r.0 == call);
        row.map_or(f64::NAN, |r| r.2[2])
    }

    fn rate(&self) -> f64 {
        self.s.ops as f64 / self.wall.as_secs_f64()
    }

    fn json(&self) -> Value {
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
async fn on_all<F, Fut>(channels: &[Channel], mut task: F) -> anyhow::Result<Samples>
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

// ---- The requests: complete materials for a public data resource (data type 1). ----

struct Ctx {
    run: String,
    materials: pb::Materials,
    tokens: HashMap<String, MetadataValue<Ascii>>,
}

impl Ctx {
    /// A request carrying the bearer token of `role`.
    fn req<T>(&self, role: &str, msg: T) -> Request<T> {
        let mut r = Request::new(msg);
        r.metadata_mut()
            .insert("authorization", self.tokens[role].clone());
        r
    }
}

fn load_tokens(path: &Path) -> anyhow::Result<HashMap<String, MetadataValue<Ascii>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let map: HashMap<String, String> =
        serde_json::from_str(&text).with_context(|| format!("parse {}", path.display()))?;
    let token = |role: &str| {
        map.get(role)
            .ok_or_else(|| anyhow!("{} has no {role} token", path.display()))
    };
    ["registrant", "clerk", "reviewer", "admin"]
        .iter()
        .map(|r| Ok((r.to_string(), format!("Bearer {}", token(r)?).parse()?)))
        .collect()
}

fn materials(undertaking: pb::AttachmentRef) -> pb::Materials {
    let s = |x: &str| x.to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let contact = pb::Contact {
        name: s("林测试"),
        phone: s("0591-87000000"),
        ..Default::default()
    };
    let field = pb::Field {
        name: s("统一社会信用代码"),
        r#type: s("string"),
        description: s("市场主体的代码"),
    };
    pb::Materials {
        subject: Some(pb::Subject {
            name: s("福州市大数据管理局"),
            credit_code: s(SUBJECT),
            kind: pb::SubjectKind::GovernmentDepartment as i32,
            region: s("350100"),
            contact: Some(contact),
            agent: None,
        }),
        source: Some(pb::Source {
            basis: pb::SourceBasis::StatutoryDuty as i32,
            statutory_duty: s("依法履行市场主体登记职责"),
            authorisation: None,
        }),
        resource: Some(pb::Resource {
            name: s("福州市市场主体登记信息"),
            summary: s("福州市市场主体的登记、变更和注销信息。"),
            data_type: pb::DataType::PublicDataResource as i32,
            industry: s("公共管理"),
            format: s("CSV"),
            fields: vec![field],
            volume: s("120万条"),
            time_span: s("2015-2026"),
            update_frequency: s("每日"),
            storage_location: s("福州市政务云"),
            classification: s("市场监管"),
            grade: pb::DataGrade::General as i32,
            access_mode: pb::AccessMode::Shared as i32,
        }),
        evidence: Some(pb::Evidence {
            sha256: hex::encode(Sha256::digest(b"sjdj-bench sample")),
            taken_at: Some(prost_types::Timestamp {
                seconds: now,
                nanos: 0,
            }),
            description: s("样例数据摘要"),
        }),
        security: Some(pb::SecurityAssessment {
            conclusion: s("已完成安全评估，风险可控"),
            ..Default::default()
        }),
        attachments: vec![undertaking],
        ..Default::default()
    }
}

type Failed = (&'static str, Status);

/// Creates a draft and submits it (two durable writes); returns the application id.
async fn create_submit(
    reg: &mut RegClient<Channel>,
    ctx: &Ctx,
    rid: &str,
    s: &mut Samples,
) -> Result<String, Failed> {
    let t0 = Instant::now();
    let materials = Some(ctx.materials.clone());
    let create = pb::CreateApplicationRequest {
        request_id: format!("{rid}-c"),
        registration_type: pb::RegistrationType::Initial as i32,
        materials,
    };
    let app = reg
        .create_application(ctx.req("registrant", create))
        .await
        .map_err(|e| (CREATE, e))?
        .into_inner();
    s.time(CREATE, t0);
    let t1 = Instant::now();
    let (application_id, publicity_text_sha256) = (app.id.clone(), app.publicity_text_sha256);
    let submit = pb::SubmitApplicationRequest {
        request_id: format!("{rid}-s"),
        application_id,
        publicity_text_sha256,
    };
    reg.submit_application(ctx.req("registrant", submit))
        .await
        .map_err(|e| (SUBMIT, e))?;
    s.time(SUBMIT, t1);
    s.time(PAIR, t0);
    Ok(app.id)
}

// ---- Phase 0: the store's own limit. The node's store engine alone, in this process, taking
// ---- writes shaped like a submit (one ~3 KB state value and six small index/event/counter
// ---- rows) in atomic batches of 8 with one flush each, as the node's group commit does. No
// ---- rules, no JSON, no gRPC: the ceiling for durable writes on this disk and these cores.

fn raw_store_rate(span: Duration, group: usize) -> anyhow::Result<f64> {
    use sjdj::store::{sled_store::SledStore, Batch, Store};
    let dir = std::env::temp_dir().join(format!("sjdj-bench-raw-{}", std::process::id()));
    let store = SledStore::open(&dir).map_err(|e| anyhow!("open raw store: {e}"))?;
    let state = vec![b'x'; 3 * 1024];
    let (start, mut writes) = (Instant::now(), 0u64);
    while start.elapsed() < span {
        let mut batch = Batch::default();
        for _ in 0..group {
            writes += 1;
            let id = format!("{writes:012}");
            batch.put(format!("appv/{id}"), state.clone());
            batch.put(format!("app/{id}"), writes.to_be_bytes().to_vec());
            batch.put(format!("ev/{id}"), vec![b'e'; 200]);
            batch.put(format!("idx/state/SUBMITTED/{id}"), Vec::new());
            batch.delete(format!("idx/state/DRAFT/{id}"));
            batch.put(format!("idem/bench/{id}"), vec![b'i'; 120]);
            batch.put("meta/next_event", writes.to_be_bytes().to_vec());
        }
        store
            .apply(batch)
            .map_err(|e| anyhow!("raw store apply: {e}"))?;
        store.flush().map_err(|e| anyhow!("raw store flush: {e}"))?;
    }
    let rate = writes as f64 / start.elapsed().as_secs_f64();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rate)
}

// ---- Phase 1: echo baseline. The cheapest RPC the node serves, over the same connections and
// ---- cores: the machine's own gRPC round-trip limit, the ceiling phase 2 is judged against.

async fn echo_loop(ch: Channel, deadline: Instant) -> Samples {
    let (mut client, mut s) = (HealthClient::new(ch), Samples::default());
    while Instant::now() < deadline {
        let t = Instant::now();
        match client.check(HealthCheckRequest::default()).await {
            Ok(_) => {
                s.ops += 1;
                s.time(CHECK, t);
            }
            Err(e) => s.fail(CHECK, status_text(&e)),
        }
    }
    s
}

// ---- Phase 2: durable writes. Each ack is a write flushed to disk; with many clients the
// ---- writer's group commit should share one flush among many writes, so writes scale.
// ---- 2a creates drafts (CreateApplication carries the whole materials), 2b submits them: a
// ---- submit on its own is what "durable submits" counts; 2c runs create+submit pairs.

async fn create_loop(ctx: Arc<Ctx>, i: usize, ch: Channel, deadline: Instant) -> Samples {
    let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
    for n in 0.. {
        if Instant::now() >= deadline {
            break;
        }
        let t = Instant::now();
        let create = pb::CreateApplicationRequest {
            request_id: format!("{}-d{i}-{n}", ctx.run),
            registration_type: pb::RegistrationType::Initial as i32,
            materials: Some(ctx.materials.clone()),
        };
        match reg.create_application(ctx.req("registrant", create)).await {
            Ok(app) => {
                s.time(CREATE, t);
                s.ops += 1;
                let app = app.into_inner();
                s.ids
                    .push(format!("{} {}", app.id, app.publicity_text_sha256));
            }
            Err(e) => s.fail(CREATE, status_text(&e)),
        }
    }
    s
}

/// Submits the given drafts (each `id sha256`), stopping at the deadline.
async fn submit_drafts(
    ctx: Arc<Ctx>,
    drafts: Vec<String>,
    ch: Channel,
    deadline: Instant,
) -> Samples {
    let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
    for d in drafts {
        if Instant::now() >= deadline {
            break;
        }
        let (id, sha) = d.split_once(' ').unwrap_or((d.as_str(), ""));
        let submit = pb::SubmitApplicationRequest {
            request_id: format!("{}-sub-{id}", ctx.run),
            application_id: id.to_string(),
            publicity_text_sha256: sha.to_string(),
        };
        let t = Instant::now();
        match reg.submit_application(ctx.req("registrant", submit)).await {
            Ok(_) => {
                s.time(SUBMIT, t);
                s.ops += 1;
            }
            Err(e) => s.fail(SUBMIT, status_text(&e)),
        }
    }
    s
}

async fn submit_loop(ctx: Arc<Ctx>, i: usize, ch: Channel, deadline: Instant) -> Samples {
    let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
    for n in 0.. {
        if Instant::now() >= deadline {
            break;
        }
        match create_submit(&mut reg, &ctx, &format!("{}-s{i}-{n}", ctx.run), &mut s).await {
            Ok(_) => s.ops += 1,
            Err((call, e)) => s.fail(call, status_text(&e)),
        }
    }
    s
}

// ---- Phase 3: full flows. Every step a registration takes, by the roles that take it, and the
// ---- clock move that ends publicity and assigns codes: proves the flow works under load.

async fn flow_loop(ctx: Arc<Ctx>, next: Arc<AtomicUsize>, flows: usize, ch: Channel) -> Samples {
    let (mut reg, mut rev, mut s) = (
        RegClient::new(ch.clone()),
        ReviewServiceClient::new(ch),
        Samples::default(),
    );
    loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        if k >= flows {
            return s;
        }
        let t0 = Instant::now();
        match one_flow(
            &ctx,
            &mut reg,
            &mut rev,
            &format!("{}-f{k}", ctx.run),
            &mut s,
        )
        .await
        {
            Ok(id) => {
                s.time(FLOW, t0);
                s.ids.push(id);
            }
            Err((call, e)) => s.fail(call, status_text(&e)),
        }
    }
}

/// Create, submit, accept (clerk), pass review (reviewer: another holder than the clerk).
async fn one_flow(
    ctx: &Ctx,
    reg: &mut RegClient<Channel>,
    rev: &mut ReviewServiceClient<Channel>,
    rid: &str,
    s: &mut Samples,
) -> Result<String, Failed> {
    let id = create_submit(reg, ctx, rid, s).await?;
    let reason = "bench: materials complete".to_string();
    let decision = |step: &str| pb::DecisionRequest {
        request_id: format!("{rid}-{step}"),
        application_id: id.clone(),
        reason: reason.clone(),
    };
    let t = Instant::now();
    rev.accept_application(ctx.req("clerk", decision("a")))
        .await
        .map_err(|e| (ACCEPT, e))?;
    s.time(ACCEPT, t);
    let t = Instant::now();
    rev.pass_review(ctx.req("reviewer", decision("r")))
        .await
        .map_err(|e| (REVIEW, e))?;
    s.time(REVIEW, t);
    Ok(id)
}

/// Confirms that the ids with index ≡ i (mod step) are registered with a code.
async fn verify_loop(
    ctx: Arc<Ctx>,
    ids: Arc<Vec<String>>,
    i: usize,
    step: usize,
    ch: Channel,
) -> Samples {
    let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
    for id in ids.iter().skip(i).step_by(step) {
        let t = Instant::now();
        let get = pb::GetApplicationRequest {
            application_id: id.clone(),
        };
        let app = match reg.get_application(ctx.req("registrant", get)).await {
            Ok(r) => r.into_inner(),
            Err(e) => {
                s.fail(VERIFY, status_text(&e));
                continue;
            }
        };
        s.time(VERIFY, t);
        if app.state == pb::ApplicationState::Registered as i32 && !app.code.is_empty() {
            s.ops += 1;
        } else {
            let state =
                pb::ApplicationState::try_from(app.state).map_or("?", |st| st.as_str_name());
            s.fail(
                VERIFY,
                format!(
                    "{id} is {state} with code {:?} after the clock move",
                    app.code
                ),
            );
        }
    }
    s
}

/// Drives `flows` applications to publicity with every client, moves the clock once, and
/// confirms each is registered. Returns the phase and the time spent driving the flows.
async fn full_flows(
    channels: &[Channel],
    ctx: &Arc<Ctx>,
    flows: usize,
    node: Option<u32>,
) -> anyhow::Result<(Phase, Duration)> {
    let (start, cpu0, next) = (Instant::now(), cpu_now(node), Arc::new(AtomicUsize::new(0)));
    let mut s = on_all(channels, |_, ch| {
        flow_loop(ctx.clone(), next.clone(), flows, ch)
    })
    .await?;
    let (drive, t) = (start.elapsed(), Instant::now());
    let mut admin = pb::admin_service_client::AdminServiceClient::new(channels[0].clone());
    let step = pb::AdvanceClockRequest {
        seconds: CLOCK_STEP,
    };
    match admin.advance_clock(ctx.req("admin", step)).await {
        Ok(_) => s.time(CLOCK, t),
        Err(e) => s.fail(CLOCK, status_text(&e)),
    }
    let ids = Arc::new(std::mem::take(&mut s.ids));
    if ids.len() < flows {
        s.fail(
            FLOW,
            format!("only {} of {flows} flows reached publicity", ids.len()),
        );
    }
    // Phase 3 counts the applications confirmed registered, over its whole wall time.
    let n = channels.len();
    s.merge(
        on_all(channels, |i, ch| {
            verify_loop(ctx.clone(), ids.clone(), i, n, ch)
        })
        .await?,
    );
    let calls = [CREATE, SUBMIT, ACCEPT, REVIEW, FLOW, CLOCK, VERIFY];
    Ok((
        Phase::new("3 full flows (registered)", s, start, cpu0, node, &calls),
        drive,
    ))
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    ensure!(
        args.clients > 0 && args.seconds > 0,
        "--clients and --seconds must be at least 1"
    );
    let (guard, addr, tokens) = match (args.addr.clone(), args.tokens.clone()) {
        (Some(addr), Some(tokens)) => (None, addr, tokens),
        _ => {
            let exe = std::env::current_exe()?.with_file_name("sjdj-node");
            let (guard, addr) = start_node(args.node_bin.as_deref().unwrap_or(&exe))?;
            let tokens = guard.dir.join("dev-tokens.json");
            (Some(guard), addr, tokens)
        }
    };
    let node = guard.as_ref().map(|g| g.child.id());
    wait_serving(&addr).await?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!(
        "sjdj-bench: node {addr}, {} clients, {} s phases, {} flows, {cores} cores",
        args.clients, args.seconds, args.flows
    );
    let mut channels = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        channels.push(connect(&addr).await?);
    }
    // The registration undertaking every application must attach, uploaded once.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let mut ctx = Ctx {
        run: format!("bench{}x{nanos}", std::process::id()),
        materials: Default::default(),
        tokens: load_tokens(&tokens)?,
    };
    let content = "本单位承诺所登记的数据资源真实、合法。(sjdj-bench)"
        .as_bytes()
        .to_vec();
    let upload = pb::UploadAttachmentRequest {
        kind: pb::AttachmentKind::RegistrationUndertaking as i32,
        file_name: "登记承诺书.txt".into(),
        content,
    };
    let undertaking = RegClient::new(channels[0].clone())
        .upload_attachment(ctx.req("registrant", upload))
        .await;
    ctx.materials = materials(
        undertaking
            .map_err(|e| anyhow!("UploadAttachment: {}", status_text(&e)))?
            .into_inner(),
    );
    let ctx = Arc::new(ctx);
    let span = Duration::from_secs(args.seconds);

    eprintln!("phase 0: raw store writes");
    let raw_group = args.raw_group;
    let raw = tokio::task::spawn_blocking(move || raw_store_rate(span, raw_group)).await??;

    eprintln!("phase 1: echo baseline");
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let s = on_all(&channels, |_, ch| echo_loop(ch, deadline)).await?;
    let echo = Phase::new("1 echo (health Check)", s, start, cpu0, node, &[CHECK]);

    eprintln!("phase 2a: durable creates (drafts)");
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let mut s = on_all(&channels, |i, ch| create_loop(ctx.clone(), i, ch, deadline)).await?;
    let mut drafts: Vec<Vec<String>> = vec![Vec::new(); channels.len()];
    for (n, d) in std::mem::take(&mut s.ids).into_iter().enumerate() {
        drafts[n % channels.len()].push(d);
    }
    let creates = Phase::new("2a durable creates", s, start, cpu0, node, &[CREATE]);

    eprintln!("phase 2b: durable submits");
    let drafts = Arc::new(drafts);
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let s = on_all(&channels, |i, ch| {
        submit_drafts(ctx.clone(), drafts[i].clone(), ch, deadline)
    })
    .await?;
    let submits = Phase::new("2b durable submits", s, start, cpu0, node, &[SUBMIT]);

    eprintln!("phase 2c: create+submit pairs");
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let s = on_all(&channels, |i, ch| submit_loop(ctx.clone(), i, ch, deadline)).await?;
    let pairs = Phase::new(
        "2c create+submit pairs",
        s,
        start,
        cpu0,
        node,
        &[CREATE, SUBMIT, PAIR],
    );

    eprintln!("phase 3: full flows");
    let (flows, drive) = full_flows(&channels, &ctx, args.flows, node).await?;

    let ratio = submits.rate() / echo.rate();
    let p99 = submits.p99(SUBMIT);
    let report = json!({
        "cores": cores, "clients": args.clients, "seconds": args.seconds, "flows_requested": args.flows,
        "node": {"addr": addr, "started_by_bench": guard.is_some()},
        "echo": echo.json(), "creates": creates.json(), "submits": submits.json(), "pairs": pairs.json(), "flows": flows.json(), "flows_drive_s": drive.as_secs_f64(),
        "ratio_submits_to_echo": ratio,
        "raw_store_writes_per_s": raw, "ratio_submits_to_raw_store": submits.rate() / raw,
        "target": {"clients": 64, "ratio_min": TARGET_RATIO, "ratio_pass": ratio >= TARGET_RATIO,
                   "submit_p99_max_ms": TARGET_P99_MS, "submit_p99_ms": p99, "submit_p99_pass": p99 < TARGET_P99_MS},
    });
    let mut table = table(
        &args,
        cores,
        &addr,
        [&echo, &creates, &submits, &pairs, &flows],
        drive,
        ratio,
        p99,
    );
    table += &format!(
        "raw store (sled alone, submit-shaped writes, {} per flush): {raw:.0} writes/s; durable submits / raw = {:.3}\n",
        args.raw_group,
        submits.rate() / raw
    );
    if args.json {
        eprint!("{table}");
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{table}");
    }
    drop(guard);
    Ok(
        if creates.s.errors + submits.s.errors + pairs.s.errors + flows.s.errors > 0 {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// The human report: throughput per phase, latency per call, the ratio and the target verdicts.
fn table(
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
