//! Folding near-duplicate hits: the same story told by several feeds is shown once, as its
//! best-ranked telling, with the others listed as its duplicates ("+N similar").
//!
//! Signatures are read from the `_minhash.*` columns ([`crate::signature`]). Folding is
//! greedy in rank order: a hit near an earlier group's leader joins that group, any other
//! hit leads a group of its own (Elasticsearch's `collapse` and Meilisearch's `distinct`
//! keep the best hit per key the same way; here the key is "near the leader's signature").

use std::collections::HashMap;

use tantivy::columnar::Column;
use tantivy::fastfield::AliveBitSet;
use tantivy::{DocAddress, Searcher};

use super::stored::ReadArticles;
use super::{ArticleSearcher, StoredArticle};
use crate::error::{Error, Result};
use crate::schema::SIGNATURE_FIELD_PREFIX;
use crate::signature::{shingle_similarity, Signature, LANES, MIN_SIMILARITY, WORDS};

/// The signature columns of each segment of a searcher, and which documents are alive.
pub(super) struct Signatures {
    /// Per segment, its columns (none for a segment written without them).
    columns: Vec<Option<Vec<Column<u64>>>>,
    alive: Vec<Option<AliveBitSet>>,
}

impl Signatures {
    /// The columns of `searcher`'s segments.
    pub(super) fn new(searcher: &Searcher) -> Result<Signatures> {
        let mut columns = Vec::new();
        for segment in searcher.segment_readers() {
            let words = (0..WORDS)
                .map(|word| {
                    let name = format!("{SIGNATURE_FIELD_PREFIX}{word}");
                    segment.fast_fields().u64(&name)
                })
                .collect::<tantivy::Result<Vec<_>>>();
            columns.push(match words {
                Ok(words) => Some(words),
                Err(tantivy::TantivyError::FieldNotFound(_)) => None,
                Err(e) => return Err(Error::reading("reading signatures", e)),
            });
        }
        let alive = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.alive_bitset().cloned())
            .collect();
        Ok(Signatures { columns, alive })
    }

    /// The signature of the document at `address` ([`Signature::NONE`] when it has none).
    pub(super) fn of(&self, address: DocAddress) -> Signature {
        let Some(Some(columns)) = self.columns.get(address.segment_ord as usize) else {
            return Signature::NONE;
        };
        let mut words = [0u64; WORDS];
        for (word, column) in words.iter_mut().zip(columns) {
            *word = column.first(address.doc_id).unwrap_or(0);
        }
        Signature::from_words(words)
    }

    /// Calls `each` with every live document's signature, where it has one.
    fn for_each_signed(&self, mut each: impl FnMut(Signature, DocAddress)) {
        for (segment, (columns, alive)) in self.columns.iter().zip(&self.alive).enumerate() {
            let Some(columns) = columns else { continue };
            let docs = columns.first().map_or(0, |column| column.num_docs());
            for doc in 0..docs {
                if alive.as_ref().is_some_and(|alive| !alive.is_alive(doc)) {
                    continue;
                }
                let address = DocAddress::new(segment as u32, doc);
                let signature = self.of(address);
                if signature.is_some() {
                    each(signature, address);
                }
            }
        }
    }

    /// Every live document near `signature`, in index order.
    pub(super) fn near(&self, signature: &Signature) -> Vec<DocAddress> {
        let mut near = Vec::new();
        self.for_each_signed(|other, address| {
            if signature.near(&other) {
                near.push(address);
            }
        });
        near
    }

    /// Calls `each` with every pair of near-duplicate live documents, each pair once (the
    /// first in index order first), and the lanes their signatures agree on; a document is
    /// also given as its place among the signed ones (`0..signed`, for [`Groups`]). Returns
    /// how many documents are signed.
    pub(super) fn for_each_pair(&self, mut each: impl FnMut(Pair)) -> usize {
        // Candidates share a band of four lanes exactly (locality-sensitive hashing): a pair
        // with a Jaccard similarity of three quarters shares one of 16 bands with
        // probability 1 − (1 − 0.75⁴)¹⁶ = 0.998. Candidates are then checked on all lanes,
        // once: in the first band they share. (A story told a thousand times is half a
        // million pairs: nothing is kept per pair.)
        let mut signed = Vec::new();
        self.for_each_signed(|signature, address| signed.push((signature, address)));
        for band in 0..LANES / 4 {
            let mut buckets: HashMap<u32, Vec<usize>> = HashMap::new();
            for (i, (signature, _)) in signed.iter().enumerate() {
                buckets.entry(signature.band(band)).or_default().push(i);
            }
            for members in buckets.values().filter(|members| members.len() > 1) {
                for (k, &i) in members.iter().enumerate() {
                    for &j in &members[k + 1..] {
                        let ((a, at), (b, bt)) = (&signed[i], &signed[j]);
                        let met_before =
                            (0..band).any(|earlier| a.band(earlier) == b.band(earlier));
                        if !met_before && a.near(b) {
                            each(Pair {
                                places: (i, j),
                                addresses: (*at, *bt),
                                agreement: a.agreement(b),
                            });
                        }
                    }
                }
            }
        }
        signed.len()
    }
}

