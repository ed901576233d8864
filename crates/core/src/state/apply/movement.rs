//! Movements: planned → departed → (checkpoints, positions) → arrived →
//! reconciled, or aborted. Each step is dated no earlier than the one
//! before; the manifest rules ([`crate::manifest_rules`]) are checked at
//! planning and again at departure; departure and abort move custody
//! themselves, so a departure without its handovers cannot exist.

use super::discrepancy::Opening;
use super::{At, need_reason, not_before};
use crate::custodian::{Coordinates, CustodianKind, Facility};
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::escort::EscortRecordStatus;
use crate::event::HandoverSignature;
use crate::ids::*;
use crate::manifest_rules::{self, Breach, Traveller, Trip};
use crate::movement::{Mode, MovementStatus, Seat, Vehicle};
use crate::person::PersonRecord;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};
use jiff::Timestamp;
use std::collections::HashSet;

/// The payload of a planning event.
pub(super) struct Plan<'a> {
    pub mode: Mode,
    pub origin: &'a CustodianId,
    pub destination: &'a CustodianId,
    pub planned_departure: Timestamp,
    pub vehicles: &'a [Vehicle],
    pub escort: &'a [String],
    pub medic: bool,
    pub manifest: &'a [Seat],
    pub route: &'a [Coordinates],
}

/// A seating breach as a refusal naming the movement, the vehicle and the rule.
fn breach_violation(movement: &MovementId, b: &Breach<&PersonId>) -> Violation {
    Violation::new(b.rule, format!("movement {movement}: {b}")).person(b.person)
}

/// Whether `facility`, the destination of `movement`, may receive `t`
/// (person `p`): [`manifest_rules::destination_receives`], as a refusal
/// naming the movement, the destination and the rule.
pub(super) fn destination_receives(
    movement: &MovementId,
    destination: &CustodianId,
    facility: &Facility,
    p: &PersonId,
    t: &Traveller<'_>,
) -> Result<(), Violation> {
    manifest_rules::destination_receives(&facility.categories, facility.security, t).map_err(
        |rule| {
            let why = match rule {
                Rule::HighRiskSecurity => format!(
                    "destination {destination} is {} security and person {p} is high-risk: {}",
                    facility.security.as_str(),
                    manifest_rules::explain(rule)
                ),
                _ => format!(
                    "destination {destination} does not hold {} detainees",
                    t.category()
                ),
            };
            Violation::new(rule, format!("movement {movement}: {why}"))
                .person(p)
                .custodian(destination)
        },
    )
}

fn refuse_state(movement: &MovementId, step: &str, status: MovementStatus) -> Violation {
    Violation::new(
        Rule::MovementState,
        format!("movement {movement} cannot {step}: it is {status}"),
    )
}

