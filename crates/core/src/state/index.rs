//! The secondary index of the projections: the entries that let a store
//! answer "people at facility X of nationality Y, after P-…, 50 at a time"
//! or "open discrepancies, oldest first" without reading every row.
//!
//! An entry is `(index, term, sort, key)`: within one index and term,
//! entries are ordered by `sort` then `key` (bytes), which is what keyset
//! paging walks. Entries are a pure function of the rows
//! ([`person_entries`], [`discrepancy_entries`]): a batch reports the
//! entries its changed rows no longer have and the ones they now have
//! ([`super::ProjectionDelta::index`]), a replay derives them all
//! ([`super::State::index_entries`]), and `verify` compares the two.

use super::State;
use super::officer_keys::OfficerKeyView;
use super::table::Table;
use super::views::MovementView;
use super::views::{CustodianView, CustodyView, DiscrepancyView, IdentityView, ReviewView};
use crate::custodian::CustodianKind;
use std::collections::BTreeSet;

/// Every person; term: empty.
pub const PEOPLE: &str = "people";
/// People by current custodian; term: the custodian's id.
pub const PEOPLE_AT: &str = "people.at";
/// People by current custodian and nationality; term: [`at_nationality`].
pub const PEOPLE_AT_NATIONALITY: &str = "people.at.nationality";
/// People by nationality (each of theirs); term: ISO 3166-1 alpha-3.
pub const PEOPLE_NATIONALITY: &str = "people.nationality";
/// People by the open movement whose manifest they are on; term: its id.
pub const PEOPLE_MOVEMENT: &str = "people.movement";
/// People by the words of their names; term: a word's skeleton
/// ([`crate::names::search_keys`]).
pub const PEOPLE_NAME: &str = "people.name";
/// Discrepancies by status (`open`, `resolved`), oldest first.
pub const DISCREPANCIES: &str = "discrepancies.status";
/// Discrepancies by movement, oldest first; term: the movement's id.
pub const DISCREPANCIES_MOVEMENT: &str = "discrepancies.movement";

/// Identity-match reviews by status ([`crate::review::ReviewStatus::as_str`]),
/// oldest first.
pub const REVIEWS: &str = "reviews.status";

/// Custodians by kind (`facility`, `hospital`, `foreign_representative`,
/// `movement`, `released`).
pub const CUSTODIANS: &str = "custodians";
/// The nationalities registered people hold as their first (keys of the
/// nationality counts); term: empty.
pub const NATIONALITIES: &str = "nationalities";
/// Movements by status ([`crate::movement::MovementStatus::as_str`]: `planned`, `departed`,
/// …); what the watch reads instead of every movement.
pub const MOVEMENTS: &str = "movements.status";
/// Every registered officer key; term: empty.
pub const OFFICER_KEYS: &str = "officer_keys";

/// The term of [`PEOPLE_AT_NATIONALITY`]: custodian, `/`, alpha-3 (ids hold
/// only letters, digits and `-`, so no two pairs share a term; no NUL, which
/// PostgreSQL text cannot hold).
pub fn at_nationality(custodian: &str, alpha3: &str) -> String {
    format!("{custodian}/{alpha3}")
}

/// One index entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexEntry {
    /// Which index.
    pub index: &'static str,
    /// The value looked up.
    pub term: String,
    /// Order within the term (before `key`).
    pub sort: String,
    /// The row it leads to.
    pub key: String,
}

impl IndexEntry {
    fn new(index: &'static str, term: impl Into<String>, sort: String, key: &str) -> IndexEntry {
        IndexEntry {
            index,
            term: term.into(),
            sort,
            key: key.to_string(),
        }
    }
}

/// A change to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexChange {
    /// The entry is no longer derived.
    Remove(IndexEntry),
    /// The entry is now derived.
    Add(IndexEntry),
}

