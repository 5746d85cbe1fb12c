//! The phases: raw store, echo baseline, durable writes, full flows.
use super::*;

// ---- Phase 0: the store's own limit. The node's store engine alone, in this process, taking
// ---- writes shaped like a submit (the ~2 KB application state, its ~750-byte log entry, its
// ---- subject's event record, the request-id record, a state index moved, the log counter) in
// ---- atomic batches of 8 with one flush each, as the node's group commit does. No
// ---- rules, no JSON, no gRPC: the ceiling for durable writes on this disk and these cores.

pub(super) fn raw_store_rate(span: Duration, group: usize) -> anyhow::Result<f64> {
    use sjdj::store::{sled_store::SledStore, Batch, Store};
    let dir = std::env::temp_dir().join(format!("sjdj-bench-raw-{}", std::process::id()));
    let store = SledStore::open(&dir).map_err(|e| anyhow!("open raw store: {e}"))?;
    let state = vec![b'x'; 2 * 1024];
    let (start, mut writes) = (Instant::now(), 0u64);
    while start.elapsed() < span {
        let mut batch = Batch::default();
        for _ in 0..group {
            writes += 1;
            let id = format!("{writes:012}");
            batch.put(format!("app/{id}"), state.clone());
            batch.put(format!("ev/{id}"), vec![b'e'; 750]);
            batch.put(format!("sev/bench/{id}"), vec![b's'; 220]);
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

pub(super) async fn echo_loop(ch: Channel, deadline: Instant) -> Samples {
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

pub(super) async fn create_loop(
    ctx: Arc<Ctx>,
    i: usize,
    ch: Channel,
    deadline: Instant,
) -> Samples {
    let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
    for n in 0.. {
        if Instant::now() >= deadline {
            break;
        }
        let t = Instant::now();
        let create = ctx.create(format!("{}-d{i}-{n}", ctx.run));
        match reg.create_application(create).await.carried() {
            Ok(app) => {
                s.time(CREATE, t);
                s.ops += 1;
                s.ids
                    .push(format!("{} {}", app.id, app.publicity_text_sha256));
            }
            Err(e) => s.fail(CREATE, status_text(&e)),
        }
    }
    s
}

/// Submits the given drafts (each `id sha256`), stopping at the deadline.
pub(super) async fn submit_drafts(
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
        match reg
            .submit_application(ctx.req("registrant", submit))
            .await
            .carried()
        {
            Ok(app) => {
                s.time(SUBMIT, t);
                s.ops += 1;
                if let Some(d) = app.decisions.last() {
                    s.acks.push((Instant::now(), d.log_index));
                }
            }
            Err(e) => s.fail(SUBMIT, status_text(&e)),
        }
    }
    s
}

pub(super) async fn submit_loop(
    ctx: Arc<Ctx>,
    i: usize,
    ch: Channel,
    deadline: Instant,
) -> Samples {
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

pub(super) async fn flow_loop(
    ctx: Arc<Ctx>,
    next: Arc<AtomicUsize>,
    flows: usize,
    ch: Channel,
) -> Samples {
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
pub(super) async fn one_flow(
    ctx: &Ctx,
    reg: &mut RegClient<Channel>,
    rev: &mut ReviewServiceClient<Channel>,
    rid: &str,
    s: &mut Samples,
) -> Result<String, Failed> {
    let id = create_submit(reg, ctx, rid, s).await?;
    let reason = "bench: materials complete".to_string();
    let accept = pb::AcceptApplicationRequest {
        request_id: format!("{rid}-a"),
        application_id: id.clone(),
        reason: reason.clone(),
    };
    let t = Instant::now();
    rev.accept_application(ctx.req("clerk", accept))
        .await
        .map_err(|e| (ACCEPT, e))?;
    s.time(ACCEPT, t);
    let pass = pb::PassReviewRequest {
        request_id: format!("{rid}-r"),
        application_id: id.clone(),
        reason,
    };
    let t = Instant::now();
    rev.pass_review(ctx.req("reviewer", pass))
        .await
        .map_err(|e| (REVIEW, e))?;
    s.time(REVIEW, t);
    Ok(id)
}

/// Waits until each id with index ≡ i (mod step) is registered with a code (the sweep registers
/// them after the clock move, in batches) or `deadline` passes; notes when the last one was seen.
pub(super) async fn verify_loop(
    ctx: Arc<Ctx>,
    ids: Arc<Vec<String>>,
    i: usize,
    step: usize,
    ch: Channel,
    deadline: Instant,
) -> Samples {
    let (mut reg, mut s) = (RegClient::new(ch), Samples::default());
    for id in ids.iter().skip(i).step_by(step) {
        loop {
            let t = Instant::now();
            let get = pb::GetApplicationRequest {
                application_id: id.clone(),
            };
            let app = match reg
                .get_application(ctx.req("registrant", get))
                .await
                .carried()
            {
                Ok(app) => app,
                Err(e) => {
                    s.fail(VERIFY, status_text(&e));
                    break;
                }
            };
            s.time(VERIFY, t);
            if app.state == pb::ApplicationState::Registered as i32 && !app.code.is_empty() {
                s.ops += 1;
                s.last = Some(Instant::now());
                break;
            }
            let publicity = app.state == pb::ApplicationState::InPublicity as i32;
            if !publicity || Instant::now() > deadline {
                let state =
                    pb::ApplicationState::try_from(app.state).map_or("?", |st| st.as_str_name());
                s.fail(
                    VERIFY,
                    format!(
                        "{id} is {state} with code {:?} after the clock move",
                        app.code
                    ),
                );
                break;
            }
            // Not swept yet: look again shortly (the sweep registers in batches, in id order).
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    s
}

/// Drives `flows` applications to publicity with every client, moves the clock once, and
/// waits until each is registered. Returns the phase, the time spent driving the flows, and the
/// time from the clock move to the last registration seen.
pub(super) async fn full_flows(
    channels: &[Channel],
    ctx: &Arc<Ctx>,
    flows: usize,
    node: Option<u32>,
) -> anyhow::Result<(Phase, Duration, Option<Duration>)> {
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
    let deadline = t + SWEEP_WAIT;
    let verified = on_all(channels, |i, ch| {
        verify_loop(ctx.clone(), ids.clone(), i, n, ch, deadline)
    })
    .await?;
    let registering = verified.last.map(|last| last - t);
    s.merge(verified);
    let calls = [CREATE, SUBMIT, ACCEPT, REVIEW, FLOW, CLOCK, VERIFY];
    Ok((
        Phase::new("3 full flows (registered)", s, start, cpu0, node, &calls),
        drive,
        registering,
    ))
}
