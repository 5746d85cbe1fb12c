//! The part of zstd 0.9's API that sled 0.34 calls (`block::{compress, decompress}` and
//! `stream::decode_all`), answered by zstd 0.14. Both write and read standard zstd frames.
//!
//! sled calls these once per page it writes or reads from its file, so each thread keeps its
//! compression and decompression contexts: a new context per call (what zstd's one-shot calls
//! make) costs more than compressing a small page, and its tables are a megabyte of allocation.
use std::cell::RefCell;
use std::io;
use zstd14::bulk::{Compressor, Decompressor};

thread_local! {
    static COMPRESSOR: RefCell<Option<(i32, Compressor<'static>)>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

fn with_decompressor<T>(f: impl FnOnce(&mut Decompressor) -> io::Result<T>) -> io::Result<T> {
    DECOMPRESSOR.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_none() {
            *d = Some(Decompressor::new()?);
        }
        f(d.as_mut().expect("made above"))
    })
}

pub mod block {
    use super::{io, with_decompressor, Compressor, COMPRESSOR};

    /// One zstd frame of `source` at `level`, its size recorded in its header.
    pub fn compress(source: &[u8], level: i32) -> io::Result<Vec<u8>> {
        COMPRESSOR.with(|c| {
            let mut c = c.borrow_mut();
            match c.as_mut() {
                Some((l, _)) if *l == level => {}
                _ => *c = Some((level, Compressor::new(level)?)),
            }
            c.as_mut().expect("made above").1.compress(source)
        })
    }

    /// The content of one frame, at most `capacity` bytes.
    pub fn decompress(source: &[u8], capacity: usize) -> io::Result<Vec<u8>> {
        with_decompressor(|d| d.decompress(source, capacity))
    }
}

pub mod stream {
    use super::{io, with_decompressor, Decompressor};

    /// Everything the frames read from `source` hold. sled hands it one whole frame that
    /// records its size; anything else is read as a stream.
    pub fn decode_all<R: io::Read>(mut source: R) -> io::Result<Vec<u8>> {
        let mut frames = Vec::new();
        source.read_to_end(&mut frames)?;
        match Decompressor::upper_bound(&frames) {
            Some(size) => with_decompressor(|d| d.decompress(&frames, size)),
            None => zstd14::stream::decode_all(&frames[..]),
        }
    }
}
