//! Golden vectors: the canonical bytes of one fixed event of every kind,
//! committed under `tests/golden/v2/<kind>.json`. Encoding each sample must
//! give exactly the committed bytes, and decoding the bytes must give the
//! sample back. A new kind without a sample does not compile (`kind_index`
//! has no catch-all arm); a sample without a committed vector fails.
//!
//! After a deliberate format change (a new version, see
//! docs/event-format.md), write the vectors with
//! `ROLLCALL_WRITE_GOLDEN=1 cargo test -p rollcall-core --test golden`.

use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::discrepancy::{DiscrepancyKind, Severity};
use rollcall_core::escort::EscortRecord;
use rollcall_core::event::{Actor, Event, EventKind, HandoverSignature, Side};
use rollcall_core::judicial::{CaseOutcome, Recipient};
use rollcall_core::movement::{Mode, Seat, Vehicle, VehicleKind};
use rollcall_core::person::{Category, Names, PartialDate, PersonRecord, RiskLevel, SourceRow};
use rollcall_core::review::{FieldEvidence, MatchEvidence, ReviewDecision};
use rollcall_core::*;
use std::path::PathBuf;

const KINDS: usize = 43;

/// The position of each kind in the sample list. No catch-all: adding a
/// kind to `EventKind` breaks this test until it has a sample and a vector.
fn kind_index(k: &EventKind) -> usize {
    use EventKind::*;
    match k {
        CustodianRegistered { .. } => 0,
        PersonRegistered { .. } => 1,
        PersonRecordCorrected { .. } => 2,
        CustodyHandedOver { .. } => 3,
        PersonAdmitted { .. } => 4,
        TakenToHospital { .. } => 5,
        PersonReleased { .. } => 6,
        PersonEscaped { .. } => 7,
        PersonRecaptured { .. } => 8,
        DiedInCustody { .. } => 9,
        MovementPlanned { .. } => 10,
        MovementDeparted { .. } => 11,
        MovementCheckpointPassed { .. } => 12,
        MovementPositionReported { .. } => 13,
        MovementArrived { .. } => 14,
        MovementReconciled { .. } => 15,
        EscortRecordStarted { .. } => 16,
        EscortRecordUpdated { .. } => 17,
        EscortRecordConfirmed { .. } => 18,
        EscortRecordHandedOver { .. } => 19,
        MovementAborted { .. } => 20,
        CaseOpened { .. } => 21,
        HearingHeld { .. } => 22,
        ChargeBrought { .. } => 23,
        CaseOutcomeRecorded { .. } => 24,
        NotificationSent { .. } => 25,
        NotificationAcknowledged { .. } => 26,
        RepatriationRequested { .. } => 27,
        RepatriationAccepted { .. } => 28,
        RepatriationRefused { .. } => 29,
        RepatriationHandedOver { .. } => 30,
        OfficerKeyRegistered { .. } => 31,
        OfficerKeyRevoked { .. } => 32,
        DiscrepancyOpened { .. } => 33,
        DiscrepancyEscalated { .. } => 34,
        DiscrepancyResolved { .. } => 35,
        AccessLogged { .. } => 36,
        RosterRowLinked { .. } => 37,
        MatchReviewOpened { .. } => 38,
        MatchReviewDecided { .. } => 39,
        PeopleLinked { .. } => 40,
        RosterRowUnlinked { .. } => 41,
        PeopleUnlinked { .. } => 42,
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iq() -> Country {
    Country::parse("IQ").unwrap()
}

fn p() -> PersonId {
    PersonId::new("P-NSR1-000012")
}

fn mv() -> MovementId {
    MovementId::new("MV-NSR1-0050")
}

fn c(id: &str) -> CustodianId {
    CustodianId::new(id)
}

fn record() -> PersonRecord {
    PersonRecord {
        names: Names {
            full: "Ahmad Khalil al-Obeidi".into(),
            arabic: Some("أحمد خليل العبيدي".into()),
            latin: vec!["Ahmed Khaleel al-Obaidi".into()],
            father: Some("Khalil".into()),
            ..Names::default()
        },
        birth_date: Some(PartialDate::parse("1991").unwrap()),
        nationalities: vec![iq()],
        risk: RiskLevel::High,
        risk_reason: Some("escape attempt 2024 \"Camp 5\"".into()),
        separation_groups: vec!["SG-0001".into()],
        ..PersonRecord::default()
    }
}

fn samples() -> Vec<EventKind> {
    use EventKind::*;
    let sig = HandoverSignature {
        side: Side::From,
        key: "officer.a+a1b2c3d4+AXt7pQyqlA7gI1cS3x0xvGk2q3Rj2Y4Z0Ck8S9S7P1sQ".into(),
        signature: "c2lnbmF0dXJl".into(),
    };
    vec![
        CustodianRegistered {
            custodian: c("IQ-NSR"),
            info: CustodianKind::Facility(Facility {
                name: "Nasiriyah Central Prison".into(),
                authority: "Ministry of Justice".into(),
                country: iq(),
                coordinates: Coordinates {
                    lat: 31.0439,
                    lon: 46.2576,
                },
                time_zone: "Asia/Baghdad".into(),
                security: SecurityLevel::Maximum,
                capacity: 5000,
                categories: vec![Category::AdultMale],
            }),
        },
        PersonRegistered {
            person: p(),
            record: record(),
            custodian: c("SY-HSK"),
            source: Some(SourceRow {
                roster: "hasakah-2026-11".into(),
                record_id: "HSK-000012".into(),
                line: Some(13),
            }),
            capacity_override: None,
        },
        PersonRecordCorrected {
            person: p(),
            corrects: rollcall_core::event::EventId {
                origin: NodeId::new("NSR1"),
                counter: 7,
            },
            record: record(),
            reason: "birth year from the identity card".into(),
            discrepancy: Some(DiscrepancyId::new("D-NSR1-000004")),
        },
        CustodyHandedOver {
            person: p(),
            from: c("IQ-BGD"),
            to: c("IQ-MSL"),
            reason: Some("court order 17/2026".into()),
            capacity_override: None,
            signatures: vec![sig],
        },
        PersonAdmitted {
            person: p(),
            movement: mv(),
            facility: c("IQ-NSR"),
            capacity_override: Some("overflow wing opened".into()),
            signatures: vec![HandoverSignature {
                side: Side::To,
                key: "officer.nsr+b2c3d4e5+AXt7pQyqlA7gI1cS3x0xvGk2q3Rj2Y4Z0Ck8S9S7P1sQ".into(),
                signature: "YWRtaXNzaW9u".into(),
            }],
        },
        TakenToHospital {
            person: p(),
            from: c("IQ-NSR"),
            hospital: c("IQ-HOSP-NSR"),
            reason: "chest pain".into(),
        },
        PersonReleased {
            person: p(),
            from: c("IQ-NSR"),
            authority: "Investigative Court of Nasiriyah".into(),
            reason: "acquitted".into(),
        },
        PersonEscaped {
            person: p(),
            from: mv().as_str().into(),
            circumstances: "vehicle breakdown at km 212".into(),
            discrepancy: DiscrepancyId::new("D-NSR1-000005"),
        },
        PersonRecaptured {
            person: p(),
            by: c("IQ-NSR"),
        },
        DiedInCustody {
            person: p(),
            custodian: c("IQ-NSR"),
            cause: None,
        },
        MovementPlanned {
            movement: mv(),
            mode: Mode::Land,
            origin: c("SY-HSK"),
            destination: c("IQ-NSR"),
            planned_departure: ts("2026-11-20T04:30:00Z"),
            vehicles: vec![Vehicle {
                id: "B1".into(),
                kind: VehicleKind::Armored,
                seats: 30,
                armored: true,
            }],
            escort: vec!["escort.lead".into()],
            medic: true,
            manifest: vec![Seat {
                person: p(),
                vehicle: "B1".into(),
            }],
            route: vec![Coordinates {
                lat: 35.5,
                lon: 41.25,
            }],
        },
        MovementDeparted {
            movement: mv(),
            headcount: 1,
            boarded: vec![p()],
            signatures: vec![HandoverSignature {
                side: Side::To,
                key: "escort.lead+e5f6a7b8+Q2tW9r0yJ3mB8xV5nH1kL6pZ4cD7fG2sA0uE9iO3tYw".into(),
                signature: "ZGVwYXJ0dXJl".into(),
            }],
        },
        MovementCheckpointPassed {
            movement: mv(),
            place: "Rabia crossing".into(),
            count: 1,
        },
        MovementPositionReported {
            movement: mv(),
            lat: 36.123456789,
            lon: -0.1,
        },
        MovementArrived { movement: mv() },
        MovementReconciled {
            movement: mv(),
            admitted: 0,
            missing: vec![p()],
            extra: vec!["P-NSR1-000099".into()],
            mismatched: vec![],
        },
        EscortRecordStarted {
            movement: mv(),
            person: p(),
            record: EscortRecord::from_file(&record()),
        },
        EscortRecordUpdated {
            movement: mv(),
            person: p(),
            record: EscortRecord {
                medication: Some(vec!["insulin".into()]),
                notes: Some("line one\nline two".into()),
                ..EscortRecord::from_file(&record())
            },
        },
        EscortRecordConfirmed {
            movement: mv(),
            person: p(),
        },
        EscortRecordHandedOver {
            movement: mv(),
            person: p(),
            to: c("IQ-NSR"),
        },
        MovementAborted {
            movement: mv(),
            return_to: c("SY-HSK"),
            reason: "road closed".into(),
            discrepancy: Some(DiscrepancyId::new("D-NSR1-000006")),
        },
        CaseOpened {
            case: CaseId::new("C-NSR1-000012"),
            person: p(),
            committee: "Committee 3".into(),
            legal_basis: "Law 13/2005 art. 4".into(),
            first_appearance_due: ts("2026-11-22T00:00:00Z"),
        },
        HearingHeld {
            case: CaseId::new("C-NSR1-000012"),
            judge: "Judge 7".into(),
            summary: "detention extended".into(),
            next_review_due: Some(ts("2026-12-22T09:00:00.5Z")),
        },
        ChargeBrought {
            case: CaseId::new("C-NSR1-000012"),
            charge: "membership".into(),
            article: "art. 4/1".into(),
        },
        CaseOutcomeRecorded {
            case: CaseId::new("C-NSR1-000012"),
            outcome: CaseOutcome::Convicted {
                sentence: "15 years".into(),
            },
        },
        NotificationSent {
            notification: NotificationId::new("N-NSR1-000012"),
            person: p(),
            recipient: Recipient::Consulate { country: iq() },
            channel: "diplomatic note".into(),
            subject: "transfer completed".into(),
        },
        NotificationAcknowledged {
            notification: NotificationId::new("N-NSR1-000012"),
            by: "consular section".into(),
        },
        RepatriationRequested {
            repatriation: RepatriationId::new("R-NSR1-000012"),
            person: p(),
            state: Country::parse("FR").unwrap(),
        },
        RepatriationAccepted {
            repatriation: RepatriationId::new("R-NSR1-000012"),
        },
        RepatriationRefused {
            repatriation: RepatriationId::new("R-NSR1-000012"),
            reason: "nationality not confirmed".into(),
        },
        RepatriationHandedOver {
            repatriation: RepatriationId::new("R-NSR1-000012"),
            from: c("IQ-NSR"),
            to: c("REP-FRA"),
        },
        OfficerKeyRegistered {
            custodian: c("IQ-NSR"),
            key: "officer.a+a1b2c3d4+AXt7pQyqlA7gI1cS3x0xvGk2q3Rj2Y4Z0Ck8S9S7P1sQ".into(),
            officer: "Capt. H. Jaber, service no. 4471".into(),
        },
        OfficerKeyRevoked {
            custodian: c("IQ-NSR"),
            key: "officer.a+a1b2c3d4+AXt7pQyqlA7gI1cS3x0xvGk2q3Rj2Y4Z0Ck8S9S7P1sQ".into(),
            reason: "tablet lost".into(),
        },
        DiscrepancyOpened {
            discrepancy: DiscrepancyId::new("D-NSR1-000003"),
            kind: DiscrepancyKind::HeadcountMismatch,
            severity: Severity::High,
            summary: "count 133 of 134".into(),
            persons: vec![p()],
            movement: Some(mv()),
            custodian: None,
            owner: "operations room".into(),
        },
        DiscrepancyEscalated {
            discrepancy: DiscrepancyId::new("D-NSR1-000003"),
            severity: Severity::Critical,
            owner: "duty officer".into(),
            reason: "open 2 h".into(),
        },
        DiscrepancyResolved {
            discrepancy: DiscrepancyId::new("D-NSR1-000003"),
            reason: "found in vehicle B2".into(),
        },
        AccessLogged {
            first: 118,
            count: 3,
            head: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        },
        RosterRowLinked {
            person: p(),
            source: SourceRow {
                roster: "nasiriyah-intake-2026-12".into(),
                record_id: "NSR-4471".into(),
                line: Some(88),
            },
            record: record(),
            custodian: c("IQ-NSR"),
            probability_ppm: 999_412,
            fields: evidence(),
            discrepancy: Some(DiscrepancyId::new("D-NSR1-000009")),
        },
        MatchReviewOpened {
            review: ReviewId::new("RV-NSR1-000003"),
            source: SourceRow {
                roster: "nasiriyah-intake-2026-12".into(),
                record_id: "NSR-4472".into(),
                line: Some(89),
            },
            record: record(),
            custodian: c("IQ-NSR"),
            candidates: vec![
                MatchEvidence {
                    person: p(),
                    probability_ppm: 871_000,
                    fields: evidence(),
                },
                MatchEvidence {
                    person: PersonId::new("P-NSR1-000044"),
                    probability_ppm: 512_300,
                    fields: vec![],
                },
            ],
        },
        MatchReviewDecided {
            review: ReviewId::new("RV-NSR1-000003"),
            decision: ReviewDecision::SamePerson { person: p() },
            reason: "same mother's name and identity card seen at intake".into(),
            discrepancy: None,
            capacity_override: None,
        },
        PeopleLinked {
            person: PersonId::new("P-NSR1-000044"),
            same_as: p(),
            reason: "fingerprints match (biometric system ref 88121)".into(),
            discrepancy: Some(DiscrepancyId::new("D-NSR1-000010")),
        },
        RosterRowUnlinked {
            person: p(),
            source: SourceRow {
                roster: "nasiriyah-intake-2026-12".into(),
                record_id: "NSR-4471".into(),
                line: Some(88),
            },
            decision: ReviewDecision::NewPerson {
                person: PersonId::new("P-NSR1-000045"),
            },
            reason: "another mother's name on the identity card seen at intake".into(),
            discrepancy: None,
            capacity_override: Some("overflow wing opened by the governor".into()),
        },
        PeopleUnlinked {
            person: PersonId::new("P-NSR1-000044"),
            same_as: p(),
            reason: "fingerprints re-checked: two people (biometric system ref 88307)".into(),
        },
    ]
}

fn evidence() -> Vec<FieldEvidence> {
    vec![
        FieldEvidence {
            field: "given_name".into(),
            level: "exact".into(),
            weight_centibits: 412,
        },
        FieldEvidence {
            field: "birth_date".into(),
            level: "year_only".into(),
            weight_centibits: -35,
        },
    ]
}

fn event(what: EventKind) -> Event {
    Event::new(
        41,
        ts("2026-11-20T06:15:00Z"),
        ts("2026-11-20T06:15:02.25Z"),
        Actor {
            user: UserId::new("escort.lead"),
            node: NodeId::new("NSR1"),
        },
        what,
    )
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v2")
}

#[test]
fn there_is_one_sample_of_every_kind() {
    let mut seen = [false; KINDS];
    for k in samples() {
        let i = kind_index(&k);
        assert!(!seen[i], "two samples of {}", k.type_name());
        seen[i] = true;
    }
    assert!(seen.iter().all(|s| *s), "a kind has no sample");
}

#[test]
fn every_kind_encodes_to_its_committed_vector_and_back() {
    let write = std::env::var_os("ROLLCALL_WRITE_GOLDEN").is_some();
    for k in samples() {
        let name = k.type_name();
        let e = event(k);
        let bytes = e.encode().unwrap();
        let path = dir().join(format!("{name}.json"));
        if write {
            std::fs::write(&path, &bytes).unwrap();
        }
        let golden = std::fs::read(&path).unwrap_or_else(|_| {
            panic!(
                "no golden vector for `{name}` at {}; see this file's doc comment",
                path.display()
            )
        });
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&golden),
            "`{name}` no longer encodes to its committed vector"
        );
        assert_eq!(Event::decode(&golden).unwrap(), e, "`{name}` decodes back");
        // The reference RFC 8785 implementation gives the same bytes.
        assert_eq!(
            serde_json_canonicalizer::to_vec(&e).unwrap(),
            bytes,
            "`{name}`: rollcall's encoder and serde_json_canonicalizer disagree"
        );
    }
}

