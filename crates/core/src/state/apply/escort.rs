//! Person escort records: started from the file when a movement is
//! planned, completed and confirmed before departure (confirmation
//! re-checks the manifest rules for the person's vehicle), handed over with
//! the person at arrival.

use super::{At, not_before};
use crate::escort::{EscortRecord, EscortRecordStatus};
use crate::ids::*;
use crate::movement::MovementStatus;
use crate::state::State;
use crate::state::escort_key;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

impl State {
    fn escort_on_manifest(
        &self,
        t: At<'_>,
        movement: &MovementId,
        person: &PersonId,
    ) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        if !m.people().any(|p| p == person) {
            return Err(Violation::new(
                Rule::Manifest,
                format!("person {person} is not on the manifest of {movement}"),
            )
            .person(person));
        }
        not_before(t.at, m.planned_at, || {
            format!("movement {movement} was planned at {}", m.planned_at)
        })
        .map_err(|v| v.person(person))
    }

    /// Not before the movement was planned (the record exists, so the
    /// person is on its manifest).
    fn escort_in_time(
        &self,
        t: At<'_>,
        movement: &MovementId,
        person: &PersonId,
    ) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        not_before(t.at, m.planned_at, || {
            format!("movement {movement} was planned at {}", m.planned_at)
        })
        .map_err(|v| v.person(person))
    }

    /// A refusal about the escort record of `person` on `movement`; `what`
    /// completes "the escort record of person P on M …".
    fn escort_refused(movement: &MovementId, person: &PersonId, what: String) -> Violation {
        Violation::new(
            Rule::EscortRecord,
            format!("the escort record of person {person} on {movement} {what}"),
        )
        .person(person)
    }

    fn escort_view(
        &self,
        movement: &MovementId,
        person: &PersonId,
    ) -> Result<&EscortRecordView, Violation> {
        self.escorts
            .get(&escort_key(movement.as_str(), person.as_str()))
            .ok_or_else(|| {
                Violation::new(
                    Rule::KnownRecord,
                    format!("person {person} has no escort record on {movement}"),
                )
                .person(person)
            })
    }

    pub(super) fn escort_started(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        person: &PersonId,
        record: &EscortRecord,
    ) -> Result<(), Violation> {
        self.escort_on_manifest(t, movement, person)?;
        let key = escort_key(movement.as_str(), person.as_str());
        if self.escorts.contains(&key) {
            return Err(Violation::new(
                Rule::UniqueId,
                format!("the escort record of person {person} on {movement} is already started"),
            )
            .person(person));
        }
        self.escorts.put(
            &key,
            EscortRecordView {
                record: record.clone(),
                status: EscortRecordStatus::Started,
                events: vec![t.seq],
                handed_to: None,
            },
        );
        Ok(())
    }

    /// A change; after confirmation it needs a new confirmation.
    pub(super) fn escort_updated(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        person: &PersonId,
        record: &EscortRecord,
    ) -> Result<(), Violation> {
        self.escort_in_time(t, movement, person)?;
        let view = self.escort_view(movement, person)?;
        if view.status == EscortRecordStatus::HandedOver {
            return Err(Self::escort_refused(
                movement,
                person,
                "was handed over; it can no longer change".to_string(),
            ));
        }
        let key = escort_key(movement.as_str(), person.as_str());
        self.escorts.update(&key, |v| {
            v.record = record.clone();
            v.status = EscortRecordStatus::Started;
            v.events.push(t.seq);
        });
        Ok(())
    }

    /// Confirmation: the record is complete, and — while the movement is
    /// planned — the person may travel in their vehicle as recorded now.
    pub(super) fn escort_confirmed(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        person: &PersonId,
    ) -> Result<(), Violation> {
        self.escort_in_time(t, movement, person)?;
        let view = self.escort_view(movement, person)?;
        if view.status != EscortRecordStatus::Started {
            return Err(Self::escort_refused(
                movement,
                person,
                format!("is {:?}, not awaiting confirmation", view.status),
            ));
        }
        let missing = view.record.missing();
        if !missing.is_empty() {
            return Err(Self::escort_refused(
                movement,
                person,
                format!("cannot be confirmed: missing {}", missing.join(", ")),
            ));
        }
        let m = self.movement_view(movement)?;
        if m.status == MovementStatus::Planned
            && let Some(vehicle) = m.vehicle_of(person)
        {
            self.recheck_seats(movement, m, |s| s.vehicle == vehicle, None)?;
        }
        let key = escort_key(movement.as_str(), person.as_str());
        self.escorts.update(&key, |v| {
            v.status = EscortRecordStatus::Confirmed;
            v.events.push(t.seq);
        });
        Ok(())
    }

    /// Handed over with the person, to whoever holds them now.
    pub(super) fn escort_handed_over(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        person: &PersonId,
        to: &CustodianId,
    ) -> Result<(), Violation> {
        self.escort_in_time(t, movement, person)?;
        let view = self.escort_view(movement, person)?;
        if view.status != EscortRecordStatus::Confirmed {
            return Err(Self::escort_refused(
                movement,
                person,
                format!(
                    "is {:?}; only a confirmed record is handed over",
                    view.status
                ),
            ));
        }
        if &self.person_view(person)?.custody.custodian != to {
            return Err(Violation::new(
                Rule::EscortRecord,
                format!("the escort record of person {person} goes with them, and they are not held by {to}"),
            )
            .person(person)
            .custodian(to));
        }
        let key = escort_key(movement.as_str(), person.as_str());
        self.escorts.update(&key, |v| {
            v.status = EscortRecordStatus::HandedOver;
            v.handed_to = Some(to.clone());
            v.events.push(t.seq);
        });
        Ok(())
    }
}
