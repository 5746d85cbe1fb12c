//! Offline proof that a certificate is in a node's log: the certificate, the log entry it names,
//! the entry's audit path and the signed checkpoint the path leads to, in one JSON file that
//! `sjdj cert verify --proof` checks with nothing but the node's public key.
//!
//! Checks, in order: the checkpoint's signature (under its own origin); the certificate's
//! signature; the entry is a `CertificateIssued` of the same code pinning the certificate's
//! SHA-256, at the index the certificate names; the audit path leads from that entry to the
//! checkpoint's root.
use super::checkpoint::{self, SignedCheckpoint};
use super::entry::{Body, Record};
use super::tree;
use super::{Hash, LogError};
use crate::domain::certificate::SignedCertificate;
use crate::domain::flow::EventKind;
use base64::Engine as _;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file's format tag; a bundle of another format is refused, not guessed at.
pub const FORMAT: &str = "sjdj/certificate-proof/v1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertificateProof {
    pub format: String,
    /// The certificate, armored.
    pub certificate: String,
    /// The log entry the certificate names, base64.
    pub entry: String,
    pub index: u64,
    pub tree_size: u64,
    /// Audit path, leaf to root, hex.
    pub hashes: Vec<String>,
    /// The signed checkpoint (note text) of `tree_size` entries.
    pub checkpoint: String,
}

/// What a verified bundle shows.
#[derive(Debug)]
pub struct Included {
    pub certificate: SignedCertificate,
    pub checkpoint: SignedCheckpoint,
    pub index: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("not a {FORMAT} file: {0}")]
    Format(String),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("checkpoint: {0}")]
    Checkpoint(LogError),
    #[error("the log entry does not record this certificate: {0}")]
    Entry(String),
    #[error("the audit path does not lead to the checkpoint's root")]
    NotIncluded,
}

impl BundleError {
    /// Stable reason code for scripts.
    pub fn reason(&self) -> &'static str {
        match self {
            BundleError::Format(_) => "PROOF_FORMAT",
            BundleError::Certificate(_) => "CERT_INVALID",
            BundleError::Checkpoint(_) => "CHECKPOINT_INVALID",
            BundleError::Entry(_) => "ENTRY_MISMATCH",
            BundleError::NotIncluded => "NOT_INCLUDED",
        }
    }
}

impl CertificateProof {
    pub fn new(
        certificate_armored: String,
        entry: &[u8],
        index: u64,
        tree_size: u64,
        hashes: &[[u8; 32]],
        checkpoint_note: &[u8],
    ) -> CertificateProof {
        CertificateProof {
            format: FORMAT.into(),
            certificate: certificate_armored,
            entry: base64::engine::general_purpose::STANDARD.encode(entry),
            index,
            tree_size,
            hashes: hashes.iter().map(hex::encode).collect(),
            checkpoint: String::from_utf8_lossy(checkpoint_note).into_owned(),
        }
    }

    pub fn verify(&self, key: &VerifyingKey) -> Result<Included, BundleError> {
        let fmt = |m: String| BundleError::Format(m);
        if self.format != FORMAT {
            return Err(fmt(format!("format is {:?}", self.format)));
        }
        let checkpoint = checkpoint::verify(self.checkpoint.as_bytes(), key, None)
            .map_err(BundleError::Checkpoint)?;
        if checkpoint.size != self.tree_size {
            return Err(BundleError::Entry(format!(
                "the proof is for {} entries, the checkpoint has {}",
                self.tree_size, checkpoint.size
            )));
        }
        let signed = SignedCertificate::from_armored(&self.certificate)
            .map_err(|e| BundleError::Certificate(e.to_string()))?;
        let cert = signed
            .verify(key)
            .map_err(|e| BundleError::Certificate(format!("{} ({e})", e.reason())))?;
        let entry = base64::engine::general_purpose::STANDARD
            .decode(&self.entry)
            .map_err(|e| fmt(format!("entry is not base64: {e}")))?;
        let record = Record::decode(&entry).map_err(|e| BundleError::Entry(e.to_string()))?;
        let pinned = match &record.body {
            Body::Flow { event, .. } => match event.view() {
                EventKind::CertificateIssued {
                    code,
                    version,
                    certificate_sha256,
                    ..
                } if code == cert.code.to_string() && version == cert.version => certificate_sha256,
                _ => String::new(),
            },
            _ => String::new(),
        };
        if pinned.is_empty() {
            return Err(BundleError::Entry(format!(
                "entry {} is not the issue of certificate {} v{}",
                record.index, cert.code, cert.version
            )));
        }
        if pinned != hex::encode(Sha256::digest(signed.as_bytes())) {
            return Err(BundleError::Entry("it pins other certificate bytes".into()));
        }
        if record.index != self.index || cert.log_index != self.index {
            return Err(BundleError::Entry(format!(
                "the certificate names entry {}, the entry says {}, the proof is for {}",
                cert.log_index, record.index, self.index
            )));
        }
        let mut path = Vec::with_capacity(self.hashes.len());
        for h in &self.hashes {
            let bytes = hex::decode(h).map_err(|e| fmt(format!("hash {h:?}: {e}")))?;
            let arr: [u8; 32] = bytes
                .try_into()
                .map_err(|_| fmt(format!("hash {h:?} is not 32 bytes")))?;
            path.push(Hash(arr));
        }
        tree::verify_inclusion(
            &path,
            self.tree_size,
            Hash(checkpoint.root),
            self.index,
            tree::leaf_hash(&entry),
        )
        .map_err(|_| BundleError::NotIncluded)?;
        Ok(Included {
            certificate: signed,
            checkpoint,
            index: self.index,
        })
    }
}
