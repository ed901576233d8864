//! Regression tests for guarantees that ordinary events once got around
//! (review F1 items 1 and 2, probe row 6): each is now refused, or recorded
//! with its consequences, by the apply path itself, whoever built the events.

use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::discrepancy::DiscrepancyKind;
use rollcall_core::escort::{EscortRecord, Risks};
use rollcall_core::movement::{Mode, MovementStatus, Seat, Vehicle, VehicleKind};
use rollcall_core::person::{Category, Names, PersonRecord, RiskLevel, Sex};
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::state::views::DiscrepancyStatus;
use rollcall_core::*;

fn at(minute: i64) -> Timestamp {
    Timestamp::from_second(1_760_000_000 + minute * 60).unwrap()
}

struct World {
    state: State,
    clock: i64,
}

impl World {
    /// Two facilities for adult men (ORIG, DEST), one for everyone (ALL),
    /// a medium-security one for adult men (MED),
    /// a hospital, a Syrian representative, and three Iraqi men at ORIG.
    fn new() -> World {
        let mut w = World {
            state: State::new(),
            clock: 0,
        };
        let facility_of = |cats: Vec<Category>, security: SecurityLevel| {
            CustodianKind::Facility(Facility {
                name: "F".into(),
                authority: "Ministry".into(),
                country: Country::parse("IQ").unwrap(),
                coordinates: Coordinates {
                    lat: 33.0,
                    lon: 44.0,
                },
                time_zone: "Asia/Baghdad".into(),
                security,
                capacity: 50,
                categories: cats,
            })
        };
        let facility = |cats: Vec<Category>| facility_of(cats, SecurityLevel::Maximum);
        let men = || vec![Category::AdultMale];
        let all = vec![
            Category::AdultMale,
            Category::AdultFemale,
            Category::Juvenile,
        ];
        for (id, info) in [
            ("ORIG", facility(men())),
            ("DEST", facility(men())),
            ("ALL", facility(all)),
            ("MED", facility_of(men(), SecurityLevel::Medium)),
            (
                "HOSP",
                CustodianKind::Hospital {
                    name: "General".into(),
                    country: Country::parse("IQ").unwrap(),
                },
            ),
            (
                "REP-SY",
                CustodianKind::ForeignRepresentative {
                    country: Country::parse("SY").unwrap(),
                    name: "Syrian consulate".into(),
                },
            ),
        ] {
            w.ok(vec![EventKind::CustodianRegistered {
                custodian: CustodianId::new(id),
                info,
            }]);
        }
        for p in ["P-1", "P-2", "P-3"] {
            w.ok(vec![EventKind::PersonRegistered {
                person: PersonId::new(p),
                record: man(p),
                custodian: CustodianId::new("ORIG"),
                source: None,
                capacity_override: None,
            }]);
        }
        w
    }

    fn events(&mut self, kinds: Vec<EventKind>, occurred: Timestamp) -> Vec<Event> {
        let seq0 = self.state.next_seq();
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                Event::new(
                    seq0 + i as u64,
                    occurred,
                    at(self.clock + 1000),
                    Actor {
                        user: UserId::new("officer"),
                        node: NodeId::new("n1"),
                    },
                    k,
                )
            })
            .collect()
    }

    fn try_at(&mut self, kinds: Vec<EventKind>, minute: i64) -> Result<(), Violation> {
        let batch = self.events(kinds, at(minute));
        let before = self.state.to_rows();
        let r = self
            .state
            .apply_batch(&batch)
            .map(|_| ())
            .map_err(|e| e.violation);
        if r.is_err() {
            assert_eq!(
                before,
                self.state.to_rows(),
                "a refused batch changes nothing"
            );
        }
        self.state.check_invariants().expect("invariants hold");
        r
    }

    fn try_(&mut self, kinds: Vec<EventKind>) -> Result<(), Violation> {
        self.clock += 1;
        self.try_at(kinds, self.clock)
    }

    fn ok(&mut self, kinds: Vec<EventKind>) {
        if let Err(v) = self.try_(kinds) {
            panic!("refused: {v}");
        }
    }

    fn refused(&mut self, kinds: Vec<EventKind>, rule: Rule) -> Violation {
        let v = self.try_(kinds).expect_err("should be refused");
        assert_eq!(v.rule, rule, "{v}");
        v
    }

    fn custody(&self, p: &str) -> (String, CustodyStatus, Option<String>) {
        let v = self.state.person(p).unwrap();
        (
            v.custody.custodian.to_string(),
            v.custody.status,
            v.custody.movement.as_ref().map(|m| m.to_string()),
        )
    }

    /// Plans M-1 from ORIG to `to` by land in one unarmoured bus, and
    /// confirms every escort record.
    fn plan_bus(&mut self, people: &[&str], to: &str) {
        let req = ops::PlanRequest {
            movement: MovementId::new("MV-1"),
            mode: Mode::Land,
            origin: CustodianId::new("ORIG"),
            destination: CustodianId::new(to),
            planned_departure: at(100),
            vehicles: vec![Vehicle {
                id: "B1".into(),
                kind: VehicleKind::Bus,
                seats: 10,
                armored: false,
            }],
            escort: vec!["team".into()],
            medic: false,
            people: people.iter().map(|p| PersonId::new(*p)).collect(),
            route: vec![],
        };
        let kinds = ops::plan(&self.state, &req).unwrap();
        self.ok(kinds);
        for p in people {
            self.ok(vec![EventKind::EscortRecordUpdated {
                movement: MovementId::new("MV-1"),
                person: PersonId::new(*p),
                record: complete(),
            }]);
        }
        for p in people {
            self.ok(vec![confirm(p)]);
        }
    }
}

fn man(name: &str) -> PersonRecord {
    PersonRecord {
        names: Names {
            full: name.into(),
            ..Default::default()
        },
        sex: Sex::Male,
        nationalities: vec![Country::parse("IQ").unwrap()],
        ..Default::default()
    }
}

fn complete() -> EscortRecord {
    EscortRecord {
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
    }
}

