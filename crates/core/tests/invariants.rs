//! Property tests: random sequences of raw events of every kind — valid and
//! invalid, alone and several to a batch, with juveniles, high-risk people,
//! medical needs, separation groups, hospitals, foreign representatives,
//! conflicting handovers in one batch and time going backwards — keep every
//! guarantee, and a refused batch leaves the state exactly as it was.

use proptest::prelude::*;
use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::discrepancy::{DiscrepancyKind, Severity};
use rollcall_core::escort::EscortRecord;
use rollcall_core::judicial::{CaseOutcome, Recipient};
use rollcall_core::manifest_rules::{self, Traveller, Trip};
use rollcall_core::movement::{Mode, MovementStatus, Seat, Vehicle, VehicleKind};
use rollcall_core::person::{Category, Flags, Names, PersonRecord, RiskLevel, Sex};
use rollcall_core::state::index::{IndexChange, IndexEntry};
use rollcall_core::state::residency::{Miss, bucket_of};
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::*;
use std::collections::{HashMap, HashSet};

fn actor() -> Actor {
    Actor {
        user: UserId::new("tester"),
        node: NodeId::new("node-a"),
    }
}

fn ts(seq: u64) -> Timestamp {
    Timestamp::from_second(1_760_000_000 + seq as i64 * 60).unwrap()
}

fn minutes(m: i64) -> Timestamp {
    Timestamp::from_second(1_760_000_000 + m * 60).unwrap()
}

fn facility(name: &str, capacity: u32, categories: Vec<Category>) -> CustodianKind {
    facility_of(name, capacity, categories, SecurityLevel::Maximum)
}

fn facility_of(
    name: &str,
    capacity: u32,
    categories: Vec<Category>,
    security: SecurityLevel,
) -> CustodianKind {
    CustodianKind::Facility(Facility {
        name: name.into(),
        authority: "Ministry".into(),
        country: Country::parse("IQ").unwrap(),
        coordinates: Coordinates {
            lat: 33.3,
            lon: 44.4,
        },
        time_zone: "Asia/Baghdad".into(),
        security,
        capacity,
        categories,
    })
}

const FACILITIES: [&str; 3] = ["F-A", "F-B", "F-C"];
/// Custodians by index: facilities, `released`, a hospital, two foreign
/// representatives, then the movements planned so far.
const OTHERS: [&str; 4] = ["released", "H-1", "REP-SY", "REP-IQ"];

/// A person's handling attributes, as generated.
#[derive(Debug, Clone, Default)]
struct Attrs {
    female: bool,
    juvenile: bool,
    high_risk: bool,
    medical: bool,
    groups: Vec<&'static str>,
    syrian: bool,
}

fn attrs() -> impl Strategy<Value = Attrs> {
    (
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.15),
        prop::sample::subsequence(vec!["G1", "G2"], 0..=2),
        any::<bool>(),
    )
        .prop_map(
            |(female, juvenile, high_risk, medical, groups, syrian)| Attrs {
                female,
                juvenile,
                high_risk,
                medical,
                groups,
                syrian,
            },
        )
}

fn record(person: u8, a: &Attrs) -> PersonRecord {
    PersonRecord {
        names: Names {
            full: format!("Person {person}"),
            ..Default::default()
        },
        sex: if a.female { Sex::Female } else { Sex::Male },
        nationalities: vec![Country::parse(if a.syrian { "SY" } else { "IQ" }).unwrap()],
        flags: Flags {
            juvenile: a.juvenile,
            medical_needs: a.medical,
        },
        risk: if a.high_risk {
            RiskLevel::High
        } else {
            RiskLevel::Low
        },
        separation_groups: a.groups.iter().map(|g| g.to_string()).collect(),
        ..Default::default()
    }
}

/// One step the driver turns into raw events against the current state.
#[derive(Debug, Clone)]
enum Op {
    Register {
        person: u8,
        at: u8,
        a: Attrs,
    },
    Correct {
        person: u8,
        a: Attrs,
        open: bool,
    },
    Handover {
        person: u8,
        from: u8,
        to: u8,
    },
    Hospital {
        person: u8,
        from: u8,
    },
    Release {
        person: u8,
        from: u8,
    },
    Escape {
        person: u8,
    },
    Recapture {
        person: u8,
        by: u8,
    },
    Die {
        person: u8,
    },
    Plan {
        persons: Vec<u8>,
        from: u8,
        to: u8,
        air: bool,
        medic: bool,
        raw: bool,
    },
    ConfirmAll {
        movement: u8,
    },
    Escort {
        movement: u8,
        person: u8,
        step: u8,
    },
    Depart {
        movement: u8,
        drop: u8,
        raw: bool,
    },
    Checkpoint {
        movement: u8,
        count: u8,
    },
    Position {
        movement: u8,
        lat: i8,
    },
    Arrive {
        movement: u8,
        skip: u8,
    },
    RawArrival {
        movement: u8,
        step: u8,
    },
    Admit {
        person: u8,
        movement: u8,
        to: u8,
    },
    Abort {
        movement: u8,
        to: u8,
    },
    Case {
        person: u8,
        step: u8,
    },
    Notify {
        person: u8,
        ack: bool,
    },
    Repatriate {
        person: u8,
        step: u8,
        to: u8,
    },
    Discrepancy {
        step: u8,
        person: u8,
    },
    Custodian {
        kind: u8,
    },
    /// Identity matching: a roster row (one of a few, so rows recur)
    /// registered, linked to a person (held at the roster's facility or
    /// not, with or without the discrepancy that needs), put in review, or
    /// a review decided (for a candidate, someone else, or a new person).
    Match {
        row: u8,
        person: u8,
        at: u8,
        step: u8,
        flip: bool,
    },
    /// Two records linked as one person (with the discrepancy exactly when
    /// their custodians differ, unless `flip`).
    Same {
        a: u8,
        b: u8,
        flip: bool,
    },
    /// A link withdrawn: a roster row linked to a person (the row's
    /// person registered anew, or recorded against another person, with
    /// the discrepancy exactly when they are held elsewhere, unless
    /// `flip`), or two records linked as one. Rows and pairs are taken
    /// from the state when there are some, so most of these are accepted;
    /// `flip` also names an id already taken, or a row not linked.
    Unlink {
        row: u8,
        person: u8,
        step: u8,
        flip: bool,
    },
    /// Several steps built against the same state and applied as one batch.
    Batch(Vec<Op>),
}

