use super::*;
use crate::domain::certificate::key_id;
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
    /// Another log with the same key and the same entries so far (a province that diverges).
    fn clone_log(&self) -> Province {
        let copy = Province::new(0);
        copy.tiles.write(
            self.tiles
                .0
                .borrow()
                .iter()
                .map(|((level, n), data)| tree::TileWrite {
                    level: *level,
                    n: *n,
                    data: data.clone(),
                })
                .collect::<Vec<_>>(),
        );
        Province {
            key: self.key.clone(),
            entries: self.entries.clone(),
            tiles: copy.tiles,
        }
    }

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
            holder_commitment: None,
            body,
        }
        // A province that writes v1 entries still syncs (v2 is tested across real nodes).
        .encode_v1();
        self.tiles.append(index, tree::leaf_hash(&data)).unwrap();
        self.entries.push(data);
    }

    fn token(&mut self) {
        let n = self.entries.len();
        self.push_body(Body::TokenCreated {
            token_id: format!("T{n}"),
            role: Role::Clerk,
            holder: "受理员".into(),
            token_holder_commitment: None,
            subject: None,
        });
    }

    fn flow(&mut self, app: &str, event: EventKind) {
        self.push_body(Body::Flow {
            application_id: app.into(),
            event: Box::new(crate::log::public::PublicEvent::Clear(Box::new(event))),
        });
    }

    /// A whole flow up to the code: created, submitted, accepted, passed, registered.
    fn registered(&mut self, code: &str) -> String {
        let app = format!("A{}", self.entries.len());
        let day = time::macros::date!(2026 - 01 - 05);
        self.flow(
            &app,
            EventKind::Created {
                registration_type: crate::domain::types::RegistrationType::Initial,
                subject: "91350100M000100Y43".into(),
                materials: Default::default(),
                target_code: None,
            },
        );
        self.flow(
            &app,
            EventKind::Submitted {
                publicity_text: String::new(),
                acceptance_due: day,
            },
        );
        self.flow(
            &app,
            EventKind::Accepted {
                reason: String::new(),
                review_due: day,
            },
        );
        self.flow(
            &app,
            EventKind::ReviewPassed {
                reason: String::new(),
                publicity_start: day,
                publicity_end: day,
            },
        );
        self.flow(
            &app,
            EventKind::Registered {
                code: code.into(),
                version: 1,
                assigned_on: day,
                valid_from: day,
                valid_until: time::macros::date!(2029 - 01 - 04),
            },
        );
        app
    }

    /// An application of type `t` on `code` up to publicity, then `last` (its completion).
    fn on_code(
        &mut self,
        t: crate::domain::types::RegistrationType,
        code: &str,
        last: EventKind,
    ) -> String {
        let app = format!("A{}", self.entries.len());
        let day = time::macros::date!(2026 - 03 - 02);
        let events = [
            EventKind::Created {
                registration_type: t,
                subject: "91350100M000100Y43".into(),
                materials: Default::default(),
                target_code: Some(code.into()),
            },
            EventKind::Submitted {
                publicity_text: String::new(),
                acceptance_due: day,
            },
            EventKind::Accepted {
                reason: String::new(),
                review_due: day,
            },
            EventKind::ReviewPassed {
                reason: String::new(),
                publicity_start: day,
                publicity_end: day,
            },
            last,
        ];
        for e in events {
            self.flow(&app, e);
        }
        app
    }

    /// Signs the certificate of a registered application and logs it; returns its bytes.
    fn certify(&mut self, app: &str, code: &str) -> Vec<u8> {
        self.certify_signed(app, code, |s| s)
    }

    /// As `certify`, with the signed bytes passed through `edit` before the entry pins them.
    fn certify_signed(
        &mut self,
        app: &str,
        code: &str,
        edit: impl Fn(Vec<u8>) -> Vec<u8>,
    ) -> Vec<u8> {
        let day = time::macros::date!(2026 - 01 - 05);
        let c = crate::domain::certificate::Certificate {
            code: UnifiedCode::parse(code).unwrap(),
            version: 1,
            registration_type: crate::domain::types::RegistrationType::Initial,
            data_type: crate::domain::types::DataType::PublicDataResource,
            subject_name: "福建省数据管理局".into(),
            subject_credit_code: crate::domain::codes::CreditCode::parse("91350100M000100Y43")
                .unwrap(),
            data_name: "公共交通".into(),
            summary: String::new(),
            issuer_node: "fj".into(),
            issuer_key_id: key_id(&self.key.verifying_key()),
            assigned_on: day,
            valid_from: day,
            valid_until: time::macros::date!(2029 - 01 - 04),
            issued_at: 1_767_225_600,
            log_index: self.entries.len() as u64,
        };
        let bytes = edit(c.sign(&self.key).unwrap().into_bytes());
        self.flow(
            app,
            EventKind::CertificateIssued {
                code: code.into(),
                version: 1,
                query_code: crate::domain::codes::query_code(&bytes),
                certificate_sha256: hex::encode(Sha256::digest(&bytes)),
            },
        );
        bytes
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
        node_id: "fj".into(),
        origin: ORIGIN.into(),
        key: p.key.verifying_key(),
        certificate_keys: vec![p.key.verifying_key()],
        region: Region::parse("350000").unwrap(),
        held: 0,
        signed: None,
        serials: BTreeMap::new(),
    }
}

