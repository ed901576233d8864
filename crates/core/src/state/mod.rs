//! The projections — what is true now — and the guarantees checked whenever an
//! event is applied to them.
//!
//! [`State::apply_batch`] is the one way state changes: every event in the
//! batch is checked against the state left by the events before it, and the
//! batch post-conditions are checked after the last one; if anything is
//! refused, every table is rolled back and the state is exactly as it was.
//! On success it reports which projection rows changed, so a store can write
//! just those rows in the same transaction as the events.
//!
//! A state holds every row ([`State::new`], [`State::from_rows`]) or only the
//! buckets of rows loaded into it so far ([`State::partial`],
//! [`State::load_bucket`]); see [`residency`] for how a computation over a
//! partial state that needed a row not loaded is voided and run again.

mod apply;
pub mod counts;
pub mod index;
mod invariants;
pub mod officer_keys;
pub mod origin;
pub mod residency;
mod rows;
pub mod table;
pub mod views;

pub use rows::{ProjectionDelta, RowError, TABLES};
use table::{AnyTable, Table};
use views::*;

use crate::custodian::CustodianKind;
use crate::event::Event;
use crate::ids::RELEASED;
use crate::violation::{BatchRejected, Rule, Violation};
use residency::Miss;

/// Every projection, in memory.
#[derive(Debug, Clone)]
pub struct State {
    pub(crate) persons: Table<IdentityView>,
    pub(crate) custody: Table<CustodyView>,
    pub(crate) custodians: Table<CustodianView>,
    pub(crate) movements: Table<MovementView>,
    pub(crate) discrepancies: Table<DiscrepancyView>,
    pub(crate) cases: Table<CaseView>,
    pub(crate) notifications: Table<NotificationView>,
    pub(crate) repatriations: Table<RepatriationView>,
    pub(crate) reviews: Table<ReviewView>,
    pub(crate) nationalities: Table<u64>,
    pub(crate) counters: Table<u64>,
    pub(crate) sources: Table<String>,
    pub(crate) escorts: Table<EscortRecordView>,
    pub(crate) officer_keys: Table<officer_keys::OfficerKeyView>,
    /// The node minting ids from this state (not a projection row).
    pub(crate) local: crate::ids::NodeCode,
    /// What the batch being applied changed in the custody counts.
    pub(crate) tally: apply::Tally,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    /// The state before any event: only the built-in `released` custodian.
    pub fn new() -> State {
        let mut s = State::blank();
        s.custodians.put(
            RELEASED,
            CustodianView {
                info: CustodianKind::Released,
                occupancy: 0,
                inbound: Vec::new(),
            },
        );
        s.discard_changes();
        s
    }

    /// The position the next event takes in this ledger (the number of
    /// events applied). Positions are not part of an event's identity.
    pub fn next_seq(&self) -> u64 {
        self.counters.get("events").copied().unwrap_or(0)
    }

    /// Applies one event atomically.
    pub fn apply(&mut self, event: &Event) -> Result<ProjectionDelta, Violation> {
        self.apply_batch(std::slice::from_ref(event))
            .map_err(|e| e.violation)
    }

    /// Applies events in order, atomically: all of them or none. After the
    /// last event the batch post-conditions are checked; a batch that breaks
    /// one is refused at its last event.
    pub fn apply_batch(&mut self, events: &[Event]) -> Result<ProjectionDelta, BatchRejected> {
        let first = self.next_seq();
        self.tally = apply::Tally::default();
        for (index, event) in events.iter().enumerate() {
            if let Err(violation) = self.apply_one(event) {
                self.rollback();
                return Err(BatchRejected {
                    index,
                    seq: first + index as u64,
                    violation: self.unless_missing(violation),
                });
            }
        }
        let last = events.len().saturating_sub(1);
        let verdict = if events.is_empty() {
            Ok(())
        } else {
            self.count_changes().and_then(|()| self.check_batch())
        };
        match verdict {
            Err(violation) => {
                self.rollback();
                Err(BatchRejected {
                    index: last,
                    seq: first + last as u64,
                    violation: self.unless_missing(violation),
                })
            }
            Ok(()) if self.has_misses() => {
                self.rollback();
                Err(BatchRejected {
                    index: last,
                    seq: first + last as u64,
                    violation: rows_not_loaded(),
                })
            }
            Ok(()) => Ok(self.take_delta()),
        }
    }

