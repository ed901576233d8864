//! Movement rules at the domain level: planning refusals, intake edge cases
//! and the custody guarantees around a movement.

use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::discrepancy::DiscrepancyKind;
use rollcall_core::escort::{EscortRecord, Risks};
use rollcall_core::movement::{Mode, VehicleKind};
use rollcall_core::ops::{self, PlanRequest, Presented};
use rollcall_core::person::{Category, Flags, Names, PersonRecord, RiskLevel, Sex};
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::*;

struct World {
    state: State,
}

fn ts(m: i64) -> Timestamp {
    Timestamp::from_second(1_769_900_000 + m * 60).unwrap()
}

impl World {
    fn apply(&mut self, kinds: Vec<EventKind>) -> Result<(), BatchRejected> {
        let seq0 = self.state.next_seq();
        let actor = Actor {
            user: UserId::new("t"),
            node: NodeId::new("n"),
        };
        let events: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, k)| Event::new(seq0 + i as u64, ts(0), ts(0), actor.clone(), k))
            .collect();
        self.state.apply_batch(&events).map(|_| ())
    }

    fn new(dest_capacity: u32) -> World {
        let mut w = World {
            state: State::new(),
        };
        let facility = |name: &str, cc: &str, cap: u32, lat: f64| {
            CustodianKind::Facility(Facility {
                name: name.into(),
                authority: "a".into(),
                country: Country::parse(cc).unwrap(),
                coordinates: Coordinates { lat, lon: 42.0 },
                time_zone: "UTC".into(),
                security: SecurityLevel::Maximum,
                capacity: cap,
                categories: vec![
                    Category::AdultMale,
                    Category::AdultFemale,
                    Category::Juvenile,
                ],
            })
        };
        w.apply(vec![
            EventKind::CustodianRegistered {
                custodian: CustodianId::new("O"),
                info: facility("Origin", "SY", 100, 36.0),
            },
            EventKind::CustodianRegistered {
                custodian: CustodianId::new("D"),
                info: facility("Dest", "IQ", dest_capacity, 33.0),
            },
        ])
        .unwrap();
        w
    }

    fn register(
        &mut self,
        id: &str,
        risk: RiskLevel,
        sex: Sex,
        juvenile: bool,
        groups: &[&str],
        bio: Option<&str>,
    ) {
        self.apply(vec![EventKind::PersonRegistered {
            person: PersonId::new(id),
            record: PersonRecord {
                names: Names {
                    full: format!("Person {id}"),
                    ..Names::default()
                },
                sex,
                risk,
                flags: Flags {
                    juvenile,
                    medical_needs: false,
                },
                separation_groups: groups.iter().map(|g| g.to_string()).collect(),
                biometric_ref: bio.map(str::to_string),
                ..PersonRecord::default()
            },
            custodian: CustodianId::new("O"),
            source: None,
            capacity_override: None,
        }])
        .unwrap();
    }

    fn plan(
        &mut self,
        id: &str,
        mode: Mode,
        vehicles: &str,
        people: &[&str],
    ) -> Result<(), Violation> {
        let mut vehicles = ops::parse_vehicles(vehicles).unwrap();
        if mode == Mode::Air {
            for v in &mut vehicles {
                v.kind = VehicleKind::Aircraft;
            }
        }
        let req = PlanRequest {
            movement: MovementId::new(id),
            mode,
            origin: CustodianId::new("O"),
            destination: CustodianId::new("D"),
            planned_departure: ts(60),
            vehicles,
            escort: vec![],
            medic: false,
            people: people.iter().map(|p| PersonId::new(*p)).collect(),
            route: vec![],
        };
        let kinds = ops::plan(&self.state, &req)?;
        self.apply(kinds).map_err(|e| e.violation)
    }

    fn confirm_and_depart(&mut self, id: &str) {
        let mid = MovementId::new(id);
        let people: Vec<PersonId> = self.state.movement(id).unwrap().people().cloned().collect();
        let mut kinds = Vec::new();
        for p in &people {
            kinds.push(EventKind::EscortRecordUpdated {
                movement: mid.clone(),
                person: p.clone(),
                record: EscortRecord {
                    risks: Risks {
                        violence: Some(false),
                        escape: Some(false),
                        self_harm: Some(false),
                        health: Some(false),
                    },
                    medication: Some(vec![]),
                    medical_needs: Some("none".into()),
                    property: Some(vec![]),
                    special_needs: Some("none".into()),
                    notes: None,
                },
            });
            kinds.push(EventKind::EscortRecordConfirmed {
                movement: mid.clone(),
                person: p.clone(),
            });
        }
        self.apply(kinds).unwrap();
        let kinds = ops::depart(&self.state, &mid, people.len() as u32, &people, "o").unwrap();
        self.apply(kinds).unwrap();
    }

    fn open_kinds(&self) -> Vec<DiscrepancyKind> {
        self.state.discrepancies().map(|(_, d)| d.kind).collect()
    }
}

