//! Property tests: random sequences of events, valid and invalid, keep every
//! guarantee, and a refused event or batch leaves the state exactly as it was.

use proptest::prelude::*;
use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::movement::{Mode, Seat, Vehicle, VehicleKind};
use rollcall_core::person::{Category, Names, PersonRecord, Sex};
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::*;
use std::collections::BTreeMap;

fn actor() -> Actor {
    Actor {
        user: UserId::new("tester"),
        node: NodeId::new("node-a"),
    }
}

fn ts(seq: u64) -> Timestamp {
    Timestamp::from_second(1_760_000_000 + seq as i64 * 60).unwrap()
}

fn facility(name: &str, capacity: u32, categories: Vec<Category>) -> CustodianKind {
    CustodianKind::Facility(Facility {
        name: name.into(),
        authority: "Ministry".into(),
        country: Country::parse("IQ").unwrap(),
        coordinates: Coordinates {
            lat: 33.3,
            lon: 44.4,
        },
        time_zone: "Asia/Baghdad".into(),
        security: SecurityLevel::Maximum,
        capacity,
        categories,
    })
}

const FACILITIES: [&str; 3] = ["F-A", "F-B", "F-C"];

/// An operation the test driver turns into events against the current state.
#[derive(Debug, Clone)]
enum Op {
    Register { person: u8, at: u8, female: bool },
    Handover { person: u8, from: u8, to: u8 },
    Plan { persons: Vec<u8>, from: u8, to: u8 },
    Depart { movement: u8, drop: u8 },
    Arrive { movement: u8, skip: u8 },
    Abort { movement: u8, to: u8 },
    Correct { person: u8, target: u8 },
    Release { person: u8, from: u8 },
    Die { person: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..12, 0u8..3, any::<bool>()).prop_map(|(person, at, female)| Op::Register { person, at, female }),
        3 => (0u8..12, 0u8..6, 0u8..6).prop_map(|(person, from, to)| Op::Handover { person, from, to }),
        2 => (proptest::collection::vec(0u8..12, 1..5), 0u8..3, 0u8..3).prop_map(|(persons, from, to)| Op::Plan { persons, from, to }),
        2 => (0u8..6, 0u8..3).prop_map(|(movement, drop)| Op::Depart { movement, drop }),
        2 => (0u8..6, 0u8..3).prop_map(|(movement, skip)| Op::Arrive { movement, skip }),
        1 => (0u8..6, 0u8..3).prop_map(|(movement, to)| Op::Abort { movement, to }),
        1 => (0u8..12, 0u8..40).prop_map(|(person, target)| Op::Correct { person, target }),
        1 => (0u8..12, 0u8..3).prop_map(|(person, from)| Op::Release { person, from }),
        1 => (0u8..12).prop_map(|person| Op::Die { person }),
    ]
}

fn custodian_name(i: u8, state: &State) -> CustodianId {
    let movements: Vec<String> = state.movements().map(|(k, _)| k.clone()).collect();
    match i {
        0..=2 => CustodianId::new(FACILITIES[i as usize]),
        3 => CustodianId::new("released"),
        _ => movements
            .get((i as usize - 4) % movements.len().max(1))
            .map(|m| CustodianId::new(m.as_str()))
            .unwrap_or_else(|| CustodianId::new("nowhere")),
    }
}

fn movement_id(i: u8, state: &State) -> MovementId {
    let movements: Vec<String> = state.movements().map(|(k, _)| k.clone()).collect();
    movements
        .get(i as usize % movements.len().max(1))
        .map(|m| MovementId::new(m.as_str()))
        .unwrap_or_else(|| MovementId::new("M-none"))
}

