//! The registry's full-text index, kept beside the store (tantivy): search with facets and
//! paging, and counts per facet of everything it holds.
//!
//! The index is derived data. It is fed only what is durable in the store, in the order it
//! became durable, and each commit carries the position of the store's change feed it covers
//! (`payload`), so at start it catches up from there, and a missing, damaged or foreign index is
//! rebuilt from the records. Only the engine's indexer writes it; searches read the last commit.
mod facets;
mod files;
mod grams;
mod query;
mod ranked;
mod schema;

pub use facets::{Facets, NO_INDUSTRY};
pub use query::{region_prefix, Filter};

use crate::domain::record::Record;
use facets::FacetCounts;
use files::IndexFiles;
use ranked::{Found, Ranked};
use schema::Fields;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;
use tantivy::collector::TopDocs;
use tantivy::indexer::LogMergePolicy;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, Term};

/// Bytes the index writer buffers before it writes a segment: tantivy's floor for one thread is
/// 15 MB; more only makes bigger first segments.
const WRITER_HEAP: usize = 20_000_000;

/// The commit payload's format: the layout name and version, then the feed position covered.
/// Version 2: term dictionaries are tantivy's sorted tables, not FSTs.
const PAYLOAD: &str = "sjdj-search/2";

/// How segments are merged: four of a like size at a time, sizes a level apart growing
/// fourfold (tantivy merges eight, levels 1.7-fold apart). A search pays for every segment
/// (a term looked up, a scorer set up in each), so at a million records this kept 8 or 9
/// segments where tantivy's default left 33; each record is merged about once more.
fn merge_policy() -> LogMergePolicy {
    let mut p = LogMergePolicy::default();
    p.set_min_num_segments(4);
    p.set_level_log_size(2.0);
    p
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    /// A page token this index never gave.
    #[error("page token {0:?} is not one this search gave")]
    PageToken(String),
    /// The index is being built from the store and answers nothing until it is.
    #[error("the search index is being built from the store")]
    Building,
}

/// What an opened index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Everything up to this feed position.
    Covers(u64),
    /// Nothing usable: it must be built from the store, for this reason.
    Empty(String),
}

/// One page of a search.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// The records' codes, best first (by code for an empty keyword).
    pub codes: Vec<String>,
    pub next: Option<String>,
    /// Every matching record counted, by facet.
    pub facets: Facets,
}

pub struct SearchIndex {
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    words: TextAnalyzer,
    /// The feed position the searchers cover, and a way to wait for it to grow.
    covered: (Mutex<u64>, Condvar),
    /// Set while the index is built from the store beside a serving node: what it holds then
    /// is neither the store nor any feed position.
    building: AtomicBool,
}

