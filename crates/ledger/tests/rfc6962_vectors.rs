//! Known-answer tests against the RFC 6962 test data used by Certificate
//! Transparency implementations.
//!
//! Source: github.com/transparency-dev/merkle (the successor of Trillian's
//! `merkle` package):
//! - `testonly/constants.go`: `LeafInputs`, `NodeHashes`, `RootHashes`;
//! - `rfc6962/rfc6962_test.go`: empty-tree, empty-leaf and "L123456" hashes;
//! - `proof/verify_test.go`: `inclusionProofs`, `consistencyProofs` (leaf
//!   numbers there are 1-based) and the corruption probes;
//! - `proof/proof_test.go`: the node-ID shapes of inclusion and consistency
//!   proofs for trees of up to 8 leaves (resolved here via `NodeHashes`).

use rollcall_ledger::{
    Frontier, Hash, consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, root,
    verify_consistency, verify_inclusion,
};

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn h(s: &str) -> Hash {
    hex(s).try_into().expect("32-byte hash")
}

/// `LeafInputs()` from testonly/constants.go.
const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `NodeHashes()` from testonly/constants.go: `[level][index]`.
fn node_hashes() -> Vec<Vec<Hash>> {
    vec![
        vec![
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
            h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
        ],
        vec![
            h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        ],
        vec![
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
        vec![h(
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        )],
    ]
}

/// `RootHashes()` from testonly/constants.go, indexed by tree size 0..=8.
const ROOT_HASHES: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn leaves() -> Vec<Hash> {
    LEAF_INPUTS.iter().map(|s| leaf_hash(&hex(s))).collect()
}

fn roots() -> Vec<Hash> {
    ROOT_HASHES.iter().map(|s| h(s)).collect()
}

#[test]
fn hasher_vectors() {
    // rfc6962/rfc6962_test.go
    assert_eq!(
        empty_root(),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(
        leaf_hash(&[]),
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    );
    assert_eq!(
        leaf_hash(b"L123456"),
        h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    );
}

#[test]
fn leaf_and_interior_node_hashes() {
    let nh = node_hashes();
    assert_eq!(leaves(), nh[0]);
    for level in 1..nh.len() {
        for (i, want) in nh[level].iter().enumerate() {
            let got = node_hash(&nh[level - 1][2 * i], &nh[level - 1][2 * i + 1]);
            assert_eq!(&got, want, "level {level} index {i}");
        }
    }
}

#[test]
fn roots_for_every_size() {
    let l = leaves();
    let r = roots();
    let mut f = Frontier::new();
    assert_eq!(root(&[]), r[0]);
    assert_eq!(f.root(), r[0]);
    for n in 1..=8 {
        assert_eq!(root(&l[..n]), r[n], "root({n})");
        f.push(l[n - 1]);
        assert_eq!(f.root(), r[n], "frontier({n})");
    }
}

/// `inclusionProofs` from proof/verify_test.go: (1-based leaf, size, path).
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            3,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            2,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

/// `consistencyProofs` from proof/verify_test.go: (size1, size2, proof).
fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

#[test]
fn inclusion_vectors_generate_and_verify() {
    let l = leaves();
    let r = roots();
    for (leaf, size, want) in inclusion_vectors() {
        let index = leaf - 1;
        let got = inclusion_proof(&l[..size as usize], index).unwrap();
        assert_eq!(got, want, "PATH({index}, D[{size}])");
        assert_eq!(
            verify_inclusion(&l[index as usize], index, size, &want, &r[size as usize]),
            Ok(()),
            "verify ({index}, {size})"
        );
    }
}

#[test]
fn consistency_vectors_generate_and_verify() {
    let l = leaves();
    let r = roots();
    for (m, n, want) in consistency_vectors() {
        let got = consistency_proof(&l[..n as usize], m).unwrap();
        assert_eq!(got, want, "PROOF({m}, D[{n}])");
        assert_eq!(
            verify_consistency(m, n, &r[m as usize], &r[n as usize], &want),
            Ok(()),
            "verify ({m}, {n})"
        );
    }
}

/// `corruptInclusionProof` from proof/verify_test.go: every probe must fail.
#[test]
fn corrupted_inclusion_vectors_fail() {
    let l = leaves();
    let r = roots();
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (leaf, size, proof) in inclusion_vectors().into_iter().skip(1) {
        let index = leaf - 1;
        let lh = l[index as usize];
        let rt = r[size as usize];
        let mut probes: Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (
                "index-1".into(),
                index.wrapping_sub(1),
                size,
                rt,
                lh,
                proof.clone(),
            ),
            ("index+1".into(), index + 1, size, rt, lh, proof.clone()),
            ("index^2".into(), index ^ 2, size, rt, lh, proof.clone()),
            ("size*2".into(), index, size * 2, rt, lh, proof.clone()),
            ("size/2".into(), index, size / 2, rt, lh, proof.clone()),
            (
                "wrong leaf".into(),
                index,
                size,
                rt,
                leaf_hash(b"WrongLeaf"),
                proof.clone(),
            ),
            (
                "empty root".into(),
                index,
                size,
                empty_root(),
                lh,
                proof.clone(),
            ),
            (
                "random root".into(),
                index,
                size,
                some_hash,
                lh,
                proof.clone(),
            ),
            (
                "trailing root".into(),
                index,
                size,
                rt,
                lh,
                [&proof[..], &[rt]].concat(),
            ),
            (
                "preceding root".into(),
                index,
                size,
                rt,
                lh,
                [&[rt], &proof[..]].concat(),
            ),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 8;
            probes.push((format!("proof[{i}] bit 3"), index, size, rt, lh, p));
        }
        probes.push((
            "removed".into(),
            index,
            size,
            rt,
            lh,
            proof[..proof.len() - 1].to_vec(),
        ));
        if proof.len() > 1 {
            let p = [&[proof[0], some_hash], &proof[1..]].concat();
            probes.push(("inserted".into(), index, size, rt, lh, p));
        }
        for (desc, i, s, rt, lh, p) in probes {
            assert!(
                verify_inclusion(&lh, i, s, &p, &rt).is_err(),
                "({leaf}, {size}) accepted probe {desc}"
            );
        }
    }
}

/// `corruptConsistencyProof` from proof/verify_test.go: every probe must fail.
#[test]
fn corrupted_consistency_vectors_fail() {
    let r = roots();
    let wrong = leaf_hash(b"WrongRoot");
    for (m, n, proof) in consistency_vectors().into_iter().skip(1) {
        let (r1, r2) = (r[m as usize], r[n as usize]);
        let mut probes: Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            ("size1-1".into(), m - 1, n, r1, r2, proof.clone()),
            ("size1+1".into(), m + 1, n, r1, r2, proof.clone()),
            ("size1^2".into(), m ^ 2, n, r1, r2, proof.clone()),
            ("size2*2".into(), m, n * 2, r1, r2, proof.clone()),
            ("size2/2".into(), m, n / 2, r1, r2, proof.clone()),
            ("wrong root1".into(), m, n, wrong, r2, proof.clone()),
            ("wrong root2".into(), m, n, r1, wrong, proof.clone()),
            ("swapped roots".into(), m, n, r2, r1, proof.clone()),
            ("empty proof".into(), m, n, r1, r2, vec![]),
            (
                "trailing root1".into(),
                m,
                n,
                r1,
                r2,
                [&proof[..], &[r1]].concat(),
            ),
            (
                "trailing root2".into(),
                m,
                n,
                r1,
                r2,
                [&proof[..], &[r2]].concat(),
            ),
            (
                "preceding root1".into(),
                m,
                n,
                r1,
                r2,
                [&[r1], &proof[..]].concat(),
            ),
            (
                "preceding root2".into(),
                m,
                n,
                r1,
                r2,
                [&[r2], &proof[..]].concat(),
            ),
            (
                "preceding proof[0]".into(),
                m,
                n,
                r1,
                r2,
                [&[proof[0]], &proof[..]].concat(),
            ),
            (
                "truncated".into(),
                m,
                n,
                r1,
                r2,
                proof[..proof.len() - 1].to_vec(),
            ),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 16;
            probes.push((format!("proof[{i}] bit 4"), m, n, r1, r2, p));
        }
        for (desc, s1, s2, r1, r2, p) in probes {
            assert!(
                verify_consistency(s1, s2, &r1, &r2, &p).is_err(),
                "({m}, {n}) accepted probe {desc}"
            );
        }
    }
}

