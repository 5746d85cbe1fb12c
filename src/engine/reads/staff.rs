//! Reads for the staff: the queues by step with due dates, overdue counts, the tokens.
use super::*;

impl Engine {
    /// A step's work queue: overdue first, then by due date.
    pub fn queue(
        &self,
        actor: &Actor,
        state: State,
        objections_only: bool,
        size: i32,
    ) -> Result<Vec<QueueEntry>, EngineError> {
        if !STAFF_READERS.contains(&actor.role) {
            return Err(Refusal::denied(
                "WRONG_ROLE",
                format!("the {} role has no work queue", actor.role.name()),
            )
            .into());
        }
        let today = self.today();
        let prefix = keys::state_prefix(state.name());
        let mut entries = Vec::new();
        for (key, _) in self.store().scan(&prefix, None, usize::MAX)? {
            let id = keys::suffix(&key, &prefix);
            let Some(app) = self.read_app(id)? else {
                continue;
            };
            if objections_only && !app.has_open_objection() {
                continue;
            }
            let due = app.current_due();
            let overdue = state != State::InPublicity && due.is_some_and(|d| d < today);
            entries.push(QueueEntry {
                application: app,
                due,
                overdue,
            });
        }
        entries.sort_by_key(|e| (!e.overdue, e.due, e.application.id.clone()));
        entries.truncate(page_size(size, 100));
        Ok(entries)
    }

    /// Open applications past their step's due date, by step: `acceptance` and `review` past
    /// their working-day limit, `publicity` past its end yet not registered (an objection still
    /// open, or a province waiting for its delegation). Reads only the open applications.
    pub fn overdue(&self) -> Result<Vec<(&'static str, u64)>, EngineError> {
        let today = self.today();
        let mut out = Vec::new();
        for (step, state) in [
            ("acceptance", State::Submitted),
            ("review", State::InReview),
            ("publicity", State::InPublicity),
        ] {
            let prefix = keys::state_prefix(state.name());
            let mut n = 0;
            for (key, _) in self.store().scan(&prefix, None, usize::MAX)? {
                let late = self
                    .read_app(keys::suffix(&key, &prefix))?
                    .and_then(|app| app.current_due())
                    .is_some_and(|due| due < today);
                n += u64::from(late);
            }
            out.push((step, n));
        }
        Ok(out)
    }

    /// Tokens by token id, a page of `size` after the token id `after` (empty: from the first).
    pub fn list_tokens(
        &self,
        actor: &Actor,
        size: i32,
        after: &str,
    ) -> Result<Page<TokenRecord>, EngineError> {
        if actor.role != Role::Admin {
            return Err(
                Refusal::denied("WRONG_ROLE", "listing tokens needs the admin role").into(),
            );
        }
        let size = page_size(size, 100);
        let cursor = (!after.is_empty()).then(|| keys::token_id(after));
        let mut items = Vec::new();
        let ids = self
            .store()
            .scan(keys::TOKEN_ID_PREFIX, cursor.as_deref(), size)?;
        for (_, hash) in &ids {
            let key = keys::token(&String::from_utf8_lossy(hash));
            if let Some(b) = self.store().get(&key)? {
                let mut t: TokenRecord = codec::decode(&key, &b)?;
                // A token issued before tokens carried an expiry shows the one it has.
                t.expires_at = t.expiry(self.config().tokens.ttl_days);
                items.push(t);
            }
        }
        let next = (ids.len() == size)
            .then(|| {
                ids.last()
                    .map(|(k, _)| keys::suffix(k, keys::TOKEN_ID_PREFIX).to_string())
            })
            .flatten();
        Ok(Page { items, next })
    }
}
