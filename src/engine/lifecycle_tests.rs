//! A code's whole life on one node, three years of it on the clock control: change, renewal
//! inside and outside its window, deregistration to a tombstone, expiry, and one application at
//! a time per code.
use super::*;
use crate::domain::record::RecordCorrection;

impl Node {
    /// Opens a `t` application on `code` for the registrant.
    pub(super) async fn open_on(
        &self,
        t: RegistrationType,
        code: &str,
        m: Materials,
    ) -> Result<Applied, EngineError> {
        let command = Command::Create {
            id: String::new(),
            registration_type: t,
            materials: m,
            target_code: Some(code.to_string()),
        };
        self.try_flow(&self.registrant, None, command).await
    }

    /// Runs an opened application through submission, acceptance and review into publicity.
    pub(super) async fn to_publicity(&self, id: &str) {
        let app = self.app(id);
        let text = publicity_text(app.registration_type, &app.materials);
        let publicity_text_sha256 = hex::encode(Sha256::digest(text));
        let submit = Command::Submit {
            publicity_text_sha256,
        };
        self.flow(&self.registrant, Some(id), submit).await;
        self.flow(&self.clerk, Some(id), accept()).await;
        let pass = Command::PassReview { reason: "".into() };
        self.flow(&self.reviewer, Some(id), pass).await;
    }

    pub(super) fn record(&self, code: &str) -> crate::domain::record::Record {
        self.engine.get_record(code).unwrap().0
    }
}

#[tokio::test]
async fn change_renewal_and_deregistration_each_run_the_five_steps_on_one_code() {
    let n = Node::start(config()).await;
    let first = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&first).to_string();
    let v1 = n.record(&code);
    assert_eq!((v1.current_version, v1.status), (1, RecordStatus::Valid));

    // A change: new facts, version 2 of the same code with its own certificate, same term.
    let mut changed = n.materials(OWN);
    changed.resource.name = "企业登记信息（含变更记录）".into();
    let change = app_of(
        n.open_on(RegistrationType::Change, &code, changed.clone())
            .await,
    );
    assert_eq!(change.target_code.as_deref(), Some(code.as_str()));
    // Only one application at a time per code; the refusal writes nothing.
    let before = snapshot(&n.engine);
    let second = n
        .open_on(RegistrationType::Correction, &code, n.materials(OWN))
        .await;
    assert_eq!(reason(second), "CODE_BUSY");
    assert_eq!(snapshot(&n.engine), before, "a refusal writes nothing");
    // Another subject's registrant cannot act on the code.
    let command = Command::Create {
        id: String::new(),
        registration_type: RegistrationType::Change,
        materials: n.materials(OTHER),
        target_code: Some(code.clone()),
    };
    assert_eq!(
        reason(n.try_flow(&n.other, None, command).await),
        "NOT_CODE_OWNER"
    );
    n.to_publicity(&change.id).await;
    n.advance(PAST_PUBLICITY).await;
    assert_eq!(n.app(&change.id).state, State::Registered);
    let v2 = n.record(&code);
    assert_eq!(v2.current_version, 2);
    assert_eq!(v2.data_name, "企业登记信息（含变更记录）");
    assert_eq!(v2.valid_until, v1.valid_until, "a change keeps the term");
    assert_eq!(v2.versions.len(), 2);
    assert_eq!(v2.versions[1].registration_type, RegistrationType::Change);
    let cert = n.engine.certificate(Some(&code), 2, None).unwrap();
    assert_eq!(cert.certificate.version, 2);
    assert_eq!(cert.certificate.registration_type, RegistrationType::Change);
    cert.signed
        .verify(&n.engine.verifying_key())
        .expect("version 2 is signed");
    // Version 1's certificate stays as it was.
    let old = n.engine.certificate(Some(&code), 1, None).unwrap();
    assert_eq!(old.certificate.data_name, "企业登记信息");

    // A renewal before its window opens is refused; inside it, it adds a term.
    let early = n
        .open_on(RegistrationType::Renewal, &code, changed.clone())
        .await;
    assert_eq!(reason(early), "RENEWAL_TOO_EARLY");
    let today = n.engine.today();
    let to_window = (v2.valid_until - today).whole_days() - 60;
    n.advance(to_window).await;
    let renewal = app_of(
        n.open_on(RegistrationType::Renewal, &code, changed.clone())
            .await,
    );
    n.to_publicity(&renewal.id).await;
    n.advance(PAST_PUBLICITY).await;
    let v3 = n.record(&code);
    assert_eq!(v3.current_version, 3);
    assert_eq!(v3.status, RecordStatus::Valid);
    let expected_until = v2
        .valid_until
        .replace_year(v2.valid_until.year() + 3)
        .unwrap();
    assert_eq!(v3.valid_until, expected_until, "three more years");

    // Deregistration: the code ends and stays resolvable with its whole history.
    let dereg = app_of(
        n.open_on(RegistrationType::Deregistration, &code, changed.clone())
            .await,
    );
    n.to_publicity(&dereg.id).await;
    n.advance(PAST_PUBLICITY).await;
    let (tomb, history) = n.engine.get_record(&code).unwrap();
    assert_eq!(tomb.status, RecordStatus::Deregistered);
    assert_eq!(tomb.current_version, 3, "no new version");
    assert_eq!(tomb.versions.len(), 3);
    let end = tomb.ended.as_ref().expect("ended");
    assert_eq!(end.application_id, dereg.id);
    assert!(history.iter().any(|d| d.decision.step == "DEREGISTERED"));
    assert_eq!(
        history
            .iter()
            .filter(|d| d.decision.step == "CERTIFICATE_ISSUED")
            .count(),
        3
    );
    let after = n
        .open_on(RegistrationType::Change, &code, changed.clone())
        .await;
    assert_eq!(reason(after), "RECORD_ENDED");
}

