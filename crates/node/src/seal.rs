//! The seal over the projections: proof that the stored projection rows are
//! the ones this node derived from exactly the events in its ledger.
//!
//! Each row gets a tag, HMAC(K, table, key, value), under a key K derived
//! from the node's signing key; the tags are XORed into one digest that is
//! never stored. The seal, HMAC(K, origin, tree size, root, digest), is
//! written in the same transaction as every commit and every rebuild. On
//! open, a node that holds the key recomputes the digest from the rows it
//! loaded and checks the seal against the tree it loaded: an edited, added,
//! deleted or stale row, or rows left over from another tree, fails before
//! any rule is checked against them. So the node never signs an event
//! checked against projections it did not derive itself.
//!
//! Without the signing key (a restored copy) the seal cannot be checked;
//! such a copy cannot append either, and `verify` recomputes every row.

use crate::digest::{HmacKey, hash, hex};
use rollcall_ledger::{Hash, SigningKey};
use std::collections::HashMap;

/// The meta setting holding the seal.
pub(crate) const META_KEY: &str = "projection_seal";

/// The running digest of the projections, and the key it is kept under.
pub(crate) struct Seal {
    key: HmacKey,
    tags: HashMap<String, Hash>,
    digest: Hash,
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

impl Seal {
    /// The seal key of a node: secret as long as its signing key is.
    pub(crate) fn key_of(signing: &SigningKey) -> Hash {
        hash(
            "rollcall projection seal key v1",
            &[signing.to_private_string().as_bytes()],
        )
    }

    /// The digest of `rows`.
    pub(crate) fn from_rows<'a>(
        key: Hash,
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Seal {
        let mut s = Seal {
            key: HmacKey::new(&key),
            tags: HashMap::new(),
            digest: [0; 32],
            id: String::new(),
        };
        for (t, k, v) in rows {
            s.set(t, k, Some(v));
        }
        s
    }

    fn tag(&self, table: &str, key: &str, value: &str) -> Hash {
        self.key
            .mac(&[table.as_bytes(), key.as_bytes(), value.as_bytes()])
    }

    fn xor(&mut self, t: &Hash) {
        for (d, b) in self.digest.iter_mut().zip(t) {
            *d ^= b;
        }
    }

    /// Records that row `(table, key)` now holds `value` (`None`: deleted).
    /// A row already tagged keeps its entry (no new id is allocated for it).
    pub(crate) fn set(&mut self, table: &str, key: &str, value: Option<&str>) {
        let mut id = std::mem::take(&mut self.id);
        row_id_into(&mut id, table, key);
        let new = value.map(|v| self.tag(table, key, v));
        match (self.tags.get_mut(id.as_str()), new) {
            (Some(slot), Some(t)) => {
                let old = std::mem::replace(slot, t);
                self.xor(&old);
                self.xor(&t);
            }
            (Some(_), None) => {
                if let Some(old) = self.tags.remove(id.as_str()) {
                    self.xor(&old);
                }
            }
            (None, Some(t)) => {
                self.xor(&t);
                self.tags.insert(id.clone(), t);
            }
            (None, None) => {}
        }
        self.id = id;
    }

    /// The seal of these rows as derived from the tree of `size` events with `root`.
    pub(crate) fn seal(&self, origin: &str, size: u64, root: &Hash) -> String {
        hex(&self.key.mac(&[
            b"projection seal v1",
            origin.as_bytes(),
            &size.to_be_bytes(),
            root,
            &self.digest,
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_to_the_rows_changes_the_seal() {
        let key = [7; 32];
        let rows = [("custody", "P-1", "{a}"), ("custody", "P-2", "{b}")];
        let base = Seal::from_rows(key, rows).seal("o", 3, &[1; 32]);
        let edited = Seal::from_rows(key, [("custody", "P-1", "{x}"), ("custody", "P-2", "{b}")]);
        assert_ne!(edited.seal("o", 3, &[1; 32]), base);
        let deleted = Seal::from_rows(key, [("custody", "P-2", "{b}")]);
        assert_ne!(deleted.seal("o", 3, &[1; 32]), base);
        let moved = Seal::from_rows(key, [("custody", "P-1", "{b}"), ("custody", "P-2", "{a}")]);
        assert_ne!(moved.seal("o", 3, &[1; 32]), base);
        let full = Seal::from_rows(key, rows);
        assert_ne!(full.seal("o", 4, &[1; 32]), base, "bound to the tree size");
        assert_ne!(full.seal("o", 3, &[2; 32]), base, "bound to the root");
        assert_ne!(
            Seal::from_rows([8; 32], rows).seal("o", 3, &[1; 32]),
            base,
            "bound to the key"
        );
    }

    #[test]
    fn incremental_changes_equal_a_fresh_digest() {
        let key = [3; 32];
        let mut s = Seal::from_rows(key, [("t", "a", "1"), ("t", "b", "2")]);
        s.set("t", "a", Some("9"));
        s.set("t", "b", None);
        s.set("u", "c", Some("3"));
        let fresh = Seal::from_rows(key, [("t", "a", "9"), ("u", "c", "3")]);
        assert_eq!(s.seal("o", 1, &[0; 32]), fresh.seal("o", 1, &[0; 32]));
    }
}
