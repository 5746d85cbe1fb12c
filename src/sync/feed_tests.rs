//! The feeds' transitions, by the exact actions each batch yields.
use super::*;

/// A checked batch: entries held after it, of a checkpoint of `size`.
#[derive(Debug, PartialEq, Eq)]
struct Batch {
    held: u64,
    size: u64,
}

impl Checked for Batch {
    fn held(&self) -> u64 {
        self.held
    }
    fn size(&self) -> u64 {
        self.size
    }
}

fn ok(held: u64, size: u64) -> impl FnOnce() -> Result<Batch, Refused> {
    move || Ok(Batch { held, size })
}

const OLD: &[u8] = b"old checkpoint";
const NEW: &[u8] = b"new checkpoint";

fn state(held: u64, accepted: Option<u64>) -> FeedState<'static> {
    FeedState {
        held,
        accepted: accepted.map(|s| (s, OLD)),
        frozen: None,
    }
}

#[test]
fn a_partial_batch_is_stored_and_answered_with_what_is_held() {
    let actions = on_batch(Side::National, &state(0, None), NEW, ok(10, 30));
    assert_eq!(
        actions,
        [
            Action::Store(Batch { held: 10, size: 30 }),
            Action::Answer { held: 10, size: 30 }
        ]
    );
}

#[test]
fn the_national_feed_confirms_a_checkpoint_once_it_is_held_whole() {
    let actions = on_batch(Side::National, &state(20, Some(30)), NEW, ok(30, 30));
    assert_eq!(
        actions,
        [
            Action::Store(Batch { held: 30, size: 30 }),
            Action::Confirm { size: 30 },
            Action::Answer { held: 30, size: 30 }
        ]
    );
}

#[test]
fn a_checkpoint_confirmed_before_is_answered_with_the_kept_receipt() {
    let actions = on_batch(Side::National, &state(30, Some(30)), OLD, ok(30, 30));
    assert_eq!(
        actions,
        [
            Action::Store(Batch { held: 30, size: 30 }),
            Action::KeptReceipt,
            Action::Answer { held: 30, size: 30 }
        ]
    );
    // A larger checkpoint held whole is confirmed anew.
    let actions = on_batch(Side::National, &state(30, Some(30)), NEW, ok(40, 40));
    assert_eq!(actions[1], Action::Confirm { size: 40 });
}

#[test]
fn a_follower_holds_the_national_log_and_confirms_nothing() {
    let actions = on_batch(Side::Follower, &state(20, Some(30)), NEW, ok(30, 30));
    assert_eq!(
        actions,
        [
            Action::Store(Batch { held: 30, size: 30 }),
            Action::Answer { held: 30, size: 30 }
        ]
    );
}

#[test]
fn a_fork_freezes_the_feed_with_both_checkpoints_as_evidence() {
    let fork = Refused::Fork { old: 30, new: 30 };
    for side in [Side::National, Side::Follower] {
        let actions = on_batch::<Batch>(side, &state(30, Some(30)), NEW, || Err(fork.clone()));
        assert_eq!(
            actions,
            [Action::Freeze {
                evidence: vec![OLD.to_vec(), NEW.to_vec()],
                refused: fork.clone(),
            }]
        );
    }
}

#[test]
fn any_other_refusal_stores_nothing() {
    let stale = Refused::Stale {
        got: 10,
        accepted: 30,
    };
    let actions = on_batch::<Batch>(Side::National, &state(30, Some(30)), NEW, || {
        Err(stale.clone())
    });
    assert_eq!(actions, [Action::Refuse(stale)]);
}

#[test]
fn a_frozen_feed_refuses_every_batch_unchecked() {
    let frozen = FeedState {
        frozen: Some(7),
        ..state(30, Some(30))
    };
    let actions = on_batch::<Batch>(Side::National, &frozen, NEW, || {
        panic!("a frozen feed checks nothing")
    });
    assert_eq!(actions, [Action::Refuse(Refused::Frozen { alarm: 7 })]);
}