#[tokio::test]
async fn a_record_expires_by_itself_and_then_takes_no_change_or_renewal() {
    let n = Node::start(config()).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&id).to_string();
    let until = n.record(&code).valid_until;
    let days = (until - n.engine.today()).whole_days();
    n.advance(days).await;
    assert_eq!(n.record(&code).status, RecordStatus::Valid, "its last day");
    n.advance(1).await;
    assert_eq!(n.record(&code).status, RecordStatus::Expired);
    // Certificate verification says so too.
    let signed = n.engine.certificate(Some(&code), 1, None).unwrap().signed;
    let verified = n.engine.verify(signed.into_bytes()).unwrap();
    assert_eq!(verified.status, Some(RecordStatus::Expired));
    for t in [RegistrationType::Change, RegistrationType::Renewal] {
        let r = n.open_on(t, &code, n.materials(OWN)).await;
        assert_eq!(reason(r), "RECORD_EXPIRED");
    }
}

#[tokio::test]
async fn a_code_the_node_does_not_keep_is_refused() {
    let n = Node::start(config()).await;
    // Well formed, but no record: never registered here.
    let region = Region::parse("440000").unwrap();
    let unknown = UnifiedCode::new(DataType::PublicDataResource, region, 2026, 99).unwrap();
    let r = n
        .open_on(
            RegistrationType::Change,
            &unknown.to_string(),
            n.materials(OWN),
        )
        .await;
    assert_eq!(reason(r), "CODE_NOT_FOUND");
    let r = n
        .open_on(RegistrationType::Change, "not-a-code", n.materials(OWN))
        .await;
    assert_eq!(reason(r), "BAD_TARGET_CODE");
}

