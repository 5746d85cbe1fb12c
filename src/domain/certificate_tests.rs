//! Tests of `certificate.rs`.
use super::*;
use codes::Region;
use proptest::prelude::*;
use serde::Deserialize;
use time::macros::date;

#[derive(Deserialize)]
struct VectorFile {
    signing_label: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    seed_hex: String,
    public_key_hex: String,
    certificate: VectorCert,
    body_hex: String,
    signature_hex: String,
    query_code: String,
}

#[derive(Deserialize)]
struct VectorCert {
    code: String,
    version: u32,
    registration_type: u8,
    data_type: u8,
    subject_name: String,
    subject_credit_code: String,
    data_name: String,
    summary: String,
    issuer_node: String,
    issuer_key_id: String,
    assigned_on: String,
    valid_from: String,
    valid_until: String,
    issued_at: i64,
    log_index: u64,
}

fn day(s: &str) -> Date {
    Date::parse(
        s,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap()
}

fn vectors() -> VectorFile {
    serde_json::from_str(include_str!("../../tests/vectors/certificate_v1.json")).unwrap()
}

fn key(seed_hex: &str) -> SigningKey {
    SigningKey::from_bytes(&hex::decode(seed_hex).unwrap().try_into().unwrap())
}

fn from_vector(v: &VectorCert) -> Certificate {
    Certificate {
        code: UnifiedCode::parse(&v.code).unwrap(),
        version: v.version,
        registration_type: RegistrationType::from_number(v.registration_type).unwrap(),
        data_type: DataType::from_digit(v.data_type).unwrap(),
        subject_name: v.subject_name.clone(),
        subject_credit_code: CreditCode::parse(&v.subject_credit_code).unwrap(),
        data_name: v.data_name.clone(),
        summary: v.summary.clone(),
        issuer_node: v.issuer_node.clone(),
        issuer_key_id: hex::decode(&v.issuer_key_id).unwrap().try_into().unwrap(),
        assigned_on: day(&v.assigned_on),
        valid_from: day(&v.valid_from),
        valid_until: day(&v.valid_until),
        issued_at: v.issued_at,
        log_index: v.log_index,
    }
}

/// First golden vector: its certificate, key and signed form.
fn sample() -> (Certificate, SigningKey, SignedCertificate) {
    let v = &vectors().vectors[0];
    let cert = from_vector(&v.certificate);
    let key = key(&v.seed_hex);
    let signed = cert.sign(&key).unwrap();
    (cert, key, signed)
}

fn reason(bytes: Vec<u8>) -> &'static str {
    SignedCertificate::from_bytes(bytes).unwrap_err().reason()
}

#[test]
fn golden_vectors() {
    let file = vectors();
    assert_eq!(file.signing_label.as_bytes(), SIGNING_LABEL);
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let key = key(&v.seed_hex);
        let vk = key.verifying_key();
        assert_eq!(hex::encode(vk.as_bytes()), v.public_key_hex, "{}", v.name);
        assert_eq!(hex::encode(key_id(&vk)), v.certificate.issuer_key_id);
        let cert = from_vector(&v.certificate);
        assert_eq!(
            hex::encode(cert.encode().unwrap()),
            v.body_hex,
            "{}",
            v.name
        );
        let signed = cert.sign(&key).unwrap();
        let expected = hex::decode(format!("{}{}", v.body_hex, v.signature_hex)).unwrap();
        assert_eq!(signed.as_bytes(), &expected[..], "{}", v.name);
        assert_eq!(hex::encode(signed.body()), v.body_hex);
        assert_eq!(signed.query_code(), v.query_code);
        assert!(codes::is_query_code(&signed.query_code()));
        let parsed = SignedCertificate::from_bytes(expected).unwrap();
        assert_eq!(parsed, signed);
        assert_eq!(parsed.certificate(), cert);
        assert_eq!(parsed.verify(&vk).unwrap(), cert);
        assert_eq!(parsed.query_code(), v.query_code);
    }
}

#[test]
fn layout_offsets() {
    let (cert, _, signed) = sample();
    let b = signed.as_bytes();
    assert_eq!(&b[..8], b"SJDJCRT\x01");
    assert_eq!(&b[8..26], cert.code.format().as_bytes());
    assert_eq!(&b[26..30], &1u32.to_be_bytes());
    assert_eq!(b[30], 1);
    assert_eq!(b[31], 1);
    let n = cert.subject_name.len();
    assert_eq!(&b[32..36], &(n as u32).to_be_bytes());
    assert_eq!(&b[36..36 + n], "某市数据局".as_bytes());
    assert_eq!(b.len(), signed.body().len() + SIGNATURE_LEN);
    let tail = signed.body().len() - 16;
    assert_eq!(&b[tail..tail + 8], &cert.issued_at.to_be_bytes());
    assert!(b.len() <= MAX_SIGNED_LEN);
}

