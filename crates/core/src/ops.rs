//! Workflows as pure functions: given the state and what the escort,
//! facility officer or registrar reports, the events to append — including
//! the discrepancies the report reveals and the ids they need. The caller
//! appends them as one atomic batch. These only assemble events: every rule
//! is checked when the events are applied, whoever built them.

use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::escort::{EscortRecord, EscortRecordStatus};
use crate::event::EventKind;
use crate::ids::*;
use crate::manifest_rules::{self, Class, Load, Traveller, Trip};
use crate::movement::MovementStatus;
use crate::movement::{Mode, Seat, Vehicle, VehicleKind, Waypoint};
use crate::state::State;
use crate::state::views::{DiscrepancyStatus, MovementView};
use crate::tracking::Alert;
use crate::violation::{Rule, Violation};
use jiff::Timestamp;
use std::collections::HashSet;

/// Allocates discrepancy ids minted by the local node (see [`State::allocator`]).
struct DiscrepancyIds<'a>(crate::state::origin::Allocator<'a>);

impl<'a> DiscrepancyIds<'a> {
    fn new(state: &'a State) -> Self {
        DiscrepancyIds(state.allocator(Namespace::Discrepancy))
    }
    fn take(&mut self) -> DiscrepancyId {
        DiscrepancyId(self.0.take())
    }
}

fn movement<'a>(state: &'a State, id: &MovementId) -> Result<&'a MovementView, Violation> {
    state
        .movement(id.as_str())
        .ok_or_else(|| Violation::new(Rule::KnownRecord, format!("movement {id} does not exist")))
}

/// People the movement holds now.
pub fn on_board(state: &State, id: &MovementId) -> Vec<PersonId> {
    match state.movement(id.as_str()) {
        Some(m) => m
            .boarded
            .iter()
            .filter(|p| {
                state
                    .person(p.as_str())
                    .is_some_and(|v| v.custodian.as_str() == id.as_str())
            })
            .cloned()
            .collect(),
        None => vec![],
    }
}

fn discrepancy(
    ids: &mut DiscrepancyIds<'_>,
    kind: DiscrepancyKind,
    severity: Severity,
    summary: String,
    persons: Vec<PersonId>,
    movement: &MovementId,
    owner: &str,
) -> EventKind {
    EventKind::DiscrepancyOpened {
        discrepancy: ids.take(),
        kind,
        severity,
        summary,
        persons,
        movement: Some(movement.clone()),
        custodian: None,
        owner: owner.to_string(),
    }
}

/// Departure: the movement departs (the event itself moves custody of each
/// boarded person from the origin to the movement), and any disagreement
/// between headcount, boarded list and manifest opens a discrepancy.
pub fn depart(
    state: &State,
    id: &MovementId,
    headcount: u32,
    boarded: &[PersonId],
    owner: &str,
) -> Result<Vec<EventKind>, Violation> {
    let m = movement(state, id)?;
    if m.status != MovementStatus::Planned {
        return Err(Violation::new(
            Rule::MovementState,
            format!("movement {id} cannot depart: it is {:?}", m.status),
        ));
    }
    let mut ids = DiscrepancyIds::new(state);
    let mut out = vec![EventKind::MovementDeparted {
        movement: id.clone(),
        headcount,
        boarded: boarded.to_vec(),
        signatures: vec![],
    }];
    if headcount as usize != boarded.len() {
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::HeadcountMismatch,
            Severity::Critical,
            format!(
                "movement {id}: departure headcount {headcount} but {} people recorded as boarded",
                boarded.len()
            ),
            vec![],
            id,
            owner,
        ));
    }
    let boarded_set: HashSet<&PersonId> = boarded.iter().collect();
    let left: Vec<PersonId> = m
        .people()
        .filter(|p| !boarded_set.contains(p))
        .cloned()
        .collect();
    if !left.is_empty() {
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::MissingPerson,
            Severity::High,
            format!(
                "movement {id}: {} manifest people did not board: {}",
                left.len(),
                left.iter()
                    .map(|p| match state.person(p.as_str()) {
                        Some(v) => format!(
                            "{p} ({} at {})",
                            format!("{:?}", v.status).to_lowercase(),
                            v.custodian
                        ),
                        None => p.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            left,
            id,
            owner,
        ));
    }
    Ok(out)
}

