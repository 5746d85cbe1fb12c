//! Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, by the node's ed25519 key.
//!
//! ```text
//! sjdj/350000/fj-node-1                 origin: "sjdj/" region "/" node id
//! 1234                                  tree size
//! 3q2+7w...=                            base64 root hash
//! sjdj-time 1767225600                  extension line: unix seconds when signed
//!
//! — sjdj/350000/fj-node-1 AbCd...==     signature line: key name, base64(key id || signature)
//! ```
//!
//! The key name is the origin; the key id is signed-note's `SHA-256(name || "\n" || 0x01 ||
//! public key)[:4]`. The time line lets a monitor see that a checkpoint is never older than the
//! newest entry it covers. Formatting and signature handling are the `tlog_tiles` and
//! `signed_note` crates'; this file only picks the origin and the time line.
use super::LogError;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, Hash};

const TIME_PREFIX: &str = "sjdj-time ";

/// The log's origin, from the node's identity (region code and node id).
pub fn origin(region: &str, node_id: &str) -> String {
    format!("sjdj/{region}/{node_id}")
}

/// A checkpoint with its signed-note bytes, as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The signed note, byte for byte as signed: what clients verify.
    pub note: Vec<u8>,
    pub origin: String,
    pub size: u64,
    pub root: [u8; 32],
    /// Unix seconds from the `sjdj-time` line.
    pub time: i64,
}

struct NoteSigner<'a> {
    name: &'a str,
    id: u32,
    key: &'a SigningKey,
}

impl signed_note::Signer for NoteSigner<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.key.sign(msg).to_bytes().to_vec())
    }
}

/// The signed-note key id of `key` under `name`, as 8 hex digits: how envelopes name their signer.
/// The size line of a checkpoint note, read without checking its signature (for a size to
/// report or compare before the note is verified).
pub fn note_size(note: &[u8]) -> Option<u64> {
    std::str::from_utf8(note).ok()?.lines().nth(1)?.parse().ok()
}

pub fn note_key_id(name: &str, key: &VerifyingKey) -> String {
    format!("{:08x}", key_id(name, key))
}

fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut encoded = vec![0x01];
    encoded.extend_from_slice(key.as_bytes());
    signed_note::key_id(name, &encoded)
}

/// The signed-note verifier key (`name+id+base64`) for a node's public key, as other tools
/// (Go's `note` package, `sigsum`, `litetlog`) take it.
pub fn verifier_key(origin: &str, key: &VerifyingKey) -> String {
    signed_note::new_ed25519_verifier_key(origin, key)
}

pub fn sign(
    key: &SigningKey,
    origin: &str,
    size: u64,
    root: [u8; 32],
    time: i64,
) -> Result<SignedCheckpoint, LogError> {
    let body = Checkpoint::new(origin, size, Hash(root), &format!("{TIME_PREFIX}{time}\n"))
        .map_err(|_| LogError::Checkpoint(format!("origin {origin:?} is not a valid origin")))?;
    let mut note =
        Note::new(&body.to_bytes(), &[]).map_err(|e| LogError::Checkpoint(format!("note: {e}")))?;
    let signer = NoteSigner {
        name: origin,
        id: key_id(origin, &key.verifying_key()),
        key,
    };
    note.add_sigs(&[&signer])
        .map_err(|e| LogError::Checkpoint(format!("sign: {e}")))?;
    Ok(SignedCheckpoint {
        note: note.to_bytes(),
        origin: origin.to_string(),
        size,
        root,
        time,
    })
}

/// Parses a signed checkpoint and checks its signature by `key` under the checkpoint's own
/// origin (and, when given, that the origin is `expected_origin`).
/// The origin line of a checkpoint note, read without checking its signature (to name the log
/// a store holds before it is verified).
pub fn note_origin(note: &[u8]) -> Option<&str> {
    std::str::from_utf8(note).ok()?.lines().next()
}

/// The `sjdj-time` line of a checkpoint note, read without checking its signature (of a note
/// verified when it was taken).
pub fn note_time(note: &[u8]) -> Option<i64> {
    std::str::from_utf8(note)
        .ok()?
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(TIME_PREFIX))?
        .parse()
        .ok()
}

pub fn verify(
    note: &[u8],
    key: &VerifyingKey,
    expected_origin: Option<&str>,
) -> Result<SignedCheckpoint, LogError> {
    let parsed = Note::from_bytes(note).map_err(|e| LogError::Checkpoint(e.to_string()))?;
    let body = Checkpoint::from_bytes(parsed.text())
        .map_err(|_| LogError::Checkpoint("malformed checkpoint body".into()))?;
    let origin = body.origin().to_string();
    if let Some(expected) = expected_origin {
        if origin != expected {
            return Err(LogError::Checkpoint(format!(
                "checkpoint is for log {origin:?}, expected {expected:?}"
            )));
        }
    }
    let verifier = StandardVerifier::new(&verifier_key(&origin, key))
        .map_err(|e| LogError::Checkpoint(e.to_string()))?;
    parsed
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|_| LogError::BadSignature)?;
    let time = body
        .extension()
        .lines()
        .find_map(|l| l.strip_prefix(TIME_PREFIX))
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| LogError::Checkpoint("no sjdj-time line".into()))?;
    Ok(SignedCheckpoint {
        note: note.to_vec(),
        origin,
        size: body.size(),
        root: body.hash().0,
        time,
    })
}

