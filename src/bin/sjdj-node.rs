//! `sjdj-node`: runs a registration node.
//!
//! - `sjdj-node --config FILE` runs from a TOML config (see README "Config reference").
//! - `sjdj-node --dev --data-dir DIR --listen HOST:PORT` runs a working node with a built-in dev
//!   config, creating its key and writing one token per role to `DIR/dev-tokens.json`.
//! - `sjdj-node admin-token --config FILE --holder NAME` issues an admin token offline (node stopped).
//! - `sjdj-node audit --data-dir DIR` (a `--dev` dir) or `audit --config FILE` checks a stopped
//!   node's store: log entries, tree tiles, the signed checkpoint and the state they record.
//! - `sjdj-node backup --out FILE` takes an online backup of a running node (admin token);
//!   `backup verify FILE` restores it into a temporary directory and audits it;
//!   `restore FILE --data-dir DIR` restores it into a new store.
//! - `sjdj-node recover --config FILE [--from URL]` gets back the entries a stopped node's
//!   store lost from the other tier's copy of its log, checked against its last published
//!   checkpoint.
use anyhow::Context;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use sjdj::engine::EngineError;
use sjdj::node::backup::Identity;
use sjdj::node::{config::Config, dev, keyfile, Node, NodeError};
use sjdj::store::StoreError;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sjdj-node",
    version,
    about = "Registration node for public data resources (公共数据资源登记)"
)]
struct Args {
    /// Production config file (TOML).
    #[arg(long, conflicts_with = "dev")]
    config: Option<PathBuf>,
    /// Run with the built-in dev config (clock control on, tokens in DIR/dev-tokens.json).
    #[arg(long, requires_all = ["data_dir", "listen"])]
    dev: bool,
    /// Data directory for --dev.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Listen address for --dev, e.g. 127.0.0.1:7443 (port 0 picks a free port).
    #[arg(long)]
    listen: Option<String>,
    /// With --dev: also serve Prometheus metrics at http://ADDR/metrics (port 0 picks one; the
    /// address is printed before the listening line).
    #[arg(long, requires = "dev", value_name = "ADDR")]
    metrics_listen: Option<String>,
    /// With --config on a test or drill node (clock.control = true): write one token per role
    /// to DIR/dev-tokens.json, as --dev does. Refused on other nodes.
    #[arg(long, requires = "config", value_name = "DIR")]
    dev_tokens: Option<PathBuf>,
    /// With --config: read the node key from this file instead of the config's node.key_file
    /// (a systemd unit passes its credential, `${CREDENTIALS_DIRECTORY}/node.key`, while the
    /// config names the root-only file the operator's own commands read).
    #[arg(long, requires = "config", value_name = "FILE")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Issue an admin token directly in the store of a stopped node; prints the token once.
    AdminToken {
        #[arg(long)]
        config: PathBuf,
        /// Who holds the token (name or staff number).
        #[arg(long)]
        holder: String,
    },
    /// Check a stopped node's store: rebuild the log's tree from its entries and compare it with
    /// the stored tiles, the latest signed checkpoint and the state. Exits 1 at the first mismatch.
    Audit {
        /// The node's config (production layout).
        #[arg(long, conflicts_with = "data_dir")]
        config: Option<PathBuf>,
        /// A `--dev` data dir (store and key inside it), or a node's directory holding its
        /// `node.toml`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Build a stopped node's search index again from the records in its store (a node also
    /// does so by itself at start when the index is missing or damaged).
    Reindex {
        /// The node's config (production layout).
        #[arg(long, conflicts_with = "data_dir")]
        config: Option<PathBuf>,
        /// A `--dev` data dir (store and key inside it), or a node's directory holding its
        /// `node.toml`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Take an online backup of a running node (needs an admin token): one archive, a
    /// consistent snapshot at one log size, written while the node goes on serving.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        #[command(subcommand)]
        check: Option<BackupCmd>,
        /// The archive to write; it must not exist (written as FILE.partial until whole).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        global: Box<sjdj::cli::Global>,
    },
    /// Restore a backup into a new store (an absent or empty directory), then audit it.
    Restore {
        file: PathBuf,
        /// The store directory to create (the config's node.data_dir).
        #[arg(long, conflicts_with = "config", required_unless_present = "config")]
        data_dir: Option<PathBuf>,
        /// The node's config: restore into its node.data_dir and check with its key.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Check it against this public key (64 hex digits, or a node.key.pub file) instead of
        /// the one the manifest names.
        #[arg(long, conflicts_with = "config")]
        public_key: Option<String>,
    },
    /// A stopped node whose store lost entries it published (restored from an older backup, or
    /// empty: only its key and config left) gets them back from the other tier's copy of its log
    /// (a province from the national node's mirror, the national node from a province's copy of
    /// the national log, `--from URL`), checked against its last published checkpoint; then the
    /// store is audited. Writes nothing and exits 1 if the copy does not rebuild it.
    Recover {
        /// The node's config (production layout).
        #[arg(
            long,
            conflicts_with = "data_dir",
            required_unless_present = "data_dir"
        )]
        config: Option<PathBuf>,
        /// A `--dev` data dir (store and key inside it), or a node's directory holding its
        /// `node.toml`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The node to fetch from (default: the config's federation.national_url).
        #[arg(long, value_name = "URL")]
        from: Option<String>,
    },
}

