//! Identity matching end to end: [`dedupe`] one roster into people, or
//! [`link`] new rows against an [`Index`] of people already known, with an
//! [`Explanation`] for any pair.
//!
//! Both train the model on the data at hand (no labels): `u` from random
//! pairs, `m` and the prior by EM over the blocked pairs. A pair whose
//! probability reaches [`Config::auto_link`] is linked automatically; one
//! between [`Config::review`] and that waits for a person (the review
//! queue); below, the records are taken as different people.
//!
//! Deduplication clusters the automatic links by complete linkage at the
//! auto-link threshold: two groups join only if every pair across them
//! would be linked automatically on its own (see [`crate::cluster`]). A
//! weaker guard (every pair above the review threshold) let a strong link
//! chain a third record onto a pair; at a million rows those triples were
//! a fifth of the wrong pairs. Links the guard holds back go to review.
//!
//! Scoring works on the records sorted for memory locality (see
//! `sort_for_locality`) and on both cores; results name input positions and
//! do not depend on the number of threads.
//!
//! These are the entry points the store integration builds on: `import`
//! keeps an [`Index`] of registered people, calls [`link`] with the incoming
//! rows and records each [`Decision`] as an event; `review show` prints
//! [`Scorer::explain`] for the pair.

use crate::block::{Blocking, Rule, candidates, rule_candidates};
use crate::cluster::{Link, cluster};
use crate::compare::{
    DIFFERENT, EXACT, FIELDS, Field, Memo, N_FIELDS, Vector, compare, decode, encode,
};
use crate::custody::CustodyWeights;
use crate::model::{
    Fit, Free, Params, TermFrequencies, em, level_frequencies, probability, weight_of,
};
use crate::par;
use crate::prepare::{Prepared, Vocab, prepare_all};
use rollcall_core::person::PersonRecord;
use std::cell::RefCell;
use std::collections::HashMap;

/// Matching settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Probability at or above which a pair is linked without review.
    pub auto_link: f64,
    /// Probability at or above which a pair not linked goes to review.
    pub review: f64,
    /// Blocking settings.
    pub blocking: Blocking,
    /// Threads to use (the caller knows the machine).
    pub threads: usize,
    /// Seed for the random pairs that estimate `u`.
    pub seed: u64,
    /// How many random pairs estimate `u`.
    pub u_samples: usize,
    /// EM iterations at most.
    pub em_iterations: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            auto_link: 0.95,
            review: 0.5,
            blocking: Blocking::default(),
            threads: 1,
            seed: 0x5eed,
            u_samples: 500_000,
            em_iterations: 200,
        }
    }
}

/// Fewest document-blocked pairs worth training on.
const MIN_DOCUMENT_PAIRS: usize = 200;

/// Fields whose exact matches are adjusted by term frequency.
const TF_FIELDS: [Field; 5] = [
    Field::Given,
    Field::Father,
    Field::Grandfather,
    Field::Family,
    Field::Mother,
];

/// A trained model with what it needs to score prepared records.
#[derive(Debug, Clone)]
pub struct Scorer {
    /// The fitted parameters.
    pub params: Params,
    /// How EM ended.
    pub fit: Fit,
    tf: Vec<(Field, TermFrequencies)>,
    random_u: Vec<Vec<f64>>,
}

/// One field's part in a pair's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The field.
    pub field: Field,
    /// Its level, `None` when either record does not know it.
    pub level: Option<u8>,
    /// The level's name ("exact", "a year apart", …), or "unknown".
    pub level_name: &'static str,
    /// Weight added by this field, term-frequency adjustment included.
    pub weight: f64,
    /// The term-frequency part of `weight` (0 unless an exact name match).
    pub term_frequency: f64,
}

/// Why a pair scored as it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Total match weight (log2 odds).
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
    /// The prior's part of the weight.
    pub prior: f64,
    /// Every field's part.
    pub fields: Vec<Contribution>,
    /// Where the known person is held, when that was evidence (linking
    /// rows into a custodian's hands; see [`crate::custody`]).
    pub custody: Option<CustodyPart>,
}

/// The custody field's part in a pair's weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustodyPart {
    /// Whether the known person is held by the row's custodian.
    pub same: bool,
    /// Weight added (included in [`Explanation::weight`]).
    pub weight: f64,
}

