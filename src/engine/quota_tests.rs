//! Quotas: what one application, subject or call may take. Each refusal is RESOURCE_EXHAUSTED
//! with its reason code and config key, and leaves the store as it was.
use super::*;
use crate::domain::flow::RefusalKind;
use crate::engine::Quotas;

fn small() -> EngineConfig {
    EngineConfig {
        quotas: Quotas {
            objections_per_application: 2,
            draft_edits: 2,
            draft_bytes: 64 * 1024,
            materials_bytes: 16 * 1024,
            attachment_bytes_per_subject: 1024,
            entries_bytes: 4096,
            ..Quotas::default()
        },
        ..config()
    }
}

/// The refusal's reason, after checking it is a quota's and its message names `key`.
fn exhausted<T: std::fmt::Debug>(r: Result<T, EngineError>, key: &str) -> &'static str {
    match r {
        Err(EngineError::Refused(r)) => {
            assert_eq!(r.kind, RefusalKind::ResourceExhausted, "{r}");
            assert!(r.message.contains(key), "{r} does not name {key}");
            r.reason
        }
        other => panic!("not refused: {other:?}"),
    }
}

fn edit(m: Materials) -> Command {
    Command::Edit { materials: m }
}

#[tokio::test]
async fn materials_and_drafts_are_bounded_in_size_and_edits() {
    let n = Node::start(small()).await;
    let mut big = n.materials(OWN);
    big.resource.summary = "大".repeat(3000);
    big.security.conclusion = "大".repeat(3000);
    let before = snapshot(&n.engine);
    let r = n.try_flow(&n.registrant, None, create(big.clone())).await;
    assert_eq!(
        exhausted(r, "quotas.materials_bytes"),
        "MATERIALS_TOO_LARGE"
    );
    assert_eq!(snapshot(&n.engine), before, "a refusal writes nothing");

    let app = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    for _ in 0..2 {
        n.flow(&n.registrant, Some(&app.id), edit(n.materials(OWN)))
            .await;
    }
    let before = snapshot(&n.engine);
    let r = n
        .try_flow(&n.registrant, Some(&app.id), edit(n.materials(OWN)))
        .await;
    assert_eq!(exhausted(r, "quotas.draft_edits"), "DRAFT_EDITS_EXHAUSTED");
    assert_eq!(snapshot(&n.engine), before);

    // Bytes: each edit stores the whole draft again; near-limit materials fill 64 KiB fast.
    let n = Node::start(EngineConfig {
        quotas: Quotas {
            draft_edits: 1000,
            ..small().quotas
        },
        ..config()
    })
    .await;
    let mut large = n.materials(OWN);
    large.resource.summary = "大".repeat(1300);
    large.security.conclusion = "大".repeat(2500);
    let app = n.flow(&n.registrant, None, create(large.clone())).await;
    let mut refused = None;
    for _ in 0..20 {
        let before = snapshot(&n.engine);
        match n
            .try_flow(&n.registrant, Some(&app.id), edit(large.clone()))
            .await
        {
            Ok(_) => continue,
            Err(e) => {
                assert_eq!(snapshot(&n.engine), before);
                refused = Some(e);
                break;
            }
        }
    }
    let refused = refused.expect("the draft's storage quota was never reached");
    assert_eq!(
        exhausted::<()>(Err(refused), "quotas.draft_bytes"),
        "DRAFT_STORAGE_EXHAUSTED"
    );
    // Submitting it is still possible: the quota is on what edits store.
    let text = publicity_text(app.registration_type, &large);
    let submit = Command::Submit {
        publicity_text_sha256: hex::encode(Sha256::digest(text)),
    };
    n.flow(&n.registrant, Some(&app.id), submit).await;
}

#[tokio::test]
async fn an_application_takes_a_bounded_number_of_objections() {
    let n = Node::start(small()).await;
    let id = n.in_publicity().await;
    let object = || Command::FileObjection {
        objection_id: String::new(),
        objector_name: "张三".into(),
        objector_contact: String::new(),
        reason: "存疑".into(),
    };
    let public = Actor::public("张三");
    for _ in 0..2 {
        n.flow(&public, Some(&id), object()).await;
    }
    let before = snapshot(&n.engine);
    let r = n.try_flow(&public, Some(&id), object()).await;
    assert_eq!(
        exhausted(r, "quotas.objections_per_application"),
        "OBJECTIONS_PER_APPLICATION"
    );
    assert_eq!(snapshot(&n.engine), before);
}

#[tokio::test]
async fn a_subject_uploads_a_bounded_number_of_bytes_and_a_repeat_costs_nothing() {
    let n = Node::start(small()).await;
    let put = |subject: &str, bytes: Vec<u8>| {
        n.engine.execute(PutAttachment {
            subject: subject.into(),
            bytes,
        })
    };
    // The undertaking (33 bytes) already counts against OWN.
    put(OWN, vec![1; 900]).await.unwrap();
    put(OWN, vec![1; 900])
        .await
        .expect("the same bytes again are free");
    let before = snapshot(&n.engine);
    let r = put(OWN, vec![2; 200]).await;
    assert_eq!(
        exhausted(r, "quotas.attachment_bytes_per_subject"),
        "ATTACHMENT_QUOTA"
    );
    assert_eq!(snapshot(&n.engine), before);
    put(OTHER, vec![2; 200])
        .await
        .expect("another subject's own quota");
}

#[tokio::test]
async fn an_answer_of_log_entries_is_bounded_in_bytes_and_always_moves_on() {
    let n = Node::start(small()).await;
    for _ in 0..3 {
        n.submitted(&n.registrant, n.materials(OWN)).await;
    }
    let size = n.engine.publish_checkpoint().await.unwrap().unwrap().size;
    let all = n.engine.log_entries(0, size).unwrap();
    let page = n.engine.log_entries_page(0, size).unwrap();
    let bytes: usize = page.iter().map(|(_, e)| e.len()).sum();
    assert!(
        page.len() < all.len(),
        "{} of {} entries",
        page.len(),
        all.len()
    );
    assert!(bytes <= 4096 || page.len() == 1, "{bytes} bytes");
    assert_eq!(page[..], all[..page.len()]);
    // An entry larger than the bound still comes alone, so a reader always gets on.
    let n = Node::start(EngineConfig {
        quotas: Quotas {
            entries_bytes: 64,
            ..small().quotas
        },
        ..config()
    })
    .await;
    n.submitted(&n.registrant, n.materials(OWN)).await;
    let size = n.engine.publish_checkpoint().await.unwrap().unwrap().size;
    let one = n.engine.log_entries_page(1, size).unwrap();
    assert_eq!(one.len(), 1);
    assert!(one[0].1.len() > 64);
}