#[derive(Subcommand)]
enum BackupCmd {
    /// Restore an archive into a temporary directory and audit it; exits 1 if it fails.
    Verify {
        file: PathBuf,
        /// Check it is this node's: its origin and checkpoint key (default: the manifest's key).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Check it against this public key (64 hex digits, or a node.key.pub file), where the
        /// config's key file is not readable here (a systemd credential).
        #[arg(long, conflicts_with = "config")]
        public_key: Option<String>,
    },
}

/// Exit code of a node that refuses its store (damaged, or not the history it published): a
/// supervisor should not restart it in a loop, an operator has to act (`RestartPreventExitStatus`).
/// A store that cannot be opened for another reason (locked, I/O) exits 1 and is retried.
const EXIT_STORE_REFUSED: i32 = 3;

fn main() {
    no_huge_pages();
    if let Err(e) = run() {
        eprintln!("Error: {e:#}");
        let refused = e.chain().any(|c| {
            matches!(
                c.downcast_ref::<NodeError>(),
                Some(
                    NodeError::Store {
                        source: StoreError::Corrupt { .. },
                        ..
                    } | NodeError::Engine(
                        EngineError::Diverged(_) | EngineError::Store(StoreError::Corrupt { .. })
                    )
                )
            )
        });
        std::process::exit(if refused { EXIT_STORE_REFUSED } else { 1 });
    }
}

/// Turns transparent huge pages off for this process. mimalloc asks for them on its arenas, and
/// a 2 MB page is resident as soon as one byte of it is touched: at a million records that was
/// 280 MB of a national node's 330 MB of anonymous memory, against 0 with them off, and lookups
/// were no slower.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this process.
    if unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0 {
        eprintln!(
            "warning: transparent huge pages stay on: {}",
            std::io::Error::last_os_error()
        );
    }
}

fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        match (args.command, args.config, args.dev) {
            (Some(Command::AdminToken { config, holder }), _, _) => {
                admin_token(&config, holder).await
            }
            (Some(Command::Audit { config, data_dir }), _, _) => audit(config, data_dir),
            (Some(Command::Reindex { config, data_dir }), _, _) => reindex(config, data_dir),
            (Some(Command::Backup { check, out, global }), _, _) => match check {
                Some(BackupCmd::Verify {
                    file,
                    config,
                    public_key,
                }) => verify_backup(&file, identity(config, public_key)?),
                None => {
                    let out = out.context("give --out FILE (or `backup verify FILE`)")?;
                    take_backup(&global, &out).await
                }
            },
            (
                Some(Command::Restore {
                    file,
                    data_dir,
                    config,
                    public_key,
                }),
                _,
                _,
            ) => {
                let dir = match (data_dir, &config) {
                    (Some(dir), _) => dir,
                    (None, Some(path)) => Config::load(path)?.validate()?.config.node.data_dir,
                    (None, None) => anyhow::bail!("give --data-dir DIR or --config FILE"),
                };
                restore(&file, &dir, identity(config, public_key)?)
            }
            (
                Some(Command::Recover {
                    config,
                    data_dir,
                    from,
                }),
                _,
                _,
            ) => recover(config, data_dir, from).await,
            (None, Some(path), false) => {
                let v = Config::load(&path)?.validate()?;
                if args.dev_tokens.is_some() && !v.config.clock.control {
                    anyhow::bail!(
                        "--dev-tokens is for test and drill nodes: the config must set clock.control = true"
                    );
                }
                let key_file = args.key_file.as_ref().unwrap_or(&v.config.node.key_file);
                let key = keyfile::load(key_file)?;
                serve(v, key, args.dev_tokens, false).await
            }
            (None, None, true) => {
                let dir = args.data_dir.context("--dev needs --data-dir")?;
                let listen = args.listen.context("--dev needs --listen")?;
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("create {}", dir.display()))?;
                let mut cfg = Config::dev(&dir, &listen);
                cfg.metrics = args
                    .metrics_listen
                    .map(|listen| sjdj::node::config::MetricsSection { listen });
                let v = cfg.validate()?;
                let key_file = &v.config.node.key_file;
                let key = if key_file.exists() {
                    keyfile::load(key_file)?
                } else {
                    keyfile::generate(key_file)?
                };
                serve(v, key, Some(dir), true).await
            }
            _ => anyhow::bail!(
                "give --config FILE, or --dev --data-dir DIR --listen HOST:PORT (see --help)"
            ),
        }
    })
}

async fn serve(
    v: sjdj::node::config::Validated,
    key: ed25519_dalek::SigningKey,
    dev_dir: Option<PathBuf>,
    dev: bool,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(v.listen)
        .await
        .with_context(|| format!("listen on {}", v.listen))?;
    let mut node = Node::open(v, key)?;
    if let Some(dir) = dev_dir {
        dev::ensure_tokens(&node.engine, &dir).await?;
        tracing::info!(tokens = %dir.join("dev-tokens.json").display(), "dev tokens written");
    }
    // Listening for SIGTERM before the line below, which tells scripts the node is up.
    let stop = sjdj::node::shutdown_signal();
    // A dev node names its metrics address (`--metrics-listen`, port 0 picks one) for the bench.
    if let (Some(addr), true) = (node.bind_metrics()?, dev) {
        println!("{}{addr}", sjdj::node::METRICS_AT);
    }
    // Scripts and tests read the bound address from this line (port 0 picks one).
    println!("{}{}", sjdj::node::LISTENING, listener.local_addr()?);
    node.run(listener, stop).await?;
    Ok(())
}

async fn admin_token(path: &std::path::Path, holder: String) -> anyhow::Result<()> {
    use sjdj::domain::types::{Actor, Role};
    use sjdj::engine::commands::CreateToken;
    let v = Config::load(path)?.validate()?;
    let key = keyfile::load(&v.config.node.key_file)?;
    let node = Node::open(v, key)?;
    let bootstrap = Actor {
        id: "bootstrap".into(),
        role: Role::Admin,
        holder: "bootstrap".into(),
        subject: None,
    };
    let op = CreateToken {
        actor: bootstrap,
        request_id: format!("admin-token-{}", std::process::id()),
        role: Role::Admin,
        holder,
        subject: None,
        ttl_days: 0,
    };
    println!("{}", node.engine.execute(op).await?.token);
    Ok(())
}

