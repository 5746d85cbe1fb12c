//! The search index's feed and its one writer.
//!
//! The feed: a group that writes records also writes, in the same batch, its position in the
//! feed (`meta/search_feed`) and one `ixc/{position}` key naming the records it changed. Once the
//! flusher has made the group durable it hands the group's record values to the indexer
//! thread, which commits them to the index with that position. So the index only ever holds
//! durable states, in the order they became durable, and at start it catches up from the
//! position of its last commit by reading the changed codes off the feed keys.
use super::EngineError;
use crate::domain::record::Record;
use crate::search::{Opened, SearchError, SearchIndex};
use crate::store::{codec, keys, Store};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The records one group changed, at its feed position: the values it wrote (`None`: removed).
pub(super) struct Feed {
    pub seq: u64,
    pub changes: Vec<(String, Option<Vec<u8>>)>,
}

fn position_key() -> Vec<u8> {
    keys::meta("search_feed")
}

/// The last feed position a store holds (0: none yet).
fn last_position(value: Option<Vec<u8>>) -> Result<u64, EngineError> {
    match value {
        None => Ok(0),
        Some(b) => {
            Ok(u64::from_be_bytes(b.as_slice().try_into().map_err(
                |_| EngineError::corrupt(&position_key(), "not 8 bytes"),
            )?))
        }
    }
}

/// Adds the feed keys of a group's writes to them, when it changed records.
pub(super) fn stage(
    pending: &mut HashMap<Vec<u8>, Option<Vec<u8>>>,
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, EngineError>,
) -> Result<Option<Feed>, EngineError> {
    let changes: Vec<(String, Option<Vec<u8>>)> = pending
        .iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix(keys::RECORD_PREFIX)?;
            Some((String::from_utf8_lossy(code).into_owned(), v.clone()))
        })
        .collect();
    if changes.is_empty() {
        return Ok(None);
    }
    let seq = last_position(get(&position_key())?)? + 1;
    let codes: Vec<&str> = changes.iter().map(|(code, _)| code.as_str()).collect();
    pending.insert(
        keys::record_changes(seq),
        Some(codec::encode_compact(&codes)),
    );
    pending.insert(position_key(), Some(seq.to_be_bytes().to_vec()));
    Ok(Some(Feed { seq, changes }))
}

fn decode(code: &str, value: Option<Vec<u8>>) -> Option<Record> {
    let key = keys::record(code);
    let bytes = value?;
    match codec::decode::<Record>(&key, &bytes) {
        Ok(r) => Some(r),
        Err(e) => {
            // Unreadable here is unreadable for every read too: it is not offered to searches.
            tracing::error!(code, error = %e, "a record the search index was fed does not decode");
            None
        }
    }
}

impl From<SearchError> for EngineError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::PageToken(t) => crate::domain::flow::Refusal::invalid(
                "PAGE_TOKEN_INVALID",
                format!(
                    "page token {} is not one this search gave",
                    crate::domain::flow::echo(&t)
                ),
            )
            .into(),
            SearchError::Building => EngineError::SearchBuilding,
            other => EngineError::Internal(other.to_string()),
        }
    }
}

/// A build of the whole index from the store, left to the indexer thread.
pub(super) struct Rebuild {
    /// The feed position the store was at when the node opened it.
    last: u64,
    why: String,
}

/// Opens the index beside the store and brings it to the store's feed position: the changes
/// since its last commit, or every record when it is new, damaged or ahead of the store (a
/// store restored from an older backup). Returns it with that position. A build of every
/// record is left to the indexer thread when `in_background` (the index refuses searches until
/// it is done), else done here.
pub(super) fn open(
    store: &dyn Store,
    dir: Option<&std::path::Path>,
    in_background: bool,
) -> Result<(SearchIndex, u64, Option<Rebuild>), EngineError> {
    let last = last_position(store.get(&position_key())?)?;
    let (index, opened) = SearchIndex::open(dir)?;
    let why = match opened {
        Opened::Covers(n) if n == last => return Ok((index, last, None)),
        Opened::Covers(n) if n < last => {
            let codes = changed_since(store, n)?;
            let mut changes = Vec::with_capacity(codes.len());
            for code in codes {
                let value = store.get(&keys::record(&code))?;
                let record = decode(&code, value);
                changes.push((code, record));
            }
            tracing::info!(
                from = n,
                to = last,
                records = changes.len(),
                "search index caught up"
            );
            index.apply(changes, last)?;
            return Ok((index, last, None));
        }
        Opened::Empty(why) => why,
        Opened::Covers(n) => format!("it covers feed position {n}, past the store's {last}"),
    };
    let rebuild = Rebuild { last, why };
    if in_background {
        tracing::warn!(
            why = rebuild.why,
            "the search index is built from the store beside the serving node: searches are \
             answered UNAVAILABLE (SEARCH_INDEX_BUILDING) until it is built"
        );
        index.set_building(true);
        return Ok((index, last, Some(rebuild)));
    }
    build(&index, store, &rebuild, dir.is_some())?;
    Ok((index, last, None))
}

