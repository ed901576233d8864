//! The seal over the projections: proof that the projection rows a node
//! checks a batch against are the ones it derived from exactly the events
//! in its ledger — without reading every row.
//!
//! Each row gets a tag, HMAC(K, table, key, value), under a key K derived
//! from the node's signing key. Rows are grouped into the buckets of
//! [`rollcall_core::state::residency`]; a bucket's digest is the XOR of its
//! rows' tags (zero when empty), so it changes with any row of the bucket
//! edited, added, deleted or rolled back. The 65,536 digests are kept in 256
//! *pages* of 256; each page is hashed, and the seal is
//! HMAC(K, origin, tree size, root, hash of the 256 page hashes), written
//! with the changed pages in the same transaction as every commit and every
//! rebuild (as meta settings: [`META_KEY`], [`PAGES_KEY`], [`page_key`]).
//!
//! Opening a node that holds the key checks the seal against the tree it
//! loaded and the page hashes; loading a bucket checks its page against its
//! hash and the bucket's rows against its digest. So a bucket a rule reads —
//! including the absence of a row in it — is exactly what this node wrote
//! for this tree, or the load fails before any rule is checked against it,
//! at a cost of one page and one bucket, not the whole projection.
//!
//! Without the signing key (a restored copy) the seal cannot be checked;
//! such a copy cannot append either, and `verify` recomputes every row.

use crate::digest::{HmacKey, hash, hex};
use rollcall_core::state::residency::{BUCKETS, bucket_of};
use rollcall_ledger::{Hash, SigningKey};
use std::collections::{BTreeSet, HashMap};

/// The meta setting holding the seal.
pub(crate) const META_KEY: &str = "projection_seal";
/// The meta setting holding the hashes of the 256 pages.
pub(crate) const PAGES_KEY: &str = "projection_seal_pages";

/// Bucket digests per page, and pages.
const PAGE: usize = 256;
const PAGES: usize = BUCKETS as usize / PAGE;

/// The meta setting holding page `p`'s bucket digests (absent: all zero).
pub(crate) fn page_key(p: usize) -> String {
    format!("projection_seal_page:{p:03}")
}

type Page = Box<[Hash; PAGE]>;

fn zero_page() -> Page {
    Box::new([[0; 32]; PAGE])
}

fn page_hash(p: usize, page: &[Hash; PAGE]) -> Hash {
    hash(
        "rollcall seal page v2",
        &[&(p as u16).to_be_bytes(), page.as_flattened()],
    )
}

