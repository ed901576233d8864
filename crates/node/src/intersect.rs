//! The people on every one of several index lists, a keyset page at a
//! time, without reading anyone's row: "held at IQ-NSR, named Hussein and
//! al-Jubouri" is the intersection of three sorted lists of ids.
//!
//! A leapfrog join: the first list proposes an id, each other list seeks
//! the first id at or after it, and whenever one lands further on, that id
//! is proposed instead; an id every list holds is a result. Each list reads
//! its index in batches from the point sought, so a rare list skips over
//! the long runs of a common one. Written by hand: the store's keyset pages
//! are the only seek there is, and no crate joins them.

use rollcall_store::{Store, StoreError};
use std::collections::VecDeque;

/// Ids read from a list at a time.
const BATCH: usize = 128;

/// One list being walked: `(index, term)`, entries sorted by key (every
/// people index has an empty sort).
struct Walk<'a> {
    index: &'a str,
    term: &'a str,
    buf: VecDeque<String>,
    /// No entry of the list lies past what `buf` holds.
    end: bool,
}

/// A string below `key` with no id between them: ids are letters, digits
/// and `-` (validated at every edge), all below `~`, so the key with its
/// last character lowered and `~`s after it is passed over by no id but
/// `key` itself.
fn just_before(key: &str) -> String {
    let mut s = key.to_string();
    if let Some(c) = s.pop() {
        s.push(char::from_u32(u32::from(c).saturating_sub(1)).unwrap_or(c));
        s.push_str("~~~~~~~~");
    }
    s
}

impl<'a> Walk<'a> {
    fn new(index: &'a str, term: &'a str) -> Walk<'a> {
        Walk {
            index,
            term,
            buf: VecDeque::new(),
            end: false,
        }
    }

    /// The list's first id at or after (`inclusive`) or strictly after
    /// `key`; `None` for the start of the list.
    fn first(
        &mut self,
        store: &dyn Store,
        key: Option<&str>,
        inclusive: bool,
    ) -> Result<Option<String>, StoreError> {
        loop {
            while let Some(front) = self.buf.front() {
                let passed =
                    key.is_some_and(|k| front.as_str() < k || (!inclusive && front.as_str() == k));
                if !passed {
                    return Ok(Some(front.clone()));
                }
                self.buf.pop_front();
            }
            if self.end {
                return Ok(None);
            }
            let from = match key {
                Some(k) if inclusive => Some(just_before(k)),
                Some(k) => Some(k.to_string()),
                None => None,
            };
            let page = store.index_page(
                self.index,
                self.term,
                from.as_deref().map(|k| ("", k)),
                BATCH,
            )?;
            self.end = page.len() < BATCH;
            self.buf = page.into_iter().map(|e| e.key).collect();
            if self.buf.is_empty() {
                return Ok(None);
            }
        }
    }
}

/// At most `limit` ids on every list of `lists` (at least one), in order,
/// after `after`; and whether more may follow.
pub(crate) fn page(
    store: &dyn Store,
    lists: &[(&str, &str)],
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<String>, bool), StoreError> {
    let mut walks: Vec<Walk<'_>> = lists.iter().map(|&(i, t)| Walk::new(i, t)).collect();
    let mut out = Vec::new();
    let Some((driver, others)) = walks.split_first_mut() else {
        return Ok((out, false));
    };
    let mut proposed = driver.first(store, after, false)?;
    'propose: while let Some(id) = proposed {
        for w in others.iter_mut() {
            match w.first(store, Some(&id), true)? {
                None => return Ok((out, false)),
                Some(found) if found == id => {}
                Some(further) => {
                    proposed = driver.first(store, Some(&further), true)?;
                    continue 'propose;
                }
            }
        }
        out.push(id.clone());
        if out.len() == limit {
            return Ok((out, true));
        }
        proposed = driver.first(store, Some(&id), false)?;
    }
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::{just_before, page};
    use proptest::prelude::*;
    use rollcall_store::{Commit, IndexChange, IndexEntry, Store};
    use std::collections::BTreeSet;

    fn id(n: u16) -> String {
        format!("P-T-{n:05}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Paged through in any page size, the join lists exactly the ids
        /// every list holds, in order, each once: lists dense and sparse
        /// (so seeks skip long runs), empty, or equal.
        #[test]
        fn the_join_is_the_intersection_page_by_page(
            lists in prop::collection::vec(
                (1u16..600, prop::collection::btree_set(0u16..600, 0..400)),
                1..4,
            ),
            limit in 1usize..300,
        ) {
            let tmp = tempfile::tempdir().unwrap();
            let mut store = rollcall_store_sqlite::SqliteStore::open(&tmp.path().join("s.db")).unwrap();
            // List i holds its set, and with a stride every `stride`-th id.
            let sets: Vec<BTreeSet<u16>> = lists
                .iter()
                .map(|(stride, set)| {
                    let mut s = set.clone();
                    s.extend((0..600).step_by(usize::from(*stride)));
                    s
                })
                .collect();
            let terms: Vec<String> = (0..sets.len()).map(|i| format!("t{i}")).collect();
            let changes: Vec<IndexChange> = sets
                .iter()
                .zip(&terms)
                .flat_map(|(set, term)| {
                    set.iter().map(move |&n| {
                        IndexChange::Insert(IndexEntry {
                            index: "people.name".into(),
                            term: term.clone(),
                            sort: String::new(),
                            key: id(n),
                        })
                    })
                })
                .collect();
            store.append(&Commit { index: &changes, ..Commit::default() }).unwrap();
            let want: Vec<String> = sets[0]
                .iter()
                .filter(|n| sets.iter().all(|s| s.contains(n)))
                .map(|&n| id(n))
                .collect();
            let refs: Vec<(&str, &str)> = terms.iter().map(|t| ("people.name", t.as_str())).collect();
            let mut got: Vec<String> = Vec::new();
            loop {
                let (keys, more) = page(&store, &refs, got.last().map(String::as_str), limit).unwrap();
                prop_assert!(keys.len() <= limit);
                got.extend(keys);
                if !more {
                    break;
                }
            }
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn nothing_an_id_can_be_lies_between_a_key_and_what_comes_just_before_it() {
        for key in ["P-DEMO-000120", "P-DEMO-00012A", "P-1", "P-DEMO-0001-"] {
            let below = just_before(key);
            assert!(below.as_str() < key, "{key}");
            // The neighbours an id could be are outside (below, key).
            let prefix = &key[..key.len() - 1];
            for c in ('-'..='z').filter(|c| c.is_ascii_alphanumeric() || *c == '-') {
                for tail in ["", "0", "z", "-"] {
                    let id = format!("{prefix}{c}{tail}");
                    if id.as_str() < key {
                        assert!(id <= below, "{id} between {below} and {key}");
                    }
                }
            }
        }
    }
}