/// Builds the whole index from the store's records, covering the position the store was
/// opened at. A value the scan reads may be of a group the flusher has not made durable yet
/// (the writer goes on while a build runs beside it), so the store is flushed before the
/// commit: the index then holds only durable states, and the groups after that position come
/// through the feed, in order.
fn build(
    index: &SearchIndex,
    store: &dyn Store,
    r: &Rebuild,
    logged: bool,
) -> Result<(), EngineError> {
    let began = std::time::Instant::now();
    let flushed =
        std::iter::once_with(|| store.flush()).filter_map(|f| f.err().map(|e| Err(e.into())));
    let n = index.rebuild(records(store).chain(flushed), r.last)??;
    index.set_building(false);
    if logged {
        tracing::info!(
            records = n,
            seconds = began.elapsed().as_secs_f64(),
            why = r.why,
            "search index built from the store"
        );
    }
    Ok(())
}

/// Every record in the store, in code order, read a chunk at a time.
pub(super) fn records(store: &dyn Store) -> impl Iterator<Item = Result<Record, EngineError>> + '_ {
    let mut chunk: std::collections::VecDeque<(Vec<u8>, Vec<u8>)> = Default::default();
    let mut cursor: Option<Vec<u8>> = None;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if let Some((k, v)) = chunk.pop_front() {
            return Some(codec::decode::<Record>(&k, &v).map_err(EngineError::from));
        }
        if done {
            return None;
        }
        match store.scan(keys::RECORD_PREFIX, cursor.as_deref(), 1024) {
            Ok(next) => {
                done = next.len() < 1024;
                cursor = next.last().map(|(k, _)| k.clone());
                chunk.extend(next);
            }
            Err(e) => {
                done = true;
                return Some(Err(e.into()));
            }
        }
    })
}

/// The codes the feed names after position `n`: in one key a group, or in the key a record
/// that stores written before hold.
fn changed_since(store: &dyn Store, n: u64) -> Result<BTreeSet<String>, EngineError> {
    // Past position `n`'s group key and every `ixc/{n}/{code}`: `/` sorts below 0xff.
    let mut after = keys::record_changes(n);
    after.push(0xff);
    let mut codes = BTreeSet::new();
    // `ixc/` and 8 bytes of position; then nothing, or `/` and the code.
    let at = keys::RECORD_CHANGE_PREFIX.len() + 8;
    loop {
        let chunk = store.scan(keys::RECORD_CHANGE_PREFIX, Some(&after), 256)?;
        let Some((last, _)) = chunk.last() else {
            return Ok(codes);
        };
        after = last.clone();
        for (k, v) in &chunk {
            match k.get(at..) {
                Some([]) => codes.extend(codec::decode::<Vec<String>>(k, v)?),
                Some([b'/', code @ ..]) => {
                    codes.insert(String::from_utf8_lossy(code).into_owned());
                }
                _ => return Err(EngineError::corrupt(k, "not a search feed key")),
            }
        }
    }
}

/// Starts the indexer thread: it builds the index first when `rebuild` says so (the feed
/// waiting meanwhile), then takes durable groups' changes as they come, several at a time when
/// they queue, and commits them.
pub(super) fn spawn(
    index: Arc<SearchIndex>,
    store: crate::store::DynStore,
    rebuild: Option<Rebuild>,
) -> std::sync::mpsc::Sender<Feed> {
    let (tx, rx) = std::sync::mpsc::channel::<Feed>();
    std::thread::Builder::new()
        .name("sjdj-indexer".into())
        .spawn(move || {
            if let Some(r) = rebuild {
                if let Err(e) = build(&index, store.as_ref(), &r, true) {
                    // Nothing was committed: the index stays refusing searches, and the next
                    // start builds it again.
                    tracing::error!(
                        error = %e,
                        "the search index could not be built: searches stay unavailable until \
                         the node is restarted"
                    );
                    return;
                }
            }
            while let Ok(first) = rx.recv() {
                let mut seq = first.seq;
                let mut latest: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
                for feed in std::iter::once(first).chain(rx.try_iter()) {
                    seq = seq.max(feed.seq);
                    latest.extend(feed.changes);
                }
                let changes = latest.into_iter().map(|(code, v)| {
                    let r = decode(&code, v);
                    (code, r)
                });
                if let Err(e) = index.apply(changes, seq) {
                    // The commit did not happen: the next start catches up from the last one.
                    tracing::error!(error = %e, seq, "the search index could not take a commit");
                }
            }
        })
        .expect("spawn the indexer thread");
    tx
}

#[cfg(test)]
#[path = "indexer_tests.rs"]
mod tests;
