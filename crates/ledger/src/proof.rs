//! Merkle audit paths and consistency proofs: generation over a slice of leaf
//! hashes (RFC 6962 §2.1.1 `PATH` and §2.1.2 `PROOF`) and verification
//! (RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! Proof hashes are ordered as the RFCs order them: the sibling nearest the
//! leaf (or the old tree's subtree) first, the one nearest the root last.

use crate::hash::{Hash, empty_root, node_hash};
use crate::tree::{split_point, subtree_root};

/// Why a proof could not be generated or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The "old" tree is larger than the "new" one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge {
        /// The older tree size.
        old_size: u64,
        /// The newer tree size.
        new_size: u64,
    },
    /// The proof has the wrong number of hashes for these sizes.
    #[error("proof has {actual} hashes, expected {expected} for these tree sizes")]
    WrongLength {
        /// What the tree shape requires.
        expected: usize,
        /// What was supplied.
        actual: usize,
    },
    /// An inclusion proof leads to a different root.
    #[error("inclusion proof does not lead to the expected root")]
    RootMismatch,
    /// A consistency proof does not reproduce the old root.
    #[error("consistency proof does not reproduce the old root")]
    OldRootMismatch,
    /// A consistency proof does not reproduce the new root.
    #[error("consistency proof does not reproduce the new root")]
    NewRootMismatch,
}

/// Inclusion proof (audit path) for leaf `index` in the tree made of exactly
/// `leaves`: RFC 6962 `PATH(index, D[n])` with `n = leaves.len()`.
///
/// To prove against an earlier tree size `s`, pass `&leaves[..s]`.
/// Costs at most `n` node hashes; the only allocation is the result.
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] if `index >= leaves.len()`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = leaves.len() as u64;
    let m = usize::try_from(index)
        .ok()
        .filter(|&m| m < leaves.len())
        .ok_or(ProofError::IndexOutOfRange { index, size })?;
    let mut proof = Vec::with_capacity(inclusion_proof_len(index, size));
    path(m, leaves, &mut proof);
    Ok(proof)
}

/// RFC 6962 §2.1.1 `PATH(m, D[n])`, appending leaf-side siblings first.
fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split_point(leaves.len());
    if m < k {
        path(m, &leaves[..k], out);
        out.push(subtree_root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(subtree_root(&leaves[..k]));
    }
}

/// Consistency proof that the tree of the first `old_size` leaves is a prefix
/// of the tree made of exactly `leaves`: RFC 6962 `PROOF(m, D[n])` with
/// `m = old_size`, `n = leaves.len()`.
///
/// The proof is empty when `old_size` is `0` or `n` (nothing to prove).
/// Costs at most `n` node hashes; the only allocation is the result.
///
/// # Errors
///
/// [`ProofError::OldSizeTooLarge`] if `old_size > leaves.len()`.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let new_size = leaves.len() as u64;
    let m = usize::try_from(old_size)
        .ok()
        .filter(|&m| m <= leaves.len())
        .ok_or(ProofError::OldSizeTooLarge { old_size, new_size })?;
    let mut proof = Vec::with_capacity(consistency_proof_len(old_size, new_size));
    if m > 0 && m < leaves.len() {
        subproof(m, leaves, true, &mut proof);
    }
    Ok(proof)
}

/// RFC 6962 §2.1.2 `SUBPROOF(m, D[n], b)`.
fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(subtree_root(leaves));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(subtree_root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(subtree_root(&leaves[..k]));
    }
}

/// Number of bits needed to write `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// Length of the audit path for `index < size`: the levels where the leaf's
/// path diverges from the tree's right edge ("inner"), plus one hash per
/// full left subtree above that ("border").
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    debug_assert!(index < size);
    let inner = bit_len(index ^ (size - 1));
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