/// A hit and the hits folded into it.
#[derive(Debug, Clone)]
pub(super) struct Folded<T> {
    /// The best-ranked of the group.
    pub(super) leader: T,
    /// The others, in rank order.
    pub(super) duplicates: Vec<DocAddress>,
}

impl<T> Folded<T> {
    /// A hit with nothing folded into it.
    pub(super) fn alone(leader: T) -> Folded<T> {
        Folded {
            leader,
            duplicates: Vec::new(),
        }
    }
}

/// Folds `ranked` (best first) into groups of near-duplicates, in the order of their
/// leaders; stops once it has `groups` groups and has looked at `looked` hits (the rest
/// could only add duplicates to groups past the page).
pub(super) fn fold<T>(
    ranked: Vec<T>,
    address: impl Fn(&T) -> DocAddress,
    signatures: &Signatures,
    (groups_wanted, looked): (usize, usize),
    confirm: &mut dyn FnMut(DocAddress, DocAddress) -> bool,
) -> Vec<Folded<T>> {
    let mut groups: Vec<Folded<T>> = Vec::with_capacity(groups_wanted);
    let mut leaders: Vec<(Signature, DocAddress)> = Vec::with_capacity(groups_wanted);
    for (seen, hit) in ranked.into_iter().enumerate() {
        if seen >= looked && groups.len() >= groups_wanted {
            break;
        }
        let at = address(&hit);
        let signature = signatures.of(at);
        let near = leaders
            .iter()
            .position(|(leader, led)| leader.near(&signature) && confirm(*led, at));
        match near {
            Some(group) => groups[group].duplicates.push(at),
            None => {
                leaders.push((signature, at));
                groups.push(Folded {
                    leader: hit,
                    duplicates: Vec::new(),
                });
            }
        }
    }
    groups
}

impl ArticleSearcher {
    /// Whether two articles whose signatures agree really share most of their text
    /// ([`MIN_SIMILARITY`] of their shingles): the bodies are read (and kept in `read` for
    /// the hits that show them). An article that cannot be read is not folded.
    pub(super) fn same_story(
        &self,
        searcher: &Searcher,
        a: DocAddress,
        b: DocAddress,
        read: &ReadArticles,
    ) -> bool {
        let body = |address: DocAddress| -> Option<std::rc::Rc<StoredArticle>> {
            if let Some(article) = read.get(address) {
                return Some(article);
            }
            let article = std::rc::Rc::new(self.read_stored(searcher, address).ok()?);
            read.keep(address, std::rc::Rc::clone(&article));
            Some(article)
        };
        match (body(a), body(b)) {
            (Some(a), Some(b)) => shingle_similarity(&a.body, &b.body) >= MIN_SIMILARITY,
            _ => false,
        }
    }

    /// The signature columns of `searcher` (this searcher's reader's), opened once.
    pub(super) fn signatures(&self, searcher: &Searcher) -> Result<&Signatures> {
        if self.signatures.get().is_none() {
            // Another thread may set it meanwhile: the same columns either way.
            let _ = self.signatures.set(Signatures::new(searcher)?);
        }
        Ok(self.signatures.get().expect("set above"))
    }

