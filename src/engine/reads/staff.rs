//! Reads for the staff: the queues by step with due dates, overdue counts, the tokens.
use super::*;

impl Engine {
    /// A step's work queue: overdue first, then by due date, then by id. `after` is the
    /// previous page's token: the place of its last item in that order.
    pub fn queue(
        &self,
        actor: &Actor,
        state: State,
        objections_only: bool,
        size: i32,
        after: &str,
    ) -> Result<Page<QueueEntry>, EngineError> {
        if !STAFF_READERS.contains(&actor.role) {
            return Err(Refusal::denied(
                "WRONG_ROLE",
                format!("the {} role has no work queue", actor.role.name()),
            )
            .into());
        }
        let after = (!after.is_empty())
            .then(|| QueuePlace::parse(after))
            .transpose()?;
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
        entries.retain(|e| after.as_ref().is_none_or(|a| QueuePlace::of(e) > *a));
        // One place (an id copied) per entry, not one per comparison.
        entries.sort_by_cached_key(QueuePlace::of);
        let size = page_size(size, 100);
        let next = (entries.len() > size).then(|| QueuePlace::of(&entries[size - 1]).token());
        entries.truncate(size);
        Ok(Page {
            items: entries,
            next,
        })
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

/// Where an item stands in a work queue: overdue first (`false` sorts first), then by due
/// date (none first), then by id. A page token is the place of the page's last item.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct QueuePlace(bool, Option<Date>, String);

impl QueuePlace {
    fn of(e: &QueueEntry) -> QueuePlace {
        QueuePlace(!e.overdue, e.due, e.application.id.clone())
    }

    fn token(&self) -> String {
        let due = self.1.map(|d| d.to_string()).unwrap_or_default();
        format!("{}|{due}|{}", u8::from(self.0), self.2)
    }

    fn parse(token: &str) -> Result<QueuePlace, EngineError> {
        let bad = || {
            EngineError::from(Refusal::invalid(
                "PAGE_TOKEN_INVALID",
                "page_token: not a token this queue returned",
            ))
        };
        let mut parts = token.splitn(3, '|');
        let (Some(late), Some(due), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let late = match late {
            "0" => false,
            "1" => true,
            _ => return Err(bad()),
        };
        let due = match due {
            "" => None,
            d => Some(crate::domain::materials::parse_date(d).ok_or_else(bad)?),
        };
        Ok(QueuePlace(late, due, id.to_string()))
    }
}