    /// `violation`, unless the computation that found it needed rows that
    /// are not here: then its verdict means nothing.
    fn unless_missing(&self, violation: Violation) -> Violation {
        if self.has_misses() {
            rows_not_loaded()
        } else {
            violation
        }
    }

    /// Applies one event without keeping an undo journal: for replaying a
    /// ledger from its first event (`verify`, `rebuild`). A refused event
    /// leaves this state part-applied; the caller must discard it.
    ///
    /// Call [`State::begin_replay`] first and [`State::end_replay`] after.
    pub fn replay(&mut self, event: &Event) -> Result<(), Violation> {
        self.apply_one(event)
    }

    /// Turns the undo journal off for a replay.
    pub fn begin_replay(&mut self) {
        self.set_journaling(false);
    }

    /// Counts what the replay did not count as it went, and turns the undo
    /// journal back on.
    pub fn end_replay(&mut self) {
        self.recount();
        self.set_journaling(true);
    }

    fn set_journaling(&mut self, on: bool) {
        for t in self.tables_mut() {
            t.set_journaling(on);
        }
    }

    fn rollback(&mut self) {
        self.tally = apply::Tally::default();
        for t in self.tables_mut() {
            t.rollback();
        }
    }

    /// Whether a computation since the last [`State::take_misses`] needed
    /// rows that are not here.
    pub fn has_misses(&self) -> bool {
        self.tables().iter().any(|t| t.has_misses())
    }

    /// The buckets (or [`Miss::All`]) that computations since the last call
    /// needed and did not find here, sorted, without repeats. Empty for a
    /// state that holds every row.
    pub fn take_misses(&self) -> Vec<Miss> {
        let mut out = Vec::new();
        for t in self.tables() {
            t.take_misses(&mut out);
        }
        out.sort_unstable();
        out.dedup();
        if out.contains(&Miss::All) {
            out = vec![Miss::All];
        }
        out
    }

    /// Whether every row is here (not a partial state).
    pub fn is_complete(&self) -> bool {
        self.tables().iter().all(|t| t.is_complete())
    }

    /// Every table, for what is done to each alike.
    fn tables(&self) -> [&dyn AnyTable; 14] {
        [
            &self.persons,
            &self.custody,
            &self.custodians,
            &self.movements,
            &self.discrepancies,
            &self.cases,
            &self.notifications,
            &self.repatriations,
            &self.reviews,
            &self.nationalities,
            &self.counters,
            &self.sources,
            &self.escorts,
            &self.officer_keys,
        ]
    }

    /// Every table, to change each alike.
    pub(super) fn tables_mut(&mut self) -> [&mut dyn AnyTable; 14] {
        [
            &mut self.persons,
            &mut self.custody,
            &mut self.custodians,
            &mut self.movements,
            &mut self.discrepancies,
            &mut self.cases,
            &mut self.notifications,
            &mut self.repatriations,
            &mut self.reviews,
            &mut self.nationalities,
            &mut self.counters,
            &mut self.sources,
            &mut self.escorts,
            &mut self.officer_keys,
        ]
    }

    fn discard_changes(&mut self) {
        let _ = self.take_delta();
    }

    // --- read access -------------------------------------------------------