impl State {
    /// A movement is planned: every manifest rule holds, and each person on
    /// it now points at it.
    pub(super) fn movement_planned(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        plan: Plan<'_>,
    ) -> Result<(), Violation> {
        let cid: CustodianId = movement.into();
        self.unique(
            self.movements.contains(movement.as_str()) || self.custodians.contains(cid.as_str()),
            "movement",
            movement,
        )?;
        self.require_facility(plan.origin)?;
        self.require_facility(plan.destination)?;
        if plan.origin == plan.destination {
            return Err(Violation::new(
                Rule::Manifest,
                format!("movement {movement} has the same origin and destination"),
            )
            .custodian(plan.origin));
        }
        if plan.manifest.is_empty() {
            return Err(Violation::new(
                Rule::Manifest,
                format!("movement {movement} has an empty manifest"),
            ));
        }
        if plan
            .route
            .iter()
            .any(|w| !w.lat.is_finite() || !w.lon.is_finite())
        {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("movement {movement} has a route point that is not a number"),
            ));
        }
        let trip = Trip {
            mode: plan.mode,
            medic: plan.medic,
        };
        self.check_manifest(movement, trip, &plan)?;
        let mut newly_scheduled = 0;
        for seat in plan.manifest {
            self.custody.update(seat.person.as_str(), |v| {
                v.movement = Some(movement.clone());
                if !v.scheduled {
                    v.scheduled = true;
                    newly_scheduled += 1;
                }
            });
        }
        self.counters
            .add("scheduled", newly_scheduled)
            .map_err(super::counter_violation)?;
        self.custodians.put(
            cid.as_str(),
            CustodianView {
                info: CustodianKind::Movement,
                occupancy: 0,
                inbound: Vec::new(),
            },
        );
        self.custodians.update(plan.destination.as_str(), |c| {
            c.inbound.push(movement.clone())
        });
        self.movements.put(
            movement.as_str(),
            MovementView {
                mode: plan.mode,
                origin: plan.origin.clone(),
                destination: plan.destination.clone(),
                planned_departure: plan.planned_departure,
                vehicles: plan.vehicles.to_vec(),
                escort: plan.escort.to_vec(),
                medic: plan.medic,
                manifest: plan.manifest.to_vec(),
                route: plan.route.to_vec(),
                planned_at: t.at,
                status: MovementStatus::Planned,
                boarded: vec![],
                handed_out: 0,
                admitted: vec![],
                counts: vec![],
                track: vec![],
                departed_at: None,
                arrived_at: None,
                abort_reason: None,
            },
        );
        Ok(())
    }

    /// The manifest rules every movement must meet when it is planned: the
    /// people held at the origin and on no other open movement, the seating
    /// rules of [`crate::manifest_rules`], and room at the destination.
    fn check_manifest(
        &self,
        movement: &MovementId,
        trip: Trip,
        plan: &Plan<'_>,
    ) -> Result<(), Violation> {
        let (origin, destination, manifest) = (plan.origin, plan.destination, plan.manifest);
        let mut vehicle_ids = HashSet::new();
        for v in plan.vehicles {
            if !vehicle_ids.insert(v.id.as_str()) {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!("movement {movement} lists vehicle {} twice", v.id),
                ));
            }
            manifest_rules::vehicle_fits_mode(trip.mode, v).map_err(|rule| {
                Violation::new(
                    rule,
                    format!(
                        "the manifest of movement {movement} cannot use it: {}",
                        manifest_rules::vehicle_mode_problem(trip.mode, v)
                    ),
                )
            })?;
        }
        let dest = self.custodian_view(destination)?;
        let CustodianKind::Facility(dest_facility) = &dest.info else {
            return Err(Violation::new(
                Rule::CustodianKind,
                format!("{destination} is not a facility"),
            )
            .custodian(destination));
        };
        let mut seen = HashSet::new();
        let mut seats = Vec::with_capacity(manifest.len());
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
            if &view.custody.custodian != origin || view.custody.status != CustodyStatus::Held {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!(
                        "person {p} is not held at the origin {origin} (held by {})",
                        view.custody.custodian
                    ),
                )
                .person(p)
                .custodian(origin));
            }
            if let Some(other) = &view.custody.movement {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!("person {p} is already on open movement {other}"),
                )
                .person(p));
            }
            let t = Traveller::of(view.record);
            destination_receives(movement, destination, dest_facility, p, &t)?;
            seats.push((p, seat.vehicle.as_str(), t));
        }
        manifest_rules::check_seating(trip, plan.vehicles, seats)
            .map_err(|b| breach_violation(movement, &b))?;
        // Room at the destination: held now, plus everyone already on an open
        // movement bound there, plus this manifest.
        let inbound = self.inbound(dest, |_| false);
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

    /// The people on their way to the custodian `dest`, on the open
    /// movements bound there that `except` does not leave out: a planned
    /// movement's whole manifest, one under way those on board. What the
    /// room at a destination is counted against, at planning and by the
    /// transfer planner.
    pub fn inbound(&self, dest: &CustodianView, except: impl Fn(&MovementId) -> bool) -> usize {
        dest.inbound
            .iter()
            .filter(|id| !except(id))
            .filter_map(|id| self.movements.get(id.as_str()).map(|m| (id, m)))
            .map(|(id, m)| match m.status {
                MovementStatus::Planned => m.manifest.len(),
                // Under way: only those on board (the movement's own occupancy).
                MovementStatus::Departed => self
                    .custodians
                    .get(id.as_str())
                    .map(|c| c.occupancy as usize)
                    .unwrap_or(0),
                _ => 0,
            })
            .sum()
    }

    /// Re-checks the seating and destination rules for the seats of `m`
    /// that `include` selects, with the records as they are now (and
    /// `replace` standing in for one person's record, if given).
    pub(super) fn recheck_seats<'s>(
        &'s self,
        id: &MovementId,
        m: &'s MovementView,
        include: impl Fn(&Seat) -> bool,
        replace: Option<(&PersonId, &'s PersonRecord)>,
    ) -> Result<(), Violation> {
        let facility = match self.custodians.get(m.destination.as_str()).map(|c| &c.info) {
            Some(CustodianKind::Facility(f)) => Some(f),
            _ => None,
        };
        let trip = Trip {
            mode: m.mode,
            medic: m.medic,
        };
        let mut seats = Vec::new();
        for seat in m.manifest.iter().filter(|s| include(s)) {
            let record = match replace {
                Some((p, r)) if *p == seat.person => r,
                _ => self.person_view(&seat.person)?.record,
            };
            let t = Traveller::of(record);
            if let Some(f) = facility {
                destination_receives(id, &m.destination, f, &seat.person, &t)?;
            }
            seats.push((&seat.person, seat.vehicle.as_str(), t));
        }
        manifest_rules::check_seating(trip, &m.vehicles, seats)
            .map_err(|b| breach_violation(id, &b))
    }

    /// The planned movement `person` is on, and how `record` would break its
    /// manifest rules (their vehicle and their destination), if it would.
    /// What a correction re-checks; [`crate::ops::correct`] asks it to know
    /// whether the correction must open a discrepancy.
    pub fn correction_breach(
        &self,
        person: &PersonId,
        record: &PersonRecord,
    ) -> Option<(MovementId, Violation)> {
        let mid = self.custody.get(person.as_str())?.movement.as_ref()?;
        let m = self.movements.get(mid.as_str())?;
        if m.status != MovementStatus::Planned {
            return None;
        }
        let vehicle = m.vehicle_of(person)?;
        self.recheck_seats(mid, m, |s| s.vehicle == vehicle, Some((person, record)))
            .err()
            .map(|v| (mid.clone(), v))
    }

    /// Departure: every escort record confirmed, the boarded people (on the
    /// manifest, held at the origin, still on this movement) meet the
    /// manifest rules as recorded now, and custody of each passes to the
    /// movement. Those left behind are no longer on it. Signatures, if any,
    /// are by live officer keys of the origin (releasing) and of the
    /// movement (receiving), as on a handover.
    pub(super) fn departed(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        headcount: u32,
        boarded: &[PersonId],
        signatures: &[HandoverSignature],
    ) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        if m.status != MovementStatus::Planned {
            return Err(refuse_state(movement, "depart", m.status));
        }
        // The origin facility releases, the movement (its escort) receives.
        self.check_custody_signatures("departure", &m.origin, &movement.into(), signatures)?;
        not_before(t.at, m.planned_at, || {
            format!("movement {movement} was planned at {}", m.planned_at)
        })?;
        for p in m.people() {
            let confirmed = self
                .escorts
                .get(&crate::state::escort_key(movement.as_str(), p.as_str()))
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
        let manifest: HashSet<&PersonId> = m.people().collect();
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
            let view = self.person_view(p)?;
            if view.custody.movement.as_ref() != Some(movement)
                || view.custody.custodian != m.origin
                || view.custody.status != CustodyStatus::Held
            {
                return Err(Violation::new(
                    Rule::Manifest,
                    format!(
                        "person {p} cannot board {movement}: they are {:?} with {}, no longer held at the origin {} for it",
                        view.custody.status, view.custody.custodian, m.origin
                    ),
                )
                .person(p)
                .custodian(&m.origin));
            }
            Self::custody_in_order(p, view.custody, t.at)?;
        }
        self.recheck_seats(movement, m, |s| seen.contains(&s.person), None)?;
        let origin = m.origin.clone();
        let left_behind: Vec<PersonId> =
            m.people().filter(|p| !seen.contains(p)).cloned().collect();
        let to: CustodianId = movement.into();
        for p in boarded {
            self.move_custody(
                t,
                p,
                &origin,
                &to,
                CustodyStatus::InTransit,
                Some(movement.clone()),
            )?;
        }
        for p in &left_behind {
            self.custody.update(p.as_str(), |v| {
                if v.movement.as_ref() == Some(movement) {
                    v.movement = None
                }
            });
        }
        self.movements.update(movement.as_str(), |m| {
            m.status = MovementStatus::Departed;
            m.boarded = boarded.to_vec();
            m.departed_at = Some(t.at);
            m.counts.push(Count {
                place: "departure".into(),
                count: headcount,
                at: t.at,
                seq: t.seq,
            });
        });
        Ok(())
    }

    /// The movement under way, and the time it departed.
    fn under_way(&self, movement: &MovementId, at: Timestamp) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        if m.status != MovementStatus::Departed {
            return Err(Violation::new(
                Rule::MovementState,
                format!("movement {movement} is not under way (it is {})", m.status),
            ));
        }
        if let Some(departed) = m.departed_at {
            not_before(at, departed, || {
                format!("movement {movement} departed at {departed}")
            })?;
        }
        Ok(())
    }

    /// A headcount en route.
    pub(super) fn checkpoint_passed(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        place: &str,
        count: u32,
    ) -> Result<(), Violation> {
        self.under_way(movement, t.at)?;
        self.movements.update(movement.as_str(), |m| {
            m.counts.push(Count {
                place: place.to_string(),
                count,
                at: t.at,
                seq: t.seq,
            })
        });
        Ok(())
    }

    /// A position en route.
    pub(super) fn position_reported(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        lat: f64,
        lon: f64,
    ) -> Result<(), Violation> {
        self.under_way(movement, t.at)?;
        if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 || lon.abs() > 180.0 {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("position {lat},{lon} is not on the earth"),
            ));
        }
        self.movements.update(movement.as_str(), |m| {
            m.track.push(Position { lat, lon, at: t.at })
        });
        Ok(())
    }

    /// Arrival: not before the departure or any count or position en route.
    pub(super) fn arrived(&mut self, t: At<'_>, movement: &MovementId) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        if m.status != MovementStatus::Departed {
            return Err(refuse_state(movement, "arrive", m.status));
        }
        let latest = m
            .counts
            .iter()
            .map(|c| c.at)
            .chain(m.track.iter().map(|p| p.at))
            .chain(m.departed_at)
            .max();
        if let Some(latest) = latest {
            not_before(t.at, latest, || {
                format!("movement {movement} reported from the road at {latest}")
            })?;
        }
        self.movements.update(movement.as_str(), |m| {
            m.status = MovementStatus::Arrived;
            m.arrived_at = Some(t.at);
        });
        self.close_inbound(movement);
        Ok(())
    }

    /// Reconciliation of the intake: the count admitted is the count of
    /// admissions, and everyone still in the movement's custody is listed
    /// as missing or mismatched. They stay in its custody (never in
    /// nobody's), and no longer point at the movement, which is closed.
    pub(super) fn reconciled(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        admitted: u32,
        missing: &[PersonId],
        mismatched: &[PersonId],
    ) -> Result<(), Violation> {
        let m = self.movement_view(movement)?;
        if m.status != MovementStatus::Arrived {
            return Err(refuse_state(movement, "be reconciled", m.status));
        }
        if let Some(arrived) = m.arrived_at {
            not_before(t.at, arrived, || {
                format!("movement {movement} arrived at {arrived}")
            })?;
        }
        if admitted as usize != m.admitted.len() {
            return Err(Violation::new(
                Rule::Manifest,
                format!(
                    "movement {movement} reconciles {admitted} admitted, but {} were admitted",
                    m.admitted.len()
                ),
            ));
        }
        let listed: HashSet<&PersonId> = missing.iter().chain(mismatched).collect();
        let aboard: Vec<PersonId> = m
            .boarded
            .iter()
            .filter(|p| {
                self.custody
                    .get(p.as_str())
                    .is_some_and(|c| c.custodian.as_str() == movement.as_str())
            })
            .cloned()
            .collect();
        if let Some(p) = aboard.iter().find(|p| !listed.contains(p)) {
            return Err(Violation::new(
                Rule::Manifest,
                format!(
                    "person {p} is still in the custody of movement {movement} and the reconciliation does not list them as missing or mismatched"
                ),
            )
            .person(p));
        }
        let aboard_set: HashSet<&PersonId> = aboard.iter().collect();
        if let Some(p) = listed.iter().find(|p| !aboard_set.contains(*p)) {
            return Err(Violation::new(
                Rule::Manifest,
                format!(
                    "the reconciliation of movement {movement} lists person {p}, who is not in its custody"
                ),
            )
            .person(p));
        }
        for p in &aboard {
            self.custody.update(p.as_str(), |v| {
                if v.movement.as_ref() == Some(movement) {
                    v.movement = None
                }
            });
        }
        self.movements
            .update(movement.as_str(), |m| m.status = MovementStatus::Reconciled);
        Ok(())
    }

    /// Who is on board `movement` now (boarded, in its custody), with their
    /// category.
    fn aboard(&self, movement: &MovementId) -> Vec<(PersonId, crate::person::Category)> {
        let cid: CustodianId = movement.into();
        let Some(m) = self.movements.get(movement.as_str()) else {
            return vec![];
        };
        m.boarded
            .iter()
            .filter_map(|p| {
                let v = self.person(p.as_str())?;
                (v.custody.custodian == cid && v.custody.status == CustodyStatus::InTransit)
                    .then(|| (p.clone(), v.record.category()))
            })
            .collect()
    }

    /// The people an abort of `movement` would return to `return_to` beyond
    /// its capacity (the last of those on board, in boarding order); empty
    /// when there is room for everyone, or `return_to` is not a facility.
    /// An abort must always be recordable — the people are physically back
    /// — so the apply path accepts these, with the over-capacity discrepancy
    /// the event then has to open.
    pub fn abort_overflow(&self, movement: &MovementId, return_to: &CustodianId) -> Vec<PersonId> {
        let Some(view) = self.custodians.get(return_to.as_str()) else {
            return vec![];
        };
        let CustodianKind::Facility(f) = &view.info else {
            return vec![];
        };
        let room = f.capacity.saturating_sub(view.occupancy) as usize;
        self.aboard(movement)
            .into_iter()
            .skip(room)
            .map(|(p, _)| p)
            .collect()
    }

    /// Abort: everyone on board returns to the named facility, and nobody
    /// is on the movement any more. If the facility has no room for them
    /// all, the abort is still recorded, and opens the over-capacity
    /// discrepancy it names (refused without one, and with one when nobody
    /// is beyond capacity).
    pub(super) fn aborted(
        &mut self,
        t: At<'_>,
        movement: &MovementId,
        return_to: &CustodianId,
        reason: &str,
        discrepancy: &Option<DiscrepancyId>,
    ) -> Result<(), Violation> {
        need_reason(reason, "aborting a movement")?;
        let m = self.movement_view(movement)?;
        if !matches!(m.status, MovementStatus::Planned | MovementStatus::Departed) {
            return Err(refuse_state(movement, "be aborted", m.status));
        }
        let since = m.departed_at.unwrap_or(m.planned_at);
        not_before(t.at, since, || {
            format!("movement {movement} was last planned or departed at {since}")
        })?;
        self.require_facility(return_to)?;
        let cid: CustodianId = movement.into();
        let manifest: Vec<PersonId> = m.people().cloned().collect();
        let aboard = self.aboard(movement);
        let beyond = self.abort_overflow(movement, return_to);
        let overflow = match (beyond.is_empty(), discrepancy) {
            (true, None) => None,
            (false, Some(d)) => Some(format!("abort of {movement}; discrepancy {d}")),
            (false, None) => {
                return Err(Violation::new(
                    Rule::Capacity,
                    format!(
                        "facility {return_to} has room for {} of the {} returning on {movement}; the abort must open an over-capacity discrepancy for the excess",
                        aboard.len() - beyond.len(),
                        aboard.len()
                    ),
                )
                .custodian(return_to));
            }
            (true, Some(d)) => {
                return Err(Violation::new(
                    Rule::InvalidValue,
                    format!(
                        "the abort of {movement} names discrepancy {d}, but {return_to} has room for everyone returning"
                    ),
                ));
            }
        };
        for (p, category) in &aboard {
            self.check_receiver(p, *category, return_to, &overflow)?;
            self.move_custody(t, p, &cid, return_to, CustodyStatus::Held, None)?;
        }
        for p in &manifest {
            self.custody.update(p.as_str(), |v| {
                if v.movement.as_ref() == Some(movement) {
                    v.movement = None
                }
            });
        }
        self.movements.update(movement.as_str(), |m| {
            m.status = MovementStatus::Aborted;
            m.abort_reason = Some(reason.to_string());
        });
        self.close_inbound(movement);
        if let Some(id) = discrepancy {
            self.raise(
                t,
                id,
                Opening {
                    kind: DiscrepancyKind::OverCapacity,
                    severity: Severity::High,
                    summary: &format!(
                        "movement {movement} aborted: {} of {} returned to {return_to} beyond its capacity",
                        beyond.len(),
                        aboard.len()
                    ),
                    persons: &beyond,
                    movement: &Some(movement.clone()),
                    custodian: &Some(return_to.clone()),
                    owner: return_to.as_str(),
                },
            )?;
        }
        Ok(())
    }

    /// The movement is no longer inbound to its destination (arrived or aborted).
    fn close_inbound(&mut self, movement: &MovementId) {
        if let Some(destination) = self
            .movements
            .get(movement.as_str())
            .map(|m| m.destination.clone())
        {
            self.custodians.update(destination.as_str(), |c| {
                c.inbound.retain(|m| m != movement)
            });
        }
    }
}
