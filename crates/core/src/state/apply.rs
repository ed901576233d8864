//! The guarantees, one event kind at a time. Each arm checks first and writes
//! after; a refused event inside a batch is rolled back by the caller.

use super::State;
use super::views::*;
use crate::custodian::CustodianKind;
use crate::escort::EscortRecordStatus;
use crate::event::{ENCODING_VERSION, Event, EventKind};
use crate::ids::*;
use crate::movement::{Mode, MovementStatus, Seat, Vehicle, VehicleKind};
use crate::person::{Category, PersonRecord};
use crate::violation::{Rule, Violation};
use std::collections::{HashMap, HashSet};

fn need_reason(reason: &str, what: &str) -> Result<(), Violation> {
    if reason.trim().is_empty() {
        return Err(Violation::new(
            Rule::ReasonRequired,
            format!("{what} needs a stated reason"),
        ));
    }
    Ok(())
}

fn check_record(person: &PersonId, record: &PersonRecord) -> Result<(), Violation> {
    if record.names.full.trim().is_empty() {
        return Err(Violation::new(Rule::InvalidValue, "the full name is empty").person(person));
    }
    Ok(())
}

impl State {
    pub(super) fn apply_one(&mut self, event: &Event) -> Result<(), Violation> {
        let seq = self.next_seq();
        if event.v != ENCODING_VERSION {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("encoding version {} is not {ENCODING_VERSION}", event.v),
            ));
        }
        self.check_origin(event)?;
        self.check_new_id(&event.what)?;
        self.apply_kind(event)?;
        for p in event.what.persons() {
            self.custody.update(p.as_str(), |v| {
                if v.history.last() != Some(&seq) {
                    v.history.push(seq)
                }
            });
        }
        self.note_identity(event);
        self.counters.put("events", seq + 1);
        Ok(())
    }

    // --- shared checks ----------------------------------------------------

    fn person_view(&self, p: &PersonId) -> Result<PersonView<'_>, Violation> {
        self.person(p.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownPerson, format!("person {p} is not registered")).person(p)
        })
    }

    /// The person, if `from` holds them now and custody can still pass.
    fn held_by(&self, person: &PersonId, from: &CustodianId) -> Result<PersonView<'_>, Violation> {
        let view = self.person_view(person)?;
        if &view.custodian != from {
            return Err(Violation::new(
                Rule::HandoverFromCurrentCustodian,
                format!(
                    "person {person} is held by {}, not by {from}",
                    view.custodian
                ),
            )
            .person(person)
            .custodian(from));
        }
        if !view.status.can_move() {
            return Err(Violation::new(
                Rule::PersonStatus,
                format!("person {person} is {:?}; custody cannot pass", view.status),
            )
            .person(person));
        }
        Ok(view)
    }

    fn custodian_view(&self, c: &CustodianId) -> Result<&CustodianView, Violation> {
        self.custodians.get(c.as_str()).ok_or_else(|| {
            Violation::new(
                Rule::KnownCustodian,
                format!("custodian {c} is not registered"),
            )
            .custodian(c)
        })
    }

    fn movement_view(&self, m: &MovementId) -> Result<&MovementView, Violation> {
        self.movements.get(m.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownRecord, format!("movement {m} does not exist"))
                .custodian(&m.into())
        })
    }

    fn require_facility(&self, c: &CustodianId) -> Result<(), Violation> {
        match &self.custodian_view(c)?.info {
            CustodianKind::Facility(_) => Ok(()),
            other => Err(Violation::new(
                Rule::CustodianKind,
                format!("custodian {c} is a {}, not a facility", other.label()),
            )
            .custodian(c)),
        }
    }

    /// Checks that `to` may receive `person` (category, capacity).
    fn check_receiver(
        &self,
        person: &PersonId,
        cat: Category,
        to: &CustodianId,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        let view = self.custodian_view(to)?;
        if let CustodianKind::Facility(f) = &view.info {
            if !f.categories.contains(&cat) {
                return Err(Violation::new(
                    Rule::Category,
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

    /// Moves custody of `person` from `from` (which must be the current
    /// custodian) to `to`, with the new status.
    fn transfer(
        &mut self,
        seq: u64,
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
        let category = view.record.category();
        self.check_receiver(person, category, to, capacity_override)?;
        self.custodians.update(from.as_str(), |c| {
            c.occupancy = c.occupancy.saturating_sub(1)
        });
        self.custodians.update(to.as_str(), |c| c.occupancy += 1);
        self.custody.update(person.as_str(), |p| {
            p.custodian = to.clone();
            p.status = status;
            p.since_seq = seq;
        });
        Ok(())
    }

    fn status_for(&self, to: &CustodianId) -> CustodyStatus {
        match self.custodians.get(to.as_str()).map(|c| &c.info) {
            Some(CustodianKind::Movement) => CustodyStatus::InTransit,
            Some(CustodianKind::Hospital { .. }) => CustodyStatus::Hospitalised,
            Some(CustodianKind::ForeignRepresentative { .. }) => CustodyStatus::Repatriated,
            Some(CustodianKind::Released) => CustodyStatus::Released,
            _ => CustodyStatus::Held,
        }
    }

    fn unique<T>(&self, exists: bool, what: &str, id: &T) -> Result<(), Violation>
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

    // --- the vocabulary -----------------------------------------------------

    fn apply_kind(&mut self, event: &Event) -> Result<(), Violation> {
        use EventKind::*;
        // The event's position in this ledger (its identity is origin + counter).
        let seq = self.next_seq();
        let at = event.occurred_at;
        match &event.what {
            CustodianRegistered { custodian, info } => {
                self.unique(
                    self.custodians.contains(custodian.as_str()),
                    "custodian",
                    custodian,
                )?;
                match info {
                    CustodianKind::Movement | CustodianKind::Released => {
                        return Err(Violation::new(
                            Rule::CustodianKind,
                            "movements and `released` are not registered directly",
                        )
                        .custodian(custodian));
                    }
                    CustodianKind::Facility(f)
                        if (!f.coordinates.lat.is_finite()
                            || !f.coordinates.lon.is_finite()
                            || f.coordinates.lat.abs() > 90.0
                            || f.coordinates.lon.abs() > 180.0) =>
                    {
                        return Err(Violation::new(
                            Rule::InvalidValue,
                            format!("facility {custodian} has impossible coordinates"),
                        )
                        .custodian(custodian));
                    }
                    _ => {}
                }
                self.custodians.put(
                    custodian.as_str(),
                    CustodianView {
                        info: info.clone(),
                        occupancy: 0,
                    },
                );
            }

            PersonRegistered {
                person,
                record,
                custodian,
                capacity_override,
                source,
            } => {
                self.unique(self.persons.contains(person.as_str()), "person", person)?;
                if let Some(src) = source {
                    let key = super::source_key(&src.roster, &src.record_id);
                    if let Some(existing) = self.sources.get(&key) {
                        return Err(Violation::new(
                            Rule::UniqueId,
                            format!(
                                "roster {} record {} is already registered as person {existing}; nobody is registered twice",
                                src.roster, src.record_id
                            ),
                        )
                        .person(person));
                    }
                    self.sources.put(&key, person.to_string());
                }
                check_record(person, record)?;
                self.require_facility(custodian)?;
                self.check_receiver(person, record.category(), custodian, capacity_override)?;
                self.custodians
                    .update(custodian.as_str(), |c| c.occupancy += 1);
                self.nationalities.add(&record.primary_nationality_key(), 1);
                self.counters.add("registered", 1);
                self.persons.put(
                    person.as_str(),
                    IdentityView {
                        record: record.clone(),
                        source: source.clone(),
                        record_events: vec![seq],
                    },
                );
                self.custody.put(
                    person.as_str(),
                    CustodyView {
                        custodian: custodian.clone(),
                        status: CustodyStatus::Held,
                        since_seq: seq,
                        movement: None,
                        scheduled: false,
                        transferred: false,
                        history: vec![],
                    },
                );
            }

            PersonRecordCorrected {
                person,
                corrects,
                record,
                reason,
            } => {
                let view = self.person_view(person)?;
                if !view.record_events.contains(corrects) {
                    return Err(Violation::new(
                        Rule::CorrectionTarget,
                        format!(
                            "event {corrects} is not a registration or correction of person {person}"
                        ),
                    )
                    .person(person));
                }
                need_reason(reason, "a correction")?;
                check_record(person, record)?;
                let old_key = view.record.primary_nationality_key();
                let new_key = record.primary_nationality_key();
                if old_key != new_key {
                    self.nationalities.add(&old_key, -1);
                    self.nationalities.add(&new_key, 1);
                }
                self.persons.update(person.as_str(), |p| {
                    p.record = record.clone();
                    p.record_events.push(seq);
                });
            }

            CustodyHandedOver {
                person,
                from,
                to,
                capacity_override,
                signatures,
                ..
            } => {
                self.check_handover_signatures(from, to, signatures)?;
                // Someone on a planned movement is not handed elsewhere: the
                // manifest would no longer be true.
                if let Some(planned) = self
                    .custody
                    .get(person.as_str())
                    .and_then(|c| c.movement.clone())
                    && planned.as_str() != to.as_str()
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
                // Into a movement: only at departure, for people who boarded.
                if let Some(CustodianKind::Movement) =
                    self.custodians.get(to.as_str()).map(|c| &c.info)
                {
                    let mid = MovementId::new(to.as_str());
                    let m = self.movement_view(&mid)?;
                    // Boarded people keep their link to the movement at
                    // departure; those left behind lose it.
                    let boarded = self
                        .custody
                        .get(person.as_str())
                        .is_some_and(|p| p.movement.as_ref() == Some(&mid));
                    if m.status != MovementStatus::Departed || !boarded {
                        return Err(Violation::new(
                            Rule::MovementState,
                            format!(
                                "custody passes to movement {to} only at its departure, for people who boarded"
                            ),
                        )
                        .person(person)
                        .custodian(to));
                    }
                }
                let status = self.status_for(to);
                self.transfer(seq, person, from, to, status, capacity_override)?;
                self.leave_movement_if_done(person, from, to);
            }

            PersonAdmitted {
                person,
                movement,
                facility,
                capacity_override,
            } => {
                let m = self.movement_view(movement)?;
                if m.status != MovementStatus::Arrived {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!("movement {movement} has not arrived (it is {:?})", m.status),
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
                let from: CustodianId = movement.into();
                self.transfer(
                    seq,
                    person,
                    &from,
                    facility,
                    CustodyStatus::Held,
                    capacity_override,
                )?;
                self.movements
                    .update(movement.as_str(), |m| m.admitted.push(person.clone()));
                let first = !self.person_view(person)?.transferred;
                self.custody.update(person.as_str(), |p| {
                    p.transferred = true;
                    p.movement = None;
                });
                if first {
                    self.counters.add("transferred", 1);
                }
            }

            TakenToHospital {
                person,
                from,
                hospital,
                reason,
            } => {
                need_reason(reason, "a hospital transfer")?;
                match &self.custodian_view(hospital)?.info {
                    CustodianKind::Hospital { .. } => {}
                    _ => {
                        return Err(Violation::new(
                            Rule::CustodianKind,
                            format!("custodian {hospital} is not a hospital"),
                        )
                        .custodian(hospital));
                    }
                }
                self.transfer(
                    seq,
                    person,
                    from,
                    hospital,
                    CustodyStatus::Hospitalised,
                    &None,
                )?;
            }

            PersonReleased {
                person,
                from,
                authority,
                reason,
            } => {
                need_reason(reason, "a release")?;
                need_reason(authority, "a release (authority)")?;
                self.transfer(
                    seq,
                    person,
                    from,
                    &CustodianId::new(RELEASED),
                    CustodyStatus::Released,
                    &None,
                )?;
                self.custody.update(person.as_str(), |p| p.movement = None);
            }

            PersonEscaped {
                person,
                from,
                circumstances,
            } => {
                need_reason(circumstances, "an escape record (circumstances)")?;
                self.held_by(person, from)?;
                self.custody
                    .update(person.as_str(), |p| p.status = CustodyStatus::Escaped);
            }

            PersonRecaptured { person, by } => {
                let view = self.person_view(person)?;
                if view.status != CustodyStatus::Escaped {
                    return Err(Violation::new(
                        Rule::PersonStatus,
                        format!("person {person} is not recorded as escaped"),
                    )
                    .person(person));
                }
                let from = view.custodian.clone();
                let category = view.record.category();
                self.check_receiver(person, category, by, &Some("recapture".into()))?;
                self.custodians.update(from.as_str(), |c| {
                    c.occupancy = c.occupancy.saturating_sub(1)
                });
                self.custodians.update(by.as_str(), |c| c.occupancy += 1);
                let status = self.status_for(by);
                self.custody.update(person.as_str(), |p| {
                    p.custodian = by.clone();
                    p.status = status;
                    p.since_seq = seq;
                });
            }

            DiedInCustody {
                person, custodian, ..
            } => {
                let view = self.person_view(person)?;
                if &view.custodian != custodian {
                    return Err(Violation::new(
                        Rule::HandoverFromCurrentCustodian,
                        format!(
                            "person {person} is held by {}, not by {custodian}",
                            view.custodian
                        ),
                    )
                    .person(person)
                    .custodian(custodian));
                }
                if matches!(
                    view.status,
                    CustodyStatus::Deceased | CustodyStatus::Released
                ) {
                    return Err(Violation::new(
                        Rule::PersonStatus,
                        format!("person {person} is {:?}", view.status),
                    )
                    .person(person));
                }
                self.custodians.update(custodian.as_str(), |c| {
                    c.occupancy = c.occupancy.saturating_sub(1)
                });
                self.custody.update(person.as_str(), |p| {
                    p.status = CustodyStatus::Deceased;
                    p.movement = None;
                });
            }

            MovementPlanned {
                movement,
                mode,
                origin,
                destination,
                planned_departure,
                vehicles,
                escort,
                manifest,
                route,
            } => {
                let cid: CustodianId = movement.into();
                self.unique(
                    self.movements.contains(movement.as_str())
                        || self.custodians.contains(cid.as_str()),
                    "movement",
                    movement,
                )?;
                self.require_facility(origin)?;
                self.require_facility(destination)?;
                if origin == destination {
                    return Err(Violation::new(
                        Rule::Manifest,
                        format!("movement {movement} has the same origin and destination"),
                    )
                    .custodian(origin));
                }
                if manifest.is_empty() {
                    return Err(Violation::new(
                        Rule::Manifest,
                        format!("movement {movement} has an empty manifest"),
                    ));
                }
                if route
                    .iter()
                    .any(|w| !w.lat.is_finite() || !w.lon.is_finite())
                {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!("movement {movement} has a route point that is not a number"),
                    ));
                }
                self.check_manifest(movement, *mode, origin, destination, vehicles, manifest)?;
                let mut newly_scheduled = 0;
                for seat in manifest {
                    self.custody.update(seat.person.as_str(), |v| {
                        v.movement = Some(movement.clone());
                        if !v.scheduled {
                            v.scheduled = true;
                            newly_scheduled += 1;
                        }
                    });
                }
                self.counters.add("scheduled", newly_scheduled);
                self.custodians.put(
                    cid.as_str(),
                    CustodianView {
                        info: CustodianKind::Movement,
                        occupancy: 0,
                    },
                );
                self.movements.put(
                    movement.as_str(),
                    MovementView {
                        mode: *mode,
                        origin: origin.clone(),
                        destination: destination.clone(),
                        planned_departure: *planned_departure,
                        vehicles: vehicles.clone(),
                        escort: escort.clone(),
                        manifest: manifest.clone(),
                        route: route.clone(),
                        status: MovementStatus::Planned,
                        boarded: vec![],
                        admitted: vec![],
                        counts: vec![],
                        track: vec![],
                        departed_at: None,
                        arrived_at: None,
                        abort_reason: None,
                    },
                );
            }

            MovementDeparted {
                movement,
                headcount,
                boarded,
            } => {
                let m = self.movement_view(movement)?;
                if m.status != MovementStatus::Planned {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!("movement {movement} cannot depart: it is {:?}", m.status),
                    ));
                }
                let manifest: HashSet<&PersonId> = m.people().collect();
                for p in &manifest {
                    let confirmed = self
                        .escorts
                        .get(&super::escort_key(movement.as_str(), p.as_str()))
                        .is_some_and(|r| r.status == EscortRecordStatus::Confirmed);
                    if !confirmed {
                        return Err(Violation::new(
                            Rule::EscortRecord,
                            format!(
                                "movement {movement} cannot depart: the escort record of person {p} is not confirmed"
                            ),
                        )
                        .person(p));
                    }
                }
                let mut seen = HashSet::new();
                for p in boarded {
                    if !manifest.contains(p) {
                        return Err(Violation::new(
                            Rule::Manifest,
                            format!("person {p} boarded but is not on the manifest of {movement}"),
                        )
                        .person(p));
                    }
                    if !seen.insert(p) {
                        return Err(Violation::new(
                            Rule::Manifest,
                            format!("person {p} is listed twice as boarded on {movement}"),
                        )
                        .person(p));
                    }
                }
                let left_behind: Vec<PersonId> =
                    m.people().filter(|p| !seen.contains(p)).cloned().collect();
                for p in &left_behind {
                    self.custody.update(p.as_str(), |v| v.movement = None);
                }
                self.movements.update(movement.as_str(), |m| {
                    m.status = MovementStatus::Departed;
                    m.boarded = boarded.clone();
                    m.departed_at = Some(at);
                    m.counts.push(Count {
                        place: "departure".into(),
                        count: *headcount,
                        at,
                        seq,
                    });
                });
            }

            MovementCheckpointPassed {
                movement,
                place,
                count,
            } => {
                let m = self.movement_view(movement)?;
                if m.status != MovementStatus::Departed {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!(
                            "movement {movement} is not under way (it is {:?})",
                            m.status
                        ),
                    ));
                }
                self.movements.update(movement.as_str(), |m| {
                    m.counts.push(Count {
                        place: place.clone(),
                        count: *count,
                        at,
                        seq,
                    })
                });
            }

            MovementPositionReported { movement, lat, lon } => {
                let m = self.movement_view(movement)?;
                if m.status != MovementStatus::Departed {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!(
                            "movement {movement} is not under way (it is {:?})",
                            m.status
                        ),
                    ));
                }
                if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 || lon.abs() > 180.0 {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!("position {lat},{lon} is not on the earth"),
                    ));
                }
                self.movements.update(movement.as_str(), |m| {
                    m.track.push(Position {
                        lat: *lat,
                        lon: *lon,
                        at,
                    })
                });
            }

            MovementArrived { movement } => {
                let m = self.movement_view(movement)?;
                if m.status != MovementStatus::Departed {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!("movement {movement} cannot arrive: it is {:?}", m.status),
                    ));
                }
                self.movements.update(movement.as_str(), |m| {
                    m.status = MovementStatus::Arrived;
                    m.arrived_at = Some(at);
                });
            }

            MovementReconciled { movement, .. } => {
                let m = self.movement_view(movement)?;
                if m.status != MovementStatus::Arrived {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!(
                            "movement {movement} cannot be reconciled: it is {:?}",
                            m.status
                        ),
                    ));
                }
                self.movements
                    .update(movement.as_str(), |m| m.status = MovementStatus::Reconciled);
            }

            MovementAborted {
                movement,
                return_to,
                reason,
            } => {
                need_reason(reason, "aborting a movement")?;
                let m = self.movement_view(movement)?;
                if !matches!(m.status, MovementStatus::Planned | MovementStatus::Departed) {
                    return Err(Violation::new(
                        Rule::MovementState,
                        format!(
                            "movement {movement} cannot be aborted: it is {:?}",
                            m.status
                        ),
                    ));
                }
                self.custodian_view(return_to)?;
                let manifest: Vec<PersonId> = m.people().cloned().collect();
                for p in &manifest {
                    self.custody.update(p.as_str(), |v| {
                        if v.movement.as_ref() == Some(movement) {
                            v.movement = None
                        }
                    });
                }
                self.movements.update(movement.as_str(), |m| {
                    m.status = MovementStatus::Aborted;
                    m.abort_reason = Some(reason.clone());
                });
            }

            CaseOpened {
                case,
                person,
                committee,
                legal_basis,
                first_appearance_due,
            } => {
                self.unique(self.cases.contains(case.as_str()), "case", case)?;
                self.person_view(person)?;
                self.cases.put(
                    case.as_str(),
                    CaseView {
                        person: person.clone(),
                        committee: committee.clone(),
                        legal_basis: legal_basis.clone(),
                        first_appearance_due: *first_appearance_due,
                        hearings: 0,
                        next_review_due: None,
                        charges: vec![],
                        outcome: None,
                    },
                );
            }
            HearingHeld {
                case,
                next_review_due,
                ..
            } => {
                self.open_case(case)?;
                self.cases.update(case.as_str(), |c| {
                    c.hearings += 1;
                    c.next_review_due = *next_review_due;
                });
            }
            ChargeBrought { case, charge, .. } => {
                self.open_case(case)?;
                self.cases
                    .update(case.as_str(), |c| c.charges.push(charge.clone()));
            }
            CaseOutcomeRecorded { case, outcome } => {
                self.open_case(case)?;
                self.cases
                    .update(case.as_str(), |c| c.outcome = Some(outcome.clone()));
            }

            NotificationSent {
                notification,
                person,
                recipient,
                channel,
                subject,
            } => {
                self.unique(
                    self.notifications.contains(notification.as_str()),
                    "notification",
                    notification,
                )?;
                self.person_view(person)?;
                self.notifications.put(
                    notification.as_str(),
                    NotificationView {
                        person: person.clone(),
                        recipient: recipient.clone(),
                        channel: channel.clone(),
                        subject: subject.clone(),
                        sent_at: at,
                        acknowledged_by: None,
                    },
                );
            }
            NotificationAcknowledged { notification, by } => {
                let n = self
                    .notifications
                    .get(notification.as_str())
                    .ok_or_else(|| {
                        Violation::new(
                            Rule::KnownRecord,
                            format!("notification {notification} does not exist"),
                        )
                    })?;
                if n.acknowledged_by.is_some() {
                    return Err(Violation::new(
                        Rule::KnownRecord,
                        format!("notification {notification} is already acknowledged"),
                    ));
                }
                self.notifications.update(notification.as_str(), |n| {
                    n.acknowledged_by = Some(by.clone())
                });
            }

            RepatriationRequested {
                repatriation,
                person,
                state,
            } => {
                self.unique(
                    self.repatriations.contains(repatriation.as_str()),
                    "repatriation",
                    repatriation,
                )?;
                self.person_view(person)?;
                self.repatriations.put(
                    repatriation.as_str(),
                    RepatriationView {
                        person: person.clone(),
                        state: *state,
                        status: RepatriationStatus::Requested,
                        reason: None,
                    },
                );
            }
            RepatriationAccepted { repatriation } => {
                self.repatriation_step(repatriation, RepatriationStatus::Requested)?;
                self.repatriations.update(repatriation.as_str(), |r| {
                    r.status = RepatriationStatus::Accepted
                });
            }
            RepatriationRefused {
                repatriation,
                reason,
            } => {
                self.repatriation_step(repatriation, RepatriationStatus::Requested)?;
                self.repatriations.update(repatriation.as_str(), |r| {
                    r.status = RepatriationStatus::Refused;
                    r.reason = Some(reason.clone());
                });
            }
            RepatriationHandedOver {
                repatriation,
                from,
                to,
            } => {
                let r = self.repatriation_step(repatriation, RepatriationStatus::Accepted)?;
                let (person, state) = (r.person.clone(), r.state);
                match &self.custodian_view(to)?.info {
                    CustodianKind::ForeignRepresentative { country, .. } if *country == state => {}
                    _ => {
                        return Err(Violation::new(
                            Rule::CustodianKind,
                            format!("custodian {to} does not represent {state}"),
                        )
                        .person(&person)
                        .custodian(to));
                    }
                }
                self.transfer(seq, &person, from, to, CustodyStatus::Repatriated, &None)?;
                self.repatriations.update(repatriation.as_str(), |r| {
                    r.status = RepatriationStatus::HandedOver
                });
                self.custody.update(person.as_str(), |p| {
                    if p.history.last() != Some(&seq) {
                        p.history.push(seq)
                    }
                });
            }

            EscortRecordStarted {
                movement,
                person,
                record,
            } => {
                self.escort_on_manifest(movement, person)?;
                let key = super::escort_key(movement.as_str(), person.as_str());
                if self.escorts.contains(&key) {
                    return Err(Violation::new(
                        Rule::UniqueId,
                        format!(
                            "the escort record of person {person} on {movement} is already started"
                        ),
                    )
                    .person(person));
                }
                self.escorts.put(
                    &key,
                    EscortRecordView {
                        record: record.clone(),
                        status: EscortRecordStatus::Started,
                        events: vec![seq],
                        handed_to: None,
                    },
                );
            }
            EscortRecordUpdated {
                movement,
                person,
                record,
            } => {
                let view = self.escort_view(movement, person)?;
                if view.status == EscortRecordStatus::HandedOver {
                    return Err(Violation::new(
                        Rule::EscortRecord,
                        format!("the escort record of person {person} on {movement} was handed over; it can no longer change"),
                    )
                    .person(person));
                }
                // A change after confirmation needs a new confirmation.
                let key = super::escort_key(movement.as_str(), person.as_str());
                self.escorts.update(&key, |v| {
                    v.record = record.clone();
                    v.status = EscortRecordStatus::Started;
                    v.events.push(seq);
                });
            }
            EscortRecordConfirmed { movement, person } => {
                let view = self.escort_view(movement, person)?;
                if view.status != EscortRecordStatus::Started {
                    return Err(Violation::new(
                        Rule::EscortRecord,
                        format!("the escort record of person {person} on {movement} is {:?}, not awaiting confirmation", view.status),
                    )
                    .person(person));
                }
                let missing = view.record.missing();
                if !missing.is_empty() {
                    return Err(Violation::new(
                        Rule::EscortRecord,
                        format!(
                            "the escort record of person {person} on {movement} cannot be confirmed: missing {}",
                            missing.join(", ")
                        ),
                    )
                    .person(person));
                }
                let key = super::escort_key(movement.as_str(), person.as_str());
                self.escorts.update(&key, |v| {
                    v.status = EscortRecordStatus::Confirmed;
                    v.events.push(seq);
                });
            }
            EscortRecordHandedOver {
                movement,
                person,
                to,
            } => {
                let view = self.escort_view(movement, person)?;
                if view.status != EscortRecordStatus::Confirmed {
                    return Err(Violation::new(
                        Rule::EscortRecord,
                        format!("the escort record of person {person} on {movement} is {:?}; only a confirmed record is handed over", view.status),
                    )
                    .person(person));
                }
                if &self.person_view(person)?.custodian != to {
                    return Err(Violation::new(
                        Rule::EscortRecord,
                        format!("the escort record of person {person} goes with them, and they are not held by {to}"),
                    )
                    .person(person)
                    .custodian(to));
                }
                let key = super::escort_key(movement.as_str(), person.as_str());
                self.escorts.update(&key, |v| {
                    v.status = EscortRecordStatus::HandedOver;
                    v.handed_to = Some(to.clone());
                    v.events.push(seq);
                });
            }

            DiscrepancyEscalated {
                discrepancy,
                severity,
                owner,
                reason,
            } => {
                self.open_discrepancy(discrepancy)?;
                need_reason(reason, "escalating a discrepancy")?;
                need_reason(owner, "escalating a discrepancy (owner)")?;
                self.discrepancies.update(discrepancy.as_str(), |d| {
                    d.severity = d.severity.max(*severity);
                    d.owner = owner.clone();
                    d.escalations += 1;
                    d.escalated_at = Some(at);
                });
            }

            DiscrepancyOpened {
                discrepancy,
                kind,
                severity,
                summary,
                persons,
                movement,
                custodian,
                owner,
            } => {
                self.unique(
                    self.discrepancies.contains(discrepancy.as_str()),
                    "discrepancy",
                    discrepancy,
                )?;
                need_reason(owner, "a discrepancy (owner)")?;
                self.discrepancies.put(
                    discrepancy.as_str(),
                    DiscrepancyView {
                        kind: *kind,
                        severity: *severity,
                        summary: summary.clone(),
                        persons: persons.clone(),
                        movement: movement.clone(),
                        custodian: custodian.clone(),
                        owner: owner.clone(),
                        status: DiscrepancyStatus::Open,
                        opened_at: at,
                        escalations: 0,
                        escalated_at: None,
                        opened_seq: seq,
                        resolved_by: None,
                        resolved_at: None,
                        resolution: None,
                    },
                );
            }
            OfficerKeyRegistered {
                custodian,
                key,
                officer,
            } => self.register_officer_key(seq, custodian, key, officer)?,
            OfficerKeyRevoked {
                custodian,
                key,
                reason,
            } => self.revoke_officer_key(seq, custodian, key, reason)?,
            DiscrepancyResolved {
                discrepancy,
                reason,
            } => {
                self.open_discrepancy(discrepancy)?;
                need_reason(reason, "resolving a discrepancy")?;
                let user = event.actor.user.clone();
                self.discrepancies.update(discrepancy.as_str(), |d| {
                    d.status = DiscrepancyStatus::Resolved;
                    d.resolved_by = Some(user);
                    d.resolved_at = Some(at);
                    d.resolution = Some(reason.clone());
                });
            }
        }
        Ok(())
    }

    fn escort_on_manifest(
        &self,
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
        Ok(())
    }

    fn escort_view(
        &self,
        movement: &MovementId,
        person: &PersonId,
    ) -> Result<&EscortRecordView, Violation> {
        self.escorts
            .get(&super::escort_key(movement.as_str(), person.as_str()))
            .ok_or_else(|| {
                Violation::new(
                    Rule::KnownRecord,
                    format!("person {person} has no escort record on {movement}"),
                )
                .person(person)
            })
    }

    /// The manifest rules every movement must meet when it is planned.
    fn check_manifest(
        &self,
        movement: &MovementId,
        mode: Mode,
        origin: &CustodianId,
        destination: &CustodianId,
        vehicles: &[Vehicle],
        manifest: &[Seat],
    ) -> Result<(), Violation> {
        let mut vehicle_ids = HashSet::new();
        for v in vehicles {
            if !vehicle_ids.insert(v.id.as_str()) {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!("movement {movement} lists vehicle {} twice", v.id),
                ));
            }
            if mode == Mode::Air && v.kind != VehicleKind::Aircraft {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!(
                        "air movement {movement} lists a {:?}, not an aircraft",
                        v.kind
                    ),
                ));
            }
            if mode == Mode::Land && v.kind == VehicleKind::Aircraft {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!("land movement {movement} lists an aircraft"),
                ));
            }
        }
        struct Load<'a> {
            seated: u32,
            men: Option<&'a PersonId>,
            women_or_juveniles: Option<&'a PersonId>,
            groups: HashMap<&'a str, &'a PersonId>,
        }
        let mut loads: HashMap<&str, Load> = vehicles
            .iter()
            .map(|v| {
                (
                    v.id.as_str(),
                    Load {
                        seated: 0,
                        men: None,
                        women_or_juveniles: None,
                        groups: HashMap::new(),
                    },
                )
            })
            .collect();
        let dest = self.custodian_view(destination)?;
        let CustodianKind::Facility(dest_facility) = &dest.info else {
            return Err(Violation::new(
                Rule::CustodianKind,
                format!("{destination} is not a facility"),
            )
            .custodian(destination));
        };
        let mut seen = HashSet::new();
        for seat in manifest {
            let p = &seat.person;
            if !seen.insert(p) {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!("person {p} appears twice on the manifest of {movement}"),
                )
                .person(p));
            }
            let view = self.person_view(p)?;
            if &view.custodian != origin || view.status != CustodyStatus::Held {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!(
                        "person {p} is not held at the origin {origin} (held by {})",
                        view.custodian
                    ),
                )
                .person(p)
                .custodian(origin));
            }
            if let Some(other) = &view.movement {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!("person {p} is already on open movement {other}"),
                )
                .person(p));
            }
            let category = view.record.category();
            if !dest_facility.categories.contains(&category) {
                return Err(Violation::new(
                    Rule::Category,
                    format!("destination {destination} does not hold {category} detainees"),
                )
                .person(p)
                .custodian(destination));
            }
            let vehicle = vehicles.iter().find(|v| v.id == seat.vehicle).ok_or_else(|| {
                Violation::new(
                    Rule::Manifest,
                    format!("person {p} is seated in vehicle {} which is not on movement {movement}", seat.vehicle),
                )
                .person(p)
            })?;
            if view.record.risk == crate::person::RiskLevel::High
                && mode != Mode::Air
                && !vehicle.armored
            {
                return Err(Violation::new(
                    Rule::HighRiskTransport,
                    format!(
                        "person {p} is high-risk and travels only by air or in an armoured vehicle, not in {} ({:?})",
                        vehicle.id, vehicle.kind
                    ),
                )
                .person(p));
            }
            let load = loads.get_mut(vehicle.id.as_str()).ok_or_else(|| {
                Violation::new(Rule::Manifest, format!("vehicle {} is unknown", vehicle.id))
            })?;
            load.seated += 1;
            if load.seated > vehicle.seats {
                return Err(Violation::new(
                    Rule::Seats,
                    format!(
                        "vehicle {} of movement {movement} has {} seats; person {p} would be number {}",
                        vehicle.id, vehicle.seats, load.seated
                    ),
                )
                .person(p));
            }
            if category == Category::AdultMale {
                if let Some(other) = load.women_or_juveniles {
                    return Err(Violation::new(
                        Rule::Segregation,
                        format!(
                            "person {p} (adult male) cannot travel in vehicle {} with person {other} (woman or juvenile)",
                            vehicle.id
                        ),
                    )
                    .person(p));
                }
                load.men.get_or_insert(p);
            } else {
                if let Some(other) = load.men {
                    return Err(Violation::new(
                        Rule::Segregation,
                        format!(
                            "person {p} ({category}) cannot travel in vehicle {} with person {other} (adult male)",
                            vehicle.id
                        ),
                    )
                    .person(p));
                }
                load.women_or_juveniles.get_or_insert(p);
            }
            for g in &view.record.separation_groups {
                if let Some(other) = load.groups.get(g.as_str()) {
                    return Err(Violation::new(
                        Rule::Separation,
                        format!(
                            "persons {other} and {p} share separation group {g} and cannot travel in the same vehicle {}",
                            vehicle.id
                        ),
                    )
                    .person(p));
                }
                load.groups.insert(g.as_str(), p);
            }
        }
        // Room at the destination: held now, plus everyone already on an open
        // movement bound there, plus this manifest.
        let inbound: usize = self
            .movements
            .iter()
            .filter(|(_, m)| &m.destination == destination)
            .map(|(id, m)| match m.status {
                MovementStatus::Planned => m.manifest.len(),
                // Under way: only those on board (the movement's own occupancy).
                MovementStatus::Departed => self
                    .custodians
                    .get(id)
                    .map(|c| c.occupancy as usize)
                    .unwrap_or(0),
                _ => 0,
            })
            .sum();
        let needed = dest.occupancy as usize + inbound + manifest.len();
        if needed > dest_facility.capacity as usize {
            let first_over = dest_facility.capacity as usize
                - (dest.occupancy as usize + inbound).min(dest_facility.capacity as usize);
            let who = &manifest[first_over.min(manifest.len() - 1)].person;
            return Err(Violation::new(
                Rule::Capacity,
                format!(
                    "destination {destination} has room for {} more ({} held, {inbound} already inbound, capacity {}); movement {movement} brings {}",
                    first_over,
                    dest.occupancy,
                    dest_facility.capacity,
                    manifest.len()
                ),
            )
            .person(who)
            .custodian(destination));
        }
        Ok(())
    }

    fn open_discrepancy(&self, discrepancy: &DiscrepancyId) -> Result<(), Violation> {
        let d = self
            .discrepancies
            .get(discrepancy.as_str())
            .ok_or_else(|| {
                Violation::new(
                    Rule::KnownRecord,
                    format!("discrepancy {discrepancy} does not exist"),
                )
            })?;
        if d.status != DiscrepancyStatus::Open {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!("discrepancy {discrepancy} is already resolved"),
            ));
        }
        Ok(())
    }

    fn open_case(&self, case: &CaseId) -> Result<(), Violation> {
        let c = self.cases.get(case.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownRecord, format!("case {case} does not exist"))
        })?;
        if c.outcome.is_some() {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!("case {case} is closed: its outcome is recorded"),
            )
            .person(&c.person));
        }
        Ok(())
    }

    fn repatriation_step(
        &self,
        r: &RepatriationId,
        expected: RepatriationStatus,
    ) -> Result<&RepatriationView, Violation> {
        let view = self.repatriations.get(r.as_str()).ok_or_else(|| {
            Violation::new(
                Rule::KnownRecord,
                format!("repatriation {r} does not exist"),
            )
        })?;
        if view.status != expected {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!(
                    "repatriation {r} is {:?}; this step needs it {:?}",
                    view.status, expected
                ),
            )
            .person(&view.person));
        }
        Ok(view)
    }

    /// A person handed out of a movement (abort, or a handover at the
    /// destination) is no longer on it.
    fn leave_movement_if_done(&mut self, person: &PersonId, from: &CustodianId, to: &CustodianId) {
        let leaving_movement = self.movements.contains(from.as_str());
        let entering_movement = self.movements.contains(to.as_str());
        if leaving_movement && !entering_movement {
            self.custody.update(person.as_str(), |p| p.movement = None);
        }
    }
}
