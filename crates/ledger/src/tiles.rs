//! The Merkle tree kept as C2SP `tlog-tiles` hash tiles
//! (<https://c2sp.org/tlog-tiles>), so a tree of any size is opened, and
//! its root and proofs computed, from O(log n) stored hashes.
//!
//! ## Layout
//!
//! Tiles have height 8: a **full tile** holds 256 hashes. The tile at
//! **level `L`, index `N`** holds, for `i` in `0..256`, the hash of the
//! perfect subtree of `256^L` leaves starting at leaf `(N·256 + i)·256^L`:
//! level 0 holds leaf hashes, level 1 the roots of each run of 256 leaves,
//! and so on. A tree of `n` leaves has, at each level, `⌊n / 256^(L+1)⌋`
//! full tiles and, where `⌊n / 256^L⌋ mod 256 = W > 0`, one **partial
//! tile** of `W` hashes at the right edge. Only hashes of complete subtrees
//! are ever stored, so a full tile never changes and a partial tile only
//! grows (its hashes stay a prefix of every wider version of it).
//!
//! A tile's path is `tile/L/N` for a full tile and `tile/L/N.p/W` for a
//! partial one, `N` written as 3-digit groups, all but the last prefixed
//! with `x` ([`tile_path`]: `tile/0/x001/234`, `tile/1/000.p/17`).
//!
//! ## Writing and reading
//!
//! [`TiledFrontier`] is the writer: the tree's [`Frontier`] plus its right
//! edge (the partial tile of each level). Appending leaf hashes completes
//! full tiles and widens the last partial tile of each level;
//! [`TiledFrontier::take_changed`] hands over exactly the tiles to persist
//! with the leaves. [`TiledFrontier::from_tiles`] rebuilds it from the edge
//! tiles alone (one per level).
//!
//! Readers go through a [`TileReader`] (any `Fn(level, index) ->
//! Result<Option<Vec<Hash>>, E>` is one), so this crate stays pure:
//! [`root_from_tiles`], [`frontier_from_tiles`],
//! [`inclusion_proof_from_tiles`] and [`consistency_proof_from_tiles`]
//! work for any tree size up to what is stored (a stored tile wider than a
//! smaller tree needs is read as its prefix) and read a handful of tiles
//! per level. Their results equal [`crate::root`], [`crate::inclusion_proof`]
//! and [`crate::consistency_proof`] over all leaves.

use std::collections::HashMap;

use crate::hash::{Hash, empty_root, node_hash};
use crate::proof::ProofError;
use crate::tree::{Frontier, subtree_root};

/// Levels of the tree one tile spans (C2SP tlog-tiles fixes 8).
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile: `2^TILE_HEIGHT`.
pub const TILE_WIDTH: u32 = 1 << TILE_HEIGHT;

/// Where a tile is and how many hashes it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileCoord {
    /// Its level: level `L` holds hashes of subtrees of `256^L` leaves.
    pub level: u8,
    /// Its index within the level.
    pub index: u64,
    /// Hashes in it: 1 to 255 for a partial tile, 256 for a full one.
    pub width: u32,
}

impl TileCoord {
    /// Whether it holds all 256 hashes (and so never changes).
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Its C2SP path, `tile/L/N` or `tile/L/N.p/W`.
    #[must_use]
    pub fn path(&self) -> String {
        tile_path(self.level, self.index, self.width)
    }
}

/// One tile with its hashes, leftmost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// Its level.
    pub level: u8,
    /// Its index within the level.
    pub index: u64,
    /// Its hashes: 1 to 256 of them.
    pub hashes: Vec<Hash>,
}

impl Tile {
    /// Number of hashes in it.
    #[must_use]
    pub fn width(&self) -> u32 {
        // A tile holds at most 256 hashes; the conversion cannot truncate.
        u32::try_from(self.hashes.len()).unwrap_or(u32::MAX)
    }

