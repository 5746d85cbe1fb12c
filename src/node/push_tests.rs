//! The push driver against a national node that is a fake behind `sync::remote::NationalNode`:
//! the batches it sends, and what it does with each kind of answer.
use super::*;
use crate::domain::types::{Actor, Role};
use crate::engine::commands::AdvanceClock;
use crate::engine::EngineConfig;
use crate::log::checkpoint::{cosign, note_size};
use crate::store::memory::MemoryStore;
use crate::sync::remote::{Certificates, FeedStatus, FollowAnswer, PushAnswer, PushAnswers};
use crate::sync::round::National;
use ed25519_dalek::SigningKey;
use std::sync::Mutex;

const NATIONAL_ORIGIN: &str = "sjdj.gov.cn/national";

/// How the fake answers each batch.
#[derive(Clone, Copy)]
enum Answers {
    /// Holds what the batch brings; the receipt once the feed is whole.
    Store,
    /// Holds no more than before.
    Stall,
}

struct FakeNational {
    key: SigningKey,
    status: National,
    answers: Answers,
    asked: usize,
    batches: Arc<Mutex<Vec<PushBatch>>>,
}

impl FakeNational {
    fn new(status: National, answers: Answers) -> Self {
        FakeNational {
            key: SigningKey::from_bytes(&[9; 32]),
            status,
            answers,
            asked: 0,
            batches: Arc::default(),
        }
    }

    fn sent(&self) -> Vec<PushBatch> {
        self.batches.lock().unwrap().clone()
    }
}

impl Certificates for FakeNational {
    async fn certificate(&mut self, code: &str, _: u32) -> Result<Vec<u8>, CallError> {
        Err(CallError::malformed(format!("no certificate {code}")))
    }
}

impl NationalNode for FakeNational {
    async fn feed_status(&mut self) -> Result<FeedStatus, CallError> {
        self.asked += 1;
        Ok(FeedStatus {
            national: self.status,
            national_origin: NATIONAL_ORIGIN.into(),
        })
    }

    async fn follow_log(&mut self, _: u64, _: u64) -> Result<Option<FollowAnswer>, CallError> {
        Ok(None)
    }

    async fn push(
        &mut self,
        mut batches: mpsc::Receiver<PushBatch>,
    ) -> Result<PushAnswers, CallError> {
        let (key, answers, sent) = (self.key.clone(), self.answers, self.batches.clone());
        let (tx, rx) = mpsc::channel(PUSH_WINDOW);
        tokio::spawn(async move {
            while let Some(b) = batches.recv().await {
                let size = note_size(&b.checkpoint).unwrap();
                let held = match answers {
                    Answers::Store => b.from + b.entries.len() as u64,
                    Answers::Stall => b.from,
                };
                let receipt = if held == size {
                    cosign(&b.checkpoint, &key, NATIONAL_ORIGIN).unwrap()
                } else {
                    Vec::new()
                };
                sent.lock().unwrap().push(b);
                if tx.send(Ok(PushAnswer { held, receipt })).await.is_err() {
                    return;
                }
            }
        });
        Ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx)))
    }
}

/// A province engine whose log holds `moves` clock moves under a published checkpoint.
async fn province(moves: usize) -> Engine {
    let cfg = EngineConfig::for_tests();
    let engine = Engine::start(
        Arc::new(MemoryStore::new()),
        SigningKey::from_bytes(&[7; 32]),
        cfg,
    )
    .unwrap();
    let actor = Actor {
        id: "bootstrap".into(),
        role: Role::Admin,
        holder: "root".into(),
        subject: None,
    };
    for _ in 0..moves {
        let seconds = 60;
        let actor = actor.clone();
        engine
            .execute(AdvanceClock { actor, seconds })
            .await
            .unwrap();
    }
    engine.publish_checkpoint().await.unwrap().unwrap();
    engine
}

fn push_config(national: &FakeNational, batch_entries: u64) -> PushConfig {
    PushConfig {
        national_url: "http://127.0.0.1:1".into(),
        national_key: national.key.verifying_key(),
        interval: Duration::from_secs(1),
        batch_entries,
        tls: None,
    }
}

const EMPTY: National = National {
    held: 0,
    accepted: 0,
    frozen: false,
};

#[tokio::test]
async fn a_push_sends_the_log_in_batches_from_what_the_national_node_holds_and_keeps_the_receipt() {
    let engine = province(5).await;
    let cp = engine.checkpoint().unwrap();
    let status = National { held: 1, ..EMPTY };
    let mut national = FakeNational::new(status, Answers::Store);
    let cfg = push_config(&national, 2);

    let pushed = push_once(&engine, &mut national, &cfg, false)
        .await
        .unwrap();
    assert_eq!(pushed, Pushed::Confirmed(cp.size));
    let sent = national.sent();
    let starts: Vec<u64> = sent.iter().map(|b| b.from).collect();
    let expected: Vec<u64> = (1..cp.size).step_by(2).collect();
    assert_eq!(starts, expected, "batches of 2 from the 1 entry held");
    for b in &sent {
        let end = b.from + b.entries.len() as u64;
        assert_eq!(end, (b.from + 2).min(cp.size));
        assert_eq!(
            b.entries,
            engine
                .log_entries(b.from, end)
                .unwrap()
                .into_iter()
                .map(|(_, e)| e)
                .collect::<Vec<_>>()
        );
        assert_eq!(b.checkpoint, cp.note);
        assert!(
            b.accepted_proof.is_empty(),
            "nothing accepted yet: no proof from it"
        );
        assert_eq!(
            b.batch_proof.is_empty(),
            end == cp.size,
            "a proof from the batch's end"
        );
    }
    assert_eq!(
        engine.latest_receipt().unwrap().map(|(s, _)| s),
        Some(cp.size)
    );

    // With the receipt kept, the next round does not even ask.
    let again = push_once(&engine, &mut national, &cfg, false)
        .await
        .unwrap();
    assert_eq!((again, national.asked), (Pushed::Idle, 1));
}

#[tokio::test]
async fn a_national_node_that_holds_no_more_after_a_batch_stops_the_round_without_a_receipt() {
    let engine = province(3).await;
    let mut national = FakeNational::new(EMPTY, Answers::Stall);
    let cfg = push_config(&national, 2);
    let e = push_once(&engine, &mut national, &cfg, false)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the national node held 0 after a batch from 0"
    );
    // Batches are pipelined, so a few may have gone out before the stalled answer came back;
    // never more than the window, and the round does not wait for their answers.
    let sent = national.sent();
    assert!(
        (1..=PUSH_WINDOW).contains(&sent.len()),
        "{} batches sent",
        sent.len()
    );
    assert_eq!(sent[0].from, 0);
    assert_eq!(engine.latest_receipt().unwrap(), None);
}

#[tokio::test]
async fn a_frozen_feed_or_a_national_node_ahead_is_not_pushed_to() {
    let engine = province(3).await;
    let size = engine.checkpoint().unwrap().size;
    let frozen = National {
        frozen: true,
        ..EMPTY
    };
    let ahead = National {
        held: size + 4,
        accepted: size + 4,
        frozen: false,
    };
    for (status, says) in [(frozen, "froze"), (ahead, "sjdj-node recover")] {
        let mut national = FakeNational::new(status, Answers::Store);
        let cfg = push_config(&national, 2);
        let e = push_once(&engine, &mut national, &cfg, false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
        assert!(national.sent().is_empty());
    }
}
