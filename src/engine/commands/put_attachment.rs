//! Stores an attachment under the SHA-256 of its content, within the subject's upload quota.
use super::{Cx, Write};
use crate::domain::flow::Refusal;
use crate::engine::EngineError;
use crate::store::keys;
use sha2::{Digest, Sha256};

pub struct PutAttachment {
    /// The registrant's subject, whose upload quota it counts against.
    pub subject: String,
    pub bytes: Vec<u8>,
}

/// A stored attachment: its content hash and size.
#[derive(Debug)]
pub struct Attachment {
    pub sha256: String,
    pub size: u64,
}

impl Write for PutAttachment {
    type Reply = Attachment;

    fn run(self, cx: &mut Cx, _fp: String) -> Result<Attachment, EngineError> {
        let (shared, tx) = (cx.shared, &mut *cx.tx);
        let (subject, bytes) = (self.subject.as_str(), self.bytes);
        let max = shared.cfg.max_attachment_bytes;
        if bytes.len() > max {
            return Err(Refusal::invalid(
                "ATTACHMENT_TOO_LARGE",
                format!(
                    "the attachment has {} bytes; at most {max} are allowed",
                    bytes.len()
                ),
            )
            .into());
        }
        if bytes.is_empty() {
            return Err(Refusal::invalid("ATTACHMENT_EMPTY", "the attachment is empty").into());
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        let key = keys::attachment(&sha256);
        // Content-addressed: the same bytes are stored once, and counted against the subject
        // that uploaded them first.
        if tx.get(&key)?.is_none() {
            let usage = keys::attachment_usage(subject);
            let used = tx.read_u64(&usage)? + size;
            let quota = shared.cfg.quotas.attachment_bytes_per_subject;
            if used > quota {
                return Err(Refusal::quota(
                    "ATTACHMENT_QUOTA",
                    format_args!("subject {subject}: {used} bytes of attachments"),
                    quota,
                    "quotas.attachment_bytes_per_subject",
                )
                .into());
            }
            tx.put(usage, used.to_be_bytes().to_vec());
            tx.put(key, bytes);
        }
        Ok(Attachment { sha256, size })
    }
}

impl crate::engine::Engine {
    /// Stores a registrant's upload named `file_name`, as UploadAttachment and the portal take
    /// it: registrants only, a name of 1 to 200 characters, within its subject's quota.
    pub async fn upload_attachment(
        &self,
        actor: &crate::domain::types::Actor,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment, EngineError> {
        if actor.role != crate::domain::types::Role::Registrant {
            return Err(
                Refusal::denied("WRONG_ROLE", "attachments are uploaded by registrants").into(),
            );
        }
        if file_name.trim().is_empty() || file_name.chars().count() > 200 {
            return Err(Refusal::invalid(
                "FILE_NAME_REQUIRED",
                "file_name is required (at most 200 characters)",
            )
            .into());
        }
        self.execute(PutAttachment {
            subject: actor.subject.clone().unwrap_or_default(),
            bytes,
        })
        .await
    }
}
