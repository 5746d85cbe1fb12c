//! The imports running in the background: confirming a catalogue's preview starts its drafts'
//! creation and sends the registrant to a progress page, which reloads itself (a `<meta>`
//! refresh, no script) until every row is done. Each registrant token has at most its latest
//! import here: a second one while the first runs is refused (`IMPORT_BUSY`), and a finished one
//! is kept for `web.session_minutes` to be read back. The drafts themselves are made by the
//! flow's Create under each row's request id, so an import cut short (a restart) is finished by
//! sending the file again.
use super::error::WebError;
use crate::domain::catalogue::Row;
use crate::domain::flow::Command;
use crate::domain::types::{Actor, RegistrationType};
use crate::engine::commands::FlowStep;
use crate::engine::Engine;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One row's outcome: its draft, or why it was not made.
#[derive(Debug, Clone)]
pub struct Made {
    pub line: usize,
    pub data_name: String,
    pub id: String,
    pub refused: String,
}

/// An import: the valid rows it takes, and what has been done of them so far.
#[derive(Debug)]
pub struct Job {
    pub total: usize,
    made: Mutex<Vec<Made>>,
    ended: Mutex<Option<Instant>>,
}

impl Job {
    /// The rows done so far, in order, and whether the import has ended.
    pub fn progress(&self) -> (Vec<Made>, bool) {
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let ended = self
            .ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        (made, ended)
    }

    fn ended_before(&self, when: Instant) -> bool {
        self.ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|t| t < when)
    }
}

/// The latest import of each registrant token.
pub struct Imports {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    kept: Duration,
}

impl Imports {
    pub fn new(kept: Duration) -> Imports {
        Imports {
            jobs: Mutex::default(),
            kept,
        }
    }

    /// The token's latest import, running or ended.
    pub fn of(&self, actor: &Actor) -> Option<Arc<Job>> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.get(&actor.id).cloned()
    }

    /// Keeps `job` as the token's latest import, unless its previous one still runs; drops the
    /// imports that ended longer ago than they are kept.
    fn admit(&self, token: &str, job: Arc<Job>) -> Result<(), WebError> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cutoff) = Instant::now().checked_sub(self.kept) {
            jobs.retain(|_, j| !j.ended_before(cutoff));
        }
        if jobs.get(token).is_some_and(|j| !j.progress().1) {
            return Err(WebError(crate::grpc::status::with_reason(
                tonic::Code::FailedPrecondition,
                "IMPORT_BUSY",
                "an import of this token is still running: wait for it to end".into(),
            )));
        }
        jobs.insert(token.to_string(), job);
        Ok(())
    }

    /// Starts making `rows` (all valid) drafts for `actor`, one after another, off the request.
    pub fn start(&self, engine: Engine, actor: Actor, rows: Vec<Row>) -> Result<(), WebError> {
        let job = Arc::new(Job {
            total: rows.len(),
            made: Mutex::new(Vec::with_capacity(rows.len())),
            ended: Mutex::new(None),
        });
        self.admit(&actor.id, job.clone())?;
        tokio::spawn(async move {
            for row in rows {
                let made = create(&engine, &actor, &row).await;
                job.made
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(made);
            }
            *job.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        });
        Ok(())
    }
}

/// One row's draft, through the flow's Create under the row's request id.
async fn create(engine: &Engine, actor: &Actor, row: &Row) -> Made {
    let ran = engine
        .execute(FlowStep {
            actor: actor.clone(),
            request_id: row.request_id(),
            application_id: None,
            command: Box::new(Command::Create {
                id: String::new(),
                registration_type: RegistrationType::Initial,
                materials: row.materials.clone(),
                target_code: None,
            }),
        })
        .await;
    let (id, refused) = match ran {
        Ok(applied) => (applied.app.id.clone(), String::new()),
        Err(e) => {
            let (_, reason, message) = super::error::status_of(&crate::grpc::status::status(e));
            (String::new(), format!("{reason}：{message}"))
        }
    };
    Made {
        line: row.line,
        data_name: row.materials.resource.name.clone(),
        id,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(ended: Option<Instant>) -> Arc<Job> {
        Arc::new(Job {
            total: 1,
            made: Mutex::default(),
            ended: Mutex::new(ended),
        })
    }

    #[test]
    fn one_import_runs_at_a_time_per_token_and_an_ended_one_is_replaced() {
        let imports = Imports::new(Duration::from_secs(3600));
        imports.admit("t1", job(None)).unwrap();
        let busy = imports.admit("t1", job(None)).unwrap_err();
        assert_eq!(busy.0.code(), tonic::Code::FailedPrecondition);
        assert!(format!("{:?}", busy.0).contains("IMPORT_BUSY"));
        imports
            .admit("t2", job(None))
            .expect("another token's import runs beside it");
        *imports.jobs.lock().unwrap()["t1"].ended.lock().unwrap() = Some(Instant::now());
        let next = job(None);
        imports
            .admit("t1", next.clone())
            .expect("the ended one is replaced");
        assert!(Arc::ptr_eq(&imports.jobs.lock().unwrap()["t1"], &next));
    }

    #[test]
    fn an_import_that_ended_longer_ago_than_kept_is_dropped() {
        let imports = Imports::new(Duration::from_millis(1));
        let long_ago = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .expect("the machine has been up a second");
        imports.admit("old", job(Some(long_ago))).unwrap();
        imports.admit("new", job(None)).unwrap();
        let jobs = imports.jobs.lock().unwrap();
        assert!(!jobs.contains_key("old"));
        assert!(jobs.contains_key("new"));
    }
}
