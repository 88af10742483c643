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

    /// Every pair of near-duplicate live documents, each once, with the lanes their
    /// signatures agree on.
    pub(super) fn pairs(&self) -> Vec<(DocAddress, DocAddress, usize)> {
        // Candidates share a band of four lanes exactly (locality-sensitive hashing): a pair
        // with a Jaccard similarity of three quarters shares one of 16 bands with
        // probability 1 − (1 − 0.75⁴)¹⁶ = 0.998. Candidates are then checked on all lanes.
        let mut signed = Vec::new();
        self.for_each_signed(|signature, address| signed.push((signature, address)));
        let mut pairs = std::collections::BTreeSet::new();
        for band in 0..LANES / 4 {
            let mut buckets: HashMap<u32, Vec<usize>> = HashMap::new();
            for (i, (signature, _)) in signed.iter().enumerate() {
                buckets.entry(signature.band(band)).or_default().push(i);
            }
            for members in buckets.values() {
                for (k, &i) in members.iter().enumerate() {
                    for &j in &members[k + 1..] {
                        let ((a, at), (b, bt)) = (&signed[i], &signed[j]);
                        if a.near(b) {
                            pairs.insert((*at, *bt, a.agreement(b)));
                        }
                    }
                }
            }
        }
        pairs.into_iter().collect()
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

    /// Every pair of near-duplicate articles (by id, each pair once) with the lanes their
    /// signatures agree on, and the number of groups they form (articles linked by a
    /// chain of pairs are one group).
    pub fn near_duplicates(&self) -> Result<NearDuplicates> {
        let searcher = self.reader.searcher();
        let pairs = self.signatures(&searcher)?.pairs();
        // Groups: connected components, by union-find over the paired documents.
        let mut parent: HashMap<DocAddress, DocAddress> = HashMap::new();
        fn root(parent: &mut HashMap<DocAddress, DocAddress>, at: DocAddress) -> DocAddress {
            let mut top = at;
            while let Some(&up) = parent.get(&top).filter(|&&up| up != top) {
                top = up;
            }
            parent.insert(at, top);
            top
        }
        for &(a, b, _) in &pairs {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent.insert(ra.max(rb), ra.min(rb));
        }
        let articles = parent.len();
        let keys: Vec<DocAddress> = parent.keys().copied().collect();
        let groups = keys
            .into_iter()
            .map(|at| root(&mut parent, at))
            .collect::<std::collections::HashSet<_>>()
            .len();
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
            groups,
            articles,
        })
    }
}

/// The near-duplicates of an index (see [`ArticleSearcher::near_duplicates`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NearDuplicates {
    /// Pairs of ids and the lanes (of [`LANES`]) their signatures agree on.
    pub pairs: Vec<(String, String, usize)>,
    /// Groups of articles linked by pairs.
    pub groups: usize,
    /// Articles in a group.
    pub articles: usize,
}