/// The institution's own correction and revocation, each logged with its reason.
#[tokio::test]
async fn the_institution_corrects_a_record_itself_and_revokes_one_with_a_reason() {
    let n = Node::start(config()).await;
    let registrar = n.token(Role::Registrar, "registrar-zhao", None).await.1;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&id).to_string();
    let correct = |actor: &Actor, correction: RecordCorrection, reason: &str| CorrectRecord {
        actor: actor.clone(),
        request_id: n.request_id(),
        code: code.clone(),
        correction,
        reason: reason.into(),
    };
    let name = |s: &str| RecordCorrection {
        data_name: Some(s.into()),
        ..Default::default()
    };
    let before = snapshot(&n.engine);
    for (op, want) in [
        (
            correct(&n.clerk, name("企业登记信息库"), "笔误"),
            "WRONG_ROLE",
        ),
        (
            correct(&registrar, RecordCorrection::default(), "笔误"),
            "NOTHING_TO_CORRECT",
        ),
        (
            correct(&registrar, name("企业登记信息库"), " "),
            "REASON_REQUIRED",
        ),
        (correct(&registrar, name(""), "笔误"), "BAD_CORRECTION"),
    ] {
        assert_eq!(reason(n.engine.execute(op).await), want);
    }
    assert_eq!(snapshot(&n.engine), before, "refusals write nothing");

    // While the registrant's change is open, the institution does not correct over it.
    let open = app_of(
        n.open_on(RegistrationType::Change, &code, n.materials(OWN))
            .await,
    );
    let busy = n
        .engine
        .execute(correct(&registrar, name("企业登记信息库"), "笔误"))
        .await;
    assert_eq!(reason(busy), "CODE_BUSY");
    let withdraw = Command::Withdraw {
        reason: "不改了".into(),
    };
    n.flow(&n.registrant, Some(&open.id), withdraw).await;

    let op = correct(&registrar, name("企业登记信息库"), "数据名称笔误");
    let retry = CorrectRecord {
        actor: op.actor.clone(),
        request_id: op.request_id.clone(),
        code: op.code.clone(),
        correction: op.correction.clone(),
        reason: op.reason.clone(),
    };
    let Ok(r) = n.engine.execute(op).await else {
        panic!("correction refused")
    };
    assert_eq!(
        (r.current_version, r.data_name.as_str()),
        (2, "企业登记信息库")
    );
    assert_eq!(
        r.versions[1].registration_type,
        RegistrationType::Correction
    );
    assert_eq!(r.versions[1].application_id, "", "no application behind it");
    // A retry with the same request id changes nothing more.
    let Ok(again) = n.engine.execute(retry).await else {
        panic!("retry refused")
    };
    assert_eq!(again.current_version, 2);
    let cert = n.engine.certificate(Some(&code), 2, None).unwrap();
    assert_eq!(cert.certificate.data_name, "企业登记信息库");
    assert_eq!(
        cert.certificate.registration_type,
        RegistrationType::Correction
    );
    // The correction is a log entry with its reason, and the entry pins the certificate.
    n.engine.publish_checkpoint().await.unwrap();
    let (_, entry) = n
        .engine
        .log_entries(cert.certificate.log_index, cert.certificate.log_index + 1)
        .unwrap()
        .remove(0);
    let text = String::from_utf8(entry).unwrap();
    assert!(
        text.contains("RecordCorrected") && text.contains("数据名称笔误"),
        "{text}"
    );

    // Revocation: a tombstone with the reason; nothing more on the code.
    let revoke = |reason: &str| RevokeRecord {
        actor: registrar.clone(),
        request_id: n.request_id(),
        code: code.clone(),
        reason: reason.into(),
    };
    assert_eq!(
        reason(n.engine.execute(revoke("")).await),
        "REASON_REQUIRED"
    );
    let Ok(r) = n.engine.execute(revoke("以欺骗手段登记")).await else {
        panic!("revocation refused")
    };
    assert_eq!(r.status, RecordStatus::Revoked);
    let end = r.ended.expect("ended");
    assert_eq!(end.reason, "以欺骗手段登记");
    assert_eq!(
        reason(n.engine.execute(revoke("再次")).await),
        "RECORD_ENDED"
    );
    let change = n
        .open_on(RegistrationType::Change, &code, n.materials(OWN))
        .await;
    assert_eq!(reason(change), "RECORD_ENDED");
    assert_eq!(
        n.record(&code).versions.len(),
        2,
        "the tombstone keeps both"
    );
}

/// Overdue items by step, as operators see them in `/metrics`.
#[tokio::test]
async fn overdue_applications_are_counted_by_step() {
    let n = Node::start(config()).await;
    let counts = |n: &Node| n.engine.overdue().unwrap();
    let submitted = n.submitted(&n.registrant, n.materials(OWN)).await;
    assert_eq!(
        counts(&n),
        [("acceptance", 0), ("review", 0), ("publicity", 0)]
    );
    // Three working days to accept; ten calendar days are past them whatever the holidays.
    n.advance(10).await;
    assert_eq!(counts(&n)[0], ("acceptance", 1));
    n.flow(&n.clerk, Some(&submitted), accept()).await;
    assert_eq!(counts(&n)[0], ("acceptance", 0));
    n.advance(30).await;
    assert_eq!(counts(&n)[1], ("review", 1));
    // In the queue, the overdue item comes first and says so.
    let queue = n
        .engine
        .queue(&n.clerk, State::InReview, false, 10, "")
        .unwrap();
    assert!(queue.items[0].overdue);
}