/// A headcount en route; a count below the number on board opens a
/// discrepancy naming the movement and the last good count.
pub fn checkpoint(
    state: &State,
    id: &MovementId,
    place: &str,
    count: u32,
    owner: &str,
) -> Result<Vec<EventKind>, Violation> {
    let m = movement(state, id)?;
    let expected = on_board(state, id).len() as u32;
    let mut out = vec![EventKind::MovementCheckpointPassed {
        movement: id.clone(),
        place: place.to_string(),
        count,
    }];
    if count != expected {
        let last_good = m
            .counts
            .iter()
            .rev()
            .find(|c| c.count == expected)
            .map(|c| format!("{} at {}", c.count, c.place))
            .unwrap_or_else(|| "none".into());
        let (kind, severity) = if count < expected {
            (DiscrepancyKind::MissingPerson, Severity::Critical)
        } else {
            (DiscrepancyKind::ExtraPerson, Severity::High)
        };
        out.push(discrepancy(
            &mut DiscrepancyIds::new(state),
            kind,
            severity,
            format!(
                "movement {id}: count {count} at {place}, {expected} on board; last good count {last_good}"
            ),
            vec![],
            id,
            owner,
        ));
    }
    Ok(out)
}

/// A person presented at intake: the id they are presented under and,
/// when the facility checks it, the biometric reference it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The id presented.
    pub id: String,
    /// The biometric reference read at intake, if checked.
    pub biometric: Option<String>,
}

impl Presented {
    /// Presented by id only.
    pub fn id(id: impl Into<String>) -> Presented {
        Presented {
            id: id.into(),
            biometric: None,
        }
    }
}

