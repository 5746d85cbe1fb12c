//! The node's clock: system time plus an offset that tests may move forward. The offset is
//! persisted, so a restarted node does not travel back in time; it can only be moved when the
//! config enables clock control.
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct NodeClock {
    /// Seconds added to system time.
    offset: AtomicI64,
    /// Whether AdvanceClock is allowed (tests, demos); never in production configs.
    pub controllable: bool,
}

impl NodeClock {
    pub fn new(offset: i64, controllable: bool) -> NodeClock {
        NodeClock {
            offset: AtomicI64::new(offset),
            controllable,
        }
    }

    /// Unix seconds now, on the node's clock.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        system + self.offset()
    }

    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }

    pub(super) fn set_offset(&self, offset: i64) {
        self.offset.store(offset, Ordering::SeqCst);
    }
}
