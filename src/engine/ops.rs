//! What the writer does with each job. Runs on the writer thread only, inside a [`Tx`] whose
//! writes are kept only if the job succeeds.
use super::tokens::{IssuedToken, TokenRecord};
use super::writer::Tx;
use super::{admin_ops, apps, federation, log_ops, mint};
use super::{EngineError, Shared};
use crate::domain::calendar::china_date;
use crate::domain::flow::{self, Application, Command, Ctx, Event, EventKind, Refusal, State};
use crate::domain::types::{Actor, Role};
use crate::log::entry::Body;
use crate::store::{codec, keys};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub enum Op {
    Flow {
        actor: Actor,
        request_id: String,
        application_id: Option<String>,
        /// Boxed: materials make commands large, and ops queue by the thousand.
        command: Box<Command>,
    },
    CreateToken {
        actor: Actor,
        request_id: String,
        role: Role,
        holder: String,
        subject: Option<String>,
        /// Days it is valid; 0 for the node's default.
        ttl_days: u32,
    },
    RevokeToken {
        actor: Actor,
        token_id: String,
    },
    PutAttachment {
        /// The registrant's subject, whose upload quota it counts against.
        subject: String,
        bytes: Vec<u8>,
    },
    AdvanceClock {
        actor: Actor,
        seconds: i64,
    },
    /// The institution corrects a record's public facts itself (a new version).
    CorrectRecord {
        actor: Actor,
        request_id: String,
        code: String,
        correction: crate::domain::record::RecordCorrection,
        reason: String,
    },
    /// The institution revokes a code (撤销).
    RevokeRecord {
        actor: Actor,
        request_id: String,
        code: String,
        reason: String,
    },
    /// Assign codes to every application whose publicity has ended.
    Sweep,
    /// Sign a checkpoint over the log, if it grew.
    Checkpoint,
    /// Begin an online backup: a checkpoint, and a snapshot of the store at its size. The
    /// writer ends its group with it (see `writer`).
    Backup {
        actor: Actor,
    },
    /// Keep the figures of a backup served whole.
    RecordBackup(super::LastBackup),
    /// Tests: an operation that writes and then panics, as a bug would.
    #[cfg(test)]
    Panic,
    /// National: a trust-list entry (delegation, key rotation, revocation).
    Trust {
        actor: Actor,
        body: Body,
    },
    /// National: host a province namespace that has no node yet.
    Host {
        actor: Actor,
        region: String,
    },
    /// Province: import a handed-over record from its national certificate.
    Import {
        national_key: ed25519_dalek::VerifyingKey,
        certificate: Vec<u8>,
    },
    /// National: one batch of a province's push.
    Ingest(Box<federation::IngestBatch>),
    /// Province: one batch of the national log it follows.
    Follow(Box<federation::FollowBatch>),
    /// Province: keep the national node's receipt for one of its checkpoints.
    KeepReceipt {
        national_key: ed25519_dalek::VerifyingKey,
        national_origin: String,
        receipt: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
pub enum Reply {
    Application {
        app: Box<Application>,
        objection_id: Option<String>,
    },
    Token(IssuedToken),
    TokenRecord(TokenRecord),
    /// A record after the institution acted on it.
    Record(Box<crate::domain::record::Record>),
    Attachment {
        sha256: String,
        size: u64,
    },
    Clock {
        offset: i64,
    },
    Swept {
        registered: usize,
        /// A full batch was registered: more may be due, and the next sweep runs at once.
        more: bool,
    },
    /// The new checkpoint; `None` when the log had not grown.
    Checkpoint(Option<crate::log::checkpoint::SignedCheckpoint>),
    /// A backup's log size and checkpoint; the writer adds the snapshot once the group that
    /// ends with it is applied.
    Backup {
        size: u64,
        checkpoint: Option<crate::log::checkpoint::SignedCheckpoint>,
        snapshot: Option<std::sync::Arc<crate::store::snapshot::Snapshot>>,
    },
    Recorded,
    Trusted(Box<crate::sync::trust::TrustedNode>),
    Ingested(federation::Ingested),
    /// Refused, but with writes kept (a fork's evidence and the frozen feed).
    SyncRefused(Refusal),
    Receipt {
        size: u64,
    },
    Hosted {
        region: String,
    },
    Imported {
        code: String,
    },
    /// How much of the national log the province now holds.
    Followed {
        held: u64,
        size: u64,
    },
}

/// The first result of an idempotent write, kept under its request id (compact codec: a plain
/// struct, fields only added with a new format).
#[derive(Serialize, Deserialize)]
struct Idempotent {
    /// SHA-256 of the request: a reused id with another request is refused.
    fingerprint: String,
    /// The application and the revision the first reply showed (`apps::at` rebuilds it).
    application: Option<(String, u64)>,
    objection_id: Option<String>,
    token: Option<TokenRecord>,
    /// The code of a record the institution acted on (a retry shows the record as it is now).
    #[serde(default)]
    record: Option<String>,
}

/// The fingerprint of an idempotent op and the bytes of the request it hashed, computed by the
/// caller's task before the op is queued, so the writer thread does not spend its time
/// serialising and hashing requests (the bytes also bound a command's materials).
pub(super) fn fingerprint_of(op: &Op) -> (String, usize) {
    match op {
        Op::Flow {
            application_id,
            command,
            ..
        } => fingerprint(&(application_id, command)),
        Op::CreateToken {
            role,
            holder,
            subject,
            ttl_days,
            ..
        } => fingerprint(&(role, holder, subject, ttl_days)),
        Op::CorrectRecord {
            code,
            correction,
            reason,
            ..
        } => fingerprint(&("correct", code, correction, reason)),
        Op::RevokeRecord { code, reason, .. } => fingerprint(&("revoke", code, reason)),
        _ => (String::new(), 0),
    }
}

pub(super) fn run(shared: &Shared, tx: &mut Tx, op: Op, fp: String) -> Result<Reply, EngineError> {
    match op {
        Op::Flow {
            actor,
            request_id,
            application_id,
            command,
        } => idempotent(tx, &actor, &request_id, fp, |tx| {
            flow_command(shared, tx, &actor, application_id, *command)
        }),
        Op::CreateToken {
            actor,
            request_id,
            role,
            holder,
            subject,
            ttl_days,
        } => idempotent(tx, &actor, &request_id, fp, |tx| {
            admin_ops::create_token(shared, tx, &actor, role, holder, subject, ttl_days)
        }),
        Op::RevokeToken { actor, token_id } => {
            admin_ops::revoke_token(shared, tx, &actor, &token_id)
        }
        Op::PutAttachment { subject, bytes } => {
            admin_ops::put_attachment(shared, tx, &subject, bytes)
        }
        Op::AdvanceClock { actor, seconds } => {
            admin_ops::advance_clock(shared, tx, &actor, seconds)
        }
        Op::Sweep => {
            let registered = mint::sweep(shared, tx)?;
            Ok(Reply::Swept {
                registered,
                more: registered == mint::SWEEP_BATCH,
            })
        }
        Op::Checkpoint => Ok(Reply::Checkpoint(log_ops::sign_checkpoint(shared, tx)?)),
        Op::Backup { actor } => super::backup::begin(shared, tx, &actor),
        Op::RecordBackup(last) => super::backup::record(tx, &last),
        #[cfg(test)]
        Op::Panic => {
            tx.put(keys::meta("panicked"), vec![1]);
            panic!("a test's panic");
        }
        Op::Trust { actor, body } => federation::trust(shared, tx, &actor, body),
        Op::Ingest(batch) => federation::ingest(shared, tx, *batch),
        Op::Follow(batch) => federation::follow(shared, tx, *batch),
        Op::Host { actor, region } => super::hosting::host(shared, tx, &actor, region),
        Op::CorrectRecord {
            actor,
            request_id,
            code,
            correction,
            reason,
        } => idempotent(tx, &actor, &request_id, fp, |tx| {
            super::record_ops::correct(shared, tx, &actor, &code, correction, reason)
        }),
        Op::RevokeRecord {
            actor,
            request_id,
            code,
            reason,
        } => idempotent(tx, &actor, &request_id, fp, |tx| {
            super::record_ops::revoke(shared, tx, &actor, &code, reason)
        }),
        Op::Import {
            national_key,
            certificate,
        } => super::hosting::import(shared, tx, &national_key, certificate),
        Op::KeepReceipt {
            national_key,
            national_origin,
            receipt,
        } => federation::keep_receipt(shared, tx, &national_key, &national_origin, receipt),
    }
}

fn fingerprint<T: Serialize>(request: &T) -> (String, usize) {
    let bytes = serde_json::to_vec(request).expect("requests serialise");
    (hex::encode(Sha256::digest(&bytes)), bytes.len())
}

fn check_request_id(id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Refusal::invalid(
            "BAD_REQUEST_ID",
            "request_id is required: 1-128 characters of A-Z a-z 0-9 - _ . :",
        ))
    }
}

