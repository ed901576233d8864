//! Custody: who holds a person. One custodian per person at every moment;
//! a change comes from the current custodian, is not dated before the last
//! one, and uses the event made for it: a plain handover passes a person
//! between facilities (or back from a hospital or a movement) only.

use super::discrepancy::Opening;
use super::{At, need_reason};
use crate::custodian::CustodianKind;
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::ids::*;
use crate::movement::MovementStatus;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

impl State {
    /// A plain handover: into a facility only. Release, hospital,
    /// repatriation and departure each have their own event, with what it
    /// demands (an authority and a reason; a reason; an accepted request for
    /// that country; the movement's manifest and headcount).
    pub(super) fn handed_over(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        from: &CustodianId,
        to: &CustodianId,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        let dedicated = match &self.custodian_view(to)?.info {
            CustodianKind::Facility(_) => None,
            CustodianKind::Released => {
                Some("a release (person-released), with the ordering authority and a reason")
            }
            CustodianKind::Hospital { .. } => {
                Some("a hospital transfer (taken-to-hospital), with a reason")
            }
            CustodianKind::ForeignRepresentative { .. } => {
                Some("a repatriation handover, of a request that country accepted")
            }
            CustodianKind::Movement => Some("the movement's departure, with its headcount"),
        };
        if let Some(how) = dedicated {
            return Err(Violation::new(
                Rule::DedicatedEvent,
                format!("custody of person {person} passes to {to} only by {how}, not by a plain handover"),
            )
            .person(person)
            .custodian(to));
        }
        // Someone on a planned movement is not handed elsewhere: the
        // manifest would no longer be true.
        if let Some(planned) = self
            .custody
            .get(person.as_str())
            .and_then(|c| c.movement.as_ref())
            && self
                .movements
                .get(planned.as_str())
                .is_some_and(|m| m.status == MovementStatus::Planned)
        {
            return Err(Violation::new(
                Rule::Manifest,
                format!(
                    "person {person} is on the manifest of planned movement {planned}; abort or re-plan it before handing them elsewhere"
                ),
            )
            .person(person)
            .custodian(to));
        }
        self.transfer(t, person, from, to, CustodyStatus::Held, capacity_override)
    }

    /// Admission at the destination of an arrived movement.
    pub(super) fn admitted(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        movement: &MovementId,
        facility: &CustodianId,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        if m.status != MovementStatus::Arrived {
            return Err(Violation::new(
                Rule::MovementState,
                format!("movement {movement} has not arrived (it is {})", m.status),
            )
            .person(person));
        }
        if &m.destination != facility {
            return Err(Violation::new(
                Rule::MovementState,
                format!(
                    "movement {movement} is bound for {}, not {facility}",
                    m.destination
                ),
            )
            .person(person)
            .custodian(facility));
        }
        if let Some(arrived) = m.arrived_at {
            super::not_before(t.at, arrived, || {
                format!("movement {movement} arrived at {arrived}")
            })
            .map_err(|v| v.person(person))?;
        }
        let from: CustodianId = movement.into();
        self.transfer(
            t,
            person,
            &from,
            facility,
            CustodyStatus::Held,
            capacity_override,
        )?;
        self.movements
            .update(movement.as_str(), |m| m.admitted.push(person.clone()));
        let first = !self.person_view(person)?.custody.transferred;
        self.custody
            .update(person.as_str(), |p| p.transferred = true);
        if first {
            self.counters
                .add("transferred", 1)
                .map_err(super::counter_violation)?;
        }
        Ok(())
    }

    /// To hospital, with a reason.
    pub(super) fn taken_to_hospital(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        from: &CustodianId,
        hospital: &CustodianId,
        reason: &str,
    ) -> Result<(), Violation> {
        need_reason(reason, "a hospital transfer")?;
        if !matches!(
            self.custodian_view(hospital)?.info,
            CustodianKind::Hospital { .. }
        ) {
            return Err(Violation::new(
                Rule::CustodianKind,
                format!("custodian {hospital} is not a hospital"),
            )
            .custodian(hospital));
        }
        self.transfer(
            t,
            person,
            from,
            hospital,
            CustodyStatus::Hospitalised,
            &None,
        )
    }

    /// Release, by an authority, with a reason.
    pub(super) fn released(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        from: &CustodianId,
        authority: &str,
        reason: &str,
    ) -> Result<(), Violation> {
        need_reason(reason, "a release")?;
        need_reason(authority, "a release (authority)")?;
        self.transfer(
            t,
            person,
            from,
            &CustodianId::new(RELEASED),
            CustodyStatus::Released,
            &None,
        )
    }

    /// An escape: the custodian stays accountable, and an escape
    /// discrepancy opens with the event.
    pub(super) fn escaped(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        from: &CustodianId,
        circumstances: &str,
        discrepancy: &DiscrepancyId,
    ) -> Result<(), Violation> {
        need_reason(circumstances, "an escape record (circumstances)")?;
        let view = self.held_by(person, from)?;
        Self::custody_in_order(person, view.custody, t.at)?;
        let movement = view.custody.movement.clone();
        self.raise(
            t,
            discrepancy,
            Opening {
                kind: DiscrepancyKind::Escape,
                severity: Severity::Critical,
                summary: &format!("person {person} escaped from the custody of {from}"),
                persons: std::slice::from_ref(person),
                movement: &movement,
                custodian: &Some(from.clone()),
                owner: from.as_str(),
            },
        )?;
        self.custody.update(person.as_str(), |p| {
            p.status = CustodyStatus::Escaped;
            p.since_seq = t.seq;
            p.since_at = t.at;
            p.movement = None;
        });
        Ok(())
    }

    /// Recapture into a facility's custody (even a full one: the person
    /// cannot be turned away).
    pub(super) fn recaptured(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        by: &CustodianId,
    ) -> Result<(), Violation> {
        let view = self.person_view(person)?;
        if view.custody.status != CustodyStatus::Escaped {
            return Err(Violation::new(
                Rule::PersonStatus,
                format!("person {person} is not recorded as escaped"),
            )
            .person(person));
        }
        Self::custody_in_order(person, view.custody, t.at)?;
        let from = view.custody.custodian.clone();
        let category = view.record.category();
        self.require_facility(by)?;
        self.check_receiver(person, category, by, &Some("recapture".into()))?;
        self.move_custody(t, person, &from, by, CustodyStatus::Held, None)
    }

    /// A death in custody: the custodian holds one person fewer.
    pub(super) fn died(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        custodian: &CustodianId,
    ) -> Result<(), Violation> {
        let view = self.person_view(person)?;
        Self::custodian_is(person, view.custody, custodian)?;
        if matches!(
            view.custody.status,
            CustodyStatus::Deceased | CustodyStatus::Released | CustodyStatus::Repatriated
        ) {
            return Err(Violation::new(
                Rule::PersonStatus,
                format!("person {person} is {:?}", view.custody.status),
            )
            .person(person));
        }
        Self::custody_in_order(person, view.custody, t.at)?;
        self.leave(custodian)?;
        self.tally.deceased += 1;
        self.counters
            .add("deceased", 1)
            .map_err(super::counter_violation)?;
        self.custody.update(person.as_str(), |p| {
            p.status = CustodyStatus::Deceased;
            p.since_seq = t.seq;
            p.since_at = t.at;
            p.movement = None;
        });
        Ok(())
    }
}