#[test]
fn planning_refuses_each_rule_by_name() {
    let mut w = World::new(100);
    w.register("P-H", RiskLevel::High, Sex::Male, false, &[], None);
    w.register("P-M", RiskLevel::Low, Sex::Male, false, &["SG-1"], None);
    w.register("P-N", RiskLevel::Low, Sex::Male, false, &["SG-1"], None);
    w.register("P-W", RiskLevel::Low, Sex::Female, false, &[], None);
    w.register("P-J", RiskLevel::Low, Sex::Male, true, &[], None);
    let rule = |r: Result<(), Violation>| r.unwrap_err().rule;
    assert_eq!(
        rule(w.plan("P-A", Mode::Land, "bus:10", &["P-H"])),
        Rule::HighRiskTransport
    );
    assert_eq!(
        rule(w.plan("P-A", Mode::Land, "bus:10", &["P-M", "P-N"])),
        Rule::Separation
    );
    assert_eq!(
        rule(w.plan("P-A", Mode::Land, "bus:10", &["P-M", "P-W"])),
        Rule::Segregation
    );
    assert_eq!(
        rule(w.plan("P-A", Mode::Land, "bus:10", &["P-J", "P-M"])),
        Rule::Segregation
    );
    assert_eq!(
        rule(w.plan("P-A", Mode::Land, "bus:1", &["P-M", "P-N"])),
        Rule::Seats
    );
    assert_eq!(
        rule(w.plan("P-A", Mode::Land, "bus:1,bus:1", &["P-M", "P-N", "P-W"])),
        Rule::Seats
    );
    // What the rules allow.
    w.plan(
        "MV-A",
        Mode::Land,
        "armored:2,bus:2,bus:2",
        &["P-H", "P-M", "P-N", "P-W", "P-J"],
    )
    .unwrap();
    let m = w.state.movement("MV-A").unwrap();
    assert_eq!(
        m.vehicle_of(&PersonId::new("P-H")),
        Some("V1"),
        "high-risk person in the armoured vehicle"
    );
    assert_ne!(
        m.vehicle_of(&PersonId::new("P-M")),
        m.vehicle_of(&PersonId::new("P-N"))
    );
    assert_ne!(
        m.vehicle_of(&PersonId::new("P-M")),
        m.vehicle_of(&PersonId::new("P-W"))
    );
    // Nobody on two open movements.
    assert_eq!(
        rule(w.plan("MV-B", Mode::Air, "aircraft:10", &["P-H"])),
        Rule::Manifest
    );
}

#[test]
fn destination_room_counts_people_on_board_of_movements_inbound() {
    let mut w = World::new(3);
    for p in ["P-A", "P-B", "P-C", "P-E"] {
        w.register(p, RiskLevel::Low, Sex::Male, false, &[], None);
    }
    w.plan("MV-1", Mode::Land, "bus:5", &["P-A", "P-B"])
        .unwrap();
    // Room for one more: two are inbound.
    assert_eq!(
        w.plan("MV-2", Mode::Land, "bus:5", &["P-C", "P-E"])
            .unwrap_err()
            .rule,
        Rule::Capacity
    );
    w.plan("MV-2", Mode::Land, "bus:5", &["P-C"]).unwrap();
}

#[test]
fn a_person_on_a_planned_movement_is_not_handed_elsewhere() {
    let mut w = World::new(10);
    w.register("P-A", RiskLevel::Low, Sex::Male, false, &[], None);
    w.plan("MV-1", Mode::Land, "bus:5", &["P-A"]).unwrap();
    let err = w
        .apply(vec![EventKind::CustodyHandedOver {
            person: PersonId::new("P-A"),
            from: CustodianId::new("O"),
            to: CustodianId::new("D"),
            reason: None,
            capacity_override: None,
            signatures: vec![],
        }])
        .unwrap_err();
    assert_eq!(err.violation.rule, Rule::Manifest);
    assert!(err.violation.detail.contains("MV-1"));
}