/// Runs `f` once per (actor, request id): a retry returns the first result.
fn idempotent(
    tx: &mut Tx,
    actor: &Actor,
    request_id: &str,
    fp: String,
    f: impl FnOnce(&mut Tx) -> Result<Reply, EngineError>,
) -> Result<Reply, EngineError> {
    check_request_id(request_id)?;
    // Public callers share the actor id "public": scope their ids by who they say they are too.
    let scope = match actor.role {
        Role::Public => format!(
            "public:{}",
            hex::encode(Sha256::digest(actor.holder.as_bytes()))
        ),
        _ => actor.id.clone(),
    };
    let key = keys::idempotency(&scope, request_id);
    if let Some(bytes) = tx.get(&key)? {
        let first: Idempotent = codec::decode(&key, &bytes)?;
        if first.fingerprint != fp {
            return Err(Refusal::invalid(
                "REQUEST_ID_REUSED",
                format!("request_id {request_id} was used for a different request"),
            )
            .into());
        }
        if let Some(code) = first.record {
            let key = keys::record(&code);
            let record = tx
                .get(&key)?
                .ok_or_else(|| EngineError::corrupt(&key, "the record vanished"))?;
            return Ok(Reply::Record(Box::new(codec::decode(&key, &record)?)));
        }
        return Ok(match (first.application, first.token) {
            (Some((id, revision)), _) => Reply::Application {
                app: Box::new(apps::at(&|k| tx.get(k), &id, revision)?),
                objection_id: first.objection_id,
            },
            // The secret is shown once; a retry gets the token's record only.
            (None, Some(record)) => Reply::Token(IssuedToken {
                token: String::new(),
                record,
            }),
            (None, None) => return Err(EngineError::corrupt(&key, "empty idempotency record")),
        });
    }
    let reply = f(tx)?;
    let stored = match &reply {
        Reply::Application { app, objection_id } => Idempotent {
            fingerprint: fp,
            application: Some((app.id.clone(), app.revision)),
            objection_id: objection_id.clone(),
            token: None,
            record: None,
        },
        Reply::Token(t) => Idempotent {
            fingerprint: fp,
            application: None,
            objection_id: None,
            token: Some(t.record.clone()),
            record: None,
        },
        Reply::Record(r) => Idempotent {
            fingerprint: fp,
            application: None,
            objection_id: None,
            token: None,
            record: Some(r.code.clone()),
        },
        _ => return Ok(reply),
    };
    // Compact: one is written per request, and older ones in JSON still read.
    tx.put(key, codec::encode_compact(&stored));
    Ok(reply)
}

