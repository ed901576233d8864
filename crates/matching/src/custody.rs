//! Where a known person is held, as evidence about an incoming row.
//!
//! A roster is imported into one custodian's hands: the recount of a
//! prison lists people that prison holds. So when the row's custodian is
//! the one holding a known candidate, that is evidence they are the same
//! person, and when it is another, evidence against — as strong as the
//! data says, no stronger. The field is scored like any other of the
//! Fellegi–Sunter model: `u` is the share of the known people held by the
//! row's custodian (how often a random pair agrees), measured exactly;
//! `m` is the share held by it among the rows' confident matches without
//! this evidence (how often a true pair agrees), smoothed towards `u` and
//! kept within [`M_RANGE`], so a handful of confident matches cannot make
//! the field decisive. When nobody known is held by the custodian, or too
//! few rows matched confidently to say, or the matches are held elsewhere
//! no more often than anyone, the field weighs nothing.

/// Fewest confident matches `m` is estimated from.
pub const MIN_CONFIDENT: usize = 5;

/// The range `m` is kept in.
pub const M_RANGE: (f64, f64) = (0.05, 0.95);

/// The custody field's two weights, in bits, and what they came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustodyWeights {
    /// Share of true pairs held by the row's custodian.
    pub m: f64,
    /// Share of known people held by it.
    pub u: f64,
    /// Confident matches `m` was estimated from.
    pub confident: usize,
}

impl CustodyWeights {
    /// Estimates the weights: `held_here` of `known` people are held by the
    /// row's custodian; of the `confident` matches, `agree` are. `None`
    /// when the field says nothing.
    pub fn estimate(
        known: usize,
        held_here: usize,
        confident: usize,
        agree: usize,
    ) -> Option<CustodyWeights> {
        if known == 0 || held_here == 0 || held_here == known || confident < MIN_CONFIDENT {
            return None;
        }
        let u = held_here as f64 / known as f64;
        // One pseudo-match at u: a small sample leans towards no evidence.
        let m = ((agree as f64 + u) / (confident as f64 + 1.0)).clamp(M_RANGE.0, M_RANGE.1);
        (m > u).then_some(CustodyWeights { m, u, confident })
    }

    /// The weight of a pair whose known person is held by the row's
    /// custodian (`same`) or not.
    pub fn weight(&self, same: bool) -> f64 {
        if same {
            (self.m / self.u).log2()
        } else {
            ((1.0 - self.m) / (1.0 - self.u)).log2()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_weighs_for_and_disagreement_against() {
        // 1 in 8 known held here; 40 of 40 confident matches are.
        let w = CustodyWeights::estimate(8_000, 1_000, 40, 40).unwrap();
        assert_eq!(w.m, M_RANGE.1);
        assert!((w.weight(true) - (0.95f64 / 0.125).log2()).abs() < 1e-12);
        assert!((w.weight(false) - (0.05f64 / 0.875).log2()).abs() < 1e-12);
        assert!(w.weight(true) > 2.9 && w.weight(false) < -4.1);
    }

    #[test]
    fn the_field_is_silent_when_the_data_cannot_say() {
        // Nobody known held here (a first roster), or everybody.
        assert_eq!(CustodyWeights::estimate(100, 0, 50, 0), None);
        assert_eq!(CustodyWeights::estimate(100, 100, 50, 50), None);
        // Too few confident matches.
        assert_eq!(
            CustodyWeights::estimate(100, 10, MIN_CONFIDENT - 1, 4),
            None
        );
        // Matches held here no more often than anyone: no evidence for it.
        assert_eq!(CustodyWeights::estimate(1_000, 100, 50, 5), None);
    }

    #[test]
    fn a_small_sample_leans_towards_no_evidence() {
        let small = CustodyWeights::estimate(1_000, 100, 5, 5).unwrap();
        let large = CustodyWeights::estimate(1_000, 100, 500, 500).unwrap();
        assert!(small.m < large.m, "{} {}", small.m, large.m);
        assert!(small.weight(true) < large.weight(true));
    }
}
