//! Files that hold what only the node may read — the store (contacts, attachments), keys, the
//! kept checkpoint — are created private: directories 0700, files 0600, set at creation rather
//! than fixed after, so there is no moment when others could open them. A secret file others
//! can read is refused, not used.
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Makes every file and directory this process creates from now on its owner's only (umask
/// 077), sled's store files included, which it creates with the process umask.
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates (or truncates) a file only its owner can read and write.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Creates a directory and its missing parents only their owner can enter; an existing
/// directory is narrowed to 0700, as the store's own files are to 0600 (`restrict_tree`).
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)?;
    restrict(path, 0o700)
}

/// Narrows every directory under `dir` to 0700 and every file to 0600: a store created before
/// the node set its umask (or copied in by hand) is closed off once it opens, before any caller
/// is served.
pub fn restrict_tree(dir: &Path) -> io::Result<()> {
    restrict(dir, 0o700)?;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            restrict_tree(&e.path())?;
        } else {
            restrict(&e.path(), 0o600)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

/// The mode bits that let group or others read a secret file, if any (`None`: private).
pub fn readable_by_others(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Ok(Some(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(None)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_private_and_narrowed_private() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/b");
        create_private_dir_all(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let f = dir.join("secret");
        create_private(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        assert_eq!(readable_by_others(&f).unwrap(), None);

        let open = t.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(open.join("db"), b"x").unwrap();
        std::fs::set_permissions(open.join("db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(readable_by_others(&open.join("db")).unwrap(), Some(0o644));
        restrict_tree(&open).unwrap();
        assert_eq!((mode(&open), mode(&open.join("db"))), (0o700, 0o600));
    }
}
