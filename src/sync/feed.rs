//! The federation's two feeds as state machines, pure: the national node's feed of one
//! province's pushes, and a province's follower of the national log. Each takes a batch (with
//! the check that decides it) and the feed's state, and returns the actions to take; the engine
//! performs them in the writer's transaction (store, confirm, raise the alarm, answer).
use super::Refused;

/// Which feed: the national node's of a province (it confirms what it holds whole), or a
/// province's of the national log (it only holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    National,
    Follower,
}

/// A feed's state, as far as its transitions go.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedState<'a> {
    /// Entries of the other log held, a prefix of the last checkpoint accepted.
    pub held: u64,
    /// The last checkpoint accepted: its size and its signed note (`None` before the first).
    pub accepted: Option<(u64, &'a [u8])>,
    /// The alarm that froze the feed, if one did.
    pub frozen: Option<u64>,
}

/// What a batch that passed its checks brings: the entries held after it, of a checkpoint of
/// `size` (`sync::ingest`'s `Accepted` and `TreeChecked`).
pub trait Checked {
    fn held(&self) -> u64;
    fn size(&self) -> u64;
}

impl Checked for super::ingest::Accepted {
    fn held(&self) -> u64 {
        self.held
    }
    fn size(&self) -> u64 {
        self.checkpoint.size
    }
}

impl Checked for super::ingest::TreeChecked {
    fn held(&self) -> u64 {
        self.held
    }
    fn size(&self) -> u64 {
        self.checkpoint.size
    }
}

/// One thing to do for a batch, in the order given.
#[derive(Debug, PartialEq, Eq)]
pub enum Action<T> {
    /// Refuse the batch; nothing is stored.
    Refuse(Refused),
    /// A fork: keep the evidence (the checkpoint accepted before, then the one received),
    /// freeze the feed and raise an alarm; the sender is refused with `refused`.
    Freeze {
        evidence: Vec<Vec<u8>>,
        refused: Refused,
    },
    /// Store what the batch brings and the feed's new state.
    Store(T),
    /// National: the checkpoint is now held whole and was not before: confirm it (a national
    /// log entry) and keep the cosigned receipt.
    Confirm { size: u64 },
    /// National: held whole and confirmed before: answer with the receipt kept.
    KeptReceipt,
    /// Answer the sender with the entries held of a checkpoint of `size`.
    Answer { held: u64, size: u64 },
}

/// The actions for one batch. `check` is run only for a feed that is not frozen.
pub fn on_batch<T: Checked>(
    side: Side,
    state: &FeedState,
    note: &[u8],
    check: impl FnOnce() -> Result<T, Refused>,
) -> Vec<Action<T>> {
    if let Some(alarm) = state.frozen {
        return vec![Action::Refuse(Refused::Frozen { alarm })];
    }
    let checked = match check() {
        Ok(c) => c,
        Err(fork @ Refused::Fork { .. }) => {
            let mut evidence: Vec<Vec<u8>> =
                state.accepted.iter().map(|(_, n)| n.to_vec()).collect();
            evidence.push(note.to_vec());
            return vec![Action::Freeze {
                evidence,
                refused: fork,
            }];
        }
        Err(refused) => return vec![Action::Refuse(refused)],
    };
    let (held, size) = (checked.held(), checked.size());
    // Held whole before this batch, of a checkpoint of the same size: confirmed already.
    let confirmed_before = state
        .accepted
        .is_some_and(|(s, _)| s == size && state.held == s);
    let mut actions = vec![Action::Store(checked)];
    if side == Side::National && held == size {
        actions.push(if confirmed_before {
            Action::KeptReceipt
        } else {
            Action::Confirm { size }
        });
    }
    actions.push(Action::Answer { held, size });
    actions
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
