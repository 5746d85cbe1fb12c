//! National ingest: how fast a national node verifies and durably stores a province's log,
//! pushed as the province's driver pushes it (signed batches on one stream, a few unanswered at a
//! time), and how long a backlog of N entries takes to catch up. The province's log is built in memory first (whole
//! flows: created, submitted, accepted, passed, registered, certificate issued, each certificate
//! signed), so only the national node's work is timed. The machine's own limits measured in the
//! same run: ed25519 verifications per second on one core, and SHA-256 leaf hashes per second.
use super::*;
use ed25519_dalek::{Signer, SigningKey, Verifier};
use prost::Message;
use sjdj::domain::certificate::{key_id, Certificate};
use sjdj::domain::codes::{CreditCode, Region, UnifiedCode};
use sjdj::domain::flow::{self, Application, Event, EventKind};
use sjdj::domain::materials::Materials;
use sjdj::domain::types::{DataType, RegistrationType};
use sjdj::grpc::federation::{push_batch_type, to_wire};
use sjdj::log::checkpoint;
use sjdj::log::entry::{Body, Record};
use sjdj::log::tree::{self, MemoryTiles};
use sjdj::node::push::PUSH_WINDOW;
use std::sync::Arc;

const NODE_ID: &str = "bench-province";
const REGION: &str = "440000";

pub(super) struct Ingest {
    pub(super) entries: u64,
    pub(super) batches: usize,
    pub(super) bytes: u64,
    pub(super) wall: Duration,
    pub(super) build: Duration,
    pub(super) batch_ms: [f64; 4],
    pub(super) node_cpu: Option<f64>,
    pub(super) verify_per_s: f64,
    pub(super) hash_per_s: f64,
    /// Forged pushes at the size limit, after the genuine ones.
    pub(super) bogus: super::bogus::Bogus,
}

impl Ingest {
    pub(super) fn rate(&self) -> f64 {
        self.entries as f64 / self.wall.as_secs_f64()
    }

    /// Seconds to catch up a backlog of one million entries at this rate.
    pub(super) fn per_million_s(&self) -> f64 {
        1e6 / self.rate()
    }

    /// Node CPU per genuine batch, in ms, and the batch's signed payload in MiB.
    pub(super) fn genuine_batch(&self) -> Option<(f64, f64)> {
        let ms = self.node_cpu? / 100.0 * self.wall.as_secs_f64() * 1000.0 / self.batches as f64;
        Some((
            ms,
            self.bytes as f64 / self.batches as f64 / (1 << 20) as f64,
        ))
    }
}

/// A province's log in memory.
pub(super) struct Log {
    key: SigningKey,
    node_id: String,
    region: Region,
    entries: Vec<Vec<u8>>,
    /// The certificate each CertificateIssued entry pins, by entry index.
    certificates: HashMap<u64, Vec<u8>>,
    tiles: MemoryTiles,
    /// The application of the flow being written, folded as a province folds it: what a v2
    /// entry's public facts are taken from.
    app: Option<Application>,
}

impl Log {
    pub(super) fn new(key: SigningKey, node_id: &str, region: Region) -> Log {
        Log {
            key,
            node_id: node_id.into(),
            region,
            entries: Vec::new(),
            certificates: HashMap::new(),
            tiles: MemoryTiles::default(),
            app: None,
        }
    }

    pub(super) fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    fn add(&mut self, app: &str, event: EventKind) {
        let index = self.entries.len() as u64;
        let mut salt = sjdj::log::commitment::salt;
        // As a province writes it: v2, private parts committed (the openings stay with it).
        let (sealed, _) = sjdj::log::public::seal(&event, self.app.as_ref(), &mut salt);
        let (holder, _) = sjdj::log::commitment::Opening::seal("holder", "受理窗口".into(), salt());
        let data = Record {
            index,
            at: 1_767_225_600 + index as i64,
            actor: "T0001".into(),
            holder: String::new(),
            holder_commitment: Some(holder),
            body: Body::Flow {
                application_id: app.into(),
                event: Box::new(sealed),
            },
        }
        .encode();
        let e = Event {
            application_id: app.into(),
            at: 0,
            actor: String::new(),
            holder: String::new(),
            kind: event,
        };
        self.app = Some(flow::apply(self.app.take(), &e));
        self.tiles
            .append(index, tree::leaf_hash(&data))
            .expect("memory tiles");
        self.entries.push(data);
    }

