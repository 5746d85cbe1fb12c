//! Golden vectors of the log: `tests/vectors/log_v1.json` holds entries, checkpoints and proofs
//! made with a fixed key. This test rebuilds them byte for byte (so the layouts cannot drift
//! unnoticed) and CI checks the same file with the independent Python verifier
//! (`tests/python/log_verifier.py bundle`). `SJDJ_WRITE_VECTORS=1 cargo test` rewrites it.
use super::checkpoint;
use super::entry::{Body, Record};
use super::tree::{self, MemoryTiles};
use crate::domain::flow::EventKind;
use crate::domain::types::Role;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use serde_json::json;

/// A deterministic log of `n` entries: token issues, flow steps and clock moves.
fn entries(n: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let body = match i % 4 {
                0 => Body::TokenCreated {
                    token_id: format!("T{i:04}"),
                    role: Role::Clerk,
                    holder: format!("受理员{i}"),
                    subject: None,
                },
                1 => Body::ClockAdvanced {
                    seconds: 86_400,
                    offset: 86_400 * i as i64,
                },
                2 => Body::Flow {
                    application_id: format!("A{i:010}"),
                    event: Box::new(EventKind::Withdrawn {
                        reason: "申请人撤回".into(),
                    }),
                },
                _ => Body::TokenRevoked {
                    token_id: format!("T{:04}", i - 3),
                },
            };
            Record {
                index: i,
                at: 1_767_225_600 + i as i64,
                actor: "bootstrap".into(),
                holder: "测试".into(),
                body,
            }
            .encode()
        })
        .collect()
}

fn vectors() -> serde_json::Value {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let origin = checkpoint::origin("440000", "vectors");
    let all = entries(300);
    let tiles = MemoryTiles::default();
    for (i, e) in all.iter().enumerate() {
        tiles.append(i as u64, tree::leaf_hash(e)).unwrap();
    }
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let hexes = |p: Vec<crate::log::Hash>| p.iter().map(|h| hex::encode(h.0)).collect::<Vec<_>>();
    let checkpoints: Vec<_> = [7u64, 256, 300]
        .iter()
        .map(|&size| {
            let root = tree::root(&tiles, size).unwrap();
            let c = checkpoint::sign(&key, &origin, size, root.0, 1_767_225_600 + size as i64).unwrap();
            json!({"note": String::from_utf8(c.note).unwrap(), "size": size, "root_hex": hex::encode(root.0)})
        })
        .collect();
    let inclusion: Vec<_> = [
        (0u64, 7u64),
        (6, 7),
        (255, 256),
        (256, 300),
        (299, 300),
        (17, 300),
    ]
    .iter()
    .map(|&(index, size)| {
        let p = tree::inclusion_proof(&tiles, index, size).unwrap();
        json!({"index": index, "tree_size": size, "hashes_hex": hexes(p)})
    })
    .collect();
    let consistency: Vec<_> = [(7u64, 256u64), (256, 300), (7, 300), (1, 300), (299, 300)]
        .iter()
        .map(|&(first, second)| {
            let p = tree::consistency_proof(&tiles, first, second).unwrap();
            json!({"first": first, "second": second, "hashes_hex": hexes(p)})
        })
        .collect();
    json!({
        "comment": "sjdj log v1 golden vectors: ed25519 key seed = 32 bytes of 0x07; see src/log/vectors_tests.rs",
        "public_key_hex": hex::encode(key.verifying_key().as_bytes()),
        "origin": origin,
        "entries_b64": all.iter().map(|e| b64(e)).collect::<Vec<_>>(),
        "checkpoints": checkpoints,
        "inclusion": inclusion,
        "consistency": consistency,
    })
}

#[test]
fn golden_log_vectors_are_reproduced_byte_for_byte() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/log_v1.json");
    let text = serde_json::to_string_pretty(&vectors()).unwrap() + "\n";
    if std::env::var_os("SJDJ_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("tests/vectors/log_v1.json");
    assert!(
        committed == text,
        "log layout drifted from tests/vectors/log_v1.json"
    );
}