/// Adds a cosignature to a signed checkpoint: `key` signs the same note text under its own
/// name (the cosigner's log origin). The national node's receipt for a province checkpoint.
pub fn cosign(note: &[u8], key: &SigningKey, name: &str) -> Result<Vec<u8>, LogError> {
    let mut parsed = Note::from_bytes(note).map_err(|e| LogError::Checkpoint(e.to_string()))?;
    let signer = NoteSigner {
        name,
        id: key_id(name, &key.verifying_key()),
        key,
    };
    parsed
        .add_sigs(&[&signer])
        .map_err(|e| LogError::Checkpoint(format!("cosign: {e}")))?;
    Ok(parsed.to_bytes())
}

/// Checks that `note` carries both the log's own signature (`key` under `origin`) and the
/// cosignature of `cosigner` under `cosigner_name`; returns the checkpoint.
pub fn verify_cosigned(
    note: &[u8],
    key: &VerifyingKey,
    origin: &str,
    cosigner: &VerifyingKey,
    cosigner_name: &str,
) -> Result<SignedCheckpoint, LogError> {
    let checkpoint = verify(note, key, Some(origin))?;
    let parsed = Note::from_bytes(note).map_err(|e| LogError::Checkpoint(e.to_string()))?;
    let verifier = StandardVerifier::new(&verifier_key(cosigner_name, cosigner))
        .map_err(|e| LogError::Checkpoint(e.to_string()))?;
    parsed
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|_| LogError::BadSignature)?;
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn signs_a_c2sp_checkpoint_that_verifies() {
        let origin = origin("350000", "fj-1");
        let c = sign(&key(1), &origin, 5, [7; 32], 1_767_225_600).unwrap();
        let text = String::from_utf8(c.note.clone()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("sjdj/350000/fj-1"));
        assert_eq!(lines.next(), Some("5"));
        assert_eq!(
            lines.next(),
            Some("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
        );
        assert_eq!(lines.next(), Some("sjdj-time 1767225600"));
        assert_eq!(lines.next(), Some(""));
        assert!(lines.next().unwrap().starts_with("— sjdj/350000/fj-1 "));
        let v = verify(&c.note, &key(1).verifying_key(), Some(&origin)).unwrap();
        assert_eq!(v, c);
    }

    #[test]
    fn refuses_another_key_another_origin_and_tampering() {
        let origin = origin("350000", "fj-1");
        let c = sign(&key(1), &origin, 5, [7; 32], 100).unwrap();
        assert_eq!(
            verify(&c.note, &key(2).verifying_key(), None),
            Err(LogError::BadSignature)
        );
        assert!(matches!(
            verify(&c.note, &key(1).verifying_key(), Some("sjdj/110000/bj")),
            Err(LogError::Checkpoint(_))
        ));
        let tampered = String::from_utf8(c.note.clone())
            .unwrap()
            .replacen("\n5\n", "\n6\n", 1);
        assert_eq!(
            verify(tampered.as_bytes(), &key(1).verifying_key(), None),
            Err(LogError::BadSignature)
        );
    }

    #[test]
    fn a_cosigned_checkpoint_carries_both_signatures() {
        let origin = origin("350000", "fj-1");
        let national = origin_name_national();
        let c = sign(&key(1), &origin, 5, [7; 32], 100).unwrap();
        let receipt = cosign(&c.note, &key(3), &national).unwrap();
        let got = verify_cosigned(
            &receipt,
            &key(1).verifying_key(),
            &origin,
            &key(3).verifying_key(),
            &national,
        )
        .unwrap();
        assert_eq!((got.size, got.root), (5, [7; 32]));
        // The province's signature alone is no receipt; another cosigner is not the national one.
        assert_eq!(
            verify_cosigned(
                &c.note,
                &key(1).verifying_key(),
                &origin,
                &key(3).verifying_key(),
                &national
            ),
            Err(LogError::BadSignature)
        );
        let other = cosign(&c.note, &key(4), &national).unwrap();
        assert_eq!(
            verify_cosigned(
                &other,
                &key(1).verifying_key(),
                &origin,
                &key(3).verifying_key(),
                &national
            ),
            Err(LogError::BadSignature)
        );
    }

    fn origin_name_national() -> String {
        origin("100000", "national")
    }
}
