//! The reference operation: a deterministic custody-transfer operation shaped
//! like the one in `shared/reference/operation-report.txt`, generated from a
//! seed and sized by a scale factor.
//!
//! At scale 1: 7,000 people scheduled for transfer from four facilities in
//! north-east Syria to three maximum-security prisons in Iraq, mostly Iraqi and
//! Syrian nationals with hundreds from more than 60 other countries, moved by
//! land convoy and by air; high-risk people fly. The operation stops where
//! 4,583 have been transferred and admitted: two movements are under way, the
//! rest are planned. Along the way one convoy is aborted and re-planned, a
//! checkpoint miscount and a departure headcount error open discrepancies that
//! are later resolved, and one discrepancy on a convoy under way is still open.
//!
//! The generator only *describes* what happens, as [`Step`]s; the caller
//! records each step through the same append path as real use, so every
//! guarantee is checked. Nothing here touches a clock, a file or the network.

mod instance;
mod people;
mod places;
mod registration;
pub mod rosters;

pub use instance::plan_instance;
pub use registration::{Registration, Roster, RosterEntry, registration};

pub use people::{FOREIGN, REPATRIATING};
pub use places::{DESTINATIONS, ORIGINS};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rollcall_core::event::EventKind;
use rollcall_core::ids::*;
use rollcall_core::judicial::Recipient;
use rollcall_core::movement::{Mode, Vehicle, VehicleKind};
use rollcall_core::person::{RiskLevel, SourceRow};
use rollcall_core::{Country, Timestamp};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Seed: the same seed and scale give the same operation.
    pub seed: u64,
    /// Size: 1.0 is 7,000 people; 10.0 is 70,000.
    pub scale: f64,
}

/// The name of the node that records the reference operation (`demo`): the
/// ids it generates carry its code, `P-DEMO-000001`, `MV-DEMO-0001`.
pub const NODE: &str = "demo";

fn node_code() -> NodeCode {
    NodeCode::parse(NODE).unwrap_or_default()
}

/// People scheduled for transfer at scale 1.
pub const PEOPLE_AT_SCALE_1: u64 = 7_000;
/// People transferred and admitted when the operation stops, at scale 1.
pub const TRANSFERRED_AT_SCALE_1: u64 = 4_583;

/// One thing that happens, recorded by one user at one time.
#[derive(Debug, Clone)]
pub struct Step {
    /// When it happened.
    pub at: Timestamp,
    /// Who recorded it.
    pub user: String,
    /// What.
    pub action: Action,
}

/// What a step does. `Record` is appended as it is; the others go through the
/// movement workflows, which add the discrepancies they imply (departure and
/// abort move custody themselves).
#[derive(Debug, Clone)]
pub enum Action {
    /// Events appended as one batch.
    Record(Vec<EventKind>),
    /// A movement planned: seats assigned, escort records started.
    Plan(Box<rollcall_core::ops::PlanRequest>),
    /// The escort completes and confirms every escort record on a movement.
    ConfirmEscortRecords {
        /// Movement.
        movement: MovementId,
    },
    /// A position report.
    Position {
        /// Movement.
        movement: MovementId,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// Departure with a headcount and the boarded list.
    Depart {
        /// Movement.
        movement: MovementId,
        /// Headcount.
        headcount: u32,
        /// Boarded.
        boarded: Vec<PersonId>,
    },
    /// A checkpoint count.
    Checkpoint {
        /// Movement.
        movement: MovementId,
        /// Place.
        place: String,
        /// Count.
        count: u32,
    },
    /// Arrival and intake.
    Arrive {
        /// Movement.
        movement: MovementId,
        /// People presented at intake.
        admitted: Vec<rollcall_core::ops::Presented>,
    },
    /// Abort, everyone back to a custodian.
    Abort {
        /// Movement.
        movement: MovementId,
        /// Where to.
        return_to: CustodianId,
        /// Why.
        reason: String,
    },
    /// The operations room's watch: tracking alerts and escalation, as of a time.
    Watch {
        /// As of when.
        at: Timestamp,
    },
    /// Resolve every open discrepancy of a movement.
    ResolveOpen {
        /// Movement.
        movement: MovementId,
        /// Why.
        reason: String,
    },
}

/// The generated operation and the figures it must produce.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Steps in the order to record them.
    pub steps: Vec<Step>,
    /// People registered and scheduled.
    pub people: u64,
    /// People transferred and admitted at the stop point.
    pub transferred: u64,
    /// Movements planned (including the aborted one).
    pub movements: u64,
}