    /// Its coordinates.
    #[must_use]
    pub fn coord(&self) -> TileCoord {
        TileCoord {
            level: self.level,
            index: self.index,
            width: self.width(),
        }
    }

    /// Its C2SP path.
    #[must_use]
    pub fn path(&self) -> String {
        self.coord().path()
    }

    /// The tile file's contents: its hashes concatenated (32 bytes each).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.hashes.concat()
    }
}

/// The C2SP tile path of level `level`, index `index`, `width` hashes:
/// `tile/L/N` when `width` is 256, else `tile/L/N.p/W`. `N` is written in
/// groups of three digits, every group but the last prefixed with `x`
/// (`1234067` is `x001/x234/067`).
#[must_use]
pub fn tile_path(level: u8, index: u64, width: u32) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    let partial = if width == TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    };
    format!("tile/{level}/{}{partial}", groups.join("/"))
}

/// Hashes at `level` in a tree of `size` leaves: complete subtrees of
/// `256^level` leaves.
fn hashes_at(size: u64, level: u8) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

/// Number of tile levels a tree of `size` leaves has (0 for the empty tree).
fn levels(size: u64) -> u8 {
    let mut level = 0u8;
    while hashes_at(size, level) > 0 {
        level += 1;
    }
    level
}

/// The partial tile at `level` of a tree of `size` leaves, if it has one.
fn edge_at(size: u64, level: u8) -> Option<TileCoord> {
    let count = hashes_at(size, level);
    let width = (count % u64::from(TILE_WIDTH)) as u32;
    (width > 0).then_some(TileCoord {
        level,
        index: count >> TILE_HEIGHT,
        width,
    })
}

/// Every tile of a tree of `size` leaves, level by level, in index order:
/// the full tiles, then the partial tile at the right edge of the level.
pub fn tiles_of(size: u64) -> impl Iterator<Item = TileCoord> {
    (0..levels(size)).flat_map(move |level| {
        let full = hashes_at(size, level) >> TILE_HEIGHT;
        (0..full)
            .map(move |index| TileCoord {
                level,
                index,
                width: TILE_WIDTH,
            })
            .chain(edge_at(size, level))
    })
}

/// The partial tiles at the right edge of a tree of `size` leaves (at most
/// one per level): with [`TiledFrontier::from_tiles`], all a writer needs.
#[must_use]
pub fn edge_of(size: u64) -> Vec<TileCoord> {
    (0..levels(size))
        .filter_map(|level| edge_at(size, level))
        .collect()
}

/// Fetches stored tiles. Any `Fn(u8, u64) -> Result<Option<Vec<Hash>>, E>`
/// is one.
pub trait TileReader {
    /// What a failed read reports.
    type Error;

    /// The hashes of tile `level`/`index` as stored (its widest version),
    /// or `None` if no such tile is stored.
    ///
    /// # Errors
    ///
    /// Whatever the storage reports.
    fn read_tile(&self, level: u8, index: u64) -> Result<Option<Vec<Hash>>, Self::Error>;
}

impl<F, E> TileReader for F
where
    F: Fn(u8, u64) -> Result<Option<Vec<Hash>>, E>,
{
    type Error = E;

    fn read_tile(&self, level: u8, index: u64) -> Result<Option<Vec<Hash>>, E> {
        self(level, index)
    }
}