/// The national side: mirror, tiles, mirrored applications and the book's records.
#[derive(Default)]
struct National {
    tiles: Tiles,
    apps: std::cell::RefCell<BTreeMap<String, Application>>,
    records: std::cell::RefCell<BTreeMap<String, crate::domain::record::Record>>,
}

impl National {
    fn check(&self, m: &Mirror, push: &Push) -> Result<Accepted, Refused> {
        let (apps, records) = (self.apps.borrow().clone(), self.records.borrow().clone());
        let prepared = prepare(&m.certificate_keys, push.entries, push.certificates);
        let book = Book {
            apps: &move |id| Ok(apps.get(id).cloned()),
            records: &move |code| Ok(records.get(code).cloned()),
        };
        check_push(m, &self.tiles, &book, push, prepared)
    }

    /// Applies an accepted batch, as the engine stores it.
    fn apply(&self, m: &mut Mirror, a: Accepted) {
        self.tiles.write(a.tiles);
        self.apps.borrow_mut().extend(a.apps);
        self.records.borrow_mut().extend(a.records);
        m.held = a.held;
        m.signed = Some(a.checkpoint);
        m.serials = a.serials;
    }

    /// Pushes everything the province has, in batches of at most `batch` entries.
    fn sync(
        &self,
        p: &Province,
        m: &mut Mirror,
        batch: usize,
        certs: &[Vec<u8>],
    ) -> Result<(), Refused> {
        let note = p.checkpoint();
        let size = p.entries.len() as u64;
        let signed_proof = p.proof(m.signed.as_ref().map_or(0, |c| c.size));
        loop {
            let from = m.held;
            let end = (from + batch as u64).min(size);
            let entries = &p.entries[from as usize..end as usize];
            // Each batch carries the certificates its own entries pin, as the driver sends them.
            let pinned: Vec<Vec<u8>> = certs
                .iter()
                .filter(|c| {
                    let sha = hex::encode(Sha256::digest(c));
                    entries
                        .iter()
                        .any(|e| String::from_utf8_lossy(e).contains(&sha))
                })
                .cloned()
                .collect();
            let a = self.check(
                m,
                &Push {
                    note: &note,
                    from,
                    signed_proof: &signed_proof,
                    batch_proof: &p.proof(end),
                    entries,
                    certificates: &pinned,
                },
            )?;
            let done = a.complete();
            self.apply(m, a);
            if done {
                return Ok(());
            }
        }
    }
}

fn push<'a>(p: &'a Province, m: &Mirror, note: &'a [u8], proof: &'a [[u8; 32]]) -> Push<'a> {
    Push {
        note,
        from: m.held,
        signed_proof: proof,
        batch_proof: &[],
        entries: &p.entries[m.held as usize..],
        certificates: &[],
    }
}

