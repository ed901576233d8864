//! Screening one person against everyone known (a border post's question:
//! "is the man in front of me someone the ledger knows?").
//!
//! There is no roster to train a model on, only one query, so no weights
//! are estimated by EM. Instead each field's weight is the Fellegi–Sunter
//! log-likelihood ratio `log2(m / u)` with `u` measured — how often a
//! known person agrees with *this* query at each level, over everyone known
//! or over a sample of them ([`Among`]) —
//! and `m` the model's documented starting values ([`Params::initial`]:
//! people agree with themselves mostly exactly, less often closely). So a
//! match on a name few people share weighs more than one on a name many
//! share, by construction, and an unknown field weighs nothing. The score
//! ranks candidates and each field's part explains it; it is not a
//! calibrated probability, and the officer decides.

use crate::compare::{FIELDS, Memo, compare};
use crate::identity::{Contribution, Explanation, Index};
use crate::model::{Params, level_frequencies, probability, sampled_level_frequencies};
use crate::prepare::prepare_all;
use rollcall_core::person::PersonRecord;
use std::ops::Range;

/// Most candidates a screening returns.
pub const MAX_CANDIDATES: usize = 20;

/// The known people most like `query`, best first: each with its position
/// in the index and the explanation of its score (the weight in bits, no
/// prior). Only candidates the evidence favours (weight above zero) are
/// returned, at most `limit` (and [`MAX_CANDIDATES`]). `u` is measured
/// over everyone in the index.
pub fn screen(query: &PersonRecord, index: &Index, limit: usize) -> Vec<(u32, Explanation)> {
    let n = index.len();
    screen_among(query, index, Among::Everyone, 0..n, limit)
}

/// Where `u` is measured.
#[derive(Debug, Clone)]
pub enum Among {
    /// Over every record of the index: exact.
    Everyone,
    /// Over the records at these positions, a sample of the registry
    /// (add-one smoothed, [`sampled_level_frequencies`]).
    Sample(Range<usize>),
}

/// [`screen`] scoring only the records at `candidates` (positions in the
/// index, each once), with `u` measured as `among` says: for a registry too large to
/// compare the query with everyone, the candidates come from a name index
/// and `u` from a sample of the registry indexed beside them.
pub fn screen_among(
    query: &PersonRecord,
    index: &Index,
    among: Among,
    candidates: impl IntoIterator<Item = usize>,
    limit: usize,
) -> Vec<(u32, Explanation)> {
    let (mut vocab, known) = index.parts();
    let q = prepare_all(&mut vocab, std::slice::from_ref(query), 1)
        .pop()
        .expect("one record prepared");
    let mut memo = Memo::default();
    let mut vector = |k| compare(&vocab, k, &q, &mut memo);
    let u = match among {
        Among::Everyone => {
            let vectors: Vec<_> = known.iter().map(&mut vector).collect();
            level_frequencies(vectors.iter().map(|v| (v, 1.0)))
        }
        Among::Sample(range) => {
            let vectors: Vec<_> = known[range].iter().map(&mut vector).collect();
            sampled_level_frequencies(vectors.iter())
        }
    };
    let params = Params::initial(u);
    let mut scored: Vec<(u32, Explanation)> = candidates
        .into_iter()
        .map(|i| (i, vector(&known[i])))
        .map(|(i, v)| {
            let fields: Vec<Contribution> = FIELDS
                .iter()
                .map(|&field| {
                    let level = v[field.index()];
                    Contribution {
                        field,
                        level,
                        level_name: level.map_or("unknown", |l| field.level_name(l)),
                        weight: level.map_or(0.0, |l| params.level_weight(field.index(), l)),
                        term_frequency: 0.0,
                    }
                })
                .collect();
            let weight: f64 = fields.iter().map(|c| c.weight).sum();
            (
                i as u32,
                Explanation {
                    weight,
                    probability: probability(weight),
                    prior: 0.0,
                    fields,
                    custody: None,
                },
            )
        })
        .filter(|(_, e)| e.weight > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight).then(a.0.cmp(&b.0)));
    scored.truncate(limit.min(MAX_CANDIDATES));
    scored
}
