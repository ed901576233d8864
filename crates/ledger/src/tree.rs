//! The RFC 6962 Merkle Tree Hash over a slice of leaf hashes ([`root`]) and
//! an append-only [`Frontier`] that tracks the root of a growing tree in
//! O(log n) memory.

use serde::{Deserialize, Serialize};

use crate::hash::{Hash, HashDecodeError, empty_root, hash_from_base64, hash_to_base64, node_hash};

/// `MTH(D[n])` (RFC 6962 §2.1) over leaf hashes (not leaf data: hash each
/// entry with [`crate::leaf_hash`] first). The empty slice gives
/// [`empty_root`].
///
/// Costs `n - 1` node hashes and no allocation.
#[must_use]
pub fn root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        empty_root()
    } else {
        subtree_root(leaves)
    }
}

/// `MTH` of a non-empty slice, by the RFC's own recursion: the left subtree
/// takes the largest power of two strictly below `n`. Recursion depth is at
/// most 64.
pub(crate) fn subtree_root(leaves: &[Hash]) -> Hash {
    debug_assert!(!leaves.is_empty());
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split_point(leaves.len());
    node_hash(&subtree_root(&leaves[..k]), &subtree_root(&leaves[k..]))
}

/// The largest power of two strictly less than `n` (`n >= 2`): where
/// RFC 6962 splits a tree of `n` leaves into its left and right subtrees.
pub(crate) fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (n - 1).ilog2()
}

/// An append-only Merkle tree that keeps only its "frontier": the roots of
/// the perfect subtrees that make up the tree, one per set bit of its size.
///
/// Appending costs amortised O(1) hashes (at most log₂ n); reading the root
/// costs at most log₂ n hashes. A verifier can therefore stream every leaf of
/// a log once and read the root at each checkpoint size along the way.
///
/// Serialises as `{"size": n, "peaks": [base64, ...]}` (largest subtree
/// first); deserialising checks that the number of peaks matches the size.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "FrontierRepr", into = "FrontierRepr")]
pub struct Frontier {
    size: u64,
    /// Roots of the perfect subtrees, leftmost (largest) first.
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree holding exactly these leaf hashes.
    #[must_use]
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        let mut f = Self::new();
        f.extend(leaves.iter().copied());
        f
    }

    /// The tree of `size` leaves whose perfect-subtree roots are `peaks`
    /// (largest first), as [`Frontier::peaks`] gives them: how a tree read
    /// from its tiles resumes.
    ///
    /// # Errors
    ///
    /// [`FrontierError::PeakCount`] unless there is one peak per set bit of
    /// `size`.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Result<Self, FrontierError> {
        let expected = size.count_ones();
        if peaks.len() != expected as usize {
            return Err(FrontierError::PeakCount {
                size,
                expected,
                found: peaks.len(),
            });
        }
        Ok(Self { size, peaks })
    }

    /// Appends one leaf hash.
    ///
    /// # Panics
    ///
    /// If the tree already holds `u64::MAX` leaves (unreachable in practice).
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = leaf;
        let mut size = self.size;
        // Each trailing one bit of the old size is a perfect subtree of the
        // same height as `carry`: merge them, exactly like binary addition.
        while size & 1 == 1 {
            let left = self
                .peaks
                .pop()
                .expect("frontier invariant: one peak per set bit of size");
            carry = node_hash(&left, &carry);
            size >>= 1;
        }
        self.peaks.push(carry);
        self.size = self.size.checked_add(1).expect("tree size overflow");
    }

    /// Number of leaves appended so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// `MTH` of all leaves appended so far; equal to [`root`] over them.
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return empty_root();
        };
        peaks.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// The perfect-subtree roots, leftmost (largest) first.
    #[must_use]
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }
}

impl Extend<Hash> for Frontier {
    fn extend<I: IntoIterator<Item = Hash>>(&mut self, iter: I) {
        for leaf in iter {
            self.push(leaf);
        }
    }
}

impl FromIterator<Hash> for Frontier {
    fn from_iter<I: IntoIterator<Item = Hash>>(iter: I) -> Self {
        let mut f = Self::new();
        f.extend(iter);
        f
    }
}

/// Why a serialised [`Frontier`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontierError {
    /// The peak count does not match the size (one per set bit).
    #[error("frontier of size {size} needs {expected} peaks, found {found}")]
    PeakCount {
        /// The declared tree size.
        size: u64,
        /// `size.count_ones()`.
        expected: u32,
        /// Peaks present.
        found: usize,
    },
    /// A peak is not a base64 32-byte hash.
    #[error("frontier peak {index} is malformed: {source}")]
    Peak {
        /// Position of the bad peak.
        index: usize,
        /// What was wrong with it.
        source: HashDecodeError,
    },
}

#[derive(Serialize, Deserialize)]
struct FrontierRepr {
    size: u64,
    peaks: Vec<String>,
}

impl From<Frontier> for FrontierRepr {
    fn from(f: Frontier) -> Self {
        Self {
            size: f.size,
            peaks: f.peaks.iter().map(hash_to_base64).collect(),
        }
    }
}

impl TryFrom<FrontierRepr> for Frontier {
    type Error = FrontierError;

    fn try_from(r: FrontierRepr) -> Result<Self, Self::Error> {
        let expected = r.size.count_ones();
        if r.peaks.len() != expected as usize {
            return Err(FrontierError::PeakCount {
                size: r.size,
                expected,
                found: r.peaks.len(),
            });
        }
        let peaks = r
            .peaks
            .iter()
            .enumerate()
            .map(|(index, p)| {
                hash_from_base64(p).map_err(|source| FrontierError::Peak { index, source })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            size: r.size,
            peaks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
    }

    #[test]
    fn frontier_matches_root_for_small_trees() {
        let l = leaves(70);
        let mut f = Frontier::new();
        assert_eq!(f.root(), empty_root());
        for n in 1..=l.len() {
            f.push(l[n - 1]);
            assert_eq!(f.size(), n as u64);
            assert_eq!(f.peaks().len(), n.count_ones() as usize);
            assert_eq!(f.root(), root(&l[..n]), "size {n}");
        }
        assert_eq!(Frontier::from_leaves(&l), f);
        assert_eq!(l.iter().copied().collect::<Frontier>(), f);
    }

    #[test]
    fn frontier_serde_validates_peak_count() {
        let f = Frontier::from_leaves(&leaves(5));
        let json = serde_json::to_string(&f).unwrap();
        let back: Frontier = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        let bad = json.replace("\"size\":5", "\"size\":7");
        assert!(serde_json::from_str::<Frontier>(&bad).is_err());
        let bad_peak = r#"{"size":1,"peaks":["AAAA"]}"#;
        assert!(serde_json::from_str::<Frontier>(bad_peak).is_err());
    }
}