impl SearchIndex {
    /// Opens the index in `dir` (in memory when `None`), creating it when it is missing and
    /// replacing it when it cannot be read or was built by another layout.
    pub fn open(dir: Option<&Path>) -> Result<(SearchIndex, Opened), SearchError> {
        let (schema, fields) = Fields::schema();
        let (index, opened) = match dir {
            None => (
                Index::create_in_ram(schema),
                Opened::Empty("kept in memory".into()),
            ),
            Some(dir) => match existing(dir, &schema) {
                Ok(found) => found,
                Err(why) => (fresh(dir, schema)?, Opened::Empty(why)),
            },
        };
        register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_HEAP)?;
        writer.set_merge_policy(Box::new(merge_policy()));
        let covered = match &opened {
            Opened::Covers(n) => *n,
            Opened::Empty(_) => 0,
        };
        let words = index
            .tokenizers()
            .get(schema::WORDS)
            .expect("registered above");
        Ok((
            SearchIndex {
                fields,
                reader,
                writer: Mutex::new(writer),
                words,
                covered: (Mutex::new(covered), Condvar::new()),
                building: AtomicBool::new(false),
            },
            opened,
        ))
    }

    /// Replaces the documents of these codes (a `None` record removes the code) and commits,
    /// covering feed position `seq`.
    pub fn apply(
        &self,
        changes: impl IntoIterator<Item = (String, Option<Record>)>,
        seq: u64,
    ) -> Result<(), SearchError> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for (code, record) in changes {
            w.delete_term(Term::from_field_text(self.fields.code, &code));
            if let Some(r) = record {
                w.add_document(self.fields.document(&r))?;
            }
        }
        self.commit(&mut w, seq)
    }

    /// Replaces the whole index with these records, covering feed position `seq`.
    pub fn rebuild<E>(
        &self,
        records: impl IntoIterator<Item = Result<Record, E>>,
        seq: u64,
    ) -> Result<Result<u64, E>, SearchError> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        w.delete_all_documents()?;
        let mut n = 0;
        for r in records {
            match r {
                Ok(r) => w.add_document(self.fields.document(&r))?,
                Err(e) => {
                    w.rollback()?;
                    return Ok(Err(e));
                }
            };
            n += 1;
        }
        self.commit(&mut w, seq)?;
        Ok(Ok(n))
    }

    fn commit(&self, w: &mut IndexWriter, seq: u64) -> Result<(), SearchError> {
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&format!("{PAYLOAD} {seq}"));
        prepared.commit()?;
        self.reader.reload()?;
        let (n, grew) = &self.covered;
        *n.lock().unwrap_or_else(|p| p.into_inner()) = seq;
        grew.notify_all();
        Ok(())
    }

    /// Waits for the segment merges under way, and those they lead to, to end: an index built
    /// where no node serves is then left merged as a serving node's would be.
    pub fn settle(self) -> Result<(), SearchError> {
        let w = self.writer.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(w.wait_merging_threads()?)
    }

    /// Marks the index as being built (searches are refused) or built, waking who waits.
    pub fn set_building(&self, building: bool) {
        let (n, grew) = &self.covered;
        let _covered = n.lock().unwrap_or_else(|p| p.into_inner());
        self.building.store(building, Ordering::SeqCst);
        grew.notify_all();
    }

    /// Whether the index is being built, and answers no search.
    pub fn building(&self) -> bool {
        self.building.load(Ordering::SeqCst)
    }

    /// The feed position searches see.
    pub fn covered(&self) -> u64 {
        *self.covered.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until searches see feed position `seq` (and the index is built), at most
    /// `timeout`; whether they do.
    pub fn wait_for(&self, seq: u64, timeout: Duration) -> bool {
        let (n, grew) = &self.covered;
        let n = n.lock().unwrap_or_else(|p| p.into_inner());
        let (n, _) = grew
            .wait_timeout_while(n, timeout, |n| *n < seq || self.building())
            .unwrap_or_else(|p| p.into_inner());
        *n >= seq && !self.building()
    }

    /// Records indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One page of what `f` finds on `today`: `size` codes from `token` (a token this gave, or
    /// empty for the first page), with the counts of everything found.
    pub fn search(
        &self,
        f: &Filter,
        today: time::Date,
        size: usize,
        token: &str,
    ) -> Result<Hits, SearchError> {
        if self.building() {
            return Err(SearchError::Building);
        }
        let searcher = self.reader.searcher();
        let counts = FacetCounts {
            today: schema::julian(today),
        };
        let size = size.max(1);
        if f.keyword().is_empty() {
            // In code order, from the code after the last one given.
            let after = (!token.is_empty()).then_some(token);
            if after.is_some_and(|t| t.starts_with(RANKED)) {
                return Err(SearchError::PageToken(token.into()));
            }
            let q = query::build(&self.fields, f, today, after);
            let top = TopDocs::with_limit(size).order_by_string_fast_field("code", Order::Asc);
            // The counts are of everything found, not of what is left after the token: counted
            // with the page on the first one, apart (without the token) on the others.
            let (top, facets) = if after.is_some() {
                let all = query::build(&self.fields, f, today, None);
                (
                    searcher.search(&*q, &top)?,
                    searcher.search(&*all, &counts)?,
                )
            } else {
                searcher.search(&*q, &(top, counts))?
            };
            let codes: Vec<String> = top.into_iter().filter_map(|(c, _)| c).collect();
            let next = (codes.len() == size).then(|| codes[size - 1].clone());
            return Ok(Hits {
                codes,
                next,
                facets,
            });
        }
        // Best first: a token is the rank the page starts at.
        let offset = match token {
            "" => 0,
            t => t
                .strip_prefix(RANKED)
                .and_then(|n| n.parse::<usize>().ok())
                // Past every record is a rank no page gave (and would size the ranking's heap).
                .filter(|&n| n <= searcher.num_docs() as usize)
                .ok_or_else(|| SearchError::PageToken(t.into()))?,
        };
        let q = query::build(&self.fields, f, today, None);
        let (facets, found) = searcher.search(&*q, &(counts, Found))?;
        let ranking = query::ranking(&self.fields, &mut self.words.clone(), f, today);
        let page = Ranked {
            found,
            offset,
            size,
        };
        let top = page.collect(&searcher, &*ranking)?;
        let mut codes = Vec::with_capacity(top.len());
        for (_, at) in top {
            let segment = searcher.segment_reader(at.segment_ord);
            let column = segment.fast_fields().str("code")?;
            let mut code = String::new();
            if let Some(ord) = column.as_ref().and_then(|c| c.term_ords(at.doc_id).next()) {
                column
                    .as_ref()
                    .expect("an ordinal came from it")
                    .ord_to_str(ord, &mut code)
                    .map_err(|e| tantivy::TantivyError::IoError(e.into()))?;
            }
            codes.push(code);
        }
        let more = (offset + codes.len()) < facets.total as usize;
        let next = (more && !codes.is_empty()).then(|| format!("{RANKED}{}", offset + codes.len()));
        Ok(Hits {
            codes,
            next,
            facets,
        })
    }

    /// Counts of every record by facet, statuses on `today`.
    pub fn counts(&self, today: time::Date) -> Result<Facets, SearchError> {
        if self.building() {
            return Err(SearchError::Building);
        }
        let counts = FacetCounts {
            today: schema::julian(today),
        };
        Ok(self
            .reader
            .searcher()
            .search(&tantivy::query::AllQuery, &counts)?)
    }
}

