use super::*;
use crate::domain::types::Role;
use ed25519_dalek::SigningKey;

const ORIGIN: &str = "sjdj/350000/fj";

type Tiles = tree::MemoryTiles;

/// A province's log as the province keeps it: entries, tiles, a key to sign checkpoints.
struct Province {
    key: SigningKey,
    entries: Vec<Vec<u8>>,
    tiles: Tiles,
}

impl Province {
    fn new(seed: u8) -> Province {
        Province {
            key: SigningKey::from_bytes(&[seed; 32]),
            entries: Vec::new(),
            tiles: Tiles::default(),
        }
    }

    fn push_body(&mut self, body: Body) {
        let index = self.entries.len() as u64;
        let data = Record {
            index,
            at: 1_767_225_600 + index as i64,
            actor: "system".into(),
            holder: "system".into(),
            body,
        }
        .encode();
        self.tiles.append(index, tree::leaf_hash(&data)).unwrap();
        self.entries.push(data);
    }

    fn token(&mut self) {
        let n = self.entries.len();
        self.push_body(Body::TokenCreated {
            token_id: format!("T{n}"),
            role: Role::Clerk,
            holder: "受理员".into(),
            subject: None,
        });
    }

    fn registered(&mut self, code: &str) {
        let event = EventKind::Registered {
            code: code.into(),
            assigned_on: time::macros::date!(2026 - 01 - 05),
            valid_from: time::macros::date!(2026 - 01 - 05),
            valid_until: time::macros::date!(2029 - 01 - 04),
        };
        self.push_body(Body::Flow {
            application_id: format!("A{}", self.entries.len()),
            event: Box::new(event),
        });
    }

    fn checkpoint(&self) -> Vec<u8> {
        let size = self.entries.len() as u64;
        let root = tree::root(&self.tiles, size).unwrap();
        checkpoint::sign(&self.key, ORIGIN, size, root.0, 1_767_225_600 + size as i64)
            .unwrap()
            .note
    }

    fn proof(&self, from: u64) -> Vec<[u8; 32]> {
        let size = self.entries.len() as u64;
        if from == 0 || from == size {
            return Vec::new();
        }
        tree::consistency_proof(&self.tiles, from, size)
            .unwrap()
            .into_iter()
            .map(|h| h.0)
            .collect()
    }
}

/// A serial's code in the Fujian namespace (data type 1, 2026), check character included.
fn code(region: &str, serial: u32) -> String {
    let c = UnifiedCode::new(
        crate::domain::types::DataType::PublicDataResource,
        Region::parse(region).unwrap(),
        2026,
        serial,
    )
    .unwrap();
    c.to_string()
}

fn mirror(p: &Province) -> Mirror {
    Mirror {
        origin: ORIGIN.into(),
        key: p.key.verifying_key(),
        region: Region::parse("350000").unwrap(),
        acknowledged: None,
        serials: BTreeMap::new(),
    }
}

/// Applies an accepted push to the national side's mirror and tiles.
fn apply(m: &mut Mirror, tiles: &Tiles, a: Accepted) {
    tiles.write(a.tiles);
    m.acknowledged = Some(a.checkpoint);
    m.serials = a.serials;
}

fn push(p: &Province, m: &Mirror, tiles: &Tiles) -> Result<Accepted, Refused> {
    let from = m.acknowledged.as_ref().map_or(0, |c| c.size);
    check_push(
        m,
        tiles,
        &p.checkpoint(),
        from,
        &p.proof(from),
        &p.entries[from as usize..],
    )
}

#[test]
fn pushes_in_order_rebuild_the_province_tree_and_replays_change_nothing() {
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), Tiles::default());
    for _ in 0..300 {
        p.token();
    }
    p.registered(&code("350000", 1));
    let a = push(&p, &m, &national).unwrap();
    assert_eq!(a.entries.len(), 301);
    apply(&mut m, &national, a);
    p.registered(&code("350000", 2));
    p.token();
    let a = push(&p, &m, &national).unwrap();
    assert_eq!(a.entries.first().unwrap().0, 301);
    apply(&mut m, &national, a);
    assert_eq!(m.serials.get(&2026), Some(&2));
    // The national mirror's tiles now give the province's own root.
    let root = tree::root(&national, 303).unwrap();
    assert_eq!(root, tree::root(&p.tiles, 303).unwrap());
    // A replay of the last push starts at the wrong place: answered with where to resume.
    let r = check_push(
        &m,
        &national,
        &p.checkpoint(),
        301,
        &p.proof(301),
        &p.entries[301..],
    );
    assert_eq!(
        r.unwrap_err(),
        Refused::WrongStart {
            got: 301,
            expected: 303
        }
    );
}

