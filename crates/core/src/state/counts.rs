//! The counts the summary reads without scanning every row: people by
//! custody status, movements by status, discrepancies by status. They are
//! counter rows (`status:held`, `movements:departed`, `discrepancies:open`)
//! that each batch changes from the rows it changed, before and after
//! ([`State::count_changes`]); a replay, which keeps no "before", counts them
//! from every row at its end ([`State::recount`]), and `verify` compares the
//! two like any other row.

use super::State;
use super::views::{CustodyStatus, DiscrepancyStatus};
use crate::movement::MovementStatus;
use crate::violation::Violation;
use std::collections::BTreeMap;

const CUSTODY: [CustodyStatus; 7] = [
    CustodyStatus::Held,
    CustodyStatus::InTransit,
    CustodyStatus::Hospitalised,
    CustodyStatus::Repatriated,
    CustodyStatus::Released,
    CustodyStatus::Escaped,
    CustodyStatus::Deceased,
];

const MOVEMENTS: [MovementStatus; 5] = [
    MovementStatus::Planned,
    MovementStatus::Departed,
    MovementStatus::Arrived,
    MovementStatus::Reconciled,
    MovementStatus::Aborted,
];

/// The counter of people in custody status `s`.
pub fn custody_key(s: CustodyStatus) -> &'static str {
    match s {
        CustodyStatus::Held => "status:held",
        CustodyStatus::InTransit => "status:in_transit",
        CustodyStatus::Hospitalised => "status:hospitalised",
        CustodyStatus::Repatriated => "status:repatriated",
        CustodyStatus::Released => "status:released",
        CustodyStatus::Escaped => "status:escaped",
        CustodyStatus::Deceased => "status:deceased",
    }
}

/// The counter of movements in status `s`.
pub fn movement_key(s: MovementStatus) -> &'static str {
    match s {
        MovementStatus::Planned => "movements:planned",
        MovementStatus::Departed => "movements:departed",
        MovementStatus::Arrived => "movements:arrived",
        MovementStatus::Reconciled => "movements:reconciled",
        MovementStatus::Aborted => "movements:aborted",
    }
}

/// The counter of discrepancies in status `s`.
pub fn discrepancy_key(s: DiscrepancyStatus) -> &'static str {
    match s {
        DiscrepancyStatus::Open => "discrepancies:open",
        DiscrepancyStatus::Resolved => "discrepancies:resolved",
    }
}

fn shift(
    deltas: &mut BTreeMap<&'static str, i64>,
    from: Option<&'static str>,
    to: Option<&'static str>,
) {
    if from != to {
        if let Some(k) = from {
            *deltas.entry(k).or_default() -= 1;
        }
        if let Some(k) = to {
            *deltas.entry(k).or_default() += 1;
        }
    }
}

impl State {
    /// Changes the counts by what the open transaction changed.
    pub(super) fn count_changes(&mut self) -> Result<(), Violation> {
        let mut deltas: BTreeMap<&'static str, i64> = BTreeMap::new();
        for id in self.custody.touched() {
            let was = self.custody.before(id).map(|c| custody_key(c.status));
            let now = self.custody.get(id).map(|c| custody_key(c.status));
            shift(&mut deltas, was, now);
        }
        for id in self.movements.touched() {
            let was = self.movements.before(id).map(|m| movement_key(m.status));
            let now = self.movements.get(id).map(|m| movement_key(m.status));
            shift(&mut deltas, was, now);
        }
        for id in self.discrepancies.touched() {
            let was = self
                .discrepancies
                .before(id)
                .map(|d| discrepancy_key(d.status));
            let now = self
                .discrepancies
                .get(id)
                .map(|d| discrepancy_key(d.status));
            shift(&mut deltas, was, now);
        }
        for (key, d) in deltas {
            if d != 0 {
                self.counters
                    .add(key, d)
                    .map_err(super::apply::counter_violation)?;
            }
        }
        Ok(())
    }

    /// Sets the counts from every row (after a replay).
    pub(super) fn recount(&mut self) {
        let mut want: BTreeMap<&'static str, i64> = BTreeMap::new();
        for (_, c) in self.custody.iter() {
            *want.entry(custody_key(c.status)).or_default() += 1;
        }
        for (_, m) in self.movements.iter() {
            *want.entry(movement_key(m.status)).or_default() += 1;
        }
        for (_, d) in self.discrepancies.iter() {
            *want.entry(discrepancy_key(d.status)).or_default() += 1;
        }
        let keys = CUSTODY
            .iter()
            .map(|s| custody_key(*s))
            .chain(MOVEMENTS.iter().map(|s| movement_key(*s)))
            .chain([DiscrepancyStatus::Open, DiscrepancyStatus::Resolved].map(discrepancy_key));
        for key in keys {
            let have = self.counter(key) as i64;
            let target = want.get(key).copied().unwrap_or(0);
            // Both are counts of rows here, so neither side can overflow.
            let _ = self.counters.add(key, target - have);
        }
    }

    /// People in custody status `s` (a counter row).
    pub fn count_in_status(&self, s: CustodyStatus) -> u64 {
        self.counter(custody_key(s))
    }

    /// Movements in status `s` (a counter row).
    pub fn count_movements(&self, s: MovementStatus) -> u64 {
        self.counter(movement_key(s))
    }

    /// Discrepancies in status `s` (a counter row).
    pub fn count_discrepancies(&self, s: DiscrepancyStatus) -> u64 {
        self.counter(discrepancy_key(s))
    }

    /// Every movement status, in lifecycle order.
    pub fn movement_statuses() -> [MovementStatus; 5] {
        MOVEMENTS
    }
}
