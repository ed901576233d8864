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

/// The bucket of a projection row's key. The key is split into its stem and
/// the number its trailing ASCII digits spell (`P-NSR1-000042` is stem
/// `P-NSR1-` and number 42; a key without trailing digits is all stem and
/// number 0); the bucket is the 32-bit FNV-1a hash of the stem, folded to
/// 16 bits, plus the number, modulo [`BUCKETS`].
///
/// Ids are minted in sequence, so the rows a commit writes for a run of new
/// people (or sources, cases, escort records of one movement) fall into a
/// run of neighbouring buckets: their entries in the store's bucket index,
/// and the seal's pages of bucket digests, are a few neighbouring pages
/// rather than one page per row, while a whole namespace still spreads
/// evenly over every bucket. Stable forever (it decides where rows are
/// stored); written here because it is a dozen lines and needs no
/// cryptographic strength: ids are minted by nodes, not chosen by callers.
pub fn bucket_of(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let digits = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let (stem, tail) = bytes.split_at(bytes.len() - digits);
    let mut h: u32 = 0x811c_9dc5;
    for &b in stem {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // Only the number modulo BUCKETS matters: fold the digits as they come.
    let n = tail.iter().fold(0u32, |n, &d| {
        (n.wrapping_mul(10) + u32::from(d - b'0')) % BUCKETS
    });
    (((h >> 16) ^ (h & 0xffff)) + n) % BUCKETS
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
    fn buckets_are_fnv1a_of_the_stem_folded_plus_the_number() {
        // FNV-1a("") = 0x811c9dc5 and FNV-1a("a") = 0xe40c292c, the
        // published test vectors, folded.
        assert_eq!(bucket_of(""), 0x811c ^ 0x9dc5);
        assert_eq!(bucket_of("a"), 0xe40c ^ 0x292c);
        assert_eq!(bucket_of("a7"), (0xe40c ^ 0x292c) + 7);
        assert_eq!(bucket_of("7"), (0x811c ^ 0x9dc5) + 7);
        for key in ["P-NSR1-000001", "events", "origin:NSR1", "mint:P-NSR1"] {
            assert!(bucket_of(key) < BUCKETS);
        }
    }

    #[test]
    fn ids_minted_in_sequence_fill_neighbouring_buckets_and_wrap() {
        let first = bucket_of("P-NSR1-000000");
        for n in 0..200_000u32 {
            let id = format!("P-NSR1-{n:06}");
            assert_eq!(bucket_of(&id), (first + n) % BUCKETS, "{id}");
        }
        // Leading zeros do not matter, and a number longer than any
        // integer type still has a bucket.
        assert_eq!(bucket_of("P-NSR1-42"), bucket_of("P-NSR1-000042"));
        let long = format!("X-{}", "9".repeat(400));
        assert!(bucket_of(&long) < BUCKETS);
        // Other stems start elsewhere.
        assert_ne!(bucket_of("C-NSR1-000001"), bucket_of("P-NSR1-000001"));
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
