//! Steps the commands share, on the writer's [`Tx`]: reading an application, counters, the
//! rules' context, appending a step's events to the log and storing the state they fold into.
use super::writer::Tx;
use super::{apps, log_ops};
use super::{EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::flow::{self, Application, Ctx, Event, EventKind, State};
use crate::domain::types::Actor;
use crate::log::entry::Body;
use crate::store::keys;

/// What the rules are decided with on this node at `now`, for `actor`.
pub(super) fn ctx<'a>(
    shared: &'a Shared,
    now: i64,
    actor: &'a Actor,
    target: Option<&'a flow::Target>,
) -> Ctx<'a> {
    Ctx {
        now,
        today: china_date(now),
        actor,
        calendar: &shared.cfg.calendar,
        limits: &shared.cfg.limits,
        target,
    }
}

/// Helpers on the writer's transaction that every command may use.
impl Tx<'_, '_> {
    /// An application's current state, as this job sees the store.
    pub(crate) fn load_app(&self, id: &str) -> Result<Option<Application>, EngineError> {
        apps::current(&|k| self.get(k), id)
    }

    /// Reads and bumps a counter under `meta/{name}`; returns the new value.
    pub(crate) fn next_counter(&mut self, name: &str) -> Result<u64, EngineError> {
        let key = keys::meta(name);
        let current = self.read_u64(&key)?;
        self.put(key, (current + 1).to_be_bytes().to_vec());
        Ok(current + 1)
    }

    /// A counter stored as u64 BE; 0 when absent.
    pub(crate) fn read_u64(&self, key: &[u8]) -> Result<u64, EngineError> {
        match self.get(key)? {
            Some(b) => {
                Ok(u64::from_be_bytes(b.as_slice().try_into().map_err(
                    |_| EngineError::corrupt(key, "counter is not 8 bytes"),
                )?))
            }
            None => Ok(0),
        }
    }

    /// Appends the events to the event log, folds them into the state and keeps the indexes in step,
    /// all in the caller's transaction. Returns the new state and the log index of the last event.
    pub(crate) fn commit_events(
        &mut self,
        existing: Option<Application>,
        app_id: &str,
        kinds: Vec<EventKind>,
        actor: &Actor,
        now: i64,
    ) -> Result<(Application, u64), EngineError> {
        let before = existing.as_ref().map(|a| (a.state, a.publicity));
        // Most steps leave the materials as they were, and then they are not written again.
        let materials_before = existing.as_ref().map(|a| a.materials.clone());
        let mut app = existing;
        let mut index = 0;
        let mut salt = crate::log::commitment::salt;
        for kind in kinds {
            // The log publishes only what is public by design; the rest it commits to, and the
            // openings stay in the node's state.
            let (event, sealed) = crate::log::public::seal(&kind, app.as_ref(), &mut salt);
            let body = Body::Flow {
                application_id: app_id.to_string(),
                event: Box::new(event),
            };
            let (appended, openings) = log_ops::append_sealed(self, now, actor, body, sealed)?;
            index = appended;
            let event = Event {
                application_id: app_id.to_string(),
                at: now,
                actor: actor.id.clone(),
                holder: actor.holder.clone(),
                kind,
            };
            let mut next = flow::apply(app, &event);
            if let Some(d) = next.decisions.last_mut() {
                d.log_index = index;
            }
            // The subject's notification stream reads its events in log order; the entry's
            // openings ride in the same record rather than in a key of their own.
            let step = event.kind.step().to_string();
            let change = super::reads::Change {
                index,
                application_id: app_id.to_string(),
                step,
                state: next.state.name().to_string(),
                at: now,
            };
            self.put(
                keys::subject_event(&next.subject, index),
                super::openings::subject_event(change, openings),
            );
            app = Some(next);
        }
        let app =
            app.ok_or_else(|| EngineError::Internal("a command produced no events".into()))?;
        let materials = materials_before.as_ref() != Some(&app.materials);
        self.store_state(before, &app, materials);
        Ok((app, index))
    }

    /// Stores an application's new state and keeps its indexes in step (subject, state, publicity
    /// end, the per-code lock); `before` is the state and publicity it had, if it existed;
    /// `materials`: whether its materials are to be written too (changed, or new to the store).
    pub(crate) fn store_state(
        &mut self,
        before: Option<(State, Option<crate::domain::flow::Publicity>)>,
        app: &Application,
        materials: bool,
    ) {
        match before {
            None => self.put(keys::subject_index(&app.subject, &app.id), Vec::new()),
            Some((state, publicity)) => {
                if state != app.state {
                    self.delete(keys::state_index(state.name(), &app.id));
                }
                if let (State::InPublicity, Some(p)) = (state, publicity) {
                    if app.state != State::InPublicity {
                        self.delete(keys::publicity_end(p.end, &app.id));
                    }
                }
            }
        }
        self.put(keys::state_index(app.state.name(), &app.id), Vec::new());
        super::lifecycle::hold(self, app);
        if let (State::InPublicity, Some(p)) = (app.state, app.publicity) {
            self.put(keys::publicity_end(p.end, &app.id), Vec::new());
        }
        for (k, v) in apps::writes(app, materials) {
            self.put(k, v);
        }
    }
}