/// Arrival and intake: the movement arrives, each admitted person passes to
/// the destination with their escort record, and intake is reconciled
/// against the boarded list. Each missing person, each extra (unknown, or not
/// on board) and each identity mismatch (biometric read at intake differs
/// from the one recorded) becomes a discrepancy; a person not admitted stays
/// in the movement's custody, never in nobody's.
pub fn arrive(
    state: &State,
    id: &MovementId,
    presented: &[Presented],
    owner: &str,
) -> Result<Vec<EventKind>, Violation> {
    let m = movement(state, id)?;
    if m.status != MovementStatus::Departed {
        return Err(Violation::new(
            Rule::MovementState,
            format!("movement {id} cannot arrive: it is {:?}", m.status),
        ));
    }
    let aboard = on_board(state, id);
    let aboard_set: HashSet<&str> = aboard.iter().map(|p| p.as_str()).collect();
    let mut ids = DiscrepancyIds::new(state);
    let mut out = vec![EventKind::MovementArrived {
        movement: id.clone(),
    }];
    // An id presented more than once cannot be admitted on trust: which of
    // the people presented is the one recorded must be established first.
    let mut times: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for a in presented {
        *times.entry(a.id.as_str()).or_default() += 1;
    }
    let mut room = match state.custodian(m.destination.as_str()) {
        Some(c) => c.capacity().map(|cap| cap.saturating_sub(c.occupancy)),
        None => None,
    };
    let mut over_capacity = Vec::new();
    let mut seen = HashSet::new();
    let mut extra = Vec::new();
    let mut mismatched = Vec::new();
    let mut admitted_n = 0u32;
    for a in presented {
        if !seen.insert(a.id.as_str()) {
            continue;
        }
        if times[a.id.as_str()] > 1 && aboard_set.contains(a.id.as_str()) {
            mismatched.push(PersonId(a.id.clone()));
            continue;
        }
        if !aboard_set.contains(a.id.as_str()) {
            extra.push(a.id.clone());
            continue;
        }
        let recorded = state
            .person(&a.id)
            .and_then(|p| p.record.biometric_ref.clone());
        if let (Some(read), Some(recorded)) = (&a.biometric, &recorded)
            && read != recorded
        {
            mismatched.push(PersonId(a.id.clone()));
            continue;
        }
        admitted_n += 1;
        let person = PersonId(a.id.clone());
        // People who have arrived are admitted even into a full facility —
        // they cannot be left at the gate — and the overflow is a discrepancy.
        let capacity_override = match room.as_mut() {
            Some(0) => {
                over_capacity.push(person.clone());
                Some(format!(
                    "arrived on {id}; {} is full; admitted pending transfer (discrepancy opened)",
                    m.destination
                ))
            }
            Some(r) => {
                *r -= 1;
                None
            }
            None => None,
        };
        out.push(EventKind::PersonAdmitted {
            person: person.clone(),
            movement: id.clone(),
            facility: m.destination.clone(),
            capacity_override,
            signatures: Vec::new(),
        });
        if state
            .escort_record(id.as_str(), &a.id)
            .is_some_and(|r| r.status == EscortRecordStatus::Confirmed)
        {
            out.push(EventKind::EscortRecordHandedOver {
                movement: id.clone(),
                person,
                to: m.destination.clone(),
            });
        }
    }
    let missing: Vec<PersonId> = aboard
        .iter()
        .filter(|p| !seen.contains(p.as_str()))
        .cloned()
        .collect();
    for p in &missing {
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::MissingPerson,
            Severity::Critical,
            format!(
                "movement {id}: person {p} boarded but was not presented at {}; stays in the movement's custody",
                m.destination
            ),
            vec![p.clone()],
            id,
            owner,
        ));
    }
    for p in &mismatched {
        let why = if times.get(p.as_str()).copied().unwrap_or(0) > 1 {
            format!("{p} was presented {} times at intake", times[p.as_str()])
        } else {
            format!("the person presented as {p} does not match {p}'s recorded biometric reference")
        };
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::IdentityMismatch,
            Severity::Critical,
            format!("movement {id}: {why}; not admitted, stays in the movement's custody"),
            vec![p.clone()],
            id,
            owner,
        ));
    }
    if !over_capacity.is_empty() {
        out.push(EventKind::DiscrepancyOpened {
            discrepancy: ids.take(),
            kind: DiscrepancyKind::OverCapacity,
            severity: Severity::High,
            summary: format!(
                "movement {id}: {} admitted to {} beyond its capacity",
                over_capacity.len(),
                m.destination
            ),
            persons: over_capacity,
            movement: Some(id.clone()),
            custodian: Some(m.destination.clone()),
            owner: owner.to_string(),
        });
    }
    for x in &extra {
        let known = state.person(x).is_some();
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::ExtraPerson,
            Severity::High,
            format!(
                "movement {id}: {} {x} presented at intake but not on board",
                if known {
                    "registered person"
                } else {
                    "unregistered id"
                }
            ),
            if known {
                vec![PersonId(x.clone())]
            } else {
                vec![]
            },
            id,
            owner,
        ));
    }
    out.push(EventKind::MovementReconciled {
        movement: id.clone(),
        admitted: admitted_n,
        missing,
        extra,
        mismatched,
    });
    Ok(out)
}

/// Abort: the event itself returns everyone on board to the named facility.
/// An abort is always recordable — the people are physically back — so when
/// the facility has no room for them all, the event opens an over-capacity
/// discrepancy (the id is allocated here) for the excess.
pub fn abort(
    state: &State,
    id: &MovementId,
    return_to: &CustodianId,
    reason: &str,
) -> Result<Vec<EventKind>, Violation> {
    movement(state, id)?;
    // People who are back are recorded as back: when the facility has no
    // room for them all, the abort opens an over-capacity discrepancy.
    let discrepancy = (!state.abort_overflow(id, return_to).is_empty())
        .then(|| DiscrepancyIds::new(state).take());
    Ok(vec![EventKind::MovementAborted {
        movement: id.clone(),
        return_to: return_to.clone(),
        reason: reason.to_string(),
        discrepancy,
    }])
}

/// A correction of a person's record. If the corrected record breaks the
/// manifest rules of the planned movement the person is on, the correction
/// opens a discrepancy (the id is allocated here) and the movement cannot
/// depart with them as seated until it is re-planned.
pub fn correct(
    state: &State,
    person: &PersonId,
    corrects: crate::event::EventId,
    record: crate::person::PersonRecord,
    reason: &str,
) -> Vec<EventKind> {
    let discrepancy = state
        .correction_breach(person, &record)
        .map(|_| DiscrepancyIds::new(state).take());
    vec![EventKind::PersonRecordCorrected {
        person: person.clone(),
        corrects,
        record,
        reason: reason.to_string(),
        discrepancy,
    }]
}

