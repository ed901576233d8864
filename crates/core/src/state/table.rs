//! A projection table (hashed for fast lookups) with a transaction journal: every write inside a
//! transaction remembers the value it replaced, so a rejected batch can be
//! rolled back exactly and a committed one reports which rows changed.
//!
//! A table holds all its rows, or only those of the buckets loaded so far
//! ([`super::residency`]): then a lookup, write or iteration that needs a
//! row it cannot vouch for records a miss, which voids the computation.

use super::residency::{Miss, Residency};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A keyed projection table.
#[derive(Debug, Clone)]
pub struct Table<V> {
    rows: HashMap<String, V>,
    /// Each row written in the open transaction, with the value it had
    /// before the transaction's first write to it.
    journal: HashMap<String, Option<V>>,
    journaling: bool,
    /// `None`: every row is here. `Some`: the rows of the loaded buckets are.
    residency: Option<Box<Residency>>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            rows: HashMap::new(),
            journal: HashMap::new(),
            journaling: true,
            residency: None,
        }
    }
}

impl<V> Table<V> {
    /// Whether the absence of `key` here is the truth (recording a miss if not).
    fn knows_absent(&self, key: &str) -> bool {
        self.residency.as_ref().is_none_or(|r| r.knows(key))
    }

    /// Records a miss unless every row is here.
    fn needs_all(&self) {
        if let Some(r) = &self.residency {
            r.needs_all();
        }
    }

    /// Whether `bucket` is here.
    pub(crate) fn holds_bucket(&self, bucket: u32) -> bool {
        self.residency.as_ref().is_none_or(|r| r.is_loaded(bucket))
    }

    /// The keys of the rows here, in no order (records no miss).
    pub(crate) fn rows(&self) -> impl Iterator<Item = &String> {
        self.rows.keys()
    }

    /// Whether the row is here (records no miss).
    pub(crate) fn has_row(&self, key: &str) -> bool {
        self.rows.contains_key(key)
    }
}

/// What the state does to each of its tables alike, whatever their rows.
pub(crate) trait AnyTable {
    /// Turns the undo journal on or off.
    fn set_journaling(&mut self, on: bool);
    /// Undoes every write of the open transaction.
    fn rollback(&mut self);
    /// From now on holds only the buckets loaded into it (it must be empty).
    fn make_partial(&mut self);
    /// Marks `bucket` as loaded: its rows are here.
    fn mark_loaded(&mut self, bucket: u32);
    /// Every row is now here.
    fn mark_complete(&mut self);
    /// Whether every row is here.
    fn is_complete(&self) -> bool;
    /// Whether a miss was recorded since the last `take_misses`.
    fn has_misses(&self) -> bool;
    /// Moves the misses recorded into `out`.
    fn take_misses(&self, out: &mut Vec<Miss>);
}

impl<V: Clone + Serialize + DeserializeOwned> AnyTable for Table<V> {
    fn set_journaling(&mut self, on: bool) {
        Table::set_journaling(self, on)
    }

    fn rollback(&mut self) {
        Table::rollback(self)
    }

    fn make_partial(&mut self) {
        self.residency = Some(Box::new(Residency::empty()));
    }

    fn mark_loaded(&mut self, bucket: u32) {
        if let Some(r) = &mut self.residency {
            r.mark_loaded(bucket);
        }
    }

    fn mark_complete(&mut self) {
        self.residency = None;
    }

    fn is_complete(&self) -> bool {
        self.residency.is_none()
    }

    fn has_misses(&self) -> bool {
        self.residency.as_ref().is_some_and(|r| r.has_misses())
    }

    fn take_misses(&self, out: &mut Vec<Miss>) {
        if let Some(r) = &self.residency {
            r.take_misses(out);
        }
    }
}

impl<V: Clone + Serialize + DeserializeOwned> Table<V> {
    /// Reads a row.
    pub fn get(&self, key: &str) -> Option<&V> {
        let found = self.rows.get(key);
        if found.is_none() {
            self.knows_absent(key);
        }
        found
    }

