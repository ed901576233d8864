//! The status summary: the figures a planner or a monitor reads first.

use crate::custodian::CustodianKind;
use crate::state::State;
use crate::state::views::{CustodianView, CustodyStatus, DiscrepancyStatus};
use serde::Serialize;
use std::collections::BTreeMap;

/// A facility's line in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacilityLine {
    /// Name.
    pub name: String,
    /// Country (alpha-3).
    pub country: String,
    /// People held now.
    pub occupancy: u32,
    /// Capacity.
    pub capacity: u32,
}

/// The operation at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// People registered (records: two found to be one person, both
    /// kept, count twice here and once in [`Summary::linked`]).
    pub registered: u64,
    /// Pairs of registered records linked as one person (`people_linked`).
    pub linked: u64,
    /// People on a transfer manifest at least once.
    pub scheduled: u64,
    /// People admitted at a movement's destination.
    pub transferred: u64,
    /// People on a movement under way now.
    pub in_transit: u64,
    /// People held at a facility now.
    pub held: u64,
    /// People released, repatriated, escaped or deceased.
    pub released: u64,
    /// Repatriated.
    pub repatriated: u64,
    /// Escaped (custodian still accountable).
    pub escaped: u64,
    /// Died in custody.
    pub deceased: u64,
    /// Registered people by primary nationality.
    pub by_nationality: BTreeMap<String, u64>,
    /// Facilities by id.
    pub by_facility: BTreeMap<String, FacilityLine>,
    /// Movements by status.
    pub movements: BTreeMap<String, u64>,
    /// Discrepancies not yet resolved.
    pub open_discrepancies: u64,
    /// Discrepancies resolved.
    pub resolved_discrepancies: u64,
    /// Events in the ledger.
    pub ledger_size: u64,
}

impl State {
    /// The summary of the state now (reads every custodian and nationality
    /// row; a node builds the same from its index: [`State::summary_counts`]
    /// and [`Summary::add_facility`]).
    pub fn summary(&self) -> Summary {
        let mut s = self.summary_counts();
        for (id, c) in self.custodians() {
            s.add_facility(id, c);
        }
        for (n, count) in self.nationalities() {
            s.by_nationality.insert(n.clone(), *count);
        }
        s
    }

    /// The summary's counts, from counter rows alone: no facility and no
    /// nationality yet.
    pub fn summary_counts(&self) -> Summary {
        let status = |s| self.count_in_status(s);
        let mut movements = BTreeMap::new();
        for m in State::movement_statuses() {
            let n = self.count_movements(m);
            if n > 0 {
                movements.insert(m.as_str().to_string(), n);
            }
        }
        Summary {
            registered: self.counter("registered"),
            linked: self.counter("linked"),
            scheduled: self.counter("scheduled"),
            transferred: self.counter("transferred"),
            in_transit: status(CustodyStatus::InTransit),
            held: status(CustodyStatus::Held) + status(CustodyStatus::Hospitalised),
            released: status(CustodyStatus::Released),
            repatriated: status(CustodyStatus::Repatriated),
            escaped: status(CustodyStatus::Escaped),
            deceased: status(CustodyStatus::Deceased),
            by_nationality: BTreeMap::new(),
            by_facility: BTreeMap::new(),
            movements,
            open_discrepancies: self.count_discrepancies(DiscrepancyStatus::Open),
            resolved_discrepancies: self.count_discrepancies(DiscrepancyStatus::Resolved),
            ledger_size: self.next_seq(),
        }
    }
}

impl Summary {
    /// Adds custodian `id`'s line if it is a facility.
    pub fn add_facility(&mut self, id: &str, c: &CustodianView) {
        if let CustodianKind::Facility(f) = &c.info {
            self.by_facility.insert(
                id.to_string(),
                FacilityLine {
                    name: f.name.clone(),
                    country: f.country.to_string(),
                    occupancy: c.occupancy,
                    capacity: f.capacity,
                },
            );
        }
    }
}