fn to_kinds(op: &Op, state: &State, n_movements: &mut u32) -> Vec<EventKind> {
    let pid = |i: u8| PersonId(format!("P-{i}"));
    match op {
        Op::Register { person, at, female } => vec![EventKind::PersonRegistered {
            person: pid(*person),
            record: PersonRecord {
                names: Names {
                    full: format!("Person {person}"),
                    ..Default::default()
                },
                sex: if *female { Sex::Female } else { Sex::Male },
                nationalities: vec![
                    Country::parse(if *person % 2 == 0 { "IQ" } else { "SY" }).unwrap(),
                ],
                ..Default::default()
            },
            custodian: custodian_name(*at, state),
            source: None,
            capacity_override: None,
        }],
        Op::Handover { person, from, to } => vec![EventKind::CustodyHandedOver {
            person: pid(*person),
            from: custodian_name(*from, state),
            to: custodian_name(*to, state),
            reason: None,
            capacity_override: None,
            signatures: vec![],
        }],
        Op::Plan { persons, from, to } => {
            *n_movements += 1;
            let req = ops::PlanRequest {
                movement: MovementId(format!("MV-{n_movements}")),
                mode: Mode::Land,
                origin: custodian_name(*from, state),
                destination: custodian_name(*to, state),
                planned_departure: ts(0),
                vehicles: vec![
                    Vehicle {
                        id: "V1".into(),
                        kind: VehicleKind::Bus,
                        seats: 2,
                        armored: false,
                    },
                    Vehicle {
                        id: "V2".into(),
                        kind: VehicleKind::Armored,
                        seats: 2,
                        armored: true,
                    },
                ],
                escort: vec!["escort".into()],
                people: persons.iter().map(|p| pid(*p)).collect(),
                route: vec![],
            };
            // The planner refuses what the rules refuse; then the raw event must be refused too.
            ops::plan(state, &req).unwrap_or_else(|_| {
                vec![EventKind::MovementPlanned {
                    movement: req.movement.clone(),
                    mode: req.mode,
                    origin: req.origin.clone(),
                    destination: req.destination.clone(),
                    planned_departure: req.planned_departure,
                    vehicles: req.vehicles.clone(),
                    escort: req.escort.clone(),
                    manifest: req
                        .people
                        .iter()
                        .map(|p| Seat {
                            person: p.clone(),
                            vehicle: "V1".into(),
                        })
                        .collect(),
                    route: vec![],
                }]
            })
        }
        Op::Depart { movement, drop } => {
            let id = movement_id(*movement, state);
            let manifest: Vec<PersonId> = state
                .movement(id.as_str())
                .map(|m| m.people().cloned().collect())
                .unwrap_or_default();
            let boarded: Vec<PersonId> =
                manifest.iter().skip(*drop as usize % 2).cloned().collect();
            // Escort records completed and confirmed (unless drop == 2: departure must then be refused).
            let mut kinds = Vec::new();
            if *drop != 2 {
                for p in &manifest {
                    kinds.push(EventKind::EscortRecordUpdated {
                        movement: id.clone(),
                        person: p.clone(),
                        record: complete_record(),
                    });
                    kinds.push(EventKind::EscortRecordConfirmed {
                        movement: id.clone(),
                        person: p.clone(),
                    });
                }
            }
            let mut after = state.clone();
            let seq0 = after.next_seq();
            let confirmed: Vec<Event> = kinds
                .iter()
                .enumerate()
                .map(|(i, k)| Event::new(seq0 + i as u64, ts(0), ts(0), actor(), k.clone()))
                .collect();
            let departure = match after.apply_batch(&confirmed) {
                Ok(_) => ops::depart(
                    &after,
                    &id,
                    boarded.len() as u32 + u32::from(*drop == 1),
                    &boarded,
                    "owner",
                )
                .ok(),
                Err(_) => None,
            };
            match departure {
                Some(d) => kinds.extend(d),
                None => kinds.push(EventKind::MovementDeparted {
                    movement: id,
                    headcount: 0,
                    boarded,
                }),
            }
            kinds
        }
        Op::Arrive { movement, skip } => {
            let id = movement_id(*movement, state);
            let admitted: Vec<ops::Presented> = ops::on_board(state, &id)
                .into_iter()
                .skip(*skip as usize % 2)
                .map(|p| ops::Presented::id(p.0))
                .chain((*skip == 2).then(|| ops::Presented::id("P-stranger")))
                .collect();
            ops::arrive(state, &id, &admitted, "owner")
                .unwrap_or_else(|_| vec![EventKind::MovementArrived { movement: id }])
        }
        Op::Abort { movement, to } => {
            let id = movement_id(*movement, state);
            let to = custodian_name(*to, state);
            ops::abort(state, &id, &to, "road closed").unwrap_or_else(|_| {
                vec![EventKind::MovementAborted {
                    movement: id,
                    return_to: to,
                    reason: "x".into(),
                }]
            })
        }
        Op::Correct { person, target } => vec![EventKind::PersonRecordCorrected {
            person: pid(*person),
            corrects: *target as u64,
            record: PersonRecord {
                names: Names {
                    full: format!("Corrected {person}"),
                    ..Default::default()
                },
                nationalities: vec![],
                ..Default::default()
            },
            reason: "spelling".into(),
        }],
        Op::Release { person, from } => vec![EventKind::PersonReleased {
            person: pid(*person),
            from: custodian_name(*from, state),
            authority: "court".into(),
            reason: "acquitted".into(),
        }],
        Op::Die { person } => {
            let custodian = state
                .person(&format!("P-{person}"))
                .map(|p| p.custodian.clone())
                .unwrap_or_else(|| CustodianId::new("F-A"));
            vec![EventKind::DiedInCustody {
                person: pid(*person),
                custodian,
                cause: None,
            }]
        }
    }
}

