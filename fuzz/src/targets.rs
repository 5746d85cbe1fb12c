//! One function per parser of what a node takes from outside. Each takes the fuzzer's bytes,
//! runs the node's own code on them and checks what must hold whatever the input: no panic, and
//! the parser's own promise (a bound, a round trip, a canonical form). The key every signature
//! is checked with is the fixed test key (seed 32 × 0x07) the seed corpora are signed with.
use ed25519_dalek::SigningKey;
use prost::Message;
use sjdj::domain::certificate::SignedCertificate;
use sjdj::grpc::federation::{from_wire, push_batch_type};
use sjdj::grpc::pb;
use sjdj::log::bundle::CertificateProof;
use sjdj::log::checkpoint;
use sjdj::log::entry::{Record, LABEL, LABEL_V1};
use sjdj::sync::envelope::{self, TrustedKey};
use sjdj::sync::trust::{self, TrustedNode, View};
use sjdj::sync::Refused;
use std::collections::BTreeMap;

/// The fixed key of the seeds: test material only.
pub fn test_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// The origin the seeds are signed under.
pub const ORIGIN: &str = "sjdj/440000/fuzz";

/// A push as a node receives it: decoded, then its envelope opened against one trusted key.
/// However many signatures it carries, at most one is checked, and more than the signer's keys
/// are refused on the count.
pub fn envelope(data: &[u8]) {
    let Ok(push) = pb::PushRequest::decode(data) else {
        return;
    };
    let env = from_wire(push.envelope.unwrap_or_default());
    let key = test_key().verifying_key();
    let trusted = [TrustedKey {
        keyid: checkpoint::note_key_id(ORIGIN, &key),
        key,
    }];
    match envelope::open(&env, &push_batch_type(), &trusted) {
        Ok((payload, by)) => {
            assert_eq!(by, trusted[0].keyid);
            assert_eq!(payload, env.payload.as_slice());
        }
        Err(Refused::TooManySignatures { got, keys }) => assert!(got > keys),
        Err(_) => assert!(
            env.signatures.len() <= 1
                || env.payload_type != push_batch_type()
                || env.payload.len() > envelope::MAX_PAYLOAD,
            "more signatures than keys must be refused on the count"
        ),
    }
}

/// A checkpoint note: verified with the key; one that verifies is signed again the same way.
pub fn checkpoint_note(data: &[u8]) {
    let key = test_key();
    if let Ok(c) = checkpoint::verify(data, &key.verifying_key(), None) {
        let again = checkpoint::sign(&key, &c.origin, c.size, c.root, c.time)
            .expect("a verified checkpoint signs again");
        let back = checkpoint::verify(&again.note, &key.verifying_key(), Some(&c.origin))
            .expect("a re-signed checkpoint verifies");
        assert_eq!((back.size, back.root, back.time), (c.size, c.root, c.time));
    }
}

/// A v1 log entry (the label, then the fuzzer's body): what it parses to reads as a flow event
/// and writes again as an entry that parses the same.
pub fn log_entry_v1(data: &[u8]) {
    let mut bytes = LABEL_V1.to_vec();
    bytes.extend_from_slice(data);
    if let Ok(r) = Record::decode(&bytes) {
        let _ = r.flow();
        let _ = r.issued_certificate();
        assert_eq!(Record::decode(&r.encode_v1()).as_ref(), Ok(&r));
    }
}

/// A v2 log entry: one that parses is its one canonical form, and publishes nothing it must
/// commit to (the decoder refuses that).
pub fn log_entry_v2(data: &[u8]) {
    let mut bytes = LABEL.to_vec();
    bytes.extend_from_slice(data);
    if let Ok(r) = Record::decode(&bytes) {
        assert_eq!(
            r.encode(),
            bytes,
            "a v2 entry parses only in its canonical form"
        );
        let _ = r.flow();
    }
}

/// Signed certificate bytes: parsed, verified, armored and read back to the same bytes.
pub fn certificate_bytes(data: &[u8]) {
    let Ok(c) = SignedCertificate::from_bytes(data.to_vec()) else {
        return;
    };
    let _ = c.verify(&test_key().verifying_key());
    let _ = c.query_code();
    let armored = c.to_armored();
    let back = SignedCertificate::from_armored(&armored).expect("armored bytes read back");
    assert_eq!(back.as_bytes(), c.as_bytes());
}

/// Armored certificate text: what parses is signed bytes that parse on their own.
pub fn certificate_armored(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = SignedCertificate::from_armored(text) {
        let bytes = c.as_bytes().to_vec();
        SignedCertificate::from_bytes(bytes).expect("the armor's bytes parse");
        let _ = c.verify(&test_key().verifying_key());
    }
}

