//! The Fellegi–Sunter model: for every field and level, the probability of
//! that level among true matches (`m`) and among non-matches (`u`), and the
//! prior share of matches among the pairs scored (`lambda`). A pair's match
//! weight is `log2(lambda / (1 - lambda)) + Σ log2(m / u)` over the fields it
//! knows; its probability is `2^w / (1 + 2^w)`.
//!
//! Parameters are estimated without labels: `u` from random pairs (almost
//! all non-matches), then `m` and `lambda` by expectation–maximisation over
//! the comparison vectors of the blocked pairs, counted once per distinct
//! vector. Term frequencies adjust exact name matches afterwards: agreeing on
//! a name held by a share `tf` of records is worth `log2(m / tf)` rather than
//! `log2(m / u)`.

use crate::compare::{LEVELS, N_FIELDS, Vector};

/// Smallest probability a parameter may take (keeps every weight finite).
const FLOOR: f64 = 1e-6;
/// Smallest `m` used in a weight: no single disagreement (a mistyped
/// document, a nationality recorded differently) may count for more than
/// about ten bits against a match, whatever the training data showed.
const M_FLOOR: f64 = 1e-3;

/// Model parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Prior share of matches among scored pairs.
    pub lambda: f64,
    /// `m[field][level]`.
    pub m: Vec<Vec<f64>>,
    /// `u[field][level]`.
    pub u: Vec<Vec<f64>>,
}

/// How EM ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Iterations run.
    pub iterations: usize,
    /// Largest parameter change in the last iteration.
    pub change: f64,
}

impl Params {
    /// Starting values: matches mostly agree, non-matches as given by `u`.
    pub fn initial(u: Vec<Vec<f64>>) -> Params {
        let m = LEVELS
            .iter()
            .map(|&n| {
                let mut v: Vec<f64> = (0..n).map(|l| 0.5f64.powi(l as i32 + 1)).collect();
                v[0] += 0.5f64.powi(n as i32);
                v
            })
            .collect();
        Params { lambda: 0.1, m, u }
    }

    /// Uniform `u` (for tests).
    pub fn uniform_u() -> Vec<Vec<f64>> {
        LEVELS.iter().map(|&n| vec![1.0 / n as f64; n]).collect()
    }

    /// `log2(m/u)` for one field and level.
    pub fn level_weight(&self, field: usize, level: u8) -> f64 {
        let l = level as usize;
        (self.m[field][l].max(M_FLOOR) / self.u[field][l].max(FLOOR)).log2()
    }

    /// The prior weight `log2(lambda / (1 - lambda))`.
    pub fn prior_weight(&self) -> f64 {
        (self.lambda.clamp(FLOOR, 1.0 - FLOOR) / (1.0 - self.lambda).max(FLOOR)).log2()
    }

    /// The weight of a vector, before term-frequency adjustment.
    pub fn weight(&self, v: &Vector) -> f64 {
        self.prior_weight()
            + v.iter()
                .enumerate()
                .filter_map(|(f, l)| l.map(|l| self.level_weight(f, l)))
                .sum::<f64>()
    }

    fn likelihoods(&self, v: &Vector) -> (f64, f64) {
        let (mut pm, mut pu) = (1.0, 1.0);
        for (f, l) in v.iter().enumerate() {
            if let Some(l) = l {
                pm *= self.m[f][*l as usize].max(FLOOR);
                pu *= self.u[f][*l as usize].max(FLOOR);
            }
        }
        (pm, pu)
    }
}

/// Probability from a match weight.
pub fn probability(weight: f64) -> f64 {
    let p = weight.exp2();
    if p.is_infinite() { 1.0 } else { p / (1.0 + p) }
}

/// Weight from a probability.
pub fn weight_of(probability: f64) -> f64 {
    let p = probability.clamp(FLOOR, 1.0 - FLOOR);
    (p / (1.0 - p)).log2()
}

/// Level frequencies among the given vectors (counted `count` times each),
/// per field, unknowns left out; levels never seen get [`FLOOR`].
pub fn level_frequencies<'a>(vectors: impl Iterator<Item = (&'a Vector, f64)>) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![0.0; n]).collect();
    for (v, c) in vectors {
        for (f, l) in v.iter().enumerate() {
            if let Some(l) = l {
                counts[f][*l as usize] += c;
            }
        }
    }
    counts.into_iter().map(normalise).collect()
}

