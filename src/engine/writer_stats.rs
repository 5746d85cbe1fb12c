//! Where the writer's time goes, counted since start: groups and jobs, the writer thread's time
//! waiting for work, running the jobs' rules and applying their batches, and the flusher's
//! fsyncs. `/metrics` shows them and `sjdj-bench` takes their difference over a phase, so the
//! write path's profile is read from a running node rather than guessed.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// The counters (microseconds for times).
#[derive(Default)]
pub(crate) struct Counters {
    groups: AtomicU64,
    jobs: AtomicU64,
    idle_us: AtomicU64,
    run_us: AtomicU64,
    apply_us: AtomicU64,
    flushes: AtomicU64,
    flush_us: AtomicU64,
}

/// The counters read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Groups applied (each one atomic batch).
    pub groups: u64,
    /// Jobs run in them, refused ones included.
    pub jobs: u64,
    /// The writer thread waiting for a job.
    pub idle_us: u64,
    /// Running the jobs: rules, reads and encoding.
    pub run_us: u64,
    /// Applying the groups' batches to the store (this waits while a flush holds the store).
    pub apply_us: u64,
    /// Flushes (fsyncs), each making every group applied before it durable.
    pub flushes: u64,
    /// The flusher thread inside the store's flush.
    pub flush_us: u64,
}

fn since(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX)
}

impl Counters {
    pub(super) fn idle(&self, since_t: Instant) {
        self.idle_us.fetch_add(since(since_t), Relaxed);
    }

    pub(super) fn ran(&self, jobs: usize, since_t: Instant) {
        self.groups.fetch_add(1, Relaxed);
        self.jobs.fetch_add(jobs as u64, Relaxed);
        self.run_us.fetch_add(since(since_t), Relaxed);
    }

    pub(super) fn applied(&self, since_t: Instant) {
        self.apply_us.fetch_add(since(since_t), Relaxed);
    }

    pub(super) fn flushed(&self, since_t: Instant) {
        self.flushes.fetch_add(1, Relaxed);
        self.flush_us.fetch_add(since(since_t), Relaxed);
    }

    pub(super) fn read(&self) -> WriterStats {
        WriterStats {
            groups: self.groups.load(Relaxed),
            jobs: self.jobs.load(Relaxed),
            idle_us: self.idle_us.load(Relaxed),
            run_us: self.run_us.load(Relaxed),
            apply_us: self.apply_us.load(Relaxed),
            flushes: self.flushes.load(Relaxed),
            flush_us: self.flush_us.load(Relaxed),
        }
    }
}

impl WriterStats {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &WriterStats) -> WriterStats {
        WriterStats {
            groups: self.groups.saturating_sub(earlier.groups),
            jobs: self.jobs.saturating_sub(earlier.jobs),
            idle_us: self.idle_us.saturating_sub(earlier.idle_us),
            run_us: self.run_us.saturating_sub(earlier.run_us),
            apply_us: self.apply_us.saturating_sub(earlier.apply_us),
            flushes: self.flushes.saturating_sub(earlier.flushes),
            flush_us: self.flush_us.saturating_sub(earlier.flush_us),
        }
    }
}
