//! The tiled tree against the all-leaves functions: tiles written batch by
//! batch are exactly the tiles of the tree, only ever grow, and give the
//! same root, frontier and proofs as `root`, `Frontier`, `inclusion_proof`
//! and `consistency_proof` over every leaf, for any size up to what is
//! stored, reading O(log n) tiles; and `tlog_tiles` (a port of Go's
//! `sumdb/tlog`) reads our tiles and proves records with them.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rollcall_ledger::{
    Frontier, Hash, TILE_WIDTH, TileError, TiledFrontier, consistency_proof,
    consistency_proof_from_tiles, edge_of, frontier_from_tiles, inclusion_proof,
    inclusion_proof_from_tiles, leaf_hash, root, root_from_tiles, tiles_of, verify_consistency,
    verify_inclusion,
};

fn leaves(n: u64, salt: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[salt.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect()
}

/// Tiles as a store keeps them: one row per (level, index), a wider
/// version replacing a narrower one. Counts the distinct tiles read.
#[derive(Default)]
struct TileStore {
    tiles: BTreeMap<(u8, u64), Vec<Hash>>,
    reads: RefCell<BTreeSet<(u8, u64)>>,
}

impl TileStore {
    /// Stores one commit's changed tiles, checking the append-only rules
    /// a store enforces: a full tile never changes, a partial one only grows.
    fn put(&mut self, changed: Vec<rollcall_ledger::Tile>) {
        for t in changed {
            assert!(!t.hashes.is_empty() && t.hashes.len() <= TILE_WIDTH as usize);
            if let Some(old) = self.tiles.get(&(t.level, t.index)) {
                assert!(old.len() < TILE_WIDTH as usize, "full tile {t:?} rewritten");
                assert!(
                    old.len() < t.hashes.len(),
                    "tile {}/{} narrowed",
                    t.level,
                    t.index
                );
                assert_eq!(&t.hashes[..old.len()], &old[..], "tile prefix changed");
            }
            self.tiles.insert((t.level, t.index), t.hashes);
        }
    }

    fn reader(&self) -> impl Fn(u8, u64) -> Result<Option<Vec<Hash>>, ()> + '_ {
        |l, i| {
            self.reads.borrow_mut().insert((l, i));
            Ok(self.tiles.get(&(l, i)).cloned())
        }
    }

    fn take_reads(&self) -> usize {
        std::mem::take(&mut *self.reads.borrow_mut()).len()
    }
}

/// Appends `leaves` in batches of the given sizes (cycled), storing each
/// batch's changed tiles as a commit would.
fn build(leaves: &[Hash], batches: &[usize]) -> (TiledFrontier, TileStore) {
    let mut tree = TiledFrontier::new();
    let mut store = TileStore::default();
    let mut at = 0;
    let mut b = batches.iter().cycle();
    while at < leaves.len() {
        let n = (*b.next().unwrap()).max(1).min(leaves.len() - at);
        for leaf in &leaves[at..at + n] {
            tree.push(*leaf);
        }
        at += n;
        store.put(tree.take_changed());
    }
    (tree, store)
}

/// Tile levels of a tree of `n` leaves.
fn levels(n: u64) -> usize {
    let mut l = 0;
    while n >> (8 * l) > 0 {
        l += 1;
    }
    l
}

/// Everything the tiles must agree on for a tree of `n` leaves, checked at
/// the sizes `probe` (each `<= n`) and indices derived from `pick`.
fn check(n: u64, batches: &[usize], probe: &[u64], pick: u64) {
    let l = leaves(n, pick);
    let (tree, store) = build(&l, batches);

    // The stored tiles are exactly the tree's tiles, with their widths.
    let want: Vec<_> = tiles_of(n).map(|c| ((c.level, c.index), c.width)).collect();
    let have: Vec<_> = store
        .tiles
        .iter()
        .map(|(k, v)| (*k, v.len() as u32))
        .collect();
    assert_eq!(have, want, "tiles of {n}");

    assert_eq!(tree.size(), n);
    assert_eq!(tree.root(), root(&l));
    assert_eq!(tree.frontier(), &Frontier::from_leaves(&l));

    // Resuming from the edge tiles alone reads one tile per partial level.
    let resumed = TiledFrontier::from_tiles(n, &store.reader()).unwrap();
    assert_eq!(store.take_reads(), edge_of(n).len());
    assert_eq!(resumed.root(), root(&l));
    assert_eq!(resumed.edge(), tree.edge());
    let mut a = resumed;
    let mut b = tree;
    for leaf in leaves(300, pick ^ 1) {
        a.push(leaf);
        b.push(leaf);
    }
    assert_eq!(
        a.take_changed(),
        b.take_changed(),
        "resumed tree writes the same tiles"
    );

    let budget = 3 * levels(n).max(1) + 1;
    for &s in probe {
        let ls = &l[..s as usize];
        let r = root(ls);
        assert_eq!(root_from_tiles(s, &store.reader()), Ok(r), "root at {s}");
        assert!(store.take_reads() <= budget);
        assert_eq!(
            frontier_from_tiles(s, &store.reader()),
            Ok(Frontier::from_leaves(ls))
        );
        store.take_reads();
        if s > 0 {
            for index in [0, pick % s, s / 2, s - 1] {
                let p = inclusion_proof_from_tiles(s, index, &store.reader()).unwrap();
                assert!(
                    store.take_reads() <= budget,
                    "inclusion {index} in {s} read too many tiles"
                );
                assert_eq!(p, inclusion_proof(ls, index).unwrap(), "({index}, {s})");
                verify_inclusion(&ls[index as usize], index, s, &p, &r).unwrap();
            }
        }
        for old in [0, 1.min(s), pick % (s + 1), s / 2, s.saturating_sub(1), s] {
            let p = consistency_proof_from_tiles(s, old, &store.reader()).unwrap();
            assert!(
                store.take_reads() <= budget,
                "consistency {old}..{s} read too many tiles"
            );
            assert_eq!(p, consistency_proof(ls, old).unwrap(), "({old}, {s})");
            verify_consistency(old, s, &root(&l[..old as usize]), &r, &p).unwrap();
        }
    }
}

