//! `--disk-flows N`: what a registered record costs the node to keep. A fresh node registers N
//! applications through the whole flow (phase 3's flows, sweep included), then the bench reads
//! the blocks its store's files hold on disk and the node's resident memory, stops the node and
//! opens its store to count the live bytes (keys and values) of each key family: what the node
//! keeps, beside what the store engine's files take for it.
use super::*;

pub(super) struct Disk {
    pub(super) flows: Phase,
    pub(super) registered: u64,
    /// Bytes the store's files take on disk (allocated blocks, not apparent sizes), the search
    /// index beside them apart.
    pub(super) store_bytes: u64,
    pub(super) index_bytes: u64,
    pub(super) rss_bytes: Option<u64>,
    /// Live bytes (keys and values) and keys of each key family (the key up to its first `/`).
    pub(super) families: Vec<(String, u64, u64)>,
}

impl Disk {
    pub(super) fn per_record(&self) -> f64 {
        self.store_bytes as f64 / self.registered.max(1) as f64
    }

    pub(super) fn json(&self) -> Value {
        json!({"registered": self.registered, "store_bytes": self.store_bytes, "index_bytes": self.index_bytes,
               "store_bytes_per_record": self.per_record(), "target_bytes_per_record": TARGET_BYTES_PER_RECORD,
               "rss_bytes": self.rss_bytes, "flows": self.flows.json(),
               "live": self.families.iter().map(|(f, b, n)| json!({"family": f, "bytes": b, "keys": n})).collect::<Vec<_>>()})
    }
}

/// Disk per registered record the node is to stay within, attachments aside.
pub(super) const TARGET_BYTES_PER_RECORD: f64 = 4096.0;

/// Allocated bytes of every file under `dir`.
pub(super) fn allocated(dir: &Path) -> anyhow::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    sum_files(dir, &mut |_, meta| Ok(meta.blocks() * 512))
}

/// Reads every file under `dir` once, to the end, so that what the node reads of them next
/// comes from the OS page cache; the bytes read.
pub(super) fn read_through(dir: &Path) -> anyhow::Result<u64> {
    sum_files(dir, &mut |path, _| {
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e).with_context(|| format!("open {}", path.display())),
        };
        Ok(std::io::copy(&mut f, &mut std::io::sink())?)
    })
}

/// `of` summed over every file under `dir`, its subdirectories' too.
fn sum_files(
    dir: &Path,
    of: &mut impl FnMut(&Path, &std::fs::Metadata) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let entry = entry?;
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            // A serving node deletes files as it goes (index segments once merged): a file gone
            // since the listing holds nothing to count or read.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("stat {}", entry.path().display())),
        };
        total += if meta.is_dir() {
            sum_files(&entry.path(), of)?
        } else {
            of(&entry.path(), &meta)?
        };
    }
    Ok(total)
}

pub(super) fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Live bytes and keys per key family, largest first.
pub(super) fn families(store: &Path) -> anyhow::Result<Vec<(String, u64, u64)>> {
    use sjdj::store::{sled_store::SledStore, Store};
    let store =
        SledStore::open(store).map_err(|e| anyhow!("open the stopped node's store: {e}"))?;
    let mut by: HashMap<String, (u64, u64)> = HashMap::new();
    let all = store
        .scan(b"", None, usize::MAX)
        .map_err(|e| anyhow!("scan the store: {e}"))?;
    for (k, v) in all {
        let family = k.split(|&b| b == b'/').next().unwrap_or_default();
        let e = by
            .entry(String::from_utf8_lossy(family).into_owned())
            .or_default();
        e.0 += (k.len() + v.len()) as u64;
        e.1 += 1;
    }
    let mut out: Vec<_> = by.into_iter().map(|(f, (b, n))| (f, b, n)).collect();
    out.sort_by_key(|f| std::cmp::Reverse(f.1));
    Ok(out)
}

pub(super) async fn disk(
    channels: &[Channel],
    ctx: &Arc<Ctx>,
    flows: usize,
    node: &mut NodeGuard,
) -> anyhow::Result<Disk> {
    let pid = node.child.id();
    let (phase, _, _) = full_flows(channels, ctx, flows, Some(pid)).await?;
    let registered = phase.s.ops;
    // What the node has acknowledged is flushed; sled's own files are what it keeps.
    let store = node.dir.join("store");
    let index = sjdj::search::default_dir(&store);
    let index_bytes = if index.exists() {
        allocated(&index)?
    } else {
        0
    };
    let (store_bytes, rss_bytes) = (allocated(&store)? - index_bytes, rss(pid));
    // Every write the flows saw acknowledged is durable, so a kill loses nothing counted.
    node.child.kill()?;
    node.child.wait()?;
    Ok(Disk {
        flows: phase,
        registered,
        store_bytes,
        index_bytes,
        rss_bytes,
        families: families(&store)?,
    })
}