    /// A person now.
    pub fn person(&self, id: &str) -> Option<PersonView<'_>> {
        let identity = self.persons.get(id)?;
        let custody = self.custody.get(id)?;
        Some(PersonView {
            record: &identity.record,
            record_events: &identity.record_events,
            custody,
            same_as: &identity.same_as,
            linked_rows: &identity.linked_rows,
        })
    }
    /// Every person, by id.
    pub fn persons(&self) -> impl Iterator<Item = (&String, PersonView<'_>)> {
        // Both tables hold exactly the registered ids, in the same order.
        self.persons
            .iter()
            .zip(self.custody.iter())
            .map(|((id, identity), (_, custody))| {
                (
                    id,
                    PersonView {
                        record: &identity.record,
                        record_events: &identity.record_events,
                        custody,
                        same_as: &identity.same_as,
                        linked_rows: &identity.linked_rows,
                    },
                )
            })
    }
    /// The people whose rows are here, in no order: everyone in a state
    /// that holds every row, only those of the loaded buckets in a partial
    /// one. No miss is recorded, so this is never "everyone" to a caller
    /// that has not loaded every bucket: it is for taking a sample of the
    /// registry by loading chosen buckets ([`residency::bucket_of`]).
    pub fn loaded_persons(&self) -> impl Iterator<Item = (&String, PersonView<'_>)> {
        self.persons
            .rows()
            .filter_map(|id| Some((id, self.person_loaded(id)?)))
    }

    /// A person whose rows are here, recording no miss if they are not.
    fn person_loaded(&self, id: &str) -> Option<PersonView<'_>> {
        if !self.persons.has_row(id) || !self.custody.has_row(id) {
            return None;
        }
        self.person(id)
    }

    /// A custodian now.
    pub fn custodian(&self, id: &str) -> Option<&CustodianView> {
        self.custodians.get(id)
    }
    /// Every custodian, by id.
    pub fn custodians(&self) -> impl Iterator<Item = (&String, &CustodianView)> {
        self.custodians.iter()
    }
    /// A movement now.
    pub fn movement(&self, id: &str) -> Option<&MovementView> {
        self.movements.get(id)
    }
    /// Every movement, by id.
    pub fn movements(&self) -> impl Iterator<Item = (&String, &MovementView)> {
        self.movements.iter()
    }
    /// A discrepancy now.
    pub fn discrepancy(&self, id: &str) -> Option<&DiscrepancyView> {
        self.discrepancies.get(id)
    }
    /// Every discrepancy, by id.
    pub fn discrepancies(&self) -> impl Iterator<Item = (&String, &DiscrepancyView)> {
        self.discrepancies.iter()
    }
    /// A person's escort record on a movement.
    pub fn escort_record(&self, movement: &str, person: &str) -> Option<&EscortRecordView> {
        self.escorts.get(&escort_key(movement, person))
    }
    /// A case now.
    pub fn case(&self, id: &str) -> Option<&CaseView> {
        self.cases.get(id)
    }
    /// A notification now.
    pub fn notification(&self, id: &str) -> Option<&NotificationView> {
        self.notifications.get(id)
    }
    /// A repatriation now.
    pub fn repatriation(&self, id: &str) -> Option<&RepatriationView> {
        self.repatriations.get(id)
    }
    /// An identity-match review now.
    pub fn review(&self, id: &str) -> Option<&ReviewView> {
        self.reviews.get(id)
    }
    /// Registered people by primary nationality (alpha-3 or `unknown`).
    pub fn nationalities(&self) -> impl Iterator<Item = (&String, &u64)> {
        self.nationalities.iter()
    }
    /// Registered people whose first nationality is `alpha3` (or `unknown`).
    pub fn nationality_count(&self, alpha3: &str) -> u64 {
        self.nationalities.get(alpha3).copied().unwrap_or(0)
    }
    /// What a roster row is recorded as, if it is: the person registered
    /// from it or linked to it, or the review it waits in.
    pub fn roster_row(&self, roster: &str, record_id: &str) -> Option<&String> {
        self.sources.get(&source_key(roster, record_id))
    }
    /// A named counter (`registered`, `scheduled`, `transferred`,
    /// `deceased`, `events`).
    pub fn counter(&self, name: &str) -> u64 {
        self.counters.get(name).copied().unwrap_or(0)
    }
}

fn rows_not_loaded() -> Violation {
    Violation::new(
        Rule::RowsNotLoaded,
        "the rows this batch needs are not all loaded; load the buckets missed and apply it again",
    )
}

/// The key of the roster-row index: roster and record id, both free text,
/// so the roster's length comes first and no two pairs share a key.
pub(crate) fn source_key(roster: &str, record_id: &str) -> String {
    format!("{}:{roster}/{record_id}", roster.len())
}

/// The key of an escort record: movement and person. Both are checked ids
/// (letters, digits and `-`, checked by `apply` when created), so the `/`
/// cannot occur inside either and no two pairs share a key.
pub(crate) fn escort_key(movement: &str, person: &str) -> String {
    format!("{movement}/{person}")
}