/// Why a tree could not be read from its tiles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError<E> {
    /// The reader failed.
    #[error("reading tile {level}/{index}: {cause}")]
    Read {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
        /// What the reader reported.
        cause: E,
    },
    /// A tile the tree needs is not stored.
    #[error("tile {level}/{index} is missing: a tree of size {size} needs {needed} hashes of it")]
    Missing {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
        /// Hashes the tree needs from it.
        needed: u32,
        /// The tree size asked about.
        size: u64,
    },
    /// A stored tile holds fewer hashes than the tree needs, or more than a
    /// tile can.
    #[error("tile {level}/{index} holds {stored} hashes, but a tree of size {size} needs {needed}")]
    TooNarrow {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
        /// Hashes stored.
        stored: usize,
        /// Hashes needed.
        needed: u32,
        /// The tree size asked about.
        size: u64,
    },
    /// A partial tile at the right edge, read by
    /// [`TiledFrontier::from_tiles`], does not hold exactly the hashes the
    /// tree size implies (a wider one holds hashes beyond the tree).
    #[error(
        "edge tile {level}/{index} holds {stored} hashes, but a tree of size {size} has exactly {needed} there"
    )]
    EdgeWidth {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
        /// Hashes stored.
        stored: usize,
        /// Hashes the tree has there.
        needed: u32,
        /// The tree size asked about.
        size: u64,
    },
    /// The proof asked for does not exist (index or old size out of range).
    #[error(transparent)]
    Proof(ProofError),
}

/// The tiles read so far for one computation over a tree of `size`.
struct Tiles<'r, R: TileReader + ?Sized> {
    reader: &'r R,
    size: u64,
    cache: HashMap<(u8, u64), Vec<Hash>>,
}

impl<'r, R: TileReader + ?Sized> Tiles<'r, R> {
    fn new(reader: &'r R, size: u64) -> Self {
        Tiles {
            reader,
            size,
            cache: HashMap::new(),
        }
    }

    /// The hashes of tile `level`/`index`, which must hold at least `needed`
    /// (exactly `needed` when `exact`).
    fn hashes(
        &mut self,
        level: u8,
        index: u64,
        needed: u32,
        exact: bool,
    ) -> Result<&[Hash], TileError<R::Error>> {
        let size = self.size;
        if !self.cache.contains_key(&(level, index)) {
            let read = self
                .reader
                .read_tile(level, index)
                .map_err(|cause| TileError::Read {
                    level,
                    index,
                    cause,
                })?
                .ok_or(TileError::Missing {
                    level,
                    index,
                    needed,
                    size,
                })?;
            self.cache.insert((level, index), read);
        }
        let hashes = &self.cache[&(level, index)];
        let stored = hashes.len();
        if exact && stored != needed as usize {
            return Err(TileError::EdgeWidth {
                level,
                index,
                stored,
                needed,
                size,
            });
        }
        if stored < needed as usize || stored > TILE_WIDTH as usize {
            return Err(TileError::TooNarrow {
                level,
                index,
                stored,
                needed,
                size,
            });
        }
        Ok(&hashes[..needed as usize])
    }

    /// Root of the perfect subtree of `2^height` leaves starting at leaf
    /// `k · 2^height`: at most 128 hashes of one tile, hashed together.
    fn perfect(&mut self, height: u32, k: u64) -> Result<Hash, TileError<R::Error>> {
        let level = (height / TILE_HEIGHT) as u8;
        let within = height % TILE_HEIGHT;
        let first = k << within;
        let index = first >> TILE_HEIGHT;
        let pos = (first % u64::from(TILE_WIDTH)) as usize;
        let len = 1usize << within;
        let hashes = self.hashes(level, index, (pos + len) as u32, false)?;
        Ok(subtree_root(&hashes[pos..pos + len]))
    }

    /// `MTH` of leaves `lo..hi` (non-empty), where `lo` is a multiple of
    /// the smallest power of two at least `hi - lo`, as every subtree in
    /// RFC 6962's recursions is: the perfect subtrees it is made of, largest
    /// first, folded from the right.
    fn range(&mut self, lo: u64, hi: u64) -> Result<Hash, TileError<R::Error>> {
        debug_assert!(lo < hi);
        let mut peaks = Vec::with_capacity(64);
        let mut start = lo;
        while start < hi {
            let height = (hi - start).ilog2();
            debug_assert_eq!(start % (1u64 << height), 0, "unaligned subtree");
            peaks.push(self.perfect(height, start >> height)?);
            start += 1u64 << height;
        }
        let mut acc = peaks.pop().unwrap_or_else(empty_root);
        while let Some(left) = peaks.pop() {
            acc = node_hash(&left, &acc);
        }
        Ok(acc)
    }