/// Length of the consistency proof between sizes `0 < old < new`: the audit
/// path of the old tree's last leaf, minus the levels inside the old tree's
/// rightmost perfect subtree, plus that subtree's root unless the whole old
/// tree is perfect (then the verifier already knows it).
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    if old_size == 0 || old_size >= new_size {
        return 0;
    }
    let shift = old_size.trailing_zeros();
    let inner = bit_len((old_size - 1) ^ (new_size - 1)) - shift;
    let border = ((old_size - 1) >> (inner + shift)).count_ones();
    let seed = u32::from(!old_size.is_power_of_two());
    (inner + border + seed) as usize
}

/// Recomputes the root implied by an inclusion proof (RFC 9162 §2.1.3.2,
/// steps 1–5), without comparing it to anything.
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] or [`ProofError::WrongLength`].
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength {
                expected,
                actual: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    Ok(r)
}

/// Verifies that `leaf` (a leaf *hash*) is at `index` in the tree of `size`
/// leaves whose root is `root` (RFC 9162 §2.1.3.2).
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`], [`ProofError::WrongLength`] or
/// [`ProofError::RootMismatch`].
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a
/// prefix of the tree of `new_size` leaves with root `new_root`
/// (RFC 9162 §2.1.4.2).
///
/// Edge cases the RFC leaves to the caller: equal sizes need an empty proof
/// and equal roots; an old size of `0` needs an empty proof and `old_root`
/// equal to [`empty_root`] (any new tree extends the empty one).
///
/// # Errors
///
/// [`ProofError::OldSizeTooLarge`], [`ProofError::WrongLength`],
/// [`ProofError::OldRootMismatch`] or [`ProofError::NewRootMismatch`].
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    if old_size == 0 {
        return if *old_root == empty_root() {
            Ok(())
        } else {
            Err(ProofError::OldRootMismatch)
        };
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::NewRootMismatch)
        };
    }

    // Step 2: a perfect old tree is its own seed; otherwise the seed is the
    // first proof hash.
    let (seed, rest) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        (&proof[0], &proof[1..])
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongLength {
                expected,
                actual: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength {
            expected,
            actual: proof.len(),
        });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::root;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn predicted_lengths_match_generated_proofs() {
        let l = leaves(40);
        for n in 1..=l.len() {
            for i in 0..n {
                let p = inclusion_proof(&l[..n], i as u64).unwrap();
                assert_eq!(
                    p.len(),
                    inclusion_proof_len(i as u64, n as u64),
                    "({i},{n})"
                );
            }
            for m in 0..=n {
                let p = consistency_proof(&l[..n], m as u64).unwrap();
                assert_eq!(
                    p.len(),
                    consistency_proof_len(m as u64, n as u64),
                    "({m},{n})"
                );
            }
        }
    }

    #[test]
    fn rejects_out_of_range_requests() {
        let l = leaves(3);
        assert_eq!(
            inclusion_proof(&l, 3),
            Err(ProofError::IndexOutOfRange { index: 3, size: 3 })
        );
        assert!(inclusion_proof(&[], 0).is_err());
        assert_eq!(
            consistency_proof(&l, 4),
            Err(ProofError::OldSizeTooLarge {
                old_size: 4,
                new_size: 3
            })
        );
        let r = root(&l);
        assert!(verify_inclusion(&l[0], 3, 3, &[], &r).is_err());
        assert!(verify_consistency(4, 3, &r, &r, &[]).is_err());
    }

    #[test]
    fn trivial_consistency_cases() {
        let l = leaves(5);
        let r = root(&l);
        assert_eq!(verify_consistency(5, 5, &r, &r, &[]), Ok(()));
        assert!(verify_consistency(5, 5, &r, &empty_root(), &[]).is_err());
        assert_eq!(verify_consistency(0, 5, &empty_root(), &r, &[]), Ok(()));
        assert!(verify_consistency(0, 5, &r, &r, &[]).is_err());
        assert!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[r]).is_err());
    }
}
