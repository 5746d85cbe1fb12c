//! Quotas a write must stay within (`[quotas]`): the size of a command's materials (weighed
//! before it is queued), a draft's edits and the bytes it stores, an application's objections.
//! Each refusal is RESOURCE_EXHAUSTED with its reason code and config key, and the write changes
//! nothing.
use super::writer::Tx;
use super::EngineError;
use crate::domain::flow::{Application, Command, Refusal, State};
use crate::store::keys;

/// The size quota of a command carrying materials (create, edit, supplement): the bytes of the
/// request as its fingerprint serialised it, the materials and the few fields beside them.
/// Checked before the command is queued, so the writer never serialises materials to weigh them.
pub(super) fn request_within(
    q: &super::Quotas,
    command: &Command,
    request_bytes: usize,
) -> Result<(), EngineError> {
    match command {
        Command::Create { .. } | Command::Edit { .. } | Command::Supplement { .. }
            if request_bytes > q.materials_bytes =>
        {
            Err(Refusal::quota(
                "MATERIALS_TOO_LARGE",
                format_args!("a request of {request_bytes} bytes with its materials"),
                q.materials_bytes as u64,
                "quotas.materials_bytes",
            )
            .into())
        }
        _ => Ok(()),
    }
}

/// The quotas a command must stay within before the rules see it: a draft's edits, an
/// application's objections. Each refusal names its config key.
pub(super) fn within(
    q: &super::Quotas,
    existing: Option<&Application>,
    command: &Command,
) -> Result<(), EngineError> {
    match (command, existing) {
        (Command::Edit { .. }, Some(app))
            if app.state == State::Draft && app.revision > q.draft_edits =>
        {
            Err(Refusal::quota(
                "DRAFT_EDITS_EXHAUSTED",
                format_args!("draft {}: {} edits", app.id, app.revision - 1),
                q.draft_edits,
                "quotas.draft_edits",
            )
            .into())
        }
        (Command::FileObjection { .. }, Some(app))
            if app.objections.len() >= q.objections_per_application =>
        {
            Err(Refusal::quota(
                "OBJECTIONS_PER_APPLICATION",
                format_args!(
                    "application {}: {} objections",
                    app.id,
                    app.objections.len()
                ),
                q.objections_per_application as u64,
                "quotas.objections_per_application",
            )
            .into())
        }
        _ => Ok(()),
    }
}

/// Adds an edited draft's new state to the bytes its edits have stored, refusing the write past
/// the quota: every edit stores its whole materials again (in the openings kept with its log
/// entry), so edits alone could fill the disk. The creation is not counted (its materials are
/// bounded on their own), which spares every new application a counter write.
pub(super) fn count_draft_bytes(
    q: &super::Quotas,
    tx: &mut Tx,
    app: &Application,
) -> Result<(), EngineError> {
    if app.revision <= 1 {
        return Ok(());
    }
    let key = keys::draft_usage(&app.id);
    // The state this write stores, as `commit_events` encoded it: an edit's log entry and the
    // openings kept beside it hold its materials again, about as many bytes.
    let mut snapshot = 0;
    for key in [keys::app(&app.id), keys::app_materials(&app.id)] {
        snapshot += tx.get(&key)?.map_or(0, |s| s.len() as u64);
    }
    let used = tx.read_u64(&key)? + snapshot;
    if used > q.draft_bytes {
        return Err(Refusal::quota(
            "DRAFT_STORAGE_EXHAUSTED",
            format_args!("draft {}: {used} bytes stored over its edits", app.id),
            q.draft_bytes,
            "quotas.draft_bytes",
        )
        .into());
    }
    tx.put(key, used.to_be_bytes().to_vec());
    Ok(())
}
