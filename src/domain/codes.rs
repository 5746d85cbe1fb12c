//! Identifiers of the registration domain and their check characters.
//!
//! * [`CreditCode`]: 统一社会信用代码 (GB 32100-2015), the 18-character
//!   identifier of the registering subject.
//! * [`UnifiedCode`]: 统一登记编码, the 18-character code this node assigns to
//!   a registered data resource: data type digit, a GB/T 2260 region namespace,
//!   the year, a base-31 serial and a GB 32100 check character.
//! * [`Region`]: a GB/T 2260 six-digit administrative division code.
//! * [`query_code`]: the short code printed on a certificate so that anyone
//!   holding the signed bytes can look the registration up.
//!
//! Both 18-character codes share one alphabet and one check algorithm
//! ([`check_char`]), so a single-character typo is always detected: the
//! weights are powers of 3 modulo the prime 31, all non-zero, so changing one
//! character always changes the weighted sum modulo 31.
//!
//! Parsers never panic; each failure has its own stable reason code
//! ([`CodeError::reason`]) so that callers and logs can match on it.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::types::DataType;

/// The GB 32100 alphabet. I, O, S, V and Z are left out because they are
/// easily confused with 1, 0, 5, U and 2 when read aloud or handwritten.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights 3^(i-1) mod 31 for positions i = 1..=17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Largest serial a six-character base-31 field can hold (31^6 − 1).
pub const MAX_SERIAL: u32 = 887_503_680;

/// Years a unified code may carry; four digits, and nothing before the
/// registration system existed.
pub const MIN_YEAR: u16 = 2000;
pub const MAX_YEAR: u16 = 9999;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    #[error("check character input must be exactly 17 characters, got {found}")]
    CheckInputLength { found: usize },
    #[error("character {found:?} at position {position} is not in the GB 32100 alphabet")]
    Character { position: usize, found: char },
    #[error("unified registration code must be 18 characters, got {found}")]
    Length { found: usize },
    #[error("unified registration code: data type {found:?} at position 1 is not 1, 2 or 3")]
    DataType { found: char },
    #[error("unified registration code: region {region:?} at positions 2-7 {problem}")]
    Region {
        region: String,
        problem: &'static str,
    },
    #[error("unified registration code: year {found:?} at positions 8-11 is not a year in {MIN_YEAR}..={MAX_YEAR}")]
    Year { found: String },
    #[error("unified registration code: serial {found} is outside 1..={MAX_SERIAL}")]
    Serial { found: u32 },
    #[error(
        "unified registration code {code}: check character is {found:?}, expected {expected:?}"
    )]
    BadCheckCharacter {
        code: String,
        expected: char,
        found: char,
    },
    #[error("unified social credit code must be 18 characters, got {found}")]
    CreditLength { found: usize },
    #[error("unified social credit code: character {found:?} at position {position} is not in the GB 32100 alphabet")]
    CreditCharacter { position: usize, found: char },
    #[error(
        "unified social credit code {code}: check character is {found:?}, expected {expected:?}"
    )]
    CreditBadCheckCharacter {
        code: String,
        expected: char,
        found: char,
    },
    #[error("region code {found:?} must be exactly 6 ASCII digits")]
    RegionFormat { found: String },
    #[error("region code {found:?} does not start with a province-level prefix")]
    RegionProvince { found: String },
}

impl CodeError {
    /// Stable machine-readable reason code.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::CheckInputLength { .. } => "CODE_CHECK_INPUT_LENGTH",
            Self::Character { .. } => "CODE_CHARACTER",
            Self::Length { .. } => "CODE_LENGTH",
            Self::DataType { .. } => "CODE_DATA_TYPE",
            Self::Region { .. } => "CODE_REGION",
            Self::Year { .. } => "CODE_YEAR",
            Self::Serial { .. } => "CODE_SERIAL",
            Self::BadCheckCharacter { .. } => "CODE_BAD_CHECK_CHARACTER",
            Self::CreditLength { .. } => "CREDIT_CODE_LENGTH",
            Self::CreditCharacter { .. } => "CREDIT_CODE_CHARACTER",
            Self::CreditBadCheckCharacter { .. } => "CREDIT_CODE_BAD_CHECK_CHARACTER",
            Self::RegionFormat { .. } => "REGION_FORMAT",
            Self::RegionProvince { .. } => "REGION_PROVINCE",
        }
    }
}

fn alphabet_value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|i| i as u32)
}