fn at(base: i64, minutes: i64) -> Timestamp {
    Timestamp::from_second(base + minutes * 60).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Operation day zero: 2026-01-22T03:00:00Z.
const T0: i64 = 1_769_050_800;

struct Group {
    origin: usize,
    destination: usize,
    mode: Mode,
    people: Vec<PersonId>,
}

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1, lat2, lon2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    6371.0 * 2.0 * h.sqrt().asin()
}

fn weighted(rng: &mut ChaCha8Rng, shares: &[u32]) -> usize {
    let total: u32 = shares.iter().sum();
    let mut r = rng.random_range(0..total);
    for (i, s) in shares.iter().enumerate() {
        if r < *s {
            return i;
        }
        r -= s;
    }
    shares.len() - 1
}

/// Generates the operation, registration included: everyone is registered
/// by a `person_registered` event the generator writes itself, with the
/// ids it mints (`P-DEMO-000001` …), as the benchmarks record it.
pub fn generate(cfg: &Config) -> Operation {
    build(cfg, None)
}

/// The operation after its registration, for people registered with the
/// ids `ids` (`ids[i]` is the person of [`RosterEntry::person`] `i` of
/// [`registration`]'s rosters, whatever id the import gave them): the same
/// movements, cases and notifications as [`generate`], without the
/// custodians' and people's registration. `None` when `ids` does not hold
/// exactly one id per person of the operation.
pub fn generate_for(cfg: &Config, ids: &[PersonId]) -> Option<Operation> {
    (ids.len() as u64 == people_of(cfg)).then(|| build(cfg, Some(ids)))
}

fn scale_of(cfg: &Config) -> f64 {
    if cfg.scale.is_finite() && cfg.scale > 0.0 {
        cfg.scale
    } else {
        1.0
    }
}

/// How many people the operation registers and schedules.
pub fn people_of(cfg: &Config) -> u64 {
    ((PEOPLE_AT_SCALE_1 as f64 * scale_of(cfg)).round() as u64).max(20)
}

/// The custodians' registration: the first step of every operation.
fn custodians_step(people: u64) -> Step {
    let repatriating: Vec<Country> = REPATRIATING
        .iter()
        .filter_map(|c| Country::parse(c))
        .collect();
    Step {
        at: at(T0, -4 * 24 * 60),
        user: "admin".into(),
        action: Action::Record(
            places::custodians(people as usize, &repatriating)
                .into_iter()
                .map(|(custodian, info)| EventKind::CustodianRegistered { custodian, info })
                .collect(),
        ),
    }
}

/// One person of the operation as drawn: where they are, where they go and
/// how, and their origin's roster row.
pub(crate) struct Drawn {
    pub(crate) origin: usize,
    destination: usize,
    mode: Mode,
    pub(crate) detainee: people::Detainee,
}