/// The config of a stopped node named by `--config` or a `--dev` `--data-dir`, and its store.
fn stopped_node(
    config: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    what: &str,
) -> anyhow::Result<(
    sjdj::node::config::Validated,
    sjdj::store::sled_store::SledStore,
)> {
    let v = match (config, data_dir) {
        (Some(path), None) => Config::load(&path)?.validate()?,
        (None, Some(dir)) => {
            anyhow::ensure!(dir.is_dir(), "{} is not a directory", dir.display());
            // A node's directory with its config in it (as `deploy/cluster.sh` lays them
            // out) is that node; otherwise a `--dev` data dir.
            let beside = dir.join("node.toml");
            if beside.is_file() {
                Config::load(&beside)?.validate()?
            } else {
                Config::dev(&dir, "127.0.0.1:0").validate()?
            }
        }
        _ => anyhow::bail!("give --config FILE or --data-dir DIR"),
    };
    let n = &v.config.node;
    anyhow::ensure!(
        n.data_dir.is_dir(),
        "no store at {}: nothing to {what}",
        n.data_dir.display()
    );
    let store = sjdj::node::open_store(&n.data_dir).with_context(|| {
        format!(
            "open the store {} (a running node holds it locked; a damaged one is refused)",
            n.data_dir.display()
        )
    })?;
    Ok((v, store))
}