    /// The perfect-subtree roots of the whole tree, largest first.
    fn peaks(&mut self) -> Result<Vec<Hash>, TileError<R::Error>> {
        let mut peaks = Vec::with_capacity(self.size.count_ones() as usize);
        let mut start = 0u64;
        for height in (0..u64::BITS).rev() {
            if self.size & (1u64 << height) != 0 {
                peaks.push(self.perfect(height, start >> height)?);
                start += 1u64 << height;
            }
        }
        Ok(peaks)
    }

    /// RFC 6962 `PATH(m, D[lo..hi])`, leaf-side siblings first.
    fn path(
        &mut self,
        m: u64,
        lo: u64,
        hi: u64,
        out: &mut Vec<Hash>,
    ) -> Result<(), TileError<R::Error>> {
        if hi - lo <= 1 {
            return Ok(());
        }
        let k = split(hi - lo);
        if m < lo + k {
            self.path(m, lo, lo + k, out)?;
            out.push(self.range(lo + k, hi)?);
        } else {
            self.path(m, lo + k, hi, out)?;
            out.push(self.range(lo, lo + k)?);
        }
        Ok(())
    }

    /// RFC 6962 `SUBPROOF(m, D[lo..hi], complete)`, `m` counted from leaf 0.
    fn subproof(
        &mut self,
        m: u64,
        lo: u64,
        hi: u64,
        complete: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), TileError<R::Error>> {
        if m == hi {
            if !complete {
                out.push(self.range(lo, hi)?);
            }
            return Ok(());
        }
        let k = split(hi - lo);
        if m <= lo + k {
            self.subproof(m, lo, lo + k, complete, out)?;
            out.push(self.range(lo + k, hi)?);
        } else {
            self.subproof(m, lo + k, hi, false, out)?;
            out.push(self.range(lo, lo + k)?);
        }
        Ok(())
    }
}

/// The largest power of two strictly below `n >= 2`.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (n - 1).ilog2()
}

/// `MTH` of the first `size` leaves of the tiled tree `reader` holds.
///
/// # Errors
///
/// [`TileError`] if a tile it needs is missing, too narrow or unreadable.
pub fn root_from_tiles<R: TileReader + ?Sized>(
    size: u64,
    reader: &R,
) -> Result<Hash, TileError<R::Error>> {
    if size == 0 {
        return Ok(empty_root());
    }
    Tiles::new(reader, size).range(0, size)
}

/// The [`Frontier`] of the first `size` leaves of the tiled tree.
///
/// # Errors
///
/// As [`root_from_tiles`].
pub fn frontier_from_tiles<R: TileReader + ?Sized>(
    size: u64,
    reader: &R,
) -> Result<Frontier, TileError<R::Error>> {
    let peaks = Tiles::new(reader, size).peaks()?;
    Ok(Frontier::from_peaks(size, peaks).expect("one peak per set bit of the size"))
}

/// Inclusion proof of leaf `index` in the tree of the first `size` leaves,
/// from tiles: equal to [`crate::inclusion_proof`]`(&leaves[..size], index)`.
///
/// # Errors
///
/// [`TileError::Proof`] if `index >= size`; otherwise as [`root_from_tiles`].
pub fn inclusion_proof_from_tiles<R: TileReader + ?Sized>(
    size: u64,
    index: u64,
    reader: &R,
) -> Result<Vec<Hash>, TileError<R::Error>> {
    if index >= size {
        return Err(TileError::Proof(ProofError::IndexOutOfRange {
            index,
            size,
        }));
    }
    let mut proof = Vec::with_capacity(64);
    Tiles::new(reader, size).path(index, 0, size, &mut proof)?;
    Ok(proof)
}