/// Draws the operation's people, in order, from `rng` (the first draws of
/// the seed: everything after them depends on their number).
pub(crate) fn draw_people(rng: &mut ChaCha8Rng, people: usize) -> Vec<Drawn> {
    let origin_shares: Vec<u32> = ORIGINS.iter().map(|p| p.share).collect();
    let dest_shares: Vec<u32> = DESTINATIONS.iter().map(|p| p.share).collect();
    let juvenile_dest = DESTINATIONS.iter().position(|p| p.juveniles).unwrap_or(0);
    let juvenile_origin = ORIGINS.iter().position(|p| p.juveniles).unwrap_or(0);
    let mut out = Vec::with_capacity(people);
    for i in 0..people {
        let mut origin = weighted(rng, &origin_shares);
        let mut d = people::detainee(rng, i, ORIGINS[origin].id);
        if d.record.flags.juvenile {
            origin = juvenile_origin;
            d = people::Detainee {
                record_id: format!("{}-{:06}", ORIGINS[origin].id, i + 1),
                ..d
            };
        }
        if i % 97 == 3 && i + 2000 < people {
            d.record.separation_groups.push(format!("SG-{:04}", i / 97));
        }
        if i % 97 == 3 + 2000 % 97 && i >= 2000 {
            d.record
                .separation_groups
                .push(format!("SG-{:04}", (i - 2000) / 97));
        }
        let destination = if d.record.flags.juvenile {
            juvenile_dest
        } else {
            weighted(rng, &dest_shares)
        };
        // High-risk adults fly; juveniles always travel by land, in vehicles of their own.
        let mode = if d.record.risk == RiskLevel::High && !d.record.flags.juvenile {
            Mode::Air
        } else {
            Mode::Land
        };
        out.push(Drawn {
            origin,
            destination,
            mode,
            detainee: d,
        });
    }
    out
}

