//! The fuzz targets' committed corpora (`fuzz/corpus/<target>/`), replayed through the same
//! target bodies the fuzzer runs (`fuzz/src/targets.rs`), so every input a fuzzing run kept or
//! found stays a test. `SJDJ_WRITE_CORPUS=1 cargo test --test fuzz_corpora` writes the seeds
//! again: real envelopes, notes, entries, certificates, bundles and materials made with the fixed
//! test key, which the fuzzer mutates from.
#[path = "../fuzz/src/targets.rs"]
mod targets;

use prost::Message;
use sjdj::domain::certificate::Certificate;
use sjdj::domain::codes::{CreditCode, Region, UnifiedCode};
use sjdj::domain::flow::EventKind;
use sjdj::domain::types::{DataType, RegistrationType};
use sjdj::grpc::pb;
use sjdj::log::entry::{Body, Record};
use sjdj::log::public::PublicEvent;
use sjdj::log::tree::{self, MemoryTiles};
use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 9] = [
    ("envelope", targets::envelope),
    ("checkpoint_note", targets::checkpoint_note),
    ("log_entry_v1", targets::log_entry_v1),
    ("log_entry_v2", targets::log_entry_v2),
    ("certificate_bytes", targets::certificate_bytes),
    ("certificate_armored", targets::certificate_armored),
    ("proof_bundle", targets::proof_bundle),
    ("materials_proto", targets::materials_proto),
    ("trust_fold", targets::trust_fold),
];

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// Entry bodies (after their label) from the golden vectors of `version`.
fn vector_bodies(version: u8) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/vectors/log_v{version}.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["entries_b64"]
        .as_array()
        .unwrap()
        .iter()
        .take(12)
        .map(|e| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(e.as_str().unwrap())
                .unwrap();
            let label = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
            bytes[label..].to_vec()
        })
        .collect()
}