fn confirm(p: &str) -> EventKind {
    confirm_on("MV-1", p)
}

fn confirm_on(movement: &str, p: &str) -> EventKind {
    EventKind::EscortRecordConfirmed {
        movement: MovementId::new(movement),
        person: PersonId::new(p),
    }
}

fn handover(p: &str, from: &str, to: &str) -> EventKind {
    EventKind::CustodyHandedOver {
        person: PersonId::new(p),
        from: CustodianId::new(from),
        to: CustodianId::new(to),
        reason: None,
        capacity_override: None,
        signatures: vec![],
    }
}

fn depart(boarded: &[&str]) -> EventKind {
    EventKind::MovementDeparted {
        movement: MovementId::new("MV-1"),
        headcount: boarded.len() as u32,
        boarded: boarded.iter().map(|p| PersonId::new(*p)).collect(),
        signatures: vec![],
    }
}

// --- review F1.1: a plain handover cannot stand in for a dedicated event ---

#[test]
fn a_plain_handover_never_releases_hospitalises_repatriates_or_boards() {
    let mut w = World::new();
    for to in ["released", "HOSP", "REP-SY"] {
        let v = w.refused(vec![handover("P-1", "ORIG", to)], Rule::DedicatedEvent);
        assert_eq!(v.person, Some(PersonId::new("P-1")));
        assert!(v.detail.contains(to), "{v}");
    }
    w.plan_bus(&["P-1"], "DEST");
    w.refused(vec![handover("P-2", "ORIG", "MV-1")], Rule::DedicatedEvent);
    // The dedicated events still work, with what they demand.
    w.refused(
        vec![EventKind::PersonReleased {
            person: PersonId::new("P-2"),
            from: CustodianId::new("ORIG"),
            authority: String::new(),
            reason: "acquitted".into(),
        }],
        Rule::ReasonRequired,
    );
    w.ok(vec![EventKind::TakenToHospital {
        person: PersonId::new("P-2"),
        from: CustodianId::new("ORIG"),
        hospital: CustodianId::new("HOSP"),
        reason: "fever".into(),
    }]);
    assert_eq!(w.custody("P-2").1, CustodyStatus::Hospitalised);
    // Back from hospital by a plain handover, into a facility.
    w.ok(vec![handover("P-2", "HOSP", "ORIG")]);
    assert_eq!(w.custody("P-2").1, CustodyStatus::Held);
    // Repatriation needs an accepted request for the representative's country.
    w.ok(vec![EventKind::RepatriationRequested {
        repatriation: RepatriationId::new("R-1"),
        person: PersonId::new("P-3"),
        state: Country::parse("SY").unwrap(),
    }]);
    let hand = EventKind::RepatriationHandedOver {
        repatriation: RepatriationId::new("R-1"),
        from: CustodianId::new("ORIG"),
        to: CustodianId::new("REP-SY"),
    };
    w.refused(vec![hand.clone()], Rule::KnownRecord);
    w.ok(vec![EventKind::RepatriationAccepted {
        repatriation: RepatriationId::new("R-1"),
    }]);
    w.ok(vec![hand]);
    assert_eq!(w.custody("P-3").1, CustodyStatus::Repatriated);
}

// --- review F1.2: departure, arrival and reconciliation carry their consequences ---

#[test]
fn a_raw_departure_moves_custody_and_a_reconciled_movement_strands_nobody() {
    let mut w = World::new();
    w.plan_bus(&["P-1", "P-2"], "DEST");
    // The departure alone: no handovers in the batch, yet custody moved.
    w.ok(vec![depart(&["P-1", "P-2"])]);
    for p in ["P-1", "P-2"] {
        assert_eq!(
            w.custody(p),
            ("MV-1".into(), CustodyStatus::InTransit, Some("MV-1".into()))
        );
    }
    assert_eq!(w.state.custodian("MV-1").unwrap().occupancy, 2);
    assert_eq!(w.state.custodian("ORIG").unwrap().occupancy, 1);
    // An arrival dated before the departure is refused, naming both times.
    let departed = w.clock;
    let v = w
        .try_at(
            vec![EventKind::MovementArrived {
                movement: MovementId::new("MV-1"),
            }],
            departed - 5,
        )
        .unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder);
    assert!(v.detail.contains(&at(departed).to_string()), "{v}");
    w.ok(vec![EventKind::MovementArrived {
        movement: MovementId::new("MV-1"),
    }]);
    w.ok(vec![EventKind::PersonAdmitted {
        person: PersonId::new("P-1"),
        movement: MovementId::new("MV-1"),
        facility: CustodianId::new("DEST"),
        capacity_override: None,
        signatures: vec![],
    }]);
    // Reconciling with nobody missing while P-2 is still aboard is refused.
    let reconcile = |missing: Vec<PersonId>| EventKind::MovementReconciled {
        movement: MovementId::new("MV-1"),
        admitted: 1,
        missing,
        extra: vec![],
        mismatched: vec![],
    };
    w.refused(vec![reconcile(vec![])], Rule::Manifest);
    w.ok(vec![reconcile(vec![PersonId::new("P-2")])]);
    // P-2 stays in the movement's custody but no longer points at it, so
    // they can be handed to a facility and planned again.
    assert_eq!(
        w.custody("P-2"),
        ("MV-1".into(), CustodyStatus::InTransit, None)
    );
    w.ok(vec![handover("P-2", "MV-1", "ORIG")]);
    let req = ops::PlanRequest {
        movement: MovementId::new("MV-2"),
        mode: Mode::Land,
        origin: CustodianId::new("ORIG"),
        destination: CustodianId::new("DEST"),
        planned_departure: at(500),
        vehicles: ops::parse_vehicles("bus:5").unwrap(),
        escort: vec![],
        medic: false,
        people: vec![PersonId::new("P-2")],
        route: vec![],
    };
    let kinds = ops::plan(&w.state, &req).unwrap();
    w.ok(kinds);
    assert_eq!(w.custody("P-2").2, Some("MV-2".into()));
}

