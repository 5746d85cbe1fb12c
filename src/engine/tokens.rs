//! Bearer tokens: random secrets shown once, stored only as SHA-256 hashes, each bound to a role
//! and, for registrants, to one subject.
use crate::domain::types::{Actor, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the node keeps of a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public identifier: the first 12 hex digits of the token's hash.
    pub token_id: String,
    pub role: Role,
    pub holder: String,
    pub subject: Option<String>,
    pub created_at: i64,
    pub revoked: bool,
    /// Unix seconds from which the token is refused, by the node clock. 0: issued before
    /// tokens carried an expiry, so `created_at` plus the node's default lifetime.
    #[serde(default)]
    pub expires_at: i64,
}

impl TokenRecord {
    /// When the token stops working, given the node's default lifetime in days.
    pub fn expiry(&self, default_ttl_days: u32) -> i64 {
        match self.expires_at {
            0 => self.created_at + i64::from(default_ttl_days) * 86_400,
            at => at,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            id: self.token_id.clone(),
            role: self.role,
            holder: self.holder.clone(),
            subject: self.subject.clone(),
        }
    }
}

/// A freshly issued token: the secret is in `token`, shown to the caller once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub record: TokenRecord,
}

pub fn hash_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 160 random bits, base32: unguessable and easy to paste.
pub fn generate() -> String {
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes).expect("the OS random source is available");
    let b32 = base32::encode(base32::Alphabet::Rfc4648Lower { padding: false }, &bytes);
    format!("sjdj_{b32}")
}

pub fn token_id(hash_hex: &str) -> String {
    hash_hex[..12].to_string()
}