fn decode_hashes<const N: usize>(text: &str) -> Option<Box<[Hash; N]>> {
    let bytes = text.as_bytes();
    if bytes.len() != N * 64 {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let mut out = Box::new([[0u8; 32]; N]);
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i / 32][i % 32] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Lower-case hex of every hash, one after another (a page is 16 KB of it,
/// written at every commit that changes it: by table, not by `fmt`).
fn encode_hashes(hashes: &[Hash]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(hashes.len() * 64);
    for b in hashes.as_flattened() {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
    // Only ASCII digits were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// What does not match the seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Broken {
    /// The seal or the page list.
    Seal,
    /// A page of bucket digests.
    Page(usize),
    /// The rows of a bucket.
    Bucket(u32),
}

/// The sealed digests of the projections, as far as they are loaded.
pub(crate) struct Seal {
    key: HmacKey,
    /// Tags of the rows of the buckets loaded, by `table NUL key`.
    tags: HashMap<String, Hash>,
    /// Bucket digests of the pages loaded.
    pages: HashMap<usize, Page>,
    page_hashes: Box<[Hash; PAGES]>,
    /// Pages changed since the last [`Seal::take_changed`].
    changed: BTreeSet<usize>,
    /// Scratch space for a row's id.
    id: String,
}

/// Writes the id of row `(table, key)` into `out`: `table NUL key`.
fn row_id_into(out: &mut String, table: &str, key: &str) {
    out.clear();
    out.push_str(table);
    out.push('\0');
    out.push_str(key);
}

fn xor(into: &mut Hash, t: &Hash) {
    for (d, b) in into.iter_mut().zip(t) {
        *d ^= b;
    }
}

impl Seal {
    /// The seal key of a node: secret as long as its signing key is.
    pub(crate) fn key_of(signing: &SigningKey) -> Hash {
        hash(
            "rollcall projection seal key v1",
            &[signing.to_private_string().as_bytes()],
        )
    }

    fn empty(key: Hash) -> Seal {
        let zero = zero_page();
        let mut page_hashes = Box::new([[0; 32]; PAGES]);
        for (p, h) in page_hashes.iter_mut().enumerate() {
            *h = page_hash(p, &zero);
        }
        Seal {
            key: HmacKey::new(&key),
            tags: HashMap::new(),
            pages: HashMap::new(),
            page_hashes,
            changed: BTreeSet::new(),
            id: String::new(),
        }
    }

    /// The digests of exactly `rows` (every row of the projections): every
    /// page is loaded, and every page counts as changed.
    pub(crate) fn from_rows<'a>(
        key: Hash,
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Seal {
        let mut s = Seal::empty(key);
        for p in 0..PAGES {
            s.pages.insert(p, zero_page());
            s.changed.insert(p);
        }
        for (t, k, v) in rows {
            // Every page is here, so no row can miss its page.
            let _ = s.set(t, k, Some(v));
        }
        s.rehash_changed();
        s
    }

    /// The seal as stored (`seal` and `pages`, the page hashes), checked
    /// against the tree it must have been made for. No page is loaded yet.
    pub(crate) fn open(
        key: Hash,
        sealed: Option<&str>,
        pages: Option<&str>,
        origin: &str,
        size: u64,
        root: &Hash,
    ) -> Result<Seal, Broken> {
        let mut s = Seal::empty(key);
        s.page_hashes = decode_hashes::<PAGES>(pages.ok_or(Broken::Seal)?).ok_or(Broken::Seal)?;
        if sealed != Some(s.seal(origin, size, root).as_str()) {
            return Err(Broken::Seal);
        }
        Ok(s)
    }

    /// Whether bucket `b`'s page is here.
    pub(crate) fn has_page_of(&self, b: u32) -> bool {
        self.pages.contains_key(&(b as usize / PAGE))
    }

    /// The page bucket `b` is on.
    pub(crate) fn page_of(b: u32) -> usize {
        b as usize / PAGE
    }

    /// Admits page `p` as stored (`None`: never written, all zero) if it
    /// matches its sealed hash.
    pub(crate) fn admit_page(&mut self, p: usize, stored: Option<&str>) -> Result<(), Broken> {
        let page = match stored {
            None => zero_page(),
            Some(text) => decode_hashes::<PAGE>(text).ok_or(Broken::Page(p))?,
        };
        if page_hash(p, &page) != self.page_hashes[p] {
            return Err(Broken::Page(p));
        }
        self.pages.insert(p, page);
        Ok(())
    }

    /// Admits the rows of bucket `b` (its page admitted first) if they are
    /// exactly the rows its digest was made of; their tags are kept for the
    /// changes to come.
    pub(crate) fn admit_bucket<'a>(
        &mut self,
        b: u32,
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<(), Broken> {
        let want = self
            .pages
            .get(&Self::page_of(b))
            .map(|page| page[b as usize % PAGE])
            .ok_or(Broken::Page(Self::page_of(b)))?;
        let mut got = [0u8; 32];
        let mut tags = Vec::new();
        for (t, k, v) in rows {
            let tag = self.key.mac(&[t.as_bytes(), k.as_bytes(), v.as_bytes()]);
            xor(&mut got, &tag);
            let mut id = String::new();
            row_id_into(&mut id, t, k);
            tags.push((id, tag));
        }
        if got != want {
            return Err(Broken::Bucket(b));
        }
        self.tags.extend(tags);
        Ok(())
    }

    /// Records that row `(table, key)` now holds `value` (`None`: deleted).
    /// Its bucket must have been admitted (every row a batch writes was
    /// loaded first); a row of a page not here is [`Broken::Page`].
    pub(crate) fn set(
        &mut self,
        table: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), Broken> {
        let b = bucket_of(key);
        let p = Self::page_of(b);
        let mut id = std::mem::take(&mut self.id);
        row_id_into(&mut id, table, key);
        let new = value.map(|v| {
            self.key
                .mac(&[table.as_bytes(), key.as_bytes(), v.as_bytes()])
        });
        let Some(page) = self.pages.get_mut(&p) else {
            self.id = id;
            return Err(Broken::Page(p));
        };
        let digest = &mut page[b as usize % PAGE];
        match (self.tags.get_mut(id.as_str()), new) {
            (Some(slot), Some(t)) => {
                let old = std::mem::replace(slot, t);
                xor(digest, &old);
                xor(digest, &t);
            }
            (Some(_), None) => {
                if let Some(old) = self.tags.remove(id.as_str()) {
                    xor(digest, &old);
                }
            }
            (None, Some(t)) => {
                xor(digest, &t);
                self.tags.insert(id.clone(), t);
            }
            (None, None) => {}
        }
        self.changed.insert(p);
        self.id = id;
        Ok(())
    }

    fn rehash_changed(&mut self) {
        for &p in &self.changed {
            if let Some(page) = self.pages.get(&p) {
                self.page_hashes[p] = page_hash(p, page);
            }
        }
    }

    /// The meta settings to write for the changes since the last call: each
    /// changed page, the page hashes and the seal for the tree of `size`
    /// events with `root`.
    pub(crate) fn take_changed(
        &mut self,
        origin: &str,
        size: u64,
        root: &Hash,
    ) -> Vec<(String, String)> {
        self.rehash_changed();
        let mut out: Vec<(String, String)> = std::mem::take(&mut self.changed)
            .into_iter()
            .filter_map(|p| {
                self.pages
                    .get(&p)
                    .map(|page| (page_key(p), encode_hashes(&page[..])))
            })
            .collect();
        out.push((PAGES_KEY.into(), encode_hashes(&self.page_hashes[..])));
        out.push((META_KEY.into(), self.seal(origin, size, root)));
        out
    }

    /// The seal of the digests as they stand, for the tree of `size`
    /// events with `root`.
    fn seal(&self, origin: &str, size: u64, root: &Hash) -> String {
        let pages = hash("rollcall seal pages v2", &[self.page_hashes.as_flattened()]);
        hex(&self.key.mac(&[
            b"projection seal v2",
            origin.as_bytes(),
            &size.to_be_bytes(),
            root,
            &pages,
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(rows: &[(&str, &str, &str)], size: u64, root: Hash) -> Vec<(String, String)> {
        Seal::from_rows([7; 32], rows.iter().copied()).take_changed("o", size, &root)
    }

    fn meta<'a>(m: &'a [(String, String)], k: &str) -> Option<&'a str> {
        m.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
    }

    /// Opens the seal in `m` and admits the bucket of `key` with `rows`.
    fn load(m: &[(String, String)], key: &str, rows: &[(&str, &str, &str)]) -> Result<(), Broken> {
        let mut s = Seal::open(
            [7; 32],
            meta(m, META_KEY),
            meta(m, PAGES_KEY),
            "o",
            3,
            &[1; 32],
        )?;
        let b = bucket_of(key);
        let p = Seal::page_of(b);
        s.admit_page(p, meta(m, &page_key(p)))?;
        s.admit_bucket(b, rows.iter().copied())
    }

    #[test]
    fn a_bucket_loads_only_as_sealed() {
        let rows = [("custody", "P-1", "{a}"), ("person", "P-1", "{b}")];
        let m = sealed(&rows, 3, [1; 32]);
        assert_eq!(load(&m, "P-1", &rows), Ok(()));
        let b = Err(Broken::Bucket(bucket_of("P-1")));
        assert_eq!(
            load(&m, "P-1", &[("custody", "P-1", "{x}"), rows[1]]),
            b,
            "edited"
        );
        assert_eq!(load(&m, "P-1", &rows[..1]), b, "deleted");
        assert_eq!(
            load(&m, "P-1", &[rows[0], rows[1], ("source", "P-1", "{c}")]),
            b,
            "added"
        );
        // Another bucket, empty, loads as empty and only as empty.
        assert_eq!(load(&m, "P-2", &[]), Ok(()));
        assert_eq!(
            load(&m, "P-2", &[("custody", "P-2", "{a}")]),
            Err(Broken::Bucket(bucket_of("P-2")))
        );
    }

    #[test]
    fn the_seal_binds_the_tree_the_key_and_every_page() {
        let rows = [("custody", "P-1", "{a}")];
        let m = sealed(&rows, 3, [1; 32]);
        let open = |size, root: Hash, key| {
            Seal::open(
                key,
                meta(&m, META_KEY),
                meta(&m, PAGES_KEY),
                "o",
                size,
                &root,
            )
            .map(|_| ())
        };
        assert_eq!(open(3, [1; 32], [7; 32]), Ok(()));
        assert_eq!(open(4, [1; 32], [7; 32]), Err(Broken::Seal), "another size");
        assert_eq!(open(3, [2; 32], [7; 32]), Err(Broken::Seal), "another root");
        assert_eq!(open(3, [1; 32], [8; 32]), Err(Broken::Seal), "another key");
        // A page rolled back to an older version fails against its hash.
        let older = sealed(&[("custody", "P-1", "{old}")], 3, [1; 32]);
        let p = Seal::page_of(bucket_of("P-1"));
        let mut s = Seal::open(
            [7; 32],
            meta(&m, META_KEY),
            meta(&m, PAGES_KEY),
            "o",
            3,
            &[1; 32],
        )
        .unwrap();
        assert_eq!(
            s.admit_page(p, meta(&older, &page_key(p))),
            Err(Broken::Page(p))
        );
        assert_eq!(
            s.admit_page(p, None),
            Err(Broken::Page(p)),
            "a page removed"
        );
    }

    #[test]
    fn incremental_changes_equal_a_fresh_digest() {
        let key = [3; 32];
        let mut s = Seal::from_rows(key, [("t", "a", "1"), ("t", "b", "2")]);
        s.take_changed("o", 1, &[0; 32]);
        s.set("t", "a", Some("9")).unwrap();
        s.set("t", "b", None).unwrap();
        s.set("u", "c", Some("3")).unwrap();
        let changed = s.take_changed("o", 1, &[0; 32]);
        let fresh =
            Seal::from_rows(key, [("t", "a", "9"), ("u", "c", "3")]).take_changed("o", 1, &[0; 32]);
        assert_eq!(meta(&changed, META_KEY), meta(&fresh, META_KEY));
        assert_eq!(meta(&changed, PAGES_KEY), meta(&fresh, PAGES_KEY));
        // Only the pages of the rows changed are written again.
        assert!(changed.len() <= 3 + 2, "{}", changed.len());
    }
}
