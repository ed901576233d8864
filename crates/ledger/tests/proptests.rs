//! Property tests: generated proofs verify, tampered proofs, leaves, indices
//! and roots do not, and the incremental `Frontier` agrees with `root()`.

use proptest::prelude::*;
use rollcall_ledger::{
    Frontier, Hash, ProofError, consistency_proof, empty_root, inclusion_proof, leaf_hash, root,
    verify_consistency, verify_inclusion,
};

fn leaves(n: usize, salt: u64) -> Vec<Hash> {
    (0..n as u64)
        .map(|i| leaf_hash(&[salt.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect()
}

/// (tree size, leaf index) with index < size.
fn size_and_index(max: usize) -> impl Strategy<Value = (usize, u64)> {
    (1..=max).prop_flat_map(|n| (Just(n), 0..n as u64))
}

/// (old size, new size) with old <= new.
fn sizes(max: usize) -> impl Strategy<Value = (u64, usize)> {
    (1..=max).prop_flat_map(|n| (0..=n as u64, Just(n)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn inclusion_proofs_verify((n, index) in size_and_index(3000), salt: u64) {
        let l = leaves(n, salt);
        let r = root(&l);
        let proof = inclusion_proof(&l, index).unwrap();
        prop_assert_eq!(verify_inclusion(&l[index as usize], index, n as u64, &proof, &r), Ok(()));
    }

    #[test]
    fn tampered_inclusion_fails(
        (n, index) in size_and_index(3000),
        salt: u64,
        pick: prop::sample::Index,
        bit in 0u8..8,
        byte in 0usize..32,
    ) {
        let l = leaves(n, salt);
        let r = root(&l);
        let leaf = l[index as usize];
        let proof = inclusion_proof(&l, index).unwrap();
        let size = n as u64;

        // A flipped bit in any proof hash.
        if !proof.is_empty() {
            let mut p = proof.clone();
            let k = pick.index(p.len());
            p[k][byte] ^= 1 << bit;
            prop_assert!(verify_inclusion(&leaf, index, size, &p, &r).is_err());
        }
        // A different leaf (one flipped bit of its hash).
        let mut other = leaf;
        other[byte] ^= 1 << bit;
        prop_assert!(verify_inclusion(&other, index, size, &proof, &r).is_err());
        // A different root.
        let mut bad_root = r;
        bad_root[byte] ^= 1 << bit;
        prop_assert_eq!(
            verify_inclusion(&leaf, index, size, &proof, &bad_root),
            Err(ProofError::RootMismatch)
        );
        // Any other index in the same tree.
        let other_index = pick.index(n) as u64;
        if other_index != index {
            prop_assert!(verify_inclusion(&leaf, other_index, size, &proof, &r).is_err());
        }
        // Dropped or extra hashes.
        if !proof.is_empty() {
            prop_assert!(verify_inclusion(&leaf, index, size, &proof[1..], &r).is_err());
            prop_assert!(verify_inclusion(&leaf, index, size, &proof[..proof.len() - 1], &r).is_err());
        }
        let longer = [&proof[..], &[r]].concat();
        prop_assert!(verify_inclusion(&leaf, index, size, &longer, &r).is_err());
        // Out of range.
        prop_assert!(verify_inclusion(&leaf, size, size, &proof, &r).is_err());
    }

    #[test]
    fn frontier_matches_root_at_every_prefix(n in 0usize..300, salt: u64) {
        let l = leaves(n, salt);
        let mut f = Frontier::new();
        prop_assert_eq!(f.root(), empty_root());
        for (i, leaf) in l.iter().enumerate() {
            f.push(*leaf);
            prop_assert_eq!(f.size(), i as u64 + 1);
            prop_assert_eq!(f.root(), root(&l[..=i]));
        }
        let g = Frontier::from_leaves(&l);
        prop_assert_eq!(&g, &f);
        let json = serde_json::to_string(&f).unwrap();
        prop_assert_eq!(serde_json::from_str::<Frontier>(&json).unwrap(), f);
    }

    #[test]
    fn consistency_proofs_verify_and_resist_tampering(
        (m, n) in sizes(3000),
        salt: u64,
        pick: prop::sample::Index,
        bit in 0u8..8,
        byte in 0usize..32,
    ) {
        let l = leaves(n, salt);
        let (r1, r2) = (root(&l[..m as usize]), root(&l));
        let size = n as u64;
        let proof = consistency_proof(&l, m).unwrap();
        prop_assert_eq!(verify_consistency(m, size, &r1, &r2, &proof), Ok(()));

        if !proof.is_empty() {
            let mut p = proof.clone();
            let k = pick.index(p.len());
            p[k][byte] ^= 1 << bit;
            prop_assert!(verify_consistency(m, size, &r1, &r2, &p).is_err());
            prop_assert!(verify_consistency(m, size, &r1, &r2, &proof[1..]).is_err());
            prop_assert!(verify_consistency(m, size, &r1, &r2, &proof[..proof.len() - 1]).is_err());
        }
        let mut bad = r1;
        bad[byte] ^= 1 << bit;
        prop_assert!(verify_consistency(m, size, &bad, &r2, &proof).is_err());
        let mut bad = r2;
        bad[byte] ^= 1 << bit;
        if m > 0 {
            prop_assert!(verify_consistency(m, size, &r1, &bad, &proof).is_err());
        }
        // A different old size that still fits.
        let other = pick.index(n + 1) as u64;
        if other != m && m > 0 && other > 0 {
            prop_assert!(verify_consistency(other, size, &r1, &r2, &proof).is_err());
        }
        // A tree that is *not* an extension: the same sizes over different leaves.
        if m > 0 && m < size {
            let mut forked = l.clone();
            forked[pick.index(m as usize)][byte] ^= 1 << bit;
            let forked_root = root(&forked);
            prop_assert!(verify_consistency(m, size, &r1, &forked_root, &proof).is_err());
            let forked_proof = consistency_proof(&forked, m).unwrap();
            prop_assert!(verify_consistency(m, size, &r1, &forked_root, &forked_proof).is_err());
        }
    }
}

/// Every (m, n) pair up to 64 leaves: the proof verifies; a flipped bit in any
/// element, a wrong new root, or presenting it for old size m - 1 fails.
#[test]
fn consistency_exhaustive_up_to_64() {
    let l = leaves(64, 7);
    let roots: Vec<Hash> = (0..=64).map(|n| root(&l[..n])).collect();
    for n in 0..=64usize {
        for m in 0..=n {
            let proof = consistency_proof(&l[..n], m as u64).unwrap();
            assert_eq!(
                verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &proof),
                Ok(()),
                "({m}, {n})"
            );
            for i in 0..proof.len() {
                let mut p = proof.clone();
                p[i][31] ^= 0x80;
                assert!(
                    verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &p).is_err(),
                    "({m}, {n}) element {i}"
                );
            }
            if 0 < m && m < n {
                assert!(
                    verify_consistency(m as u64, n as u64, &roots[m], &roots[n - 1], &proof)
                        .is_err(),
                    "({m}, {n}) accepted the wrong new root"
                );
            }
            if m > 1 {
                assert!(
                    verify_consistency(m as u64 - 1, n as u64, &roots[m - 1], &roots[n], &proof)
                        .is_err(),
                    "({m}, {n}) proof accepted for old size {}",
                    m - 1
                );
            }
        }
    }
}

/// Every (index, n) pair up to 64 leaves verifies, and no leaf verifies at
/// any other index.
#[test]
fn inclusion_exhaustive_up_to_64() {
    let l = leaves(64, 9);
    for n in 1..=64usize {
        let r = root(&l[..n]);
        for i in 0..n {
            let proof = inclusion_proof(&l[..n], i as u64).unwrap();
            assert_eq!(
                verify_inclusion(&l[i], i as u64, n as u64, &proof, &r),
                Ok(()),
                "({i}, {n})"
            );
            for j in (0..n).filter(|&j| j != i) {
                assert!(
                    verify_inclusion(&l[i], j as u64, n as u64, &proof, &r).is_err(),
                    "leaf {i} verified at index {j} in size {n}"
                );
            }
        }
    }
}