#[test]
fn batches_rebuild_the_province_tree_resume_and_replays_change_nothing() {
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), National::default());
    for _ in 0..300 {
        p.token();
    }
    let app = p.registered(&code("350000", 1));
    let cert = p.certify(&app, &code("350000", 1));
    national
        .sync(&p, &mut m, 64, std::slice::from_ref(&cert))
        .unwrap();
    assert_eq!(m.held, 306);
    let book = national.apps.borrow();
    let registered = &book[&format!("fj/{app}")];
    assert_eq!(registered.code.as_deref(), Some(code("350000", 1).as_str()));
    drop(book);
    p.registered(&code("350000", 2));
    p.token();
    // The first batch of the next push, then an interruption: it resumes at entry 308.
    let note = p.checkpoint();
    let proof = p.proof(306);
    let first = Push {
        entries: &p.entries[306..308],
        batch_proof: &p.proof(308),
        ..push(&p, &m, &note, &proof)
    };
    let a = national.check(&m, &first).unwrap();
    assert!(!a.complete());
    national.apply(&mut m, a);
    // A replay of that batch changes nothing: it is answered with where to resume.
    let r = national.check(&m, &first).unwrap_err();
    assert_eq!(
        r,
        Refused::WrongStart {
            got: 306,
            expected: 308
        }
    );
    national.sync(&p, &mut m, 64, &[]).unwrap();
    assert_eq!(m.serials.get(&2026), Some(&2));
    // The national mirror's tiles now give the province's own root.
    let size = p.entries.len() as u64;
    assert_eq!(
        tree::root(&national.tiles, size).unwrap(),
        tree::root(&p.tiles, size).unwrap()
    );
}

#[test]
fn a_wrong_key_a_tampered_entry_or_a_short_batch_is_refused() {
    let mut p = Province::new(1);
    let (m, national) = (mirror(&p), National::default());
    for _ in 0..10 {
        p.token();
    }
    let imposter = Province::new(9);
    let forged = {
        let root = tree::root(&p.tiles, 10).unwrap();
        checkpoint::sign(&imposter.key, ORIGIN, 10, root.0, 1)
            .unwrap()
            .note
    };
    let r = national.check(&m, &push(&p, &m, &forged, &[]));
    assert_eq!(r.unwrap_err().reason(), "SYNC_BAD_CHECKPOINT");

    let note = p.checkpoint();
    let mut tampered = p.entries.clone();
    let s = String::from_utf8(tampered[4].clone())
        .unwrap()
        .replace("受理员", "审核员");
    tampered[4] = s.into_bytes();
    let r = national.check(
        &m,
        &Push {
            entries: &tampered,
            ..push(&p, &m, &note, &[])
        },
    );
    assert_eq!(r.unwrap_err(), Refused::RootMismatch(10));

    // A first batch whose proof does not tie it to the checkpoint.
    let r = national.check(
        &m,
        &Push {
            entries: &p.entries[..9],
            ..push(&p, &m, &note, &[])
        },
    );
    assert_eq!(r.unwrap_err(), Refused::RootMismatch(9));
    let r = national.check(
        &m,
        &Push {
            entries: &[],
            ..push(&p, &m, &note, &[])
        },
    );
    assert_eq!(r.unwrap_err().reason(), "SYNC_WRONG_COUNT");

    let mut swapped = p.entries.clone();
    swapped.swap(2, 3);
    let r = national.check(
        &m,
        &Push {
            entries: &swapped,
            ..push(&p, &m, &note, &[])
        },
    );
    assert_eq!(r.unwrap_err().reason(), "SYNC_ROOT_MISMATCH");
    assert!(
        national.tiles.0.borrow().is_empty(),
        "a refusal writes nothing"
    );
}

#[test]
fn entries_signed_in_order_but_breaking_a_rule_are_refused() {
    // Entries listed in the wrong order, signed as such: the tree holds but the flow does not.
    let mut p = Province::new(1);
    let (m, national) = (mirror(&p), National::default());
    let day = time::macros::date!(2026 - 01 - 05);
    p.flow(
        "A1",
        EventKind::Accepted {
            reason: String::new(),
            review_due: day,
        },
    );
    let note = p.checkpoint();
    let r = national.check(&m, &push(&p, &m, &note, &[])).unwrap_err();
    assert_eq!(r.reason(), "SYNC_BAD_ENTRY");
    assert_eq!(
        r.to_string(),
        "entry 0: ACCEPTED before the application was created"
    );

    // A trust-list entry in a province's log.
    let mut p = Province::new(1);
    p.push_body(Body::KeyRevoked {
        node_id: "fj".into(),
        reason: "x".into(),
    });
    let note = p.checkpoint();
    let r = national.check(&m, &push(&p, &m, &note, &[])).unwrap_err();
    assert!(r.to_string().contains("belongs in the national log"), "{r}");
}

