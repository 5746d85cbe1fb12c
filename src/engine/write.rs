//! Writes: each engine command is a type that says what it answers ([`Write::Reply`]), checked
//! on the caller's task and run on the writer thread. The writer holds them type-erased
//! ([`Job`]), so every command answers its own reply type and no caller matches a shared one.
use super::writer::Tx;
use super::{EngineError, Quotas, Shared};
use tokio::sync::oneshot;

/// What a write runs with: the node and the group's transaction.
pub struct Cx<'c, 'v, 'a> {
    pub(crate) shared: &'c Shared,
    pub(crate) tx: &'c mut Tx<'v, 'a>,
}

/// The node once a group is applied (before it is flushed).
pub struct Applying<'c> {
    pub(crate) shared: &'c Shared,
}

/// One engine command: its checks, its rules and its store writes.
pub trait Write: Send + 'static {
    type Reply: Send + 'static;

    /// Whether the writer ends its group with this write (a backup: its snapshot must hold
    /// exactly the log its checkpoint covers).
    const ENDS_GROUP: bool = false;

    /// On the caller's task, before the write is queued, so the writer thread spends no time
    /// on it: the request's fingerprint for idempotency (empty when the write is not
    /// idempotent), and the checks that need no store.
    fn prepare(&self, _quotas: &Quotas) -> Result<String, EngineError> {
        Ok(String::new())
    }

    /// On the writer thread: its writes are kept only if it succeeds.
    fn run(self, cx: &mut Cx, fingerprint: String) -> Result<Self::Reply, EngineError>;

    /// Once the group that holds it is applied, before it is flushed.
    fn applied(_reply: &mut Self::Reply, _node: &Applying) {}
}

/// A queued write, its type erased for the writer.
pub(crate) struct Job {
    work: Box<dyn Work>,
    pub ends_group: bool,
}

impl Job {
    pub fn new<W: Write>(
        write: W,
        fingerprint: String,
        reply: oneshot::Sender<Result<W::Reply, EngineError>>,
    ) -> Job {
        Job {
            work: Box::new(Queued {
                write,
                fingerprint,
                reply,
            }),
            ends_group: W::ENDS_GROUP,
        }
    }

    /// Runs the write; a panic in it refuses it alone (its writes go with its transaction).
    pub fn run(self, shared: &Shared, tx: &mut Tx) -> Box<dyn Answer> {
        self.work.run(shared, tx)
    }

    /// Refuses the write unrun.
    pub fn refuse(self, e: EngineError) {
        self.work.refuse(e)
    }
}

trait Work: Send {
    fn run(self: Box<Self>, shared: &Shared, tx: &mut Tx) -> Box<dyn Answer>;
    fn refuse(self: Box<Self>, e: EngineError);
}

struct Queued<W: Write> {
    write: W,
    fingerprint: String,
    reply: oneshot::Sender<Result<W::Reply, EngineError>>,
}

impl<W: Write> Work for Queued<W> {
    fn run(self: Box<Self>, shared: &Shared, tx: &mut Tx) -> Box<dyn Answer> {
        let Queued {
            write,
            fingerprint,
            reply,
        } = *self;
        let run = std::panic::AssertUnwindSafe(|| write.run(&mut Cx { shared, tx }, fingerprint));
        let result = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
            let what = super::writer::panic_text(&*panic);
            tracing::error!(panic = %what, "an operation panicked; it is refused and wrote nothing");
            Err(EngineError::Internal(format!(
                "the operation failed inside the node and wrote nothing: {what}"
            )))
        });
        Box::new(Answered::<W> { reply, result })
    }

    fn refuse(self: Box<Self>, e: EngineError) {
        let _ = self.reply.send(Err(e));
    }
}

/// A write's result, waiting for the flush that makes its group durable.
pub(crate) trait Answer: Send {
    fn is_ok(&self) -> bool;
    /// Replaces a success with `e` (the group could not be applied or flushed).
    fn fail(&mut self, e: EngineError);
    fn applied(&mut self, shared: &Shared);
    /// Sends it; the caller may have gone away (timeout, cancelled RPC), the write stands.
    fn send(self: Box<Self>);
}

struct Answered<W: Write> {
    reply: oneshot::Sender<Result<W::Reply, EngineError>>,
    result: Result<W::Reply, EngineError>,
}

impl<W: Write> Answer for Answered<W> {
    fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    fn fail(&mut self, e: EngineError) {
        if self.result.is_ok() {
            self.result = Err(e);
        }
    }

    fn applied(&mut self, shared: &Shared) {
        if let Ok(reply) = &mut self.result {
            W::applied(reply, &Applying { shared });
        }
    }

    fn send(self: Box<Self>) {
        let _ = self.reply.send(self.result);
    }
}
