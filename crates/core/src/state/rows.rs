//! Projections as rows (table, key, JSON value): what a store writes, what
//! `rebuild` recomputes and what `verify` compares, row by row.

use super::State;
use super::residency::bucket_of;
use super::table::Table;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The projection tables, in the order rows are listed.
pub const TABLES: &[&str] = &[
    "case",
    "counter",
    "custodian",
    "custody",
    "discrepancy",
    "escort",
    "movement",
    "nationality",
    "notification",
    "officer_key",
    "person",
    "repatriation",
    "review",
    "source",
];

/// Rows changed by a batch: `(table, key, Some(new value))` for a written row,
/// `(table, key, None)` for a removed one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectionDelta {
    /// The changed rows.
    pub rows: Vec<(&'static str, String, Option<String>)>,
    /// The index entries the changed rows no longer derive, then those
    /// they now derive.
    pub index: Vec<super::index::IndexChange>,
}

/// A stored projection row that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("projection row {table}/{key} cannot be read: {reason}")]
pub struct RowError {
    /// Table.
    pub table: String,
    /// Key.
    pub key: String,
    /// Why.
    pub reason: String,
}

fn delta_of<V: Clone + Serialize + DeserializeOwned>(
    name: &'static str,
    t: &mut Table<V>,
    out: &mut Vec<(&'static str, String, Option<String>)>,
) {
    for key in t.take_changes() {
        let value = t.row_value(&key);
        out.push((name, key, value));
    }
}

fn rows_of<V: Clone + Serialize + DeserializeOwned>(
    name: &'static str,
    t: &Table<V>,
    out: &mut Vec<(String, String, String)>,
) {
    for (key, _) in t.iter() {
        if let Some(v) = t.row_value(key) {
            out.push((name.to_string(), key.clone(), v));
        }
    }
}

impl State {
    pub(super) fn take_delta(&mut self) -> ProjectionDelta {
        let index = self.index_changes();
        let mut rows = Vec::new();
        delta_of("case", &mut self.cases, &mut rows);
        delta_of("counter", &mut self.counters, &mut rows);
        delta_of("custodian", &mut self.custodians, &mut rows);
        delta_of("custody", &mut self.custody, &mut rows);
        delta_of("discrepancy", &mut self.discrepancies, &mut rows);
        delta_of("escort", &mut self.escorts, &mut rows);
        delta_of("movement", &mut self.movements, &mut rows);
        delta_of("nationality", &mut self.nationalities, &mut rows);
        delta_of("notification", &mut self.notifications, &mut rows);
        delta_of("officer_key", &mut self.officer_keys, &mut rows);
        delta_of("person", &mut self.persons, &mut rows);
        delta_of("repatriation", &mut self.repatriations, &mut rows);
        delta_of("review", &mut self.reviews, &mut rows);
        delta_of("source", &mut self.sources, &mut rows);
        ProjectionDelta { rows, index }
    }

    /// Every projection row, ordered by (table, key).
    pub fn to_rows(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        rows_of("case", &self.cases, &mut out);
        rows_of("counter", &self.counters, &mut out);
        rows_of("custodian", &self.custodians, &mut out);
        rows_of("custody", &self.custody, &mut out);
        rows_of("discrepancy", &self.discrepancies, &mut out);
        rows_of("escort", &self.escorts, &mut out);
        rows_of("movement", &self.movements, &mut out);
        rows_of("nationality", &self.nationalities, &mut out);
        rows_of("notification", &self.notifications, &mut out);
        rows_of("officer_key", &self.officer_keys, &mut out);
        rows_of("person", &self.persons, &mut out);
        rows_of("repatriation", &self.repatriations, &mut out);
        rows_of("review", &self.reviews, &mut out);
        rows_of("source", &self.sources, &mut out);
        out
    }

    /// Loads the state from stored rows (as written by [`State::to_rows`] or
    /// by applying deltas): every row of the ledger, so the state holds them
    /// all. Unknown tables and unreadable rows are errors.
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<State, RowError> {
        let mut s = State::new();
        for (table, key, value) in rows {
            s.load_row(table, key, value)?;
        }
        s.check_pairs(None)?;
        let _ = s.take_delta();
        Ok(s)
    }

    /// A state with no row at all (not even `released`) that holds every
    /// row: what [`State::new`] and [`State::partial`] start from, and
    /// where rows are checked before they are loaded elsewhere.
    pub(super) fn blank() -> State {
        State {
            persons: Table::default(),
            custody: Table::default(),
            custodians: Table::default(),
            movements: Table::default(),
            discrepancies: Table::default(),
            cases: Table::default(),
            notifications: Table::default(),
            repatriations: Table::default(),
            reviews: Table::default(),
            nationalities: Table::default(),
            counters: Table::default(),
            sources: Table::default(),
            escorts: Table::default(),
            officer_keys: Table::default(),
            local: crate::ids::NodeCode::default(),
            tally: super::apply::Tally::default(),
        }
    }

    /// A state holding no row yet, to which buckets are loaded as
    /// computations need them ([`State::load_bucket`]).
    pub fn partial() -> State {
        let mut s = State::blank();
        for t in s.tables_mut() {
            t.make_partial();
        }
        s
    }

    /// Loads every stored row of `bucket` (all of them: the bucket's absent
    /// keys are absent from then on). A bucket already here is left as it is
    /// (this state's rows are as new as the store's, or newer: staged).
    /// Call it between computations, never inside one. A row of another
    /// bucket, an unknown table or an unreadable row is an error, and the
    /// bucket stays unloaded.
    pub fn load_bucket<'a>(
        &mut self,
        bucket: u32,
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<(), RowError> {
        if self.holds_bucket(bucket) {
            return Ok(());
        }
        let rows: Vec<(&str, &str, &str)> = rows.into_iter().collect();
        if let Some((table, key, _)) = rows.iter().find(|(_, k, _)| bucket_of(k) != bucket) {
            return Err(RowError {
                table: table.to_string(),
                key: key.to_string(),
                reason: format!("is not in bucket {bucket}"),
            });
        }
        let mut fresh = State::blank();
        for (table, key, value) in &rows {
            fresh.load_row(table, key, value)?;
        }
        fresh.check_pairs(Some(bucket))?;
        for (table, key, value) in rows {
            self.load_row(table, key, value)?;
        }
        for t in self.tables_mut() {
            t.mark_loaded(bucket);
        }
        Ok(())
    }

    /// Loads every stored row not already here (the rows of buckets not yet
    /// loaded), after which the state holds them all. For computations that
    /// iterate a table.
    pub fn load_all<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<(), RowError> {
        let mut fresh = State::blank();
        let mut taken = Vec::new();
        for (table, key, value) in rows {
            if !self.holds_bucket(bucket_of(key)) {
                fresh.load_row(table, key, value)?;
                taken.push((table, key, value));
            }
        }
        for (table, key, value) in taken {
            self.load_row(table, key, value)?;
        }
        for t in self.tables_mut() {
            t.mark_complete();
        }
        self.check_pairs(None)?;
        Ok(())
    }

    /// Whether the rows of `bucket` are here.
    pub fn holds_bucket(&self, bucket: u32) -> bool {
        // Tables are loaded bucket by bucket together: asking one is asking all.
        self.counters.holds_bucket(bucket)
    }

    fn load_row(&mut self, table: &str, key: &str, value: &str) -> Result<(), RowError> {
        let r = match table {
            "case" => self.cases.load(key, value),
            "counter" => self.counters.load(key, value),
            "custodian" => self.custodians.load(key, value),
            "custody" => self.custody.load(key, value),
            "discrepancy" => self.discrepancies.load(key, value),
            "escort" => self.escorts.load(key, value),
            "movement" => self.movements.load(key, value),
            "nationality" => self.nationalities.load(key, value),
            "notification" => self.notifications.load(key, value),
            "officer_key" => self.officer_keys.load(key, value),
            "person" => self.persons.load(key, value),
            "repatriation" => self.repatriations.load(key, value),
            "review" => self.reviews.load(key, value),
            "source" => self.sources.load(key, value),
            other => {
                return Err(RowError {
                    table: other.into(),
                    key: key.into(),
                    reason: "no such projection table".into(),
                });
            }
        };
        r.map_err(|e| RowError {
            table: table.into(),
            key: key.into(),
            reason: e.to_string(),
        })
    }

    /// Every person (of `bucket`, or of the whole state) has both an
    /// identity and a custody row.
    fn check_pairs(&self, bucket: Option<u32>) -> Result<(), RowError> {
        let in_scope = |k: &&String| bucket.is_none_or(|b| bucket_of(k) == b);
        let odd = self
            .persons
            .rows()
            .filter(in_scope)
            .find(|k| !self.custody.has_row(k))
            .or_else(|| {
                self.custody
                    .rows()
                    .filter(in_scope)
                    .find(|k| !self.persons.has_row(k))
            });
        match odd {
            None => Ok(()),
            Some(k) => Err(RowError {
                table: "person".into(),
                key: k.clone(),
                reason: "every person needs both a person row and a custody row".into(),
            }),
        }
    }
}