impl CustodyPart {
    /// The level's name, as explanations print it.
    pub fn level_name(&self) -> &'static str {
        if self.same {
            "same custodian"
        } else {
            "another custodian"
        }
    }
}

impl Explanation {
    /// The match probability in millionths, as the ledger records it.
    pub fn probability_ppm(&self) -> rollcall_core::review::Ppm {
        ppm(self.probability)
    }

    /// Each field that either record knows, as the ledger records the
    /// evidence: column, level and weight in hundredths of a bit.
    pub fn evidence(&self) -> Vec<rollcall_core::review::FieldEvidence> {
        let centibits = |w: f64| {
            (w * 100.0)
                .round()
                .clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
        };
        self.fields
            .iter()
            .filter(|c| c.level.is_some())
            .map(|c| rollcall_core::review::FieldEvidence {
                field: c.field.column().to_string(),
                level: c.level_name.to_string(),
                weight_centibits: centibits(c.weight),
            })
            .chain(self.custody.map(|c| rollcall_core::review::FieldEvidence {
                field: "custodian".to_string(),
                level: c.level_name().to_string(),
                weight_centibits: centibits(c.weight),
            }))
            .collect()
    }
}

/// A probability in millionths (clamped to 0..=1).
pub fn ppm(probability: f64) -> rollcall_core::review::Ppm {
    let p = if probability.is_finite() {
        probability.clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p * f64::from(rollcall_core::review::PPM_ONE)).round() as rollcall_core::review::Ppm
}

fn field_token(r: &Prepared, f: Field) -> Option<u32> {
    match f {
        Field::Given => r.given,
        Field::Father => r.father,
        Field::Grandfather => r.grandfather,
        Field::Family => r.family,
        Field::Mother => r.mother,
        _ => None,
    }
}

impl Scorer {
    fn tf_adjustment(&self, vocab: &Vocab, field: Field, a: &Prepared) -> f64 {
        let Some((_, tf)) = self.tf.iter().find(|(f, _)| *f == field) else {
            return 0.0;
        };
        match field_token(a, field) {
            Some(t) => tf.adjustment(vocab.token(t).key, self.random_u[field.index()][0]),
            None => 0.0,
        }
    }

    fn tf_total(&self, vocab: &Vocab, v: &Vector, a: &Prepared) -> f64 {
        TF_FIELDS
            .iter()
            .filter(|f| v[f.index()] == Some(EXACT))
            .map(|f| self.tf_adjustment(vocab, *f, a))
            .sum()
    }

    /// The weight of a pair.
    pub fn weight(&self, vocab: &Vocab, a: &Prepared, b: &Prepared, memo: &mut Memo) -> f64 {
        let v = compare(vocab, a, b, memo);
        self.params.weight(&v) + self.tf_total(vocab, &v, a)
    }

    /// The weight of a pair, field by field.
    pub fn explain(&self, vocab: &Vocab, a: &Prepared, b: &Prepared) -> Explanation {
        let v = compare(vocab, a, b, &mut Memo::default());
        let prior = self.params.prior_weight();
        let fields: Vec<Contribution> = FIELDS
            .iter()
            .map(|&field| {
                let level = v[field.index()];
                let term_frequency = if level == Some(EXACT) && TF_FIELDS.contains(&field) {
                    self.tf_adjustment(vocab, field, a)
                } else {
                    0.0
                };
                Contribution {
                    field,
                    level,
                    level_name: level.map_or("unknown", |l| field.level_name(l)),
                    weight: level.map_or(0.0, |l| self.params.level_weight(field.index(), l))
                        + term_frequency,
                    term_frequency,
                }
            })
            .collect();
        let weight = prior + fields.iter().map(|c| c.weight).sum::<f64>();
        Explanation {
            weight,
            probability: probability(weight),
            prior,
            fields,
            custody: None,
        }
    }
}

/// Counts of what the run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Records matched.
    pub records: usize,
    /// Pairs compared after blocking.
    pub candidate_pairs: usize,
    /// Blocks compared by sorted neighbourhood because they were large.
    pub large_blocks: usize,
    /// Distinct comparison vectors EM saw.
    pub patterns: usize,
    /// How EM ended.
    pub fit: Fit,
}

