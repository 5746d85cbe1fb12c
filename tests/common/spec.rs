//! The one way tests make a node's config: a builder over the config's own keys, rendered to
//! TOML for `sjdj-node --config`, so no test writes a config by hand.
use super::Node;
use std::path::Path;
use toml::{Table, Value};

/// A node's config, built key by key.
#[derive(Clone, Debug)]
pub struct Spec {
    table: Table,
}

impl Spec {
    /// A node of `role` (`national` or `province`) with id and region, listening on an
    /// OS-chosen loopback port; its store and key go in its temp dir.
    pub fn new(role: &str, id: &str, region: &str) -> Spec {
        Spec {
            table: Table::new(),
        }
        .set("node.id", id)
        .set("node.role", role)
        .set("node.region", region)
        .set("node.listen", "127.0.0.1:0")
    }

    /// The national node (`100000`).
    pub fn national() -> Spec {
        Spec::new("national", "national", "100000")
    }

    /// A province node on its own (no national link).
    pub fn province(id: &str, region: &str) -> Spec {
        Spec::new("province", id, region)
    }

    /// Clock control and short sweep and checkpoint intervals: a drill node whose tests move
    /// its clock (and get one dev token per role).
    pub fn drill(self) -> Spec {
        self.set("clock.control", true)
            .set("clock.sweep_interval_ms", 100)
            .set("log.checkpoint_interval_ms", 100)
    }

    /// A province linked to `national`, pushing every 100 ms in batches of `batch` entries.
    pub fn federated(self, national: &Node, batch: u64) -> Spec {
        self.set(
            "federation.national_url",
            format!("http://{}", national.addr),
        )
        .set("federation.national_key", national.public_key_hex())
        .set("federation.push_interval_ms", 100)
        .set("federation.batch_entries", batch as i64)
    }

    /// `/metrics` on a free loopback port, and that address.
    pub fn metrics(self) -> (Spec, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        (self.set("metrics.listen", addr.as_str()), addr)
    }

    /// Sets one key, `section.key` (or `node.key`), to `value`.
    pub fn set(mut self, path: &str, value: impl Into<Value>) -> Spec {
        let (section, key) = path.split_once('.').expect("section.key");
        let entry = self
            .table
            .entry(section)
            .or_insert_with(|| Value::Table(Table::new()));
        entry
            .as_table_mut()
            .expect("a section")
            .insert(key.into(), value.into());
        self
    }

    /// Appends `value` to the array of tables `section.key` (e.g. `federation.pull`).
    pub fn push(mut self, path: &str, value: Table) -> Spec {
        let (section, key) = path.split_once('.').expect("section.key");
        let entry = self
            .table
            .entry(section)
            .or_insert_with(|| Value::Table(Table::new()));
        let list = entry
            .as_table_mut()
            .expect("a section")
            .entry(key)
            .or_insert_with(|| Value::Array(Vec::new()));
        list.as_array_mut()
            .expect("an array")
            .push(Value::Table(value));
        self
    }

    /// The config as TOML, with the store and key in `dir`.
    pub fn toml(&self, dir: &Path) -> String {
        let d = dir.display().to_string();
        let spec = self
            .clone()
            .set("node.data_dir", format!("{d}/store"))
            .set("node.key_file", format!("{d}/node.key"));
        toml::to_string(&spec.table).expect("a config renders")
    }

    /// Starts the node in a new temp dir (its key generated there).
    pub async fn start(self) -> Node {
        self.start_in(tempfile::tempdir().expect("temp dir"), None)
            .await
    }

    /// Starts the node in `dir` (a key made beforehand is kept), reached over TLS with `tls`.
    pub async fn start_in(
        self,
        dir: tempfile::TempDir,
        tls: Option<tonic::transport::ClientTlsConfig>,
    ) -> Node {
        let toml = self.toml(dir.path());
        Node::from_config_tls(dir, &toml, tls).await
    }
}
