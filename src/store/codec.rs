//! Versioned encoding of every persisted value.
//!
//! Layout: one format byte, then the payload. Format 1 is the JSON encoding of the value's serde
//! form. A value with an unknown format byte is refused as corrupt rather than guessed at; a new
//! format gets a new byte and a migration.
use super::{Result, StoreError};
use serde::{de::DeserializeOwned, Serialize};

pub const FORMAT_JSON_V1: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT_JSON_V1];
    // Serialising our own plain structs to a Vec cannot fail (no maps with non-string keys).
    serde_json::to_writer(&mut out, value).expect("persisted types serialise to JSON");
    out
}

pub fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T> {
    let corrupt = |detail: String| StoreError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        detail,
    };
    match bytes.split_first() {
        Some((&FORMAT_JSON_V1, payload)) => {
            serde_json::from_slice(payload).map_err(|e| corrupt(e.to_string()))
        }
        Some((v, _)) => Err(corrupt(format!("unknown format version {v}"))),
        None => Err(corrupt("empty value".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let bytes = encode(&vec!["数据", "x"]);
        assert_eq!(bytes[0], FORMAT_JSON_V1);
        let back: Vec<String> = decode(b"k", &bytes).unwrap();
        assert_eq!(back, vec!["数据", "x"]);
        let err = decode::<Vec<String>>(b"k", &[9, b'[', b']']).unwrap_err();
        assert!(
            err.to_string().contains("unknown format version 9"),
            "{err}"
        );
        assert!(decode::<Vec<String>>(b"k", &[]).is_err());
        assert!(decode::<Vec<String>>(b"k", &[1, b'{']).is_err());
    }
}