/// A node of the 8-leaf test tree, or the parent hash of two of them (the
/// "rehash" of an imperfect right edge).
#[derive(Clone, Copy)]
enum N {
    Id(usize, usize),
    Parent((usize, usize), (usize, usize)),
}

fn resolve(nodes: &[N]) -> Vec<Hash> {
    let nh = node_hashes();
    nodes
        .iter()
        .map(|n| match *n {
            N::Id(level, i) => nh[level][i],
            N::Parent((l1, i1), (l2, i2)) => node_hash(&nh[l1][i1], &nh[l2][i2]),
        })
        .collect()
}

/// `TestInclusion` shapes from proof/proof_test.go (trees of size <= 8).
#[test]
fn inclusion_shapes() {
    use N::*;
    let l = leaves();
    // l = hash(i, j) with i = (1,2), j = (0,6).
    let l7 = Parent((1, 2), (0, 6));
    let cases: Vec<(usize, u64, Vec<N>)> = vec![
        (1, 0, vec![]),
        (2, 0, vec![Id(0, 1)]),
        (2, 1, vec![Id(0, 0)]),
        (3, 1, vec![Id(0, 0), Id(0, 2)]),
        (7, 0, vec![Id(0, 1), Id(1, 1), l7]),
        (7, 1, vec![Id(0, 0), Id(1, 1), l7]),
        (7, 2, vec![Id(0, 3), Id(1, 0), l7]),
        (7, 3, vec![Id(0, 2), Id(1, 0), l7]),
        (7, 4, vec![Id(0, 5), Id(0, 6), Id(2, 0)]),
        (7, 5, vec![Id(0, 4), Id(0, 6), Id(2, 0)]),
        (7, 6, vec![Id(1, 2), Id(2, 0)]),
        (4, 2, vec![Id(0, 3), Id(1, 0)]),
        (5, 3, vec![Id(0, 2), Id(1, 0), Id(0, 4)]),
        (6, 3, vec![Id(0, 2), Id(1, 0), Id(1, 2)]),
        (6, 4, vec![Id(0, 5), Id(2, 0)]),
    ];
    for (size, index, want) in cases {
        assert_eq!(
            inclusion_proof(&l[..size], index).unwrap(),
            resolve(&want),
            "inclusion({index}, {size})"
        );
    }
    for (size, index) in [(0, 0), (0, 1), (1, 2), (0, 3), (7, 8)] {
        assert!(
            inclusion_proof(&l[..size], index).is_err(),
            "({index}, {size})"
        );
    }
}