#[test]
fn a_wrong_key_a_tampered_entry_or_a_short_batch_is_refused() {
    let mut p = Province::new(1);
    let (m, national) = (mirror(&p), Tiles::default());
    for _ in 0..10 {
        p.token();
    }
    let imposter = Province {
        key: SigningKey::from_bytes(&[9; 32]),
        ..Province::new(9)
    };
    let forged = {
        let root = tree::root(&p.tiles, 10).unwrap();
        checkpoint::sign(&imposter.key, ORIGIN, 10, root.0, 1)
            .unwrap()
            .note
    };
    let r = check_push(&m, &national, &forged, 0, &[], &p.entries);
    assert_eq!(r.unwrap_err().reason(), "SYNC_BAD_CHECKPOINT");

    let mut tampered = p.entries.clone();
    let s = String::from_utf8(tampered[4].clone())
        .unwrap()
        .replace("受理员", "审核员");
    tampered[4] = s.into_bytes();
    let r = check_push(&m, &national, &p.checkpoint(), 0, &[], &tampered);
    assert_eq!(r.unwrap_err(), Refused::RootMismatch(10));

    let r = check_push(&m, &national, &p.checkpoint(), 0, &[], &p.entries[..9]);
    assert_eq!(r.unwrap_err().reason(), "SYNC_WRONG_COUNT");

    let mut swapped = p.entries.clone();
    swapped.swap(2, 3);
    let r = check_push(&m, &national, &p.checkpoint(), 0, &[], &swapped);
    assert_eq!(r.unwrap_err().reason(), "SYNC_BAD_ENTRY");
    assert!(national.0.borrow().is_empty(), "a refusal writes nothing");
}

#[test]
fn minting_outside_the_namespace_or_reusing_a_serial_is_refused() {
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), Tiles::default());
    p.registered(&code("350000", 5));
    let a = push(&p, &m, &national).unwrap();
    apply(&mut m, &national, a);

    let mut foreign = Province::new(1);
    foreign.registered(&code("350000", 5));
    foreign.registered(&code("440000", 6));
    let r = push(&foreign, &m, &national);
    assert_eq!(r.unwrap_err().reason(), "SYNC_FOREIGN_NAMESPACE");

    let mut again = Province::new(1);
    again.registered(&code("350000", 5));
    again.registered(&code("350000", 5));
    let r = push(&again, &m, &national).unwrap_err();
    assert_eq!(
        r,
        Refused::SerialReused {
            index: 1,
            year: 2026,
            serial: 5,
            last: 5
        }
    );
}

#[test]
fn two_inconsistent_checkpoints_are_a_fork_and_nothing_is_applied() {
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), Tiles::default());
    for _ in 0..5 {
        p.token();
    }
    let a = push(&p, &m, &national).unwrap();
    apply(&mut m, &national, a);
    // The province rewrites its history: same key, a different entry 3, then more.
    let mut rewritten = Province::new(1);
    for i in 0..8 {
        if i == 3 {
            rewritten.registered(&code("350000", 1));
        } else {
            rewritten.token();
        }
    }
    let r = check_push(
        &m,
        &national,
        &rewritten.checkpoint(),
        5,
        &rewritten.proof(5),
        &rewritten.entries[5..],
    );
    assert_eq!(r.unwrap_err(), Refused::Fork { old: 5, new: 8 });
    // Same size, other root: a fork too.
    let mut same_size = Province::new(1);
    for i in 0..5 {
        if i == 0 {
            same_size.registered(&code("350000", 1));
        } else {
            same_size.token();
        }
    }
    let r = check_push(&m, &national, &same_size.checkpoint(), 5, &[], &[]);
    assert_eq!(r.unwrap_err(), Refused::Fork { old: 5, new: 5 });
}
