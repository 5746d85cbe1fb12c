//! Signed envelopes: everything that crosses between nodes.
//!
//! The format is DSSE v1 (secure-systems-lab/dsse, the envelope in-toto and Sigstore use): a
//! payload type, the payload bytes, and signatures over the pre-authentication encoding
//!
//! ```text
//! PAE(type, payload) = "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload
//! ```
//!
//! so the bytes signed are exactly the bytes sent — nothing is re-encoded to verify, and a
//! signature over one payload type can never be replayed as another. Our payload types name the
//! message and its format version, `application/vnd.sjdj.{name}.v{n}+protobuf`, and are the
//! domain-separation label. A signature's `keyid` is the signed-note key id of the signer's
//! origin and key (see `log::checkpoint`), so one key is named the same way in checkpoints
//! and envelopes.
//!
//! [`open`] verifies before anything is decoded: the payload type must be one the caller
//! expects, a signature must verify under a trusted key, and only then are the payload bytes
//! handed back. PAE is five lines; a crate for it would bring more than it saves.
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// Largest payload a node accepts in one envelope (a sync batch of entries).
pub const MAX_PAYLOAD: usize = 16 << 20;

/// One signature: who (key id) and the ed25519 signature over PAE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    pub keyid: String,
    pub sig: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<EnvelopeSignature>,
}

/// A key an envelope may be signed by.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub keyid: String,
    pub key: VerifyingKey,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("payload type {got:?} is not the expected {expected:?}")]
    WrongType { got: String, expected: String },
    #[error("payload of {0} bytes is larger than {MAX_PAYLOAD}")]
    TooLarge(usize),
    #[error("the envelope has no signature")]
    Unsigned,
    #[error("no signature by a trusted key verifies (key ids: {0})")]
    Untrusted(String),
}

impl EnvelopeError {
    /// Stable reason code.
    pub fn reason(&self) -> &'static str {
        match self {
            EnvelopeError::WrongType { .. } => "ENVELOPE_WRONG_TYPE",
            EnvelopeError::TooLarge(_) => "ENVELOPE_TOO_LARGE",
            EnvelopeError::Unsigned => "ENVELOPE_UNSIGNED",
            EnvelopeError::Untrusted(_) => "ENVELOPE_BAD_SIGNATURE",
        }
    }
}

/// The payload type of message `name` at format version `version`.
pub fn payload_type(name: &str, version: u32) -> String {
    format!("application/vnd.sjdj.{name}.v{version}+protobuf")
}

/// DSSE's pre-authentication encoding: what a signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Signs `payload` as `payload_type` with `key`, named `keyid`.
pub fn seal(payload_type: &str, payload: Vec<u8>, keyid: &str, key: &SigningKey) -> Envelope {
    let sig = key.sign(&pae(payload_type, &payload)).to_bytes().to_vec();
    Envelope {
        payload_type: payload_type.to_string(),
        payload,
        signatures: vec![EnvelopeSignature {
            keyid: keyid.to_string(),
            sig,
        }],
    }
}

/// Checks the type, the size and a signature by one of `trusted`; returns the payload bytes and
/// the key id that signed them. Nothing in the payload is looked at before this succeeds.
pub fn open<'e>(
    envelope: &'e Envelope,
    expected_type: &str,
    trusted: &'e [TrustedKey],
) -> Result<(&'e [u8], &'e str), EnvelopeError> {
    if envelope.payload_type != expected_type {
        return Err(EnvelopeError::WrongType {
            got: envelope.payload_type.clone(),
            expected: expected_type.to_string(),
        });
    }
    if envelope.payload.len() > MAX_PAYLOAD {
        return Err(EnvelopeError::TooLarge(envelope.payload.len()));
    }
    if envelope.signatures.is_empty() {
        return Err(EnvelopeError::Unsigned);
    }
    let message = pae(&envelope.payload_type, &envelope.payload);
    for s in &envelope.signatures {
        let Ok(sig) = Signature::from_slice(&s.sig) else {
            continue;
        };
        // A signature names its key; an empty key id may be any trusted key (DSSE allows it).
        let candidates = trusted
            .iter()
            .filter(|t| s.keyid.is_empty() || t.keyid == s.keyid);
        for t in candidates {
            if t.key.verify_strict(&message, &sig).is_ok() {
                return Ok((&envelope.payload, &t.keyid));
            }
        }
    }
    let ids: Vec<&str> = envelope
        .signatures
        .iter()
        .map(|s| s.keyid.as_str())
        .collect();
    Err(EnvelopeError::Untrusted(ids.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn trusted(seed: u8, keyid: &str) -> TrustedKey {
        TrustedKey {
            keyid: keyid.into(),
            key: key(seed).verifying_key(),
        }
    }

    #[test]
    fn pae_matches_the_dsse_specification_vector() {
        // protocol.md, "Test Vectors".
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn a_sealed_envelope_opens_only_as_its_type_under_a_trusted_key() {
        let t = payload_type("sync-batch", 1);
        assert_eq!(t, "application/vnd.sjdj.sync-batch.v1+protobuf");
        let e = seal(&t, b"entries".to_vec(), "fj", &key(1));
        let keys = [trusted(2, "gd"), trusted(1, "fj")];
        let (payload, by) = open(&e, &t, &keys).unwrap();
        assert_eq!((payload, by), (&b"entries"[..], "fj"));

        let other = payload_type("receipt", 1);
        assert_eq!(
            open(&e, &other, &[trusted(1, "fj")]).unwrap_err().reason(),
            "ENVELOPE_WRONG_TYPE"
        );
        assert_eq!(
            open(&e, &t, &[trusted(2, "fj")]).unwrap_err().reason(),
            "ENVELOPE_BAD_SIGNATURE"
        );
        assert_eq!(
            open(&e, &t, &[trusted(1, "gd")]).unwrap_err().reason(),
            "ENVELOPE_BAD_SIGNATURE"
        );

        // The same signature replayed under another payload type does not verify.
        let mut relabelled = e.clone();
        relabelled.payload_type = other.clone();
        assert_eq!(
            open(&relabelled, &other, &[trusted(1, "fj")])
                .unwrap_err()
                .reason(),
            "ENVELOPE_BAD_SIGNATURE"
        );
        let mut tampered = e.clone();
        tampered.payload[0] ^= 1;
        assert_eq!(
            open(&tampered, &t, &[trusted(1, "fj")])
                .unwrap_err()
                .reason(),
            "ENVELOPE_BAD_SIGNATURE"
        );
        let mut unsigned = e.clone();
        unsigned.signatures.clear();
        assert_eq!(
            open(&unsigned, &t, &[trusted(1, "fj")])
                .unwrap_err()
                .reason(),
            "ENVELOPE_UNSIGNED"
        );
        let big = Envelope {
            payload: vec![0; MAX_PAYLOAD + 1],
            ..e
        };
        assert_eq!(
            open(&big, &t, &[trusted(1, "fj")]).unwrap_err().reason(),
            "ENVELOPE_TOO_LARGE"
        );
    }

    #[test]
    fn lengths_keep_type_and_payload_apart() {
        // "a b" + "c" and "a" + "b c" would collide without the length prefixes.
        assert_ne!(pae("a b", b"c"), pae("a", b"b c"));
    }
}