#[test]
fn flipped_bytes_never_verify() {
    let (_, key, signed) = sample();
    let vk = key.verifying_key();
    let bytes = signed.as_bytes();
    let body_len = signed.body().len();
    let key_id_at = body_len - 16 - 12 - 8;
    for i in 0..bytes.len() {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        let Ok(parsed) = SignedCertificate::from_bytes(b) else {
            continue;
        };
        let err = parsed.verify(&vk).unwrap_err();
        let expected = if (key_id_at..key_id_at + 8).contains(&i) {
            "CERT_WRONG_KEY"
        } else {
            "CERT_BAD_SIGNATURE"
        };
        assert_eq!(err.reason(), expected, "byte {i}");
    }
    // A flip inside the ASCII issuer node name parses but cannot verify.
    let at = key_id_at - 1;
    let mut b = bytes.to_vec();
    b[at] ^= 0x01;
    let parsed = SignedCertificate::from_bytes(b).unwrap();
    assert_eq!(parsed.verify(&vk).unwrap_err(), CertError::BadSignature);
}

#[test]
fn truncation_and_trailing_bytes() {
    let (_, _, signed) = sample();
    let bytes = signed.as_bytes();
    for len in 0..bytes.len() {
        assert_eq!(reason(bytes[..len].to_vec()), "CERT_TRUNCATED", "len {len}");
    }
    let mut b = bytes.to_vec();
    b.push(0);
    assert_eq!(
        SignedCertificate::from_bytes(b).unwrap_err(),
        CertError::TrailingBytes { count: 1 }
    );
}

#[test]
fn wrong_key() {
    let (cert, key, signed) = sample();
    let other = SigningKey::from_bytes(&[7u8; 32]);
    let err = signed.verify(&other.verifying_key()).unwrap_err();
    assert_eq!(err.reason(), "CERT_WRONG_KEY");
    assert!(err.to_string().contains(&hex::encode(cert.issuer_key_id)));
    assert_eq!(cert.sign(&other).unwrap_err().reason(), "CERT_WRONG_KEY");
    // Signed by the named key's holder but labelled with another id.
    let mut lying = cert.clone();
    lying.issuer_key_id = key_id(&other.verifying_key());
    let forged = lying.sign(&other).unwrap();
    assert_eq!(
        forged.verify(&key.verifying_key()).unwrap_err().reason(),
        "CERT_WRONG_KEY"
    );
    // Valid signature bytes from a different body.
    let mut body = cert.clone();
    body.log_index += 1;
    let a = body.sign(&key).unwrap();
    let mut spliced = signed.body().to_vec();
    spliced.extend_from_slice(&a.as_bytes()[a.body().len()..]);
    let spliced = SignedCertificate::from_bytes(spliced).unwrap();
    assert_eq!(
        spliced.verify(&key.verifying_key()).unwrap_err(),
        CertError::BadSignature
    );
}

