//! The node's TOML config: parsed, then validated as a whole with messages that name the field.
//! Secrets are never in it: the node key lives in its own 0600 file named by `node.key_file`.
pub use super::server_config::{QuotasSection, ServerSection, TokensSection};
use crate::domain::calendar::Calendar;
use crate::domain::codes::Region;
use crate::domain::flow::Limits;
use crate::domain::types::NodeRole;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub node: NodeSection,
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub calendar: CalendarSection,
    #[serde(default)]
    pub attachments: AttachmentsSection,
    #[serde(default)]
    pub clock: ClockSection,
    #[serde(default)]
    pub public_api: PublicApiSection,
    #[serde(default)]
    pub log: LogSection,
    #[serde(default)]
    pub federation: FederationSection,
    /// Connections, streams and timeouts of the listener.
    #[serde(default)]
    pub server: ServerSection,
    /// What one caller may hold at once.
    #[serde(default)]
    pub quotas: QuotasSection,
    /// How long bearer tokens live.
    #[serde(default)]
    pub tokens: TokensSection,
    /// TLS on the listener; leave out for plain gRPC (loopback and tests only).
    pub tls: Option<TlsSection>,
    /// Prometheus metrics; leave out to serve none.
    pub metrics: Option<MetricsSection>,
    /// The web pages on the listener, beside gRPC.
    #[serde(default)]
    pub web: WebSection,
}

/// The web front: server-rendered pages on the gRPC listener (same address, same TLS, same
/// per-address limits as the public calls).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSection {
    /// Serve the pages. Default true; false leaves the listener gRPC only (HTTP/2 only).
    pub enabled: bool,
    /// The address the public reaches the pages at (`https://sjdj.example.gov.cn`), which the
    /// QR code of every certificate names. Empty: the address each request came to.
    pub public_url: String,
    /// Bytes a form sent to a page may have at most (a pasted or uploaded certificate, an
    /// objection). Default 1 MiB; past it the page answers 413, reason `FORM_TOO_LARGE`.
    pub max_form_bytes: usize,
    /// How long a sign-in to the console lasts, in minutes. Default 480 (a working day).
    pub session_minutes: u64,
    /// Console sessions open at once, node-wide. Default 10000; past it a sign-in is refused
    /// with `SESSIONS_FULL`.
    pub max_sessions: usize,
    /// Rows one catalogue import (the portal's, `sjdj app import`'s check) takes. Default 1000;
    /// past it the file is refused with `IMPORT_TOO_MANY_ROWS`.
    pub max_import_rows: usize,
}

