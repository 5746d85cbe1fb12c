//! The whole country on this machine: a national node and the 31 province nodes with their real
//! GB/T 2260 codes, each its own `sjdj-node` process with its own store and key, delegated in
//! the national trust list and pushing its log as a deployed province does (default intervals).
//! Every province registers `per_province` applications through the whole flow at once; the
//! bench then waits until the national book holds every province's log up to its latest
//! checkpoint, confirmed, and reports how long that took after the last registration, the
//! national ingest rate over the run, and each node's resident memory.
use super::*;

use sjdj::domain::codes::PROVINCES;

pub(super) struct Country {
    pub(super) registered: u64,
    pub(super) errors: u64,
    /// From the first application created to the last province's registrations confirmed.
    pub(super) registering: Duration,
    /// From then until the national book held every province's latest checkpoint.
    pub(super) to_complete: Duration,
    /// Province log entries the national book took, over the run.
    pub(super) entries: u64,
    pub(super) records_in_book: u64,
    pub(super) national_rss: Option<u64>,
    /// Each province node's resident memory, by node id.
    pub(super) province_rss: Vec<(&'static str, Option<u64>)>,
}

impl Country {
    pub(super) fn ingest_rate(&self) -> f64 {
        self.entries as f64 / (self.registering + self.to_complete).as_secs_f64()
    }

