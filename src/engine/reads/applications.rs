//! Applications, as their registrants and the staff may read them: one, a list, the changes a
//! subject's notification stream shows, and whether an attachment is stored.
use super::*;

impl Engine {
    pub fn get_application(&self, actor: &Actor, id: &str) -> Result<Application, EngineError> {
        // The role first, so a caller who may read no application learns nothing of ids.
        if !(actor.role == Role::Registrant || STAFF_READERS.contains(&actor.role)) {
            return Err(Refusal::denied(
                "WRONG_ROLE",
                format!("the {} role cannot read applications", actor.role.name()),
            )
            .into());
        }
        match self.read_app(id)? {
            Some(app) if apps::visible_to(actor, &app) => Ok(app),
            _ => Err(apps::not_visible(id)),
        }
    }

    /// Applications the caller may see, optionally in one state, paged by application id.
    pub fn list_applications(
        &self,
        actor: &Actor,
        state: Option<State>,
        size: i32,
        after: &str,
    ) -> Result<Page<Application>, EngineError> {
        let size = page_size(size, 50);
        let prefix = match (actor.role, state) {
            (Role::Registrant, _) => keys::subject_prefix(actor.subject.as_deref().unwrap_or("-")),
            (r, Some(s)) if STAFF_READERS.contains(&r) => keys::state_prefix(s.name()),
            (r, None) if STAFF_READERS.contains(&r) => keys::APP_PREFIX.to_vec(),
            (r, _) => {
                return Err(Refusal::denied(
                    "WRONG_ROLE",
                    format!("the {} role cannot list applications", r.name()),
                )
                .into())
            }
        };
        let mut items = Vec::new();
        let mut cursor =
            (!after.is_empty()).then(|| [prefix.as_slice(), after.as_bytes()].concat());
        // Registrants filter their own list by state, so scan until the page is full.
        loop {
            let chunk = self.store().scan(&prefix, cursor.as_deref(), size)?;
            let exhausted = chunk.len() < size;
            for (key, value) in &chunk {
                let id = keys::suffix(key, &prefix);
                let app = if prefix.as_slice() == keys::APP_PREFIX {
                    apps::decode(&|k| Ok(self.store().get(k)?), id, key, value)?
                } else {
                    self.read_app(id)?.ok_or_else(|| {
                        EngineError::corrupt(key, "index names a missing application")
                    })?
                };
                if state.is_none_or(|s| s == app.state) {
                    items.push(app);
                }
                cursor = Some(key.clone());
                if items.len() == size {
                    break;
                }
            }
            if items.len() == size || exhausted {
                let next = (items.len() == size)
                    .then(|| items.last().map(|a| a.id.clone()))
                    .flatten();
                return Ok(Page { items, next });
            }
        }
    }

    /// A subject's application changes after log index `after` (`None`: from the first), up to
    /// `limit`, below the log size `durable` (a value `durable()` gave): so a stream never shows
    /// a change a crash could take back.
    pub fn subject_changes(
        &self,
        subject: &str,
        after: Option<u64>,
        durable: u64,
        limit: usize,
    ) -> Result<Vec<Change>, EngineError> {
        let prefix = keys::subject_events_prefix(&subject.to_ascii_uppercase());
        let after_key = after.map(|i| keys::subject_event(&subject.to_ascii_uppercase(), i));
        let mut out = Vec::new();
        for (key, value) in self.store().scan(&prefix, after_key.as_deref(), limit)? {
            let (change, _) = super::super::openings::decode_subject_event(&key, &value)?;
            if change.index >= durable {
                break;
            }
            out.push(change);
        }
        Ok(out)
    }

    /// Whether an attachment with this digest is stored.
    pub fn has_attachment(&self, sha256: &str) -> Result<bool, EngineError> {
        Ok(self.store().get(&keys::attachment(sha256))?.is_some())
    }
}