#[test]
fn an_abort_returns_everyone_on_board_by_itself() {
    let mut w = World::new();
    w.plan_bus(&["P-1", "P-2"], "DEST");
    w.ok(vec![depart(&["P-1"])]);
    assert_eq!(w.custody("P-2"), ("ORIG".into(), CustodyStatus::Held, None));
    let abort = |to: &str| EventKind::MovementAborted {
        movement: MovementId::new("MV-1"),
        return_to: CustodianId::new(to),
        reason: "road closed".into(),
        discrepancy: None,
    };
    w.refused(vec![abort("released")], Rule::CustodianKind);
    w.ok(vec![abort("ORIG")]);
    assert_eq!(w.custody("P-1"), ("ORIG".into(), CustodyStatus::Held, None));
    assert_eq!(w.state.custodian("MV-1").unwrap().occupancy, 0);
    assert_eq!(
        w.state.movement("MV-1").unwrap().status,
        MovementStatus::Aborted
    );
}

#[test]
fn time_runs_forward_for_people_and_events() {
    let mut w = World::new();
    // Nothing about a person before their registration (P-1 at minute 6).
    let v = w
        .try_at(vec![handover("P-1", "ORIG", "DEST")], 0)
        .unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder);
    assert_eq!(v.person, Some(PersonId::new("P-1")));
    w.ok(vec![handover("P-1", "ORIG", "DEST")]);
    // A custody change dated before the last one is refused.
    let v = w
        .try_at(vec![handover("P-1", "DEST", "ORIG")], w.clock - 1)
        .unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder);
    // An event dated after it was recorded (beyond the allowed clock skew)
    // is refused.
    let mut batch = w.events(vec![handover("P-1", "DEST", "ORIG")], at(5000));
    batch[0].recorded_at = at(4990);
    let err = w.state.apply_batch(&batch).unwrap_err();
    assert_eq!(err.violation.rule, Rule::TimeOrder);
}

#[test]
fn an_escape_opens_its_discrepancy() {
    let mut w = World::new();
    let kinds = ops::escape(
        &w.state,
        &PersonId::new("P-1"),
        &CustodianId::new("ORIG"),
        "fence",
    );
    w.ok(kinds);
    let (_, d) = w
        .state
        .discrepancies()
        .find(|(_, d)| d.kind == DiscrepancyKind::Escape)
        .expect("an escape discrepancy");
    assert_eq!(d.persons, vec![PersonId::new("P-1")]);
    assert_eq!(d.custodian, Some(CustodianId::new("ORIG")));
    // The custodian stays accountable until recapture.
    assert_eq!(w.state.custodian("ORIG").unwrap().occupancy, 3);
}

// --- probe row 6: a correction cannot make a movement depart in breach ---

fn corrected(
    w: &World,
    p: &str,
    f: impl FnOnce(&mut PersonRecord),
) -> (rollcall_core::event::EventId, PersonRecord) {
    let v = w.state.person(p).unwrap();
    let mut r = v.record.clone();
    f(&mut r);
    (v.record_events.last().unwrap().clone(), r)
}

#[test]
fn a_correction_to_high_risk_blocks_departure_in_an_unarmoured_bus() {
    let mut w = World::new();
    w.plan_bus(&["P-1", "P-2"], "DEST");
    let (target, record) = corrected(&w, "P-1", |r| r.risk = RiskLevel::High);
    // The raw correction without its discrepancy is refused, naming the
    // movement and the rule.
    let raw = EventKind::PersonRecordCorrected {
        person: PersonId::new("P-1"),
        corrects: target.clone(),
        record: record.clone(),
        reason: "intelligence report".into(),
        discrepancy: None,
    };
    let v = w.refused(vec![raw], Rule::HighRiskTransport);
    assert!(v.detail.contains("MV-1"), "{v}");
    // Through ops it is accepted and opens a manifest-breach discrepancy.
    let kinds = ops::correct(
        &w.state,
        &PersonId::new("P-1"),
        target,
        record,
        "intelligence report",
    );
    w.ok(kinds);
    let breach = w
        .state
        .discrepancies()
        .find(|(_, d)| d.kind == DiscrepancyKind::ManifestBreach)
        .map(|(_, d)| d.clone())
        .expect("a manifest breach discrepancy");
    assert_eq!(breach.movement, Some(MovementId::new("MV-1")));
    assert_eq!(breach.persons, vec![PersonId::new("P-1")]);
    // Re-confirming the escort record re-checks the rules.
    w.ok(vec![EventKind::EscortRecordUpdated {
        movement: MovementId::new("MV-1"),
        person: PersonId::new("P-1"),
        record: complete(),
    }]);
    w.refused(vec![confirm("P-1")], Rule::HighRiskTransport);
    // The escort record of P-1 is no longer confirmed, so no departure at all
    // until the movement is re-planned.
    w.refused(vec![depart(&["P-2"])], Rule::EscortRecord);
    w.ok(vec![EventKind::MovementAborted {
        movement: MovementId::new("MV-1"),
        return_to: CustodianId::new("ORIG"),
        reason: "re-plan: P-1 is high-risk".into(),
        discrepancy: None,
    }]);
    assert_eq!(w.custody("P-1").2, None);
}

#[test]
fn departure_re_checks_the_rules_and_may_leave_the_person_behind() {
    let mut w = World::new();
    w.plan_bus(&["P-1", "P-2"], "ALL");
    // P-2 is in fact a woman: she cannot ride with P-1 (a man).
    let (target, record) = corrected(&w, "P-2", |r| r.sex = Sex::Female);
    let kinds = ops::correct(&w.state, &PersonId::new("P-2"), target, record, "seen");
    assert!(matches!(
        &kinds[0],
        EventKind::PersonRecordCorrected {
            discrepancy: Some(_),
            ..
        }
    ));
    w.ok(kinds);
    // Her escort record was confirmed before the correction; departure
    // re-checks and refuses the breach, naming the rule.
    let v = w.refused(vec![depart(&["P-1", "P-2"])], Rule::Segregation);
    assert!(v.detail.contains("MV-1") && v.detail.contains("B1"), "{v}");
    // Leaving her behind, the movement departs within the rules.
    w.ok(vec![depart(&["P-1"])]);
    assert_eq!(w.custody("P-2"), ("ORIG".into(), CustodyStatus::Held, None));
}