/// The operation; registration steps only when `given` is `None` (the
/// generator mints the ids itself).
fn build(cfg: &Config, given: Option<&[PersonId]>) -> Operation {
    let code = node_code();
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let people = people_of(cfg);
    let target = ((TRANSFERRED_AT_SCALE_1 as f64 * scale_of(cfg)).round() as u64).min(people);
    let mut steps = Vec::new();
    let repatriating: Vec<Country> = REPATRIATING
        .iter()
        .filter_map(|c| Country::parse(c))
        .collect();

    // 1. Custodians.
    if given.is_none() {
        steps.push(custodians_step(people));
    }

    // 2. Registration at the origins, from their rosters, in batches.
    let drawn = draw_people(&mut rng, people as usize);
    let ids: Vec<PersonId> = match given {
        Some(ids) => ids.to_vec(),
        None => (0..people)
            .map(|i| PersonId(Namespace::Person.mint(&code, i + 1)))
            .collect(),
    };
    let index_of: std::collections::HashMap<&PersonId, usize> =
        ids.iter().enumerate().map(|(i, p)| (p, i)).collect();
    let person_index = |p: &PersonId| index_of.get(p).copied().unwrap_or(0);
    let mut groups: Vec<Group> = Vec::new();
    let mut batch: Vec<EventKind> = Vec::new();
    let mut nationality_of: Vec<Option<Country>> = Vec::with_capacity(people as usize);
    let mut juvenile: Vec<bool> = Vec::with_capacity(people as usize);
    let mut separation: Vec<Vec<String>> = Vec::with_capacity(people as usize);
    for (i, d) in drawn.into_iter().enumerate() {
        let Drawn {
            origin,
            destination,
            mode,
            detainee: d,
        } = d;
        let person = ids[i].clone();
        nationality_of.push(d.record.nationalities.first().copied());
        juvenile.push(d.record.flags.juvenile);
        separation.push(d.record.separation_groups.clone());
        match groups
            .iter_mut()
            .find(|g| g.origin == origin && g.destination == destination && g.mode == mode)
        {
            Some(g) => g.people.push(person.clone()),
            None => groups.push(Group {
                origin,
                destination,
                mode,
                people: vec![person.clone()],
            }),
        }
        if given.is_some() {
            continue;
        }
        batch.push(EventKind::PersonRegistered {
            person,
            source: Some(SourceRow {
                roster: format!("{} roster", ORIGINS[origin].id),
                record_id: d.record_id,
                line: None,
            }),
            record: d.record,
            custodian: CustodianId::new(ORIGINS[origin].id),
            capacity_override: None,
        });
        if batch.len() == 1000 {
            steps.push(Step {
                at: at(T0, -3 * 24 * 60 + (i / 1000) as i64 * 20),
                user: "registrar".into(),
                action: Action::Record(std::mem::take(&mut batch)),
            });
        }
    }
    if !batch.is_empty() {
        steps.push(Step {
            at: at(T0, -2 * 24 * 60),
            user: "registrar".into(),
            action: Action::Record(batch),
        });
    }

    // 3. Cut the groups into movements, round-robin, with a cut exactly at the
    // stop point so that precisely `target` people are transferred.
    let mut manifests: Vec<(usize, Vec<PersonId>)> = Vec::new();
    let mut cursors = vec![0usize; groups.len()];
    let mut assigned = 0u64;
    let mut g = 0usize;
    while (assigned as usize) < people as usize {
        if cursors[g] < groups[g].people.len() {
            let max = match groups[g].mode {
                Mode::Air => rng.random_range(90..=150usize),
                Mode::Land => rng.random_range(120..=200usize),
            };
            let mut n = max.min(groups[g].people.len() - cursors[g]);
            if assigned < target && assigned + n as u64 > target {
                n = (target - assigned) as usize;
            }
            // Two people of one separation group never share a flight (one
            // aircraft is one vehicle): swap the later one with someone
            // further down the queue.
            let (start, end) = (cursors[g], cursors[g] + n);
            let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
            for k in start..end {
                let clash = separation[person_index(&groups[g].people[k])]
                    .iter()
                    .any(|sg| seen.contains(sg));
                if clash && groups[g].mode == Mode::Air {
                    let swap = (end..groups[g].people.len()).find(|&j| {
                        separation[person_index(&groups[g].people[j])]
                            .iter()
                            .all(|sg| !seen.contains(sg))
                    });
                    if let Some(j) = swap {
                        groups[g].people.swap(k, j);
                    }
                }
                for sg in &separation[person_index(&groups[g].people[k])] {
                    seen.insert(sg.clone());
                }
            }
            manifests.push((g, groups[g].people[start..end].to_vec()));
            cursors[g] += n;
            assigned += n as u64;
        }
        g = (g + 1) % groups.len();
    }

    // 4. Plan, run and stop.
    let mut done = 0u64;
    let mut movements = 0u64;
    let mut in_transit_left = 2;
    let mut last_completed_end = T0;
    for (k, (gi, manifest)) in manifests.iter().enumerate() {
        let group = &groups[*gi];
        let (o, d) = (&ORIGINS[group.origin], &DESTINATIONS[group.destination]);
        let start = T0 + k as i64 * 90 * 60;
        let complete = done < target;
        let mid = MovementId(Namespace::Movement.mint(&code, k as u64 + 1));
        let vehicles = match group.mode {
            Mode::Air => vec![Vehicle {
                id: "AC1".into(),
                kind: VehicleKind::Aircraft,
                seats: 150,
                armored: false,
            }],
            Mode::Land => {
                let buses = manifest.len().div_ceil(45);
                let juveniles = manifest
                    .iter()
                    .filter(|p| juvenile[person_index(p)])
                    .count();
                (0..2)
                    .map(|i| Vehicle {
                        id: format!("A{}", i + 1),
                        kind: VehicleKind::Armored,
                        seats: 8,
                        armored: true,
                    })
                    .chain((0..buses).map(|i| Vehicle {
                        id: format!("B{}", i + 1),
                        kind: VehicleKind::Bus,
                        seats: 45,
                        armored: false,
                    }))
                    // Juveniles never ride with adult men: a vehicle of their own.
                    .chain((juveniles > 0).then(|| Vehicle {
                        id: "J1".into(),
                        kind: VehicleKind::Bus,
                        seats: juveniles as u32,
                        armored: false,
                    }))
                    .collect()
            }
        };
        let plan = |id: &MovementId, when: i64| Step {
            at: at(when, 0),
            user: "planner".into(),
            action: Action::Plan(Box::new(rollcall_core::ops::PlanRequest {
                movement: id.clone(),
                mode: group.mode,
                origin: CustodianId::new(o.id),
                destination: CustodianId::new(d.id),
                planned_departure: at(when, 24 * 60),
                vehicles: vehicles.clone(),
                escort: vec![format!("escort-team-{}", k % 12 + 1)],
                // Every escort team in the operation has a medic.
                medic: true,
                people: manifest.clone(),
                route: vec![],
            })),
        };
        let escort = format!("escort.{}", mid.as_str().to_lowercase());
        let travel_min = match group.mode {
            Mode::Air => 150,
            Mode::Land => (distance_km((o.lat, o.lon), (d.lat, d.lon)) / 45.0 * 60.0) as i64 + 60,
        };
        let step = |when: i64, user: &str, action: Action| Step {
            at: at(when, 0),
            user: user.into(),
            action,
        };

        // The third movement is aborted at the border and re-planned.
        if k == 2 && complete {
            let aborted = MovementId(format!(
                "{}-X",
                Namespace::Movement.mint(&code, k as u64 + 1)
            ));
            movements += 1;
            steps.push(plan(&aborted, start - 26 * 60 * 60));
            steps.push(step(
                start - 3 * 60 * 60 - 30,
                &escort,
                Action::ConfirmEscortRecords {
                    movement: aborted.clone(),
                },
            ));
            steps.push(step(
                start - 3 * 60 * 60,
                &escort,
                Action::Depart {
                    movement: aborted.clone(),
                    headcount: manifest.len() as u32,
                    boarded: manifest.clone(),
                },
            ));
            steps.push(step(
                start - 2 * 60 * 60,
                &escort,
                Action::Abort {
                    movement: aborted.clone(),
                    return_to: CustodianId::new(o.id),
                    reason: "border crossing closed after security alert; convoy turned back"
                        .into(),
                },
            ));
        }
        movements += 1;
        let plan_at = if k == 2 && complete {
            start - 60 * 60
        } else {
            start - 24 * 60 * 60 + k as i64
        };
        steps.push(plan(&mid, plan_at));
        if !complete && in_transit_left == 0 {
            continue; // planned, waiting
        }
        let n = manifest.len() as u32;
        let miscount_departure = k == 7;
        steps.push(step(
            start - 30,
            &escort,
            Action::ConfirmEscortRecords {
                movement: mid.clone(),
            },
        ));
        steps.push(step(
            start,
            &escort,
            Action::Depart {
                movement: mid.clone(),
                headcount: if miscount_departure { n + 1 } else { n },
                boarded: manifest.clone(),
            },
        ));
        let mut t = start;
        let places: &[&str] = match group.mode {
            Mode::Land => &[
                "border crossing",
                "first checkpoint inside Iraq",
                "outer gate",
            ],
            Mode::Air => &["in-flight headcount"],
        };
        for (j, place) in places.iter().enumerate() {
            t += travel_min / 4;
            // The escort reports its position at each count, on the straight
            // line between the facilities.
            let f = (j + 1) as f64 / (places.len() + 1) as f64;
            steps.push(step(
                t - 1,
                &escort,
                Action::Position {
                    movement: mid.clone(),
                    lat: o.lat + (d.lat - o.lat) * f,
                    lon: o.lon + (d.lon - o.lon) * f,
                },
            ));
            let miscount = (k == 4 && j == 0) || (!complete && in_transit_left == 1 && j == 0);
            steps.push(step(
                t,
                &escort,
                Action::Checkpoint {
                    movement: mid.clone(),
                    place: place.to_string(),
                    count: if miscount { n - 1 } else { n },
                },
            ));
            if miscount && complete {
                steps.push(step(t + 25, &escort, Action::ResolveOpen {
                    movement: mid.clone(),
                    reason: format!("recount at {place} by the escort commander matched the boarded list of {n}; first count missed one seat"),
                }));
            }
            if !complete && j == 0 {
                break;
            }
        }
        if !complete {
            in_transit_left -= 1;
            continue;
        }
        t = start + travel_min;
        steps.push(step(
            t,
            &format!("intake.{}", d.id.to_lowercase()),
            Action::Arrive {
                movement: mid.clone(),
                admitted: manifest
                    .iter()
                    .map(|p| rollcall_core::ops::Presented::id(p.0.clone()))
                    .collect(),
            },
        ));
        if miscount_departure {
            steps.push(step(t + 40, "planner", Action::ResolveOpen {
                movement: mid.clone(),
                reason: format!("intake reconciled {n} of {n}; the departure count included the escort's medic"),
            }));
        }
        // Judicial process and notifications begin after admission.
        let mut after = Vec::new();
        for p in manifest {
            let idx: usize = person_index(p);
            if rng.random_ratio(1, 4) {
                after.push(EventKind::CaseOpened {
                    case: CaseId(format!("C-{}", &p.0[2..])),
                    person: p.clone(),
                    committee: format!("Investigative Committee {}", idx % 6 + 1),
                    legal_basis: "Anti-Terrorism Law No. 13 of 2005, art. 4".into(),
                    first_appearance_due: at(t, 48 * 60),
                });
            }
            if let Some(c) = nationality_of[idx]
                && repatriating.contains(&c)
            {
                {
                    after.push(EventKind::NotificationSent {
                        notification: NotificationId(format!("N-{}", &p.0[2..])),
                        person: p.clone(),
                        recipient: Recipient::Consulate { country: c },
                        channel: "diplomatic note".into(),
                        subject: "national admitted to Iraqi custody".into(),
                    });
                    if rng.random_ratio(1, 3) {
                        after.push(EventKind::RepatriationRequested {
                            repatriation: RepatriationId(format!("R-{}", &p.0[2..])),
                            person: p.clone(),
                            state: c,
                        });
                    }
                }
            }
        }
        if !after.is_empty() {
            steps.push(step(t + 180, "registrar", Action::Record(after)));
        }
        done += n as u64;
        last_completed_end = last_completed_end.max(t + 180);
    }
    let _ = last_completed_end;
    steps.sort_by_key(|s| s.at);
    // The operation stops here: the operations room runs its watch, which
    // finds the convoys under way that have not reported for a while.
    if let Some(last) = steps.last().map(|s| s.at) {
        let now = at(last.as_second(), 45);
        steps.push(Step {
            at: now,
            user: "watch".into(),
            action: Action::Watch { at: now },
        });
    }
    Operation {
        steps,
        people,
        transferred: done,
        movements,
    }
}

