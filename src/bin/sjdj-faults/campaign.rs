//! The fault campaign: a national node and a province, real processes on loopback, under a
//! load of whole flows, clock moves (the sweep mints codes), online backups and the province's
//! sync; at a random moment of each round one of them is killed with SIGKILL. After every kill
//! the dead node's store passes `sjdj-node audit`, a backup either verifies or was never
//! renamed into place, and once the node is back every write acknowledged before the kill is
//! there and its checkpoint is consistent with the last one a reader saw. At the end no code
//! was minted twice and the national book holds every one.
//!
//! Shared by `sjdj-faults` (long runs) and `tests/faults.rs` (a short one in `cargo test`).
use super::procs::{run, Proc};
use anyhow::{anyhow, bail, ensure, Context};
use sjdj::grpc::{pb, CarriedAnswer};
use sjdj::log::{tree, Hash};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type RegClient =
    pb::registration_service_client::RegistrationServiceClient<tonic::transport::Channel>;
type ReviewClient = pb::review_service_client::ReviewServiceClient<tonic::transport::Channel>;

pub struct Options {
    pub rounds: usize,
    pub seed: u64,
    pub node_bin: PathBuf,
    /// Concurrent clients driving flows on the province.
    pub writers: usize,
    /// Longest time a round runs before its kill, in milliseconds.
    pub max_round_ms: u64,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub rounds: usize,
    /// Kills by node.
    pub kills: BTreeMap<String, usize>,
    /// Kills by what was going on: `flow`, `sweep` (a clock move in flight), `backup`, `sync`
    /// (the national node killed while the province pushes).
    pub during: BTreeMap<String, usize>,
    /// Writes acknowledged, every one found again after the kill.
    pub acknowledged: usize,
    /// Audits of a killed node's store, all passing.
    pub audits: usize,
    /// Checkpoints after a restart checked consistent with the last one seen before the kill.
    pub checkpoints: usize,
    pub backups_whole: usize,
    pub backups_cut: usize,
    /// Codes minted in all, each once, each in the national book.
    pub codes: usize,
    pub seconds: f64,
}

/// xorshift64*: reproducible from `--seed`, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A temporary directory removed when the campaign ends, however it ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run_campaign(o: &Options) -> anyhow::Result<Report> {
    let began = Instant::now();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let root =
        TempDir(std::env::temp_dir().join(format!("sjdj-faults-{}-{nanos}", std::process::id())));
    let (mut national, mut province) = start(&o.node_bin, &root.0).await?;
    let mut rng = Rng(o.seed.max(1));
    let mut report = Report::default();
    let materials = materials(&province).await?;
    let mut seen: HashMap<&'static str, pb::GetCheckpointResponse> = HashMap::new();
    let province_dir = province.dir.clone();
    for round in 0..o.rounds {
        let kill_national = rng.below(4) == 0;
        let with_backup = !kill_national && rng.below(3) == 0;
        // A backup of this store takes from a fraction of a second to a few: its rounds may
        // end from its first moment on, so the kill cuts some and others complete.
        let wait = if with_backup {
            Duration::from_millis(20 + rng.below(o.max_round_ms.max(1)))
        } else {
            Duration::from_millis(150 + rng.below(o.max_round_ms.max(151) - 150))
        };
        let load = Load::start(
            &o.node_bin,
            &province,
            &materials,
            o.writers,
            round,
            with_backup,
        )?;
        tokio::time::sleep(wait).await;
        let target = if kill_national {
            &mut national
        } else {
            &mut province
        };
        // The last checkpoint any reader was shown before the kill.
        if let Ok(c) = target.checkpoint().await {
            seen.insert(target.name, c);
        }
        let during = if kill_national {
            "sync"
        } else if load.backing_up.load(Ordering::SeqCst) {
            "backup"
        } else if load.advancing.load(Ordering::SeqCst) {
            "sweep"
        } else {
            "flow"
        };
        target.kill9();
        *report.kills.entry(target.name.to_string()).or_default() += 1;
        *report.during.entry(during.to_string()).or_default() += 1;
        let acked = load.stop().await;
        target
            .audit()
            .with_context(|| format!("round {round}, killed during {during}"))?;
        report.audits += 1;
        if with_backup {
            match backup_outcome(&o.node_bin, &province_dir, round)? {
                true => report.backups_whole += 1,
                false => report.backups_cut += 1,
            }
        }
        target.restart().await?;
        if let Some(before) = seen.get(target.name) {
            consistent(target, before).await?;
            report.checkpoints += 1;
        }
        report.acknowledged += found_again(&province, &acked).await?;
        report.rounds += 1;
    }
    report.codes = codes_once_in_the_book(&national, &province).await?;
    province.stop().await?;
    national.stop().await?;
    province.audit()?;
    national.audit()?;
    report.audits += 2;
    report.seconds = began.elapsed().as_secs_f64();
    Ok(report)
}