/// A correction names the event it corrects by identity (origin node and
/// counter), not by its position in one ledger: the same counter from
/// another node, or another person's registration, is not a target.
#[test]
fn a_correction_names_its_target_by_event_identity() {
    use rollcall_core::event::EventId;
    let mut w = World::new();
    let (target, record) = corrected(&w, "P-1", |r| r.names.full = "P-1 bis".into());
    assert_eq!(target.origin, NodeId::new("n1"));
    let correction = |corrects: EventId| EventKind::PersonRecordCorrected {
        person: PersonId::new("P-1"),
        corrects,
        record: record.clone(),
        reason: "spelling".into(),
        discrepancy: None,
    };
    let elsewhere = EventId {
        origin: NodeId::new("n2"),
        counter: target.counter,
    };
    let v = w.refused(vec![correction(elsewhere)], Rule::CorrectionTarget);
    assert!(v.detail.contains("n2#"), "{v}");
    let (other, _) = corrected(&w, "P-2", |_| {});
    w.refused(vec![correction(other)], Rule::CorrectionTarget);
    let counter = w.state.next_counter(&NodeId::new("n1"));
    w.ok(vec![correction(target.clone())]);
    let ids = w.state.person("P-1").unwrap().record_events.to_vec();
    assert_eq!(
        ids,
        vec![
            target,
            EventId {
                origin: NodeId::new("n1"),
                counter
            }
        ]
    );
}

#[test]
fn a_correction_that_breaks_the_destination_category_is_caught_too() {
    let mut w = World::new();
    w.plan_bus(&["P-1"], "DEST");
    let (target, record) = corrected(&w, "P-1", |r| r.flags.juvenile = true);
    let raw = EventKind::PersonRecordCorrected {
        person: PersonId::new("P-1"),
        corrects: target.clone(),
        record: record.clone(),
        reason: "birth certificate".into(),
        discrepancy: None,
    };
    w.refused(vec![raw], Rule::Category);
    let kinds = ops::correct(
        &w.state,
        &PersonId::new("P-1"),
        target,
        record,
        "birth certificate",
    );
    w.ok(kinds);
    w.refused(vec![depart(&["P-1"])], Rule::Category);
    // A correction that breaks nothing opens nothing, and may not pretend to.
    let (target, record) = corrected(&w, "P-2", |r| r.names.full = "P-2 bis".into());
    let kinds = ops::correct(
        &w.state,
        &PersonId::new("P-2"),
        target.clone(),
        record.clone(),
        "spelling",
    );
    assert!(matches!(
        &kinds[0],
        EventKind::PersonRecordCorrected {
            discrepancy: None,
            ..
        }
    ));
    w.refused(
        vec![EventKind::PersonRecordCorrected {
            person: PersonId::new("P-2"),
            corrects: target,
            record,
            reason: "spelling".into(),
            discrepancy: Some(DiscrepancyId::new("D-9")),
        }],
        Rule::InvalidValue,
    );
}

/// High-risk people go only to maximum security, however they would get
/// there: a movement's plan, a plain handover, or a correction of someone
/// already on a movement bound elsewhere.
#[test]
fn high_risk_people_reach_only_maximum_security() {
    let mut w = World::new();
    let (target, record) = corrected(&w, "P-1", |r| r.risk = RiskLevel::High);
    w.ok(vec![EventKind::PersonRecordCorrected {
        person: PersonId::new("P-1"),
        corrects: target,
        record,
        reason: "assessed".into(),
        discrepancy: None,
    }]);
    let armoured = |people: &[&str], movement: &str| {
        let seats = people
            .iter()
            .map(|p| Seat {
                person: PersonId::new(*p),
                vehicle: "A1".into(),
            })
            .collect();
        EventKind::MovementPlanned {
            movement: MovementId::new(movement),
            mode: Mode::Land,
            origin: CustodianId::new("ORIG"),
            destination: CustodianId::new("MED"),
            planned_departure: at(100),
            vehicles: vec![Vehicle {
                id: "A1".into(),
                kind: VehicleKind::Armored,
                seats: 8,
                armored: true,
            }],
            escort: vec!["team".into()],
            medic: false,
            manifest: seats,
            route: vec![],
        }
    };
    let v = w.refused(
        vec![armoured(&["P-2", "P-1"], "MV-1")],
        Rule::HighRiskSecurity,
    );
    assert!(
        v.detail.contains("MV-1") && v.detail.contains("MED") && v.detail.contains("medium"),
        "{v}"
    );
    assert_eq!(v.person, Some(PersonId::new("P-1")));
    let v = w.refused(vec![handover("P-1", "ORIG", "MED")], Rule::HighRiskSecurity);
    assert!(v.detail.contains("P-1") && v.detail.contains("MED"), "{v}");
    // Everyone else may go there, and the high-risk person to maximum security.
    w.ok(vec![handover("P-3", "ORIG", "MED")]);
    w.ok(vec![handover("P-1", "ORIG", "DEST")]);
    // P-2, low-risk and bound for MED in an armoured vehicle, is found to be
    // high-risk: the raw correction is refused naming the movement, and
    // through ops it opens a discrepancy that keeps the movement from leaving.
    w.ok(vec![armoured(&["P-2"], "MV-2")]);
    let (target, record) = corrected(&w, "P-2", |r| r.risk = RiskLevel::High);
    let raw = EventKind::PersonRecordCorrected {
        person: PersonId::new("P-2"),
        corrects: target.clone(),
        record: record.clone(),
        reason: "assessed".into(),
        discrepancy: None,
    };
    let v = w.refused(vec![raw], Rule::HighRiskSecurity);
    assert!(v.detail.contains("MV-2"), "{v}");
    w.ok(ops::correct(
        &w.state,
        &PersonId::new("P-2"),
        target,
        record,
        "assessed",
    ));
    assert!(
        w.state
            .discrepancies()
            .any(|(_, d)| d.kind == DiscrepancyKind::ManifestBreach
                && d.movement == Some(MovementId::new("MV-2")))
    );
    w.ok(vec![EventKind::EscortRecordStarted {
        movement: MovementId::new("MV-2"),
        person: PersonId::new("P-2"),
        record: complete(),
    }]);
    w.refused(vec![confirm_on("MV-2", "P-2")], Rule::HighRiskSecurity);
}

