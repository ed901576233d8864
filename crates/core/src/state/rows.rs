//! Projections as rows (table, key, JSON value): what a store writes, what
//! `rebuild` recomputes and what `verify` compares, row by row.

use super::State;
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
];

/// Rows changed by a batch: `(table, key, Some(new value))` for a written row,
/// `(table, key, None)` for a removed one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectionDelta {
    /// The changed rows.
    pub rows: Vec<(&'static str, String, Option<String>)>,
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
        // The roster-row index is derived from identity rows on load, not stored.
        let _ = self.sources.take_changes();
        ProjectionDelta { rows }
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
        out
    }

    /// Loads the state from stored rows (as written by [`State::to_rows`] or
    /// by applying deltas). Unknown tables and unreadable rows are errors.
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<State, RowError> {
        let mut s = State::new();
        for (table, key, value) in rows {
            let r = match table {
                "case" => s.cases.load(key, value),
                "counter" => s.counters.load(key, value),
                "custodian" => s.custodians.load(key, value),
                "custody" => s.custody.load(key, value),
                "discrepancy" => s.discrepancies.load(key, value),
                "escort" => s.escorts.load(key, value),
                "movement" => s.movements.load(key, value),
                "nationality" => s.nationalities.load(key, value),
                "notification" => s.notifications.load(key, value),
                "officer_key" => s.officer_keys.load(key, value),
                "person" => s.persons.load(key, value),
                "repatriation" => s.repatriations.load(key, value),
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
            })?;
        }
        if s.persons.len() != s.custody.len()
            || s.persons
                .iter()
                .zip(s.custody.iter())
                .any(|((a, _), (b, _))| a != b)
        {
            let odd = s
                .persons
                .iter()
                .map(|(k, _)| k)
                .find(|k| !s.custody.contains(k))
                .or_else(|| {
                    s.custody
                        .iter()
                        .map(|(k, _)| k)
                        .find(|k| !s.persons.contains(k))
                })
                .cloned()
                .unwrap_or_default();
            return Err(RowError {
                table: "person".into(),
                key: odd,
                reason: "every person needs both a person row and a custody row".into(),
            });
        }
        // Derived index: roster row -> person.
        let index: Vec<(String, String)> = s
            .persons
            .iter()
            .filter_map(|(id, p)| {
                p.source
                    .as_ref()
                    .map(|src| (super::source_key(&src.roster, &src.record_id), id.clone()))
            })
            .collect();
        for (key, id) in index {
            s.sources.put(&key, id);
        }
        let _ = s.take_delta();
        Ok(s)
    }
}