    /// The ids of the articles that are near-duplicates of the one with this id (itself
    /// not included), in index order; `None` when no article has the id.
    pub fn duplicates(&self, id_or_path: &str) -> Result<Option<Vec<String>>> {
        let searcher = self.reader.searcher();
        let Some(address) = self.find(&searcher, id_or_path)? else {
            return Ok(None);
        };
        let signatures = self.signatures(&searcher)?;
        let read = ReadArticles::default();
        signatures
            .near(&signatures.of(address))
            .into_iter()
            .filter(|&other| other != address && self.same_story(&searcher, address, other, &read))
            .map(|other| self.one_id(&searcher, other))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// Every pair of near-duplicate articles (by id, each pair once, in index order) with
    /// the lanes their signatures agree on, and the groups they form.
    pub fn near_duplicates(&self) -> Result<NearDuplicates> {
        let searcher = self.reader.searcher();
        let mut pairs = Vec::new();
        let mut places = Vec::new();
        let signed = self.signatures(&searcher)?.for_each_pair(|pair| {
            places.push(pair.places);
            let (a, b) = pair.addresses;
            pairs.push((a, b, pair.agreement));
        });
        let mut groups = Groups::new(signed);
        for (a, b) in places {
            groups.join(a, b);
        }
        pairs.sort_unstable();
        let pairs = pairs
            .into_iter()
            .map(|(a, b, agreement)| {
                Ok((
                    self.id_of(&searcher, a)?,
                    self.id_of(&searcher, b)?,
                    agreement,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(NearDuplicates {
            pairs,
            counts: groups.counts(),
        })
    }

    /// How many pairs of near-duplicate articles there are and the groups they form, without
    /// listing them.
    pub fn near_duplicate_counts(&self) -> Result<NearDuplicateCounts> {
        let searcher = self.reader.searcher();
        let signatures = self.signatures(&searcher)?;
        let mut places = Vec::new();
        let signed = signatures.for_each_pair(|pair| places.push(pair.places));
        let mut groups = Groups::new(signed);
        for (a, b) in places {
            groups.join(a, b);
        }
        Ok(groups.counts())
    }
}

/// A pair of near-duplicate documents.
pub(super) struct Pair {
    /// Their places among the signed documents.
    places: (usize, usize),
    addresses: (DocAddress, DocAddress),
    /// The lanes their signatures agree on.
    agreement: usize,
}

/// Articles linked by a chain of pairs are one group: union-find over the signed
/// documents' places (halving paths, the smaller place the root).
struct Groups {
    parent: Vec<usize>,
    pairs: usize,
}

impl Groups {
    fn new(signed: usize) -> Groups {
        Groups {
            parent: (0..signed).collect(),
            pairs: 0,
        }
    }

    fn root(&mut self, mut at: usize) -> usize {
        while self.parent[at] != at {
            self.parent[at] = self.parent[self.parent[at]];
            at = self.parent[at];
        }
        at
    }

    fn join(&mut self, a: usize, b: usize) {
        self.pairs += 1;
        let (ra, rb) = (self.root(a), self.root(b));
        self.parent[ra.max(rb)] = ra.min(rb);
    }

    fn counts(mut self) -> NearDuplicateCounts {
        let mut size = vec![0usize; self.parent.len()];
        for at in 0..self.parent.len() {
            let root = self.root(at);
            size[root] += 1;
        }
        NearDuplicateCounts {
            pairs: self.pairs,
            groups: size.iter().filter(|&&n| n > 1).count(),
            articles: size.iter().filter(|&&n| n > 1).sum(),
        }
    }
}

/// The near-duplicates of an index (see [`ArticleSearcher::near_duplicates`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NearDuplicates {
    /// Pairs of ids and the lanes (of [`LANES`]) their signatures agree on.
    pub pairs: Vec<(String, String, usize)>,
    /// How many pairs, groups and articles in a group.
    pub counts: NearDuplicateCounts,
}

/// How many near-duplicates an index holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NearDuplicateCounts {
    /// Pairs of near-duplicate articles.
    pub pairs: usize,
    /// Groups of articles linked by pairs.
    pub groups: usize,
    /// Articles in a group.
    pub articles: usize,
}