#[test]
fn edge_sizes() {
    for n in [0u64, 1, 2, 255, 256, 257, 511, 512, 513] {
        let probe: Vec<u64> = [0, 1, 255, 256, 257, n / 2, n]
            .into_iter()
            .filter(|&s| s <= n)
            .collect();
        check(n, &[1, 7, 256, 1000], &probe, n * 31 + 7);
    }
}

#[test]
fn sizes_around_65536() {
    for n in [65_535u64, 65_536, 65_537] {
        check(n, &[1000, 65_535], &[n, 65_535.min(n)], n);
    }
}

#[test]
fn beyond_two_levels() {
    // 256^2 + 256 + 1: three levels, each with a partial tile.
    let n = 65_536 + 256 + 1;
    check(n, &[4096, 3, 50_000], &[n, 65_536], 12_345);
}

#[test]
fn errors_name_the_tile() {
    let l = leaves(600, 0);
    let (_, mut store) = build(&l, &[600]);
    // Tile 0/1 is full: drop it and the proof of leaf 300 names it.
    store.tiles.remove(&(0, 1));
    match inclusion_proof_from_tiles(600, 300, &store.reader()) {
        Err(TileError::Missing {
            level: 0, index: 1, ..
        }) => {}
        other => panic!("expected tile 0/1 missing, got {other:?}"),
    }
    // An edge tile wider than the size says is refused by `from_tiles`.
    assert!(matches!(
        TiledFrontier::from_tiles(599, &store.reader()),
        Err(TileError::EdgeWidth {
            level: 0,
            index: 2,
            stored: 88,
            needed: 87,
            ..
        })
    ));
    // Out-of-range proofs are proof errors, as with all leaves.
    assert!(matches!(
        inclusion_proof_from_tiles(600, 600, &store.reader()),
        Err(TileError::Proof(_))
    ));
    assert!(matches!(
        consistency_proof_from_tiles(5, 6, &store.reader()),
        Err(TileError::Proof(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn tiles_agree_with_all_leaves(
        n in 0u64..3000,
        batches in prop::collection::vec(1usize..700, 1..5),
        probe in prop::collection::vec(0u64..3000, 1..3),
        pick: u64,
    ) {
        let probe: Vec<u64> = probe.into_iter().map(|s| s % (n + 1)).chain([n]).collect();
        check(n, &batches, &probe, pick);
    }
}

// ----------------------------------------------------------------- tlog_tiles

/// `tlog_tiles` reads our tiles (its paths carry the height, `tile/8/L/N`;
/// C2SP's leave it out) and authenticates them against the root.
struct Theirs<'a>(&'a TileStore);

impl tlog_tiles::TileReader for Theirs<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let ours = rollcall_ledger::tile_path(t.level(), t.level_index(), t.width());
                assert_eq!(t.path().replacen("tile/8/", "tile/", 1), ours);
                let hashes = self
                    .0
                    .tiles
                    .get(&(t.level(), t.level_index()))
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)?;
                Ok(hashes[..t.width() as usize].concat())
            })
            .collect()
    }

    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

#[test]
fn tlog_tiles_reads_our_tiles() {
    use tlog_tiles::{Hash as TH, TileHashReader, check_record, prove_record, tree_hash};
    let n = 66_000u64;
    let l = leaves(n, 3);
    let (_, store) = build(&l, &[999]);
    let theirs = Theirs(&store);
    for size in [1u64, 255, 256, 257, 65_537, n] {
        let r = root(&l[..size as usize]);
        let reader = TileHashReader::new(size, TH(r), &theirs);
        assert_eq!(tree_hash(size, &reader).unwrap().0, r);
        for index in [0, size / 3, size - 1] {
            let proof = prove_record(size, index, &reader).unwrap();
            check_record(&proof, size, TH(r), index, TH(l[index as usize])).unwrap();
        }
    }
    // A wrong root: tlog_tiles refuses the tiles.
    let reader = TileHashReader::new(n, TH([7; 32]), &theirs);
    assert!(tree_hash(n, &reader).is_err());
}