/// Splitmix64, for the random pairs (seeded by the caller).
struct Mix(u64);

impl Mix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % n.max(1) as u64) as usize
    }
}

/// Everything a run computed for its candidate pairs.
struct Scored {
    scorer: Scorer,
    pairs: Vec<(u32, u32)>,
    weights: Vec<f64>,
    stats: Stats,
}

/// Sorts each side (the known people, then the new rows) by family, given
/// and father's name and year of birth, so that the records a block pairs
/// sit near one another in memory. Comparing a pair reads both records; in
/// input order the second is almost always a cache miss, and at a million
/// rows those misses were over half the time of the comparisons. Ties go
/// by input position ([`Prepared::row`]), and every tie-break inside the
/// matcher uses that position too, so the result does not depend on this
/// order.
fn sort_for_locality(recs: &mut [Prepared], split: Option<usize>) {
    let key = |r: &Prepared| {
        (
            r.skeletons[3],
            r.skeletons[0],
            r.skeletons[1],
            r.birth.map_or(0, |d| d.year),
            r.row,
        )
    };
    let (left, right) = recs.split_at_mut(split.unwrap_or(0).min(recs.len()));
    left.sort_unstable_by_key(key);
    right.sort_unstable_by_key(key);
}

/// Trains the model and scores the candidate pairs of `recs` (whose `row`
/// must be their position). Works in locality order internally and hands
/// the records back in input order; pairs name input positions.
fn train_and_score(
    vocab: &Vocab,
    mut recs: Vec<Prepared>,
    split: Option<usize>,
    cfg: &Config,
) -> (Scored, Vec<Prepared>) {
    let n = recs.len();
    sort_for_locality(&mut recs, split);
    let order: Vec<u32> = recs.iter().map(|r| r.row).collect();
    let mut place = vec![0u32; n];
    for (local, &i) in order.iter().enumerate() {
        place[i as usize] = local as u32;
    }
    let scored = score_sorted(vocab, &recs, split, cfg, &place);
    recs.sort_unstable_by_key(|r| r.row);
    let pairs = scored
        .pairs
        .iter()
        .map(|&(a, b)| {
            let (a, b) = (order[a as usize], order[b as usize]);
            (a.min(b), a.max(b))
        })
        .collect();
    (Scored { pairs, ..scored }, recs)
}

