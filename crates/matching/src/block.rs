//! Blocking: which pairs get compared at all.
//!
//! Each [`Rule`] gives a record a key made of a few fields' skeletons (or the
//! document number); records sharing a key under any rule form a candidate
//! pair. Keys combine several fields, so that the handful of given names
//! that cover most people never make one block of everyone. A block larger
//! than `max_block` is not compared all against all: its records are sorted
//! by date of birth and name and each is compared with the next `window`
//! (a sorted neighbourhood), so no block costs more than `window` pairs per
//! record. Cost therefore grows with the number of records times a bounded
//! factor, not with its square.

use crate::prepare::{Prepared, Vocab};

/// One blocking rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Given name, family name and year of birth.
    GivenFamilyYear,
    /// Father's name, family name and year of birth.
    FatherFamilyYear,
    /// Given, father's and family names.
    GivenFatherFamily,
    /// Given and father's names and year of birth.
    GivenFatherYear,
    /// Given and family names and mother's name.
    GivenFamilyMother,
    /// Document number.
    Document,
    /// Full date of birth and family name: trains the other names' `m`.
    BirthDayFamily,
    /// Full date of birth and given name: trains the family name's `m`.
    BirthDayGiven,
}

/// The rules used, in order.
pub const RULES: [Rule; 6] = [
    Rule::GivenFamilyYear,
    Rule::FatherFamilyYear,
    Rule::GivenFatherFamily,
    Rule::GivenFatherYear,
    Rule::GivenFamilyMother,
    Rule::Document,
];

// Positions in `Prepared::skeletons`.
const GIVEN: usize = 0;
const FATHER: usize = 1;
const GRANDFATHER: usize = 2;
const FAMILY: usize = 3;
const MOTHER: usize = 4;

fn mix(mut h: u64, x: u64) -> u64 {
    h ^= x
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(h << 6)
        .wrapping_add(h >> 2);
    h = (h ^ (h >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^ (h >> 29)
}

impl Rule {
    /// The record's key under this rule, if it has every field the rule needs.
    /// (`_vocab` is unused since records carry their skeletons inline; it
    /// stays so that callers need not change.)
    pub fn key(self, _vocab: &Vocab, r: &Prepared) -> Option<u64> {
        let skel = |i: usize| {
            let s = r.skeletons[i];
            (s != crate::prepare::NONE).then_some(u64::from(s))
        };
        let year = r.birth.map(|d| u64::from(d.year));
        let parts: [Option<u64>; 3] = match self {
            Rule::GivenFamilyYear => [skel(GIVEN), skel(FAMILY), year],
            Rule::FatherFamilyYear => [skel(FATHER), skel(FAMILY), year],
            Rule::GivenFatherFamily => [skel(GIVEN), skel(FATHER), skel(FAMILY)],
            Rule::GivenFatherYear => [skel(GIVEN), skel(FATHER), year],
            Rule::GivenFamilyMother => [skel(GIVEN), skel(FAMILY), skel(MOTHER)],
            Rule::Document => [r.document.map(u64::from), Some(0), Some(0)],
            Rule::BirthDayFamily | Rule::BirthDayGiven => {
                let name = if self == Rule::BirthDayFamily {
                    skel(FAMILY)
                } else {
                    skel(GIVEN)
                };
                let day = r
                    .birth
                    .and_then(|d| Some(u64::from(d.month?) * 32 + u64::from(d.day?)));
                [year, day, name]
            }
        };
        let mut h = self as u64 + 1;
        for p in parts {
            h = mix(h, p?);
        }
        Some(h)
    }
}

/// Blocking settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocking {
    /// Blocks up to this size are compared all against all.
    pub max_block: usize,
    /// In larger blocks, each record meets this many neighbours.
    pub window: usize,
}

impl Default for Blocking {
    fn default() -> Blocking {
        Blocking {
            max_block: 64,
            window: 16,
        }
    }
}

/// What blocking produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// Candidate pairs `(a, b)` with `a < b`, sorted, without repeats.
    pub pairs: Vec<(u32, u32)>,
    /// Blocks too large to compare all against all (sorted neighbourhood used).
    pub large_blocks: usize,
}