    /// One registration of serial `n` (growing) assigned on `day`: six entries and a signed
    /// certificate; returns its code.
    pub(super) fn flow(
        &mut self,
        n: u32,
        materials: &Materials,
        data_type: DataType,
        day: time::Date,
    ) -> String {
        let app = format!("A{n:010}");
        self.app = None;
        let until = day + time::Duration::days(3 * 365);
        let code = UnifiedCode::new(data_type, self.region, day.year() as u16, n).expect("code");
        self.add(
            &app,
            EventKind::Created {
                registration_type: RegistrationType::Initial,
                subject: materials.subject.credit_code.clone(),
                materials: materials.clone(),
                target_code: None,
            },
        );
        self.add(
            &app,
            EventKind::Submitted {
                publicity_text: format!("数据名称：{}", materials.resource.name),
                acceptance_due: day,
            },
        );
        self.add(
            &app,
            EventKind::Accepted {
                reason: "材料齐全".into(),
                review_due: day,
            },
        );
        self.add(
            &app,
            EventKind::ReviewPassed {
                reason: "形式审查通过".into(),
                publicity_start: day,
                publicity_end: day,
            },
        );
        self.add(
            &app,
            EventKind::Registered {
                code: code.to_string(),
                version: 1,
                assigned_on: day,
                valid_from: day,
                valid_until: until,
            },
        );
        let signed = Certificate {
            code,
            version: 1,
            registration_type: RegistrationType::Initial,
            data_type,
            subject_name: materials.subject.name.clone(),
            subject_credit_code: CreditCode::parse(&materials.subject.credit_code)
                .expect("credit code"),
            data_name: materials.resource.name.clone(),
            summary: materials.resource.summary.clone(),
            issuer_node: self.node_id.clone(),
            issuer_key_id: key_id(&self.key.verifying_key()),
            assigned_on: day,
            valid_from: day,
            valid_until: until,
            issued_at: 1_767_225_600,
            log_index: self.entries.len() as u64,
        }
        .sign(&self.key)
        .expect("certificate");
        self.certificates
            .insert(self.entries.len() as u64, signed.as_bytes().to_vec());
        self.add(
            &app,
            EventKind::CertificateIssued {
                code: code.to_string(),
                version: 1,
                query_code: signed.query_code(),
                certificate_sha256: hex::encode(Sha256::digest(signed.as_bytes())),
            },
        );
        code.to_string()
    }

    /// The whole log as the province's driver pushes it: signed batches of `batch` entries
    /// under one checkpoint of the whole log, each proving its end consistent with it; and the
    /// signed payload's bytes.
    pub(super) fn requests(self, batch: u64) -> anyhow::Result<(Vec<pb::PushRequest>, u64)> {
        let size = self.len();
        let origin = checkpoint::origin(&self.region.to_string(), &self.node_id);
        let root = tree::root(&self.tiles, size)?;
        let note = checkpoint::sign(&self.key, &origin, size, root.0, 1_767_225_600)?.note;
        let keyid = checkpoint::note_key_id(&origin, &self.key.verifying_key());
        let mut requests = Vec::new();
        let mut bytes = 0u64;
        let mut from = 0u64;
        while from < size {
            let end = (from + batch).min(size);
            let proof = if end < size {
                tree::consistency_proof(&self.tiles, end, size)?
                    .into_iter()
                    .map(|h| h.0.to_vec())
                    .collect()
            } else {
                Vec::new()
            };
            let b = pb::PushBatch {
                node_id: self.node_id.clone(),
                checkpoint: note.clone(),
                from,
                accepted_proof: Vec::new(),
                batch_proof: proof,
                entries: self.entries[from as usize..end as usize].to_vec(),
                certificates: (from..end)
                    .filter_map(|i| self.certificates.get(&i).cloned())
                    .collect(),
            };
            let payload = b.encode_to_vec();
            bytes += payload.len() as u64;
            let env = sjdj::sync::envelope::seal(&push_batch_type(), payload, &keyid, &self.key);
            requests.push(pb::PushRequest {
                node_id: self.node_id.clone(),
                envelope: Some(to_wire(env)),
            });
            from = end;
        }
        Ok((requests, bytes))
    }
}

/// Delegates `region` to `node_id` with `key` on the national node.
pub(super) async fn delegate(
    ch: &Channel,
    ctx: &Ctx,
    node_id: &str,
    region: &str,
    key: &ed25519_dalek::VerifyingKey,
) -> anyhow::Result<()> {
    let delegate = pb::DelegateRegionRequest {
        node_id: node_id.into(),
        region: region.into(),
        public_key: hex::encode(key.to_bytes()),
    };
    pb::admin_service_client::AdminServiceClient::new(ch.clone())
        .delegate_region(ctx.req("admin", delegate))
        .await
        .map_err(|e| anyhow!("DelegateRegion {region} to {node_id}: {}", status_text(&e)))?;
    Ok(())
}