/// [`train_and_score`] on records in locality order; `place[i]` is where
/// input record `i` sits. Pairs name positions in `recs`.
fn score_sorted(
    vocab: &Vocab,
    recs: &[Prepared],
    split: Option<usize>,
    cfg: &Config,
    place: &[u32],
) -> Scored {
    let n = recs.len();
    let cands = candidates(vocab, recs, split, cfg.blocking, cfg.threads);

    // u from random pairs.
    let mut rng = Mix(cfg.seed);
    let samples: Vec<(u32, u32)> = if n < 2 {
        Vec::new()
    } else {
        (0..cfg.u_samples)
            .filter_map(|_| {
                let (a, b) = match split {
                    Some(s) if s > 0 && s < n => (rng.below(s), s + rng.below(n - s)),
                    Some(_) => return None,
                    None => (rng.below(n), rng.below(n)),
                };
                (a != b).then_some((place[a], place[b]))
            })
            .collect()
    };
    let random_codes = codes(vocab, recs, &samples, cfg.threads);
    let random_vectors: Vec<(Vector, f64)> = aggregate(&random_codes);
    let u = level_frequencies(random_vectors.iter().map(|(v, c)| (v, *c)));

    // m by EM in three sessions, as a careful Splink user trains, each on
    // pairs blocked on some fields and leaving those fields out: blocked on
    // the document number (nearly all matches), it trains everything else,
    // or, when too few records carry documents, blocked on the three names
    // it trains the date and the rest; on the full date and the family name,
    // the other names; on the full date and the given name, the family name.
    // u stays as the random pairs gave it.
    let by_document = rule_candidates(vocab, recs, Rule::Document, split, cfg.blocking);
    let first = if by_document.len() >= MIN_DOCUMENT_PAIRS {
        (by_document, vec![Field::Document])
    } else {
        (
            rule_candidates(vocab, recs, Rule::GivenFatherFamily, split, cfg.blocking),
            vec![Field::Given, Field::Father, Field::Family],
        )
    };
    let mut trained: Vec<(Params, Vec<Field>)> = Vec::new();
    let (p, _) = session(vocab, recs, &first.0, &first.1, &u, cfg);
    trained.push((p, first.1));
    for (rule, masked) in [
        (Rule::BirthDayFamily, vec![Field::BirthDate, Field::Family]),
        (Rule::BirthDayGiven, vec![Field::BirthDate, Field::Given]),
    ] {
        let pairs = rule_candidates(vocab, recs, rule, split, cfg.blocking);
        let (p, _) = session(vocab, recs, &pairs, &masked, &u, cfg);
        trained.push((p, masked));
    }
    let m: Vec<Vec<f64>> = FIELDS
        .iter()
        .map(|&f| {
            let i = f.index();
            let from: Vec<&Vec<f64>> = trained
                .iter()
                .filter(|(_, masked)| !masked.contains(&f))
                .map(|(p, _)| &p.m[i])
                .collect();
            let mut avg = vec![0.0; from[0].len()];
            for v in &from {
                for (a, x) in avg.iter_mut().zip(v.iter()) {
                    *a += x / from.len() as f64;
                }
            }
            avg
        })
        .collect();
    // Finally the prior. Over the candidate pairs, with m fixed and the
    // blocked non-matches' u free, EM finds the share of candidates that
    // match; spread over every possible pair, that is the chance that two
    // random records match, the prior that goes with the random pairs' u.
    let pair_codes = codes(vocab, recs, &cands.pairs, cfg.threads);
    let patterns = aggregate(&pair_codes);
    let start = Params {
        lambda: 0.05,
        m,
        u: u.clone(),
    };
    let (blocked, fit) = em(
        &patterns,
        start,
        Free {
            u: true,
            m: [false; N_FIELDS],
        },
        cfg.em_iterations,
        1e-9,
    );
    let all_pairs = match split {
        Some(s) => s as f64 * (n - s) as f64,
        None => n as f64 * (n as f64 - 1.0) / 2.0,
    };
    let matches = blocked.lambda * cands.pairs.len() as f64;
    let params = Params {
        lambda: (matches / all_pairs.max(1.0)).clamp(1e-12, 0.5),
        m: blocked.m,
        u: u.clone(),
    };
    let random_u = u;

    let tf = TF_FIELDS
        .iter()
        .map(|&f| {
            let values = recs
                .iter()
                .filter_map(|r| field_token(r, f).map(|t| vocab.token(t).key));
            (f, TermFrequencies::count(values, vocab.key_count()))
        })
        .collect();
    let scorer = Scorer {
        params,
        fit,
        tf,
        random_u,
    };

    let mut base: HashMap<u32, f64, par::FxBuild> = HashMap::default();
    for code in pair_codes.iter() {
        base.entry(*code)
            .or_insert_with(|| scorer.params.weight(&decode(*code)));
    }
    let weights = par::ranges(cands.pairs.len(), cfg.threads, |range| {
        range
            .map(|i| {
                let code = pair_codes[i];
                let (a, _) = cands.pairs[i];
                base[&code] + scorer.tf_total(vocab, &decode(code), &recs[a as usize])
            })
            .collect()
    });
    Scored {
        stats: Stats {
            records: n,
            candidate_pairs: cands.pairs.len(),
            large_blocks: cands.large_blocks,
            patterns: patterns.len(),
            fit,
        },
        scorer,
        pairs: cands.pairs,
        weights,
    }
}

/// One EM session over `pairs` with `masked` fields left out; `m` of the
/// other fields moves, `u` does not.
fn session(
    vocab: &Vocab,
    recs: &[Prepared],
    pairs: &[(u32, u32)],
    masked: &[Field],
    u: &[Vec<f64>],
    cfg: &Config,
) -> (Params, Fit) {
    let mut patterns = aggregate(&codes(vocab, recs, pairs, cfg.threads));
    for (v, _) in &mut patterns {
        for f in masked {
            v[f.index()] = None;
        }
    }
    let mut free = [true; N_FIELDS];
    for f in masked {
        free[f.index()] = false;
    }
    em(
        &patterns,
        Params::initial(u.to_vec()),
        Free { u: false, m: free },
        cfg.em_iterations,
        1e-7,
    )
}

