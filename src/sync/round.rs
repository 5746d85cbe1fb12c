//! A province's push round, decided: from what it holds (its latest checkpoint and receipt)
//! and what the national node says of its feed, whether to push and from where, or why not;
//! then, answer by answer, whether the round goes on. Pure: the driver (`node::push`) asks the
//! national node and carries the batches.

/// Whether a round needs to ask the national node at all: not when the latest checkpoint has
/// its receipt, except on a recheck (a national node restored from an older backup holds less
/// than it confirmed, and only asking shows it).
pub fn needs_asking(checkpoint: Option<u64>, receipt: Option<u64>, recheck: bool) -> bool {
    match checkpoint {
        None => false,
        Some(size) => recheck || receipt.is_none_or(|r| r < size),
    }
}

/// What the national node says of this province's feed (`GetSyncState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct National {
    pub held: u64,
    pub accepted: u64,
    pub frozen: bool,
}

/// What a round does.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// The national node holds and has confirmed the latest checkpoint.
    Idle,
    /// Push the checkpoint's entries from `from` (what the national node holds).
    Push { from: u64 },
    /// Not pushing, and why: each needs an operator.
    Stop(Stop),
}

#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// The national trust list no longer holds this node's key as the active one.
    KeyNotActive,
    /// The national node froze this feed on a fork alarm.
    Frozen,
    /// The national node holds more of this log than the province has: the store lost entries
    /// it published.
    NationalAhead { national: u64, local: u64 },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::KeyNotActive => write!(f, "this node's key is not the active one in the national trust list (rotated or revoked); not pushing"),
            Stop::Frozen => write!(f, "the national node froze this node's feed (fork alarm); an operator must act"),
            Stop::NationalAhead { national, local } => write!(f, "the national node holds {national} entries of this log but it has only {local}: the store lost entries it published; stop the node and run `sjdj-node recover`"),
        }
    }
}

/// The round for a checkpoint of `size`, `confirmed` when this node holds its receipt;
/// `key_active`: whether the national trust list this node follows holds its key as active
/// (`None` before it lists the node at all).
pub fn plan(size: u64, confirmed: bool, key_active: Option<bool>, national: National) -> Plan {
    if confirmed && national.held >= size && national.accepted >= size {
        return Plan::Idle;
    }
    if key_active == Some(false) {
        return Plan::Stop(Stop::KeyNotActive);
    }
    if national.frozen {
        return Plan::Stop(Stop::Frozen);
    }
    if national.accepted > size || national.held > size {
        return Plan::Stop(Stop::NationalAhead {
            national: national.held.max(national.accepted),
            local: size,
        });
    }
    Plan::Push {
        from: national.held,
    }
}

/// What one answer of the push stream means.
#[derive(Debug, PartialEq, Eq)]
pub enum Answered {
    /// The checkpoint is confirmed: keep the receipt; the round is done.
    Receipt,
    /// The national node holds `held` now: wait for the next answer.
    Holds(u64),
    /// It holds no more than before the batch: the round stops.
    Stalled { before: u64, after: u64 },
}

pub fn on_answer(held_before: u64, held: u64, receipt: bool) -> Answered {
    if receipt {
        Answered::Receipt
    } else if held <= held_before {
        Answered::Stalled {
            before: held_before,
            after: held,
        }
    } else {
        Answered::Holds(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: National = National {
        held: 0,
        accepted: 0,
        frozen: false,
    };

    #[test]
    fn a_round_asks_only_when_there_is_something_unconfirmed_or_on_a_recheck() {
        assert!(!needs_asking(None, None, true));
        assert!(needs_asking(Some(10), None, false));
        assert!(needs_asking(Some(10), Some(5), false));
        assert!(!needs_asking(Some(10), Some(10), false));
        assert!(needs_asking(Some(10), Some(10), true));
    }

    #[test]
    fn a_round_pushes_from_what_the_national_node_holds() {
        let national = National { held: 4, ..N };
        assert_eq!(
            plan(10, false, Some(true), national),
            Plan::Push { from: 4 }
        );
        // Before the trust list names this node, it still pushes (the national node says no).
        assert_eq!(plan(10, false, None, national), Plan::Push { from: 4 });
    }

    #[test]
    fn a_confirmed_checkpoint_the_national_node_still_holds_is_idle() {
        let whole = National {
            held: 10,
            accepted: 10,
            frozen: false,
        };
        assert_eq!(plan(10, true, Some(true), whole), Plan::Idle);
        // Restored from an older backup, the national node holds less: pushed again.
        let restored = National {
            held: 6,
            accepted: 6,
            ..N
        };
        assert_eq!(plan(10, true, Some(true), restored), Plan::Push { from: 6 });
    }

    #[test]
    fn a_round_stops_on_a_revoked_key_a_frozen_feed_or_a_national_node_ahead() {
        assert_eq!(
            plan(10, false, Some(false), N),
            Plan::Stop(Stop::KeyNotActive)
        );
        let frozen = National { frozen: true, ..N };
        assert_eq!(
            plan(10, false, Some(true), frozen),
            Plan::Stop(Stop::Frozen)
        );
        let ahead = National {
            held: 12,
            accepted: 14,
            frozen: false,
        };
        assert_eq!(
            plan(10, false, Some(true), ahead),
            Plan::Stop(Stop::NationalAhead {
                national: 14,
                local: 10
            })
        );
    }

    #[test]
    fn answers_go_on_while_the_national_node_holds_more() {
        assert_eq!(on_answer(0, 5, false), Answered::Holds(5));
        assert_eq!(on_answer(5, 10, true), Answered::Receipt);
        assert_eq!(
            on_answer(5, 5, false),
            Answered::Stalled {
                before: 5,
                after: 5
            }
        );
    }
}
