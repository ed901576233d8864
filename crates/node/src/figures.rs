//! What anyone holding the node may read without a [`crate::Reader`]:
//! figures and records that name no detainee — the summary, custodians and
//! their occupancy, officer keys, a movement's status and counts (never who
//! is on it), and the ids the node will mint next.
//!
//! Everything here is built inside the node from its projections and
//! returned as owned values or as views that hold no person; the state
//! itself is never lent out, so nothing here is a way to a person's record.

use crate::{Node, NodeError};
use rollcall_core::custodian::Coordinates;
use rollcall_core::escort::EscortRecordStatus;
use rollcall_core::movement::{Mode, MovementStatus, Vehicle};
use rollcall_core::ops;
use rollcall_core::state::index;
use rollcall_core::state::officer_keys::OfficerKeyView;
use rollcall_core::state::views::{Count, CustodianView, DiscrepancyStatus, Position};
use rollcall_core::summary::Summary;
use rollcall_core::{MovementId, Namespace, State, Timestamp};
use rollcall_store::IndexChange as StoreIndexChange;
use serde::Serialize;

/// A vehicle of a movement and how many people are seated in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VehicleLoad {
    /// The vehicle.
    #[serde(flatten)]
    pub vehicle: Vehicle,
    /// People seated in it on the manifest.
    pub seated: usize,
}

/// A movement as figures: where it goes, how it travels, where it stands,
/// and how many people are on it at each stage — never who. The manifest,
/// boarded and admitted lists are read through [`crate::Reader::movement`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovementSummary {
    /// The movement.
    pub id: String,
    /// Land or air.
    pub mode: Mode,
    /// Origin facility.
    pub origin: String,
    /// Destination facility.
    pub destination: String,
    /// Planned departure.
    pub planned_departure: Timestamp,
    /// Lifecycle status.
    pub status: MovementStatus,
    /// Vehicles with their seated counts.
    pub vehicles: Vec<VehicleLoad>,
    /// Escort team (officers, not detainees).
    pub escort: Vec<String>,
    /// A medic travels with the escort.
    pub medic: bool,
    /// People on the manifest.
    pub manifest: usize,
    /// People recorded as boarded.
    pub boarded: usize,
    /// People the movement holds now.
    pub on_board: usize,
    /// People admitted at the destination.
    pub admitted: usize,
    /// People on the manifest whose escort record is missing or only started.
    pub escort_records_unconfirmed: usize,
    /// Counts taken (departure, checkpoints).
    pub counts: Vec<Count>,
    /// Position reports received.
    pub positions: usize,
    /// The last reported position.
    pub last_position: Option<Position>,
    /// The planned route, facilities included.
    pub route: Vec<Coordinates>,
    /// Estimated arrival, while under way.
    pub eta: Option<Timestamp>,
    /// When it departed.
    pub departed_at: Option<Timestamp>,
    /// When it arrived.
    pub arrived_at: Option<Timestamp>,
    /// Why it was aborted.
    pub abort_reason: Option<String>,
    /// Open discrepancies about this movement, by id.
    pub open_discrepancies: Vec<String>,
}

impl Node {
    /// The figures of the whole operation: counts by status, nationality,
    /// facility and movement status; discrepancies open and resolved. Read
    /// from counter rows and, for the facilities and nationalities, the
    /// index: its cost follows the number of facilities and nationalities,
    /// not of people.
    pub fn summary(&mut self) -> Result<Summary, NodeError> {
        let mut s = self.resident(|st| st.summary_counts())?;
        for (id, c) in self.facilities()? {
            s.add_facility(&id, &c);
        }
        let nationalities = self.index_keys(index::NATIONALITIES, "")?;
        s.by_nationality = self.resident(|st| {
            nationalities
                .iter()
                .map(|n| (n.clone(), st.nationality_count(n)))
                .collect()
        })?;
        Ok(s)
    }

    /// Every facility, by id (through the index of custodians by kind).
    pub fn facilities(&mut self) -> Result<Vec<(String, CustodianView)>, NodeError> {
        let ids = self.index_keys(index::CUSTODIANS, "facility")?;
        self.resident(|st| {
            ids.iter()
                .filter_map(|id| st.custodian(id).map(|c| (id.clone(), c.clone())))
                .collect()
        })
    }