/// [`level_frequencies`] of a sample, with one pseudo-count at every
/// level (add-one smoothing): a level the sample never shows is taken as
/// rare at the sample's resolution, not as impossible, so agreeing at it
/// weighs at most about `log2(m · n)` bits for a sample of `n`.
pub fn sampled_level_frequencies<'a>(vectors: impl Iterator<Item = &'a Vector>) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![1.0; n]).collect();
    for v in vectors {
        for (f, l) in v.iter().enumerate() {
            if let Some(l) = l {
                counts[f][*l as usize] += 1.0;
            }
        }
    }
    counts.into_iter().map(normalise).collect()
}

fn normalise(mut v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    let even = 1.0 / v.len() as f64;
    for x in &mut v {
        *x = if total > 0.0 {
            (*x / total).max(FLOOR)
        } else {
            even
        };
    }
    v
}

/// Which parameters EM may move (`lambda` always moves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Free {
    /// `u` of every field.
    pub u: bool,
    /// `m` of each field.
    pub m: [bool; N_FIELDS],
}

impl Free {
    /// Everything moves.
    pub const ALL: Free = Free {
        u: true,
        m: [true; N_FIELDS],
    };
}

/// Expectation–maximisation over distinct vectors with their counts,
/// moving only the parameters `free` allows.
pub fn em(
    patterns: &[(Vector, f64)],
    mut params: Params,
    free: Free,
    max_iterations: usize,
    tolerance: f64,
) -> (Params, Fit) {
    let mut fit = Fit {
        iterations: 0,
        change: f64::INFINITY,
    };
    let total: f64 = patterns.iter().map(|(_, c)| c).sum();
    if total <= 0.0 {
        return (params, fit);
    }
    while fit.iterations < max_iterations && fit.change > tolerance {
        let mut m: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![0.0; n]).collect();
        let mut u = m.clone();
        let mut matches = 0.0;
        for (v, c) in patterns {
            let (pm, pu) = params.likelihoods(v);
            let num = params.lambda * pm;
            let den = num + (1.0 - params.lambda) * pu;
            let p = if den > 0.0 { num / den } else { 0.0 };
            matches += c * p;
            for (f, l) in v.iter().enumerate() {
                if let Some(l) = l {
                    m[f][*l as usize] += c * p;
                    u[f][*l as usize] += c * (1.0 - p);
                }
            }
        }
        let next = Params {
            lambda: (matches / total).clamp(FLOOR, 1.0 - FLOOR),
            m: m.into_iter()
                .zip(&params.m)
                .zip(free.m)
                .map(|((new, old), moves)| if moves { normalise(new) } else { old.clone() })
                .collect(),
            u: if free.u {
                u.into_iter().map(normalise).collect()
            } else {
                params.u.clone()
            },
        };
        fit.change = max_change(&params, &next);
        fit.iterations += 1;
        params = next;
    }
    (params, fit)
}

fn max_change(a: &Params, b: &Params) -> f64 {
    let mut d = (a.lambda - b.lambda).abs();
    for (x, y) in a.m.iter().flatten().zip(b.m.iter().flatten()) {
        d = d.max((x - y).abs());
    }
    for (x, y) in a.u.iter().flatten().zip(b.u.iter().flatten()) {
        d = d.max((x - y).abs());
    }
    d
}

/// Term frequencies of values in one field: `share(value) = count / total`.
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    counts: Vec<u32>,
    total: u32,
}

impl TermFrequencies {
    /// Counts the given values (ids below `universe`).
    pub fn count(values: impl Iterator<Item = u32>, universe: usize) -> TermFrequencies {
        let mut counts = vec![0u32; universe];
        let mut total = 0;
        for v in values {
            if let Some(c) = counts.get_mut(v as usize) {
                *c += 1;
                total += 1;
            }
        }
        TermFrequencies { counts, total }
    }

    /// The share of records holding `value` (at least one record's worth).
    pub fn share(&self, value: u32) -> f64 {
        let c = self.counts.get(value as usize).copied().unwrap_or(0).max(1);
        f64::from(c) / f64::from(self.total.max(1))
    }