/// The national node (dev) and a province delegated 350000 that pushes to it: checkpoints,
/// pushes and the sweep every 100 ms.
async fn start(bin: &Path, root: &Path) -> anyhow::Result<(Proc, Proc)> {
    let nd = root.join("national");
    std::fs::create_dir_all(&nd)?;
    let n = nd.display().to_string();
    let national = Proc::start(
        "national",
        bin,
        nd.clone(),
        ["--dev", "--data-dir", &n, "--listen", "127.0.0.1:0"]
            .map(String::from)
            .to_vec(),
        ["audit", "--data-dir", &n].map(String::from).to_vec(),
    )
    .await?;
    let pd = root.join("province");
    std::fs::create_dir_all(&pd)?;
    let key = sjdj::node::keyfile::generate(&pd.join("node.key"))?;
    let mut admin = pb::admin_service_client::AdminServiceClient::new(national.channel().await?);
    admin
        .delegate_region(national.req(
            "admin",
            pb::DelegateRegionRequest {
                node_id: "fj".into(),
                region: "350000".into(),
                public_key: hex::encode(key.verifying_key().to_bytes()),
            },
        ))
        .await?;
    let d = pd.display().to_string();
    let national_key = std::fs::read_to_string(nd.join("node.key.pub"))?;
    let toml = format!(
        "[node]\nid = \"fj\"\nrole = \"province\"\nregion = \"350000\"\nlisten = \"127.0.0.1:0\"\n\
         data_dir = \"{d}/store\"\nkey_file = \"{d}/node.key\"\n\
         [clock]\ncontrol = true\nsweep_interval_ms = 100\n[log]\ncheckpoint_interval_ms = 100\n\
         [federation]\nnational_url = \"{}\"\nnational_key = \"{}\"\npush_interval_ms = 100\n",
        national.url(),
        national_key.trim()
    );
    let config = pd.join("node.toml");
    std::fs::write(&config, toml)?;
    let c = config.display().to_string();
    let province = Proc::start(
        "province",
        bin,
        pd,
        vec!["--config".into(), c.clone(), "--dev-tokens".into(), d],
        vec!["audit".into(), "--config".into(), c],
    )
    .await?;
    // It comes back on the port it took: the national node is told its address nowhere, but
    // readers and the campaign keep their channels.
    let text = std::fs::read_to_string(&config)?.replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"{}\"", province.addr),
    );
    std::fs::write(&config, text)?;
    // The province mints only once its delegation reached it through the national log.
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let mut fed =
            pb::federation_service_client::FederationServiceClient::new(province.channel().await?);
        let list = fed.get_trust_list(pb::GetTrustListRequest {}).await?;
        if list.get_ref().nodes.iter().any(|n| n.node_id == "fj") {
            break;
        }
        ensure!(
            Instant::now() < until,
            "the province never saw its delegation"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((national, province))
}

/// The example materials with an uploaded undertaking.
async fn materials(p: &Proc) -> anyhow::Result<pb::Materials> {
    let mut m: pb::Materials = sjdj::grpc::json::from_json(
        "sjdj.v1.Materials",
        include_str!("../../../config/examples/materials.json"),
    )
    .map_err(|e| anyhow!("example materials: {e}"))?;
    let mut reg = RegClient::new(p.channel().await?);
    let upload = pb::UploadAttachmentRequest {
        kind: pb::AttachmentKind::RegistrationUndertaking as i32,
        file_name: "承诺书.txt".into(),
        content: "本单位承诺所登记数据合法合规。".as_bytes().to_vec(),
    };
    m.attachments.push(
        reg.upload_attachment(p.req("registrant", upload))
            .await
            .carried()?,
    );
    Ok(m)
}

/// One round's load on the province: writers driving flows, the clock moving, maybe a backup.
struct Load {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    /// Each application's highest revision acknowledged.
    acked: Arc<Mutex<HashMap<String, u64>>>,
    advancing: Arc<AtomicBool>,
    backing_up: Arc<AtomicBool>,
}