#[test]
fn conflicting_handovers_in_one_batch_are_refused_whole() {
    // Two conflicting handovers of one person in one batch: the second is
    // refused, and so is the first.
    let mut w = World::new();
    w.refused(
        vec![
            handover("P-1", "ORIG", "DEST"),
            handover("P-1", "ORIG", "ALL"),
        ],
        Rule::HandoverFromCurrentCustodian,
    );
    assert_eq!(w.custody("P-1").0, "ORIG");
}

#[test]
fn enum_names_match_their_encoding() {
    use DiscrepancyKind::*;
    let name = |v: serde_json::Value| v.as_str().unwrap().to_string();
    for k in [
        MissingPerson,
        ExtraPerson,
        IdentityMismatch,
        HeadcountMismatch,
        OverCapacity,
        MovementSilent,
        MovementStopped,
        MovementOffRoute,
        Escape,
        ManifestBreach,
        Other,
    ] {
        assert_eq!(k.to_string(), name(serde_json::to_value(k).unwrap()));
    }
    // Kinds that no rule opens are not in the vocabulary (see
    // `DiscrepancyKind`): an event cannot claim one.
    for dead in ["custody_conflict", "overdue_deadline"] {
        assert!(serde_json::from_value::<DiscrepancyKind>(dead.into()).is_err());
    }
    for s in [
        MovementStatus::Planned,
        MovementStatus::Departed,
        MovementStatus::Arrived,
        MovementStatus::Reconciled,
        MovementStatus::Aborted,
    ] {
        assert_eq!(s.as_str(), name(serde_json::to_value(s).unwrap()));
    }
    for r in [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High] {
        assert_eq!(r.as_str(), name(serde_json::to_value(r).unwrap()));
    }
}

// --- judicial events run forward in time, as custody does ---

#[test]
fn a_case_runs_forward_in_time() {
    let mut w = World::new();
    let case = || CaseId::new("C-1");
    let hearing = |due: Option<i64>| EventKind::HearingHeld {
        case: case(),
        judge: "Judge A".into(),
        summary: "detention extended".into(),
        next_review_due: due.map(at),
    };
    let opened = |due: i64| EventKind::CaseOpened {
        case: case(),
        person: PersonId::new("P-1"),
        committee: "Committee 1".into(),
        legal_basis: "art. 4".into(),
        first_appearance_due: at(due),
    };
    // Not before the person's registration, nor with a deadline already past.
    let v = w.try_at(vec![opened(3000)], -500).unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder, "{v}");
    let v = w.try_at(vec![opened(50)], 100).unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder, "{v}");
    assert!(v.detail.contains("first appearance"), "{v}");
    w.try_at(vec![opened(3000)], 100).unwrap();
    // Each later step is dated no earlier than the one before.
    let v = w.try_at(vec![hearing(None)], 99).unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder, "{v}");
    assert!(v.detail.contains("case C-1 last changed"), "{v}");
    let v = w.try_at(vec![hearing(Some(150))], 200).unwrap_err();
    assert!(v.detail.contains("next review"), "{v}");
    w.try_at(vec![hearing(Some(5000))], 200).unwrap();
    let charge = EventKind::ChargeBrought {
        case: case(),
        charge: "membership".into(),
        article: "art. 4".into(),
    };
    let v = w.try_at(vec![charge.clone()], 150).unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder, "{v}");
    w.try_at(vec![charge], 200).unwrap();
    let outcome = EventKind::CaseOutcomeRecorded {
        case: case(),
        outcome: rollcall_core::judicial::CaseOutcome::Dismissed {
            reason: "insufficient evidence".into(),
        },
    };
    let v = w.try_at(vec![outcome.clone()], 199).unwrap_err();
    assert_eq!(v.rule, Rule::TimeOrder, "{v}");
    w.try_at(vec![outcome], 300).unwrap();
}

// --- an abort is always recordable: people who are back are back ---

#[test]
fn an_abort_into_a_full_facility_is_recorded_with_an_over_capacity_discrepancy() {
    let mut w = World::new();
    w.ok(vec![EventKind::CustodianRegistered {
        custodian: CustodianId::new("SMALL"),
        info: CustodianKind::Facility(Facility {
            name: "Small".into(),
            authority: "Ministry".into(),
            country: Country::parse("IQ").unwrap(),
            coordinates: Coordinates {
                lat: 33.0,
                lon: 44.0,
            },
            time_zone: "Asia/Baghdad".into(),
            security: SecurityLevel::Maximum,
            capacity: 1,
            categories: vec![Category::AdultMale],
        }),
    }]);
    w.plan_bus(&["P-1", "P-2"], "DEST");
    w.ok(vec![depart(&["P-1", "P-2"])]);
    let abort = |discrepancy: Option<&str>| EventKind::MovementAborted {
        movement: MovementId::new("MV-1"),
        return_to: CustodianId::new("SMALL"),
        reason: "bridge down".into(),
        discrepancy: discrepancy.map(DiscrepancyId::new),
    };
    // Without the discrepancy it must open, refused, naming the room left.
    let v = w.refused(vec![abort(None)], Rule::Capacity);
    assert!(v.detail.contains("room for 1 of the 2"), "{v}");
    // Where there is room, it may not pretend to open one.
    w.refused(
        vec![EventKind::MovementAborted {
            movement: MovementId::new("MV-1"),
            return_to: CustodianId::new("ORIG"),
            reason: "bridge down".into(),
            discrepancy: Some(DiscrepancyId::new("D-9")),
        }],
        Rule::InvalidValue,
    );
    // Through ops: accepted, everyone is back, and the excess is owned.
    assert_eq!(
        w.state
            .abort_overflow(&MovementId::new("MV-1"), &CustodianId::new("SMALL")),
        vec![PersonId::new("P-2")]
    );
    let kinds = ops::abort(
        &w.state,
        &MovementId::new("MV-1"),
        &CustodianId::new("SMALL"),
        "bridge down",
    )
    .unwrap();
    w.ok(kinds);
    for p in ["P-1", "P-2"] {
        assert_eq!(w.custody(p), ("SMALL".into(), CustodyStatus::Held, None));
    }
    assert_eq!(w.state.custodian("SMALL").unwrap().occupancy, 2);
    let (_, d) = w
        .state
        .discrepancies()
        .find(|(_, d)| d.kind == DiscrepancyKind::OverCapacity)
        .expect("an over-capacity discrepancy");
    assert_eq!(d.persons, vec![PersonId::new("P-2")]);
    assert_eq!(d.custodian, Some(CustodianId::new("SMALL")));
    assert_eq!(d.movement, Some(MovementId::new("MV-1")));
}

