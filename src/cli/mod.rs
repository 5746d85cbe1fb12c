//! The `sjdj` client: every step of the flow for every role, plus offline tools (code check,
//! key generation, certificate verification). Human output by default, proto3 JSON with `--json`.
mod admin;
mod app;
pub mod backup;
mod client;
mod federation;
mod import;
mod log;
mod offline;
mod output;
mod registry;
mod review;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sjdj",
    version,
    about = "Client for sjdj registration nodes (公共数据资源登记)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Clone)]
pub struct Global {
    /// Node address.
    #[arg(
        long,
        global = true,
        env = "SJDJ_ADDR",
        default_value = "http://127.0.0.1:7443"
    )]
    pub addr: String,
    /// For an https:// address: the CA certificate (PEM) that signed the node's certificate.
    #[arg(long, global = true, env = "SJDJ_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// Mutual TLS: a client certificate and key (PEM).
    #[arg(long, global = true, requires_all = ["client_key", "ca_file"])]
    pub client_cert: Option<PathBuf>,
    #[arg(long, global = true, requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Bearer token.
    #[arg(long, global = true, env = "SJDJ_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A file holding the bearer token (a systemd credential, say), so it is not in argv or
    /// the environment.
    #[arg(long, global = true, env = "SJDJ_TOKEN_FILE", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// Act as this role, taking its token from --tokens (a dev-tokens.json).
    #[arg(long = "as", global = true, value_name = "ROLE")]
    pub as_role: Option<String>,
    /// JSON file of role -> token, as `sjdj-node --dev` writes it.
    #[arg(long, global = true, env = "SJDJ_TOKENS")]
    pub tokens: Option<PathBuf>,
    /// Request id of a write (default: a fresh random one). Retrying with the same id is safe.
    #[arg(long, global = true)]
    pub request_id: Option<String>,
    /// Print proto3 JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Unified registration codes (offline).
    #[command(subcommand)]
    Code(offline::CodeCmd),
    /// Node keys (offline).
    #[command(subcommand)]
    Key(offline::KeyCmd),
    /// Certificates: fetch, show, verify offline.
    #[command(subcommand)]
    Cert(offline::CertCmd),
    /// Registrant: applications and attachments.
    #[command(subcommand)]
    App(app::AppCmd),
    /// Staff: work queues and decisions.
    #[command(subcommand)]
    Review(review::ReviewCmd),
    /// Public registry: records, search, publicity notices, objections, node info.
    #[command(subcommand)]
    Registry(registry::RegistryCmd),
    /// Admin: tokens, the clock, the national trust list and alarms.
    #[command(subcommand)]
    Admin(admin::AdminCmd),
    /// Federation: the national trust list and what it holds of each province's log.
    #[command(subcommand)]
    Federation(federation::FederationCmd),
    /// Transparency log: checkpoint, entries, monitor.
    #[command(subcommand)]
    Log(log::LogCmd),
}

/// Runs a parsed command line. Errors carry what to print; the binary exits non-zero on them.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let g = cli.global;
    match cli.command {
        Command::Code(c) => offline::code(c, &g),
        Command::Key(c) => offline::key(c),
        Command::Cert(c) => offline::cert(c, &g).await,
        Command::App(c) => app::run(c, &g).await,
        Command::Review(c) => review::run(c, &g).await,
        Command::Registry(c) => registry::run(c, &g).await,
        Command::Admin(c) => admin::run(c, &g).await,
        Command::Log(c) => log::run(c, &g).await,
        Command::Federation(c) => federation::run(c, &g).await,
    }
}