/// An escape from `from`'s custody; the event opens its escape discrepancy
/// (the id is allocated here).
pub fn escape(
    state: &State,
    person: &PersonId,
    from: &CustodianId,
    circumstances: &str,
) -> Vec<EventKind> {
    vec![EventKind::PersonEscaped {
        person: person.clone(),
        from: from.clone(),
        circumstances: circumstances.to_string(),
        discrepancy: DiscrepancyIds::new(state).take(),
    }]
}

/// Seats people in vehicles so that every manifest rule
/// ([`crate::manifest_rules`]) holds: high-risk people by air or in armoured
/// vehicles, people with medical needs only with a medic, women and
/// juveniles never with adult men, no two people of one separation group
/// together, seats never exceeded. Greedy, most constrained people first;
/// refuses, naming the person and the rule, when no vehicle can take someone.
pub fn assign_seats(
    state: &State,
    trip: Trip,
    vehicles: &[Vehicle],
    people: &[PersonId],
) -> Result<Vec<Seat>, Violation> {
    let mut travellers = Vec::with_capacity(people.len());
    for p in people {
        let view = state.person(p.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownPerson, format!("person {p} is not registered")).person(p)
        })?;
        travellers.push(Traveller::of(view.record));
    }
    for v in vehicles {
        manifest_rules::vehicle_fits_mode(trip.mode, v).map_err(|rule| {
            Violation::new(
                rule,
                format!(
                    "the manifest cannot use it: {}",
                    manifest_rules::vehicle_mode_problem(trip.mode, v)
                ),
            )
        })?;
    }
    let mut loads: Vec<Load> = vehicles.iter().map(|_| Load::new()).collect();
    let mut order: Vec<usize> = (0..people.len()).collect();
    let rank = |t: &Traveller<'_>| -> (u8, u8, usize) {
        (
            u8::from(!t.needs_armour(trip.mode)),
            u8::from(t.class() == Class::AdultMen),
            usize::MAX - t.separation_groups.len(),
        )
    };
    order.sort_by_key(|&i| (rank(&travellers[i]), i));
    let mut seat_of: Vec<Option<&str>> = vec![None; people.len()];
    for i in order {
        let (p, t) = (&people[i], &travellers[i]);
        // The most telling refusal: seats only if nothing else stood in the way.
        let mut reason = Rule::Seats;
        // Prefer a vehicle already carrying this class (fill it up); else an
        // empty one: the smallest for women and juveniles, the largest for
        // adult men, so the classes waste as few seats as possible.
        let mut chosen: Option<(usize, (u8, i64))> = None;
        for (k, (vehicle, load)) in vehicles.iter().zip(&loads).enumerate() {
            if let Err(rule) = manifest_rules::can_seat(trip, vehicle, load, t) {
                if rule != Rule::Seats {
                    reason = rule;
                }
                continue;
            }
            let seats = i64::from(vehicle.seats);
            let key = match load.class() {
                Some(_) => (0u8, 0i64),
                None if t.class() == Class::AdultMen => (1, -seats),
                None => (1, seats),
            };
            if chosen.is_none_or(|(_, best)| key < best) {
                chosen = Some((k, key));
            }
        }
        let Some((k, _)) = chosen else {
            return Err(Violation::new(
                reason,
                format!(
                    "no vehicle can take person {p}: {}",
                    match reason {
                        Rule::Seats => "every seat is taken",
                        other => manifest_rules::explain(other),
                    }
                ),
            )
            .person(p));
        };
        loads[k].board(p, t);
        seat_of[i] = Some(vehicles[k].id.as_str());
    }
    people
        .iter()
        .zip(seat_of)
        .map(|(p, v)| match v {
            Some(v) => Ok(Seat {
                person: p.clone(),
                vehicle: v.to_string(),
            }),
            None => {
                Err(Violation::new(Rule::Seats, format!("person {p} was not seated")).person(p))
            }
        })
        .collect()
}