/// Consistency proof that the tree of the first `old_size` leaves is a
/// prefix of the tree of the first `size`, from tiles: equal to
/// [`crate::consistency_proof`]`(&leaves[..size], old_size)`.
///
/// # Errors
///
/// [`TileError::Proof`] if `old_size > size`; otherwise as
/// [`root_from_tiles`].
pub fn consistency_proof_from_tiles<R: TileReader + ?Sized>(
    size: u64,
    old_size: u64,
    reader: &R,
) -> Result<Vec<Hash>, TileError<R::Error>> {
    if old_size > size {
        return Err(TileError::Proof(ProofError::OldSizeTooLarge {
            old_size,
            new_size: size,
        }));
    }
    let mut proof = Vec::with_capacity(64);
    if old_size > 0 && old_size < size {
        Tiles::new(reader, size).subproof(old_size, 0, size, true, &mut proof)?;
    }
    Ok(proof)
}

/// A growing tree's [`Frontier`] together with its right edge: the partial
/// tile of each level. Appending leaf hashes ([`TiledFrontier::push`])
/// completes full tiles and widens partial ones; [`take_changed`] hands
/// over the tiles to persist with those leaves.
///
/// [`take_changed`]: TiledFrontier::take_changed
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TiledFrontier {
    frontier: Frontier,
    /// `edge[L]`: the hashes of level `L`'s partial tile (fewer than 256).
    edge: Vec<Vec<Hash>>,
    /// Full tiles completed since the last take.
    completed: Vec<Tile>,
    /// Bit `L` set: level `L`'s partial tile changed since the last
    /// [`TiledFrontier::take_changed`].
    dirty: u64,
}

impl TiledFrontier {
    /// The empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree of `size` leaves whose tiles `reader` holds, read from its
    /// right edge alone (one partial tile per level, each holding exactly
    /// the hashes `size` implies). Nothing is pending.
    ///
    /// # Errors
    ///
    /// [`TileError::Missing`] or [`TileError::EdgeWidth`] naming the edge tile
    /// that is absent or of another width, or a read error.
    pub fn from_tiles<R: TileReader + ?Sized>(
        size: u64,
        reader: &R,
    ) -> Result<Self, TileError<R::Error>> {
        let mut tiles = Tiles::new(reader, size);
        let mut edge = Vec::new();
        for level in 0..levels(size) {
            edge.push(match edge_at(size, level) {
                None => Vec::with_capacity(TILE_WIDTH as usize),
                Some(c) => {
                    let mut hashes = Vec::with_capacity(TILE_WIDTH as usize);
                    hashes.extend_from_slice(tiles.hashes(c.level, c.index, c.width, true)?);
                    hashes
                }
            });
        }
        // Every peak lies in an edge tile already read: no further reads.
        let peaks = tiles.peaks()?;
        Ok(TiledFrontier {
            frontier: Frontier::from_peaks(size, peaks).expect("one peak per set bit of the size"),
            edge,
            completed: Vec::new(),
            dirty: 0,
        })
    }

    /// The tree of exactly these leaf hashes, every tile pending.
    #[must_use]
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        let mut t = Self::new();
        for leaf in leaves {
            t.push(*leaf);
        }
        t
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.frontier.push(leaf);
        let size = self.frontier.size();
        let mut carry = leaf;
        let mut level = 0u8;
        loop {
            let l = usize::from(level);
            if self.edge.len() <= l {
                self.edge.push(Vec::with_capacity(TILE_WIDTH as usize));
            }
            self.edge[l].push(carry);
            self.dirty |= 1 << level;
            if self.edge[l].len() < TILE_WIDTH as usize {
                return;
            }
            let hashes =
                std::mem::replace(&mut self.edge[l], Vec::with_capacity(TILE_WIDTH as usize));
            carry = subtree_root(&hashes);
            let index = (hashes_at(size, level) >> TILE_HEIGHT) - 1;
            self.completed.push(Tile {
                level,
                index,
                hashes,
            });
            level += 1;
        }
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The tree's root.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The tree's frontier.
    #[must_use]
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    /// The full tiles completed since the last take, in the order they
    /// were completed; the partial tiles stay pending for
    /// [`TiledFrontier::take_changed`].
    pub fn take_full(&mut self) -> Vec<Tile> {
        std::mem::take(&mut self.completed)
    }