fn codes(vocab: &Vocab, recs: &[Prepared], pairs: &[(u32, u32)], threads: usize) -> Vec<u32> {
    par::chunks(pairs, threads, |chunk| {
        let mut memo = Memo::default();
        chunk
            .iter()
            .map(|&(a, b)| {
                encode(&compare(
                    vocab,
                    &recs[a as usize],
                    &recs[b as usize],
                    &mut memo,
                ))
            })
            .collect::<Vec<u32>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

fn aggregate(codes: &[u32]) -> Vec<(Vector, f64)> {
    let mut counts: HashMap<u32, f64, par::FxBuild> = HashMap::default();
    for c in codes {
        *counts.entry(*c).or_default() += 1.0;
    }
    let mut out: Vec<(u32, f64)> = counts.into_iter().collect();
    out.sort_unstable_by_key(|(c, _)| *c);
    out.into_iter().map(|(c, n)| (decode(c), n)).collect()
}

/// The result of deduplicating one roster.
#[derive(Debug, Clone)]
pub struct Dedupe {
    /// For every input row, its cluster (the smallest row index in it).
    pub cluster: Vec<u32>,
    /// Pairs linked automatically (probability ≥ auto-link), strongest first.
    pub links: Vec<Link>,
    /// Pairs for a person to decide: between the thresholds and not already
    /// in one cluster, or linked but held back by the chaining guard.
    pub review: Vec<Link>,
    /// The model, for explanations.
    pub scorer: Scorer,
    /// The prepared rows, for explanations.
    pub prepared: Vec<Prepared>,
    /// The vocabulary, for explanations.
    pub vocab: Vocab,
    /// Counts.
    pub stats: Stats,
}

impl Dedupe {
    /// Why rows `a` and `b` scored as they did.
    pub fn explain(&self, a: usize, b: usize) -> Option<Explanation> {
        Some(
            self.scorer
                .explain(&self.vocab, self.prepared.get(a)?, self.prepared.get(b)?),
        )
    }
}

/// Deduplicates one roster: which rows are the same person.
pub fn dedupe(records: &[PersonRecord], cfg: &Config) -> Dedupe {
    let mut vocab = Vocab::default();
    let prepared = prepare_all(&mut vocab, records, cfg.threads);
    let (scored, prepared) = train_and_score(&vocab, prepared, None, cfg);
    let auto = weight_of(cfg.auto_link);
    let review = weight_of(cfg.review);
    let mut links = Vec::new();
    let mut maybe = Vec::new();
    for (&(a, b), &weight) in scored.pairs.iter().zip(&scored.weights) {
        let link = Link { a, b, weight };
        if weight >= auto {
            links.push(link);
        } else if weight >= review {
            maybe.push(link);
        }
    }
    let memo = RefCell::new(Memo::default());
    // Complete linkage at the auto-link threshold: two groups join only if
    // every pair across them would itself be linked automatically.
    let clusters = cluster(records.len(), &links, auto, |x, y| {
        scored.scorer.weight(
            &vocab,
            &prepared[x as usize],
            &prepared[y as usize],
            &mut memo.borrow_mut(),
        )
    });
    let held: std::collections::HashSet<(u32, u32)> =
        clusters.held_back.iter().map(|l| (l.a, l.b)).collect();
    links.retain(|l| !held.contains(&(l.a, l.b)));
    let mut review_queue: Vec<Link> = maybe
        .into_iter()
        .filter(|l| clusters.cluster[l.a as usize] != clusters.cluster[l.b as usize])
        .chain(clusters.held_back.iter().copied())
        .collect();
    let strongest_first = |x: &Link, y: &Link| {
        y.weight
            .total_cmp(&x.weight)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    };
    review_queue.sort_by(strongest_first);
    links.sort_by(strongest_first);
    Dedupe {
        cluster: clusters.cluster,
        links,
        review: review_queue,
        scorer: scored.scorer,
        prepared,
        vocab,
        stats: scored.stats,
    }
}

/// The people already known, prepared for linking.
#[derive(Debug, Clone, Default)]
pub struct Index {
    vocab: Vocab,
    prepared: Vec<Prepared>,
    /// Known people by [`fingerprint`] of their record.
    identical: HashMap<u64, Vec<u32>>,
    /// Who holds each known person, where known ([`Index::held_by`]).
    held: Vec<String>,
}

/// A hash of everything a record says about who someone is (names as
/// written, date and place of birth, sex, nationalities, documents): two
/// records with the same fingerprint say exactly the same.
fn fingerprint(r: &PersonRecord) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    format!("{:?}", identity_fields(r)).hash(&mut h);
    h.finish()
}

/// What a record says about who someone is, as [`fingerprint`] and
/// [`identical_with_document`] compare it.
#[allow(clippy::type_complexity)]
fn identity_fields(
    r: &PersonRecord,
) -> (
    &rollcall_core::person::Names,
    &Option<rollcall_core::person::PartialDate>,
    &Option<String>,
    &rollcall_core::person::Sex,
    &Vec<rollcall_core::Country>,
    &Vec<rollcall_core::person::Document>,
) {
    (
        &r.names,
        &r.birth_date,
        &r.birth_place,
        &r.sex,
        &r.nationalities,
        &r.documents,
    )
}

/// Whether two records say exactly the same about who someone is (as
/// [`fingerprint`] hashes it) and name an identity document: the same
/// document number with every other field alike is evidence that needs no
/// trained model.
pub fn identical_with_document(a: &PersonRecord, b: &PersonRecord) -> bool {
    a.documents.iter().any(|d| !d.number.trim().is_empty())
        && identity_fields(a) == identity_fields(b)
}

impl Index {
    /// Prepares the known people (in the order given; decisions name them
    /// by position).
    pub fn build(existing: &[PersonRecord], threads: usize) -> Index {
        let mut vocab = Vocab::default();
        let prepared = prepare_all(&mut vocab, existing, threads);
        let mut identical: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, r) in existing.iter().enumerate() {
            identical.entry(fingerprint(r)).or_default().push(i as u32);
        }
        Index {
            vocab,
            prepared,
            identical,
            held: Vec::new(),
        }
    }

    /// Records who holds each known person (their custodian's id, in the
    /// order of [`Index::build`]), so that [`link_at`] can weigh it. People
    /// past the end of a shorter list count as held by nobody known: their
    /// custody weighs nothing.
    pub fn held_by(mut self, custodians: Vec<String>) -> Index {
        self.held = custodians;
        self
    }

    /// A copy of the vocabulary (to prepare more records against) and the
    /// prepared known people, for screening.
    pub(crate) fn parts(&self) -> (Vocab, &[Prepared]) {
        (self.vocab.clone(), &self.prepared)
    }

    /// How many people the index holds.
    pub fn len(&self) -> usize {
        self.prepared.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }
}

/// What to do with one incoming row.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The row is this known person (position in the [`Index`]).
    Link {
        /// The known person.
        existing: u32,
        /// Match probability.
        probability: f64,
    },
    /// A person must decide among these candidates (best first).
    Review {
        /// `(known person, probability)`.
        candidates: Vec<(u32, f64)>,
    },
    /// Nobody known looks like this row: register a new person.
    New,
}