/// GB 32100 check character over the first 17 characters of a credit code
/// or unified code. Input must already be upper case.
pub fn check_char(first17: &[u8]) -> Result<u8, CodeError> {
    if first17.len() != 17 {
        return Err(CodeError::CheckInputLength {
            found: first17.len(),
        });
    }
    let mut sum = 0u32;
    for (i, (&c, w)) in first17.iter().zip(WEIGHTS).enumerate() {
        let v = alphabet_value(c).ok_or(CodeError::Character {
            position: i + 1,
            found: char::from(c),
        })?;
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    Ok(ALPHABET[check as usize])
}

/// Trims, upper-cases ASCII and splits into 18 alphabet bytes, reporting
/// failures through the caller's choice of variants.
fn normalise18(
    input: &str,
    length: fn(usize) -> CodeError,
    character: fn(usize, char) -> CodeError,
) -> Result<[u8; 18], CodeError> {
    let s = input.trim();
    let count = s.chars().count();
    if count != 18 {
        return Err(length(count));
    }
    let mut out = [0u8; 18];
    for (i, (slot, ch)) in out.iter_mut().zip(s.chars()).enumerate() {
        let up = ch.to_ascii_uppercase();
        match u8::try_from(up) {
            Ok(b) if alphabet_value(b).is_some() => *slot = b,
            _ => return Err(character(i + 1, ch)),
        }
    }
    Ok(out)
}

fn ascii(bytes: &[u8]) -> String {
    // Only ever called on bytes already checked against ALPHABET.
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// 统一社会信用代码 of a registering subject, in canonical upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let raw = normalise18(
            input,
            |found| CodeError::CreditLength { found },
            |position, found| CodeError::CreditCharacter { position, found },
        )?;
        let expected = check_char(&raw[..17])?;
        if raw[17] != expected {
            return Err(CodeError::CreditBadCheckCharacter {
                code: ascii(&raw),
                expected: char::from(expected),
                found: char::from(raw[17]),
            });
        }
        Ok(Self(ascii(&raw)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

/// A GB/T 2260 six-digit administrative division code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(u32);

/// Province-level prefixes of GB/T 2260, plus 10 for the central namespace.
fn is_province_prefix(p: u32) -> bool {
    matches!(p, 10..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
}

/// The 31 provinces, autonomous regions and municipalities of the mainland: each one's ISO
/// 3166-2:CN subdivision code, lower case (what the tests and benches name its node), and its
/// GB/T 2260 code.
pub const PROVINCES: [(&str, &str); 31] = [
    ("bj", "110000"),
    ("tj", "120000"),
    ("he", "130000"),
    ("sx", "140000"),
    ("nm", "150000"),
    ("ln", "210000"),
    ("jl", "220000"),
    ("hl", "230000"),
    ("sh", "310000"),
    ("js", "320000"),
    ("zj", "330000"),
    ("ah", "340000"),
    ("fj", "350000"),
    ("jx", "360000"),
    ("sd", "370000"),
    ("ha", "410000"),
    ("hb", "420000"),
    ("hn", "430000"),
    ("gd", "440000"),
    ("gx", "450000"),
    ("hi", "460000"),
    ("cq", "500000"),
    ("sc", "510000"),
    ("gz", "520000"),
    ("yn", "530000"),
    ("xz", "540000"),
    ("sn", "610000"),
    ("gs", "620000"),
    ("qh", "630000"),
    ("nx", "640000"),
    ("xj", "650000"),
];

impl Region {
    /// The central (national) registration namespace.
    pub const CENTRAL: Region = Region(100_000);

    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let b = input.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return Err(CodeError::RegionFormat {
                found: input.to_owned(),
            });
        }
        let value = b
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        Self::from_u32(value).ok_or_else(|| CodeError::RegionProvince {
            found: input.to_owned(),
        })
    }

    /// `None` unless `value` is a six-digit code with a known prefix. Prefix
    /// 10 exists only as the central namespace, never as a real division.
    pub fn from_u32(value: u32) -> Option<Self> {
        let prefix = value / 10_000;
        if !(100_000..=999_999).contains(&value) || !is_province_prefix(prefix) {
            return None;
        }
        if prefix == 10 && value != 100_000 {
            return None;
        }
        Some(Self(value))
    }

    pub fn value(self) -> u32 {
        self.0
    }

    /// Province-level codes (`XX0000`, including `100000`) are the namespaces
    /// in which unified codes are assigned.
    pub fn is_namespace(self) -> bool {
        self.0.is_multiple_of(10_000)
    }

    pub fn province(self) -> Region {
        Region(self.0 / 10_000 * 10_000)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl TryFrom<String> for Region {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        Self::parse(&s)
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.to_string()
    }
}

/// 统一登记编码: `T RRRRRR YYYY SSSSSS C` without spaces.
///
/// Build values with [`UnifiedCode::new`] or [`UnifiedCode::parse`]; the
/// fields are public for reading. A value assembled by hand that `new` would
/// refuse formats to a string that `parse` refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnifiedCode {
    pub data_type: DataType,
    pub region: Region,
    pub year: u16,
    pub serial: u32,
}

/// Six base-31 digits, most significant first, so that string order of the
/// serial field equals numeric order (the alphabet is in ASCII order).
fn encode_serial(serial: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    let mut n = serial;
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 31) as usize];
        n /= 31;
    }
    out
}