fn simple_op() -> impl Strategy<Value = Op> {
    let p = || 0u8..9;
    let c = || 0u8..10;
    let m = || 0u8..3;
    prop_oneof![
        6 => (p(), 0u8..3, attrs()).prop_map(|(person, at, a)| Op::Register { person, at, a }),
        1 => (p(), attrs(), any::<bool>()).prop_map(|(person, a, open)| Op::Correct { person, a, open }),
        3 => (p(), c(), c()).prop_map(|(person, from, to)| Op::Handover { person, from, to }),
        1 => (p(), c()).prop_map(|(person, from)| Op::Hospital { person, from }),
        1 => (p(), c()).prop_map(|(person, from)| Op::Release { person, from }),
        1 => p().prop_map(|person| Op::Escape { person }),
        1 => (p(), c()).prop_map(|(person, by)| Op::Recapture { person, by }),
        1 => p().prop_map(|person| Op::Die { person }),
        4 => (prop::collection::vec(p(), 1..5), 0u8..3, 0u8..3, prop::bool::weighted(0.2), any::<bool>(), prop::bool::weighted(0.3))
            .prop_map(|(persons, from, to, air, medic, raw)| Op::Plan { persons, from, to, air, medic, raw }),
        4 => m().prop_map(|movement| Op::ConfirmAll { movement }),
        1 => (m(), p(), 0u8..4).prop_map(|(movement, person, step)| Op::Escort { movement, person, step }),
        4 => (m(), 0u8..4, prop::bool::weighted(0.3)).prop_map(|(movement, drop, raw)| Op::Depart { movement, drop, raw }),
        1 => (m(), 0u8..5).prop_map(|(movement, count)| Op::Checkpoint { movement, count }),
        1 => (m(), any::<i8>()).prop_map(|(movement, lat)| Op::Position { movement, lat }),
        3 => (m(), 0u8..3).prop_map(|(movement, skip)| Op::Arrive { movement, skip }),
        1 => (m(), 0u8..3).prop_map(|(movement, step)| Op::RawArrival { movement, step }),
        1 => (p(), m(), 0u8..3).prop_map(|(person, movement, to)| Op::Admit { person, movement, to }),
        1 => (m(), c()).prop_map(|(movement, to)| Op::Abort { movement, to }),
        1 => (p(), 0u8..4).prop_map(|(person, step)| Op::Case { person, step }),
        1 => (p(), any::<bool>()).prop_map(|(person, ack)| Op::Notify { person, ack }),
        2 => (p(), 0u8..4, 0u8..2).prop_map(|(person, step, to)| Op::Repatriate { person, step, to }),
        1 => (0u8..3, p()).prop_map(|(step, person)| Op::Discrepancy { step, person }),
        1 => (0u8..5).prop_map(|kind| Op::Custodian { kind }),
        4 => (0u8..3, p(), 0u8..3, 0u8..6, prop::bool::weighted(0.2))
            .prop_map(|(row, person, at, step, flip)| Op::Match { row, person, at, step, flip }),
        1 => (p(), p(), prop::bool::weighted(0.2)).prop_map(|(a, b, flip)| Op::Same { a, b, flip }),
        2 => (0u8..6, p(), 0u8..3, prop::bool::weighted(0.2))
            .prop_map(|(row, person, step, flip)| Op::Unlink { row, person, step, flip }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => simple_op(),
        1 => prop::collection::vec(simple_op(), 2..4).prop_map(Op::Batch),
    ]
}

fn pid(i: u8) -> PersonId {
    PersonId(format!("P-{i}"))
}

fn movements(state: &State) -> Vec<String> {
    state.movements().map(|(k, _)| k.clone()).collect()
}

fn custodian(i: u8, state: &State) -> CustodianId {
    match i {
        0..=2 => CustodianId::new(FACILITIES[i as usize]),
        3..=6 => CustodianId::new(OTHERS[i as usize - 3]),
        _ => {
            let ms = movements(state);
            ms.get((i as usize - 7) % ms.len().max(1))
                .map(|m| CustodianId::new(m.as_str()))
                .unwrap_or_else(|| CustodianId::new("nowhere"))
        }
    }
}

fn movement_id(i: u8, state: &State) -> MovementId {
    let ms = movements(state);
    ms.get(i as usize % ms.len().max(1))
        .map(|m| MovementId::new(m.as_str()))
        .unwrap_or_else(|| MovementId::new("M-none"))
}

fn current_custodian(person: u8, state: &State) -> CustodianId {
    state
        .person(&format!("P-{person}"))
        .map(|p| p.custody.custodian.clone())
        .unwrap_or_else(|| CustodianId::new("F-A"))
}

fn complete_record() -> EscortRecord {
    use rollcall_core::escort::Risks;
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

/// Ids minted by the driver (unique across the run).
#[derive(Default)]
struct Ids {
    n: u32,
}

impl Ids {
    fn next(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}-{}", self.n)
    }
}

fn roster_row(row: u8) -> rollcall_core::person::SourceRow {
    rollcall_core::person::SourceRow {
        roster: "intake".into(),
        record_id: format!("ROW-{row}"),
        line: Some(u64::from(row) + 2),
    }
}

/// The events of [`Op::Unlink`]. With no link to withdraw, the batch
/// links two registered people (or a row to one) first, so that most
/// withdrawals are tried against a link made earlier in their own batch.
fn unlink_kinds(
    state: &State,
    ids: &mut Ids,
    (row, person, step, flip): (u8, u8, u8, bool),
) -> Vec<EventKind> {
    use rollcall_core::person::SourceRow;
    use rollcall_core::review::ReviewDecision;
    let registered: Vec<(PersonId, CustodianId)> = state
        .persons()
        .map(|(id, v)| (PersonId(id.clone()), v.custody.custodian.clone()))
        .collect();
    let pick = |i: u8| {
        registered
            .get(usize::from(i) % registered.len().max(1))
            .cloned()
    };
    let mut kinds = Vec::new();
    if step == 2 {
        let linked: Vec<(PersonId, PersonId)> = state
            .persons()
            .flat_map(|(id, v)| {
                v.same_as
                    .iter()
                    .map(move |o| (PersonId(id.clone()), o.person.clone()))
            })
            .collect();
        let (a, b) = match linked.get(usize::from(row) % linked.len().max(1)) {
            Some(pair) if !flip => pair.clone(),
            _ => match (pick(person), pick(person + 1 + row)) {
                (Some((a, at_a)), Some((b, at_b))) if !flip && a != b => {
                    kinds.push(EventKind::PeopleLinked {
                        person: a.clone(),
                        same_as: b.clone(),
                        reason: "same photograph".into(),
                        discrepancy: (at_a != at_b).then(|| DiscrepancyId(ids.next("D-U"))),
                    });
                    (a, b)
                }
                _ => (pid(person), pid((person + 1) % 9)),
            },
        };
        kinds.push(EventKind::PeopleUnlinked {
            person: a,
            same_as: b,
            reason: "fingerprints differ".into(),
        });
        return kinds;
    }
    let rows: Vec<(PersonId, SourceRow, CustodianId)> = state
        .persons()
        .flat_map(|(id, v)| {
            v.linked_rows
                .iter()
                .map(move |r| (PersonId(id.clone()), r.source.clone(), r.custodian.clone()))
        })
        .collect();
    let (from, source, facility) = match rows.get(usize::from(row) % rows.len().max(1)) {
        Some(r) if !flip => r.clone(),
        _ => match pick(person + row) {
            Some((p, at)) if !flip => {
                // A row of the facility holding them, or of another one.
                let facility = if row % 2 == 0 {
                    at.clone()
                } else {
                    CustodianId::new(FACILITIES[usize::from(row) % FACILITIES.len()])
                };
                let source = SourceRow {
                    roster: "recount".into(),
                    record_id: ids.next("RC"),
                    line: None,
                };
                kinds.push(EventKind::RosterRowLinked {
                    person: p.clone(),
                    source: source.clone(),
                    record: record(person, &Attrs::default()),
                    custodian: facility.clone(),
                    probability_ppm: 990_000,
                    fields: vec![],
                    discrepancy: (facility != at).then(|| DiscrepancyId(ids.next("D-U"))),
                });
                (p, source, facility)
            }
            _ => (
                pid(person),
                roster_row(row),
                CustodianId::new(FACILITIES[0]),
            ),
        },
    };
    let (decision, discrepancy) = if step == 0 {
        let new = if flip {
            pid(person)
        } else {
            PersonId(ids.next("P-U"))
        };
        (ReviewDecision::NewPerson { person: new }, None)
    } else {
        let (other, held) = match pick(person) {
            Some(o) if !flip => o,
            _ => (pid(person), CustodianId::new("none")),
        };
        (
            ReviewDecision::SamePerson { person: other },
            (held != facility).then(|| DiscrepancyId(ids.next("D-U"))),
        )
    };
    kinds.push(EventKind::RosterRowUnlinked {
        person: from,
        source,
        decision,
        reason: "the card names someone else".into(),
        discrepancy,
        capacity_override: None,
    });
    kinds
}

/// The events of [`Op::Match`]: mostly what a careful importer would
/// write (a discrepancy exactly when the person is held elsewhere), with
/// `flip` the opposite, and reviews decided for a candidate or not.
fn match_kinds(
    state: &State,
    ids: &mut Ids,
    (row, person, at, step, flip): (u8, u8, u8, u8, bool),
) -> Vec<EventKind> {
    use rollcall_core::review::{MatchEvidence, ReviewDecision};
    let custodian = CustodianId::new(FACILITIES[at as usize % FACILITIES.len()]);
    let elsewhere = state
        .person(&format!("P-{person}"))
        .is_some_and(|p| p.custody.custodian != custodian);
    let discrepancy = (elsewhere != flip).then(|| DiscrepancyId(ids.next("D-M")));
    let review = ReviewId(format!("RV-{row}"));
    let evidence = |p: u8, ppm: u32| MatchEvidence {
        person: pid(p),
        probability_ppm: ppm,
        fields: vec![rollcall_core::review::FieldEvidence {
            field: "given_name".into(),
            level: "exact".into(),
            weight_centibits: 300,
        }],
    };
    vec![match step {
        0 => EventKind::PersonRegistered {
            person: PersonId(ids.next("P-M")),
            record: record(person, &Attrs::default()),
            custodian,
            source: Some(roster_row(row)),
            capacity_override: None,
        },
        1 => EventKind::RosterRowLinked {
            person: pid(person),
            source: roster_row(row + 1),
            record: record(person, &Attrs::default()),
            custodian,
            probability_ppm: 990_000,
            fields: vec![],
            discrepancy,
        },
        2 => EventKind::MatchReviewOpened {
            review: ReviewId(ids.next("RV")),
            source: roster_row(row + 2),
            record: record(person, &Attrs::default()),
            custodian,
            // The candidates the matcher found: registered people only
            // (but for `flip`).
            candidates: [person, (person + 1) % 9, (person + 2) % 9]
                .into_iter()
                .filter(|p| flip || state.person(&format!("P-{p}")).is_some())
                .take(2)
                .map(|p| evidence(p, 800_000))
                .collect(),
        },
        3 | 4 => {
            // The pending review of this row, if there is one.
            // A pending review (rows recur, so there often is one).
            let pending: Vec<ReviewId> = (0..6)
                .filter_map(|r| state.roster_row("intake", &format!("ROW-{r}")))
                .filter(|r| r.starts_with("RV-"))
                .map(|r| ReviewId(r.clone()))
                .collect();
            let pending = pending
                .get(usize::from(row) % pending.len().max(1))
                .cloned()
                .unwrap_or(review);
            let candidate = state
                .review(pending.as_str())
                .and_then(|r| r.candidates.get(usize::from(flip)))
                .map(|c| c.person.clone())
                .unwrap_or_else(|| pid(person));
            let elsewhere = state.person(candidate.as_str()).is_some_and(|p| {
                state
                    .review(pending.as_str())
                    .is_some_and(|r| r.custodian != p.custody.custodian)
            });
            EventKind::MatchReviewDecided {
                review: pending,
                decision: ReviewDecision::SamePerson { person: candidate },
                reason: "checked the papers".into(),
                discrepancy: elsewhere.then(|| DiscrepancyId(ids.next("D-M"))),
                capacity_override: None,
            }
        }
        _ => {
            let pending = (0..6)
                .filter_map(|r| state.roster_row("intake", &format!("ROW-{r}")))
                .find(|r| r.starts_with("RV-") || flip)
                .map(|r| ReviewId(r.clone()))
                .unwrap_or(review);
            EventKind::MatchReviewDecided {
                review: pending,
                decision: ReviewDecision::NewPerson {
                    person: if flip {
                        pid(person)
                    } else {
                        PersonId(ids.next("P-M"))
                    },
                },
                reason: "nobody registered is them".into(),
                discrepancy: None,
                capacity_override: None,
            }
        }
    }]
}

fn to_kinds(op: &Op, state: &State, ids: &mut Ids) -> Vec<EventKind> {
    match op {
        Op::Register { person, at, a } => vec![EventKind::PersonRegistered {
            person: pid(*person),
            record: record(*person, a),
            custodian: custodian(*at, state),
            source: None,
            capacity_override: None,
        }],
        Op::Correct { person, a, open } => {
            let Some(view) = state.person(&format!("P-{person}")) else {
                return vec![];
            };
            let target = view.record_events.last().unwrap().clone();
            let mut kinds = ops::correct(
                state,
                &pid(*person),
                target,
                record(*person, a),
                "assessed again",
            );
            // Sometimes the raw event, with or without a discrepancy.
            if let Some(EventKind::PersonRecordCorrected { discrepancy, .. }) = kinds.first_mut()
                && *open != discrepancy.is_some()
                && ids.n.is_multiple_of(2)
            {
                *discrepancy = open.then(|| DiscrepancyId(ids.next("D-X")));
            }
            kinds
        }
        Op::Handover { person, from, to } => vec![EventKind::CustodyHandedOver {
            person: pid(*person),
            from: if *from == 9 {
                current_custodian(*person, state)
            } else {
                custodian(*from, state)
            },
            to: custodian(*to, state),
            reason: None,
            capacity_override: None,
            signatures: vec![],
        }],
        Op::Hospital { person, from } => vec![EventKind::TakenToHospital {
            person: pid(*person),
            from: if *from > 6 {
                current_custodian(*person, state)
            } else {
                custodian(*from, state)
            },
            hospital: CustodianId::new(if *from == 0 { "F-B" } else { "H-1" }),
            reason: if *from == 1 {
                String::new()
            } else {
                "fever".into()
            },
        }],
        Op::Release { person, from } => vec![EventKind::PersonReleased {
            person: pid(*person),
            from: if *from > 4 {
                current_custodian(*person, state)
            } else {
                custodian(*from, state)
            },
            authority: if *from == 1 {
                String::new()
            } else {
                "court".into()
            },
            reason: "acquitted".into(),
        }],
        Op::Escape { person } => ops::escape(
            state,
            &pid(*person),
            &current_custodian(*person, state),
            "over the wall",
        ),
        Op::Recapture { person, by } => vec![EventKind::PersonRecaptured {
            person: pid(*person),
            by: custodian(*by, state),
        }],
        Op::Die { person } => vec![EventKind::DiedInCustody {
            person: pid(*person),
            custodian: current_custodian(*person, state),
            cause: None,
        }],
        Op::Plan {
            persons,
            from,
            to,
            air,
            medic,
            raw,
        } => {
            let mode = if *air { Mode::Air } else { Mode::Land };
            let free_at = |c: &CustodianId| -> Vec<PersonId> {
                state
                    .persons()
                    .filter(|(_, v)| {
                        &v.custody.custodian == c
                            && v.custody.status == CustodyStatus::Held
                            && v.custody.movement.is_none()
                    })
                    .map(|(id, _)| PersonId::new(id.as_str()))
                    .collect()
            };
            // Mostly from a facility where someone is free to go, to another.
            let from = if *raw {
                *from
            } else {
                (0..3)
                    .map(|k| (*from + k) % 3)
                    .find(|&f| !free_at(&custodian(f, state)).is_empty())
                    .unwrap_or(*from)
            };
            let to = if *raw { *to } else { (from + 1 + *to % 2) % 3 };
            let kind = |k| if *air { VehicleKind::Aircraft } else { k };
            let req = ops::PlanRequest {
                movement: MovementId(ids.next("MV")),
                mode,
                origin: custodian(from, state),
                destination: custodian(to, state),
                planned_departure: ts(0),
                vehicles: vec![
                    Vehicle {
                        id: "V1".into(),
                        kind: kind(VehicleKind::Bus),
                        seats: 2,
                        armored: false,
                    },
                    Vehicle {
                        id: "V2".into(),
                        kind: kind(VehicleKind::Armored),
                        seats: 2,
                        armored: !*air,
                    },
                ],
                escort: vec!["escort".into()],
                medic: *medic,
                // Mostly people held at the origin and free to go; sometimes
                // anyone.
                people: if *raw {
                    persons.iter().map(|p| pid(*p)).collect()
                } else {
                    let free = free_at(&custodian(from, state));
                    let skip = persons[0] as usize % free.len().max(1);
                    free.into_iter()
                        .cycle()
                        .skip(skip)
                        .take(persons.len())
                        .collect::<HashSet<_>>()
                        .into_iter()
                        .collect()
                },
                route: vec![],
            };
            let planned = if *raw && persons.len() > 2 {
                Err(())
            } else {
                ops::plan(state, &req).map_err(|_| ())
            };
            // When the planner refuses (or on purpose), the raw event with
            // everyone in one vehicle: the rules must refuse it or hold.
            planned.unwrap_or_else(|_| {
                vec![EventKind::MovementPlanned {
                    movement: req.movement.clone(),
                    mode: req.mode,
                    origin: req.origin.clone(),
                    destination: req.destination.clone(),
                    planned_departure: req.planned_departure,
                    vehicles: req.vehicles.clone(),
                    escort: req.escort.clone(),
                    medic: req.medic,
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
        Op::ConfirmAll { movement } => {
            let id = movement_id(*movement, state);
            let Some(m) = state.movement(id.as_str()) else {
                return vec![];
            };
            m.people()
                .flat_map(|p| {
                    [
                        EventKind::EscortRecordUpdated {
                            movement: id.clone(),
                            person: p.clone(),
                            record: complete_record(),
                        },
                        EventKind::EscortRecordConfirmed {
                            movement: id.clone(),
                            person: p.clone(),
                        },
                    ]
                })
                .collect()
        }
        Op::Escort {
            movement,
            person,
            step,
        } => {
            let movement = movement_id(*movement, state);
            let person = pid(*person);
            vec![match step {
                0 => EventKind::EscortRecordStarted {
                    movement,
                    person,
                    record: EscortRecord::default(),
                },
                1 => EventKind::EscortRecordUpdated {
                    movement,
                    person,
                    record: complete_record(),
                },
                2 => EventKind::EscortRecordConfirmed { movement, person },
                _ => EventKind::EscortRecordHandedOver {
                    to: current_custodian(0, state),
                    movement,
                    person,
                },
            }]
        }
        Op::Depart {
            movement,
            drop,
            raw,
        } => {
            let id = movement_id(*movement, state);
            let Some(m) = state.movement(id.as_str()) else {
                return vec![];
            };
            let boarded: Vec<PersonId> = m.people().skip(*drop as usize % 2).cloned().collect();
            if *raw {
                vec![EventKind::MovementDeparted {
                    movement: id,
                    headcount: boarded.len() as u32 + u32::from(*drop),
                    boarded: m.people().cloned().collect(),
                    signatures: vec![],
                }]
            } else {
                ops::depart(state, &id, boarded.len() as u32, &boarded, "ops")
                    .unwrap_or_else(|_| vec![])
            }
        }
        Op::Checkpoint { movement, count } => vec![EventKind::MovementCheckpointPassed {
            movement: movement_id(*movement, state),
            place: "bridge".into(),
            count: u32::from(*count),
        }],
        Op::Position { movement, lat } => vec![EventKind::MovementPositionReported {
            movement: movement_id(*movement, state),
            lat: f64::from(*lat),
            lon: 44.0,
        }],
        Op::Arrive { movement, skip } => {
            let id = movement_id(*movement, state);
            let aboard = ops::on_board(state, &id);
            let presented: Vec<ops::Presented> = aboard
                .iter()
                .skip(*skip as usize % 2)
                .map(|p| ops::Presented::id(p.as_str()))
                .chain((*skip == 2).then(|| ops::Presented::id("P-stranger")))
                .collect();
            ops::arrive(state, &id, &presented, "ops").unwrap_or_else(|_| vec![])
        }
        Op::RawArrival { movement, step } => {
            let movement = movement_id(*movement, state);
            vec![match step {
                0 => EventKind::MovementArrived { movement },
                1 => EventKind::MovementReconciled {
                    movement,
                    admitted: 0,
                    missing: vec![],
                    extra: vec![],
                    mismatched: vec![],
                },
                _ => {
                    let missing = ops::on_board(state, &movement);
                    EventKind::MovementReconciled {
                        admitted: state
                            .movement(movement.as_str())
                            .map(|m| m.admitted.len() as u32)
                            .unwrap_or(0),
                        movement,
                        missing,
                        extra: vec![],
                        mismatched: vec![],
                    }
                }
            }]
        }
        Op::Admit {
            person,
            movement,
            to,
        } => vec![EventKind::PersonAdmitted {
            person: pid(*person),
            movement: movement_id(*movement, state),
            facility: custodian(*to, state),
            capacity_override: None,
            signatures: vec![],
        }],
        Op::Abort { movement, to } => ops::abort(
            state,
            &movement_id(*movement, state),
            &custodian(*to, state),
            "road closed",
        )
        .unwrap_or_else(|_| vec![]),
        Op::Case { person, step } => {
            let case = CaseId(format!("C-{person}"));
            vec![match step {
                0 => EventKind::CaseOpened {
                    case,
                    person: pid(*person),
                    committee: "first".into(),
                    legal_basis: "art. 4".into(),
                    first_appearance_due: ts(100),
                },
                1 => EventKind::HearingHeld {
                    case,
                    judge: "judge".into(),
                    summary: "adjourned".into(),
                    next_review_due: Some(ts(200)),
                },
                2 => EventKind::ChargeBrought {
                    case,
                    charge: "membership".into(),
                    article: "art. 4".into(),
                },
                _ => EventKind::CaseOutcomeRecorded {
                    case,
                    outcome: CaseOutcome::Acquitted,
                },
            }]
        }
        Op::Notify { person, ack } => {
            let notification = NotificationId(format!("N-{person}"));
            vec![if *ack {
                EventKind::NotificationAcknowledged {
                    notification,
                    by: "family".into(),
                }
            } else {
                EventKind::NotificationSent {
                    notification,
                    person: pid(*person),
                    recipient: Recipient::Family {
                        contact: "brother".into(),
                    },
                    channel: "phone".into(),
                    subject: "transferred".into(),
                }
            }]
        }
        Op::Repatriate { person, step, to } => {
            let repatriation = RepatriationId(format!("R-{person}"));
            vec![match step {
                0 => EventKind::RepatriationRequested {
                    repatriation,
                    person: pid(*person),
                    state: Country::parse(if *to == 0 { "SY" } else { "IQ" }).unwrap(),
                },
                1 => EventKind::RepatriationAccepted { repatriation },
                2 => EventKind::RepatriationRefused {
                    repatriation,
                    reason: "no papers".into(),
                },
                _ => EventKind::RepatriationHandedOver {
                    repatriation,
                    from: current_custodian(*person, state),
                    to: CustodianId::new(if *to == 0 { "REP-SY" } else { "REP-IQ" }),
                },
            }]
        }
        Op::Discrepancy { step, person } => {
            let open: Vec<String> = state
                .discrepancies()
                .filter(|(_, d)| d.status == rollcall_core::state::views::DiscrepancyStatus::Open)
                .map(|(k, _)| k.clone())
                .collect();
            let pick = open
                .get(*person as usize % open.len().max(1))
                .cloned()
                .unwrap_or_else(|| "D-none".into());
            vec![match step {
                0 => EventKind::DiscrepancyOpened {
                    discrepancy: DiscrepancyId(ids.next("D-T")),
                    kind: DiscrepancyKind::Other,
                    severity: Severity::Low,
                    summary: "seen".into(),
                    persons: vec![pid(*person)],
                    movement: None,
                    custodian: None,
                    owner: "duty".into(),
                },
                1 => EventKind::DiscrepancyEscalated {
                    discrepancy: DiscrepancyId(pick),
                    severity: Severity::High,
                    owner: "chief".into(),
                    reason: "old".into(),
                },
                _ => EventKind::DiscrepancyResolved {
                    discrepancy: DiscrepancyId(pick),
                    reason: "found".into(),
                },
            }]
        }
        Op::Match {
            row,
            person,
            at,
            step,
            flip,
        } => match_kinds(state, ids, (*row, *person, *at, *step, *flip)),
        Op::Unlink {
            row,
            person,
            step,
            flip,
        } => unlink_kinds(state, ids, (*row, *person, *step, *flip)),
        Op::Same { a, b, flip } => {
            let at = |p: u8| {
                state
                    .person(&format!("P-{p}"))
                    .map(|v| v.custody.custodian.clone())
            };
            let apart = at(*a) != at(*b);
            vec![EventKind::PeopleLinked {
                person: pid(*a),
                same_as: pid(*b),
                reason: "fingerprints match".into(),
                discrepancy: (apart != *flip).then(|| DiscrepancyId(ids.next("D-S"))),
            }]
        }
        Op::Custodian { kind } => {
            let (custodian, info) = match kind {
                0 => (
                    ids.next("F-N"),
                    facility("new", 2, vec![Category::AdultMale]),
                ),
                1 => (ids.next("F-N"), CustodianKind::Movement),
                2 => (ids.next("F-N"), CustodianKind::Released),
                3 => (
                    "F-A".to_string(),
                    facility("again", 2, vec![Category::AdultMale]),
                ),
                _ => {
                    let CustodianKind::Facility(f) = facility("odd", 1, vec![]) else {
                        return vec![];
                    };
                    let coordinates = Coordinates {
                        lat: f64::NAN,
                        lon: 0.0,
                    };
                    (
                        ids.next("F-N"),
                        CustodianKind::Facility(Facility { coordinates, ..f }),
                    )
                }
            };
            vec![EventKind::CustodianRegistered {
                custodian: CustodianId(custodian),
                info,
            }]
        }
        Op::Batch(steps) => steps.iter().flat_map(|s| to_kinds(s, state, ids)).collect(),
    }
}

fn setup() -> (State, Vec<Event>) {
    let mut state = State::new();
    let mut log = Vec::new();
    let custodians = [
        (
            "F-A",
            facility("F-A", 6, vec![Category::AdultMale, Category::AdultFemale]),
        ),
        // Medium security: no high-risk person may be moved or handed there.
        (
            "F-B",
            facility_of("F-B", 3, vec![Category::AdultMale], SecurityLevel::Medium),
        ),
        (
            "F-C",
            facility(
                "F-C",
                5,
                vec![
                    Category::AdultMale,
                    Category::AdultFemale,
                    Category::Juvenile,
                ],
            ),
        ),
        (
            "H-1",
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
        (
            "REP-IQ",
            CustodianKind::ForeignRepresentative {
                country: Country::parse("IQ").unwrap(),
                name: "Iraqi delegation".into(),
            },
        ),
    ];
    for (i, (id, info)) in custodians.into_iter().enumerate() {
        let e = Event::new(
            i as u64,
            ts(i as u64),
            ts(i as u64),
            actor(),
            EventKind::CustodianRegistered {
                custodian: CustodianId::new(id),
                info,
            },
        );
        state.apply(&e).expect("setup");
        log.push(e);
    }
    (state, log)
}

/// The event's kind as its canonical encoding names it.
fn encoded_kind(e: &Event) -> String {
    let v: serde_json::Value = serde_json::from_slice(&e.encode().unwrap()).unwrap();
    v["what"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone()
}

/// What every accepted batch must leave true, beyond `check_invariants`.
fn check_batch(
    state: &State,
    batch: &[Event],
    log: &[Event],
    registered_at: &HashMap<PersonId, Timestamp>,
) {
    // One origin here, so each event's counter is also its position.
    let by_seq = |seq: u64| &log[seq as usize];
    for e in batch {
        assert!(
            e.occurred_at.as_second()
                <= e.recorded_at.as_second() + rollcall_core::limits::FUTURE_SKEW_SECS,
            "event {} dated after it was recorded, beyond the allowed clock skew",
            e.counter
        );
        assert_eq!(e.what.type_name(), encoded_kind(e));
        let mut about: Vec<PersonId> = e.what.persons().into_iter().cloned().collect();
        if let EventKind::RepatriationHandedOver { repatriation, .. } = &e.what {
            about.extend(
                state
                    .repatriation(repatriation.as_str())
                    .map(|r| r.person.clone()),
            );
        }
        for p in about {
            if let Some(view) = state.person(p.as_str()) {
                assert!(
                    view.custody.history.contains(&e.counter),
                    "history of {p} lacks event {}",
                    e.counter
                );
                assert!(
                    e.occurred_at >= registered_at[&p],
                    "event {} about {p} before registration",
                    e.counter
                );
            }
        }
    }
    // A withdrawn link is gone at the end of its batch, and a withdrawn
    // row is recorded as the withdrawal says (the last event: nothing after
    // it in the batch can have linked them again).
    match batch.last().map(|e| &e.what) {
        Some(EventKind::RosterRowUnlinked {
            person,
            source,
            decision,
            ..
        }) => {
            assert_eq!(
                state.roster_row(&source.roster, &source.record_id),
                Some(&decision.person().to_string()),
                "a withdrawn row is recorded as its new decision"
            );
            let from = state.person(person.as_str()).unwrap();
            assert!(!from.linked_rows.iter().any(|r| &r.source == source));
            let to = state.person(decision.person().as_str()).unwrap();
            match decision {
                rollcall_core::review::ReviewDecision::SamePerson { .. } => {
                    assert!(to.linked_rows.iter().any(|r| &r.source == source))
                }
                rollcall_core::review::ReviewDecision::NewPerson { .. } => {
                    assert_eq!(to.record_events.len(), 1)
                }
            }
        }
        Some(EventKind::PeopleUnlinked {
            person, same_as, ..
        }) => {
            for (a, b) in [(person, same_as), (same_as, person)] {
                let view = state.person(a.as_str()).unwrap();
                assert!(!view.same_as.iter().any(|s| &s.person == b));
            }
        }
        _ => {}
    }
    let departed_here: HashSet<&MovementId> = batch
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::MovementDeparted { movement, .. } => Some(movement),
            _ => None,
        })
        .collect();
    // Whoever a movement planned or departed here carries, or a handover
    // here delivered, its facility may receive: category and, for
    // high-risk people, maximum security.
    let receives = |person: &PersonId, to: &CustodianId, what: &str| {
        let Some(CustodianKind::Facility(f)) = state.custodian(to.as_str()).map(|c| &c.info) else {
            return;
        };
        // Restated here, not asked of `manifest_rules`, as an oracle.
        let r = state.person(person.as_str()).unwrap().record;
        assert!(
            f.categories.contains(&r.category()),
            "{what} takes {person} to {to}, which does not hold their category"
        );
        assert!(
            r.risk != RiskLevel::High || f.security == SecurityLevel::Maximum,
            "{what} takes high-risk {person} to {to}, which is not maximum security"
        );
    };
    let corrected_here = batch
        .iter()
        .any(|e| matches!(e.what, EventKind::PersonRecordCorrected { .. }));
    for e in batch.iter().filter(|_| !corrected_here) {
        match &e.what {
            EventKind::MovementPlanned {
                movement,
                destination,
                manifest,
                ..
            } => {
                for s in manifest {
                    receives(&s.person, destination, movement.as_str());
                }
            }
            EventKind::MovementDeparted { movement, .. } => {
                let m = state.movement(movement.as_str()).unwrap();
                for p in &m.boarded {
                    receives(p, &m.destination, movement.as_str());
                }
            }
            EventKind::CustodyHandedOver { person, to, .. } => {
                receives(person, to, "a handover");
            }
            _ => {}
        }
    }
    for (id, p) in state.persons() {
        // Each status came from the event made for it.
        let last = &by_seq(p.custody.since_seq).what;
        let ok = match p.custody.status {
            CustodyStatus::Released => matches!(last, EventKind::PersonReleased { .. }),
            CustodyStatus::Hospitalised => matches!(last, EventKind::TakenToHospital { .. }),
            CustodyStatus::Repatriated => matches!(last, EventKind::RepatriationHandedOver { .. }),
            CustodyStatus::InTransit => matches!(last, EventKind::MovementDeparted { .. }),
            CustodyStatus::Escaped => matches!(last, EventKind::PersonEscaped { .. }),
            CustodyStatus::Deceased => matches!(last, EventKind::DiedInCustody { .. }),
            CustodyStatus::Held => !matches!(
                last,
                EventKind::PersonReleased { .. } | EventKind::TakenToHospital { .. }
            ),
        };
        assert!(
            ok,
            "person {id} is {:?} after {}",
            p.custody.status,
            last.type_name()
        );
        if p.custody.status == CustodyStatus::Escaped {
            assert!(
                state
                    .discrepancies()
                    .any(|(_, d)| d.kind == DiscrepancyKind::Escape
                        && d.persons.iter().any(|x| x.as_str() == id.as_str())),
                "escape of {id} opened no discrepancy"
            );
        }
    }
    // A movement departs only within the manifest rules, as recorded then.
    if !corrected_here {
        for id in departed_here {
            let m = state.movement(id.as_str()).unwrap();
            let boarded: HashSet<&PersonId> = m.boarded.iter().collect();
            let seats = m
                .manifest
                .iter()
                .filter(|s| boarded.contains(&s.person))
                .map(|s| {
                    let r = state.person(s.person.as_str()).unwrap().record;
                    (s.person.clone(), s.vehicle.as_str(), Traveller::of(r))
                });
            let trip = Trip {
                mode: m.mode,
                medic: m.medic,
            };
            assert_eq!(
                manifest_rules::check_seating(trip, &m.vehicles, seats),
                Ok(()),
                "{id} departed in breach"
            );
        }
    }
    for (id, m) in state.movements() {
        if !matches!(m.status, MovementStatus::Planned) {
            assert!(
                m.departed_at.is_some() || m.status == MovementStatus::Aborted,
                "{id}"
            );
        }
        if let (Some(d), Some(a)) = (m.departed_at, m.arrived_at) {
            assert!(
                m.planned_at <= d && d <= a,
                "movement {id} out of time order"
            );
            assert!(m.counts.iter().all(|c| d <= c.at && c.at <= a));
            assert!(m.track.iter().all(|p| d <= p.at && p.at <= a));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn raw_event_sequences_keep_every_guarantee(
        steps in proptest::collection::vec((op(), prop::sample::select(vec![1i64, 1, 2, 3, 5, 0, -3]), prop::sample::select(vec![0i64, 0, 0, 0, 5, -1])), 1..70)
    ) {
        let (mut state, mut log) = setup();
        // The same batches applied to a state that starts with no row and
        // loads buckets from the durable rows as it misses them.
        let mut durable = Durable::of(&state);
        let mut lazy = State::partial();
        let mut index: std::collections::BTreeSet<IndexEntry> = state.index_entries().into_iter().collect();
        let mut ids = Ids::default();
        let mut registered_at: HashMap<PersonId, Timestamp> = HashMap::new();
        let mut clock = 10i64;
        for (op, tick, late) in &steps {
            // Time mostly goes forward; sometimes backwards, sometimes an
            // event is dated after it was recorded.
            clock += tick;
            let kinds = to_kinds(op, &state, &mut ids);
            let seq0 = state.next_seq();
            let batch: Vec<Event> = kinds
                .into_iter()
                .enumerate()
                .map(|(i, k)| Event::new(seq0 + i as u64, minutes(clock), minutes(clock + late), actor(), k))
                .collect();
            let before = state.to_rows();
            let outcome = state.apply_batch(&batch);
            let lazily = durable.apply_lazily(&mut lazy, &batch);
            prop_assert_eq!(&outcome, &lazily, "a partly loaded state judged {:?} otherwise", op);
            if let Ok(delta) = &outcome {
                durable.write(delta);
                // The index kept by deltas is the index the rows derive.
                for change in &delta.index {
                    match change {
                        IndexChange::Remove(e) => prop_assert!(index.remove(e), "removed {:?}, not there", e),
                        IndexChange::Add(e) => prop_assert!(index.insert(e.clone()), "added {:?} twice", e),
                    }
                }
                let derived: std::collections::BTreeSet<IndexEntry> = state.index_entries().into_iter().collect();
                prop_assert_eq!(&index, &derived);
            }
            match outcome {
                Ok(_) => {
                    for e in &batch {
                        match &e.what {
                            EventKind::PersonRegistered { person, .. }
                            | EventKind::MatchReviewDecided {
                                decision: rollcall_core::review::ReviewDecision::NewPerson { person },
                                ..
                            }
                            | EventKind::RosterRowUnlinked {
                                decision: rollcall_core::review::ReviewDecision::NewPerson { person },
                                ..
                            } => {
                                registered_at.insert(person.clone(), e.occurred_at);
                            }
                            _ => {}
                        }
                    }
                    log.extend(batch.iter().cloned());
                    check_batch(&state, &batch, &log, &registered_at);
                }
                Err(_) => prop_assert_eq!(&before, &state.to_rows(), "a refused batch changed the state"),
            }
            if let Err(v) = state.check_invariants() {
                return Err(TestCaseError::fail(format!("after {op:?}: {v}")));
            }
        }
        // Projections are a function of the events: replaying the log gives
        // the same rows, and loading the rows gives the same state.
        let mut replay = State::new();
        replay.begin_replay();
        for e in &log {
            replay.replay(e).expect("replay of accepted events");
        }
        replay.end_replay();
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

/// Projection rows as a store holds them, by bucket.
struct Durable {
    rows: std::collections::BTreeMap<(u32, String, String), String>,
}

impl Durable {
    fn of(state: &State) -> Durable {
        Durable {
            rows: state
                .to_rows()
                .into_iter()
                .map(|(t, k, v)| ((bucket_of(&k), t, k), v))
                .collect(),
        }
    }

    fn write(&mut self, delta: &rollcall_core::state::ProjectionDelta) {
        for (table, key, value) in &delta.rows {
            let at = (bucket_of(key), table.to_string(), key.clone());
            match value {
                Some(v) => self.rows.insert(at, v.clone()),
                None => self.rows.remove(&at),
            };
        }
    }

    /// Applies `batch` to `lazy` as a node does: on a miss, loads what was
    /// missed and applies it again, until nothing is missed.
    fn apply_lazily(
        &self,
        lazy: &mut State,
        batch: &[Event],
    ) -> Result<rollcall_core::state::ProjectionDelta, BatchRejected> {
        for _round in 0..20 {
            let outcome = lazy.apply_batch(batch);
            let misses = lazy.take_misses();
            if misses.is_empty() {
                return outcome;
            }
            assert!(
                outcome
                    .as_ref()
                    .is_err_and(|e| e.violation.rule == Rule::RowsNotLoaded),
                "a batch that missed rows was not refused as such: {outcome:?}"
            );
            for miss in misses {
                match miss {
                    Miss::Bucket(b) => lazy
                        .load_bucket(
                            b,
                            self.rows
                                .range(
                                    (b, String::new(), String::new())
                                        ..(b + 1, String::new(), String::new()),
                                )
                                .map(|((_, t, k), v)| (t.as_str(), k.as_str(), v.as_str())),
                        )
                        .unwrap(),
                    // The rules look rows up by key; none iterates a table,
                    // so applying a batch never needs every row.
                    Miss::All => panic!("applying {batch:?} needed every row"),
                }
            }
        }
        panic!("loading what was missed did not converge");
    }
}

/// The registration of person `person` at facility index `at`.
fn register(person: u8, at: u8, state: &State) -> EventKind {
    let a = Attrs {
        female: false,
        juvenile: false,
        high_risk: false,
        medical: false,
        groups: vec![],
        syrian: false,
    };
    to_kinds(&Op::Register { person, at, a }, state, &mut Ids::default()).remove(0)
}

#[test]
fn handover_from_wrong_custodian_names_person_custodian_and_rule() {
    let (mut state, _) = setup();
    let reg = Event::new(6, ts(6), ts(6), actor(), register(1, 0, &state));
    state.apply(&reg).unwrap();
    let bad = Event::new(
        7,
        ts(7),
        ts(7),
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
        let k = register(i, 1, &state);
        state
            .apply(&Event::new(seq, ts(seq), ts(seq), actor(), k))
            .unwrap();
    }
    let seq = state.next_seq();
    let mut k = register(9, 1, &state);
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
