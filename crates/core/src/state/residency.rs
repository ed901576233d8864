//! Which projection rows a state holds, and what a computation over it
//! needed that was not there.
//!
//! A node does not load every projection row to answer one command. Rows are
//! grouped into [`BUCKETS`] buckets by their key ([`bucket_of`]), and a state
//! holds whole buckets: for a key whose bucket is loaded, "no row" is the
//! truth; for any other key it is unknown. A table of a partly loaded state
//! answers a lookup of an unknown key as absent *and records a miss*; an
//! iteration over it records that it needs every row ([`Miss::All`]).
//!
//! A computation (a batch applied, a query answered) that recorded a miss
//! saw rows that may not be the truth, so its result is thrown away: the
//! batch is rolled back and refused with [`Rule::RowsNotLoaded`], and the
//! caller loads the buckets named by [`State::take_misses`] and runs it
//! again. Nothing decided on a missing row survives, by construction: no
//! rule needs to know which rows are loaded.
//!
//! The bucket of a key depends on the key alone, not on the table, so a
//! person's identity and custody rows (both keyed by the person's id) are
//! always loaded together.
//!
//! [`Rule::RowsNotLoaded`]: crate::violation::Rule::RowsNotLoaded
//! [`State::take_misses`]: super::State::take_misses

use std::cell::RefCell;

/// Number of buckets: keys are spread over `0 .. BUCKETS`.
pub const BUCKETS: u32 = 1 << 16;

/// The bucket of a projection row's key: 32-bit FNV-1a over the key's UTF-8
/// bytes, folded to 16 bits. Stable forever (it decides where rows are
/// stored); written here because it is six lines and needs no
/// cryptographic strength: ids are minted by nodes, not chosen by callers.
pub fn bucket_of(key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h >> 16) ^ (h & 0xffff)
}

/// What a computation needed that the state did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Miss {
    /// The rows of one bucket.
    Bucket(u32),
    /// Every row (a table was iterated or counted).
    All,
}

/// The buckets a table holds, and its misses.
#[derive(Debug, Clone)]
pub(crate) struct Residency {
    /// One bit per bucket.
    loaded: Vec<u64>,
    misses: RefCell<Vec<Miss>>,
}

impl Residency {
    /// Nothing loaded yet.
    pub(crate) fn empty() -> Residency {
        Residency {
            loaded: vec![0; (BUCKETS / 64) as usize],
            misses: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn is_loaded(&self, bucket: u32) -> bool {
        self.loaded[(bucket / 64) as usize] & (1 << (bucket % 64)) != 0
    }

    pub(crate) fn mark_loaded(&mut self, bucket: u32) {
        self.loaded[(bucket / 64) as usize] |= 1 << (bucket % 64);
    }

    /// Whether the truth about `key` is here; records a miss if not.
    pub(crate) fn knows(&self, key: &str) -> bool {
        let b = bucket_of(key);
        if self.is_loaded(b) {
            return true;
        }
        self.misses.borrow_mut().push(Miss::Bucket(b));
        false
    }

    /// Records that every row was needed.
    pub(crate) fn needs_all(&self) {
        self.misses.borrow_mut().push(Miss::All);
    }

    pub(crate) fn has_misses(&self) -> bool {
        !self.misses.borrow().is_empty()
    }

    pub(crate) fn take_misses(&self, out: &mut Vec<Miss>) {
        out.append(&mut self.misses.borrow_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_fnv1a_folded_and_in_range() {
        // FNV-1a("") = 0x811c9dc5 and FNV-1a("a") = 0xe40c292c, the
        // published test vectors, folded.
        assert_eq!(bucket_of(""), 0x811c ^ 0x9dc5);
        assert_eq!(bucket_of("a"), 0xe40c ^ 0x292c);
        for key in ["P-NSR1-000001", "events", "origin:NSR1", "mint:P-NSR1"] {
            assert!(bucket_of(key) < BUCKETS);
        }
    }

    #[test]
    fn a_key_of_an_unloaded_bucket_is_a_miss_and_of_a_loaded_one_is_not() {
        let mut r = Residency::empty();
        assert!(!r.knows("P-1"));
        r.mark_loaded(bucket_of("P-2"));
        assert!(r.knows("P-2"));
        let mut misses = Vec::new();
        r.take_misses(&mut misses);
        assert_eq!(misses, vec![Miss::Bucket(bucket_of("P-1"))]);
        assert!(!r.has_misses());
    }
}