/// The result of linking new rows against an index.
#[derive(Debug, Clone)]
pub struct Linkage {
    /// One decision per new row, in input order.
    pub decisions: Vec<Decision>,
    /// The model, for explanations.
    pub scorer: Scorer,
    /// Known people first, then the new rows.
    prepared: Vec<Prepared>,
    vocab: Vocab,
    split: usize,
    /// The custody field's weights, when it was evidence.
    pub custody: Option<CustodyWeights>,
    /// For each known person, whether the rows' custodian holds them
    /// (`None`: not known).
    here: Vec<Option<bool>>,
    /// Counts.
    pub stats: Stats,
}

impl Linkage {
    /// Why new row `new` and known person `existing` scored as they did.
    pub fn explain(&self, new: usize, existing: usize) -> Option<Explanation> {
        let a = self
            .prepared
            .get(existing)
            .filter(|_| existing < self.split)?;
        let b = self.prepared.get(self.split + new)?;
        let mut e = self.scorer.explain(&self.vocab, a, b);
        if let (Some(w), Some(Some(same))) = (self.custody, self.here.get(existing)) {
            let part = CustodyPart {
                same: *same,
                weight: w.weight(*same),
            };
            e.weight += part.weight;
            e.probability = probability(e.weight);
            e.custody = Some(part);
        }
        Some(e)
    }
}