#[test]
fn certificates_must_come_signed_and_match_their_entry() {
    let mut p = Province::new(1);
    let (m, national) = (mirror(&p), National::default());
    let app = p.registered(&code("350000", 1));
    let cert = p.certify(&app, &code("350000", 1));
    let note = p.checkpoint();
    // Not sent.
    let r = national.check(&m, &push(&p, &m, &note, &[])).unwrap_err();
    assert_eq!(r.reason(), "SYNC_BAD_CERTIFICATE");
    assert!(
        r.to_string().ends_with("was not sent with the batch"),
        "{r}"
    );
    // Sent, but by a key the trust list does not hold for the node.
    let stranger = Mirror {
        certificate_keys: vec![Province::new(7).key.verifying_key()],
        ..m.clone()
    };
    let certs = [cert.clone()];
    let r = national.check(
        &stranger,
        &Push {
            certificates: &certs,
            ..push(&p, &m, &note, &[])
        },
    );
    assert!(r
        .unwrap_err()
        .to_string()
        .contains("the trust list does not hold"));
    // An extra certificate no entry pins.
    let certs = [cert.clone(), vec![1, 2, 3]];
    let r = national.check(
        &m,
        &Push {
            certificates: &certs,
            ..push(&p, &m, &note, &[])
        },
    );
    assert!(r.unwrap_err().to_string().contains("no entry pins it"));
    // The right one: accepted, with the registry record rebuilt.
    let certs = [cert];
    let a = national
        .check(
            &m,
            &Push {
                certificates: &certs,
                ..push(&p, &m, &note, &[])
            },
        )
        .unwrap();
    assert_eq!(a.certificates.len(), 1);
    let record = &a.records[&code("350000", 1)];
    assert_eq!(record.versions[0].application_id, format!("fj/{app}"));
}

#[test]
fn minting_outside_the_namespace_or_reusing_a_serial_is_refused() {
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), National::default());
    p.registered(&code("350000", 5));
    national.sync(&p, &mut m, 100, &[]).unwrap();

    let mut foreign = p.clone_log();
    foreign.registered(&code("440000", 6));
    let r = national.sync(&foreign, &mut m.clone(), 100, &[]);
    assert_eq!(r.unwrap_err().reason(), "SYNC_FOREIGN_NAMESPACE");

    let mut again = p.clone_log();
    again.registered(&code("350000", 5));
    let r = national.sync(&again, &mut m.clone(), 100, &[]).unwrap_err();
    assert_eq!(
        r,
        Refused::SerialReused {
            index: 9,
            year: 2026,
            serial: 5,
            last: 5
        }
    );
}

#[test]
fn two_inconsistent_checkpoints_are_a_fork_and_nothing_is_applied() {
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), National::default());
    for _ in 0..5 {
        p.token();
    }
    national.sync(&p, &mut m, 100, &[]).unwrap();
    // The province rewrites its history: same key, a different entry 3, then more.
    let mut rewritten = Province::new(1);
    for i in 0..8 {
        if i == 3 {
            rewritten.push_body(Body::TokenRevoked {
                token_id: "T0".into(),
            });
        } else {
            rewritten.token();
        }
    }
    let note = rewritten.checkpoint();
    let proof = rewritten.proof(5);
    let r = national.check(&m, &push(&rewritten, &m, &note, &proof));
    assert_eq!(r.unwrap_err(), Refused::Fork { old: 5, new: 8 });
    // Same size, other root: a fork too.
    let mut same_size = Province::new(1);
    for _ in 0..4 {
        same_size.token();
    }
    same_size.push_body(Body::TokenRevoked {
        token_id: "T0".into(),
    });
    let note = same_size.checkpoint();
    let r = national.check(&m, &push(&same_size, &m, &note, &[]));
    assert_eq!(r.unwrap_err(), Refused::Fork { old: 5, new: 5 });
    // An older checkpoint is stale, not a fork.
    let mut older = Province::new(1);
    for _ in 0..3 {
        older.token();
    }
    let note = older.checkpoint();
    let r = national.check(
        &m,
        &Push {
            entries: &[],
            ..push(&p, &m, &note, &[])
        },
    );
    assert_eq!(
        r.unwrap_err(),
        Refused::Stale {
            got: 3,
            accepted: 5
        }
    );
}

