//! `--dev` mode: a working node from nothing. It creates its key, and writes one bearer token
//! per role to `DIR/dev-tokens.json` (role name -> token), a stable interface scripts rely on.
use super::NodeError;
use crate::domain::types::{Actor, Role};
use crate::engine::commands::CreateToken;
use crate::engine::Engine;
use std::collections::BTreeMap;
use std::path::Path;

/// The subject the dev registrant token acts for: a valid GB 32100 credit code.
pub const DEV_SUBJECT: &str = "91350100M000100Y43";

/// Creates the dev tokens unless `DIR/dev-tokens.json` already holds them (the store keeps only
/// hashes, so tokens from an earlier run stay valid and are kept).
pub async fn ensure_tokens(engine: &Engine, data_dir: &Path) -> Result<(), NodeError> {
    let path = data_dir.join("dev-tokens.json");
    if path.exists() {
        return Ok(());
    }
    // Tokens are minted by an admin; at bootstrap the node acts as its own first admin.
    let bootstrap = Actor {
        id: "bootstrap".into(),
        role: Role::Admin,
        holder: "bootstrap".into(),
        subject: None,
    };
    let mut tokens = BTreeMap::new();
    for role in Role::STAFF_AND_REGISTRANT {
        let subject = (role == Role::Registrant).then(|| DEV_SUBJECT.to_string());
        let op = CreateToken {
            actor: bootstrap.clone(),
            request_id: format!("dev-{}-{}", role.name(), std::process::id()),
            role,
            holder: format!("dev-{}", role.name()),
            subject,
            // Drill and dev nodes move their clocks by years; their tokens live as long as any.
            ttl_days: engine.config().tokens.max_ttl_days,
        };
        let issued = engine.execute(op).await?;
        tokens.insert(role.name().to_string(), issued.token);
    }
    let json =
        serde_json::to_string_pretty(&tokens).map_err(|e| NodeError::Other(e.to_string()))?;
    write_private(&path, json.as_bytes())
        .map_err(|e| NodeError::Other(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

/// Writes a file only its owner can read: it holds bearer tokens.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    {
        use std::io::Write;
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    // Rename, so a reader never sees a half-written file.
    std::fs::rename(tmp, path)
}
