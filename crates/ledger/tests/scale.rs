//! Proof generation at the scale the CLI uses (about a million leaves): the
//! slice-based generators and the streaming `Frontier` must agree, and each
//! proof must cost O(n) hashing (an O(n log n) or allocating generator makes
//! these tests crawl). The million-leaf run takes ~2 s in release but ~25 s
//! unoptimised, so debug builds skip it unless asked (`-- --ignored`).

use rollcall_ledger::{
    Frontier, Hash, consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency,
    verify_inclusion,
};

#[test]
fn hundred_thousand_leaf_tree() {
    exercise(100_003);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised; run with --release or -- --ignored"
)]
fn million_leaf_tree() {
    exercise(1_000_003);
}

fn exercise(n: usize) {
    let leaves: Vec<Hash> = (0..n as u64).map(|i| leaf_hash(&i.to_le_bytes())).collect();

    // Stream once, reading the root at several checkpoint sizes on the way.
    let mut checkpoints = [1usize, 2, 1000, 65_536, n / 2 + 1, n - 4, n];
    checkpoints.sort_unstable();
    let mut roots = Vec::new();
    let mut f = Frontier::new();
    for (i, leaf) in leaves.iter().enumerate() {
        f.push(*leaf);
        if checkpoints.contains(&(i + 1)) {
            roots.push(f.root());
        }
    }
    let full = root(&leaves);
    assert_eq!(f.root(), full);
    assert_eq!(roots.len(), checkpoints.len());
    assert_eq!(roots[roots.len() - 1], full);

    for index in [
        0u64,
        1,
        n as u64 / 2 - 1,
        n as u64 / 2,
        n as u64 - 2,
        n as u64 - 1,
    ] {
        let proof = inclusion_proof(&leaves, index).unwrap();
        assert!(proof.len() <= 21);
        verify_inclusion(&leaves[index as usize], index, n as u64, &proof, &full).unwrap();
    }
    for (k, &old) in checkpoints.iter().enumerate() {
        let proof = consistency_proof(&leaves, old as u64).unwrap();
        verify_consistency(old as u64, n as u64, &roots[k], &full, &proof).unwrap();
    }
}
