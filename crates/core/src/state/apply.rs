//! The guarantees, one event kind at a time. Each arm checks first and writes
//! after; a refused event inside a batch is rolled back by the caller.

use super::State;
use super::views::*;
use crate::custodian::CustodianKind;
use crate::event::{ENCODING_VERSION, Event, EventKind};
use crate::ids::*;
use crate::movement::MovementStatus;
use crate::person::{Category, PersonRecord};
use crate::violation::{Rule, Violation};
use std::collections::HashSet;

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
        if event.seq != seq {
            return Err(Violation::new(
                Rule::Sequence,
                format!("event carries seq {}, the ledger expects {seq}", event.seq),
            ));
        }
        if event.v != ENCODING_VERSION {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("encoding version {} is not {ENCODING_VERSION}", event.v),
            ));
        }
        self.apply_kind(event)?;
        for p in event.what.persons() {
            self.persons.update(p.as_str(), |v| {
                if v.history.last() != Some(&seq) {
                    v.history.push(seq)
                }
            });
        }
        self.counters.put("events", seq + 1);
        Ok(())
    }

    // --- shared checks ----------------------------------------------------

    fn person_view(&self, p: &PersonId) -> Result<&PersonView, Violation> {
        self.persons.get(p.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownPerson, format!("person {p} is not registered")).person(p)
        })
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
        self.persons.update(person.as_str(), |p| {
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
        let seq = event.seq;
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
                    PersonView {
                        record: record.clone(),
                        custodian: custodian.clone(),
                        status: CustodyStatus::Held,
                        since_seq: seq,
                        movement: None,
                        scheduled: false,
                        transferred: false,
                        record_events: vec![seq],
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
                ..
            } => {
                // Into a movement: only at departure, for people who boarded.
                if let Some(CustodianKind::Movement) =
                    self.custodians.get(to.as_str()).map(|c| &c.info)
                {
                    let mid = MovementId::new(to.as_str());
                    let m = self.movement_view(&mid)?;
                    // Boarded people keep their link to the movement at
                    // departure; those left behind lose it.
                    let boarded = self
                        .persons
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
                self.persons.update(person.as_str(), |p| {
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
                self.persons.update(person.as_str(), |p| p.movement = None);
            }

            PersonEscaped {
                person,
                from,
                circumstances,
            } => {
                need_reason(circumstances, "an escape record (circumstances)")?;
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
                        format!("person {person} is {:?}", view.status),
                    )
                    .person(person));
                }
                self.persons
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
                self.persons.update(person.as_str(), |p| {
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
                self.persons.update(person.as_str(), |p| {
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
                let seats: u32 = vehicles.iter().map(|v| v.seats).sum();
                if manifest.len() as u64 > seats as u64 {
                    return Err(Violation::new(
                        Rule::Manifest,
                        format!(
                            "movement {movement} has {} people on its manifest and {seats} seats",
                            manifest.len()
                        ),
                    ));
                }
                let mut seen = HashSet::new();
                for p in manifest {
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
                            format!("person {p} is not held at the origin {origin}"),
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
                }
                let mut newly_scheduled = 0;
                for p in manifest {
                    self.persons.update(p.as_str(), |v| {
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
                        last_position: None,
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
                let manifest: HashSet<&PersonId> = m.manifest.iter().collect();
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
                let left_behind: Vec<PersonId> = m
                    .manifest
                    .iter()
                    .filter(|p| !seen.contains(p))
                    .cloned()
                    .collect();
                for p in &left_behind {
                    self.persons.update(p.as_str(), |v| v.movement = None);
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
                    m.last_position = Some(Position {
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
                let manifest = m.manifest.clone();
                for p in &manifest {
                    self.persons.update(p.as_str(), |v| {
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
                self.persons.update(person.as_str(), |p| {
                    if p.history.last() != Some(&seq) {
                        p.history.push(seq)
                    }
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
                        opened_seq: seq,
                        resolved_by: None,
                        resolved_at: None,
                        resolution: None,
                    },
                );
            }
            DiscrepancyResolved {
                discrepancy,
                reason,
            } => {
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
            self.persons.update(person.as_str(), |p| p.movement = None);
        }
    }
}