impl Default for WebSection {
    fn default() -> Self {
        WebSection {
            enabled: true,
            public_url: String::new(),
            max_form_bytes: 1 << 20,
            session_minutes: 480,
            max_sessions: 10_000,
            max_import_rows: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSection {
    /// Address of the plain-HTTP `/metrics` listener, e.g. `127.0.0.1:9100`.
    pub listen: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// The server's certificate chain (PEM).
    pub cert_file: PathBuf,
    /// The server's private key (PEM).
    pub key_file: PathBuf,
    /// Mutual TLS between nodes: the CA (PEM) whose client certificates this node accepts.
    /// FederationService then requires a client certificate; other services do not.
    pub client_ca_file: Option<PathBuf>,
}

/// A province node's link to the national node. Empty `national_url`: the node runs alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationSection {
    /// Province: the national node's gRPC URL, e.g. `http://127.0.0.1:7443`.
    pub national_url: String,
    /// Province: the national node's public key, 64 hex digits — the root of trust. Receipts
    /// are checked against it.
    pub national_key: String,
    /// How often to push new checkpoints to the national node. Default 1000 ms.
    pub push_interval_ms: u64,
    /// Entries per pushed batch. Default 1000.
    pub batch_entries: u64,
    /// `https://` national URL: the CA (PEM) that signed the national node's certificate.
    pub ca_file: Option<PathBuf>,
    /// Mutual TLS: this node's client certificate and key (PEM) for the national node.
    pub client_cert_file: Option<PathBuf>,
    pub client_key_file: Option<PathBuf>,
    /// National: province nodes to pull from, for provinces that cannot push.
    pub pull: Vec<PullSection>,
    /// Node calls (push batches, follows) per second one node id may sustain. Past it:
    /// RESOURCE_EXHAUSTED / `NODE_RATE_LIMITED`. Default 500 (a 1M-entry backlog is about 70
    /// batches a second).
    pub node_rate_per_second: u32,
    /// Node calls one node id may make at once. Default 1000.
    pub node_burst: u32,
    /// Node calls per second from one address (a push stream is one call). Default 50.
    pub peer_rate_per_second: u32,
    /// Node calls at once from one address. Default 100.
    pub peer_burst: u32,
    /// Refused envelopes per second one address may send before its node calls are refused
    /// unopened (`NODE_REFUSED_TOO_OFTEN`); a genuine node sends none. Default 1.
    pub refused_per_second: u32,
    /// Refused envelopes one address may send at once. Default 10.
    pub refused_burst: u32,
}

/// A province the national node pulls from (its public log and registry).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSection {
    /// The node id in the trust list.
    pub node_id: String,
    /// Its gRPC URL.
    pub url: String,
    /// For an `https://` URL: the CA (PEM) that signed its certificate.
    pub ca_file: Option<PathBuf>,
}

impl Default for FederationSection {
    fn default() -> Self {
        FederationSection {
            national_url: String::new(),
            national_key: String::new(),
            push_interval_ms: 1000,
            batch_entries: 1000,
            ca_file: None,
            client_cert_file: None,
            client_key_file: None,
            pull: Vec::new(),
            node_rate_per_second: 500,
            node_burst: 1000,
            peer_rate_per_second: 50,
            peer_burst: 100,
            refused_per_second: 1,
            refused_burst: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    /// Stable identifier of this node, printed on every certificate it issues.
    pub id: String,
    /// `national` or `province`.
    pub role: String,
    /// GB/T 2260 code of the namespace this node mints codes in: `XX0000` for a province,
    /// `100000` for the national node's central namespace.
    pub region: String,
    /// Address the gRPC server listens on, e.g. `0.0.0.0:7443`.
    pub listen: String,
    /// Directory of the sled store (created if missing).
    pub data_dir: PathBuf,
    /// File holding the node's ed25519 key (mode 0600). Create it with `sjdj key generate`.
    pub key_file: PathBuf,
    /// Where the latest published checkpoint is kept outside the store (fsynced before it is
    /// shown), and checked against the store at start. Default: `<data_dir>.checkpoint`,
    /// beside the store directory. Keep it when a store is restored: it is what stops the node
    /// from signing a second history.
    #[serde(default)]
    pub kept_checkpoint_file: Option<PathBuf>,
    /// Bytes the store's filesystem keeps free. A write that would leave less is refused
    /// (UNAVAILABLE / `STORE_FULL`) before it reaches the store, so the store never meets a
    /// full disk in the middle of a batch; health is NOT_SERVING meanwhile, reads go on, and
    /// writes resume by themselves once space is freed. Default 64 MiB.
    #[serde(default = "default_min_free_bytes")]
    pub min_free_bytes: u64,
    /// Bytes of the store's page cache (sled's `cache_capacity`): the largest part of a busy
    /// node's memory. Default 1 GiB (sled's own); a smaller one costs reads from disk, not
    /// correctness.
    #[serde(default = "default_store_cache_bytes")]
    pub store_cache_bytes: u64,
    /// Whether a store this node makes keeps its pages zstd-compressed (level 1): about a third
    /// less disk, for CPU on each page written (a quarter of the ingest rate, a third of the
    /// create rate). sled fixes it when the store is made, so a store already made keeps what
    /// it was made with. Default: on a national node, which holds the whole book and mostly
    /// reads; off on a province node, whose registrants wait on its writes.
    #[serde(default)]
    pub store_compression: Option<bool>,
}

impl NodeSection {
    /// Whether a store this node makes is compressed (`store_compression`, or the role's).
    pub fn compress_store(&self) -> bool {
        self.store_compression
            .unwrap_or(NodeRole::parse(&self.role) == Some(NodeRole::National))
    }
}

fn default_min_free_bytes() -> u64 {
    64 << 20
}

fn default_store_cache_bytes() -> u64 {
    crate::store::sled_store::DEFAULT_CACHE_BYTES
}

impl NodeSection {
    /// The kept checkpoint file, as configured or by default.
    pub fn kept_checkpoint(&self) -> PathBuf {
        self.kept_checkpoint_file
            .clone()
            .unwrap_or_else(|| crate::engine::kept::default_path(&self.data_dir))
    }
}

/// Time limits in working days on the PRC calendar.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    /// Working days to accept, return or refuse a submission (受理). Default 3.
    pub acceptance_days: u32,
    /// Working days for formal review (形式审查). Default 10.
    pub review_days: u32,
    /// Working days of publicity (公示). Default 10.
    pub publicity_days: u32,
    /// Years a registration is valid from code assignment. Default 3.
    pub validity_years: u32,
    /// Calendar days before expiry from which a renewal (续展) may be applied for. Default 90.
    pub renewal_window_days: u32,
    /// Years personal contact data is kept after its record ends. Default 3.
    pub contact_retention_years: u32,
    /// Whether the holder who accepted an application may also review it. Default false.
    pub allow_same_holder_accept_and_review: bool,
    /// Longest reason, note or objection text in characters (REASON_TOO_LONG). Default 4000.
    pub max_reason_chars: usize,
}

impl Default for LimitsSection {
    fn default() -> Self {
        let l = Limits::default();
        LimitsSection {
            acceptance_days: l.acceptance_days,
            review_days: l.review_days,
            publicity_days: l.publicity_days,
            validity_years: l.validity_years,
            renewal_window_days: l.renewal_window_days,
            contact_retention_years: l.contact_retention_years,
            allow_same_holder_accept_and_review: l.allow_same_holder_accept_and_review,
            max_reason_chars: l.max_reason_chars,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarSection {
    /// Calendar files (one per year, see `config/calendar/`). Empty: the built-in 2025-2027 files.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentsSection {
    /// Largest attachment accepted, in bytes. Default 10 MiB.
    pub max_bytes: usize,
}

impl Default for AttachmentsSection {
    fn default() -> Self {
        AttachmentsSection {
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Limits on the public RPCs (RegistryService), which need no token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicApiSection {
    /// Calls per second one client address may sustain. Default 50.
    pub rate_per_second: u32,
    /// Calls one client address may make at once after being idle. Default 200.
    pub burst: u32,
}

impl Default for PublicApiSection {
    fn default() -> Self {
        PublicApiSection {
            rate_per_second: 50,
            burst: 200,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockSection {
    /// Allow AdminService.AdvanceClock to move the node's clock forward. For tests and demos
    /// only; never enable it on a production node. Default false.
    pub control: bool,
    /// How often the node checks for publicity that has ended, in milliseconds. Default 1000.
    pub sweep_interval_ms: u64,
}

impl Default for ClockSection {
    fn default() -> Self {
        ClockSection {
            control: false,
            sweep_interval_ms: 1000,
        }
    }
}

/// The transparency log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    /// How often a new checkpoint is signed while entries arrive, in milliseconds: the longest
    /// an acknowledged write waits to be covered by a signed checkpoint. Default 1000.
    pub checkpoint_interval_ms: u64,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            checkpoint_interval_ms: 1000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path} is not valid TOML for sjdj: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config is invalid:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

/// A config that passed validation, with its parts ready to use.
pub struct Validated {
    pub config: Config,
    pub region: Region,
    pub listen: SocketAddr,
    pub limits: Limits,
    pub calendar: Calendar,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string(),
        })
    }

    /// Checks every field and reports every problem at once.
    pub fn validate(self) -> Result<Validated, ConfigError> {
        let mut errors = Vec::new();
        let n = &self.node;
        if n.id.is_empty()
            || n.id.len() > 64
            || !n
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            errors.push(format!(
                "node.id {:?} must be 1-64 characters of A-Z a-z 0-9 - _ .",
                n.id
            ));
        }
        let url = &self.web.public_url;
        if !url.is_empty()
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.ends_with('/')
                || url
                    .chars()
                    .any(|c| c.is_whitespace() || c == '?' || c == '#'))
        {
            errors.push(format!(
                "web.public_url {url:?} must be an http:// or https:// address with no path \
                 ending in /, no query and no spaces"
            ));
        }
        let w = &self.web;
        if w.session_minutes == 0 || w.max_sessions == 0 || w.max_import_rows == 0 {
            errors.push(format!(
                "web.session_minutes ({}), web.max_sessions ({}) and web.max_import_rows ({}) \
                 must be at least 1",
                w.session_minutes, w.max_sessions, w.max_import_rows
            ));
        }
        if w.max_form_bytes < 4096 {
            errors.push(format!(
                "web.max_form_bytes ({}) must be at least 4096",
                w.max_form_bytes
            ));
        }
        let role = NodeRole::parse(&n.role);
        if role.is_none() {
            errors.push(format!(
                "node.role {:?} must be \"national\" or \"province\"",
                n.role
            ));
        }
        let region = match Region::parse(&n.region) {
            Ok(r) if !r.is_namespace() => {
                errors.push(format!(
                    "node.region {} is not a namespace: use a province code XX0000 or 100000",
                    n.region
                ));
                None
            }
            Ok(r) if role == Some(NodeRole::Province) && r == Region::CENTRAL => {
                errors.push("node.region 100000 is the central namespace; a province node uses its province code".into());
                None
            }
            Ok(r) => Some(r),
            Err(e) => {
                errors.push(format!("node.region: {e}"));
                None
            }
        };
        let listen = match n.listen.parse::<SocketAddr>() {
            Ok(a) => Some(a),
            Err(e) => {
                errors.push(format!("node.listen {:?} is not HOST:PORT: {e}", n.listen));
                None
            }
        };
        let l = &self.limits;
        for (name, v, max) in [
            ("acceptance_days", l.acceptance_days, 60),
            ("review_days", l.review_days, 120),
            ("publicity_days", l.publicity_days, 60),
        ] {
            if v == 0 || v > max {
                errors.push(format!(
                    "limits.{name} = {v} must be 1..={max} working days"
                ));
            }
        }
        if !(1..=10).contains(&l.validity_years) {
            errors.push(format!(
                "limits.validity_years = {} must be 1..=10",
                l.validity_years
            ));
        }
        if !(1..=30).contains(&l.contact_retention_years) {
            errors.push(format!(
                "limits.contact_retention_years = {} must be 1..=30",
                l.contact_retention_years
            ));
        }
        if !(1..=100_000).contains(&l.max_reason_chars) {
            errors.push(format!(
                "limits.max_reason_chars = {} must be 1..=100000",
                l.max_reason_chars
            ));
        }
        if !(1..=365).contains(&l.renewal_window_days) {
            errors.push(format!(
                "limits.renewal_window_days = {} must be 1..=365",
                l.renewal_window_days
            ));
        }
        if self.attachments.max_bytes == 0 || self.attachments.max_bytes > 256 * 1024 * 1024 {
            errors.push("attachments.max_bytes must be 1 byte to 256 MiB".into());
        }
        if self.public_api.rate_per_second == 0 || self.public_api.burst == 0 {
            errors
                .push("public_api.rate_per_second and public_api.burst must be at least 1".into());
        }
        if self.clock.sweep_interval_ms == 0 {
            errors.push("clock.sweep_interval_ms must be at least 1".into());
        }
        if !(10..=3_600_000).contains(&self.log.checkpoint_interval_ms) {
            errors.push(format!(
                "log.checkpoint_interval_ms = {} must be 10..=3600000",
                self.log.checkpoint_interval_ms
            ));
        }
        if let Some(m) = &self.metrics {
            if let Err(e) = m.listen.parse::<SocketAddr>() {
                errors.push(format!(
                    "metrics.listen {:?} is not HOST:PORT: {e}",
                    m.listen
                ));
            }
        }
        self.server.validate(&mut errors);
        self.quotas.validate(&mut errors);
        self.tokens.validate(&mut errors);
        let f = &self.federation;
        for (name, v) in [
            ("node_rate_per_second", f.node_rate_per_second),
            ("node_burst", f.node_burst),
            ("peer_rate_per_second", f.peer_rate_per_second),
            ("peer_burst", f.peer_burst),
            ("refused_per_second", f.refused_per_second),
            ("refused_burst", f.refused_burst),
        ] {
            if v == 0 {
                errors.push(format!("federation.{name} must be at least 1"));
            }
        }
        if !f.national_url.is_empty() {
            if role != Some(NodeRole::Province) {
                errors.push("federation.national_url is for province nodes".into());
            }
            if !(f.national_url.starts_with("http://") || f.national_url.starts_with("https://")) {
                errors.push(format!(
                    "federation.national_url {:?} must start with http:// or https://",
                    f.national_url
                ));
            }
            if let Err(e) = crate::sync::trust::parse_key(&f.national_key) {
                errors.push(format!("federation.national_key: {e}"));
            }
            if f.national_url.starts_with("https://") && f.ca_file.is_none() {
                errors.push("federation.ca_file is required for an https:// national_url".into());
            }
            if f.client_cert_file.is_some() != f.client_key_file.is_some() {
                errors.push("federation.client_cert_file and client_key_file go together".into());
            }
            if !(10..=3_600_000).contains(&f.push_interval_ms) {
                errors.push("federation.push_interval_ms must be 10..=3600000".into());
            }
            if !(1..=crate::engine::MAX_ENTRIES).contains(&f.batch_entries) {
                errors.push(format!(
                    "federation.batch_entries must be 1..={}",
                    crate::engine::MAX_ENTRIES
                ));
            }
        }
        for p in &f.pull {
            if role != Some(NodeRole::National) {
                errors.push("federation.pull is for the national node".into());
            }
            if let Err(e) = crate::sync::trust::check_node_id(&p.node_id) {
                errors.push(format!("federation.pull: {e}"));
            }
            if !(p.url.starts_with("http://") || p.url.starts_with("https://")) {
                errors.push(format!(
                    "federation.pull url {:?} must start with http:// or https://",
                    p.url
                ));
            }
            if p.url.starts_with("https://") && p.ca_file.is_none() {
                errors.push(format!(
                    "federation.pull {}: ca_file is required for https://",
                    p.node_id
                ));
            }
        }
        let calendar = match self.load_calendar() {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match (region, listen, calendar, errors.is_empty()) {
            (Some(region), Some(listen), Some(calendar), true) => {
                let limits = Limits {
                    acceptance_days: l.acceptance_days,
                    review_days: l.review_days,
                    publicity_days: l.publicity_days,
                    validity_years: l.validity_years,
                    renewal_window_days: l.renewal_window_days,
                    contact_retention_years: l.contact_retention_years,
                    allow_same_holder_accept_and_review: l.allow_same_holder_accept_and_review,
                    max_reason_chars: l.max_reason_chars,
                };
                Ok(Validated {
                    config: self,
                    region,
                    listen,
                    limits,
                    calendar,
                })
            }
            _ => Err(ConfigError::Invalid(errors)),
        }
    }

    fn load_calendar(&self) -> Result<Calendar, String> {
        if self.calendar.files.is_empty() {
            return Ok(Calendar::builtin());
        }
        let mut texts = Vec::new();
        for f in &self.calendar.files {
            texts.push(
                std::fs::read_to_string(f)
                    .map_err(|e| format!("calendar.files: cannot read {}: {e}", f.display()))?,
            );
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        Calendar::from_toml(&refs).map_err(|e| format!("calendar.files: {e}"))
    }

    /// The built-in config of `sjdj-node --dev`: a national node with clock control, keyed and
    /// stored under `data_dir`.
    pub fn dev(data_dir: &Path, listen: &str) -> Config {
        Config {
            node: NodeSection {
                id: "dev-national".into(),
                role: NodeRole::National.name().into(),
                region: "100000".into(),
                listen: listen.into(),
                data_dir: data_dir.join("store"),
                key_file: data_dir.join("node.key"),
                kept_checkpoint_file: None,
                min_free_bytes: default_min_free_bytes(),
                store_cache_bytes: default_store_cache_bytes(),
                store_compression: None,
            },
            limits: LimitsSection::default(),
            calendar: CalendarSection::default(),
            attachments: AttachmentsSection::default(),
            clock: ClockSection {
                control: true,
                sweep_interval_ms: 1000,
            },
            public_api: PublicApiSection::default(),
            log: LogSection::default(),
            federation: FederationSection::default(),
            server: ServerSection::default(),
            quotas: QuotasSection::default(),
            // Dev tokens outlive any clock move a walkthrough makes.
            tokens: TokensSection {
                ttl_days: 36_500,
                max_ttl_days: 36_500,
            },
            tls: None,
            metrics: None,
            web: WebSection::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    fn node(role: &str, compression: &str) -> super::NodeSection {
        let text = format!(
            "[node]\nid = \"n\"\nrole = \"{role}\"\nregion = \"440000\"\nlisten = \"127.0.0.1:0\"\n\
             data_dir = \"d\"\nkey_file = \"k\"\n{compression}"
        );
        toml::from_str::<Config>(&text).unwrap().node
    }

    #[test]
    fn a_national_node_compresses_the_store_it_makes_and_a_province_does_not_unless_told() {
        assert!(node("national", "").compress_store());
        assert!(!node("province", "").compress_store());
        assert!(node("province", "store_compression = true").compress_store());
        assert!(!node("national", "store_compression = false").compress_store());
        let bad = "[node]\nid = \"n\"\nrole = \"national\"\nregion = \"100000\"\n\
                   listen = \"127.0.0.1:0\"\ndata_dir = \"d\"\nkey_file = \"k\"\n\
                   store_compression = \"yes\"\n";
        let refused = toml::from_str::<Config>(bad).unwrap_err().to_string();
        assert!(refused.contains("store_compression"), "{refused}");
    }
}