#[test]
fn no_vector_is_left_without_a_kind() {
    let names: Vec<String> = samples()
        .iter()
        .map(|k| format!("{}.json", k.type_name()))
        .collect();
    for f in std::fs::read_dir(dir()).unwrap() {
        let f = f.unwrap().file_name().to_string_lossy().into_owned();
        assert!(names.contains(&f), "golden vector {f} names no kind");
    }
}

#[test]
fn the_encoding_is_rfc_8785() {
    // Keys sorted, no whitespace, numbers in their shortest ECMAScript form,
    // non-ASCII text as UTF-8, `v` carried in every event.
    let e = event(EventKind::MovementPositionReported {
        movement: mv(),
        lat: 36.5,
        lon: 1e21,
    });
    let text = String::from_utf8(e.encode().unwrap()).unwrap();
    assert_eq!(
        text,
        r#"{"actor":{"node":"NSR1","user":"escort.lead"},"counter":41,"occurred_at":"2026-11-20T06:15:00Z","recorded_at":"2026-11-20T06:15:02.25Z","v":2,"what":{"movement_position_reported":{"lat":36.5,"lon":1e+21,"movement":"MV-NSR1-0050"}}}"#
    );
}

#[test]
fn encoding_refuses_what_it_cannot_carry_exactly() {
    let mut e = event(EventKind::MovementArrived { movement: mv() });
    e.counter = 1 << 53;
    assert!(e.encode().is_err());
    let e = event(EventKind::MovementPositionReported {
        movement: mv(),
        lat: f64::NAN,
        lon: 0.0,
    });
    assert!(e.encode().is_err());
}

#[test]
fn other_versions_and_other_spellings_are_refused() {
    let e = event(EventKind::MovementArrived { movement: mv() });
    let bytes = e.encode().unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let v1 = text.replace(r#""v":2"#, r#""v":1"#);
    assert!(matches!(
        Event::decode(v1.as_bytes()),
        Err(rollcall_core::event::DecodeError::Version(1))
    ));
    let spaced = text.replacen(':', ": ", 1);
    assert!(matches!(
        Event::decode(spaced.as_bytes()),
        Err(rollcall_core::event::DecodeError::NotCanonical)
    ));
}