/// Disclosure statistics over the registry, statuses as they stand today.
#[tokio::test]
async fn statistics_count_the_registry_by_region_type_industry_status_and_month() {
    let n = Node::start(config()).await;
    let registrar = n.token(Role::Registrar, "registrar-zhao", None).await.1;
    let (a, b) = (n.in_publicity().await, n.in_publicity().await);
    n.advance(PAST_PUBLICITY).await;
    let revoke = RevokeRecord {
        actor: registrar,
        request_id: n.request_id(),
        code: n.code(&b).to_string(),
        reason: "以欺骗手段登记".into(),
    };
    n.engine.execute(revoke).await.unwrap();
    let s = n.engine.statistics(None);
    let month = {
        let d = n.record(&n.code(&a).to_string()).versions[0].assigned_on;
        format!("{:04}-{:02}", d.year(), u8::from(d.month()))
    };
    let one = |pairs: &[(&str, u64)]| -> std::collections::BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(s.records, 2);
    assert_eq!(
        s.by_region,
        one(&[("440000", 2)]),
        "by the subject's province"
    );
    assert_eq!(s.by_data_type, one(&[("1", 2)]));
    assert_eq!(s.by_industry, one(&[("公共管理", 2)]));
    assert_eq!(s.by_status, one(&[("REVOKED", 1), ("VALID", 1)]));
    assert_eq!(s.registrations_by_month, one(&[(month.as_str(), 2)]));
    // Three years on, the valid one has expired by itself.
    n.advance(3 * 366).await;
    let s = n.engine.statistics(None);
    assert_eq!(s.by_status, one(&[("EXPIRED", 1), ("REVOKED", 1)]));
}

impl Node {
    /// Whether the application's stored state holds personal contact data; the openings of its
    /// entries' contact commitments must say the same (kept with the contacts, purged with them).
    fn holds_contacts(&self, id: &str) -> bool {
        let store = self.engine.store();
        let get = |k: &[u8]| Ok(store.get(k)?);
        let app = super::super::apps::current(&get, id).unwrap().unwrap();
        let in_state = app != app.without_personal_data();
        let in_openings = self.app(id).decisions.iter().any(|d| {
            let entry = store.get(&keys::event(d.log_index)).unwrap().unwrap();
            let record = crate::log::entry::Record::decode(&entry).unwrap();
            super::super::openings::read(&get, d.log_index, &record, None)
                .unwrap()
                .is_some_and(|s| {
                    s.openings
                        .iter()
                        .any(|o| crate::log::public::PURGEABLE.contains(&o.field.as_str()))
                })
        });
        assert_eq!(in_state, in_openings, "state and openings of {id}");
        in_state
    }

    /// Every published log entry, as text.
    async fn log_text(&self) -> Vec<String> {
        let size = self
            .engine
            .publish_checkpoint()
            .await
            .unwrap()
            .unwrap()
            .size;
        let mut out = Vec::new();
        let mut from = 0;
        while from < size {
            let end = (from + 1000).min(size);
            for (_, e) in self.engine.log_entries(from, end).unwrap() {
                out.push(String::from_utf8(e).unwrap());
            }
            from = end;
        }
        out
    }
}

/// Retention: contacts go a configured time after the record ends; facts, versions, log stay.
#[tokio::test]
async fn contacts_are_purged_three_years_after_the_record_ends_and_the_purge_is_logged() {
    let n = Node::start(config()).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&id).to_string();
    // An application withdrawn today ends without a record: its clock starts now.
    let withdrawn = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    let withdraw = Command::Withdraw {
        reason: "不再登记".into(),
    };
    n.flow(&n.registrant, Some(&withdrawn.id), withdraw).await;
    assert!(n.holds_contacts(&id) && n.holds_contacts(&withdrawn.id));

    // Three years and a day on: the withdrawn one is purged; the record has just expired, and
    // its application keeps its contacts for three more years.
    n.advance(3 * 365 + 2).await;
    assert!(!n.holds_contacts(&withdrawn.id), "purged in every snapshot");
    assert!(n.holds_contacts(&id));
    assert_eq!(n.record(&code).status, RecordStatus::Expired);

    let end = n.record(&code).end_date();
    let days = (end - n.engine.today()).whole_days() + 3 * 366 + 1;
    n.advance(days).await;
    assert!(!n.holds_contacts(&id));
    let app = n.app(&id);
    assert_eq!(app.materials.subject.contact.name, "");
    assert_eq!(
        app.materials.subject.name, "广州市政务服务数据管理局",
        "public facts stay"
    );
    let record = n.record(&code);
    assert_eq!(record.versions.len(), 1, "the versions stay");
    let purges: Vec<String> = n
        .log_text()
        .await
        .into_iter()
        .filter(|e| e.contains("ContactsPurged"))
        .collect();
    assert_eq!(purges.len(), 2, "{purges:?}");
    assert!(purges[0].contains(&withdrawn.id));
    assert!(purges[1].contains(&code) && purges[1].contains(&id));
}

