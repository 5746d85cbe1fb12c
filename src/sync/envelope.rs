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
use super::Refused;
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

/// Checks the type, the size and the signature by one of `trusted`; returns the payload bytes
/// and the key id that signed them. Nothing in the payload is looked at before this succeeds.
///
/// What an envelope may cost is bounded before any signature is checked: it carries at most as
/// many signatures as its signer has keys, each must name its key (no empty key id), and only
/// the first signature that names a trusted key is verified. So a bogus envelope costs at most
/// one verification (one pass of SHA-512 over the payload), whatever it carries.
pub fn open<'e>(
    envelope: &'e Envelope,
    expected_type: &str,
    trusted: &'e [TrustedKey],
) -> Result<(&'e [u8], &'e str), Refused> {
    if envelope.payload_type != expected_type {
        return Err(Refused::WrongPayloadType {
            got: crate::domain::flow::echo(&envelope.payload_type),
            expected: expected_type.to_string(),
        });
    }
    if envelope.payload.len() > MAX_PAYLOAD {
        return Err(Refused::PayloadTooLarge(envelope.payload.len()));
    }
    if envelope.signatures.is_empty() {
        return Err(Refused::Unsigned);
    }
    if envelope.signatures.len() > trusted.len().max(1) {
        return Err(Refused::TooManySignatures {
            got: envelope.signatures.len(),
            keys: trusted.len(),
        });
    }
    let named = envelope.signatures.iter().find_map(|s| {
        trusted
            .iter()
            .find(|t| !s.keyid.is_empty() && t.keyid == s.keyid)
            .map(|t| (s, t))
    });
    let Some((s, t)) = named else {
        let ids: Vec<String> = envelope
            .signatures
            .iter()
            .map(|s| crate::domain::flow::echo(&s.keyid))
            .collect();
        return Err(Refused::UnknownKey(ids.join(", ")));
    };
    let verified = Signature::from_slice(&s.sig).ok().is_some_and(|sig| {
        t.key
            .verify_strict(&pae(&envelope.payload_type, &envelope.payload), &sig)
            .is_ok()
    });
    if !verified {
        return Err(Refused::BadSignature(t.keyid.clone()));
    }
    Ok((&envelope.payload, &t.keyid))
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
            "ENVELOPE_UNKNOWN_KEY"
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
    fn a_bogus_envelope_is_refused_before_more_than_one_verification() {
        let t = payload_type("push-batch", 1);
        let good = seal(&t, vec![7; 1024], "fj", &key(1));
        let keys = [trusted(1, "fj")];
        let bogus = |n: usize, keyid: &str| Envelope {
            signatures: (0..n)
                .map(|_| EnvelopeSignature {
                    keyid: keyid.into(),
                    sig: vec![0; 64],
                })
                .collect(),
            ..good.clone()
        };
        // More signatures than the signer has keys: refused before any is checked.
        let e = open(&bogus(1000, "fj"), &t, &keys).unwrap_err();
        assert_eq!(e.reason(), "ENVELOPE_TOO_MANY_SIGNATURES");
        assert_eq!(
            e.to_string(),
            "the envelope has 1000 signatures; its signer has 1 key(s) to sign with"
        );
        // A signature with no key id, or another's, names no trusted key: nothing verified.
        assert_eq!(
            open(&bogus(1, ""), &t, &keys).unwrap_err().reason(),
            "ENVELOPE_UNKNOWN_KEY"
        );
        // The one that names the key is the only one checked; a forgery fails on it.
        assert_eq!(
            open(&bogus(1, "fj"), &t, &keys).unwrap_err(),
            Refused::BadSignature("fj".into())
        );
        // With two keys, a forged first signature for one key does not get the second tried.
        let two = [trusted(1, "fj"), trusted(2, "fj-old")];
        let mut forged_then_real = good.clone();
        forged_then_real.signatures.insert(
            0,
            EnvelopeSignature {
                keyid: "fj-old".into(),
                sig: vec![0; 64],
            },
        );
        assert_eq!(
            open(&forged_then_real, &t, &two).unwrap_err().reason(),
            "ENVELOPE_BAD_SIGNATURE"
        );
        assert!(open(&good, &t, &two).is_ok());
        // A huge payload type is echoed cut, not whole.
        let mut typed = good.clone();
        typed.payload_type = "x".repeat(1 << 20);
        let msg = open(&typed, &t, &keys).unwrap_err().to_string();
        assert!(msg.len() < 300, "{} bytes", msg.len());
    }

    #[test]
    fn lengths_keep_type_and_payload_apart() {
        // "a b" + "c" and "a" + "b c" would collide without the length prefixes.
        assert_ne!(pae("a b", b"c"), pae("a", b"b c"));
    }
}