/// What a planner asks for.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// New movement id.
    pub movement: MovementId,
    /// Land or air.
    pub mode: Mode,
    /// Origin facility.
    pub origin: CustodianId,
    /// Destination facility.
    pub destination: CustodianId,
    /// Planned departure.
    pub planned_departure: Timestamp,
    /// Vehicles.
    pub vehicles: Vec<Vehicle>,
    /// Escort team.
    pub escort: Vec<String>,
    /// A medic travels with the escort.
    pub medic: bool,
    /// People, in manifest order.
    pub people: Vec<PersonId>,
    /// Planned route waypoints.
    pub route: Vec<Waypoint>,
}

/// Planning: seats everyone, plans the movement and starts each person's
/// escort record from their file.
pub fn plan(state: &State, req: &PlanRequest) -> Result<Vec<EventKind>, Violation> {
    let trip = Trip {
        mode: req.mode,
        medic: req.medic,
    };
    let manifest = assign_seats(state, trip, &req.vehicles, &req.people)?;
    let mut out = vec![EventKind::MovementPlanned {
        movement: req.movement.clone(),
        mode: req.mode,
        origin: req.origin.clone(),
        destination: req.destination.clone(),
        planned_departure: req.planned_departure,
        vehicles: req.vehicles.clone(),
        escort: req.escort.clone(),
        medic: req.medic,
        manifest,
        route: req.route.clone(),
    }];
    for p in &req.people {
        let record = state
            .person(p.as_str())
            .map(|v| EscortRecord::from_file(v.record))
            .unwrap_or_default();
        out.push(EventKind::EscortRecordStarted {
            movement: req.movement.clone(),
            person: p.clone(),
            record,
        });
    }
    Ok(out)
}

/// Parses `KIND:SEATS,KIND:SEATS` (`bus`, `truck`, `armored`, `aircraft`)
/// into vehicles with ids `V1`, `V2`...; armoured vehicles are armoured.
pub fn parse_vehicles(spec: &str) -> Result<Vec<Vehicle>, String> {
    let mut out = Vec::new();
    for (i, part) in spec
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let (kind, seats) = part
            .split_once(':')
            .ok_or_else(|| format!("vehicle {part:?} is not KIND:SEATS (e.g. bus:45)"))?;
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "bus" => VehicleKind::Bus,
            "truck" => VehicleKind::Truck,
            "armored" | "armoured" => VehicleKind::Armored,
            "aircraft" | "plane" => VehicleKind::Aircraft,
            other => {
                return Err(format!(
                    "vehicle kind {other:?} in {part:?} is not bus, truck, armored or aircraft"
                ));
            }
        };
        let seats: u32 = seats
            .trim()
            .parse()
            .map_err(|_| format!("seats {seats:?} in {part:?} is not a whole number"))?;
        out.push(Vehicle {
            id: format!("V{}", i + 1),
            kind,
            seats,
            armored: kind == VehicleKind::Armored,
        });
    }
    if out.is_empty() {
        return Err("no vehicles given".into());
    }
    Ok(out)
}

/// Escalation: every open discrepancy older than `older_than_secs` at `now`
/// (since it was opened, or since it was last escalated) is escalated one
/// severity up and handed to `owner`.
pub fn escalate(
    state: &State,
    open: &[String],
    now: Timestamp,
    older_than_secs: i64,
    owner: &str,
) -> Vec<EventKind> {
    let mut out = Vec::new();
    for (id, d) in rows_of(open, |id| state.discrepancy(id)) {
        if d.status != DiscrepancyStatus::Open {
            continue;
        }
        let since = d.escalated_at.unwrap_or(d.opened_at);
        let age = now.as_second() - since.as_second();
        if age <= older_than_secs {
            continue;
        }
        let severity = match d.severity {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        };
        out.push(EventKind::DiscrepancyEscalated {
            discrepancy: DiscrepancyId(id.clone()),
            severity,
            owner: owner.to_string(),
            reason: format!(
                "open for {} min without resolution (limit {} min)",
                age / 60,
                older_than_secs / 60
            ),
        });
    }
    out
}

