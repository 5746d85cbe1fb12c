//! A step of the five-step flow on one application (create, edit, submit, decide, object…):
//! the rules decide it from the application as stored, and its events are appended to the log
//! and folded into the application's state in the same transaction.
use super::idempotent::{fingerprint, idempotent};
use super::{Cx, Write};
use crate::domain::calendar::china_date;
use crate::domain::flow::{self, Application, Command, Refusal, State};
use crate::domain::types::Actor;
use crate::engine::writer::Tx;
use crate::engine::{apps, lifecycle, quotas, retention, steps, EngineError, Quotas, Shared};
use crate::store::keys;

pub struct FlowStep {
    pub actor: Actor,
    pub request_id: String,
    /// The application acted on; `None` for a create.
    pub application_id: Option<String>,
    /// Boxed: materials make commands large, and writes queue by the thousand.
    pub command: Box<Command>,
}

/// The application after the step, and the id of the objection it filed, if it filed one.
#[derive(Debug, Clone)]
pub struct Applied {
    pub app: Box<Application>,
    pub objection_id: Option<String>,
}

impl Write for FlowStep {
    type Reply = Applied;

    fn prepare(&self, q: &Quotas) -> Result<String, EngineError> {
        let (fp, bytes) = fingerprint(&(&self.application_id, &self.command));
        quotas::request_within(q, &self.command, bytes)?;
        Ok(fp)
    }

    fn run(self, cx: &mut Cx, fp: String) -> Result<Applied, EngineError> {
        let FlowStep {
            actor,
            request_id,
            application_id,
            command,
        } = self;
        let shared = cx.shared;
        idempotent(cx.tx, &actor, &request_id, fp, |tx| {
            step(shared, tx, &actor, application_id, *command)
        })
    }
}

fn step(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    id: Option<String>,
    mut command: Command,
) -> Result<Applied, EngineError> {
    let now = shared.clock.now();
    let existing = match &id {
        Some(id) => match tx.load_app(id)? {
            Some(app) if apps::visible_to(actor, &app) => Some(app),
            _ => return Err(apps::not_visible(id)),
        },
        None => None,
    };
    let mut objection_id = None;
    match (&mut command, &existing) {
        (Command::Create { id, .. }, None) => {
            *id = format!("A{:010}", tx.next_counter("next_application")?)
        }
        (
            Command::FileObjection {
                objection_id: oid, ..
            },
            Some(app),
        ) => {
            *oid = format!("{}-O{}", app.id, app.objections.len() + 1);
            objection_id = Some(oid.clone());
        }
        (Command::Register { .. }, _) => {
            return Err(
                Refusal::denied("WRONG_ROLE", "codes are assigned by the node itself").into(),
            )
        }
        _ => {}
    }
    let app_id = match (&command, &existing) {
        (Command::Create { id, .. }, _) => id.clone(),
        (_, Some(app)) => app.id.clone(),
        _ => {
            return Err(
                Refusal::invalid("APPLICATION_ID_REQUIRED", "application_id is required").into(),
            )
        }
    };
    // The national node takes no initial registration of a subject whose province has its own
    // node. An application on a code goes where the code is (a code of its own namespace, that
    // stayed with it, is still changed, renewed or deregistered here).
    match (&command, &existing) {
        (
            Command::Create {
                materials,
                target_code: None,
                ..
            },
            _,
        )
        | (
            Command::Submit { .. },
            Some(Application {
                materials,
                target_code: None,
                ..
            }),
        ) => {
            crate::engine::hosting::refuse_delegated_subject(shared, tx, &materials.subject.region)?
        }
        _ => {}
    }
    let today = china_date(now);
    // A change, correction, renewal or deregistration names its code: its record, read here.
    let target = match &mut command {
        Command::Create {
            target_code: Some(code),
            ..
        } => {
            let parsed = crate::domain::codes::UnifiedCode::parse(code.trim()).map_err(|e| {
                Refusal::invalid("BAD_TARGET_CODE", format!("target_code {code}: {e}"))
            })?;
            *code = parsed.to_string();
            lifecycle::target(shared, tx, code, today)?
        }
        _ => None,
    };
    let ctx = steps::ctx(shared, now, actor, target.as_ref());
    quotas::within(&shared.cfg.quotas, existing.as_ref(), &command)?;
    // Roles and ownership first, then every materials problem at once, missing uploads included.
    let missing = missing_attachments(tx, &command)?;
    let events = match flow::decide(existing.as_ref(), &command, &ctx) {
        Ok(events) if missing.is_empty() => events,
        Ok(_) => return Err(Refusal::materials(missing).into()),
        Err(r) if r.reason == "MATERIALS_INVALID" => {
            let mut all = r.violations;
            all.extend(missing);
            return Err(Refusal::materials(all).into());
        }
        Err(r) => return Err(r.into()),
    };
    let (app, _) = tx.commit_events(existing, &app_id, events, actor, now)?;
    if app.state == State::Draft {
        quotas::count_draft_bytes(&shared.cfg.quotas, tx, &app)?;
    }
    // Ended without a record (refused, withdrawn): its contacts are kept for the retention
    // period from today. A registered one's follow its record's end.
    if app.state.is_final() && app.state != flow::State::Registered {
        retention::schedule_application(shared, tx, &app)?;
    }
    Ok(Applied {
        app: Box::new(app),
        objection_id,
    })
}

/// Materials may name only attachments the node holds: the ones they name but it does not.
fn missing_attachments(
    tx: &Tx,
    command: &Command,
) -> Result<Vec<crate::domain::materials::Violation>, EngineError> {
    let materials = match command {
        Command::Create { materials, .. }
        | Command::Edit { materials }
        | Command::Supplement { materials, .. } => materials,
        _ => return Ok(Vec::new()),
    };
    let mut missing = Vec::new();
    for (i, a) in materials.attachments.iter().enumerate() {
        if a.sha256.len() == 64 && tx.get(&keys::attachment(&a.sha256))?.is_none() {
            missing.push(crate::domain::materials::Violation {
                field: format!("attachments[{i}].sha256"),
                reason: "ATTACHMENT_NOT_FOUND".into(),
                message: format!("no uploaded attachment {}; upload it first", a.sha256),
            });
        }
    }
    Ok(missing)
}