/// Candidate pairs among `records`. With `split = Some(s)`, only pairs with
/// one record below `s` and one at or above it (linkage); otherwise every
/// pair (deduplication).
pub fn candidates(
    vocab: &Vocab,
    records: &[Prepared],
    split: Option<usize>,
    settings: Blocking,
    threads: usize,
) -> Candidates {
    // Each rule's pairs are sorted on the rule's own thread; one linear
    // merge then removes the pairs several rules found.
    let per_rule = crate::par::map(&RULES, threads.min(RULES.len()), |rule| {
        let (mut pairs, large) = rule_pairs(vocab, records, *rule, split, settings);
        pairs.sort_unstable();
        pairs.dedup();
        (pairs, large)
    });
    let large_blocks = per_rule.iter().map(|(_, large)| large).sum();
    let lists: Vec<&[u64]> = per_rule.iter().map(|(p, _)| p.as_slice()).collect();
    Candidates {
        pairs: merge_sorted(&lists)
            .into_iter()
            .map(|p| ((p >> 32) as u32, p as u32))
            .collect(),
        large_blocks,
    }
}

/// The union of sorted lists, sorted, without repeats.
fn merge_sorted(lists: &[&[u64]]) -> Vec<u64> {
    let mut heads: Vec<usize> = vec![0; lists.len()];
    let mut out = Vec::with_capacity(lists.iter().map(|l| l.len()).max().unwrap_or(0));
    loop {
        let next = lists
            .iter()
            .zip(&heads)
            .filter_map(|(l, &h)| l.get(h).copied())
            .min();
        let Some(next) = next else {
            return out;
        };
        out.push(next);
        for (l, h) in lists.iter().zip(heads.iter_mut()) {
            if l.get(*h) == Some(&next) {
                *h += 1;
            }
        }
    }
}

/// The pairs one rule alone gives, sorted, without repeats.
pub fn rule_candidates(
    vocab: &Vocab,
    records: &[Prepared],
    rule: Rule,
    split: Option<usize>,
    settings: Blocking,
) -> Vec<(u32, u32)> {
    let (mut pairs, _) = rule_pairs(vocab, records, rule, split, settings);
    pairs.sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

fn rule_pairs(
    vocab: &Vocab,
    records: &[Prepared],
    rule: Rule,
    split: Option<usize>,
    settings: Blocking,
) -> (Vec<u64>, usize) {
    let mut keyed: Vec<(u64, u32)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| rule.key(vocab, r).map(|k| (k, i as u32)))
        .collect();
    keyed.sort_unstable();
    let mut out = Vec::new();
    let mut large = 0;
    let crosses = |a: u32, b: u32| match split {
        Some(s) => (a as usize) < s && (b as usize) >= s,
        None => true,
    };
    let mut push = |a: u32, b: u32| {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        if crosses(a, b) {
            out.push((u64::from(a) << 32) | u64::from(b));
        }
    };
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0 == keyed[start].0 {
            end += 1;
        }
        let block: Vec<u32> = keyed[start..end].iter().map(|(_, i)| *i).collect();
        if block.len() <= settings.max_block {
            for (x, &a) in block.iter().enumerate() {
                for &b in &block[x + 1..] {
                    push(a, b);
                }
            }
        } else {
            large += 1;
            let mut sorted = block;
            sorted.sort_by_key(|&i| neighbourhood_key(&records[i as usize]));
            for (x, &a) in sorted.iter().enumerate() {
                for &b in sorted[x + 1..].iter().take(settings.window) {
                    push(a, b);
                }
            }
        }
        start = end;
    }
    (out, large)
}

/// Sort order inside a large block: year, month, day, then names, then the
/// record's input position.
fn neighbourhood_key(r: &Prepared) -> (u16, u8, u8, u32, u32, u32, u32) {
    let d = r.birth;
    (
        d.map_or(0, |d| d.year),
        d.and_then(|d| d.month).unwrap_or(0),
        d.and_then(|d| d.day).unwrap_or(0),
        r.skeletons[GRANDFATHER],
        r.skeletons[MOTHER],
        r.skeletons[GIVEN],
        r.row,
    )
}