fn row(record_id: &str) -> rollcall_core::person::SourceRow {
    rollcall_core::person::SourceRow {
        roster: "dest-intake".into(),
        record_id: record_id.into(),
        line: Some(2),
    }
}

fn candidate(p: &str, ppm: u32) -> rollcall_core::review::MatchEvidence {
    rollcall_core::review::MatchEvidence {
        person: PersonId::new(p),
        probability_ppm: ppm,
        fields: vec![],
    }
}

/// Identity matching in the ledger: a roster row is recorded once, as a
/// new person, a link or a review; a link to someone held elsewhere opens
/// the discrepancy it must; a review is decided once, for one of its
/// candidates or as a new person.
#[test]
fn a_roster_row_is_recorded_once_and_a_link_elsewhere_is_a_discrepancy() {
    use rollcall_core::review::{ReviewDecision, ReviewStatus};
    let mut w = World::new();
    let link = |record_id: &str, custodian: &str, d: Option<&str>| EventKind::RosterRowLinked {
        person: PersonId::new("P-1"),
        source: row(record_id),
        record: man("P-1 as spelled at ORIG"),
        custodian: CustodianId::new(custodian),
        probability_ppm: 999_000,
        fields: vec![],
        discrepancy: d.map(DiscrepancyId::new),
    };
    // Held at ORIG, listed by ORIG: a plain link.
    w.ok(vec![link("R-1", "ORIG", None)]);
    assert_eq!(
        w.state.roster_row("dest-intake", "R-1").map(String::as_str),
        Some("P-1")
    );
    // The same row again, by any path, is refused.
    w.refused(vec![link("R-1", "ORIG", None)], Rule::UniqueId);
    w.refused(
        vec![EventKind::PersonRegistered {
            person: PersonId::new("P-9"),
            record: man("P-9"),
            custodian: CustodianId::new("ORIG"),
            source: Some(row("R-1")),
            capacity_override: None,
        }],
        Rule::UniqueId,
    );
    // Listed by DEST, held at ORIG: only with the discrepancy, which it opens.
    w.refused(vec![link("R-2", "DEST", None)], Rule::IdentityConflict);
    w.refused(vec![link("R-2", "ORIG", Some("D-7"))], Rule::InvalidValue);
    w.ok(vec![link("R-2", "DEST", Some("D-7"))]);
    let d = w.state.discrepancy("D-7").expect("opened");
    assert_eq!(d.kind, DiscrepancyKind::ListedElsewhere);
    assert_eq!(d.persons, vec![PersonId::new("P-1")]);

    // A review: the row waits, and nobody may record it another way.
    let review = ReviewId::new("RV-1");
    let open = EventKind::MatchReviewOpened {
        review: review.clone(),
        source: row("R-3"),
        record: man("uncertain"),
        custodian: CustodianId::new("ORIG"),
        candidates: vec![candidate("P-2", 800_000), candidate("P-3", 600_000)],
    };
    w.ok(vec![open.clone()]);
    w.refused(vec![link("R-3", "ORIG", None)], Rule::UniqueId);
    let decide = |decision: ReviewDecision| EventKind::MatchReviewDecided {
        review: review.clone(),
        decision,
        reason: "seen at intake".into(),
        discrepancy: None,
        capacity_override: None,
    };
    // Not a candidate; no reason.
    w.refused(
        vec![decide(ReviewDecision::SamePerson {
            person: PersonId::new("P-1"),
        })],
        Rule::InvalidValue,
    );
    let mut silent = decide(ReviewDecision::SamePerson {
        person: PersonId::new("P-2"),
    });
    if let EventKind::MatchReviewDecided { reason, .. } = &mut silent {
        reason.clear();
    }
    w.refused(vec![silent], Rule::ReasonRequired);
    // Decided as a new person: registered at ORIG from the row, once.
    let registered = w.state.counter("registered");
    w.ok(vec![decide(ReviewDecision::NewPerson {
        person: PersonId::new("P-4"),
    })]);
    assert_eq!(w.state.counter("registered"), registered + 1);
    let p4 = w.state.person("P-4").expect("registered");
    assert_eq!(p4.custody.custodian.as_str(), "ORIG");
    assert_eq!(p4.record.names.full, "uncertain");
    let r = w.state.review("RV-1").unwrap();
    assert_eq!(r.status, ReviewStatus::NewPerson);
    assert_eq!(r.decided_by.as_ref().map(|u| u.as_str()), Some("officer"));
    w.refused(
        vec![decide(ReviewDecision::SamePerson {
            person: PersonId::new("P-2"),
        })],
        Rule::KnownRecord,
    );
    // The review's candidates have it in their history.
    let p2 = w.state.person("P-2").unwrap();
    assert!(p2.custody.history.len() >= 2);

    // A second review, decided as the same person: the row is theirs.
    w.ok(vec![EventKind::MatchReviewOpened {
        review: ReviewId::new("RV-2"),
        source: row("R-5"),
        record: man("uncertain too"),
        custodian: CustodianId::new("ORIG"),
        candidates: vec![candidate("P-3", 700_000)],
    }]);
    w.ok(vec![EventKind::MatchReviewDecided {
        review: ReviewId::new("RV-2"),
        decision: ReviewDecision::SamePerson {
            person: PersonId::new("P-3"),
        },
        reason: "the identity card matches".into(),
        discrepancy: None,
        capacity_override: None,
    }]);
    assert_eq!(
        w.state.roster_row("dest-intake", "R-5").map(String::as_str),
        Some("P-3")
    );
    assert_eq!(w.state.counter("registered"), registered + 1);
}