    pub(super) fn json(&self) -> Value {
        json!({
            "nodes": 1 + PROVINCES.len(), "registered": self.registered, "errors": self.errors,
            "registering_s": self.registering.as_secs_f64(),
            "to_complete_s": self.to_complete.as_secs_f64(),
            "entries": self.entries, "ingest_per_s": self.ingest_rate(),
            "records_in_book": self.records_in_book, "national_rss_bytes": self.national_rss,
            "province_rss_bytes": self.province_rss.iter().map(|(id, b)| json!({"node": id, "rss_bytes": b})).collect::<Vec<_>>(),
        })
    }
}

/// A node's config file: drill settings (clock control, for the clock moves that end
/// publicity), the store and key in `dir`.
pub(super) fn config(
    dir: &Path,
    id: &str,
    role: &str,
    region: &str,
    store: StoreConf,
    extra: &str,
) -> String {
    let d = dir.display();
    let StoreConf { cache, compression } = store;
    let compression = compression.map_or(String::new(), |c| format!("store_compression = {c}\n"));
    format!(
        "[node]\nid = \"{id}\"\nrole = \"{role}\"\nregion = \"{region}\"\n\
         listen = \"127.0.0.1:0\"\ndata_dir = \"{d}/store\"\nkey_file = \"{d}/node.key\"\n\
         store_cache_bytes = {cache}\n{compression}\n[clock]\ncontrol = true\n\n{extra}"
    )
}

/// A node's store settings: `node.store_cache_bytes`, and `node.store_compression` when given
/// (else the node's default for its role).
#[derive(Clone, Copy)]
pub(super) struct StoreConf {
    pub(super) cache: u64,
    pub(super) compression: Option<bool>,
}

/// Starts a node from the config in `dir`, with its dev tokens written there.
pub(super) fn start(
    bin: &Path,
    dir: &Path,
    toml: &str,
    keep_dir: bool,
) -> anyhow::Result<(node::NodeGuard, String)> {
    let path = dir.join("node.toml");
    std::fs::write(&path, toml).with_context(|| format!("write {}", path.display()))?;
    let args: Vec<std::ffi::OsString> = vec![
        "--config".into(),
        path.into_os_string(),
        "--dev-tokens".into(),
        dir.as_os_str().to_owned(),
    ];
    node::spawn_node(bin, dir.to_path_buf(), &args, keep_dir)
}

/// `store`: each node's store settings.
pub(super) async fn country(
    bin: &Path,
    per_province: usize,
    store: StoreConf,
) -> anyhow::Result<Country> {
    let root = node::temp_dir("country")?;
    let _cleanup = RemoveOnDrop(root.clone());
    let national_dir = root.join("national");
    std::fs::create_dir_all(&national_dir)?;
    let national_key = sjdj::node::keyfile::generate(&national_dir.join("node.key"))
        .map_err(|e| anyhow!("national key: {e}"))?;
    // Every province calls from 127.0.0.1, which the per-address limit of node calls counts as
    // one peer; in the country each has its own address.
    let limits = "[federation]\npeer_rate_per_second = 100000\npeer_burst = 100000\n";
    let toml = config(
        &national_dir,
        "national",
        "national",
        "100000",
        store,
        limits,
    );
    let (national, national_addr) = start(bin, &national_dir, &toml, false)?;
    wait_serving(&national_addr).await?;
    let national_ch = connect(&national_addr).await?;
    let national_tokens = load_tokens(&national_dir.join("dev-tokens.json"))?;
    let admin = national_tokens["admin"].clone();
    let federation = format!(
        "[federation]\nnational_url = \"http://{national_addr}\"\nnational_key = \"{}\"\n",
        hex::encode(national_key.verifying_key().to_bytes())
    );
    let mut provinces = Vec::new();
    for (id, region) in PROVINCES {
        let dir = root.join(id);
        std::fs::create_dir_all(&dir)?;
        let key = sjdj::node::keyfile::generate(&dir.join("node.key"))
            .map_err(|e| anyhow!("{id} key: {e}"))?;
        let mut req = Request::new(pb::DelegateRegionRequest {
            node_id: id.into(),
            region: region.into(),
            public_key: hex::encode(key.verifying_key().to_bytes()),
        });
        req.metadata_mut().insert("authorization", admin.clone());
        pb::admin_service_client::AdminServiceClient::new(national_ch.clone())
            .delegate_region(req)
            .await
            .map_err(|e| anyhow!("delegate {region} to {id}: {}", status_text(&e)))?;
        let (guard, addr) = start(
            bin,
            &dir,
            &config(&dir, id, "province", region, store, &federation),
            false,
        )?;
        provinces.push((id, region, dir, guard, addr));
    }
    eprintln!("country: 32 nodes up; waiting for each province to see its delegation");
    let mut ready = Vec::new();
    for (id, region, dir, guard, addr) in provinces {
        wait_serving(&addr).await?;
        let ch = connect(&addr).await?;
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let list = pb::federation_service_client::FederationServiceClient::new(ch.clone())
                .get_trust_list(pb::GetTrustListRequest {})
                .await
                .map(|r| r.into_inner().nodes);
            if list.is_ok_and(|nodes| nodes.iter().any(|n| n.node_id == id)) {
                break;
            }
            ensure!(
                Instant::now() < until,
                "{id} did not see its delegation in 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut ctx = bench_ctx(&ch, &dir.join("dev-tokens.json")).await?;
        if let Some(s) = ctx.materials.subject.as_mut() {
            // A subject of the province's capital.
            s.region = format!("{}0100", &region[..2]);
        }
        ready.push((id, guard, vec![ch.clone(), ch], Arc::new(ctx)));
    }
    eprintln!("country: registering {per_province} applications in each of 31 provinces");
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for (_, _, channels, ctx) in &ready {
        let (channels, ctx) = (channels.clone(), ctx.clone());
        running.spawn(async move { full_flows(&channels, &ctx, per_province, None).await });
    }
    let (mut registered, mut errors) = (0, 0);
    while let Some(done) = running.join_next().await {
        let (flows, _, _) = done??;
        registered += flows.s.ops;
        errors += flows.s.errors;
    }
    let registering = started.elapsed();
    // Each province's latest checkpoint, now that it has registered: the book is complete
    // once the national node holds and has confirmed each of them.
    let mut sizes = HashMap::new();
    for (id, _, channels, _) in &ready {
        let cp =
            pb::transparency_service_client::TransparencyServiceClient::new(channels[0].clone())
                .get_checkpoint(pb::GetCheckpointRequest {})
                .await
                .map_err(|e| anyhow!("{id} checkpoint: {}", status_text(&e)))?
                .into_inner();
        sizes.insert(id.to_string(), cp.size);
    }
    let until = Instant::now() + Duration::from_secs(600);
    let mut registry = pb::registry_service_client::RegistryServiceClient::new(national_ch.clone());
    let entries = loop {
        let list = registry
            .list_provinces(pb::ListProvincesRequest {})
            .await
            .map_err(|e| anyhow!("ListProvinces: {}", status_text(&e)))?
            .into_inner();
        let held: HashMap<&str, (u64, u64)> = list
            .provinces
            .iter()
            .map(|p| (p.node_id.as_str(), (p.confirmed_size, p.held)))
            .collect();
        let complete = sizes.iter().all(|(id, size)| {
            held.get(id.as_str())
                .is_some_and(|(confirmed, held)| confirmed >= size && held == confirmed)
        });
        if complete {
            break held.values().map(|(_, h)| h).sum::<u64>();
        }
        ensure!(
            Instant::now() < until,
            "the national book was not complete 600 s after the last registration"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let to_complete = started.elapsed() - registering;
    let stats = registry
        .get_statistics(pb::GetStatisticsRequest::default())
        .await
        .map_err(|e| anyhow!("GetStatistics: {}", status_text(&e)))?
        .into_inner();
    Ok(Country {
        registered,
        errors,
        registering,
        to_complete,
        entries,
        records_in_book: stats.records,
        national_rss: disk::rss(national.child.id()),
        province_rss: ready
            .iter()
            .map(|(id, guard, _, _)| (*id, disk::rss(guard.child.id())))
            .collect(),
    })
}

/// Removes the bench's directory of nodes once they are stopped (their guards drop first).
pub(super) struct RemoveOnDrop(pub(super) PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
