//! AdminService.Backup: the archive of a snapshot, written on a blocking thread as the client
//! reads it (the snapshot holds before images only for what the client has not read yet).
use super::pb;
use super::status;
use crate::domain::types::Actor;
use crate::engine::{BackupSnapshot, Engine, LastBackup};
use crate::store::archive::{ArchiveWriter, Source};
use std::io::{self, Write};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

pub type Stream = ReceiverStream<Result<pb::BackupResponse, Status>>;

/// Bytes of the archive in one message.
const CHUNK: usize = 1 << 20;
/// Store entries read from the snapshot at a time.
const PAGE: usize = 1024;

pub async fn backup(engine: &Engine, actor: Actor) -> Result<Stream, Status> {
    let snapshot = engine.backup(actor).await.map_err(status::status)?;
    let source = Source {
        node_id: engine.config().node_id.clone(),
        role: engine.config().role.name().into(),
        region: engine.config().region.to_string(),
        origin: engine.log_origin().to_string(),
        public_key: hex::encode(engine.verifying_key().as_bytes()),
        log_size: snapshot.size,
        checkpoint: snapshot
            .checkpoint
            .as_ref()
            .map(|c| String::from_utf8_lossy(&c.note).into_owned()),
        taken_at: wall_clock(),
    };
    let (tx, rx) = mpsc::channel(4);
    let engine = engine.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let out = Chunks {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        match write(&snapshot, out, source) {
            Ok(last) => {
                tracing::info!(
                    size = last.size,
                    records = last.records,
                    bytes = last.bytes,
                    "backup served"
                );
                runtime.spawn(async move {
                    if let Err(e) = engine.backup_served(last).await {
                        tracing::warn!(error = %e, "could not record the backup served");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "backup ended before its end");
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}

fn write(snapshot: &BackupSnapshot, out: Chunks, source: Source) -> Result<LastBackup, Status> {
    let gone = |e: io::Error| Status::cancelled(format!("the backup client went away: {e}"));
    let mut archive = ArchiveWriter::new(out);
    loop {
        let page = snapshot.next_page(PAGE).map_err(status::status)?;
        if page.is_empty() {
            break;
        }
        for (k, v) in &page {
            archive.push(k, v).map_err(gone)?;
        }
    }
    let (mut out, manifest) = archive.finish(source).map_err(gone)?;
    out.flush().map_err(gone)?;
    Ok(LastBackup {
        at: wall_clock(),
        size: manifest.source.log_size,
        records: manifest.records,
        bytes: manifest.bytes,
    })
}

fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The archive's bytes, sent to the client a chunk at a time (waiting while it is slow).
struct Chunks {
    tx: mpsc::Sender<Result<pb::BackupResponse, Status>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(pb::BackupResponse { data }))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "stream closed"))
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}