pub(super) fn load_app(tx: &Tx, id: &str) -> Result<Option<Application>, EngineError> {
    apps::current(&|k| tx.get(k), id)
}

/// Reads and bumps a counter under `meta/{name}`; returns the new value.
pub(super) fn next_counter(tx: &mut Tx, name: &str) -> Result<u64, EngineError> {
    let key = keys::meta(name);
    let current = read_u64(tx, &key)?;
    tx.put(key, (current + 1).to_be_bytes().to_vec());
    Ok(current + 1)
}

/// A counter stored as u64 BE; 0 when absent.
pub(super) fn read_u64(tx: &Tx, key: &[u8]) -> Result<u64, EngineError> {
    match tx.get(key)? {
        Some(b) => {
            Ok(u64::from_be_bytes(b.as_slice().try_into().map_err(
                |_| EngineError::corrupt(key, "counter is not 8 bytes"),
            )?))
        }
        None => Ok(0),
    }
}

fn flow_command(
    shared: &Shared,
    tx: &mut Tx,
    actor: &Actor,
    id: Option<String>,
    mut command: Command,
) -> Result<Reply, EngineError> {
    let now = shared.clock.now();
    let existing = match &id {
        Some(id) => match load_app(tx, id)? {
            Some(app) if apps::visible_to(actor, &app) => Some(app),
            _ => return Err(apps::not_visible(id)),
        },
        None => None,
    };
    let mut objection_id = None;
    match (&mut command, &existing) {
        (Command::Create { id, .. }, None) => {
            *id = format!("A{:010}", next_counter(tx, "next_application")?)
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
            super::lifecycle::target(shared, tx, code, today)?
        }
        _ => None,
    };
    let ctx = ctx(shared, now, actor, target.as_ref());
    super::quotas::within(&shared.cfg.quotas, existing.as_ref(), &command)?;
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
    let (app, _) = commit_events(tx, existing, &app_id, events, actor, now)?;
    if app.state == State::Draft {
        super::quotas::count_draft_bytes(&shared.cfg.quotas, tx, &app)?;
    }
    // Ended without a record (refused, withdrawn): its contacts are kept for the retention
    // period from today. A registered one's follow its record's end.
    if app.state.is_final() && app.state != flow::State::Registered {
        super::retention::schedule_application(shared, tx, &app)?;
    }
    Ok(Reply::Application {
        app: Box::new(app),
        objection_id,
    })
}

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

