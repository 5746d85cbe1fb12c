//! The backup archive: a tar file (`tar tvf` lists it) holding the store's entries in parts, then
//! a manifest.
//!
//! ```text
//! sjdj-backup/store-000000.kv   entries in key order: u32 key length, key, u32 value length,
//! sjdj-backup/store-000001.kv   value (big-endian), up to PART_BYTES a part
//! ...
//! sjdj-backup/manifest.json     the node, the log size, the checkpoint, every part's SHA-256
//! ```
//!
//! The manifest comes last because it names the hashes of the parts before it, so an archive
//! can be written as a stream. A reader checks every part against it and refuses the archive if
//! a part is missing, extra, out of order or altered, or if the manifest never comes (a cut file).
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

/// The format this node writes and reads.
pub const FORMAT: &str = "sjdj-backup/1";
/// Bytes of entries in one part (one entry larger than it makes a part of its own).
pub const PART_BYTES: usize = 16 << 20;
/// The largest part a reader takes into memory.
const MAX_PART_BYTES: u64 = 1 << 30;
const DIR: &str = "sjdj-backup";
const MANIFEST: &str = "sjdj-backup/manifest.json";

/// What the archive is a backup of; filled by the node taking it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub node_id: String,
    pub role: String,
    pub region: String,
    /// The log's origin (the name its checkpoints are signed under).
    pub origin: String,
    /// The node's ed25519 public key, hex.
    pub public_key: String,
    /// Entries of the log in the snapshot.
    pub log_size: u64,
    /// The checkpoint signed at `log_size` (a signed note), if the log has entries.
    pub checkpoint: Option<String>,
    /// Unix seconds (wall clock) the snapshot began.
    pub taken_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub name: String,
    pub records: u64,
    pub bytes: u64,
    /// SHA-256 of the part's bytes, hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    #[serde(flatten)]
    pub source: Source,
    /// Store entries in all parts.
    pub records: u64,
    /// Bytes of all parts.
    pub bytes: u64,
    pub parts: Vec<Part>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("reading the archive: {0}")]
    Io(#[from] io::Error),
    /// Not a whole, unaltered archive of this format.
    #[error("not a whole sjdj backup: {0}")]
    Damaged(String),
}

/// Writes an archive as a stream: entries go in with [`ArchiveWriter::push`], in key order.
pub struct ArchiveWriter<W: Write> {
    tar: tar::Builder<W>,
    part: Vec<u8>,
    part_records: u64,
    parts: Vec<Part>,
}

impl<W: Write> ArchiveWriter<W> {
    pub fn new(out: W) -> Self {
        ArchiveWriter {
            tar: tar::Builder::new(out),
            part: Vec::new(),
            part_records: 0,
            parts: Vec::new(),
        }
    }

    pub fn push(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        for field in [key, value] {
            let len = u32::try_from(field.len())
                .map_err(|_| io::Error::other("a store entry longer than 4 GiB"))?;
            self.part.extend_from_slice(&len.to_be_bytes());
            self.part.extend_from_slice(field);
        }
        self.part_records += 1;
        if self.part.len() >= PART_BYTES {
            self.end_part()?;
        }
        Ok(())
    }

    fn end_part(&mut self) -> io::Result<()> {
        let name = format!("{DIR}/store-{:06}.kv", self.parts.len());
        append(&mut self.tar, &name, &self.part)?;
        self.parts.push(Part {
            name,
            records: self.part_records,
            bytes: self.part.len() as u64,
            sha256: hex::encode(Sha256::digest(&self.part)),
        });
        self.part.clear();
        self.part_records = 0;
        Ok(())
    }

    /// Ends the last part, writes the manifest and the tar's end; returns the output and the
    /// manifest.
    pub fn finish(mut self, source: Source) -> io::Result<(W, Manifest)> {
        if self.part_records > 0 {
            self.end_part()?;
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            source,
            records: self.parts.iter().map(|p| p.records).sum(),
            bytes: self.parts.iter().map(|p| p.bytes).sum(),
            parts: self.parts,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        append(&mut self.tar, MANIFEST, &json)?;
        Ok((self.tar.into_inner()?, manifest))
    }
}

fn append<W: Write>(tar: &mut tar::Builder<W>, name: &str, data: &[u8]) -> io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    // The archive holds contacts and attachments: private to its owner when unpacked.
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    tar.append_data(&mut header, name, data)
}

/// Reads an archive, handing every store entry to `each` in order, and returns its manifest
/// once every part has been checked against it. Entries are handed out before the manifest is
/// read (it comes last): a caller writing them somewhere discards that on an error.
pub fn read<R: Read>(
    input: R,
    mut each: impl FnMut(&[u8], &[u8]) -> io::Result<()>,
) -> Result<Manifest, ArchiveError> {
    let mut tar = tar::Archive::new(input);
    let mut seen: Vec<Part> = Vec::new();
    let mut manifest = None;
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if manifest.is_some() {
            return Err(damaged(format!("{name} comes after the manifest")));
        }
        let size = entry.header().size()?;
        if size > MAX_PART_BYTES {
            return Err(damaged(format!(
                "{name} is {size} bytes, more than any part"
            )));
        }
        let mut data = Vec::with_capacity(size as usize);
        entry.read_to_end(&mut data)?;
        if name == MANIFEST {
            let m: Manifest = serde_json::from_slice(&data)
                .map_err(|e| damaged(format!("the manifest does not parse: {e}")))?;
            manifest = Some(m);
            continue;
        }
        let expected = format!("{DIR}/store-{:06}.kv", seen.len());
        if name != expected {
            return Err(damaged(format!("found {name} where {expected} belongs")));
        }
        let records = entries(&data, &name, &mut each)?;
        seen.push(Part {
            name,
            records,
            bytes: data.len() as u64,
            sha256: hex::encode(Sha256::digest(&data)),
        });
    }
    let manifest =
        manifest.ok_or_else(|| damaged("it ends before its manifest (a cut file?)".into()))?;
    if manifest.format != FORMAT {
        return Err(damaged(format!(
            "its format is {:?}; this node reads {FORMAT}",
            manifest.format
        )));
    }
    if manifest.parts.len() != seen.len() {
        return Err(damaged(format!(
            "the manifest lists {} parts, the archive holds {}",
            manifest.parts.len(),
            seen.len()
        )));
    }
    if let Some((want, got)) = manifest.parts.iter().zip(&seen).find(|(w, g)| w != g) {
        return Err(damaged(format!(
            "{} does not match the manifest (SHA-256 {}, {} bytes; the manifest says {}, {} bytes)",
            got.name, got.sha256, got.bytes, want.sha256, want.bytes
        )));
    }
    Ok(manifest)
}

/// Hands out the entries of one part; returns how many it held.
fn entries(
    mut data: &[u8],
    name: &str,
    each: &mut impl FnMut(&[u8], &[u8]) -> io::Result<()>,
) -> Result<u64, ArchiveError> {
    let mut n = 0;
    while !data.is_empty() {
        let key =
            field(&mut data).ok_or_else(|| damaged(format!("{name} ends inside an entry")))?;
        let value =
            field(&mut data).ok_or_else(|| damaged(format!("{name} ends inside an entry")))?;
        each(key, value)?;
        n += 1;
    }
    Ok(n)
}

fn field<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(data.get(..4)?.try_into().ok()?) as usize;
    let value = data.get(4..4 + len)?;
    *data = &data[4 + len..];
    Some(value)
}

fn damaged(why: String) -> ArchiveError {
    ArchiveError::Damaged(why)
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
