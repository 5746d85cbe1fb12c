//! `sjdj-node`: runs a registration node.
//!
//! - `sjdj-node --config FILE` runs from a TOML config (see README "Config reference").
//! - `sjdj-node --dev --data-dir DIR --listen HOST:PORT` runs a working node with a built-in dev
//!   config, creating its key and writing one token per role to `DIR/dev-tokens.json`.
//! - `sjdj-node admin-token --config FILE --holder NAME` issues an admin token offline (node stopped).
//! - `sjdj-node audit --data-dir DIR` (a `--dev` dir) or `audit --config FILE` checks a stopped
//!   node's store: log entries, tree tiles, the signed checkpoint and the state they record.
use anyhow::Context;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use sjdj::engine::EngineError;
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
    /// With --config on a test or drill node (clock.control = true): write one token per role
    /// to DIR/dev-tokens.json, as --dev does. Refused on other nodes.
    #[arg(long, requires = "config", value_name = "DIR")]
    dev_tokens: Option<PathBuf>,
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
        /// A `--dev` data dir (store, key and config inside it).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// Exit code of a node that refuses its store (damaged, or not the history it published): a
/// supervisor should not restart it in a loop, an operator has to act (`RestartPreventExitStatus`).
/// A store that cannot be opened for another reason (locked, I/O) exits 1 and is retried.
const EXIT_STORE_REFUSED: i32 = 3;

fn main() {
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
            (None, Some(path), false) => {
                let v = Config::load(&path)?.validate()?;
                if args.dev_tokens.is_some() && !v.config.clock.control {
                    anyhow::bail!(
                        "--dev-tokens is for test and drill nodes: the config must set clock.control = true"
                    );
                }
                let key = keyfile::load(&v.config.node.key_file)?;
                serve(v, key, args.dev_tokens).await
            }
            (None, None, true) => {
                let dir = args.data_dir.context("--dev needs --data-dir")?;
                let listen = args.listen.context("--dev needs --listen")?;
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("create {}", dir.display()))?;
                let v = Config::dev(&dir, &listen).validate()?;
                let key_file = &v.config.node.key_file;
                let key = if key_file.exists() {
                    keyfile::load(key_file)?
                } else {
                    keyfile::generate(key_file)?
                };
                serve(v, key, Some(dir)).await
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
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(v.listen)
        .await
        .with_context(|| format!("listen on {}", v.listen))?;
    let node = Node::open(v, key)?;
    if let Some(dir) = dev_dir {
        dev::ensure_tokens(&node.engine, &dir).await?;
        tracing::info!(tokens = %dir.join("dev-tokens.json").display(), "dev tokens written");
    }
    // Scripts and tests read the bound address from this line (port 0 picks one).
    println!("listening on {}", listener.local_addr()?);
    node.run(listener, sjdj::node::shutdown_signal()).await?;
    Ok(())
}

async fn admin_token(path: &std::path::Path, holder: String) -> anyhow::Result<()> {
    use sjdj::domain::types::{Actor, Role};
    use sjdj::engine::{Op, Reply};
    let v = Config::load(path)?.validate()?;
    let key = keyfile::load(&v.config.node.key_file)?;
    let node = Node::open(v, key)?;
    let bootstrap = Actor {
        id: "bootstrap".into(),
        role: Role::Admin,
        holder: "bootstrap".into(),
        subject: None,
    };
    let op = Op::CreateToken {
        actor: bootstrap,
        request_id: format!("admin-token-{}", std::process::id()),
        role: Role::Admin,
        holder,
        subject: None,
        ttl_days: 0,
    };
    match node.engine.execute(op).await? {
        Reply::Token(t) => println!("{}", t.token),
        other => anyhow::bail!("unexpected reply {other:?}"),
    }
    Ok(())
}

fn audit(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let v = match (config, data_dir) {
        (Some(path), None) => Config::load(&path)?.validate()?,
        (None, Some(dir)) => {
            anyhow::ensure!(dir.is_dir(), "{} is not a directory", dir.display());
            Config::dev(&dir, "127.0.0.1:0").validate()?
        }
        _ => anyhow::bail!("give --config FILE or --data-dir DIR"),
    };
    let n = &v.config.node;
    anyhow::ensure!(
        n.data_dir.is_dir(),
        "no store at {}: nothing to audit",
        n.data_dir.display()
    );
    let key = keyfile::load(&n.key_file)?.verifying_key();
    let store = sjdj::node::open_store(&n.data_dir).with_context(|| {
        format!(
            "open the store {} (a running node holds it locked; a damaged one is refused)",
            n.data_dir.display()
        )
    })?;
    let origin = sjdj::log::checkpoint::origin(&v.region.to_string(), &n.id);
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