#[test]
fn arrival_into_a_full_facility_admits_everyone_and_opens_an_over_capacity_discrepancy() {
    let mut w = World::new(2);
    for p in ["P-A", "P-B"] {
        w.register(p, RiskLevel::Low, Sex::Male, false, &[], None);
    }
    w.plan("MV-1", Mode::Land, "bus:5", &["P-A", "P-B"])
        .unwrap();
    w.confirm_and_depart("MV-1");
    // Meanwhile the destination filled up by another route.
    w.register("P-X", RiskLevel::Low, Sex::Male, false, &[], None);
    w.apply(vec![EventKind::CustodyHandedOver {
        person: PersonId::new("P-X"),
        from: CustodianId::new("O"),
        to: CustodianId::new("D"),
        reason: None,
        capacity_override: None,
        signatures: vec![],
    }])
    .unwrap();
    let kinds = ops::arrive(
        &w.state,
        &MovementId::new("MV-1"),
        &[Presented::id("P-A"), Presented::id("P-B")],
        "o",
    )
    .unwrap();
    w.apply(kinds).unwrap();
    assert_eq!(w.state.person("P-A").unwrap().custodian.as_str(), "D");
    assert_eq!(w.state.person("P-B").unwrap().custodian.as_str(), "D");
    assert_eq!(w.open_kinds(), vec![DiscrepancyKind::OverCapacity]);
    assert_eq!(w.state.custodian("D").unwrap().occupancy, 3);
}

#[test]
fn an_id_presented_twice_is_not_admitted_and_a_mismatched_biometric_stays_on_board() {
    let mut w = World::new(10);
    w.register("P-A", RiskLevel::Low, Sex::Male, false, &[], Some("BIO-A"));
    w.register("P-B", RiskLevel::Low, Sex::Male, false, &[], Some("BIO-B"));
    w.register("P-C", RiskLevel::Low, Sex::Male, false, &[], Some("BIO-C"));
    w.plan("MV-1", Mode::Land, "bus:5", &["P-A", "P-B", "P-C"])
        .unwrap();
    w.confirm_and_depart("MV-1");
    let presented = vec![
        Presented {
            id: "P-A".into(),
            biometric: Some("BIO-A".into()),
        },
        Presented {
            id: "P-B".into(),
            biometric: Some("BIO-C".into()),
        },
        Presented::id("P-C"),
        Presented::id("P-C"),
    ];
    let kinds = ops::arrive(&w.state, &MovementId::new("MV-1"), &presented, "o").unwrap();
    w.apply(kinds).unwrap();
    assert_eq!(w.state.person("P-A").unwrap().custodian.as_str(), "D");
    for p in ["P-B", "P-C"] {
        let v = w.state.person(p).unwrap();
        assert_eq!(
            v.custodian.as_str(),
            "MV-1",
            "{p} stays in the movement's custody"
        );
        assert_eq!(v.status, CustodyStatus::InTransit);
    }
    assert_eq!(
        w.open_kinds(),
        vec![
            DiscrepancyKind::IdentityMismatch,
            DiscrepancyKind::IdentityMismatch
        ]
    );
}

#[test]
fn a_long_stop_where_a_count_was_taken_is_no_alert_but_one_elsewhere_is() {
    let run = |count_there: bool| -> Vec<DiscrepancyKind> {
        let mut w = World::new(10);
        w.register("P-A", RiskLevel::Low, Sex::Male, false, &[], None);
        w.plan("MV-1", Mode::Land, "bus:5", &["P-A"]).unwrap();
        w.confirm_and_depart("MV-1");
        let mid = MovementId::new("MV-1");
        // Standing at 34.5, 42.0 (on the straight route) from minute 10 to 40.
        for (minute, lat) in [(5, 35.5), (10, 34.5), (25, 34.5), (40, 34.5)] {
            let seq = w.state.next_seq();
            let e = Event::new(
                seq,
                ts(minute),
                ts(minute),
                Actor {
                    user: UserId::new("t"),
                    node: NodeId::new("n"),
                },
                EventKind::MovementPositionReported {
                    movement: mid.clone(),
                    lat,
                    lon: 42.0,
                },
            );
            w.state.apply(&e).unwrap();
        }
        if count_there {
            let seq = w.state.next_seq();
            let e = Event::new(
                seq,
                ts(12),
                ts(12),
                Actor {
                    user: UserId::new("t"),
                    node: NodeId::new("n"),
                },
                EventKind::MovementCheckpointPassed {
                    movement: mid.clone(),
                    place: "border".into(),
                    count: 1,
                },
            );
            w.state.apply(&e).unwrap();
        }
        let departed = w
            .state
            .index_keys(rollcall_core::state::index::MOVEMENTS, "departed");
        assert!(departed.contains(&mid.as_str().to_string()));
        let open = w
            .state
            .index_keys(rollcall_core::state::index::DISCREPANCIES, "open");
        let kinds =
            ops::watch_movements(&w.state, &departed, &open, ts(41), &Default::default(), "o");
        kinds
            .iter()
            .filter_map(|k| match k {
                EventKind::DiscrepancyOpened { kind, .. } => Some(*kind),
                _ => None,
            })
            .collect()
    };
    assert_eq!(run(false), vec![DiscrepancyKind::MovementStopped]);
    assert_eq!(run(true), vec![]);
}