/// Builds a stopped node's search index again from its records.
fn reindex(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let (v, store) = stopped_node(config, data_dir, "index")?;
    let dir = sjdj::search::default_dir(&v.config.node.data_dir);
    let began = std::time::Instant::now();
    let n = sjdj::engine::reindex(&store, &dir)?;
    println!(
        "search index rebuilt: {n} records in {:.1} s ({})",
        began.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}

fn audit(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let (v, store) = stopped_node(config, data_dir, "audit")?;
    let n = &v.config.node;
    let origin = sjdj::log::checkpoint::origin(&v.region.to_string(), &n.id);
    // The log the store holds names its node: a store of another node than the one configured
    // (a `--data-dir` that is not a `--dev` one) is named, not audited as if it were damaged.
    let stored = sjdj::store::Store::get(&store, &sjdj::store::keys::meta("checkpoint"))?;
    if let Some(theirs) = stored
        .as_deref()
        .and_then(sjdj::log::checkpoint::note_origin)
    {
        anyhow::ensure!(
            theirs == origin,
            "{} holds the log {theirs}, not {origin}: audit it with --config and that node's \
             config file",
            n.data_dir.display()
        );
    }
    let key = keyfile::load(&n.key_file)?.verifying_key();
    let kept_file = n.kept_checkpoint();
    match sjdj::engine::audit::audit(&store, &key, &origin) {
        Ok(r) => {
            // The store must extend what the node published, as the node checks at start.
            let kept = match sjdj::engine::audit::kept(&store, &key, &origin, &kept_file) {
                Ok(kept) => kept,
                Err(e) => {
                    println!("AUDIT FAILED: {e}");
                    std::process::exit(1);
                }
            };
            println!(
                "audit ok: {} entries, {} tiles, {} applications, {} certificates; checkpoint {}{}",
                r.entries,
                r.tiles,
                r.applications,
                r.certificates,
                match r.checkpoint {
                    Some((size, time)) => format!("of {size} entries at {time} matches"),
                    None => "none yet".into(),
                },
                r.mirrors
                    .iter()
                    .map(|m| format!("; mirror of {}: {} entries match", m.node_id, m.entries))
                    .collect::<String>()
            );
            match kept {
                Some(size) => println!(
                    "kept checkpoint of {size} entries ({}) matches the store",
                    kept_file.display()
                ),
                None => println!("no kept checkpoint at {}", kept_file.display()),
            }
            Ok(())
        }
        Err(m) => {
            println!("AUDIT FAILED: {m}");
            std::process::exit(1);
        }
    }
}

async fn recover(
    config: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    from: Option<String>,
) -> anyhow::Result<()> {
    let v = match (config, data_dir) {
        (Some(path), _) => Config::load(&path)?.validate()?,
        (None, Some(dir)) => Config::dev(&dir, "127.0.0.1:0").validate()?,
        (None, None) => anyhow::bail!("give --config FILE or --data-dir DIR"),
    };
    let key = keyfile::load(&v.config.node.key_file)?;
    let o = sjdj::node::recover::recover(v, key, from).await?;
    let r = &o.recovered;
    println!(
        "recovered log entries {} to {} from {}: {} applications, {} registry records, {} \
         certificates; audit ok: {} entries ({} recovered without openings), {} applications, \
         {} certificates",
        r.from,
        r.to.saturating_sub(1),
        o.source,
        r.applications,
        r.records,
        r.certificates,
        o.audit.entries,
        o.audit.recovered,
        o.audit.applications,
        o.audit.certificates
    );
    Ok(())
}

async fn take_backup(global: &sjdj::cli::Global, out: &std::path::Path) -> anyhow::Result<()> {
    let t = sjdj::cli::backup::take(global, out).await?;
    let m = &t.manifest;
    if global.json {
        let summary = serde_json::json!({
            "file": t.file,
            "node_id": m.source.node_id,
            "log_size": m.source.log_size,
            "records": m.records,
            "bytes": t.file_bytes,
            "seconds": t.seconds,
            "mb_per_second": t.mb_per_second(),
            "records_per_second": t.records_per_second(),
        });
        println!("{summary}");
    } else {
        println!(
            "backup of {} at {} log entries: {} store entries, {:.1} MB in {:.2} s \
             ({:.1} MB/s, {:.0} entries/s) -> {}",
            m.source.node_id,
            m.source.log_size,
            m.records,
            t.file_bytes as f64 / 1e6,
            t.seconds,
            t.mb_per_second(),
            t.records_per_second(),
            t.file.display()
        );
    }
    Ok(())
}

/// Whose backup it must be: the node of a config (its key and origin), or a public key alone.
fn identity(
    config: Option<PathBuf>,
    public_key: Option<String>,
) -> anyhow::Result<Option<Identity>> {
    Ok(match (config, public_key) {
        (Some(path), _) => {
            let v = Config::load(&path)?.validate()?;
            let key = keyfile::load(&v.config.node.key_file)?.verifying_key();
            let origin = sjdj::log::checkpoint::origin(&v.region.to_string(), &v.config.node.id);
            Some(Identity {
                key,
                origin: Some(origin),
            })
        }
        (None, Some(k)) => Some(Identity {
            key: keyfile::parse_public(&k).map_err(anyhow::Error::msg)?,
            origin: None,
        }),
        (None, None) => None,
    })
}

fn print_restored(r: &sjdj::node::backup::Restored, what: &str) {
    use sjdj::node::backup::KeyUsed;
    let m = &r.manifest.source;
    println!(
        "{what}: {} at {} log entries, {} store entries; audit ok: {} applications, {} certificates, \
         checkpoint of {} entries signed by {}",
        m.node_id,
        m.log_size,
        r.manifest.records,
        r.audit.applications,
        r.audit.certificates,
        r.audit.checkpoint.map_or(0, |(size, _)| size),
        match r.key {
            KeyUsed::Node => "the node's key",
            KeyUsed::Manifest =>
                "the key the manifest names (give --config or --public-key to check it is the node's)",
        }
    );
}

fn verify_backup(file: &std::path::Path, node: Option<Identity>) -> anyhow::Result<()> {
    match sjdj::node::backup::verify(file, node.as_ref()) {
        Ok(r) => {
            print_restored(&r, "backup ok");
            Ok(())
        }
        Err(e) => {
            println!("BACKUP FAILED: {e}");
            std::process::exit(1);
        }
    }
}

fn restore(
    file: &std::path::Path,
    dir: &std::path::Path,
    node: Option<Identity>,
) -> anyhow::Result<()> {
    sjdj::store::files::private_umask();
    let r = sjdj::node::backup::restore(file, dir, node.as_ref())?;
    print_restored(&r, &format!("restored into {}", dir.display()));
    Ok(())
}
