//! Golden vectors of the log: `tests/vectors/log_v1.json` and `log_v2.json` hold entries,
//! checkpoints and proofs made with a fixed key (v2 also the openings of its commitments, made
//! with fixed salts). This test rebuilds them byte for byte (so the layouts cannot drift
//! unnoticed) and CI checks the same files with the independent Python verifier
//! (`tests/python/log_verifier.py bundle`). `SJDJ_WRITE_VECTORS=1 cargo test` rewrites them.
use super::checkpoint;
use super::commitment::Opening;
use super::entry::{Body, Record};
use super::public::{self, PublicEvent};
use super::tree::{self, MemoryTiles};
use crate::domain::flow::{self, Application, Event, EventKind};
use crate::domain::types::{RegistrationType, Role};
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use serde_json::json;

/// A deterministic v1 log of `n` entries: token issues, flow steps and clock moves.
fn entries_v1(n: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let body = match i % 4 {
                0 => Body::TokenCreated {
                    token_id: format!("T{i:04}"),
                    role: Role::Clerk,
                    holder: format!("受理员{i}"),
                    token_holder_commitment: None,
                    subject: None,
                },
                1 => Body::ClockAdvanced {
                    seconds: 86_400,
                    offset: 86_400 * i as i64,
                },
                2 => Body::Flow {
                    application_id: format!("A{i:010}"),
                    event: Box::new(PublicEvent::Clear(Box::new(EventKind::Withdrawn {
                        reason: "申请人撤回".into(),
                    }))),
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
                holder_commitment: None,
                body,
            }
            .encode_v1()
        })
        .collect()
}

/// Salts for the v2 vectors: SHA-256 of a counter, so the file is the same on every run.
fn fixed_salts() -> impl FnMut() -> [u8; 32] {
    use sha2::Digest as _;
    let mut n = 0u64;
    move || {
        n += 1;
        sha2::Sha256::digest(n.to_be_bytes()).into()
    }
}

/// A deterministic v2 log of `n` entries with the openings of each: token issues (holder
/// committed), drafts created and withdrawn, submissions with their public facts, decisions in
/// clear, objections, clock moves.
fn entries_v2(n: u64) -> (Vec<Vec<u8>>, Vec<Vec<Opening>>) {
    let mut salt = fixed_salts();
    let mut apps: Vec<Option<Application>> = Vec::new();
    let (mut entries, mut openings) = (Vec::new(), Vec::new());
    let day = time::macros::date!(2026 - 01 - 05);
    for i in 0..n {
        let mut opened = Vec::new();
        let app_id = format!("A{:010}", i / 6);
        let (actor, body) = match i % 6 {
            0 => {
                let (c, o) = Opening::seal("token_holder", format!("受理员{i}"), salt());
                opened.push(o);
                let body = Body::TokenCreated {
                    token_id: format!("T{i:04}"),
                    role: Role::Clerk,
                    holder: String::new(),
                    token_holder_commitment: Some(c),
                    subject: None,
                };
                ("bootstrap", body)
            }
            5 => (
                "system",
                Body::ClockAdvanced {
                    seconds: 86_400,
                    offset: 86_400 * i as i64,
                },
            ),
            step => {
                let mut m = crate::domain::materials::Materials::default();
                m.subject.name = "广州市政务服务数据管理局".into();
                m.subject.region = "440100".into();
                m.subject.contact.name = "张三".into();
                m.subject.contact.phone = "020-12345678".into();
                m.resource.name = format!("企业登记信息{}", i / 6);
                m.resource.summary = "全市市场主体的登记信息".into();
                let kind = match step {
                    1 => EventKind::Created {
                        registration_type: RegistrationType::Initial,
                        subject: "91350100M000100Y43".into(),
                        materials: m,
                        target_code: None,
                    },
                    2 => EventKind::Submitted {
                        publicity_text: format!("数据名称：企业登记信息{}", i / 6),
                        acceptance_due: day,
                    },
                    3 if i % 12 == 3 => EventKind::Withdrawn {
                        reason: "申请人撤回".into(),
                    },
                    3 => EventKind::Accepted {
                        reason: "材料齐全".into(),
                        review_due: day,
                    },
                    _ => EventKind::ObjectionFiled {
                        objection_id: format!("{app_id}-O1"),
                        objector_name: "李四".into(),
                        objector_contact: "13800000000".into(),
                        reason: "数据来源存疑".into(),
                    },
                };
                let slot = (i / 6) as usize;
                if apps.len() <= slot {
                    apps.resize(slot + 1, None);
                }
                let (event, o) = public::seal(&kind, apps[slot].as_ref(), &mut salt);
                opened.extend(o);
                let e = Event {
                    application_id: app_id.clone(),
                    at: 0,
                    actor: String::new(),
                    holder: String::new(),
                    kind,
                };
                apps[slot] = Some(flow::apply(apps[slot].take(), &e));
                let body = Body::Flow {
                    application_id: app_id.clone(),
                    event: Box::new(event),
                };
                ("T0000", body)
            }
        };
        let (holder, holder_commitment) = if crate::log::entry::node_actor(actor) {
            ("system".to_string(), None)
        } else {
            let (c, o) = Opening::seal("holder", "测试".into(), salt());
            opened.push(o);
            (String::new(), Some(c))
        };
        let entry = Record {
            index: i,
            at: 1_767_225_600 + i as i64,
            actor: actor.into(),
            holder,
            holder_commitment,
            body,
        }
        .encode();
        Record::decode(&entry).expect("a v2 vector entry decodes");
        entries.push(entry);
        openings.push(opened);
    }
    (entries, openings)
}

fn vectors(version: u8) -> serde_json::Value {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let origin = checkpoint::origin("440000", "vectors");
    let (all, openings) = match version {
        1 => (entries_v1(300), Vec::new()),
        _ => entries_v2(300),
    };
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
    let mut v = json!({
        "comment": format!("sjdj log v{version} golden vectors: ed25519 key seed = 32 bytes of 0x07; see src/log/vectors_tests.rs"),
        "public_key_hex": hex::encode(key.verifying_key().as_bytes()),
        "origin": origin,
        "entries_b64": all.iter().map(|e| b64(e)).collect::<Vec<_>>(),
        "checkpoints": checkpoints,
        "inclusion": inclusion,
        "consistency": consistency,
    });
    if version == 2 {
        // Entry i's openings: what the node keeps, and what the verifier opens its commitments with.
        v["openings"] = json!(openings);
    }
    v
}

#[test]
fn golden_log_vectors_are_reproduced_byte_for_byte() {
    for version in [1, 2] {
        let name = format!("tests/vectors/log_v{version}.json");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&name);
        let text = serde_json::to_string_pretty(&vectors(version)).unwrap() + "\n";
        if std::env::var_os("SJDJ_WRITE_VECTORS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{name}"));
        assert!(committed == text, "log layout drifted from {name}");
    }
}
