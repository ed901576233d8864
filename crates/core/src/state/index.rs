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
use super::views::{CustodianView, CustodyView, DiscrepancyStatus, DiscrepancyView, IdentityView};
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
/// Discrepancies by status (`open`, `resolved`), oldest first.
pub const DISCREPANCIES: &str = "discrepancies.status";
/// Discrepancies by movement, oldest first; term: the movement's id.
pub const DISCREPANCIES_MOVEMENT: &str = "discrepancies.movement";

/// Custodians by kind (`facility`, `hospital`, `foreign_representative`,
/// `movement`, `released`).
pub const CUSTODIANS: &str = "custodians";
/// The nationalities registered people hold as their first (keys of the
/// nationality counts); term: empty.
pub const NATIONALITIES: &str = "nationalities";

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

/// The entries of discrepancy `id`.
pub fn discrepancy_entries(id: &str, d: &DiscrepancyView) -> Vec<IndexEntry> {
    let opened = d.opened_at.to_string();
    let status = match d.status {
        DiscrepancyStatus::Open => "open",
        DiscrepancyStatus::Resolved => "resolved",
    };
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

fn nationality_entries(alpha3: &str) -> Vec<IndexEntry> {
    vec![IndexEntry::new(NATIONALITIES, "", String::new(), alpha3)]
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
            }
        }
        for (id, d) in self.discrepancies.iter() {
            out.extend(discrepancy_entries(id, d));
        }
        for (id, c) in self.custodians.iter() {
            out.extend(custodian_entries(id, c));
        }
        for (n, _) in self.nationalities.iter() {
            out.extend(nationality_entries(n));
        }
        out.sort();
        out
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
            let new = match (self.persons.get(id), self.custody.get(id)) {
                (Some(i), Some(c)) => person_entries(id, i, c),
                _ => Vec::new(),
            };
            diff(old, new, &mut out);
        }
        let touched: BTreeSet<&String> = self.discrepancies.touched().collect();
        for id in touched {
            let old = self
                .discrepancies
                .before(id)
                .map(|d| discrepancy_entries(id, d))
                .unwrap_or_default();
            let new = self
                .discrepancies
                .get(id)
                .map(|d| discrepancy_entries(id, d))
                .unwrap_or_default();
            diff(old, new, &mut out);
        }
        let touched: BTreeSet<&String> = self.custodians.touched().collect();
        for id in touched {
            let old = self
                .custodians
                .before(id)
                .map(|c| custodian_entries(id, c))
                .unwrap_or_default();
            let new = self
                .custodians
                .get(id)
                .map(|c| custodian_entries(id, c))
                .unwrap_or_default();
            diff(old, new, &mut out);
        }
        let touched: BTreeSet<&String> = self.nationalities.touched().collect();
        for n in touched {
            let old = self.nationalities.before(n).map(|_| nationality_entries(n));
            let new = self.nationalities.get(n).map(|_| nationality_entries(n));
            diff(old.unwrap_or_default(), new.unwrap_or_default(), &mut out);
        }
        out
    }
}
