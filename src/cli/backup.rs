//! `sjdj-node backup`: streams an online backup from a running node into a file, checks it
//! against its manifest, and only then gives it its name.
use super::client::Client;
use super::Global;
use crate::grpc::pb;
use crate::store::archive::{self, Manifest};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A backup taken: its manifest and how fast it came.
pub struct Taken {
    pub manifest: Manifest,
    pub file: PathBuf,
    /// Bytes of the archive file.
    pub file_bytes: u64,
    pub seconds: f64,
}

impl Taken {
    pub fn mb_per_second(&self) -> f64 {
        self.file_bytes as f64 / 1e6 / self.seconds.max(1e-9)
    }
    pub fn records_per_second(&self) -> f64 {
        self.manifest.records as f64 / self.seconds.max(1e-9)
    }
}

/// Takes a backup of the node `g` names into `out`, which must not exist yet. The archive is
/// written to `out.partial`, synced and checked, then renamed: a file named `out` is whole.
pub async fn take(g: &Global, out: &Path) -> anyhow::Result<Taken> {
    anyhow::ensure!(
        !out.exists(),
        "{} exists: backups are never overwritten; give a new name",
        out.display()
    );
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let client = Client::connect(g).await?;
    let started = Instant::now();
    let mut stream = client
        .admin()
        .max_decoding_message_size(8 << 20)
        .backup(client.req(pb::BackupRequest {})?)
        .await
        .context("the node refused the backup")?
        .into_inner();
    let mut file = crate::store::files::create_private(&partial)
        .with_context(|| format!("create {}", partial.display()))?;
    let written = async {
        let mut bytes = 0u64;
        while let Some(chunk) = stream
            .message()
            .await
            .context("the backup stream broke off")?
        {
            file.write_all(&chunk.data)
                .with_context(|| format!("write {}", partial.display()))?;
            bytes += chunk.data.len() as u64;
        }
        file.sync_all()?;
        anyhow::Ok(bytes)
    }
    .await;
    let checked = written.and_then(|bytes| {
        let seconds = started.elapsed().as_secs_f64();
        let input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&partial)?);
        let manifest = archive::read(input, |_, _| Ok(())).with_context(|| {
            format!("the archive received ({}) is not whole", partial.display())
        })?;
        std::fs::rename(&partial, out)?;
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(Taken {
            manifest,
            file: out.to_path_buf(),
            file_bytes: bytes,
            seconds,
        })
    });
    if checked.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    checked
}