/// Links new rows against the people in `index`.
pub fn link(new_rows: &[PersonRecord], index: &Index, cfg: &Config) -> Linkage {
    link_at(new_rows, index, cfg, None)
}

/// Links new rows, all coming into custodian `at`'s hands, against the
/// people in `index`: as [`link`], and where the index knows who holds
/// each person ([`Index::held_by`]), that is weighed as evidence
/// ([`crate::custody`]).
pub fn link_at(
    new_rows: &[PersonRecord],
    index: &Index,
    cfg: &Config,
    at: Option<&str>,
) -> Linkage {
    let mut vocab = index.vocab.clone();
    let split = index.prepared.len();
    let mut prepared = index.prepared.clone();
    prepared.extend(prepare_all(&mut vocab, new_rows, cfg.threads));
    for (row, r) in prepared.iter_mut().enumerate() {
        r.row = row as u32;
    }
    let (scored, prepared) = train_and_score(&vocab, prepared, Some(split), cfg);
    let here: Vec<Option<bool>> = match at {
        Some(at) => (0..split)
            .map(|i| index.held.get(i).map(|h| h == at))
            .collect(),
        None => Vec::new(),
    };
    // A known record identical to the row is always a candidate: however
    // little the record says (a full name alone blocks with too many
    // others to be paired), the row is never taken for a new person.
    let mut memo = Memo::default();
    let mut identical: Vec<Vec<(u32, f64)>> = vec![Vec::new(); new_rows.len()];
    for (n, found) in identical.iter_mut().enumerate() {
        for &known in index
            .identical
            .get(&fingerprint(&new_rows[n]))
            .into_iter()
            .flatten()
        {
            let w = scored.scorer.weight(
                &vocab,
                &prepared[known as usize],
                &prepared[split + n],
                &mut memo,
            );
            found.push((known, w));
        }
    }
    let per_row = |custody: Option<CustodyWeights>| -> Vec<Decision> {
        let adjust = |known: u32| match (custody, here.get(known as usize)) {
            (Some(c), Some(Some(same))) => c.weight(*same),
            _ => 0.0,
        };
        let review = weight_of(cfg.review);
        let floor = weight_of(CANDIDATE_FLOOR);
        let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); new_rows.len()];
        for (&(a, b), &w) in scored.pairs.iter().zip(&scored.weights) {
            let w = w + adjust(a);
            if w >= floor {
                rows[b as usize - split].push((a, w));
            }
        }
        for (cands, found) in rows.iter_mut().zip(&identical) {
            // Below the review threshold only when the record says too
            // little to tell two people apart: still for a person to decide.
            for &(known, w) in found {
                match cands.iter_mut().find(|(k, _)| *k == known) {
                    Some((_, kept)) => *kept = kept.max(review),
                    None => cands.push((known, (w + adjust(known)).max(review))),
                }
            }
        }
        rows.into_iter().map(|cands| decide(cands, cfg)).collect()
    };
    let without = per_row(None);
    let custody = at.and_then(|_| {
        let held_here = here.iter().filter(|h| **h == Some(true)).count();
        let known = here.iter().filter(|h| h.is_some()).count();
        let (mut confident, mut agree) = (0, 0);
        for d in &without {
            if let Decision::Link { existing, .. } = d
                && let Some(Some(same)) = here.get(*existing as usize)
            {
                confident += 1;
                agree += usize::from(*same);
            }
        }
        CustodyWeights::estimate(known, held_here, confident, agree)
    });
    let decisions = match custody {
        Some(_) => per_row(custody),
        None => without,
    };
    Linkage {
        decisions,
        scorer: scored.scorer,
        prepared,
        vocab,
        split,
        custody,
        here,
        stats: scored.stats,
    }
}

/// Pairs less likely than this on their own are not candidates of a row;
/// the candidates kept still add up, so a row that resembles several known
/// people a little goes to review instead of being registered again.
pub const CANDIDATE_FLOOR: f64 = 0.02;