/// A registrant's correction (更正登记) runs the five steps too: version 2, the same term.
#[tokio::test]
async fn a_registrants_correction_makes_the_next_version_in_the_same_term() {
    let n = Node::start(config()).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&id).to_string();
    let v1 = n.record(&code);
    let mut fixed = n.materials(OWN);
    fixed.resource.summary = "全市市场主体的登记信息（更正摘要）".into();
    let correction = app_of(n.open_on(RegistrationType::Correction, &code, fixed).await);
    n.to_publicity(&correction.id).await;
    n.advance(PAST_PUBLICITY).await;
    let v2 = n.record(&code);
    assert_eq!(v2.current_version, 2);
    assert_eq!(v2.summary, "全市市场主体的登记信息（更正摘要）");
    assert_eq!(v2.valid_until, v1.valid_until);
    assert_eq!(
        v2.versions[1].registration_type,
        RegistrationType::Correction
    );
    assert_eq!(v2.versions[1].application_id, correction.id);
    let cert = n.engine.certificate(Some(&code), 2, None).unwrap();
    assert_eq!(
        cert.certificate.registration_type,
        RegistrationType::Correction
    );
}

/// Applications on one code sent at once: the writer takes them one by one, so exactly one is
/// opened and every other is refused, naming the one that is open.
#[tokio::test]
async fn concurrent_applications_on_one_code_open_exactly_one() {
    let n = Node::start(config()).await;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&id).to_string();
    let mut all = tokio::task::JoinSet::new();
    for t in [
        RegistrationType::Change,
        RegistrationType::Correction,
        RegistrationType::Deregistration,
        RegistrationType::Change,
        RegistrationType::Correction,
        RegistrationType::Deregistration,
    ] {
        let op = FlowStep {
            actor: n.registrant.clone(),
            request_id: n.request_id(),
            application_id: None,
            command: Box::new(Command::Create {
                id: String::new(),
                registration_type: t,
                materials: n.materials(OWN),
                target_code: Some(code.clone()),
            }),
        };
        let engine = n.engine.clone();
        all.spawn(async move { engine.execute(op).await });
    }
    let all = all.join_all().await;
    let opened: Vec<String> = all
        .iter()
        .filter_map(|r| match r {
            Ok(Applied { app, .. }) => Some(app.id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(opened.len(), 1, "exactly one is open");
    for r in all.into_iter().filter(|r| r.is_err()) {
        let Err(EngineError::Refused(refusal)) = r else {
            panic!("not a refusal")
        };
        assert_eq!(refusal.reason, "CODE_BUSY");
        assert!(refusal.message.contains(&opened[0]), "{}", refusal.message);
    }
}

/// Revoking a code closes the application open on it: it cannot complete, so it does not wait.
#[tokio::test]
async fn revoking_a_code_closes_the_application_open_on_it() {
    let n = Node::start(config()).await;
    let registrar = n.token(Role::Registrar, "registrar-zhao", None).await.1;
    let id = n.in_publicity().await;
    n.advance(PAST_PUBLICITY).await;
    let code = n.code(&id).to_string();
    let change = app_of(
        n.open_on(RegistrationType::Change, &code, n.materials(OWN))
            .await,
    );
    n.to_publicity(&change.id).await;
    let revoke = RevokeRecord {
        actor: registrar,
        request_id: n.request_id(),
        code: code.clone(),
        reason: "以欺骗手段登记".into(),
    };
    n.engine.execute(revoke).await.unwrap();
    let closed = n.app(&change.id);
    assert_eq!(closed.state, State::Closed);
    let last = closed.decisions.last().unwrap();
    assert_eq!(last.step, "CLOSED");
    assert!(last.reason.contains("was revoked"), "{}", last.reason);
    // Nothing waits: publicity ends, no code, no overdue item; the code takes nothing more.
    n.advance(PAST_PUBLICITY).await;
    assert_eq!(n.app(&change.id).state, State::Closed);
    assert_eq!(n.record(&code).current_version, 1);
    assert_eq!(n.engine.overdue().unwrap()[2], ("publicity", 0));
    let again = n
        .open_on(RegistrationType::Change, &code, n.materials(OWN))
        .await;
    assert_eq!(reason(again), "RECORD_ENDED");
}
