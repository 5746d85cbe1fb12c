//! The index's files as tantivy reads them: most mapped (tantivy's `MmapDirectory`), the large
//! ones a search reads only a little of read with `pread` instead.
//!
//! Why: the kernel maps the whole page-cache folio behind each page a search touches (up to a
//! few hundred kilobytes), and every mapped page counts in the node's resident memory. A search
//! reads a few small ranges of the postings, positions, term dictionaries and stored codes,
//! scattered over files of tens of megabytes, so mapped they left most of those files resident.
//! Read into a buffer, a range costs a copy and nothing stays behind; the OS page cache still
//! serves it. The small columns read whole on every search (fast fields, field norms) stay
//! mapped.
use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::HasLen;

/// The extensions of the files read by range: postings, positions, term dictionaries, stored
/// fields.
const READ_BY_RANGE: [&str; 4] = ["idx", "pos", "term", "store"];

/// The index's directory on disk.
#[derive(Clone, Debug)]
pub struct IndexFiles {
    root: PathBuf,
    mapped: MmapDirectory,
}

impl IndexFiles {
    pub fn open(root: &Path) -> Result<IndexFiles, OpenDirectoryError> {
        Ok(IndexFiles {
            root: root.to_path_buf(),
            mapped: MmapDirectory::open(root)?,
        })
    }
}

fn read_by_range(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| READ_BY_RANGE.contains(&e))
}

impl Directory for IndexFiles {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        if !read_by_range(path) {
            return self.mapped.get_file_handle(path);
        }
        let opened = File::open(self.root.join(path)).and_then(|file| {
            let len = file.metadata()?.len();
            let len = usize::try_from(len).map_err(io::Error::other)?;
            Ok(Ranges { file, len })
        });
        match opened {
            Ok(ranges) => Ok(Arc::new(ranges)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(OpenReadError::FileDoesNotExist(path.to_path_buf()))
            }
            Err(e) => Err(OpenReadError::wrap_io_error(e, path.to_path_buf())),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mapped.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mapped.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mapped.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mapped.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mapped.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mapped.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mapped.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mapped.watch(watch_callback)
    }
}

/// A file read a range at a time. tantivy's files are written once and never changed, so its
/// length is read at opening.
#[derive(Debug)]
struct Ranges {
    file: File,
    len: usize,
}

impl HasLen for Ranges {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for Ranges {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        // An empty range is one tantivy asks for (an empty posting list, say); past the end is
        // a damaged file.
        if range.end > self.len || range.start > range.end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("range {range:?} of a file of {} bytes", self.len),
            ));
        }
        let mut buf = vec![0; range.len()];
        self.file.read_exact_at(&mut buf, range.start as u64)?;
        Ok(OwnedBytes::new(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use tantivy::directory::TerminatingWrite;

    #[test]
    fn ranged_files_read_what_was_written_and_refuse_past_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let files = IndexFiles::open(dir.path()).unwrap();
        let path = Path::new("a.idx");
        let mut w = files.open_write(path).unwrap();
        w.write_all(b"0123456789").unwrap();
        w.terminate().unwrap();
        let h = files.get_file_handle(path).unwrap();
        assert_eq!(h.len(), 10);
        assert_eq!(h.read_bytes(2..5).unwrap().as_slice(), b"234");
        assert!(h.read_bytes(4..4).unwrap().is_empty());
        let past = h.read_bytes(8..11).unwrap_err();
        assert_eq!(past.kind(), io::ErrorKind::InvalidInput);
        assert!(matches!(
            files.get_file_handle(Path::new("missing.term")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