#[test]
fn field_refusals() {
    let (cert, _, signed) = sample();
    let good = signed.as_bytes().to_vec();
    let patch = |at: usize, with: &[u8]| {
        let mut b = good.clone();
        b[at..at + with.len()].copy_from_slice(with);
        reason(b)
    };
    assert_eq!(patch(0, b"SJDJCRX"), "CERT_BAD_MAGIC");
    assert_eq!(reason(b"XY".to_vec()), "CERT_BAD_MAGIC");
    assert_eq!(reason(b"SJ".to_vec()), "CERT_TRUNCATED");
    assert_eq!(patch(7, &[2]), "CERT_UNKNOWN_FORMAT_VERSION");
    assert_eq!(patch(7, &[0]), "CERT_UNKNOWN_FORMAT_VERSION");
    let lower = cert.code.format().to_lowercase();
    assert_eq!(patch(8, lower.as_bytes()), "CERT_BAD_CODE");
    assert_eq!(patch(25, b"0"), "CERT_BAD_CODE");
    assert_eq!(patch(8, &[0xff]), "CERT_BAD_CODE");
    assert_eq!(patch(26, &0u32.to_be_bytes()), "CERT_BAD_CODE_VERSION");
    assert_eq!(patch(30, &[0]), "CERT_BAD_REGISTRATION_TYPE");
    assert_eq!(patch(30, &[6]), "CERT_BAD_REGISTRATION_TYPE");
    assert_eq!(patch(31, &[0]), "CERT_BAD_DATA_TYPE");
    assert_eq!(patch(31, &[4]), "CERT_BAD_DATA_TYPE");
    assert_eq!(
        patch(32, &(MAX_STRING_LEN as u32 + 1).to_be_bytes()),
        "CERT_FIELD_TOO_LONG"
    );
    assert_eq!(patch(32, &u32::MAX.to_be_bytes()), "CERT_FIELD_TOO_LONG");
    assert_eq!(patch(36, &[0xff]), "CERT_INVALID_UTF8");
    // Cut a three-byte character in half by shortening the length.
    let n = cert.subject_name.len() as u32;
    assert_eq!(patch(32, &(n - 1).to_be_bytes()), "CERT_INVALID_UTF8");
    let credit_at = 36 + cert.subject_name.len();
    assert_eq!(patch(credit_at + 17, b"F"), "CERT_BAD_CREDIT_CODE");
    assert_eq!(patch(credit_at + 8, b"m"), "CERT_BAD_CREDIT_CODE");
    let dates_at = signed.body().len() - 16 - 12;
    assert_eq!(patch(dates_at + 2, &[13]), "CERT_BAD_DATE");
    assert_eq!(patch(dates_at + 2, &[2, 30]), "CERT_BAD_DATE");
    assert_eq!(patch(dates_at + 7, &[0]), "CERT_BAD_DATE");
    assert_eq!(patch(dates_at + 8, &[0x27, 0x10]), "CERT_BAD_DATE");
    let err = SignedCertificate::from_bytes({
        let mut b = good.clone();
        b[dates_at + 2] = 13;
        b
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "certificate field assigned_on: 2025-13-03 is not a date in years 0..=9999"
    );
}

#[test]
fn encode_refusals() {
    let (cert, key, _) = sample();
    let mut c = cert.clone();
    c.summary = "数".repeat(MAX_STRING_LEN / 3 + 1);
    assert_eq!(c.sign(&key).unwrap_err().reason(), "CERT_FIELD_TOO_LONG");
    c.summary = "a".repeat(MAX_STRING_LEN);
    let max = c.sign(&key).unwrap();
    assert_eq!(
        SignedCertificate::from_bytes(max.as_bytes().to_vec()).unwrap(),
        max
    );
    let mut c = cert.clone();
    c.valid_from = Date::from_calendar_date(-1, Month::January, 1).unwrap();
    assert_eq!(c.encode().unwrap_err().reason(), "CERT_BAD_DATE");
    let mut c = cert.clone();
    c.code.serial = 0;
    assert_eq!(c.encode().unwrap_err().reason(), "CERT_BAD_CODE");
    c.code.serial = codes::MAX_SERIAL + 1;
    assert_eq!(c.encode().unwrap_err().reason(), "CERT_BAD_CODE");
    let mut c = cert.clone();
    c.version = 0;
    assert_eq!(c.encode().unwrap_err().reason(), "CERT_BAD_CODE_VERSION");
}

#[test]
fn armor_round_trip() {
    let (cert, key, signed) = sample();
    let text = signed.to_armored();
    assert!(text.starts_with("-----BEGIN SJDJ CERTIFICATE-----\nCode: 13300002025000001W\n"));
    assert!(text.contains("\nSubject: 某市数据局\n"));
    assert!(text.contains("\nData-Name: 企业登记信息\n"));
    assert!(text.contains("\nValid-Until: 2028-03-02\n"));
    assert!(text.contains(&format!("\nQuery-Code: {}\n", signed.query_code())));
    assert!(text.ends_with("-----END SJDJ CERTIFICATE-----\n"));
    assert!(text
        .lines()
        .all(|l| l.chars().count() <= 64 || l.contains(':')));
    assert_eq!(SignedCertificate::from_armored(&text).unwrap(), signed);
    let crlf = format!("\r\n  {}\r\n\r\n", text.replace('\n', "\r\n"));
    assert_eq!(SignedCertificate::from_armored(&crlf).unwrap(), signed);
    // Headers are not signed: editing them changes nothing.
    let edited = text.replace("Subject: 某市数据局", "Subject: 别的单位");
    assert_eq!(SignedCertificate::from_armored(&edited).unwrap(), signed);
    // A name cannot break out of the header block.
    let mut c = cert.clone();
    c.subject_name = "x\n\n-----END SJDJ CERTIFICATE-----\r\nAAAA".to_owned();
    let odd = c.sign(&key).unwrap();
    assert_eq!(
        SignedCertificate::from_armored(&odd.to_armored()).unwrap(),
        odd
    );
}

#[test]
fn armor_refusals() {
    let (_, _, signed) = sample();
    let text = signed.to_armored();
    let (head, body) = text.split_once("\n\n").unwrap();
    let cases = [
        (text.replacen("-----BEGIN", "-----BEGAN", 1), "CERT_ARMOR"),
        (format!("junk\n{text}"), "CERT_ARMOR"),
        (head.to_owned(), "CERT_ARMOR"),
        (
            format!(
                "{head}\n\n{}",
                body.replace("-----END SJDJ CERTIFICATE-----", "")
            ),
            "CERT_ARMOR",
        ),
        (format!("{text}junk\n"), "CERT_ARMOR"),
        (format!("{head}\n\n!{body}"), "CERT_ARMOR_BASE64"),
        ("x".repeat(MAX_ARMOR_LEN + 1), "CERT_ARMOR"),
        (
            format!("{head}\n\nAAAA\n-----END SJDJ CERTIFICATE-----\n"),
            "CERT_BAD_MAGIC",
        ),
    ];
    for (input, expected) in cases {
        let err = SignedCertificate::from_armored(&input).unwrap_err();
        assert_eq!(err.reason(), expected, "{input}");
    }
}

fn arb_cert() -> impl Strategy<Value = Certificate> {
    let text = "\\PC{0,40}";
    (
        (1u8..=3, 1u32..=codes::MAX_SERIAL, 1u32..=u32::MAX, 1u8..=5),
        (text, text, text, text),
        (0i32..=3_652_424, 0i32..=3_652_424, 0i32..=3_652_424),
        (any::<i64>(), any::<u64>()),
    )
        .prop_map(
            |((dt, serial, version, rt), (s, d, m, n), (a, f, u), (at, li))| {
                let data_type = DataType::from_digit(dt).unwrap();
                let jd = |x: i32| Date::from_julian_day(1_721_060 + x).unwrap();
                Certificate {
                    code: UnifiedCode::new(data_type, Region::CENTRAL, 2026, serial).unwrap(),
                    version,
                    registration_type: RegistrationType::from_number(rt).unwrap(),
                    data_type,
                    subject_name: s,
                    subject_credit_code: CreditCode::parse("91350100M000100Y43").unwrap(),
                    data_name: d,
                    summary: m,
                    issuer_node: n,
                    issuer_key_id: key_id(&SigningKey::from_bytes(&[9; 32]).verifying_key()),
                    assigned_on: jd(a),
                    valid_from: jd(f),
                    valid_until: jd(u),
                    issued_at: at,
                    log_index: li,
                }
            },
        )
}

#[test]
fn date_range_covers_years_0_to_9999() {
    assert_eq!(
        Date::from_julian_day(1_721_060).unwrap(),
        date!(0000 - 01 - 01)
    );
    assert_eq!(
        Date::from_julian_day(1_721_060 + 3_652_424).unwrap(),
        date!(9999 - 12 - 31)
    );
}

proptest! {
    #[test]
    fn sign_parse_verify_round_trip(cert in arb_cert()) {
        let key = SigningKey::from_bytes(&[9; 32]);
        let signed = cert.sign(&key).unwrap();
        let parsed = SignedCertificate::from_bytes(signed.as_bytes().to_vec()).unwrap();
        prop_assert_eq!(parsed.verify(&key.verifying_key()).unwrap(), cert);
        let armored = SignedCertificate::from_armored(&signed.to_armored()).unwrap();
        prop_assert_eq!(armored, signed);
    }

    #[test]
    fn anything_that_parses_is_canonical(
        i in 0usize..300, x in 1u8..=255, extra in proptest::collection::vec(any::<u8>(), 0..3)
    ) {
        let (_, _, signed) = sample();
        let mut b = signed.as_bytes().to_vec();
        let at = i % b.len();
        b[at] ^= x;
        b.extend_from_slice(&extra);
        if let Ok(p) = SignedCertificate::from_bytes(b.clone()) {
            prop_assert_eq!(p.certificate().encode().unwrap(), p.body().to_vec());
        }
    }

    #[test]
    fn parsers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400), s in "\\PC{0,200}") {
        let _ = SignedCertificate::from_bytes(b);
        let _ = SignedCertificate::from_armored(&s);
        let _ = SignedCertificate::from_armored(&format!("{ARMOR_BEGIN}\n\n{s}\n{ARMOR_END}"));
    }
}
