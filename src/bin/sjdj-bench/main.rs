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
use sjdj::grpc::{pb, CarriedAnswer};
use std::collections::HashMap;
use std::fmt::Write;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

mod backup;
mod bogus;
mod book;
mod country;
mod disk;
mod ingest;
mod measure;
mod node;
mod pages;
mod phases;
mod report;
mod requests;
mod search;
mod transparency;
mod writer_profile;
use measure::*;
use node::*;
use phases::*;
use report::*;
use requests::*;
use transparency::*;

/// The target: durable submits at 64 clients reach this share of the echo rate, with
/// SubmitApplication p99 under `TARGET_P99_MS`.
const TARGET_RATIO: f64 = 0.3;
const TARGET_P99_MS: f64 = 20.0;
/// One clock move past acceptance, review and 10 working days of publicity: 30 days.
const CLOCK_STEP: i64 = 2_592_000;
/// How long phase 3 waits after the clock move for the sweep to register every flow.
const SWEEP_WAIT: Duration = Duration::from_secs(600);
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
const PROOF: &str = "GetInclusionProof";

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
    /// Phase 4: grow the log to this many entries (durable creates), then measure inclusion
    /// proofs of random entries; 0 skips it. 1000000 takes a few minutes.
    #[arg(long, default_value_t = 0)]
    proof_entries: u64,
    /// Instead of the other phases: national ingest of a province log of this many entries
    /// (whole flows with certificates), pushed in signed batches; 0 runs the other phases.
    #[arg(long, default_value_t = 0)]
    ingest_entries: u64,
    /// Instead of the other phases: grow the log to this many entries, then take online
    /// backups back to back while the clients write, beside the same writes without a backup
    /// and the disk's sequential write rate; 0 runs the other phases.
    #[arg(long, default_value_t = 0)]
    backup_entries: u64,
    /// Instead of the other phases: register this many applications through the whole flow on
    /// the bench's own fresh node, then report its store's bytes on disk per registered record
    /// and its resident memory; 0 runs the other phases. 100000 takes a few minutes.
    #[arg(long, default_value_t = 0)]
    disk_flows: usize,
    /// Instead of the other phases: start a national node and the 31 province nodes (their
    /// real region codes, each its own process), register this many applications in every
    /// province at once, and report how long after the last one the national book held every
    /// province's latest checkpoint, the national ingest rate and each node's memory; 0 runs
    /// the other phases.
    #[arg(long, default_value_t = 0)]
    country: usize,
    /// Instead of the other phases: fill a national node with this many records through its
    /// real ingest (31 provinces' logs pushed in signed batches), then measure lookups, searches
    /// and statistics beside the echo baseline, memory, disk per record and a restart; 0 runs
    /// the other phases. 1000000 takes about eight minutes here.
    #[arg(long, default_value_t = 0)]
    book: u64,
    /// --book's node directory, kept: filled on the first run, measured as it is on the next
    /// ones (with the same N) [default: a temp dir, removed].
    #[arg(long)]
    book_dir: Option<PathBuf>,
    /// Clients of --book's searches and statistics (the node has one search slot per core).
    #[arg(long, default_value_t = 2)]
    search_clients: usize,
    /// Each --country node's and the --book node's `node.store_cache_bytes`.
    #[arg(long, default_value_t = 64 << 20)]
    store_cache_bytes: u64,
    /// `true` or `false`: whether the nodes the bench starts make their stores compressed
    /// (`node.store_compression`; a kept --book-dir keeps what its store was made with)
    /// [default: --book and --country nodes as their role makes them (a national node's
    /// compressed, a province's not); the other phases' dev node not compressed, as a province
    /// node's store, where registrations are made].
    #[arg(long)]
    store_compression: Option<bool>,
    /// Entries per pushed batch for --ingest-entries.
    #[arg(long, default_value_t = 1000)]
    ingest_batch: u64,
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

/// The run's context on a node: its dev tokens, and materials with the registration
/// undertaking every application must attach, uploaded once.
async fn bench_ctx(ch: &Channel, tokens: &Path) -> anyhow::Result<Ctx> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let mut ctx = Ctx {
        run: format!("bench{}x{nanos}", std::process::id()),
        materials: Default::default(),
        tokens: load_tokens(tokens)?,
    };
    let content = "本单位承诺所登记的数据资源真实、合法。(sjdj-bench)"
        .as_bytes()
        .to_vec();
    let upload = pb::UploadAttachmentRequest {
        kind: pb::AttachmentKind::RegistrationUndertaking as i32,
        file_name: "登记承诺书.txt".into(),
        content,
    };
    let undertaking = RegClient::new(ch.clone())
        .upload_attachment(ctx.req("registrant", upload))
        .await;
    ctx.materials = materials(
        undertaking
            .carried()
            .map_err(|e| anyhow!("UploadAttachment: {}", status_text(&e)))?,
    );
    Ok(ctx)
}