/// The entries of person `id`.
pub fn person_entries(id: &str, identity: &IdentityView, custody: &CustodyView) -> Vec<IndexEntry> {
    let at = custody.custodian.as_str();
    let mut out = vec![
        IndexEntry::new(PEOPLE, "", String::new(), id),
        IndexEntry::new(PEOPLE_AT, at, String::new(), id),
    ];
    let nationalities: BTreeSet<&str> = identity
        .record
        .nationalities
        .iter()
        .map(|c| c.alpha3())
        .collect();
    for n in nationalities {
        out.push(IndexEntry::new(PEOPLE_NATIONALITY, n, String::new(), id));
        out.push(IndexEntry::new(
            PEOPLE_AT_NATIONALITY,
            at_nationality(at, n),
            String::new(),
            id,
        ));
    }
    if let Some(m) = &custody.movement {
        out.push(IndexEntry::new(
            PEOPLE_MOVEMENT,
            m.as_str(),
            String::new(),
            id,
        ));
    }
    out
}

/// The name entries of person `id` (apart from [`person_entries`]: they
/// change only when the names do, which a handover never touches, and
/// deriving them takes the names apart).
pub fn name_entries(id: &str, identity: &IdentityView) -> Vec<IndexEntry> {
    crate::names::search_keys(&identity.record.names)
        .into_iter()
        .map(|key| IndexEntry::new(PEOPLE_NAME, key, String::new(), id))
        .collect()
}

/// The entries of discrepancy `id`.
pub fn discrepancy_entries(id: &str, d: &DiscrepancyView) -> Vec<IndexEntry> {
    let opened = d.opened_at.to_string();
    let status = d.status.as_str();
    let mut out = vec![IndexEntry::new(DISCREPANCIES, status, opened.clone(), id)];
    if let Some(m) = &d.movement {
        out.push(IndexEntry::new(
            DISCREPANCIES_MOVEMENT,
            m.as_str(),
            opened,
            id,
        ));
    }
    out
}

/// The entries of review `id`.
pub fn review_entries(id: &str, r: &ReviewView) -> Vec<IndexEntry> {
    vec![IndexEntry::new(
        REVIEWS,
        r.status.as_str(),
        r.opened_at.to_string(),
        id,
    )]
}

/// The entries of custodian `id`.
pub fn custodian_entries(id: &str, c: &CustodianView) -> Vec<IndexEntry> {
    let kind = match c.info {
        CustodianKind::Facility(_) => "facility",
        CustodianKind::Movement => "movement",
        CustodianKind::Hospital { .. } => "hospital",
        CustodianKind::ForeignRepresentative { .. } => "foreign_representative",
        CustodianKind::Released => "released",
    };
    vec![IndexEntry::new(CUSTODIANS, kind, String::new(), id)]
}

fn nationality_entries(alpha3: &str, _: &u64) -> Vec<IndexEntry> {
    vec![IndexEntry::new(NATIONALITIES, "", String::new(), alpha3)]
}

/// The entries of movement `id`.
pub fn movement_entries(id: &str, m: &MovementView) -> Vec<IndexEntry> {
    vec![IndexEntry::new(
        MOVEMENTS,
        m.status.as_str(),
        String::new(),
        id,
    )]
}

fn officer_key_entries(key: &str, _: &OfficerKeyView) -> Vec<IndexEntry> {
    vec![IndexEntry::new(OFFICER_KEYS, "", String::new(), key)]
}

/// The index changes of the rows `table` wrote in the open transaction,
/// each row's entries given by `entries`.
fn table_changes<V>(
    table: &Table<V>,
    entries: impl Fn(&str, &V) -> Vec<IndexEntry>,
    out: &mut Vec<IndexChange>,
) where
    V: Clone + serde::Serialize + serde::de::DeserializeOwned,
{
    let touched: BTreeSet<&String> = table.touched().collect();
    for id in touched {
        let old = table.before(id).map(|v| entries(id, v)).unwrap_or_default();
        let new = table.get(id).map(|v| entries(id, v)).unwrap_or_default();
        diff(old, new, out);
    }
}

