//! A projection table (hashed for fast lookups) with a transaction journal: every write inside a
//! transaction remembers the value it replaced, so a rejected batch can be
//! rolled back exactly and a committed one reports which rows changed.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};

/// A keyed projection table.
#[derive(Debug, Clone)]
pub struct Table<V> {
    rows: HashMap<String, V>,
    journal: Vec<(String, Option<V>)>,
    touched: HashSet<String>,
    journaling: bool,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            rows: HashMap::new(),
            journal: Vec::new(),
            touched: HashSet::new(),
            journaling: true,
        }
    }
}

impl<V: Clone + Serialize + DeserializeOwned> Table<V> {
    /// Reads a row.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.rows.get(key)
    }

    /// Whether the row exists.
    pub fn contains(&self, key: &str) -> bool {
        self.rows.contains_key(key)
    }

    /// All rows in key order (sorted on each call: lookups are what must be
    /// fast; iterating is for reports, exports and `verify`).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        let mut rows: Vec<(&String, &V)> = self.rows.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        rows.into_iter()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Turns the journal off (for replaying a trusted log fast, where a
    /// refused event aborts the replay anyway) or back on.
    pub fn set_journaling(&mut self, on: bool) {
        self.journaling = on;
        self.journal.clear();
        self.touched.clear();
    }

    /// Journals the row's value before its first write in the transaction
    /// (allocating only then: later writes of the same row find it touched).
    fn remember(&mut self, key: &str) {
        if self.journaling && !self.touched.contains(key) {
            self.touched.insert(key.to_string());
            self.journal
                .push((key.to_string(), self.rows.get(key).cloned()));
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
        if self.journaling {
            if !self.rows.contains_key(key) {
                return None;
            }
            self.remember(key);
        }
        self.rows.get_mut(key).map(f)
    }

    /// Keys written in the open transaction (empty while not journaling).
    pub fn touched(&self) -> impl Iterator<Item = &String> {
        self.touched.iter()
    }

    /// Keys written since the last `take_changes` or `rollback`.
    pub fn take_changes(&mut self) -> Vec<String> {
        self.journal.clear();
        let mut keys: Vec<String> = self.touched.drain().collect();
        keys.sort();
        keys
    }

    /// Undoes every write since the last `take_changes` or `rollback`.
    pub fn rollback(&mut self) {
        while let Some((key, old)) = self.journal.pop() {
            match old {
                Some(v) => {
                    self.rows.insert(key, v);
                }
                None => {
                    self.rows.remove(&key);
                }
            }
        }
        self.touched.clear();
    }

    /// A row's stored form.
    pub fn row_value(&self, key: &str) -> Option<String> {
        self.rows
            .get(key)
            .map(|v| serde_json::to_string(v).unwrap_or_default())
    }

    /// Loads a row from its stored form.
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
            if self.contains(key) {
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