#[test]
fn a_bad_certificate_signature_among_many_is_named() {
    let mut p = Province::new(1);
    let (m, national) = (mirror(&p), National::default());
    let mut certs = Vec::new();
    for serial in 1..=40 {
        let code = code("350000", serial);
        let app = p.registered(&code);
        let cert = if serial == 33 {
            // The last signature byte flipped: the entry pins these very bytes.
            p.certify_signed(&app, &code, |mut b| {
                *b.last_mut().unwrap() ^= 1;
                b
            })
        } else {
            p.certify(&app, &code)
        };
        certs.push(cert);
    }
    let note = p.checkpoint();
    let r = national
        .check(
            &m,
            &Push {
                certificates: &certs,
                ..push(&p, &m, &note, &[])
            },
        )
        .unwrap_err();
    assert_eq!(r.reason(), "SYNC_BAD_CERTIFICATE");
    assert_eq!(
        r.to_string(),
        format!(
            "entry {}: certificate: certificate signature does not verify",
            33 * 6 - 1
        )
    );
}

#[test]
fn versions_follow_the_book_in_order_and_an_ended_code_takes_none() {
    use crate::domain::types::RegistrationType::{Change, Deregistration};
    let mut p = Province::new(1);
    let (mut m, national) = (mirror(&p), National::default());
    let c = code("350000", 1);
    let app = p.registered(&c);
    let cert = p.certify(&app, &c);
    national.sync(&p, &mut m, 100, &[cert]).unwrap();
    let day = time::macros::date!(2026 - 03 - 03);
    let version = |version| EventKind::Registered {
        code: c.clone(),
        version,
        assigned_on: day,
        valid_from: day,
        valid_until: time::macros::date!(2029 - 01 - 04),
    };
    // Version 3 while the book holds version 1.
    let mut skipped = p.clone_log();
    skipped.on_code(Change, &c, version(3));
    let note = skipped.checkpoint();
    let held = m.held;
    let r = national
        .check(&m, &push(&skipped, &m, &note, &skipped.proof(held)))
        .unwrap_err();
    assert_eq!(r.reason(), "SYNC_BAD_ENTRY");
    assert!(
        r.to_string().contains(&format!(
            "version 3 of {c}, but the national book holds version 1"
        )),
        "{r}"
    );
    // A deregistration of a code the book does not hold.
    let mut unknown = p.clone_log();
    unknown.on_code(
        Deregistration,
        &code("350000", 2),
        EventKind::Deregistered {
            code: code("350000", 2),
            on: day,
        },
    );
    let note = unknown.checkpoint();
    let r = national
        .check(&m, &push(&unknown, &m, &note, &unknown.proof(held)))
        .unwrap_err();
    assert!(r.to_string().contains("is not in the national book"), "{r}");
    // In order: version 2, then the end, which the book keeps as a tombstone.
    p.on_code(Change, &c, version(2));
    p.on_code(
        Deregistration,
        &c,
        EventKind::Deregistered {
            code: c.clone(),
            on: day,
        },
    );
    national.sync(&p, &mut m, 100, &[]).unwrap();
    let tomb = national.records.borrow()[&c].clone();
    assert_eq!(
        tomb.ended.map(|e| e.status),
        Some(crate::domain::record::RecordStatus::Deregistered)
    );
    // Nothing more on an ended code.
    p.on_code(Change, &c, version(2));
    let (note, held) = (p.checkpoint(), m.held);
    let r = national
        .check(&m, &push(&p, &m, &note, &p.proof(held)))
        .unwrap_err();
    assert!(r.to_string().contains("ended (DEREGISTERED)"), "{r}");
}
