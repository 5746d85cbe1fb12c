//! Versioned encoding of every persisted value.
//!
//! Layout: one format byte, then the payload. Format 1 is the JSON encoding of the value's serde
//! form; format 2 ([`encode_compact`]) is its postcard encoding, for the values the writer
//! rewrites at every step (an application's state) or a lookup reads (a record, a mirrored
//! application), where JSON's field names and parsing cost the most. Postcard is positional: a
//! type written in format 2 changes its fields only with a new format byte (or a new key) and code
//! that still reads the old one. A value with an unknown format byte is refused as corrupt rather
//! than guessed at.
use super::{Result, StoreError};
use serde::{de::DeserializeOwned, Serialize};

pub const FORMAT_JSON_V1: u8 = 1;
pub const FORMAT_COMPACT_V1: u8 = 2;

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT_JSON_V1];
    // Serialising our own plain structs to a Vec cannot fail (no maps with non-string keys).
    serde_json::to_writer(&mut out, value).expect("persisted types serialise to JSON");
    out
}

/// The compact form, for plain structs only: no `flatten`, no `skip_serializing_if`, no untagged
/// enums, which a positional format cannot read back.
pub fn encode_compact<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_extend(value, vec![FORMAT_COMPACT_V1])
        .expect("persisted types serialise to postcard")
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
        Some((&FORMAT_COMPACT_V1, payload)) => match postcard::take_from_bytes(payload) {
            Ok((value, [])) => Ok(value),
            Ok((_, rest)) => Err(corrupt(format!("{} bytes after the value", rest.len()))),
            Err(e) => Err(corrupt(e.to_string())),
        },
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

    #[test]
    fn the_compact_form_round_trips_and_refuses_what_it_cannot_read() {
        let value = (vec!["数据".to_string(), "x".into()], Some(7u64));
        let bytes = encode_compact(&value);
        assert_eq!(bytes[0], FORMAT_COMPACT_V1);
        assert!(bytes.len() < encode(&value).len());
        let back: (Vec<String>, Option<u64>) = decode(b"k", &bytes).unwrap();
        assert_eq!(back, value);
        let cut = decode::<(Vec<String>, Option<u64>)>(b"k", &bytes[..bytes.len() - 1]);
        assert!(cut.is_err(), "a cut value is refused");
        let mut longer = bytes.clone();
        longer.push(0);
        let err = decode::<(Vec<String>, Option<u64>)>(b"k", &longer).unwrap_err();
        assert!(err.to_string().contains("1 bytes after the value"), "{err}");
    }
}