/// Two records of one person: linked by an event that keeps both, each
/// naming the other; in two custodians' hands only with the discrepancy.
#[test]
fn two_records_of_one_person_are_linked_and_kept_with_a_discrepancy_if_apart() {
    let mut w = World::new();
    let link = |a: &str, b: &str, d: Option<&str>| EventKind::PeopleLinked {
        person: PersonId::new(a),
        same_as: PersonId::new(b),
        reason: "fingerprints match".into(),
        discrepancy: d.map(DiscrepancyId::new),
    };
    w.refused(vec![link("P-1", "P-1", None)], Rule::InvalidValue);
    w.refused(vec![link("P-1", "P-9", None)], Rule::KnownPerson);
    // Both at ORIG: a plain link, both records kept.
    w.ok(vec![link("P-1", "P-2", None)]);
    let others = |w: &World, p: &str| -> Vec<String> {
        let view = w.state.person(p).unwrap();
        view.same_as.iter().map(|s| s.person.to_string()).collect()
    };
    assert_eq!(others(&w, "P-1"), ["P-2"]);
    assert_eq!(others(&w, "P-2"), ["P-1"]);
    w.refused(vec![link("P-2", "P-1", None)], Rule::UniqueId);
    // P-3 handed to DEST: now apart, the link must open the discrepancy.
    w.ok(vec![EventKind::CustodyHandedOver {
        person: PersonId::new("P-3"),
        from: CustodianId::new("ORIG"),
        to: CustodianId::new("DEST"),
        reason: None,
        capacity_override: None,
        signatures: vec![],
    }]);
    w.refused(vec![link("P-3", "P-1", None)], Rule::IdentityConflict);
    w.ok(vec![link("P-3", "P-1", Some("D-9"))]);
    let d = w.state.discrepancy("D-9").unwrap();
    assert_eq!(d.kind, DiscrepancyKind::DuplicateRecord);
    assert_eq!(d.persons, [PersonId::new("P-3"), PersonId::new("P-1")]);
    assert_eq!(w.state.counter("registered"), 3, "nothing is merged away");
}

