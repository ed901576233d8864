//! The guarantees, one subject at a time.
//!
//! [`State::apply_one`] checks what every event shares — ledger order, the
//! encoding version, that it did not happen after it was recorded, that
//! nothing about a person happens before their registration — and hands the
//! event to the one function for its kind, in the module of its subject:
//!
//! - [`registration`]: custodians and people registered, records corrected
//!   (a correction re-checks the planned movement the person is on);
//! - [`matching`]: a roster row linked to a registered person, a row waiting
//!   in the review queue, a review decided (each row recorded once), and
//!   links withdrawn (a row that was not the person, two records that are
//!   two people);
//! - [`custody`]: handovers between facilities, admission, hospital,
//!   release, escape, recapture, death;
//! - [`movement`]: planning, departure (which moves custody of everyone
//!   boarded), checkpoints, positions, arrival, reconciliation, abort (which
//!   returns everyone on board);
//! - [`escort`]: person escort records;
//! - [`judicial`], [`notification`], [`repatriation`];
//! - [`discrepancy`]: opened, escalated, resolved, and the ones other events
//!   open by construction (an escape, a correction that breaks a manifest).
//!
//! A function may write a row before it has finished checking: a refused
//! event inside a batch is undone by the tables' journal
//! ([`State::apply_batch`]); in a replay a refused event ends the replay.
//! After the last event of a batch, [`State::apply_batch`] checks the batch
//! post-conditions on the rows the batch touched ([`State::check_batch`]).

mod custody;
mod discrepancy;
mod escort;
mod judicial;
mod matching;
mod movement;
mod notification;
mod registration;
mod repatriation;

use super::State;
use super::views::*;
use crate::custodian::CustodianKind;
use crate::event::{ENCODING_VERSION, Event, EventId, EventKind};
use crate::ids::*;
use crate::manifest_rules::{self, Traveller};
use crate::movement::MovementStatus;
use crate::person::{Category, PersonRecord};
use crate::violation::{Rule, Violation};
use jiff::Timestamp;

/// The event being applied: its seq (position in this ledger), its origin
/// and counter (its identity), when it happened, who recorded it.
#[derive(Debug, Clone, Copy)]
pub(super) struct At<'a> {
    pub seq: u64,
    pub origin: &'a NodeId,
    pub counter: u64,
    pub at: Timestamp,
    pub user: &'a UserId,
}

impl At<'_> {
    /// The event's identity, the same in every ledger.
    pub fn id(&self) -> EventId {
        EventId {
            origin: self.origin.clone(),
            counter: self.counter,
        }
    }
}

/// What one batch changed in the custody counts, for the post-condition that
/// everyone registered and alive is held by exactly one custodian.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Change in the sum of every custodian's occupancy.
    pub occupancy: i64,
    /// People registered.
    pub registered: i64,
    /// People who died in custody.
    pub deceased: i64,
}

pub(super) fn need_reason(reason: &str, what: &str) -> Result<(), Violation> {
    if reason.trim().is_empty() {
        return Err(Violation::new(
            Rule::ReasonRequired,
            format!("{what} needs a stated reason"),
        ));
    }
    Ok(())
}

pub(super) fn check_record(person: &PersonId, record: &PersonRecord) -> Result<(), Violation> {
    if record.names.full.trim().is_empty() {
        return Err(Violation::new(Rule::InvalidValue, "the full name is empty").person(person));
    }
    Ok(())
}

/// Refuses `at` if it is before `earliest`, naming what and both times.
pub(super) fn not_before(
    at: Timestamp,
    earliest: Timestamp,
    what: impl FnOnce() -> String,
) -> Result<(), Violation> {
    if at < earliest {
        return Err(Violation::new(
            Rule::TimeOrder,
            format!("{}: this event is dated {at}, before {earliest}", what()),
        ));
    }
    Ok(())
}

pub(crate) fn counter_violation(e: super::table::CounterError) -> Violation {
    Violation::new(Rule::InvalidValue, e.to_string())
}