/// `TestConsistency` shapes from proof/proof_test.go (trees of size <= 8).
#[test]
fn consistency_shapes() {
    use N::*;
    let l = leaves();
    let l7 = Parent((1, 2), (0, 6));
    let cases: Vec<(u64, usize, Vec<N>)> = vec![
        (1, 2, vec![Id(0, 1)]),
        (1, 4, vec![Id(0, 1), Id(1, 1)]),
        (1, 6, vec![Id(0, 1), Id(1, 1), Id(1, 2)]),
        (2, 3, vec![Id(0, 2)]),
        (2, 8, vec![Id(1, 1), Id(2, 1)]),
        (3, 7, vec![Id(0, 2), Id(0, 3), Id(1, 0), l7]),
        (4, 7, vec![l7]),
        (5, 7, vec![Id(0, 4), Id(0, 5), Id(0, 6), Id(2, 0)]),
        (6, 7, vec![Id(1, 2), Id(0, 6), Id(2, 0)]),
        (7, 8, vec![Id(0, 6), Id(0, 7), Id(1, 2), Id(2, 0)]),
        (2, 4, vec![Id(1, 1)]),
        (3, 5, vec![Id(0, 2), Id(0, 3), Id(1, 0), Id(0, 4)]),
        (3, 6, vec![Id(0, 2), Id(0, 3), Id(1, 0), Id(1, 2)]),
        (4, 6, vec![Id(1, 2)]),
        (1, 7, vec![Id(0, 1), Id(1, 1), l7]),
    ];
    for (m, n, want) in cases {
        assert_eq!(
            consistency_proof(&l[..n], m).unwrap(),
            resolve(&want),
            "consistency({m}, {n})"
        );
    }
    for n in 1..=8 {
        assert!(consistency_proof(&l[..n], n as u64).unwrap().is_empty());
    }
    assert!(consistency_proof(&l[..0], 5).is_err());
    assert!(consistency_proof(&l[..8], 9).is_err());
}