    /// Every tile that changed since the last take, ordered by level and
    /// index: the full tiles completed and the current partial tile of each
    /// level that grew. Storing them (a wider partial tile replacing a
    /// narrower one) keeps the stored tiles those of exactly this tree.
    pub fn take_changed(&mut self) -> Vec<Tile> {
        let mut out = std::mem::take(&mut self.completed);
        for (l, hashes) in self.edge.iter().enumerate() {
            if self.dirty & (1 << l) != 0 && !hashes.is_empty() {
                let level = l as u8;
                out.push(Tile {
                    level,
                    index: hashes_at(self.size(), level) >> TILE_HEIGHT,
                    hashes: hashes.clone(),
                });
            }
        }
        self.dirty = 0;
        out.sort_by_key(|t| (t.level, t.index));
        out
    }

    /// The partial tiles at the right edge now, by level.
    #[must_use]
    pub fn edge(&self) -> Vec<Tile> {
        self.edge
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .map(|(l, hashes)| {
                let level = l as u8;
                Tile {
                    level,
                    index: hashes_at(self.size(), level) >> TILE_HEIGHT,
                    hashes: hashes.clone(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::root;

    #[test]
    fn paths_follow_c2sp() {
        assert_eq!(tile_path(0, 0, 256), "tile/0/000");
        assert_eq!(tile_path(0, 1234, 256), "tile/0/x001/234");
        assert_eq!(tile_path(1, 0, 17), "tile/1/000.p/17");
        assert_eq!(tile_path(2, 1_234_067, 1), "tile/2/x001/x234/067.p/1");
        assert_eq!(tile_path(0, 1000, 256), "tile/0/x001/000");
        assert_eq!(tile_path(0, 999, 255), "tile/0/999.p/255");
    }

    #[test]
    fn tile_counts_by_size() {
        let coords = |n| tiles_of(n).collect::<Vec<_>>();
        assert!(coords(0).is_empty());
        assert_eq!(
            coords(1),
            vec![TileCoord {
                level: 0,
                index: 0,
                width: 1
            }]
        );
        let c = coords(256);
        assert_eq!(c.len(), 2);
        assert!(c[0].is_full());
        assert_eq!((c[1].level, c[1].index, c[1].width), (1, 0, 1));
        let c = coords(65_537);
        // 256 full level-0 tiles and a partial of 1; one full level-1 tile; level 2 of width 1.
        assert_eq!(c.len(), 256 + 1 + 1 + 1);
        assert_eq!(edge_of(65_537).len(), 2);
        assert_eq!(edge_of(65_536).len(), 1);
    }

    #[test]
    fn small_trees_from_their_own_tiles() {
        for n in [0usize, 1, 2, 3, 255, 256, 257, 600] {
            let leaves: Vec<Hash> = (0..n as u64).map(|i| leaf_hash(&i.to_le_bytes())).collect();
            let mut t = TiledFrontier::from_leaves(&leaves);
            let tiles: HashMap<(u8, u64), Vec<Hash>> = t
                .take_changed()
                .into_iter()
                .map(|t| ((t.level, t.index), t.hashes))
                .collect();
            let reader = |l: u8, i: u64| Ok::<_, ()>(tiles.get(&(l, i)).cloned());
            assert_eq!(root_from_tiles(n as u64, &reader), Ok(root(&leaves)));
            assert_eq!(t.root(), root(&leaves));
            let back = TiledFrontier::from_tiles(n as u64, &reader).unwrap();
            assert_eq!(back, t);
        }
    }
}
