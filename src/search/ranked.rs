//! A ranked page in two passes. The first, unscored, counts everything found and keeps which
//! documents of each segment those are ([`Found`]); the second ranks only those ([`Ranked`]),
//! scoring the keyword's terms alone, a union of terms whose best `k` tantivy finds by
//! block-max WAND, skipping the blocks of documents that cannot make the page. Scoring every
//! document a common keyword finds, as one pass must, took most of such a search's time at a
//! million records.
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentReader;
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{BitSet, DocAddress, DocId, Score};

/// The documents a query matches, by segment.
pub struct Found;

pub struct FoundInSegment {
    segment: u32,
    docs: BitSet,
}

impl Collector for Found {
    type Fruit = HashMap<u32, BitSet>;
    type Child = FoundInSegment;

    fn for_segment(&self, segment: u32, reader: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(FoundInSegment {
            segment,
            docs: BitSet::with_max_value(reader.max_doc()),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(u32, BitSet)>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().collect())
    }
}

impl SegmentCollector for FoundInSegment {
    type Fruit = (u32, BitSet);

    fn collect(&mut self, doc: DocId, _: Score) {
        self.docs.insert(doc);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for &doc in docs {
            self.docs.insert(doc);
        }
    }

    fn harvest(self) -> (u32, BitSet) {
        (self.segment, self.docs)
    }
}

/// The documents ranked `offset..offset + size` by score among those `found`, best first; equal
/// scores in document order.
pub struct Ranked {
    pub found: HashMap<u32, BitSet>,
    pub offset: usize,
    pub size: usize,
}

/// A scored document, ordered best first.
#[derive(Clone, Copy, PartialEq)]
struct Hit {
    score: Score,
    at: DocAddress,
}

impl Eq for Hit {}

impl Ord for Hit {
    fn cmp(&self, other: &Hit) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.at.cmp(&other.at))
    }
}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Hit) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub struct RankedInSegment<'a> {
    segment: u32,
    found: Option<&'a BitSet>,
    keep: usize,
    /// The worst kept on top.
    best: BinaryHeap<Hit>,
}

impl RankedInSegment<'_> {
    /// The score a document must pass to be kept, once the heap is full.
    fn threshold(&self) -> Score {
        match self.best.peek() {
            Some(worst) if self.best.len() == self.keep => worst.score,
            _ => Score::MIN,
        }
    }

    fn offer(&mut self, doc: DocId, score: Score) {
        if self.keep == 0 || !self.found.is_some_and(|f| f.contains(doc)) {
            return;
        }
        let hit = Hit {
            score,
            at: DocAddress::new(self.segment, doc),
        };
        if self.best.len() < self.keep {
            self.best.push(hit);
        } else if self.best.peek().is_some_and(|worst| hit < *worst) {
            self.best.pop();
            self.best.push(hit);
        }
    }
}

impl Ranked {
    fn segment(&self, segment: u32) -> RankedInSegment<'_> {
        RankedInSegment {
            segment,
            found: self.found.get(&segment),
            keep: self.offset + self.size,
            best: BinaryHeap::new(),
        }
    }

    /// The page, from every segment's best.
    fn page(&self, segments: Vec<Vec<Hit>>) -> Vec<(Score, DocAddress)> {
        let mut all: Vec<Hit> = segments.into_iter().flatten().collect();
        all.sort_unstable();
        all.into_iter()
            .skip(self.offset)
            .take(self.size)
            .map(|h| (h.score, h.at))
            .collect()
    }

    /// The page of what `query` scores: each segment's best, pruned (the documents not found
    /// are never kept, so they never raise the bar), merged.
    pub fn collect(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        let mut segments = Vec::new();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            segments.push(self.best_of(&*weight, ord as u32, reader)?);
        }
        Ok(self.page(segments))
    }

    fn best_of(
        &self,
        weight: &dyn Weight,
        segment: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<Hit>> {
        let mut seg = self.segment(segment);
        // Nothing found here: nothing to score (the keyword's words may still be everywhere).
        if seg.found.is_none_or(|f| f.len() == 0) || seg.keep == 0 {
            return Ok(Vec::new());
        }
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            seg.offer(doc, score);
            seg.threshold()
        })?;
        Ok(seg.best.into_vec())
    }
}