/// A roster row linked to the wrong person is withdrawn from them: it is
/// registered as the new person it is, from its own record, at the
/// facility whose roster listed it, or recorded against another person;
/// the discrepancy the link opened is resolved with it, and the review
/// that linked it stands as the new decision. Both events stay.
#[test]
fn a_wrong_roster_link_is_withdrawn_and_the_row_is_registered_from_its_own_record() {
    use rollcall_core::review::{ReviewDecision, ReviewStatus};
    let mut w = World::new();
    // R-1, listed by DEST, linked to P-1 (held at ORIG): a discrepancy.
    w.ok(vec![EventKind::RosterRowLinked {
        person: PersonId::new("P-1"),
        source: row("R-1"),
        record: man("Ahmad of the DEST roster"),
        custodian: CustodianId::new("DEST"),
        probability_ppm: 990_000,
        fields: vec![],
        discrepancy: Some(DiscrepancyId::new("D-1")),
    }]);
    assert_eq!(w.state.person("P-1").unwrap().linked_rows.len(), 1);
    let at_link = w.clock;
    let unlink =
        |person: &str, record_id: &str, decision: ReviewDecision| EventKind::RosterRowUnlinked {
            person: PersonId::new(person),
            source: row(record_id),
            decision,
            reason: "another mother's name on the card".into(),
            discrepancy: None,
            capacity_override: None,
        };
    let new = |p: &str| ReviewDecision::NewPerson {
        person: PersonId::new(p),
    };
    // Only the person the row is linked to, and only a linked row.
    w.refused(vec![unlink("P-2", "R-1", new("P-7"))], Rule::KnownRecord);
    w.refused(vec![unlink("P-1", "R-9", new("P-7"))], Rule::KnownRecord);
    // No reason, no withdrawal; never back to the same person; never
    // onto an id already registered.
    let mut silent = unlink("P-1", "R-1", new("P-7"));
    if let EventKind::RosterRowUnlinked { reason, .. } = &mut silent {
        reason.clear();
    }
    w.refused(vec![silent], Rule::ReasonRequired);
    w.refused(
        vec![unlink(
            "P-1",
            "R-1",
            ReviewDecision::SamePerson {
                person: PersonId::new("P-1"),
            },
        )],
        Rule::InvalidValue,
    );
    w.refused(vec![unlink("P-1", "R-1", new("P-2"))], Rule::UniqueId);
    // Not before the link.
    let err = w
        .try_at(vec![unlink("P-1", "R-1", new("P-7"))], at_link - 1)
        .unwrap_err();
    assert_eq!(err.rule, Rule::TimeOrder, "{err}");

    let registered = w.state.counter("registered");
    let dest = w.state.custodian("DEST").unwrap().occupancy;
    w.ok(vec![unlink("P-1", "R-1", new("P-7"))]);
    let p7 = w.state.person("P-7").expect("registered from the row");
    assert_eq!(p7.record.names.full, "Ahmad of the DEST roster");
    assert_eq!(p7.custody.custodian.as_str(), "DEST");
    assert_eq!(w.state.counter("registered"), registered + 1);
    assert_eq!(w.state.custodian("DEST").unwrap().occupancy, dest + 1);
    assert!(w.state.person("P-1").unwrap().linked_rows.is_empty());
    assert_eq!(
        w.state.roster_row("dest-intake", "R-1").map(String::as_str),
        Some("P-7")
    );
    let d = w.state.discrepancy("D-1").unwrap();
    assert_eq!(d.status, DiscrepancyStatus::Resolved);
    assert!(
        d.resolution
            .as_deref()
            .unwrap()
            .contains("is not person P-1"),
        "{:?}",
        d.resolution
    );
    // The row is P-7's own registration now: it cannot be withdrawn again.
    w.refused(vec![unlink("P-7", "R-1", new("P-8"))], Rule::KnownRecord);
    w.refused(vec![unlink("P-1", "R-1", new("P-8"))], Rule::KnownRecord);
    // Both people have the withdrawal in their history.
    let last = w.state.next_seq() - 1;
    assert_eq!(w.state.person("P-1").unwrap().history.last(), Some(&last));
    assert_eq!(w.state.person("P-7").unwrap().history.last(), Some(&last));

    // A row linked by a review, withdrawn onto another person held
    // elsewhere: that needs its own discrepancy, and the review stands as
    // the new decision.
    w.ok(vec![EventKind::MatchReviewOpened {
        review: ReviewId::new("RV-1"),
        source: row("R-2"),
        record: man("uncertain"),
        custodian: CustodianId::new("ORIG"),
        candidates: vec![candidate("P-2", 800_000)],
    }]);
    w.ok(vec![EventKind::MatchReviewDecided {
        review: ReviewId::new("RV-1"),
        decision: ReviewDecision::SamePerson {
            person: PersonId::new("P-2"),
        },
        reason: "looked alike".into(),
        discrepancy: None,
        capacity_override: None,
    }]);
    let onto = |d: Option<&str>| EventKind::RosterRowUnlinked {
        person: PersonId::new("P-2"),
        source: row("R-2"),
        decision: ReviewDecision::SamePerson {
            person: PersonId::new("P-7"),
        },
        reason: "the card names P-7".into(),
        discrepancy: d.map(DiscrepancyId::new),
        capacity_override: None,
    };
    // P-7 is at DEST, the roster is ORIG's.
    w.refused(vec![onto(None)], Rule::IdentityConflict);
    w.ok(vec![onto(Some("D-2"))]);
    assert_eq!(
        w.state.discrepancy("D-2").unwrap().kind,
        DiscrepancyKind::ListedElsewhere
    );
    assert_eq!(w.state.person("P-7").unwrap().linked_rows.len(), 1);
    let r = w.state.review("RV-1").unwrap();
    assert_eq!(r.status, ReviewStatus::SamePerson);
    assert_eq!(r.person.as_ref().map(|p| p.as_str()), Some("P-7"));
    assert_eq!(r.reason.as_deref(), Some("the card names P-7"));
    // Withdrawn again, as a new person: the review says so.
    w.ok(vec![unlink("P-7", "R-2", new("P-8"))]);
    assert_eq!(
        w.state.review("RV-1").unwrap().status,
        ReviewStatus::NewPerson
    );
    assert_eq!(
        w.state.person("P-8").unwrap().custody.custodian.as_str(),
        "ORIG"
    );
    assert_eq!(
        w.state.discrepancy("D-2").unwrap().status,
        DiscrepancyStatus::Resolved
    );
    w.state.check_invariants().unwrap();
}

/// Two records linked as one person that are two people: the link is
/// withdrawn from both, the duplicate_record discrepancy it opened is
/// resolved, and they may be linked again later if it turns out so.
#[test]
fn a_wrong_link_of_two_records_is_withdrawn_from_both() {
    let mut w = World::new();
    w.ok(vec![EventKind::CustodyHandedOver {
        person: PersonId::new("P-2"),
        from: CustodianId::new("ORIG"),
        to: CustodianId::new("DEST"),
        reason: None,
        capacity_override: None,
        signatures: vec![],
    }]);
    w.ok(vec![EventKind::PeopleLinked {
        person: PersonId::new("P-1"),
        same_as: PersonId::new("P-2"),
        reason: "same photograph".into(),
        discrepancy: Some(DiscrepancyId::new("D-3")),
    }]);
    let at_link = w.clock;
    let unlink = |a: &str, b: &str, reason: &str| EventKind::PeopleUnlinked {
        person: PersonId::new(a),
        same_as: PersonId::new(b),
        reason: reason.into(),
    };
    w.refused(vec![unlink("P-1", "P-3", "no")], Rule::KnownRecord);
    w.refused(vec![unlink("P-1", "P-9", "no")], Rule::KnownPerson);
    w.refused(vec![unlink("P-1", "P-2", " ")], Rule::ReasonRequired);
    let err = w
        .try_at(vec![unlink("P-1", "P-2", "twins")], at_link - 1)
        .unwrap_err();
    assert_eq!(err.rule, Rule::TimeOrder, "{err}");
    // Either record names the link.
    w.ok(vec![unlink("P-2", "P-1", "twins: fingerprints differ")]);
    assert!(w.state.person("P-1").unwrap().same_as.is_empty());
    assert!(w.state.person("P-2").unwrap().same_as.is_empty());
    let d = w.state.discrepancy("D-3").unwrap();
    assert_eq!(d.status, DiscrepancyStatus::Resolved);
    assert_eq!(d.resolved_by.as_ref().map(|u| u.as_str()), Some("officer"));
    w.refused(vec![unlink("P-1", "P-2", "again")], Rule::KnownRecord);
    // Linked again later, apart: a new discrepancy.
    w.ok(vec![EventKind::PeopleLinked {
        person: PersonId::new("P-1"),
        same_as: PersonId::new("P-2"),
        reason: "the fingerprint lab erred".into(),
        discrepancy: Some(DiscrepancyId::new("D-4")),
    }]);
    assert_eq!(w.state.counter("registered"), 3);
    w.state.check_invariants().unwrap();
}
