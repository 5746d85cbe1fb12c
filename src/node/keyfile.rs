//! The node key file: the ed25519 seed as 64 hex digits, mode 0600. A key file that others can
//! read is refused, as garage does: a leaked key lets anyone issue certificates in our name.
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("cannot write key file {0}: {1}")]
    Write(String, std::io::Error),
    #[error("key file {0} is readable by group or others (mode {1:o}); run: chmod 600 {0}")]
    Permissions(String, u32),
    #[error("key file {0} does not hold an ed25519 seed as 64 hex digits")]
    Malformed(String),
    #[error("key file {0} already exists; refusing to overwrite a node key")]
    Exists(String),
}

pub fn load(path: &Path) -> Result<SigningKey, KeyError> {
    let name = path.display().to_string();
    if let Some(mode) = crate::store::files::readable_by_others(path)
        .map_err(|e| KeyError::Read(name.clone(), e))?
    {
        return Err(KeyError::Permissions(name, mode));
    }
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Read(name.clone(), e))?;
    let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed(name.clone()))?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed(name))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Creates a new key file (never overwriting one) and writes the public key beside it as
/// `<file>.pub`, 64 hex digits, for whoever verifies this node's certificates.
pub fn generate(path: &Path) -> Result<SigningKey, KeyError> {
    let name = path.display().to_string();
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| KeyError::Write(name.clone(), std::io::Error::other(e.to_string())))?;
    let key = SigningKey::from_bytes(&seed);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists(name.clone())
        } else {
            KeyError::Write(name.clone(), e)
        }
    })?;
    writeln!(f, "{}", hex::encode(seed))
        .and_then(|()| f.sync_all())
        .map_err(|e| KeyError::Write(name.clone(), e))?;
    let pub_path = format!("{name}.pub");
    std::fs::write(
        &pub_path,
        format!("{}\n", hex::encode(key.verifying_key().to_bytes())),
    )
    .map_err(|e| KeyError::Write(pub_path, e))?;
    Ok(key)
}

/// Parses a public key given as 64 hex digits or as a file holding them.
pub fn parse_public(arg: &str) -> Result<VerifyingKey, String> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg).map_err(|e| format!("{arg}: {e}"))?
    } else {
        arg.to_string()
    };
    let bytes =
        hex::decode(text.trim()).map_err(|_| format!("{arg}: a public key is 64 hex digits"))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| format!("{arg}: a public key is 32 bytes"))?;
    VerifyingKey::from_bytes(&arr).map_err(|e| format!("{arg}: not an ed25519 public key: {e}"))
}