/// One row's decision from its candidates `(known, weight)`.
///
/// A row is at most one known person, so the candidates are exclusive
/// alternatives, with "nobody known" as one more: with `o_i = 2^w_i` each
/// pair's posterior odds (its prior included), the chance that the row is
/// candidate `i` is `o_i / (1 + Σo)` and that it is someone known is
/// `Σo / (1 + Σo)`. The row is linked when its best candidate alone reaches
/// [`Config::auto_link`] on that measure (so a close second holds it back),
/// waits for review when being someone known reaches [`Config::review`]
/// (three candidates at 0.3 each are a likely duplicate, not a new person),
/// and is new otherwise. Probabilities reported are these shares.
fn decide(mut cands: Vec<(u32, f64)>, cfg: &Config) -> Decision {
    cands.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let Some(&(best, top)) = cands.first() else {
        return Decision::New;
    };
    // Odds relative to the best candidate's, so nothing overflows.
    let relative: f64 = cands.iter().map(|&(_, w)| (w - top).exp2()).sum();
    let none = (-top).exp2();
    let share = |w: f64| (w - top).exp2() / (none + relative);
    let known = relative / (none + relative);
    if share(top) >= cfg.auto_link {
        Decision::Link {
            existing: best,
            probability: share(top),
        }
    } else if known >= cfg.review {
        Decision::Review {
            candidates: cands
                .iter()
                .take(rollcall_core::limits::MAX_REVIEW_CANDIDATES)
                .map(|&(e, w)| (e, share(w)))
                .collect(),
        }
    } else {
        Decision::New
    }
}

/// Is this level a disagreement (for readers of explanations)?
pub fn is_disagreement(field: Field, level: u8) -> bool {
    match field {
        Field::BirthDate => level == 4,
        Field::Nationality | Field::BirthPlace => level == 1,
        Field::Document => level == 2,
        _ => level == DIFFERENT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::default()
    }

    #[test]
    fn one_clear_candidate_is_linked() {
        let w = weight_of(0.999);
        match decide(vec![(7, w), (3, weight_of(0.03))], &cfg()) {
            Decision::Link {
                existing,
                probability,
            } => {
                assert_eq!(existing, 7);
                // Its share: the weak second candidate takes a little.
                assert!(probability < 0.999 && probability > 0.95, "{probability}");
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn a_close_second_candidate_holds_a_link_back() {
        let d = decide(vec![(1, weight_of(0.99)), (2, weight_of(0.98))], &cfg());
        let Decision::Review { candidates } = d else {
            panic!("{d:?}")
        };
        assert_eq!(candidates.iter().map(|c| c.0).collect::<Vec<_>>(), [1, 2]);
        let total: f64 = candidates.iter().map(|c| c.1).sum();
        assert!(total > 0.98 && total < 1.0, "{total}");
    }

    #[test]
    fn several_weak_candidates_together_are_a_likely_duplicate() {
        let weak = weight_of(0.3);
        // One at 0.3 alone: more likely nobody registered.
        assert_eq!(decide(vec![(4, weak)], &cfg()), Decision::New);
        // Three at 0.3: the row is someone registered, most likely.
        let d = decide(vec![(4, weak), (5, weak), (6, weak)], &cfg());
        let Decision::Review { candidates } = d else {
            panic!("{d:?}")
        };
        assert_eq!(candidates.len(), 3);
        let total: f64 = candidates.iter().map(|c| c.1).sum();
        assert!(total >= 0.5, "{total}");
        // Best first, ties by position.
        assert_eq!(candidates[0].0, 4);
    }

    #[test]
    fn no_candidate_is_a_new_person_and_huge_weights_do_not_overflow() {
        assert_eq!(decide(Vec::new(), &cfg()), Decision::New);
        match decide(vec![(0, 5_000.0), (1, 4_990.0)], &cfg()) {
            Decision::Link { probability, .. } => {
                assert!(probability.is_finite() && probability > 0.99);
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn a_review_lists_at_most_the_ledger_limit_of_candidates() {
        let many: Vec<(u32, f64)> = (0..50).map(|i| (i, weight_of(0.1))).collect();
        let Decision::Review { candidates } = decide(many, &cfg()) else {
            panic!()
        };
        assert_eq!(
            candidates.len(),
            rollcall_core::limits::MAX_REVIEW_CANDIDATES
        );
    }
}