/// Every entry of `table`'s rows (reads every row).
fn table_entries<V>(
    table: &Table<V>,
    entries: impl Fn(&str, &V) -> Vec<IndexEntry>,
    out: &mut Vec<IndexEntry>,
) where
    V: Clone + serde::Serialize + serde::de::DeserializeOwned,
{
    for (id, v) in table.iter() {
        out.extend(entries(id, v));
    }
}

/// `Remove` for each entry of `old` not in `new`, then `Add` for each of
/// `new` not in `old`.
pub(crate) fn diff(old: Vec<IndexEntry>, new: Vec<IndexEntry>, out: &mut Vec<IndexChange>) {
    for e in &old {
        if !new.contains(e) {
            out.push(IndexChange::Remove(e.clone()));
        }
    }
    for e in new {
        if !old.contains(&e) {
            out.push(IndexChange::Add(e));
        }
    }
}

impl State {
    /// Every index entry the rows derive, sorted (reads every row).
    pub fn index_entries(&self) -> Vec<IndexEntry> {
        let mut out = Vec::new();
        for (id, identity) in self.persons.iter() {
            if let Some(custody) = self.custody.get(id) {
                out.extend(person_entries(id, identity, custody));
                out.extend(name_entries(id, identity));
            }
        }
        table_entries(&self.discrepancies, discrepancy_entries, &mut out);
        table_entries(&self.custodians, custodian_entries, &mut out);
        table_entries(&self.nationalities, nationality_entries, &mut out);
        table_entries(&self.movements, movement_entries, &mut out);
        table_entries(&self.officer_keys, officer_key_entries, &mut out);
        table_entries(&self.reviews, review_entries, &mut out);
        out.sort();
        out
    }

    /// The keys of one index term, in the index's order, derived from the
    /// rows (reads every row: for a whole state, where a node asks its
    /// store's index instead).
    pub fn index_keys(&self, index: &str, term: &str) -> Vec<String> {
        // `index_entries` is sorted by (index, term, sort, key).
        self.index_entries()
            .into_iter()
            .filter(|e| e.index == index && e.term == term)
            .map(|e| e.key)
            .collect()
    }

    /// The index changes of the open transaction: for each person or
    /// discrepancy written, the entries of its rows before and now.
    pub(super) fn index_changes(&self) -> Vec<IndexChange> {
        let mut out = Vec::new();
        let people: BTreeSet<&String> = self
            .persons
            .touched()
            .chain(self.custody.touched())
            .collect();
        for id in people {
            let identity_was = self.persons.before(id);
            let custody_was = self.custody.before(id);
            let old = match (identity_was, custody_was) {
                (Some(i), Some(c)) => person_entries(id, i, c),
                _ => Vec::new(),
            };
            let now = self.persons.get(id).zip(self.custody.get(id));
            let new = match now {
                Some((i, c)) => person_entries(id, i, c),
                None => Vec::new(),
            };
            diff(old, new, &mut out);
            // Names: only when they changed, or the person appeared or went.
            let was = identity_was.filter(|_| custody_was.is_some());
            let is = now.map(|(i, _)| i);
            let same_names = match (was, is) {
                (Some(a), Some(b)) => a.record.names == b.record.names,
                (None, None) => true,
                _ => false,
            };
            if !same_names {
                diff(
                    was.map_or_else(Vec::new, |i| name_entries(id, i)),
                    is.map_or_else(Vec::new, |i| name_entries(id, i)),
                    &mut out,
                );
            }
        }
        table_changes(&self.discrepancies, discrepancy_entries, &mut out);
        table_changes(&self.custodians, custodian_entries, &mut out);
        table_changes(&self.nationalities, nationality_entries, &mut out);
        table_changes(&self.movements, movement_entries, &mut out);
        table_changes(&self.officer_keys, officer_key_entries, &mut out);
        table_changes(&self.reviews, review_entries, &mut out);
        out
    }
}