/// Pushes `requests` as the province's driver pushes: one stream, at most PUSH_WINDOW batches
/// unanswered. Returns each batch's latency, from its send to its answer.
pub(super) async fn push(
    ch: &Channel,
    requests: Vec<pb::PushRequest>,
) -> anyhow::Result<Vec<Duration>> {
    let mut fed = pb::federation_service_client::FederationServiceClient::new(ch.clone())
        .max_encoding_message_size(usize::MAX)
        .max_decoding_message_size(usize::MAX);
    let batches = requests.len();
    let window = Arc::new(tokio::sync::Semaphore::new(PUSH_WINDOW));
    let sent = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
    let (to_stream, stream) = tokio::sync::mpsc::channel(1);
    {
        let (window, sent) = (window.clone(), sent.clone());
        tokio::spawn(async move {
            for req in requests {
                window.acquire().await.expect("never closed").forget();
                sent.lock().expect("not poisoned").push_back(Instant::now());
                let req = pb::PushStreamRequest { push: Some(req) };
                if to_stream.send(req).await.is_err() {
                    return;
                }
            }
        });
    }
    let mut answers = fed
        .push_stream(tokio_stream::wrappers::ReceiverStream::new(stream))
        .await
        .map_err(|e| anyhow!("PushStream: {}", status_text(&e)))?
        .into_inner();
    let mut lat = Vec::with_capacity(batches);
    let mut receipt = false;
    while let Some(r) = answers
        .message()
        .await
        .map_err(|e| anyhow!("PushStream: {}", status_text(&e)))?
    {
        window.add_permits(1);
        let t = sent.lock().expect("not poisoned").pop_front();
        lat.extend(t.map(|t| t.elapsed()));
        receipt = r.result.is_some_and(|r| !r.receipt.is_empty());
    }
    ensure!(receipt, "the last batch was not answered with a receipt");
    ensure!(
        lat.len() == batches,
        "{} of {batches} batches answered",
        lat.len()
    );
    Ok(lat)
}

fn materials() -> Materials {
    let mut m = Materials::default();
    m.subject.name = "广东省某市政务服务数据管理局".into();
    m.subject.credit_code = SUBJECT.into();
    m.subject.region = "440100".into();
    m.resource.name = "企业登记信息".into();
    m.resource.summary =
        "全市企业登记注册基本信息，包括名称、统一社会信用代码、注册地址、经营范围等。".into();
    m.resource.industry = "L".into();
    m
}

/// ed25519 verifications per second on one core, over `span`.
fn verify_rate(span: Duration) -> f64 {
    let key = SigningKey::from_bytes(&[7; 32]);
    let msg = [1u8; 200];
    let sig = key.sign(&msg);
    let vk = key.verifying_key();
    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < span {
        for _ in 0..256 {
            vk.verify(&msg, &sig).expect("verifies");
        }
        n += 256;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// SHA-256 leaf hashes of 400-byte entries per second on one core, over `span`.
fn hash_rate(span: Duration) -> f64 {
    let data = vec![5u8; 400];
    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < span {
        for _ in 0..1024 {
            std::hint::black_box(tree::leaf_hash(std::hint::black_box(&data)));
        }
        n += 1024;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Builds a province log of at least `entries`, delegates its key on the national node, then
/// pushes it in batches of `batch` entries and times the national node's work.
pub(super) async fn ingest(
    ch: Channel,
    ctx: &Ctx,
    entries: u64,
    batch: u64,
    node: Option<u32>,
) -> anyhow::Result<Ingest> {
    let build_start = Instant::now();
    let key = SigningKey::from_bytes(&[42; 32]);
    let region = Region::parse(REGION).expect("region");
    let mut log = Log::new(key.clone(), NODE_ID, region);
    let m = materials();
    let day = time::macros::date!(2026 - 01 - 05);
    let mut n = 0;
    while log.len() < entries {
        n += 1;
        log.flow(n, &m, DataType::PublicDataResource, day);
    }
    let size = log.len();
    let origin = checkpoint::origin(REGION, NODE_ID);
    let keyid = checkpoint::note_key_id(&origin, &key.verifying_key());
    let (requests, bytes) = log.requests(batch)?;
    let build = build_start.elapsed();
    delegate(&ch, ctx, NODE_ID, REGION, &key.verifying_key()).await?;
    let batches = requests.len();
    let (start, cpu0) = (Instant::now(), cpu_now(node));
    let lat = push(&ch, requests).await?;
    let wall = start.elapsed();
    let node_cpu = cpu_now(node)[0]
        .zip(cpu0[0])
        .map(|(b, a)| (b - a) / wall.as_secs_f64() * 100.0);
    let (_, batch_ms) = percentiles(lat);
    let bogus = super::bogus::pushes(ch, node, NODE_ID, &keyid).await?;
    let span = Duration::from_secs(2);
    Ok(Ingest {
        entries: size,
        batches,
        bytes,
        wall,
        build,
        batch_ms,
        node_cpu,
        verify_per_s: verify_rate(span),
        hash_per_s: hash_rate(span),
        bogus,
    })
}