/// An offline proof bundle (JSON): checked against the key, whatever it holds.
pub fn proof_bundle(data: &[u8]) {
    if let Ok(b) = serde_json::from_slice::<CertificateProof>(data) {
        let _ = b.verify(&test_key().verifying_key());
    }
}

/// Materials as a registrant sends them: converted from the wire, then checked as a draft's and
/// as a submission's.
pub fn materials_proto(data: &[u8]) {
    let Ok(p) = pb::Materials::decode(data) else {
        return;
    };
    if let Ok(m) = sjdj::domain::materials::Materials::try_from(p) {
        let _ = m.check_form();
        let _ = m.check_complete();
    }
}

/// The trust list folded from a run of changes the fuzzer picks: whatever the order, a key is
/// never listed twice, a region is delegated to at most one node, and every listed key parses.
pub fn trust_fold(data: &[u8]) {
    let mut u = arbitrary::Unstructured::new(data);
    let mut nodes: BTreeMap<String, TrustedNode> = BTreeMap::new();
    let mut hosted: Vec<String> = Vec::new();
    let own = sjdj::domain::codes::Region::CENTRAL;
    for index in 0..32u64 {
        let Ok(body) = change(&mut u) else {
            break;
        };
        let Some((node_id, region, key)) = trust::concerns(&body) else {
            continue;
        };
        let key_known = key.is_some_and(|k| {
            nodes
                .values()
                .any(|n| n.keys.iter().any(|nk| nk.key.eq_ignore_ascii_case(k)))
        });
        let holder = region.and_then(|r| nodes.values().find(|n| n.region == r));
        let view = View {
            node: nodes.get(node_id),
            region_holder: holder.map(|n| n.node_id.as_str()),
            key_known,
            own_region: own,
            hosted: region.is_some_and(|r| hosted.iter().any(|h| h == r)),
        };
        if let Ok(node) = trust::apply(view, &body, index) {
            nodes.insert(node.node_id.clone(), node);
        }
        if let sjdj::log::entry::Body::Hosted { region } = &body {
            hosted.push(region.clone());
        }
    }
    let mut keys = std::collections::BTreeSet::new();
    let mut regions = std::collections::BTreeSet::new();
    for n in nodes.values() {
        assert!(
            regions.insert(n.region.clone()),
            "{} delegated twice",
            n.region
        );
        for k in &n.keys {
            let _ = k.verifying_key();
            assert!(keys.insert(k.key.clone()), "key {} listed twice", k.key);
        }
    }
}

/// One trust-list change, from a small alphabet of node ids, regions and keys so that changes
/// collide often.
fn change(u: &mut arbitrary::Unstructured) -> arbitrary::Result<sjdj::log::entry::Body> {
    use sjdj::log::entry::Body;
    let node = |u: &mut arbitrary::Unstructured| -> arbitrary::Result<String> {
        Ok(["gd", "fj", "gz", "", "x y"][u.choose_index(5)?].to_string())
    };
    let region = |u: &mut arbitrary::Unstructured| -> arbitrary::Result<String> {
        Ok(
            ["440000", "350000", "520000", "100000", "440100", "12"][u.choose_index(6)?]
                .to_string(),
        )
    };
    // Three keys derived once: deriving them per run made the fuzzer ten times slower.
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        (1..=3u8)
            .map(|seed| {
                hex::encode(
                    SigningKey::from_bytes(&[seed; 32])
                        .verifying_key()
                        .to_bytes(),
                )
            })
            .chain(["not a key".to_string()])
            .collect()
    });
    let key = |u: &mut arbitrary::Unstructured| -> arbitrary::Result<String> {
        Ok(keys[u.choose_index(keys.len())?].clone())
    };
    Ok(match u.choose_index(5)? {
        0 => Body::Delegated {
            node_id: node(u)?,
            region: region(u)?,
            key: key(u)?,
        },
        1 => Body::KeyRotated {
            node_id: node(u)?,
            key: key(u)?,
        },
        2 => Body::KeyRevoked {
            node_id: node(u)?,
            reason: if u.arbitrary::<bool>()? {
                "泄露".into()
            } else {
                String::new()
            },
        },
        3 => Body::Hosted { region: region(u)? },
        _ => Body::HandedOver {
            region: region(u)?,
            node_id: node(u)?,
            key: key(u)?,
            serials: Default::default(),
            codes: Vec::new(),
        },
    })
}