/// Where a facility is, if the custodian is one.
fn coordinates_of(state: &State, c: &CustodianId) -> Option<crate::custodian::Coordinates> {
    match state.custodian(c.as_str()).map(|v| &v.info) {
        Some(crate::custodian::CustodianKind::Facility(f)) => Some(f.coordinates),
        _ => None,
    }
}

/// A movement's planned route: its waypoints between the two facilities, or
/// the straight line between them.
pub fn route_of(state: &State, m: &MovementView) -> Vec<crate::custodian::Coordinates> {
    match (
        coordinates_of(state, &m.origin),
        coordinates_of(state, &m.destination),
    ) {
        (Some(o), Some(d)) => crate::tracking::planned_route(o, d, &m.route),
        _ => m.route.clone(),
    }
}

/// A movement's track as tracking points.
pub fn track_of(m: &MovementView) -> Vec<crate::tracking::TrackPoint> {
    m.track
        .iter()
        .map(|p| crate::tracking::TrackPoint {
            lat: p.lat,
            lon: p.lon,
            at: p.at,
        })
        .collect()
}

/// Estimated arrival of a movement under way, from the remaining route and
/// its recent speed (the last hour of reports).
pub fn eta_of(state: &State, m: &MovementView) -> Option<Timestamp> {
    crate::tracking::eta(&track_of(m), &route_of(state, m), 3600)
        .and_then(|t| Timestamp::from_second(t.as_second()).ok())
}

/// The watch: for every movement under way, the tracking alerts at `now`
/// (silent, stopped outside a checkpoint, off its route), each opened as a
/// discrepancy unless one of the same kind is already open for it.
pub fn watch_movements(
    state: &State,
    departed: &[String],
    open: &[String],
    now: Timestamp,
    rules: &crate::tracking::TrackingRules,
    owner: &str,
) -> Vec<EventKind> {
    let mut ids = DiscrepancyIds::new(state);
    let mut out = Vec::new();
    for (mid, m) in rows_of(departed, |id| state.movement(id)) {
        if m.status != MovementStatus::Departed {
            continue;
        }
        let route = route_of(state, m);
        // Allowed stops: the facilities, the route's waypoints, and wherever
        // the escort reported its position within ten minutes of a count
        // (a checkpoint is where a count is taken).
        let mut stops: Vec<crate::custodian::Coordinates> = m.route.clone();
        stops.extend(coordinates_of(state, &m.origin));
        stops.extend(coordinates_of(state, &m.destination));
        for c in m.counts.iter().filter(|c| c.place != "departure") {
            stops.extend(
                m.track
                    .iter()
                    .filter(|p| (p.at.as_second() - c.at.as_second()).abs() <= 600)
                    .map(|p| crate::custodian::Coordinates {
                        lat: p.lat,
                        lon: p.lon,
                    }),
            );
        }
        let departed = m.departed_at.unwrap_or(m.planned_departure);
        for alert in crate::tracking::alerts(departed, &track_of(m), &route, &stops, rules, now) {
            let kind = match alert {
                Alert::Silent { .. } => DiscrepancyKind::MovementSilent,
                Alert::Stopped { .. } => DiscrepancyKind::MovementStopped,
                Alert::OffRoute { .. } => DiscrepancyKind::MovementOffRoute,
            };
            let already = rows_of(open, |id| state.discrepancy(id)).any(|(_, d)| {
                d.status == DiscrepancyStatus::Open
                    && d.kind == kind
                    && d.movement.as_ref().is_some_and(|x| x.as_str() == mid)
            });
            if already {
                continue;
            }
            let id = MovementId(mid.clone());
            out.push(discrepancy(
                &mut ids,
                kind,
                Severity::High,
                format!("movement {mid}: {}", alert.describe()),
                vec![],
                &id,
                owner,
            ));
        }
    }
    out
}

/// The rows of `ids` that exist, each once, in key order: what the watch
/// and escalation walk, given the ids a store's index lists (a full state
/// gives them all).
fn rows_of<'i, 's, V: 's>(
    ids: &'i [String],
    get: impl Fn(&str) -> Option<&'s V>,
) -> impl Iterator<Item = (&'i String, &'s V)> {
    let mut sorted: Vec<&'i String> = ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted
        .into_iter()
        .filter_map(move |id| get(id).map(|v| (id, v)))
}
