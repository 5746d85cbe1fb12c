//! The statistics the writer keeps against a full recount of the records, after a random mix
//! of registrations, changes, institution corrections, expiries, revocations and
//! deregistrations, across provinces; checked by the audit, and kept across a restart and a
//! store that lost them.
use super::*;
use crate::domain::record::{Record, RecordCorrection};
use crate::domain::statistics::Statistics;
use crate::store::memory::MemoryStore;

/// The statistics counted again from every record, on the node's today.
fn recount(e: &Engine, province: Option<&str>) -> Statistics {
    let store = e.store();
    let mut s = Statistics::default();
    for r in super::super::indexer::records(store.as_ref()) {
        let r: Record = r.unwrap();
        let p = crate::domain::statistics::province_of(&r.region);
        if province.is_none_or(|want| want == p) {
            s.add(&r, e.today());
        }
    }
    s
}

fn assert_kept(e: &Engine, round: usize) {
    assert_eq!(e.statistics(None), recount(e, None), "round {round}");
    for p in ["440000", "110000", "350000", "650000"] {
        let region = crate::domain::codes::Region::parse(p).unwrap();
        assert_eq!(
            e.statistics(Some(region)),
            recount(e, Some(p)),
            "round {round}, province {p}"
        );
    }
}

/// A small seeded generator: the mix is the same on every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[tokio::test]
async fn kept_statistics_equal_a_recount_after_a_random_mix_of_writes() {
    let store: crate::store::DynStore = Arc::new(MemoryStore::new());
    let n = Node::on(store.clone(), config()).await;
    let registrar = n.token(Role::Registrar, "registrar-zhao", None).await.1;
    let mut dice = Dice(14);
    let regions = ["440100", "110105", "350200", "650100"];
    let industries = ["公共管理", "交通运输", "卫生"];
    // Type 2 (products and services) takes other materials; two types are enough to count.
    let types = [DataType::PublicDataResource, DataType::OpenDataResource];
    let mut codes: Vec<String> = Vec::new();
    for round in 0..12 {
        let mut opened = Vec::new();
        // New registrations with varied facts.
        for _ in 0..1 + dice.roll(4) {
            let mut m = n.materials(OWN);
            m.subject.region = regions[dice.roll(regions.len())].into();
            m.resource.industry = industries[dice.roll(industries.len())].into();
            let t = types[dice.roll(types.len())];
            m.resource.data_type = Some(t);
            if t == DataType::OpenDataResource {
                m.resource.access_mode = Some(AccessMode::Open);
            }
            opened.push(n.submitted(&n.registrant, m).await);
        }
        // Changes and deregistrations on codes that are still valid.
        let valid: Vec<String> = codes
            .iter()
            .filter(|c| n.record(c).status_on(n.engine.today()) == RecordStatus::Valid)
            .cloned()
            .collect();
        let mut busy = std::collections::BTreeSet::new();
        for _ in 0..dice.roll(3) {
            if valid.is_empty() {
                break;
            }
            let code = valid[dice.roll(valid.len())].clone();
            if !busy.insert(code.clone()) {
                continue;
            }
            let t = if dice.roll(3) == 0 {
                RegistrationType::Deregistration
            } else {
                RegistrationType::Change
            };
            let r = n.record(&code);
            let mut m = n.materials(OWN);
            m.subject.region = r.region.clone();
            m.resource.industry = industries[dice.roll(industries.len())].into();
            m.resource.data_type = Some(r.data_type);
            m.resource.access_mode = r.access_mode;
            let app = app_of(n.open_on(t, &code, m).await);
            n.to_publicity(&app.id).await;
        }
        for id in &opened {
            n.flow(&n.clerk, Some(id), accept()).await;
            let pass = Command::PassReview { reason: "".into() };
            n.flow(&n.reviewer, Some(id), pass).await;
        }
        n.advance(PAST_PUBLICITY).await;
        codes.extend(opened.iter().map(|id| n.code(id).to_string()));
        // The institution corrects one record and revokes another, now and then.
        let valid: Vec<&String> = codes
            .iter()
            .filter(|c| n.record(c).status_on(n.engine.today()) == RecordStatus::Valid)
            .collect();
        if !valid.is_empty() && dice.roll(2) == 0 {
            let code = valid[dice.roll(valid.len())].clone();
            let correction = RecordCorrection {
                industry: Some(industries[dice.roll(3)].into()),
                ..Default::default()
            };
            let op = CorrectRecord {
                actor: registrar.clone(),
                request_id: n.request_id(),
                code,
                correction,
                reason: "行业填写有误".into(),
            };
            n.engine.execute(op).await.unwrap();
        }
        if !valid.is_empty() && dice.roll(3) == 0 {
            let code = valid[dice.roll(valid.len())].clone();
            let op = RevokeRecord {
                actor: registrar.clone(),
                request_id: n.request_id(),
                code,
                reason: "以欺骗手段登记".into(),
            };
            // A code with an application open on it is revoked too (the node closes it).
            n.engine.execute(op).await.unwrap();
        }
        assert_kept(&n.engine, round);
        // Now and then a year passes: some records expire by themselves.
        if dice.roll(3) == 0 {
            n.advance(400).await;
            assert_kept(&n.engine, round);
        }
    }
    let before = n.engine.statistics(None);
    assert!(before.records >= 12, "{before:?}");
    // The mix reached every status and more than one of each other facet.
    let statuses: Vec<&str> = before.by_status.keys().map(String::as_str).collect();
    assert_eq!(
        statuses,
        ["DEREGISTERED", "EXPIRED", "REVOKED", "VALID"],
        "{before:?}"
    );
    assert!(before.by_data_type.len() == 2 && before.by_industry.len() == 3);
    assert!(before.by_region.len() >= 3, "{before:?}");

    // The audit counts the records again and finds the same; a count changed behind the
    // writer's back is named, and `reindex` counts them again.
    let (key, origin) = (n.engine.verifying_key(), n.engine.log_origin().to_string());
    crate::engine::audit::audit(store.as_ref(), &key, &origin).expect("counts agree");
    drop(n);
    let damaged = keys::tally("440000", "n", "");
    let good = store
        .get(&damaged)
        .unwrap()
        .expect("a count of Guangdong's records");
    let mut batch = crate::store::Batch::default();
    batch.put(damaged.clone(), 999u64.to_be_bytes().to_vec());
    store.apply(batch).unwrap();
    let e = crate::engine::audit::audit(store.as_ref(), &key, &origin).unwrap_err();
    assert_eq!(e.key.as_bytes(), damaged.as_slice());
    assert!(e.what.contains("keep 999 where the records count"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    crate::engine::reindex(store.as_ref(), &dir.path().join("search")).unwrap();
    assert_eq!(store.get(&damaged).unwrap(), Some(good));
    crate::engine::audit::audit(store.as_ref(), &key, &origin).expect("counted again");

    // Kept across a restart: read back from the store, equal to the recount.
    let reopen = || {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        Engine::start(store.clone(), key, config()).unwrap()
    };
    let e = reopen();
    assert_kept(&e, 99);
    assert_eq!(e.statistics(None), before);
    drop(e);

    // A store that lost its counts (made before they were kept) counts them again at open.
    let mut lost = crate::store::Batch::default();
    for (k, _) in store.scan(keys::TALLY_PREFIX, None, 100_000).unwrap() {
        lost.delete(k);
    }
    lost.delete(keys::meta("tally"));
    store.apply(lost).unwrap();
    let e = reopen();
    assert_eq!(e.statistics(None), before);
    assert_kept(&e, 100);
}

#[tokio::test]
async fn statistics_of_a_province_with_no_records_are_empty() {
    let n = Node::start(config()).await;
    n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let none = crate::domain::codes::Region::parse("110000").unwrap();
    assert_eq!(n.engine.statistics(Some(none)), Statistics::default());
    let some = crate::domain::codes::Region::parse("440106").unwrap();
    assert_eq!(
        n.engine.statistics(Some(some)).records,
        1,
        "by its province"
    );
}
