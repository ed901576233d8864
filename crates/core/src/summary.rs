//! The status summary: the figures a planner or a monitor reads first.

use crate::custodian::CustodianKind;
use crate::state::State;
use crate::state::views::{CustodyStatus, DiscrepancyStatus};
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
    /// People registered.
    pub registered: u64,
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
    /// The summary of the state now.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            registered: self.counter("registered"),
            scheduled: self.counter("scheduled"),
            transferred: self.counter("transferred"),
            in_transit: 0,
            held: 0,
            released: 0,
            repatriated: 0,
            escaped: 0,
            deceased: 0,
            by_nationality: self.nationalities().map(|(k, v)| (k.clone(), *v)).collect(),
            by_facility: BTreeMap::new(),
            movements: BTreeMap::new(),
            open_discrepancies: 0,
            resolved_discrepancies: 0,
            ledger_size: self.next_seq(),
        };
        for (_, p) in self.persons() {
            match p.status {
                CustodyStatus::InTransit => s.in_transit += 1,
                CustodyStatus::Held | CustodyStatus::Hospitalised => s.held += 1,
                CustodyStatus::Released => s.released += 1,
                CustodyStatus::Repatriated => s.repatriated += 1,
                CustodyStatus::Escaped => s.escaped += 1,
                CustodyStatus::Deceased => s.deceased += 1,
            }
        }
        for (id, c) in self.custodians() {
            if let CustodianKind::Facility(f) = &c.info {
                s.by_facility.insert(
                    id.clone(),
                    FacilityLine {
                        name: f.name.clone(),
                        country: f.country.to_string(),
                        occupancy: c.occupancy,
                        capacity: f.capacity,
                    },
                );
            }
        }
        for (_, m) in self.movements() {
            *s.movements
                .entry(m.status.as_str().to_string())
                .or_default() += 1;
        }
        for (_, d) in self.discrepancies() {
            match d.status {
                DiscrepancyStatus::Open => s.open_discrepancies += 1,
                DiscrepancyStatus::Resolved => s.resolved_discrepancies += 1,
            }
        }
        s
    }
}