/// A ranked page token starts with this (a code never does), then the rank.
const RANKED: &str = "@";

/// The index in `dir` and what it covers, or why it cannot be used.
fn existing(dir: &Path, schema: &tantivy::schema::Schema) -> Result<(Index, Opened), String> {
    if !dir.join("meta.json").exists() {
        return Err("no index yet".into());
    }
    let files = IndexFiles::open(dir).map_err(|e| format!("unreadable: {e}"))?;
    let index = Index::open(files).map_err(|e| format!("unreadable: {e}"))?;
    if index.schema() != *schema {
        return Err("built with another schema".into());
    }
    let metas = index.load_metas().map_err(|e| format!("unreadable: {e}"))?;
    let seq = metas
        .payload
        .as_deref()
        .and_then(|p| p.strip_prefix(PAYLOAD))
        .and_then(|p| p.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("no position it covers ({:?})", metas.payload))?;
    Ok((index, Opened::Covers(seq)))
}

/// A new, empty index in `dir`, whatever was there before.
fn fresh(dir: &Path, schema: tantivy::schema::Schema) -> Result<Index, SearchError> {
    let io = |source| SearchError::Dir {
        path: dir.display().to_string(),
        source,
    };
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io)?;
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    let files = IndexFiles::open(dir).map_err(|e| SearchError::Index(e.into()))?;
    Ok(Index::create(files, schema, Default::default())?)
}

fn register(index: &Index) {
    for grams in [grams::CharGrams::ALL, grams::CharGrams::LONGEST] {
        index.tokenizers().register(grams.name(), grams);
    }
    index
        .tokenizers()
        .register(schema::WORDS, tantivy_jieba::JiebaTokenizer::new());
}

/// Where a node keeps its index: beside its store.
pub fn default_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