    /// Every key of one index term, in order.
    pub(crate) fn index_keys(&self, index: &str, term: &str) -> Result<Vec<String>, NodeError> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut last: Option<(String, String)> = None;
        loop {
            let after = last.as_ref().map(|(s, k)| (s.as_str(), k.as_str()));
            let page = self.store.index_page(index, term, after, 1024)?;
            let full = page.len() == 1024;
            last = page.last().map(|e| (e.sort.clone(), e.key.clone()));
            out.extend(page.into_iter().map(|e| (e.sort, e.key)));
            if !full {
                break;
            }
        }
        // Batches staged and not yet committed change the index too.
        let mut changed = false;
        for change in &self.staged_index {
            let (e, add) = match change {
                StoreIndexChange::Insert(e) => (e, true),
                StoreIndexChange::Delete(e) => (e, false),
            };
            if e.index != index || e.term != term {
                continue;
            }
            changed = true;
            out.retain(|(s, k)| (s, k) != (&e.sort, &e.key));
            if add {
                out.push((e.sort.clone(), e.key.clone()));
            }
        }
        if changed {
            out.sort();
        }
        Ok(out.into_iter().map(|(_, k)| k).collect())
    }

    /// A custodian (facility, hospital, foreign representative, movement,
    /// `released`) with its occupancy.
    pub fn custodian(&mut self, id: &str) -> Result<Option<CustodianView>, NodeError> {
        self.resident(|s| s.custodian(id).cloned())
    }

    /// Every officer key registered in the ledger, by key.
    pub fn officer_keys(&mut self) -> Result<Vec<(String, OfficerKeyView)>, NodeError> {
        let keys = self.index_keys(index::OFFICER_KEYS, "")?;
        self.resident(|s| {
            keys.iter()
                .filter_map(|k| s.officer_key(k).map(|v| (k.clone(), v.clone())))
                .collect()
        })
    }

    /// Mints `n` ids of one namespace for this node (`P-NSR1-000012`): the
    /// next ones not yet used. Ids staged since are not seen, so mint again
    /// after staging.
    pub fn mint(&mut self, ns: Namespace, n: usize) -> Result<Vec<String>, NodeError> {
        self.resident(|s| {
            let mut a = s.allocator(ns);
            (0..n).map(|_| a.take()).collect()
        })
    }

    /// Every movement with one of `statuses` (all when empty), in order of
    /// planned departure, found through the index of movements by status:
    /// figures that name nobody.
    pub fn movements(
        &mut self,
        statuses: &[rollcall_core::movement::MovementStatus],
    ) -> Result<Vec<MovementSummary>, NodeError> {
        use rollcall_core::movement::MovementStatus::*;
        let wanted = if statuses.is_empty() {
            &[Planned, Departed, Arrived, Reconciled, Aborted][..]
        } else {
            statuses
        };
        let mut out = Vec::new();
        for status in wanted {
            for id in self.index_keys(index::MOVEMENTS, status.as_str())? {
                if let Some(m) = self.movement_summary(&id)? {
                    out.push(m);
                }
            }
        }
        out.sort_by(|a, b| {
            a.planned_departure
                .cmp(&b.planned_departure)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// Movement `id` as figures, if it exists.
    pub fn movement_summary(&mut self, id: &str) -> Result<Option<MovementSummary>, NodeError> {
        let named = self.index_keys(index::DISCREPANCIES_MOVEMENT, id)?;
        self.resident(|state| movement_summary(state, id, &named))
    }
}

/// Movement `id` as figures, if it exists; `named` are the discrepancies
/// the index lists for it (each checked against its row).
fn movement_summary(state: &State, id: &str, named: &[String]) -> Option<MovementSummary> {
    let m = state.movement(id)?;
    let vehicles = m
        .vehicles
        .iter()
        .map(|v| VehicleLoad {
            vehicle: v.clone(),
            seated: m.manifest.iter().filter(|s| s.vehicle == v.id).count(),
        })
        .collect();
    let escort_records_unconfirmed = m
        .people()
        .filter(|p| {
            state
                .escort_record(id, p.as_str())
                .is_none_or(|r| r.status == EscortRecordStatus::Started)
        })
        .count();
    let mut open_discrepancies: Vec<String> = named
        .iter()
        .filter(|k| {
            state.discrepancy(k).is_some_and(|d| {
                d.status == DiscrepancyStatus::Open
                    && d.movement.as_ref().is_some_and(|x| x.as_str() == id)
            })
        })
        .cloned()
        .collect();
    open_discrepancies.sort();
    Some(MovementSummary {
        id: id.to_string(),
        mode: m.mode,
        origin: m.origin.to_string(),
        destination: m.destination.to_string(),
        planned_departure: m.planned_departure,
        status: m.status,
        vehicles,
        escort: m.escort.clone(),
        medic: m.medic,
        manifest: m.manifest.len(),
        boarded: m.boarded.len(),
        on_board: ops::on_board(state, &MovementId::new(id)).len(),
        admitted: m.admitted.len(),
        escort_records_unconfirmed,
        counts: m.counts.clone(),
        positions: m.track.len(),
        last_position: m.last_position().cloned(),
        route: ops::route_of(state, m),
        eta: ops::eta_of(state, m),
        departed_at: m.departed_at,
        arrived_at: m.arrived_at,
        abort_reason: m.abort_reason.clone(),
        open_discrepancies,
    })
}