impl Load {
    fn start(
        bin: &Path,
        p: &Proc,
        materials: &pb::Materials,
        writers: usize,
        round: usize,
        with_backup: bool,
    ) -> anyhow::Result<Load> {
        let load = Load {
            tasks: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            acked: Default::default(),
            advancing: Default::default(),
            backing_up: Default::default(),
        };
        let mut tasks = Vec::new();
        let requests = Arc::new(AtomicU64::new(0));
        for _ in 0..writers {
            let ch = tonic::transport::Channel::from_shared(p.url())?.connect_lazy();
            let (reg, review) = (RegClient::new(ch.clone()), ReviewClient::new(ch));
            let tokens = Tokens::of(p);
            let (m, stop, acked, requests) = (
                materials.clone(),
                load.stop.clone(),
                load.acked.clone(),
                requests.clone(),
            );
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let rid = format!("r{round}-{}", requests.fetch_add(1, Ordering::SeqCst));
                    if flow(reg.clone(), review.clone(), &tokens, &m, &rid, &acked)
                        .await
                        .is_err()
                    {
                        // The node is gone: nothing after this is acknowledged.
                        return;
                    }
                }
            }));
        }
        let ch = tonic::transport::Channel::from_shared(p.url())?.connect_lazy();
        let mut admin = pb::admin_service_client::AdminServiceClient::new(ch);
        let tokens = Tokens::of(p);
        let (stop, advancing) = (load.stop.clone(), load.advancing.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                advancing.store(true, Ordering::SeqCst);
                let req = tokens.req(
                    "admin",
                    pb::AdvanceClockRequest {
                        seconds: 5 * 86_400,
                    },
                );
                let r = admin.advance_clock(req).await;
                advancing.store(false, Ordering::SeqCst);
                if r.is_err() {
                    return;
                }
            }
        }));
        if with_backup {
            let args = vec![
                "backup".to_string(),
                "--addr".into(),
                p.url(),
                "--as".into(),
                "admin".into(),
                "--tokens".into(),
                p.token_file().display().to_string(),
                "--out".into(),
                backup_file(&p.dir, round).display().to_string(),
            ];
            let bin = bin.to_path_buf();
            let backing_up = load.backing_up.clone();
            backing_up.store(true, Ordering::SeqCst);
            tasks.push(tokio::task::spawn_blocking(move || {
                let _ = run(&bin, &args);
                backing_up.store(false, Ordering::SeqCst);
            }));
        }
        Ok(Load { tasks, ..load })
    }

    /// Stops the load (the killed node's calls fail) and returns what was acknowledged.
    async fn stop(self) -> HashMap<String, u64> {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(60), t).await;
        }
        std::mem::take(&mut self.acked.lock().expect("acked"))
    }
}

/// The tokens of a node, cheap to clone into tasks.
#[derive(Clone)]
struct Tokens(HashMap<String, tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Tokens {
    fn of(p: &Proc) -> Tokens {
        Tokens(p.tokens())
    }

    fn req<T>(&self, role: &str, msg: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(msg);
        r.metadata_mut()
            .insert("authorization", self.0[role].clone());
        r
    }
}

/// One application driven to publicity: create, submit, accept, pass review, each reply kept
/// as acknowledged.
async fn flow(
    mut reg: RegClient,
    mut review: ReviewClient,
    t: &Tokens,
    m: &pb::Materials,
    rid: &str,
    acked: &Mutex<HashMap<String, u64>>,
) -> Result<(), tonic::Status> {
    let ack = |a: &pb::Application| {
        let mut acked = acked.lock().expect("acked");
        let r = acked.entry(a.id.clone()).or_default();
        *r = (*r).max(a.revision);
    };
    let create = pb::CreateApplicationRequest {
        request_id: format!("{rid}-c"),
        registration_type: pb::RegistrationType::Initial as i32,
        materials: Some(m.clone()),
        target_code: String::new(),
    };
    let app = reg
        .create_application(t.req("registrant", create))
        .await
        .carried()?;
    ack(&app);
    let submit = pb::SubmitApplicationRequest {
        request_id: format!("{rid}-s"),
        application_id: app.id.clone(),
        publicity_text_sha256: app.publicity_text_sha256.clone(),
    };
    ack(&reg
        .submit_application(t.req("registrant", submit))
        .await
        .carried()?);
    let accept = pb::AcceptApplicationRequest {
        request_id: format!("{rid}-a"),
        application_id: app.id.clone(),
        reason: String::new(),
    };
    ack(&review
        .accept_application(t.req("clerk", accept))
        .await
        .carried()?);
    let pass = pb::PassReviewRequest {
        request_id: format!("{rid}-p"),
        application_id: app.id.clone(),
        reason: String::new(),
    };
    ack(&review
        .pass_review(t.req("reviewer", pass))
        .await
        .carried()?);
    Ok(())
}

fn backup_file(dir: &Path, round: usize) -> PathBuf {
    dir.join(format!("backup-{round}.tar"))
}

/// A backup cut by the kill was never renamed into place; one that completed verifies.
/// Returns whether it completed; removes what it left.
fn backup_outcome(bin: &Path, dir: &Path, round: usize) -> anyhow::Result<bool> {
    let file = backup_file(dir, round);
    let partial = file.with_extension("tar.partial");
    let whole = file.exists();
    if whole {
        let key = dir.join("node.key.pub").display().to_string();
        let args = [
            "backup".to_string(),
            "verify".into(),
            file.display().to_string(),
            "--public-key".into(),
            key,
        ];
        let (ok, out) = run(bin, &args)?;
        ensure!(
            ok,
            "round {round}: a completed backup fails to verify: {out}"
        );
        std::fs::remove_file(&file)?;
    }
    let _ = std::fs::remove_file(partial);
    Ok(whole)
}

/// The node's checkpoint now extends the one a reader saw before the kill.
async fn consistent(p: &Proc, before: &pb::GetCheckpointResponse) -> anyhow::Result<()> {
    let now = p.checkpoint().await?;
    ensure!(
        now.size >= before.size,
        "{}: checkpoint of {} after the restart, {} before it",
        p.name,
        now.size,
        before.size
    );
    let root = |c: &pb::GetCheckpointResponse| -> anyhow::Result<Hash> {
        Ok(Hash(
            c.root_hash
                .clone()
                .try_into()
                .map_err(|_| anyhow!("a root is 32 bytes"))?,
        ))
    };
    let proof = if before.size == 0 || now.size == before.size {
        Vec::new()
    } else {
        let mut t =
            pb::transparency_service_client::TransparencyServiceClient::new(p.channel().await?);
        let req = pb::GetConsistencyProofRequest {
            first: before.size,
            second: now.size,
        };
        t.get_consistency_proof(req)
            .await?
            .into_inner()
            .hashes
            .into_iter()
            .map(|h| h.try_into().map(Hash))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| anyhow!("a proof hash is 32 bytes"))?
    };
    if before.size > 0 {
        tree::verify_consistency(&proof, now.size, root(&now)?, before.size, root(before)?)
            .map_err(|e| {
                anyhow!(
                    "{}: the checkpoint of {} is not consistent with the {} seen before the kill: {e}",
                    p.name,
                    now.size,
                    before.size
                )
            })?;
    }
    Ok(())
}