/// The seeds: real inputs of each target.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let key = targets::test_key();
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();

    // A genuine push, and one with forged signatures naming the key.
    let keyid = sjdj::log::checkpoint::note_key_id(targets::ORIGIN, &key.verifying_key());
    let batch = pb::PushBatch {
        node_id: "fuzz".into(),
        from: 0,
        ..Default::default()
    };
    let env = sjdj::sync::envelope::seal(
        &sjdj::grpc::federation::push_batch_type(),
        batch.encode_to_vec(),
        &keyid,
        &key,
    );
    let mut wire = sjdj::grpc::federation::to_wire(env);
    let push = |e: &pb::Envelope| {
        pb::PushRequest {
            node_id: "fuzz".into(),
            envelope: Some(e.clone()),
        }
        .encode_to_vec()
    };
    out.push(("envelope", push(&wire)));
    wire.signatures = (0..3)
        .map(|_| pb::EnvelopeSignature {
            keyid: keyid.clone(),
            sig: vec![0; 64],
        })
        .collect();
    out.push(("envelope", push(&wire)));

    // A certificate, its log entry, a one-entry log and its checkpoint: every other seed.
    let day = time::macros::date!(2026 - 01 - 05);
    let code = UnifiedCode::new(
        DataType::PublicDataResource,
        Region::parse("440000").unwrap(),
        2026,
        1,
    )
    .unwrap();
    let signed = Certificate {
        code,
        version: 1,
        registration_type: RegistrationType::Initial,
        data_type: DataType::PublicDataResource,
        subject_name: "广州市政务服务数据管理局".into(),
        subject_credit_code: CreditCode::parse("91350100M000100Y43").unwrap(),
        data_name: "企业登记信息".into(),
        summary: "全市市场主体的登记信息".into(),
        issuer_node: "fuzz".into(),
        issuer_key_id: sjdj::domain::certificate::key_id(&key.verifying_key()),
        assigned_on: day,
        valid_from: day,
        valid_until: time::macros::date!(2029 - 01 - 04),
        issued_at: 1_767_225_600,
        log_index: 0,
    }
    .sign(&key)
    .unwrap();
    out.push(("certificate_bytes", signed.as_bytes().to_vec()));
    out.push(("certificate_armored", signed.to_armored().into_bytes()));
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(signed.as_bytes()))
    };
    let entry = Record {
        index: 0,
        at: 1_767_225_600,
        actor: "system".into(),
        holder: "system".into(),
        holder_commitment: None,
        body: Body::Flow {
            application_id: "A0000000001".into(),
            event: Box::new(PublicEvent::Clear(Box::new(EventKind::CertificateIssued {
                code: code.to_string(),
                version: 1,
                query_code: signed.query_code(),
                certificate_sha256: sha,
            }))),
        },
    }
    .encode();
    let tiles = MemoryTiles::default();
    tiles.append(0, tree::leaf_hash(&entry)).unwrap();
    let root = tree::root(&tiles, 1).unwrap();
    let cp = sjdj::log::checkpoint::sign(&key, targets::ORIGIN, 1, root.0, 1_767_225_600).unwrap();
    out.push(("checkpoint_note", cp.note.clone()));
    let bundle =
        sjdj::log::bundle::CertificateProof::new(signed.to_armored(), &entry, 0, 1, &[], &cp.note);
    out.push(("proof_bundle", serde_json::to_vec(&bundle).unwrap()));

    for body in vector_bodies(1) {
        out.push(("log_entry_v1", body));
    }
    for body in vector_bodies(2) {
        out.push(("log_entry_v2", body));
    }
    out.push((
        "log_entry_v2",
        entry[sjdj::log::entry::LABEL.len()..].to_vec(),
    ));

    let m = pb::Materials {
        subject: Some(pb::Subject {
            name: "广州市政务服务数据管理局".into(),
            credit_code: "91350100M000100Y43".into(),
            region: "440100".into(),
            ..Default::default()
        }),
        resource: Some(pb::Resource {
            name: "企业登记信息".into(),
            summary: "全市市场主体的登记信息".into(),
            fields: vec![pb::Field {
                name: "名称".into(),
                r#type: "文本".into(),
                description: String::new(),
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    out.push(("materials_proto", m.encode_to_vec()));

    // Trust-list runs: delegate, rotate, revoke, host and hand over, in a few orders.
    for run in [
        &[0u8, 0, 0, 0, 1, 0, 1, 2, 0, 0][..],
        &[3, 2, 4, 2, 2, 1, 0, 1, 1, 1, 2, 1, 1],
        &[0, 1, 1, 2, 0, 1, 1, 3, 1, 0, 0, 0],
    ] {
        out.push(("trust_fold", run.to_vec()));
    }
    out
}

#[test]
fn every_committed_fuzz_input_runs_clean_through_its_target() {
    if std::env::var_os("SJDJ_WRITE_CORPUS").is_some() {
        for (target, bytes) in seeds() {
            let dir = corpus(target);
            std::fs::create_dir_all(&dir).unwrap();
            let name = {
                use sha2::Digest as _;
                format!("seed-{}", &hex::encode(sha2::Sha256::digest(&bytes))[..16])
            };
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    let mut replayed = 0;
    for (target, run) in TARGETS {
        let dir = corpus(target);
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        assert!(!files.is_empty(), "{target} has no corpus");
        for f in files {
            run(&std::fs::read(&f).unwrap());
            replayed += 1;
        }
    }
    // The seeds themselves are in the corpora, so each target runs on real inputs.
    assert!(replayed >= seeds().len());
}

#[test]
fn the_seeds_are_what_their_parsers_accept() {
    let key = targets::test_key().verifying_key();
    for (target, bytes) in seeds() {
        match target {
            "checkpoint_note" => {
                sjdj::log::checkpoint::verify(&bytes, &key, Some(targets::ORIGIN)).unwrap();
            }
            "log_entry_v2" => {
                let mut e = sjdj::log::entry::LABEL.to_vec();
                e.extend_from_slice(&bytes);
                Record::decode(&e).unwrap();
            }
            "proof_bundle" => {
                let b: sjdj::log::bundle::CertificateProof =
                    serde_json::from_slice(&bytes).unwrap();
                b.verify(&key).unwrap();
            }
            _ => {}
        }
    }
}