fn complete_record() -> rollcall_core::escort::EscortRecord {
    use rollcall_core::escort::{EscortRecord, Risks};
    EscortRecord {
        risks: Risks {
            violence: Some(false),
            escape: Some(false),
            self_harm: Some(false),
            health: Some(false),
        },
        medication: Some(vec![]),
        medical_needs: Some("none".into()),
        property: Some(vec!["watch".into()]),
        special_needs: Some("none".into()),
        notes: None,
    }
}

fn setup() -> (State, Vec<Event>) {
    let mut state = State::new();
    let mut log = Vec::new();
    for (i, (id, cap, cats)) in [
        ("F-A", 6, vec![Category::AdultMale, Category::AdultFemale]),
        ("F-B", 3, vec![Category::AdultMale]),
        (
            "F-C",
            5,
            vec![
                Category::AdultMale,
                Category::AdultFemale,
                Category::Juvenile,
            ],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let e = Event::new(
            i as u64,
            ts(i as u64),
            ts(i as u64),
            actor(),
            EventKind::CustodianRegistered {
                custodian: CustodianId::new(id),
                info: facility(id, cap, cats),
            },
        );
        state.apply(&e).expect("setup");
        log.push(e);
    }
    (state, log)
}

fn check_invariants(state: &State) {
    // Nobody without a custodian, and the custodian exists.
    let mut held: BTreeMap<String, u32> = BTreeMap::new();
    for (id, p) in state.persons() {
        assert!(
            state.custodian(p.custodian.as_str()).is_some(),
            "person {id} is held by unknown custodian {}",
            p.custodian
        );
        if p.status != CustodyStatus::Deceased {
            *held.entry(p.custodian.0.clone()).or_default() += 1;
        }
    }
    // Occupancy is exactly the people held; counts sum to the registered (less deceased).
    let mut total = 0u64;
    for (id, c) in state.custodians() {
        assert_eq!(
            c.occupancy,
            held.get(id).copied().unwrap_or(0),
            "occupancy of {id}"
        );
        total += c.occupancy as u64;
        if let Some(cap) = c.capacity() {
            assert!(c.occupancy <= cap, "{id} over capacity without override");
        }
    }
    let deceased = state
        .persons()
        .filter(|(_, p)| p.status == CustodyStatus::Deceased)
        .count() as u64;
    assert_eq!(total + deceased, state.counter("registered"));
    assert_eq!(state.persons().count() as u64, state.counter("registered"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_every_guarantee(ops in proptest::collection::vec(op(), 1..60)) {
        let (mut state, mut log) = setup();
        let mut n_movements = 0;
        for op in &ops {
            let kinds = to_kinds(op, &state, &mut n_movements);
            let seq0 = state.next_seq();
            let batch: Vec<Event> = kinds
                .into_iter()
                .enumerate()
                .map(|(i, k)| Event::new(seq0 + i as u64, ts(seq0), ts(seq0), actor(), k))
                .collect();
            let before = state.to_rows();
            match state.apply_batch(&batch) {
                Ok(_) => log.extend(batch),
                Err(_) => prop_assert_eq!(&before, &state.to_rows(), "a refused batch changed the state"),
            }
            check_invariants(&state);
        }
        // Projections are a function of the events: replaying the log gives the same rows,
        // and loading the rows gives the same state.
        let mut replay = State::new();
        replay.apply_batch(&log).expect("replay of accepted events");
        prop_assert_eq!(replay.to_rows(), state.to_rows());
        let rows = state.to_rows();
        let loaded = State::from_rows(rows.iter().map(|(t, k, v)| (t.as_str(), k.as_str(), v.as_str()))).unwrap();
        prop_assert_eq!(loaded.to_rows(), rows);
        // Every event round-trips through its canonical bytes.
        for e in &log {
            let bytes = e.encode().unwrap();
            prop_assert_eq!(&Event::decode(&bytes).unwrap(), e);
        }
    }
}

#[test]
fn handover_from_wrong_custodian_names_person_custodian_and_rule() {
    let (mut state, _) = setup();
    let reg = Event::new(
        3,
        ts(3),
        ts(3),
        actor(),
        to_kinds(
            &Op::Register {
                person: 1,
                at: 0,
                female: false,
            },
            &state,
            &mut 0,
        )
        .remove(0),
    );
    state.apply(&reg).unwrap();
    let bad = Event::new(
        4,
        ts(4),
        ts(4),
        actor(),
        EventKind::CustodyHandedOver {
            person: PersonId::new("P-1"),
            from: CustodianId::new("F-B"),
            to: CustodianId::new("F-C"),
            reason: None,
            capacity_override: None,
            signatures: vec![],
        },
    );
    let before = state.to_rows();
    let err = state.apply(&bad).unwrap_err();
    assert_eq!(err.rule, Rule::HandoverFromCurrentCustodian);
    assert_eq!(err.person, Some(PersonId::new("P-1")));
    assert_eq!(err.custodian, Some(CustodianId::new("F-B")));
    let msg = err.to_string();
    assert!(
        msg.contains("P-1") && msg.contains("F-B") && msg.contains("F-A"),
        "{msg}"
    );
    assert_eq!(before, state.to_rows());
}

#[test]
fn over_capacity_needs_an_override_with_a_reason() {
    let (mut state, _) = setup();
    for i in 0..3u8 {
        let seq = state.next_seq();
        let k = to_kinds(
            &Op::Register {
                person: i,
                at: 1,
                female: false,
            },
            &state,
            &mut 0,
        )
        .remove(0);
        state
            .apply(&Event::new(seq, ts(seq), ts(seq), actor(), k))
            .unwrap();
    }
    let seq = state.next_seq();
    let mut k = to_kinds(
        &Op::Register {
            person: 9,
            at: 1,
            female: false,
        },
        &state,
        &mut 0,
    )
    .remove(0);
    let err = state
        .apply(&Event::new(seq, ts(seq), ts(seq), actor(), k.clone()))
        .unwrap_err();
    assert_eq!(err.rule, Rule::Capacity);
    assert_eq!(err.custodian, Some(CustodianId::new("F-B")));
    if let EventKind::PersonRegistered {
        capacity_override, ..
    } = &mut k
    {
        *capacity_override = Some("   ".into());
    }
    assert_eq!(
        state
            .apply(&Event::new(seq, ts(seq), ts(seq), actor(), k.clone()))
            .unwrap_err()
            .rule,
        Rule::Capacity
    );
    if let EventKind::PersonRegistered {
        capacity_override, ..
    } = &mut k
    {
        *capacity_override = Some("emergency intake ordered by the director".into());
    }
    state
        .apply(&Event::new(seq, ts(seq), ts(seq), actor(), k))
        .unwrap();
    assert_eq!(state.custodian("F-B").unwrap().occupancy, 4);
}

#[test]
fn non_canonical_bytes_are_refused() {
    let (_, log) = setup();
    let bytes = log[0].encode().unwrap();
    let mut spaced = b" ".to_vec();
    spaced.extend_from_slice(&bytes);
    assert!(Event::decode(&spaced).is_err());
    assert!(Event::decode(&bytes).is_ok());
}

proptest! {
    /// Coordinates survive the canonical encoding exactly, so an event with
    /// any finite position decodes (the canonical check re-encodes it).
    #[test]
    fn positions_round_trip_through_canonical_bytes(lat in -90.0f64..90.0, lon in -180.0f64..180.0) {
        let e = Event::new(
            7,
            ts(1),
            ts(1),
            actor(),
            EventKind::MovementPositionReported { movement: MovementId::new("MV-1"), lat, lon },
        );
        let bytes = e.encode().unwrap();
        prop_assert_eq!(Event::decode(&bytes).expect("canonical"), e);
    }
}