impl State {
    pub(super) fn apply_one(&mut self, event: &Event) -> Result<(), Violation> {
        // The event's position in this ledger; its identity is its origin
        // and that origin's counter, checked here to be the next one.
        let seq = self.next_seq();
        if event.v != ENCODING_VERSION {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("encoding version {} is not {ENCODING_VERSION}", event.v),
            ));
        }
        self.check_origin(event)?;
        self.check_new_id(&event.what)?;
        crate::limits::check_event(event)?;
        // Not after it was recorded, allowing the same clock skew between a
        // reporting device and the recording node as every other path.
        if crate::limits::not_in_future(event.occurred_at, event.recorded_at, "the time").is_err() {
            return Err(Violation::new(
                Rule::TimeOrder,
                format!(
                    "event {seq} is dated {}, after it was recorded at {} (more than {} s of clock skew)",
                    event.occurred_at,
                    event.recorded_at,
                    crate::limits::FUTURE_SKEW_SECS
                ),
            ));
        }
        // Every person an event is about is registered (but the one a
        // registration registers), and nothing about them predates it.
        let persons = event.what.persons();
        let registering = matches!(
            event.what,
            EventKind::PersonRegistered { .. }
                | EventKind::MatchReviewDecided {
                    decision: crate::review::ReviewDecision::NewPerson { .. },
                    ..
                }
                | EventKind::RosterRowUnlinked {
                    decision: crate::review::ReviewDecision::NewPerson { .. },
                    ..
                }
        );
        for p in &persons {
            match self.persons.get(p.as_str()) {
                Some(identity) => not_before(event.occurred_at, identity.registered_at, || {
                    format!("person {p} was registered at {}", identity.registered_at)
                })
                .map_err(|v| v.person(p))?,
                None if registering => {}
                None => {
                    return Err(Violation::new(
                        Rule::KnownPerson,
                        format!("person {p} is not registered"),
                    )
                    .person(p));
                }
            }
        }
        let at = At {
            seq,
            origin: event.origin(),
            counter: event.counter,
            at: event.occurred_at,
            user: &event.actor.user,
        };
        self.apply_kind(at, &event.what)?;
        for p in persons {
            self.record_history(p, seq);
        }
        self.note_identity(event);
        self.counters.put("events", seq + 1);
        Ok(())
    }

    /// Adds the event to the person's history (once per event).
    pub(super) fn record_history(&mut self, person: &PersonId, seq: u64) {
        self.custody.update(person.as_str(), |v| {
            if v.history.last() != Some(&seq) {
                v.history.push(seq)
            }
        });
    }

    /// Hands the event to the function for its kind.
    fn apply_kind(&mut self, t: At<'_>, what: &EventKind) -> Result<(), Violation> {
        use EventKind::*;
        match what {
            CustodianRegistered { custodian, info } => self.custodian_registered(custodian, info),
            PersonRegistered {
                person,
                record,
                custodian,
                source,
                capacity_override,
            } => self.person_registered(t, person, record, custodian, source, capacity_override),
            PersonRecordCorrected {
                person,
                corrects,
                record,
                reason,
                discrepancy,
            } => self.record_corrected(t, person, corrects, record, reason, discrepancy),
            RosterRowLinked {
                person,
                source,
                record,
                custodian,
                discrepancy,
                ..
            } => self.roster_row_linked(t, person, source, record, custodian, discrepancy),
            MatchReviewOpened {
                review,
                source,
                record,
                custodian,
                candidates,
            } => self.review_opened(t, review, source, record, custodian, candidates),
            MatchReviewDecided {
                review,
                decision,
                reason,
                discrepancy,
                capacity_override,
            } => self.review_decided(t, review, decision, reason, discrepancy, capacity_override),
            PeopleLinked {
                person,
                same_as,
                reason,
                discrepancy,
            } => self.people_linked(t, person, same_as, reason, discrepancy),
            RosterRowUnlinked {
                person,
                source,
                decision,
                reason,
                discrepancy,
                capacity_override,
            } => self.roster_row_unlinked(
                t,
                person,
                source,
                decision,
                reason,
                discrepancy,
                capacity_override,
            ),
            PeopleUnlinked {
                person,
                same_as,
                reason,
            } => self.people_unlinked(t, person, same_as, reason),

            CustodyHandedOver {
                person,
                from,
                to,
                capacity_override,
                signatures,
                ..
            } => {
                self.check_custody_signatures("handover", from, to, signatures)?;
                self.handed_over(t, person, from, to, capacity_override)
            }
            PersonAdmitted {
                person,
                movement,
                facility,
                capacity_override,
                signatures,
            } => {
                self.check_custody_signatures("admission", &movement.into(), facility, signatures)?;
                self.admitted(t, person, movement, facility, capacity_override)
            }
            TakenToHospital {
                person,
                from,
                hospital,
                reason,
            } => self.taken_to_hospital(t, person, from, hospital, reason),
            PersonReleased {
                person,
                from,
                authority,
                reason,
            } => self.released(t, person, from, authority, reason),
            PersonEscaped {
                person,
                from,
                circumstances,
                discrepancy,
            } => self.escaped(t, person, from, circumstances, discrepancy),
            PersonRecaptured { person, by } => self.recaptured(t, person, by),
            DiedInCustody {
                person, custodian, ..
            } => self.died(t, person, custodian),

            MovementPlanned {
                movement,
                mode,
                origin,
                destination,
                planned_departure,
                vehicles,
                escort,
                medic,
                manifest,
                route,
            } => self.movement_planned(
                t,
                movement,
                movement::Plan {
                    mode: *mode,
                    origin,
                    destination,
                    planned_departure: *planned_departure,
                    vehicles,
                    escort,
                    medic: *medic,
                    manifest,
                    route,
                },
            ),
            MovementDeparted {
                movement,
                headcount,
                boarded,
                signatures,
            } => self.departed(t, movement, *headcount, boarded, signatures),
            MovementCheckpointPassed {
                movement,
                place,
                count,
            } => self.checkpoint_passed(t, movement, place, *count),
            MovementPositionReported { movement, lat, lon } => {
                self.position_reported(t, movement, *lat, *lon)
            }
            MovementArrived { movement } => self.arrived(t, movement),
            MovementReconciled {
                movement,
                admitted,
                missing,
                mismatched,
                ..
            } => self.reconciled(t, movement, *admitted, missing, mismatched),
            MovementAborted {
                movement,
                return_to,
                reason,
                discrepancy,
            } => self.aborted(t, movement, return_to, reason, discrepancy),

            EscortRecordStarted {
                movement,
                person,
                record,
            } => self.escort_started(t, movement, person, record),
            EscortRecordUpdated {
                movement,
                person,
                record,
            } => self.escort_updated(t, movement, person, record),
            EscortRecordConfirmed { movement, person } => {
                self.escort_confirmed(t, movement, person)
            }
            EscortRecordHandedOver {
                movement,
                person,
                to,
            } => self.escort_handed_over(t, movement, person, to),

            CaseOpened {
                case,
                person,
                committee,
                legal_basis,
                first_appearance_due,
            } => self.case_opened(
                t,
                case,
                person,
                committee,
                legal_basis,
                *first_appearance_due,
            ),
            HearingHeld {
                case,
                next_review_due,
                ..
            } => self.hearing_held(t, case, *next_review_due),
            ChargeBrought { case, charge, .. } => self.charge_brought(t, case, charge),
            CaseOutcomeRecorded { case, outcome } => self.outcome_recorded(t, case, outcome),

            NotificationSent {
                notification,
                person,
                recipient,
                channel,
                subject,
            } => self.notification_sent(t, notification, person, recipient, channel, subject),
            NotificationAcknowledged { notification, by } => {
                self.notification_acknowledged(notification, by)
            }

            RepatriationRequested {
                repatriation,
                person,
                state,
            } => self.repatriation_requested(repatriation, person, *state),
            RepatriationAccepted { repatriation } => self.repatriation_accepted(repatriation),
            RepatriationRefused {
                repatriation,
                reason,
            } => self.repatriation_refused(repatriation, reason),
            RepatriationHandedOver {
                repatriation,
                from,
                to,
            } => self.repatriation_handed_over(t, repatriation, from, to),

            OfficerKeyRegistered {
                custodian,
                key,
                officer,
            } => self.register_officer_key(t.seq, custodian, key, officer),
            OfficerKeyRevoked {
                custodian,
                key,
                reason,
            } => self.revoke_officer_key(t.seq, custodian, key, reason),

            DiscrepancyOpened {
                discrepancy,
                kind,
                severity,
                summary,
                persons,
                movement,
                custodian,
                owner,
            } => self.discrepancy_opened(
                t,
                discrepancy,
                discrepancy::Opening {
                    kind: *kind,
                    severity: *severity,
                    summary,
                    persons,
                    movement,
                    custodian,
                    owner,
                },
            ),
            DiscrepancyEscalated {
                discrepancy,
                severity,
                owner,
                reason,
            } => self.discrepancy_escalated(t, discrepancy, *severity, owner, reason),
            DiscrepancyResolved {
                discrepancy,
                reason,
            } => self.discrepancy_resolved(t, discrepancy, reason),

            // The access log lives beside the ledger; `verify` checks its chain.
            AccessLogged { count, .. } => access_logged(*count),
        }
    }

    // --- shared look-ups ----------------------------------------------------

    pub(super) fn person_view(&self, p: &PersonId) -> Result<PersonView<'_>, Violation> {
        self.person(p.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownPerson, format!("person {p} is not registered")).person(p)
        })
    }

    pub(super) fn custodian_view(&self, c: &CustodianId) -> Result<&CustodianView, Violation> {
        self.custodians.get(c.as_str()).ok_or_else(|| {
            Violation::new(
                Rule::KnownCustodian,
                format!("custodian {c} is not registered"),
            )
            .custodian(c)
        })
    }

    pub(super) fn movement_view(&self, m: &MovementId) -> Result<&MovementView, Violation> {
        self.movements.get(m.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownRecord, format!("movement {m} does not exist"))
                .custodian(&m.into())
        })
    }

    pub(super) fn require_facility(&self, c: &CustodianId) -> Result<(), Violation> {
        match &self.custodian_view(c)?.info {
            CustodianKind::Facility(_) => Ok(()),
            other => Err(Violation::new(
                Rule::CustodianKind,
                format!("custodian {c} is a {}, not a facility", other.label()),
            )
            .custodian(c)),
        }
    }

    pub(super) fn unique<T>(&self, exists: bool, what: &str, id: &T) -> Result<(), Violation>
    where
        T: std::fmt::Display,
    {
        if exists {
            return Err(Violation::new(
                Rule::UniqueId,
                format!("{what} {id} already exists; ids are never reused"),
            ));
        }
        Ok(())
    }

    // --- custody, shared by every event that moves a person -----------------

    /// Refuses unless `c` is the person's custodian now.
    pub(super) fn custodian_is(
        person: &PersonId,
        view: &CustodyView,
        c: &CustodianId,
    ) -> Result<(), Violation> {
        if &view.custodian != c {
            return Err(Violation::new(
                Rule::HandoverFromCurrentCustodian,
                format!("person {person} is held by {}, not by {c}", view.custodian),
            )
            .person(person)
            .custodian(c));
        }
        Ok(())
    }

    /// The person, if `from` holds them now and custody can still pass.
    pub(super) fn held_by(
        &self,
        person: &PersonId,
        from: &CustodianId,
    ) -> Result<PersonView<'_>, Violation> {
        let view = self.person_view(person)?;
        Self::custodian_is(person, view.custody, from)?;
        if !view.custody.status.can_move() {
            return Err(Violation::new(
                Rule::PersonStatus,
                format!(
                    "person {person} is {:?}; custody cannot pass",
                    view.custody.status
                ),
            )
            .person(person));
        }
        Ok(view)
    }

    /// Refuses a custody change dated before the person's last one.
    pub(super) fn custody_in_order(
        person: &PersonId,
        view: &CustodyView,
        at: Timestamp,
    ) -> Result<(), Violation> {
        not_before(at, view.since_at, || {
            format!(
                "custody of person {person} last changed at {} (event {})",
                view.since_at, view.since_seq
            )
        })
        .map_err(|v| v.person(person))
    }

    /// Checks that `to` may receive `person` (category, capacity).
    pub(super) fn check_receiver(
        &self,
        person: &PersonId,
        cat: Category,
        to: &CustodianId,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        let view = self.custodian_view(to)?;
        if let CustodianKind::Facility(f) = &view.info {
            if let Err(rule) = manifest_rules::holds_category(&f.categories, cat) {
                return Err(Violation::new(
                    rule,
                    format!("facility {to} does not hold {cat} detainees"),
                )
                .person(person)
                .custodian(to));
            }
            if view.occupancy >= f.capacity {
                match capacity_override {
                    Some(r) if !r.trim().is_empty() => {}
                    _ => {
                        return Err(Violation::new(
                            Rule::Capacity,
                            format!(
                                "facility {to} is full ({} of {}); an override with a reason is required",
                                view.occupancy, f.capacity
                            ),
                        )
                        .person(person)
                        .custodian(to));
                    }
                }
            }
        }
        Ok(())
    }

    /// One more person held by `c`.
    pub(super) fn enter(&mut self, c: &CustodianId) -> Result<(), Violation> {
        let full = self
            .custodians
            .get(c.as_str())
            .is_some_and(|v| v.occupancy == u32::MAX);
        if full {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("custodian {c} cannot count another person"),
            )
            .custodian(c));
        }
        self.custodians.update(c.as_str(), |v| v.occupancy += 1);
        self.tally.occupancy += 1;
        Ok(())
    }

    /// One person fewer held by `c`; a movement counts them as handed out.
    pub(super) fn leave(&mut self, c: &CustodianId) -> Result<(), Violation> {
        let empty = self
            .custodians
            .get(c.as_str())
            .is_none_or(|v| v.occupancy == 0);
        if empty {
            return Err(Violation::new(
                Rule::BatchPostCondition,
                format!("custodian {c} is recorded as holding nobody"),
            )
            .custodian(c));
        }
        self.custodians.update(c.as_str(), |v| v.occupancy -= 1);
        self.movements.update(c.as_str(), |m| {
            m.handed_out = m.handed_out.saturating_add(1)
        });
        self.tally.occupancy -= 1;
        Ok(())
    }

    /// Moves custody of `person` from `from` to `to` with a new status and
    /// movement pointer; the caller has checked that it may.
    pub(super) fn move_custody(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        from: &CustodianId,
        to: &CustodianId,
        status: CustodyStatus,
        movement: Option<MovementId>,
    ) -> Result<(), Violation> {
        self.leave(from)?;
        self.enter(to)?;
        self.custody.update(person.as_str(), |p| {
            p.custodian = to.clone();
            p.status = status;
            p.since_seq = t.seq;
            p.since_at = t.at;
            p.movement = movement;
        });
        Ok(())
    }

    /// Moves custody of `person` from `from` (which must be the current
    /// custodian) to `to`, with the new status. Whatever movement they were
    /// on, they are no longer: only a departure takes someone onto one.
    pub(super) fn transfer(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        from: &CustodianId,
        to: &CustodianId,
        status: CustodyStatus,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        let view = self.held_by(person, from)?;
        if from == to {
            return Err(Violation::new(
                Rule::HandoverFromCurrentCustodian,
                format!("person {person} is already held by {to}"),
            )
            .person(person)
            .custodian(to));
        }
        Self::custody_in_order(person, view.custody, t.at)?;
        let traveller = Traveller::of(view.record);
        self.check_receiver(person, traveller.category(), to, capacity_override)?;
        if let Some(CustodianKind::Facility(f)) = self.custodians.get(to.as_str()).map(|c| &c.info)
            && let Err(rule) = manifest_rules::security_admits(f.security, &traveller)
        {
            return Err(Violation::new(
                rule,
                format!(
                    "facility {to} is {} security and person {person} is high-risk: {}",
                    f.security.as_str(),
                    manifest_rules::explain(rule)
                ),
            )
            .person(person)
            .custodian(to));
        }
        self.move_custody(t, person, from, to, status, None)
    }

    // --- batch post-conditions ---------------------------------------------

    /// What must hold after every batch, checked on the rows the batch
    /// touched (so its cost is that of the batch, not of the ledger):
    /// - every person's movement pointer names an open movement; on a
    ///   planned one they are held at its origin, on one under way they are
    ///   in its custody;
    /// - a departed movement holds exactly its boarded people less those
    ///   handed out, and a planned one holds nobody;
    /// - the change in all custodians' occupancy equals the people
    ///   registered less the people who died, so the counts per custodian
    ///   keep summing to everyone registered and alive.
    pub(crate) fn check_batch(&self) -> Result<(), Violation> {
        let t = self.tally;
        if t.occupancy != t.registered - t.deceased {
            return Err(Violation::new(
                Rule::BatchPostCondition,
                format!(
                    "custodians' occupancy changed by {} but {} were registered and {} died",
                    t.occupancy, t.registered, t.deceased
                ),
            ));
        }
        for id in self.custody.touched() {
            if let Some(c) = self.custody.get(id) {
                self.check_pointer(&PersonId::new(id.as_str()), c)?;
            }
        }
        for id in self.movements.touched() {
            if let Some(m) = self.movements.get(id) {
                self.check_movement_holds(id, m)?;
            }
        }
        Ok(())
    }

    pub(super) fn check_pointer(
        &self,
        person: &PersonId,
        c: &CustodyView,
    ) -> Result<(), Violation> {
        let Some(mid) = &c.movement else {
            return Ok(());
        };
        let bad = |why: String| {
            Err(Violation::new(
                Rule::BatchPostCondition,
                format!("person {person} points at movement {mid}, {why}"),
            )
            .person(person))
        };
        let Some(m) = self.movements.get(mid.as_str()) else {
            return bad("which does not exist".into());
        };
        match m.status {
            MovementStatus::Planned
                if c.custodian != m.origin || c.status != CustodyStatus::Held =>
            {
                bad(format!(
                    "which is planned from {}, but they are {:?} with {}",
                    m.origin, c.status, c.custodian
                ))
            }
            MovementStatus::Departed | MovementStatus::Arrived
                if c.custodian.as_str() != mid.as_str() =>
            {
                bad(format!(
                    "which is under way, but they are held by {}",
                    c.custodian
                ))
            }
            MovementStatus::Reconciled | MovementStatus::Aborted => {
                bad(format!("which is closed ({})", m.status))
            }
            _ => Ok(()),
        }
    }

    pub(super) fn check_movement_holds(&self, id: &str, m: &MovementView) -> Result<(), Violation> {
        let holds = self.custodians.get(id).map(|c| c.occupancy).unwrap_or(0);
        let expected = match m.status {
            MovementStatus::Planned => 0,
            _ => (m.boarded.len() as u64).saturating_sub(u64::from(m.handed_out)),
        };
        if u64::from(holds) != expected {
            return Err(Violation::new(
                Rule::BatchPostCondition,
                format!(
                    "movement {id} holds {holds} people, but {} boarded and {} were handed out",
                    m.boarded.len(),
                    m.handed_out
                ),
            )
            .custodian(&CustodianId::new(id)));
        }
        Ok(())
    }
}

/// An access-log commitment commits at least one record.
fn access_logged(count: u64) -> Result<(), Violation> {
    if count == 0 {
        return Err(Violation::new(
            Rule::InvalidValue,
            "an access-log commitment must commit at least one record",
        ));
    }
    Ok(())
}
