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
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Real, published unified social credit codes. The check character of
    /// each was recomputed independently of this module.
    const REAL_CREDIT_CODES: &[&str] = &[
        "91350100M000100Y43", // commonly cited example (福州)
        "914403001922038216", // 华为技术有限公司
        "91110108551385082Q", // 小米科技有限责任公司
        "91110000802100433B", // 百度在线网络技术（北京）有限公司
        "91330100716105852F", // 阿里巴巴（中国）有限公司
    ];

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for &expected in &WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn real_credit_codes_are_valid() {
        for code in REAL_CREDIT_CODES {
            let c = CreditCode::parse(code).expect(code);
            assert_eq!(c.as_str(), *code);
            assert_eq!(check_char(&code.as_bytes()[..17]), Ok(code.as_bytes()[17]));
        }
    }

    #[test]
    fn every_single_character_error_in_real_codes_is_caught() {
        for code in REAL_CREDIT_CODES {
            for pos in 0..18 {
                for &sub in ALPHABET.iter() {
                    let mut b = code.as_bytes().to_vec();
                    if b[pos] == sub {
                        continue;
                    }
                    b[pos] = sub;
                    let s = String::from_utf8(b).unwrap();
                    let err = CreditCode::parse(&s).unwrap_err();
                    assert_eq!(err.reason(), "CREDIT_CODE_BAD_CHECK_CHARACTER", "{s}");
                }
            }
        }
    }

    #[test]
    fn credit_code_normalises_and_refuses() {
        let c = CreditCode::parse("  91350100m000100y43\n").unwrap();
        assert_eq!(c.to_string(), "91350100M000100Y43");
        let cases = [
            ("91350100M000100Y4", "CREDIT_CODE_LENGTH"),
            ("91350100M000100Y433", "CREDIT_CODE_LENGTH"),
            ("", "CREDIT_CODE_LENGTH"),
            ("91350100M000100I43", "CREDIT_CODE_CHARACTER"),
            ("91350100M000100O43", "CREDIT_CODE_CHARACTER"),
            ("9135010éM000100Y43", "CREDIT_CODE_CHARACTER"),
            ("91350100M000100Y44", "CREDIT_CODE_BAD_CHECK_CHARACTER"),
        ];
        for (input, reason) in cases {
            assert_eq!(
                CreditCode::parse(input).unwrap_err().reason(),
                reason,
                "{input}"
            );
        }
        let err = CreditCode::parse("9135010éM000100Y43").unwrap_err();
        assert_eq!(
            err,
            CodeError::CreditCharacter {
                position: 8,
                found: 'é'
            }
        );
        assert!(err.to_string().contains("position 8"));
        let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert!(err.to_string().contains("expected '3'"), "{err}");
    }

    #[test]
    fn check_char_refuses_bad_input() {
        assert_eq!(
            check_char(b"123").unwrap_err().reason(),
            "CODE_CHECK_INPUT_LENGTH"
        );
        let err = check_char(b"9135010aM000100Y4").unwrap_err();
        assert_eq!(
            err,
            CodeError::Character {
                position: 8,
                found: 'a'
            }
        );
    }

    #[test]
    fn credit_code_serde() {
        let c = CreditCode::parse(REAL_CREDIT_CODES[1]).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"914403001922038216\"");
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), c);
        assert!(serde_json::from_str::<CreditCode>("\"914403001922038217\"").is_err());
        assert!(serde_json::from_str::<CreditCode>("42").is_err());
    }

    #[test]
    fn regions() {
        for ok in [
            "110000", "110101", "100000", "440300", "710000", "820000", "650000",
        ] {
            let r = Region::parse(ok).unwrap();
            assert_eq!(r.to_string(), ok);
        }
        let bad = [
            ("11000", "REGION_FORMAT"),
            ("1100000", "REGION_FORMAT"),
            ("11000A", "REGION_FORMAT"),
            ("１１0000", "REGION_FORMAT"),
            ("160000", "REGION_PROVINCE"),
            ("000000", "REGION_PROVINCE"),
            ("990000", "REGION_PROVINCE"),
            ("100100", "REGION_PROVINCE"),
        ];
        for (input, reason) in bad {
            assert_eq!(
                Region::parse(input).unwrap_err().reason(),
                reason,
                "{input}"
            );
        }
        let r = Region::parse("440305").unwrap();
        assert!(!r.is_namespace());
        assert_eq!(r.province(), Region::parse("440000").unwrap());
        assert!(r.province().is_namespace());
        assert!(Region::CENTRAL.is_namespace());
        assert_eq!(Region::CENTRAL.province(), Region::CENTRAL);
        assert_eq!(Region::CENTRAL.to_string(), "100000");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"440305\"");
        assert_eq!(serde_json::from_str::<Region>("\"440305\"").unwrap(), r);
        assert!(serde_json::from_str::<Region>("\"160000\"").is_err());
    }

    fn region(s: &str) -> Region {
        Region::parse(s).unwrap()
    }

    #[test]
    fn unified_code_known_values() {
        // Expected strings computed independently of this module.
        let cases = [
            (
                DataType::PublicDataResource,
                "110000",
                2025,
                1,
                "11100002025000001M",
            ),
            (
                DataType::DataProductOrService,
                "440000",
                2026,
                31,
                "24400002026000010K",
            ),
            (
                DataType::OpenDataResource,
                "100000",
                2027,
                MAX_SERIAL,
                "31000002027YYYYYYT",
            ),
            (
                DataType::PublicDataResource,
                "310000",
                2025,
                123_456,
                "131000020250044EER",
            ),
        ];
        for (dt, r, y, n, expected) in cases {
            let c = UnifiedCode::new(dt, region(r), y, n).unwrap();
            assert_eq!(c.format(), expected);
            assert_eq!(c.to_string(), expected);
            assert_eq!(UnifiedCode::parse(expected).unwrap(), c);
            assert_eq!(UnifiedCode::parse(&expected.to_lowercase()).unwrap(), c);
        }
        assert_eq!(MAX_SERIAL, 31u32.pow(6) - 1);
        let c = UnifiedCode::new(DataType::PublicDataResource, region("110000"), 2025, 1).unwrap();
        assert_eq!(c.serial_str(), "000001");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"11100002025000001M\"");
        assert_eq!(serde_json::from_str::<UnifiedCode>(&json).unwrap(), c);
        assert!(serde_json::from_str::<UnifiedCode>("\"11100002025000001N\"").is_err());
    }

    #[test]
    fn unified_code_new_refuses() {
        let dt = DataType::PublicDataResource;
        let cases = [
            (region("110101"), 2025, 1, "CODE_REGION"),
            (region("110000"), 1999, 1, "CODE_YEAR"),
            (region("110000"), 2025, 0, "CODE_SERIAL"),
            (region("110000"), 2025, MAX_SERIAL + 1, "CODE_SERIAL"),
        ];
        for (r, y, n, reason) in cases {
            assert_eq!(UnifiedCode::new(dt, r, y, n).unwrap_err().reason(), reason);
        }
    }

    #[test]
    fn unified_code_parse_refuses_each_part() {
        let cases = [
            ("11100002025000001", "CODE_LENGTH"),
            ("11100002025000001MM", "CODE_LENGTH"),
            ("11100002025000O01M", "CODE_CHARACTER"),
            ("1110000202500000 M", "CODE_CHARACTER"),
            ("41100002025000001M", "CODE_DATA_TYPE"),
            ("A1100002025000001M", "CODE_DATA_TYPE"),
            ("11600002025000001M", "CODE_REGION"),
            ("11101012025000001M", "CODE_REGION"),
            ("111A0002025000001M", "CODE_REGION"),
            ("11100001999000001M", "CODE_YEAR"),
            ("111000020A5000001M", "CODE_YEAR"),
            ("11100002025000000M", "CODE_SERIAL"),
            ("11100002025000001N", "CODE_BAD_CHECK_CHARACTER"),
        ];
        for (input, reason) in cases {
            let err = UnifiedCode::parse(input).unwrap_err();
            assert_eq!(err.reason(), reason, "{input}: {err}");
        }
        let err = UnifiedCode::parse("11100002025000O01M").unwrap_err();
        assert!(err.to_string().contains("position 15"), "{err}");
    }

    #[test]
    fn query_codes() {
        // Independently computed: base32(SHA-256(m)[..10]).lower().
        assert_eq!(query_code(b""), "4oymiquy7qobjgx3");
        assert_eq!(query_code(b"abc"), "xj4bnp4pahh6uqkb");
        assert!(is_query_code("4oymiquy7qobjgx3"));
        assert!(!is_query_code("4OYMIQUY7QOBJGX3"));
        assert!(!is_query_code("4oymiquy7qobjgx"));
        assert!(!is_query_code("4oymiquy7qobjgx31"));
        assert!(!is_query_code("4oymiquy1qobjgx3"));
        assert!(!is_query_code("4oymiquy7qobjgx="));
    }

    fn arb_code() -> impl Strategy<Value = UnifiedCode> {
        let prefixes: Vec<u32> = (10..=82).filter(|&p| is_province_prefix(p)).collect();
        (
            1u8..=3,
            proptest::sample::select(prefixes),
            MIN_YEAR..=MAX_YEAR,
            1..=MAX_SERIAL,
        )
            .prop_map(|(d, p, y, n)| {
                let dt = DataType::from_digit(d).unwrap();
                let r = Region::from_u32(p * 10_000).unwrap();
                UnifiedCode::new(dt, r, y, n).unwrap()
            })
    }

    proptest! {
        #[test]
        fn parse_format_round_trip(c in arb_code()) {
            prop_assert_eq!(UnifiedCode::parse(&c.format()), Ok(c));
        }

        #[test]
        fn single_substitution_is_rejected(c in arb_code(), pos in 0usize..18, k in 1usize..31) {
            let mut b = c.format().into_bytes();
            let old = ALPHABET.iter().position(|&a| a == b[pos]).unwrap();
            b[pos] = ALPHABET[(old + k) % 31];
            let s = String::from_utf8(b).unwrap();
            prop_assert!(UnifiedCode::parse(&s).is_err(), "{} accepted", s);
        }

        #[test]
        fn serial_order_is_string_order(a in 1..=MAX_SERIAL, b in 1..=MAX_SERIAL) {
            let r = Region::CENTRAL;
            let ca = UnifiedCode::new(DataType::PublicDataResource, r, 2025, a).unwrap();
            let cb = UnifiedCode::new(DataType::PublicDataResource, r, 2025, b).unwrap();
            prop_assert_eq!(a.cmp(&b), ca.serial_str().cmp(&cb.serial_str()));
            prop_assert_eq!(a.cmp(&b), ca.format()[11..17].cmp(&cb.format()[11..17]));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,24}") {
            let _ = UnifiedCode::parse(&s);
            let _ = CreditCode::parse(&s);
            let _ = Region::parse(&s);
            let _ = check_char(s.as_bytes());
        }
    }
}
