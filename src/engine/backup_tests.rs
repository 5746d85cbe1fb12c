//! Online backup in the engine: the snapshot is the store at its checkpoint's size whatever is
//! written while it is read, only an admin takes one, and a reader the writer outruns too far
//! fails with BACKUP_TOO_SLOW while the writes go on.
use super::*;
use crate::domain::flow::RefusalKind;

/// Every page of a backup, in order.
fn read_all(b: &BackupSnapshot, page: usize) -> Result<crate::store::Entries, EngineError> {
    let mut all = Vec::new();
    loop {
        let p = b.next_page(page)?;
        if p.is_empty() {
            return Ok(all);
        }
        all.extend(p);
    }
}

#[tokio::test]
async fn a_backup_is_the_store_at_its_checkpoint_while_writes_go_on() {
    let n = Node::start(config()).await;
    for _ in 0..5 {
        n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    }
    let b = n.engine.backup(admin()).await.unwrap();
    let at_begin = snapshot(&n.engine);
    let c = b.checkpoint.clone().expect("a checkpoint");
    assert_eq!(c.size, b.size);
    // Published and so kept: the archive's checkpoint is one the node stands by.
    assert!(n.engine.checkpoint().unwrap().size >= b.size);
    // Half read, then more drafts, edits and a checkpoint land; the rest is read.
    let mut got = b.next_page(7).unwrap();
    for _ in 0..5 {
        let app = n.flow(&n.registrant, None, create(n.materials(OWN))).await;
        n.flow(
            &n.registrant,
            Some(&app.id),
            Command::Edit {
                materials: n.materials(OWN),
            },
        )
        .await;
    }
    n.engine.publish_checkpoint().await.unwrap();
    got.extend(read_all(&b, 7).unwrap());
    assert_ne!(snapshot(&n.engine), at_begin, "the writes went on");
    assert_eq!(got, at_begin);
}

#[tokio::test]
async fn only_an_admin_begins_a_backup_and_a_refused_one_holds_nothing() {
    let n = Node::start(config()).await;
    let before = snapshot(&n.engine);
    let r = n.engine.backup(n.clerk.clone()).await;
    assert_eq!(reason(r.map(|_| ())), "WRONG_ROLE");
    assert_eq!(snapshot(&n.engine), before);
}

#[tokio::test]
async fn a_backup_the_writer_outruns_fails_with_backup_too_slow_and_writes_go_on() {
    let cfg = EngineConfig {
        quotas: crate::engine::Quotas {
            backup_held_bytes: 64,
            ..Default::default()
        },
        ..config()
    };
    let n = Node::start(cfg).await;
    n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    let b = n.engine.backup(admin()).await.unwrap();
    for _ in 0..3 {
        n.flow(&n.registrant, None, create(n.materials(OWN))).await;
    }
    let Err(e) = read_all(&b, 16) else {
        panic!("the backup was read whole")
    };
    match &e {
        EngineError::Refused(r) => {
            assert_eq!(r.kind, RefusalKind::ResourceExhausted);
            assert_eq!(r.reason, "BACKUP_TOO_SLOW");
            assert!(r.message.contains("quotas.backup_held_bytes"), "{r}");
        }
        other => panic!("{other}"),
    }
    n.flow(&n.registrant, None, create(n.materials(OWN))).await;
}

#[tokio::test]
async fn the_last_backup_served_is_kept_in_the_store_for_metrics() {
    let n = Node::start(config()).await;
    assert!(n.engine.last_backup().is_none());
    let text = crate::node::metrics::render(&n.engine, &Default::default()).unwrap();
    assert!(
        text.contains("sjdj_backup_last_success_timestamp_seconds 0"),
        "{text}"
    );
    let last = LastBackup {
        at: 1_800_000_000,
        size: 12,
        records: 99,
        bytes: 4321,
    };
    n.engine.backup_served(last).await.unwrap();
    let text = crate::node::metrics::render(&n.engine, &Default::default()).unwrap();
    for line in [
        "sjdj_backup_last_success_timestamp_seconds 1800000000",
        "sjdj_backup_last_bytes 4321",
        "sjdj_backup_last_log_entries 12",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}
