//! Tests of `codes.rs`.
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

#[test]
fn the_31_mainland_provinces_are_province_namespaces_each_once() {
    let mut seen = std::collections::BTreeSet::new();
    for (abbreviation, code) in PROVINCES {
        let region = Region::parse(code).unwrap();
        assert_eq!(region.province(), region, "{code} is a province code");
        assert_ne!(region, Region::CENTRAL);
        assert_eq!(abbreviation.len(), 2);
        assert!(seen.insert(code), "{code} twice");
    }
    // Every province prefix but the central namespace, Taiwan, Hong Kong and Macao.
    let others = (10..=99)
        .filter(|p| Region::parse(&format!("{p}0000")).is_ok())
        .filter(|p| ![10, 71, 81, 82].contains(p))
        .count();
    assert_eq!(others, PROVINCES.len());
}