    /// Whether the row exists.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// All rows in key order (sorted on each call: lookups are what must be
    /// fast; iterating is for reports, exports and `verify`).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.needs_all();
        let mut rows: Vec<(&String, &V)> = self.rows.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        rows.into_iter()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.needs_all();
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.needs_all();
        self.rows.is_empty()
    }

    /// Turns the journal off (for replaying a trusted log fast, where a
    /// refused event aborts the replay anyway) or back on.
    pub fn set_journaling(&mut self, on: bool) {
        self.journaling = on;
        self.journal.clear();
    }

    /// Journals the row's value before its first write in the transaction
    /// (allocating only then: later writes of the same row find it touched).
    fn remember(&mut self, key: &str) {
        if !self.rows.contains_key(key) {
            // Writing a row that may exist elsewhere would journal the wrong
            // old value: only a known absence may be written over.
            self.knows_absent(key);
        }
        if self.journaling && !self.journal.contains_key(key) {
            self.journal
                .insert(key.to_string(), self.rows.get(key).cloned());
        }
    }

    /// Writes a row (in place if it exists, so its key is not copied again).
    pub fn put(&mut self, key: &str, value: V) {
        self.remember(key);
        match self.rows.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.rows.insert(key.to_string(), value);
            }
        }
    }

    /// Changes a row in place; `None` if it does not exist.
    pub fn update<R>(&mut self, key: &str, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        if !self.rows.contains_key(key) {
            self.knows_absent(key);
            return None;
        }
        if self.journaling {
            self.remember(key);
        }
        self.rows.get_mut(key).map(f)
    }

    /// Keys written in the open transaction (empty while not journaling).
    pub fn touched(&self) -> impl Iterator<Item = &String> {
        self.journal.keys()
    }

    /// The row as it was before the open transaction (as it is, if the
    /// transaction has not written it).
    pub fn before(&self, key: &str) -> Option<&V> {
        match self.journal.get(key) {
            Some(old) => old.as_ref(),
            None => self.get(key),
        }
    }

    /// Keys written since the last `take_changes` or `rollback`.
    pub fn take_changes(&mut self) -> Vec<String> {
        let mut keys: Vec<String> = self.journal.drain().map(|(k, _)| k).collect();
        keys.sort();
        keys
    }

    /// Undoes every write since the last `take_changes` or `rollback`.
    pub fn rollback(&mut self) {
        for (key, old) in self.journal.drain() {
            match old {
                Some(v) => {
                    self.rows.insert(key, v);
                }
                None => {
                    self.rows.remove(&key);
                }
            }
        }
    }

    /// A row's stored form.
    pub fn row_value(&self, key: &str) -> Option<String> {
        self.rows
            .get(key)
            .map(|v| serde_json::to_string(v).unwrap_or_default())
    }

    /// Loads a row from its stored form (outside any transaction).
    pub fn load(&mut self, key: &str, value: &str) -> Result<(), serde_json::Error> {
        let v: V = serde_json::from_str(value)?;
        self.rows.insert(key.to_string(), v);
        Ok(())
    }
}

impl Table<u64> {
    /// Adds `delta` (may be negative) to a counter row, removing it at zero.
    /// Refuses, changing nothing, a result below zero or above `u64::MAX`.
    pub fn add(&mut self, key: &str, delta: i64) -> Result<u64, CounterError> {
        let was = self.get(key).copied().unwrap_or(0);
        let now = was.checked_add_signed(delta).ok_or_else(|| CounterError {
            key: key.to_string(),
            was,
            delta,
        })?;
        if now == 0 {
            if self.rows.contains_key(key) {
                self.remember(key);
                self.rows.remove(key);
            }
        } else if now != was {
            self.put(key, now);
        }
        Ok(now)
    }
}

/// A counter that would go below zero or past its largest value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("counter {key} is {was} and cannot change by {delta}")]
pub struct CounterError {
    /// The counter.
    pub key: String,
    /// Its value.
    pub was: u64,
    /// The change refused.
    pub delta: i64,
}