/// Appends the events to the event log, folds them into the state and keeps the indexes in step,
/// all in the caller's transaction. Returns the new state and the log index of the last event.
pub(super) fn commit_events(
    tx: &mut Tx,
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
        let (appended, openings) = log_ops::append_sealed(tx, now, actor, body, sealed)?;
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
        tx.put(
            keys::subject_event(&next.subject, index),
            super::openings::subject_event(change, openings),
        );
        app = Some(next);
    }
    let app = app.ok_or_else(|| EngineError::Internal("a command produced no events".into()))?;
    let materials = materials_before.as_ref() != Some(&app.materials);
    store_state(tx, before, &app, materials);
    Ok((app, index))
}

/// Stores an application's new state and keeps its indexes in step (subject, state, publicity
/// end, the per-code lock); `before` is the state and publicity it had, if it existed;
/// `materials`: whether its materials are to be written too (changed, or new to the store).
pub(super) fn store_state(
    tx: &mut Tx,
    before: Option<(State, Option<crate::domain::flow::Publicity>)>,
    app: &Application,
    materials: bool,
) {
    match before {
        None => tx.put(keys::subject_index(&app.subject, &app.id), Vec::new()),
        Some((state, publicity)) => {
            if state != app.state {
                tx.delete(keys::state_index(state.name(), &app.id));
            }
            if let (State::InPublicity, Some(p)) = (state, publicity) {
                if app.state != State::InPublicity {
                    tx.delete(keys::publicity_end(p.end, &app.id));
                }
            }
        }
    }
    tx.put(keys::state_index(app.state.name(), &app.id), Vec::new());
    super::lifecycle::hold(tx, app);
    if let (State::InPublicity, Some(p)) = (app.state, app.publicity) {
        tx.put(keys::publicity_end(p.end, &app.id), Vec::new());
    }
    for (k, v) in apps::writes(app, materials) {
        tx.put(k, v);
    }
}