fn store_conf(args: &Args) -> country::StoreConf {
    country::StoreConf {
        cache: args.store_cache_bytes,
        compression: args.store_compression,
    }
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    ensure!(
        args.clients > 0 && args.seconds > 0,
        "--clients and --seconds must be at least 1"
    );
    if args.country > 0 {
        let exe = std::env::current_exe()?.with_file_name("sjdj-node");
        let bin = args.node_bin.clone().unwrap_or(exe);
        let c = country::country(&bin, args.country, store_conf(&args)).await?;
        report_country(&c, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.book > 0 {
        let exe = std::env::current_exe()?.with_file_name("sjdj-node");
        let bin = args.node_bin.clone().unwrap_or(exe);
        let a = book::BookArgs {
            records: args.book,
            dir: args.book_dir.clone(),
            store: store_conf(&args),
            clients: args.clients,
            search_clients: args.search_clients.max(1),
            seconds: args.seconds,
            batch: args.ingest_batch,
        };
        let b = book::book(&bin, &a).await?;
        report_book(&b, args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (guard, addr, tokens) = match (args.addr.clone(), args.tokens.clone()) {
        (Some(addr), Some(tokens)) => (None, addr, tokens),
        _ => {
            let exe = std::env::current_exe()?.with_file_name("sjdj-node");
            let (guard, addr) = start_node(
                args.node_bin.as_deref().unwrap_or(&exe),
                args.store_compression.unwrap_or(false),
            )?;
            let tokens = guard.dir.join("dev-tokens.json");
            (Some(guard), addr, tokens)
        }
    };
    let node = guard.as_ref().map(|g| g.child.id());
    let metrics = guard.as_ref().and_then(|g| g.metrics.clone());
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
    let ctx = bench_ctx(&channels[0], &tokens).await?;
    let ctx = Arc::new(ctx);
    let span = Duration::from_secs(args.seconds);
    if args.ingest_entries > 0 {
        ensure!(
            (1..=1000).contains(&args.ingest_batch),
            "--ingest-batch must be 1..=1000"
        );
        eprintln!(
            "national ingest: building a province log of {} entries, then pushing it",
            args.ingest_entries
        );
        let i = ingest::ingest(
            channels[0].clone(),
            &ctx,
            args.ingest_entries,
            args.ingest_batch,
            node,
        )
        .await?;
        report_ingest(&i, args.json)?;
        drop(guard);
        return Ok(ExitCode::SUCCESS);
    }

    if args.disk_flows > 0 {
        let mut guard = guard;
        let Some(g) = guard.as_mut() else {
            bail!("--disk-flows measures the bench's own node: leave out --addr");
        };
        eprintln!(
            "disk: registering {} applications through the whole flow",
            args.disk_flows
        );
        let d = disk::disk(&channels, &ctx, args.disk_flows, g).await?;
        report_disk(&d, args.json)?;
        drop(guard);
        return Ok(ExitCode::SUCCESS);
    }

    if args.backup_entries > 0 {
        eprintln!(
            "online backup: growing the log to {} entries, then backups under {} writers",
            args.backup_entries, args.clients
        );
        let b = backup::backups(
            &channels,
            &ctx,
            args.backup_entries,
            span,
            node,
            &addr,
            &tokens,
        )
        .await?;
        report_backups(&b, args.json)?;
        drop(guard);
        return Ok(ExitCode::SUCCESS);
    }

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
    // A separate connection watches checkpoints: when is each acknowledged submit covered?
    let (stop, last) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let watcher = tokio::spawn(watch_checkpoints(
        connect(&addr).await?,
        stop.clone(),
        last.clone(),
    ));
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let writer0 = metrics.as_deref().map(writer_profile::scrape).transpose()?;
    let s = on_all(&channels, |i, ch| {
        submit_drafts(ctx.clone(), drafts[i].clone(), ch, deadline)
    })
    .await?;
    let submits = Phase::new("2b durable submits", s, start, cpu0, node, &[SUBMIT]);
    let writer = match (metrics.as_deref(), writer0) {
        (Some(m), Some(w0)) => Some(writer_profile::scrape(m)?.since(&w0)),
        _ => None,
    };
    last.store(
        submits.s.acks.iter().map(|a| a.1).max().unwrap_or(0),
        Ordering::Relaxed,
    );
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.await?;
    let (appends, covered) = coverage(&submits.s.acks, &seen, submits.wall);
    let uncovered = submits.s.acks.len() - covered.len();
    let (n_cov, [cov50, _, cov99, cov_max]) = percentiles(covered);

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
    let (flows, drive, registering) = full_flows(&channels, &ctx, args.flows, node).await?;
    let registered_per_s = registering.map(|d| flows.s.ops as f64 / d.as_secs_f64().max(1e-9));

    eprintln!("phase 5: search and statistics");
    let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
    let s = on_all(&channels, |i, ch| {
        search::search_loop(ctx.clone(), i, ch, deadline)
    })
    .await?;
    let reads = Phase::new(
        "5 search and statistics",
        s,
        start,
        cpu0,
        node,
        &[search::SEARCH, search::STATS],
    );

    let proofs = if args.proof_entries > 0 {
        eprintln!(
            "phase 4: inclusion proofs at {} entries",
            args.proof_entries
        );
        let size = fill_log(&channels, &ctx, args.proof_entries).await?;
        let (start, cpu0, deadline) = (Instant::now(), cpu_now(node), Instant::now() + span);
        let s = on_all(&channels, |i, ch| {
            proof_loop(ctx.clone(), i, ch, size, deadline)
        })
        .await?;
        Some((
            size,
            Phase::new("4 inclusion proofs", s, start, cpu0, node, &[PROOF]),
        ))
    } else {
        None
    };

    let ratio = submits.rate() / echo.rate();
    let p99 = submits.p99(SUBMIT);
    let report = json!({
        "cores": cores, "clients": args.clients, "seconds": args.seconds, "flows_requested": args.flows,
        "node": {"addr": addr, "started_by_bench": guard.is_some()},
        "echo": echo.json(), "creates": creates.json(), "submits": submits.json(), "pairs": pairs.json(), "flows": flows.json(), "flows_drive_s": drive.as_secs_f64(),
        "flows_registration_s": registering.map(|d| d.as_secs_f64()), "flows_registered_per_s": registered_per_s,
        "ratio_submits_to_echo": ratio,
        "raw_store_writes_per_s": raw, "ratio_submits_to_raw_store": submits.rate() / raw,
        "writer_2b": writer.as_ref().map(|w| writer_profile::json(w, submits.wall)),
        "log": {"appends_per_s": appends, "ack_to_checkpoint": {"n": n_cov, "uncovered": uncovered, "p50_ms": cov50, "p99_ms": cov99, "max_ms": cov_max}},
        "registry_reads": reads.json(),
        "proofs": proofs.as_ref().map(|(size, p)| json!({"log_size": size, "phase": p.json()})),
        "target": {"clients": 64, "ratio_min": TARGET_RATIO, "ratio_pass": ratio >= TARGET_RATIO,
                   "submit_p99_max_ms": TARGET_P99_MS, "submit_p99_ms": p99, "submit_p99_pass": p99 < TARGET_P99_MS},
    });
    let mut table = table(
        &args,
        cores,
        &addr,
        [&echo, &creates, &submits, &pairs, &flows],
        (drive, registering, registered_per_s),
        ratio,
        p99,
    );
    table += &format!(
        "raw store (sled alone, submit-shaped writes, {} per flush): {raw:.0} writes/s; durable submits / raw = {:.3}\n",
        args.raw_group,
        submits.rate() / raw
    );
    if let Some(w) = &writer {
        table += &writer_profile::line("phase 2b", w, submits.wall);
    }
    table += &format!(
        "log (phase 2b): {appends:.0} appends/s; ack -> covered by a signed checkpoint: p50 {cov50:.0} ms, p99 {cov99:.0} ms, max {cov_max:.0} ms ({n_cov} acks, {uncovered} not covered within 5 s)\n"
    );
    table += &search::line(&reads, flows.s.ops);
    if let Some((size, p)) = &proofs {
        let (_, n, [p50, _, p99, _]) = p.rows[0];
        table += &format!(
            "inclusion proofs at {size} entries: {:.0} per s ({n} proofs, p50 {p50:.2} ms, p99 {p99:.2} ms, errors {}; node cpu {:.0}%)\n",
            p.rate(),
            p.s.errors,
            p.cpu[0].unwrap_or(f64::NAN)
        );
    }
    if args.json {
        eprint!("{table}");
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{table}");
    }
    drop(guard);
    Ok(
        if creates.s.errors
            + submits.s.errors
            + pairs.s.errors
            + flows.s.errors
            + reads.s.errors
            + proofs.as_ref().map_or(0, |(_, p)| p.s.errors)
            > 0
        {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        },
    )
}