/// Turns a step into the events to append, given the state now: `Record` as
/// it is, the movement actions through [`rollcall_core::ops`] exactly as an
/// escort or facility officer's report would be.
pub fn expand(
    action: &Action,
    state: &rollcall_core::State,
) -> Result<Vec<EventKind>, rollcall_core::Violation> {
    expand_with(action, state, &|index, term| state.index_keys(index, term))
}

/// The index terms [`expand_with`] asks about for `action`: a node reads
/// them from its store's index before expanding on a partly loaded state.
pub fn index_terms(action: &Action) -> Vec<(&'static str, String)> {
    use rollcall_core::movement::MovementStatus;
    use rollcall_core::state::index;
    use rollcall_core::state::views::DiscrepancyStatus;
    match action {
        Action::Watch { .. } => vec![
            (index::MOVEMENTS, MovementStatus::Departed.as_str().into()),
            (
                index::DISCREPANCIES,
                DiscrepancyStatus::Open.as_str().into(),
            ),
        ],
        Action::ResolveOpen { movement, .. } => {
            vec![(index::DISCREPANCIES_MOVEMENT, movement.as_str().into())]
        }
        _ => Vec::new(),
    }
}

/// [`expand`], with `keys(index, term)` listing the keys of an index term
/// (only the terms [`index_terms`] names are asked for), so that no step
/// reads every row of a table.
pub fn expand_with(
    action: &Action,
    state: &rollcall_core::State,
    keys: &dyn Fn(&str, &str) -> Vec<String>,
) -> Result<Vec<EventKind>, rollcall_core::Violation> {
    use rollcall_core::movement::MovementStatus;
    use rollcall_core::ops;
    use rollcall_core::state::index;
    use rollcall_core::state::views::DiscrepancyStatus;
    Ok(match action {
        Action::Record(kinds) => kinds.clone(),
        Action::Plan(req) => ops::plan(state, req)?,
        Action::ConfirmEscortRecords { movement } => {
            let mut out = Vec::new();
            if let Some(m) = state.movement(movement.as_str()) {
                for p in m.people() {
                    let Some(view) = state.escort_record(movement.as_str(), p.as_str()) else {
                        continue;
                    };
                    let mut record = view.record.clone();
                    let medical = state
                        .person(p.as_str())
                        .is_some_and(|v| v.record.flags.medical_needs);
                    record.risks.violence.get_or_insert(false);
                    record.risks.escape.get_or_insert(false);
                    record.risks.self_harm.get_or_insert(false);
                    record.risks.health.get_or_insert(medical);
                    record.medication.get_or_insert_with(|| {
                        if medical {
                            vec!["as prescribed by the facility doctor".into()]
                        } else {
                            vec![]
                        }
                    });
                    record
                        .medical_needs
                        .get_or_insert_with(|| "see facility medical file".into());
                    record
                        .property
                        .get_or_insert_with(|| vec!["sealed property bag".into()]);
                    record.special_needs.get_or_insert_with(|| "none".into());
                    out.push(EventKind::EscortRecordUpdated {
                        movement: movement.clone(),
                        person: p.clone(),
                        record,
                    });
                    out.push(EventKind::EscortRecordConfirmed {
                        movement: movement.clone(),
                        person: p.clone(),
                    });
                }
            }
            out
        }
        Action::Position { movement, lat, lon } => vec![EventKind::MovementPositionReported {
            movement: movement.clone(),
            lat: *lat,
            lon: *lon,
        }],
        Action::Depart {
            movement,
            headcount,
            boarded,
        } => ops::depart(state, movement, *headcount, boarded, "operations room")?,
        Action::Checkpoint {
            movement,
            place,
            count,
        } => ops::checkpoint(state, movement, place, *count, "operations room")?,
        Action::Arrive { movement, admitted } => {
            ops::arrive(state, movement, admitted, "operations room")?
        }
        Action::Abort {
            movement,
            return_to,
            reason,
        } => ops::abort(state, movement, return_to, reason)?,
        Action::Watch { at } => {
            let departed = keys(index::MOVEMENTS, MovementStatus::Departed.as_str());
            let open = keys(index::DISCREPANCIES, DiscrepancyStatus::Open.as_str());
            let mut out = ops::watch_movements(
                state,
                &departed,
                &open,
                *at,
                &Default::default(),
                "operations room",
            );
            out.extend(ops::escalate(state, &open, *at, 2 * 3600, "duty officer"));
            out
        }
        Action::ResolveOpen { movement, reason } => {
            let mut ids = keys(index::DISCREPANCIES_MOVEMENT, movement.as_str());
            ids.sort();
            ids.into_iter()
                .filter(|id| {
                    state.discrepancy(id).is_some_and(|d| {
                        d.status == DiscrepancyStatus::Open && d.movement.as_ref() == Some(movement)
                    })
                })
                .map(|id| EventKind::DiscrepancyResolved {
                    discrepancy: DiscrepancyId(id),
                    reason: reason.clone(),
                })
                .collect()
        }
    })
}
