//! A registrant's notification stream (`RegistrationService.WatchApplications`): its subject's
//! application changes in log order, each with its cursor (the log index of its event). It reads
//! the engine's per-subject event index below the durable watermark, then waits for the
//! watermark to move, so a reconnect with the last cursor misses nothing and repeats nothing.
use super::convert::materials::timestamp;
use super::pb;
use super::status;
use crate::domain::flow::Refusal;
use crate::domain::types::{Actor, Role};
use crate::engine::{Change, Engine};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// Changes read from the store at a time.
const PAGE: usize = 256;

pub(super) type Stream = ReceiverStream<Result<pb::WatchApplicationsResponse, Status>>;

fn change(c: Change) -> pb::WatchApplicationsResponse {
    let state = pb::ApplicationState::from_str_name(&format!("APPLICATION_STATE_{}", c.state))
        .map_or(0, |s| s as i32);
    pb::WatchApplicationsResponse {
        cursor: c.index.to_string(),
        application_id: c.application_id,
        step: super::convert::enums::step_pb(&c.step),
        state,
        at: timestamp(c.at),
        log_index: c.index,
    }
}

/// Resolves once the node begins to shut down (never, if nobody can tell it to).
async fn shutting_down(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    if stopping.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Starts the stream for `actor` (a registrant) after `cursor`.
pub(super) fn start(
    engine: Engine,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    actor: &Actor,
    cursor: &str,
) -> Result<Stream, Status> {
    let subject = match (actor.role, &actor.subject) {
        (Role::Registrant, Some(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(status::refusal(Refusal::denied(
                "WRONG_ROLE",
                "a notification stream is a registrant's, for its own subject",
            )))
        }
    };
    let mut after = match cursor.trim() {
        "" => None,
        c => Some(c.parse::<u64>().map_err(|_| {
            status::invalid(
                "BAD_CURSOR",
                format!("{c:?} is not a cursor this stream gave"),
            )
        })?),
    };
    let (tx, rx) = mpsc::channel(PAGE);
    tokio::spawn(async move {
        let mut durable = engine.durable();
        loop {
            let watermark = *durable.borrow_and_update();
            let page = match engine.subject_changes(&subject, after, watermark, PAGE) {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(status::status(e))).await;
                    return;
                }
            };
            if page.is_empty() {
                tokio::select! {
                    changed = durable.changed() => if changed.is_err() { return },
                    _ = tx.closed() => return,
                    () = shutting_down(&mut stopping) => {
                        let bye = Status::unavailable(
                            "the node is shutting down; reconnect with the last cursor",
                        );
                        let _ = tx.send(Err(bye)).await;
                        return;
                    }
                }
                continue;
            }
            for c in page {
                after = Some(c.index);
                if tx.send(Ok(change(c))).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}