impl UnifiedCode {
    pub fn new(
        data_type: DataType,
        region: Region,
        year: u16,
        serial: u32,
    ) -> Result<Self, CodeError> {
        let code = Self {
            data_type,
            region,
            year,
            serial,
        };
        if !region.is_namespace() {
            return Err(CodeError::Region {
                region: region.to_string(),
                problem: "is not a province-level registration namespace",
            });
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CodeError::Year {
                found: year.to_string(),
            });
        }
        if !(1..=MAX_SERIAL).contains(&serial) {
            return Err(CodeError::Serial { found: serial });
        }
        Ok(code)
    }

    fn first17(&self) -> [u8; 17] {
        let mut out = [0u8; 17];
        out[0] = b'0' + self.data_type.digit();
        let head = format!("{}{:04}", self.region, self.year);
        for (slot, b) in out[1..11].iter_mut().zip(head.bytes()) {
            *slot = b;
        }
        out[11..17].copy_from_slice(&encode_serial(self.serial));
        out
    }

    /// The 18-character code.
    pub fn format(&self) -> String {
        let first = self.first17();
        // Every byte of `first` comes from ALPHABET, so this cannot fail.
        let check = check_char(&first).unwrap_or(b'0');
        let mut s = ascii(&first);
        s.push(char::from(check));
        s
    }

    /// The six serial characters, e.g. `000001`.
    pub fn serial_str(&self) -> String {
        ascii(&encode_serial(self.serial))
    }

    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let raw = normalise18(
            input,
            |found| CodeError::Length { found },
            |position, found| CodeError::Character { position, found },
        )?;
        let code = ascii(&raw);
        let data_type =
            DataType::from_digit(raw[0].wrapping_sub(b'0')).ok_or_else(|| CodeError::DataType {
                found: char::from(raw[0]),
            })?;
        let region_str = ascii(&raw[1..7]);
        let region = match Region::parse(&region_str) {
            Ok(r) if r.is_namespace() => r,
            Ok(_) => {
                return Err(CodeError::Region {
                    region: region_str,
                    problem: "is not a province-level registration namespace",
                })
            }
            Err(e) => {
                let problem = match e {
                    CodeError::RegionFormat { .. } => "is not 6 digits",
                    _ => "has no known province-level prefix",
                };
                return Err(CodeError::Region {
                    region: region_str,
                    problem,
                });
            }
        };
        let year_str = ascii(&raw[7..11]);
        let year = if raw[7..11].iter().all(u8::is_ascii_digit) {
            raw[7..11]
                .iter()
                .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'))
        } else {
            return Err(CodeError::Year { found: year_str });
        };
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CodeError::Year { found: year_str });
        }
        let mut serial = 0u32;
        for &c in &raw[11..17] {
            // Already checked against the alphabet by normalise18.
            serial = serial * 31 + alphabet_value(c).unwrap_or(0);
        }
        if serial == 0 {
            return Err(CodeError::Serial { found: 0 });
        }
        let expected = check_char(&raw[..17])?;
        if raw[17] != expected {
            return Err(CodeError::BadCheckCharacter {
                code,
                expected: char::from(expected),
                found: char::from(raw[17]),
            });
        }
        Ok(Self {
            data_type,
            region,
            year,
            serial,
        })
    }
}

impl fmt::Display for UnifiedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

impl TryFrom<String> for UnifiedCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        Self::parse(&s)
    }
}

impl From<UnifiedCode> for String {
    fn from(c: UnifiedCode) -> String {
        c.format()
    }
}

/// Length of a query code in characters (80 bits in base32).
pub const QUERY_CODE_LEN: usize = 16;

/// RFC 4648 base32 (lower case, unpadded) of the first 80 bits of SHA-256
/// over the signed certificate bytes. 80 bits keeps the code short enough to
/// read out over the phone while making a collision among a node's
/// certificates practically impossible.
pub fn query_code(signed_certificate: &[u8]) -> String {
    let digest = Sha256::digest(signed_certificate);
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &digest[..10]).to_ascii_lowercase()
}

/// True for exactly 16 characters of lower-case RFC 4648 base32. Upper case
/// is refused so that there is one spelling per code; callers taking user
/// input should lower-case it first.
pub fn is_query_code(s: &str) -> bool {
    s.len() == QUERY_CODE_LEN && s.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