/// Every acknowledged write is there: each application at least at the revision acknowledged.
async fn found_again(p: &Proc, acked: &HashMap<String, u64>) -> anyhow::Result<usize> {
    let mut reg = RegClient::new(p.channel().await?);
    for (id, revision) in acked {
        let req = pb::GetApplicationRequest {
            application_id: id.clone(),
        };
        let app = reg
            .get_application(p.req("registrant", req))
            .await
            .carried()
            .map_err(|s| anyhow!("acknowledged application {id} lost: {}", s.message()))?;
        ensure!(
            app.revision >= *revision,
            "application {id} acknowledged at revision {revision} came back at {}",
            app.revision
        );
    }
    Ok(acked.len())
}

/// Every code the province minted is unique and, once the national node caught up, in the
/// national book.
async fn codes_once_in_the_book(national: &Proc, province: &Proc) -> anyhow::Result<usize> {
    let mut reg = RegClient::new(province.channel().await?);
    let mut codes = HashSet::new();
    let mut token = String::new();
    loop {
        let req = pb::ListApplicationsRequest {
            state: 0,
            page_size: 100,
            page_token: token.clone(),
        };
        let page = reg
            .list_applications(province.req("registrant", req))
            .await?
            .into_inner();
        for a in page.applications.iter().filter(|a| !a.code.is_empty()) {
            if !codes.insert(a.code.clone()) {
                bail!("code {} minted twice", a.code);
            }
        }
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let size = province.checkpoint().await?.size;
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let mut fed =
            pb::federation_service_client::FederationServiceClient::new(national.channel().await?);
        let s = fed
            .get_sync_state(pb::GetSyncStateRequest {
                node_id: "fj".into(),
            })
            .await?
            .into_inner();
        ensure!(!s.frozen, "the national node froze the province's feed");
        if s.held >= size && s.accepted_size >= size {
            break;
        }
        ensure!(
            Instant::now() < until,
            "the national node holds {} of the province's {size} entries after 120 s",
            s.held
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut book =
        pb::registry_service_client::RegistryServiceClient::new(national.channel().await?);
    for c in &codes {
        loop {
            let req = national.req("auditor", pb::GetRecordRequest { code: c.clone() });
            match book.get_record(req).await {
                Ok(_) => break,
                // A reader is held to its token's rate: wait for the bucket.
                Err(s) if s.code() == tonic::Code::ResourceExhausted => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(s) => bail!("{c} is not in the national book: {}", s.message()),
            }
        }
    }
    Ok(codes.len())
}