    /// The adjustment to an exact match on `value`, given the field's `u`
    /// for exact matches: `log2(u_exact / share)`, so the exact level's
    /// weight becomes `log2(m_exact / share)`.
    pub fn adjustment(&self, value: u32, u_exact: f64) -> f64 {
        (u_exact.max(FLOOR) / self.share(value)).log2()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator (splitmix64).
    struct Mix(u64);
    impl Mix {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn draw(&mut self, probs: &[f64]) -> u8 {
            let r = self.next();
            let mut acc = 0.0;
            for (i, p) in probs.iter().enumerate() {
                acc += p;
                if r < acc {
                    return i as u8;
                }
            }
            (probs.len() - 1) as u8
        }
    }

    fn truth() -> Params {
        let m = LEVELS
            .iter()
            .map(|&n| {
                let mut v = vec![0.02; n];
                v[0] = 1.0 - 0.02 * (n as f64 - 1.0);
                v
            })
            .collect();
        let u = LEVELS
            .iter()
            .map(|&n| {
                let mut v = vec![0.9 / (n as f64 - 1.0); n];
                v[0] = 0.1;
                v[n - 1] += 0.0;
                normalise(v)
            })
            .collect();
        Params { lambda: 0.2, m, u }
    }

    #[test]
    fn em_recovers_a_known_model() {
        let truth = truth();
        let mut rng = Mix(42);
        let mut counts: std::collections::HashMap<Vector, f64> = Default::default();
        for _ in 0..200_000 {
            let matched = rng.next() < truth.lambda;
            let mut v: Vector = [None; N_FIELDS];
            for (f, slot) in v.iter_mut().enumerate() {
                let probs = if matched { &truth.m[f] } else { &truth.u[f] };
                *slot = Some(rng.draw(probs));
            }
            *counts.entry(v).or_default() += 1.0;
        }
        let patterns: Vec<(Vector, f64)> = counts.into_iter().collect();
        let (fitted, fit) = em(
            &patterns,
            Params::initial(Params::uniform_u()),
            Free::ALL,
            500,
            1e-9,
        );
        assert!(fit.change <= 1e-9, "did not converge: {fit:?}");
        assert!(
            (fitted.lambda - truth.lambda).abs() < 0.01,
            "lambda {}",
            fitted.lambda
        );
        for (f, &levels) in LEVELS.iter().enumerate() {
            for l in 0..levels {
                assert!((fitted.m[f][l] - truth.m[f][l]).abs() < 0.02, "m[{f}][{l}]");
                assert!((fitted.u[f][l] - truth.u[f][l]).abs() < 0.02, "u[{f}][{l}]");
            }
        }
    }

    #[test]
    fn em_with_fixed_u_moves_only_m_and_lambda() {
        let truth = truth();
        let patterns = vec![
            ([Some(0u8); N_FIELDS], 10.0),
            (
                [
                    Some(4),
                    Some(4),
                    Some(4),
                    Some(4),
                    Some(4),
                    Some(1),
                    Some(2),
                    Some(4),
                    Some(1),
                ],
                90.0,
            ),
        ];
        let (fitted, _) = em(
            &patterns,
            Params::initial(truth.u.clone()),
            Free {
                u: false,
                m: [true; N_FIELDS],
            },
            200,
            1e-9,
        );
        assert_eq!(fitted.u, truth.u);
        assert!((fitted.lambda - 0.1).abs() < 0.01);
    }

    #[test]
    fn rare_names_weigh_more_than_common_ones() {
        // 900 records named 0 ("Mohammed"), 100 with rare names 1..=100.
        let values = std::iter::repeat_n(0u32, 900).chain(1..=100);
        let tf = TermFrequencies::count(values, 101);
        assert!((tf.share(0) - 0.9).abs() < 1e-12);
        assert!((tf.share(7) - 0.001).abs() < 1e-12);
        let u_exact = 0.05;
        assert!(tf.adjustment(0, u_exact) < 0.0);
        assert!(tf.adjustment(7, u_exact) > 0.0);
        assert!((tf.adjustment(7, u_exact) - (0.05f64 / 0.001).log2()).abs() < 1e-12);
    }

    #[test]
    fn probability_and_weight_are_inverse() {
        for p in [0.01, 0.5, 0.9, 0.99] {
            assert!((probability(weight_of(p)) - p).abs() < 1e-9);
        }
    }
}
