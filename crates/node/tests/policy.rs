//! The reader's policy per role, on a real node: who sees whom, that an
//! invisible person is answered exactly like a nonexistent one, and that
//! only what is shown is recorded.

use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::event::EventKind;
use rollcall_core::person::{Category, Names, PersonRecord};
use rollcall_core::{Country, CustodianId, PersonId, Timestamp};
use rollcall_node::{AuditFilter, Node, NodeError, PeopleFilter, Principal, Role};
use rollcall_store::Store;

fn facility(id: &str) -> EventKind {
    EventKind::CustodianRegistered {
        custodian: CustodianId::new(id),
        info: CustodianKind::Facility(Facility {
            name: format!("Facility {id}"),
            authority: "Ministry of Justice".into(),
            country: Country::parse("IQ").unwrap(),
            coordinates: Coordinates {
                lat: 33.3,
                lon: 44.4,
            },
            time_zone: "Asia/Baghdad".into(),
            security: SecurityLevel::Maximum,
            capacity: 10,
            categories: vec![Category::AdultMale],
        }),
    }
}

fn register(id: &str, at: &str, nationality: &str) -> EventKind {
    EventKind::PersonRegistered {
        person: PersonId::new(id),
        record: PersonRecord {
            names: Names {
                full: format!("Name of {id}"),
                ..Names::default()
            },
            nationalities: vec![Country::parse(nationality).unwrap()],
            ..PersonRecord::default()
        },
        custodian: CustodianId::new(at),
        source: None,
        capacity_override: None,
    }
}

fn t() -> Timestamp {
    Timestamp::from_second(1_769_000_000).unwrap()
}

/// F-A holds P-1 (Syrian) and P-2 (Iraqi); F-B holds P-3 (Syrian).
fn setup() -> (tempfile::TempDir, Node) {
    let tmp = tempfile::tempdir().unwrap();
    let mut node = Node::init(&tmp.path().join("data"), "test-node").unwrap();
    node.append("admin", t(), vec![facility("F-A"), facility("F-B")])
        .unwrap();
    node.append(
        "registrar",
        t(),
        vec![
            register("P-1", "F-A", "SY"),
            register("P-2", "F-A", "IQ"),
            register("P-3", "F-B", "SY"),
        ],
    )
    .unwrap();
    (tmp, node)
}

fn as_role(role: Role) -> Principal {
    Principal {
        user: format!("{role}"),
        account: "uid 1000".into(),
        role,
        reason: None,
    }
}

fn access_log(node: &Node) -> Vec<rollcall_store::AccessRecord> {
    rollcall_store_sqlite::SqliteStore::open_existing(
        &node.location().dir().unwrap().join(rollcall_node::DB_FILE),
    )
    .unwrap()
    .access_log()
    .unwrap()
}

fn listed(node: &mut Node, role: Role) -> Vec<String> {
    node.session(as_role(role))
        .people(&PeopleFilter::default())
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

fn not_found_message(r: Result<rollcall_node::PersonReport, NodeError>) -> String {
    match r {
        Err(NodeError::NotFound(m)) => m.replace("P-2", "X").replace("P-404", "X"),
        Err(other) => panic!("expected not found, got {other}"),
        Ok(_) => panic!("expected not found, got a record"),
    }
}

#[test]
fn a_consular_officer_sees_only_their_own_nationals() {
    let (_tmp, mut node) = setup();
    let syria = Role::ConsularOfficer(Country::parse("SY").unwrap());
    assert_eq!(listed(&mut node, syria.clone()), ["P-1", "P-3"]);
    let mut reader = node.session(as_role(syria.clone()));
    assert_eq!(reader.person("P-1").unwrap().person, "P-1");
    // An Iraqi is answered exactly like someone who does not exist.
    let hidden = not_found_message(reader.person("P-2"));
    let missing = not_found_message(reader.person("P-404"));
    assert_eq!(hidden, missing);
    // Only what was shown is recorded: P-1, P-3 listed, P-1 shown; never P-2.
    let subjects: Vec<String> = access_log(&node).into_iter().map(|r| r.subject).collect();
    assert_eq!(subjects, ["P-1", "P-3", "P-1"]);
    assert!(
        access_log(&node)
            .iter()
            .all(|r| r.role == syria.to_string())
    );
}

#[test]
fn an_admin_and_the_public_see_no_detainee() {
    let (_tmp, mut node) = setup();
    for role in [Role::Admin, Role::Public] {
        assert!(listed(&mut node, role.clone()).is_empty(), "{role}");
        let r = node.session(as_role(role.clone())).person("P-1");
        assert_eq!(not_found_message(r), "person P-1 is not registered");
        let esc = node
            .session(as_role(role.clone()))
            .escort_records("MV-1", &["P-1".into()]);
        assert!(matches!(esc, Err(NodeError::NotFound(_))));
    }
    assert!(
        access_log(&node).is_empty(),
        "nothing shown, nothing recorded"
    );
    // The admin may read the access log; the public may not.
    assert!(
        node.session(as_role(Role::Admin))
            .access_log(&AuditFilter::default())
            .is_ok()
    );
    assert!(matches!(
        node.session(as_role(Role::Public))
            .access_log(&AuditFilter::default()),
        Err(NodeError::Denied(_))
    ));
}

#[test]
fn facility_officers_planners_and_monitors_see_their_scope() {
    let (_tmp, mut node) = setup();
    assert_eq!(
        listed(&mut node, Role::FacilityOfficer("F-B".into())),
        ["P-3"]
    );
    assert_eq!(
        listed(&mut node, Role::Registrar("F-A".into())),
        ["P-1", "P-2"]
    );
    assert_eq!(listed(&mut node, Role::Planner), ["P-1", "P-2", "P-3"]);
    assert_eq!(listed(&mut node, Role::Monitor), ["P-1", "P-2", "P-3"]);
    assert!(listed(&mut node, Role::EscortOfficer("MV-9".into())).is_empty());
    // Nobody has a case before this committee yet.
    assert!(listed(&mut node, Role::Investigator("committee-1".into())).is_empty());
}

#[test]
fn every_read_is_committed_and_verify_checks_it() {
    let (_tmp, mut node) = setup();
    let size = node.size();
    node.session(as_role(Role::Monitor)).person("P-1").unwrap();
    assert_eq!(node.size(), size + 1, "one signed event commits the read");
    let log = node
        .session(as_role(Role::Monitor))
        .access_log(&AuditFilter {
            subject: Some("P-1".into()),
            user: None,
        })
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].committed_by, size);
    assert_eq!(log[0].account, "uid 1000");
    let report = node.verify(Default::default(), &mut |_| {}).unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.access_records, 2, "the read and the audit read");
}

#[test]
fn an_edited_projection_row_is_never_trusted() {
    let (tmp, node) = setup();
    let dir = node.location().dir().unwrap().to_path_buf();
    drop(node);
    let db = dir.join(rollcall_node::DB_FILE);
    {
        // Move P-1 to F-B in the custody row only (no event says so).
        let mut s = rollcall_store_sqlite::SqliteStore::open_existing(&db).unwrap();
        let row = s.projection_get("custody", "P-1").unwrap().unwrap();
        let forged = row.replace("\"F-A\"", "\"F-B\"");
        assert_ne!(row, forged);
        let mut rows = s.projection_all().unwrap();
        for r in &mut rows {
            if r.table == "custody" && r.key == "P-1" {
                r.value = forged.clone();
            }
        }
        let index = index_of(&s);
        s.replace_projection(&rows, &index).unwrap();
    }
    // Opening reads no row; the first step that loads P-1's bucket refuses
    // it against the seal before any rule trusts it: an append based on the
    // forged row, and a read of it alike.
    let mut node = Node::open(&dir).unwrap();
    let forged_move = EventKind::CustodyHandedOver {
        person: PersonId::new("P-1"),
        from: CustodianId::new("F-B"),
        to: CustodianId::new("F-A"),
        reason: None,
        capacity_override: None,
        signatures: vec![],
    };
    let err = node
        .append("escort", t(), vec![forged_move.clone()])
        .unwrap_err();
    assert!(matches!(err, NodeError::Unsealed(_)), "{err}");
    assert!(err.to_string().contains("rollcall rebuild"), "{err}");
    let err = node
        .session(as_role(Role::Monitor))
        .person("P-1")
        .unwrap_err();
    assert!(matches!(err, NodeError::Unsealed(_)), "{err}");
    drop(node);
    // Rebuild derives them again from the events; the forged move is gone.
    Node::rebuild_dir(&dir).unwrap();
    let mut node = Node::open(&dir).unwrap();
    let err = node
        .append(
            "escort",
            t(),
            vec![EventKind::CustodyHandedOver {
                person: PersonId::new("P-1"),
                from: CustodianId::new("F-B"),
                to: CustodianId::new("F-A"),
                reason: None,
                capacity_override: None,
                signatures: vec![],
            }],
        )
        .unwrap_err();
    assert!(matches!(err, NodeError::Refused(_)), "{err}");
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
    drop(tmp);
}

/// P-1 (Syrian) and P-2 (Iraqi) planned on MV-1 from F-A to F-B, through the
/// node's own workflow.
fn planned(node: &mut Node) {
    let req = rollcall_core::ops::PlanRequest {
        movement: rollcall_core::MovementId::new("MV-1"),
        mode: rollcall_core::movement::Mode::Land,
        origin: CustodianId::new("F-A"),
        destination: CustodianId::new("F-B"),
        planned_departure: Timestamp::from_second(1_769_003_600).unwrap(),
        vehicles: rollcall_core::ops::parse_vehicles("bus:10").unwrap(),
        escort: vec!["officer".into()],
        medic: false,
        people: vec![PersonId::new("P-1"), PersonId::new("P-2")],
        route: vec![],
    };
    let staged = node.plan_movement("planner", t(), &req).unwrap();
    assert_eq!(
        (staged.events, staged.opened),
        (3, 0),
        "planned, two escort records"
    );
    node.commit().unwrap();
}

fn recorded(node: &Node) -> Vec<(String, String)> {
    access_log(node)
        .into_iter()
        .map(|r| (r.action, r.subject))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, s)| (a.to_string(), s.to_string()))
        .collect()
}

#[test]
fn a_movement_is_read_whole_or_not_at_all_and_its_figures_name_nobody() {
    let (_tmp, mut node) = setup();
    planned(&mut node);
    // Figures: no read.
    let f = node.movement_summary("MV-1").unwrap().unwrap();
    assert_eq!((f.manifest, f.boarded, f.on_board), (2, 0, 0));
    assert_eq!(f.escort_records_unconfirmed, 2);
    assert_eq!(f.vehicles[0].seated, 2);
    assert!(access_log(&node).is_empty());
    // A Syrian consular officer may not see P-2, so not the movement.
    let syria = Role::ConsularOfficer(Country::parse("SY").unwrap());
    match node.session(as_role(syria)).movement("MV-1") {
        Err(NodeError::NotFound(m)) => assert_eq!(m, "movement MV-1 does not exist"),
        other => panic!("expected not found, got {other:?}"),
    }
    assert!(access_log(&node).is_empty());
    // A monitor sees it, and everyone on it is recorded.
    let m = node
        .session(as_role(Role::Monitor))
        .movement("MV-1")
        .unwrap();
    assert_eq!(m.manifest.len(), 2);
    assert_eq!(
        recorded(&node),
        pairs(&[("movement.show", "P-1"), ("movement.show", "P-2")])
    );
}

#[test]
fn a_history_event_naming_someone_unseen_is_left_out_and_others_named_are_recorded() {
    let (_tmp, mut node) = setup();
    planned(&mut node);
    // P-1's history: registration, the plan (naming P-2), their escort record.
    let syria = Role::ConsularOfficer(Country::parse("SY").unwrap());
    let r = node.session(as_role(syria)).person("P-1").unwrap();
    let kinds: Vec<&str> = r.history.iter().map(|e| e.what.type_name()).collect();
    assert_eq!(kinds, ["person_registered", "escort_record_started"]);
    assert_eq!(r.proofs.len(), 2);
    assert_eq!(recorded(&node), pairs(&[("person.show", "P-1")]));
    // A monitor sees the plan, with P-2's id in it: recorded as named.
    let r = node.session(as_role(Role::Monitor)).person("P-1").unwrap();
    assert_eq!(r.history.len(), 3);
    for p in &r.proofs {
        p.verify(node.verifier()).unwrap();
    }
    assert_eq!(
        recorded(&node)[1..],
        pairs(&[("person.show", "P-1"), ("person.show.named", "P-2")])
    );
    // The history as lines names nobody else: only P-1 is recorded.
    let h = node
        .session(as_role(Role::Monitor))
        .person_history("P-1")
        .unwrap();
    let kinds: Vec<&str> = h.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "person_registered",
            "movement_planned",
            "escort_record_started"
        ]
    );
    assert_eq!(recorded(&node)[3..], pairs(&[("person.show", "P-1")]));
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
}

#[test]
fn a_correction_and_an_escort_update_change_records_without_reading_them_out() {
    let (_tmp, mut node) = setup();
    planned(&mut node);
    let c = rollcall_core::correction::Correction {
        latin_name: Some("Ahmad".into()),
        ..Default::default()
    };
    let done = node
        .correct_person("registrar", t(), &PersonId::new("P-1"), &c, "spelling")
        .unwrap();
    assert_eq!(
        (&done.corrects.origin, done.corrects.counter),
        (node.node_id(), 2),
        "the registration was this node's event 2"
    );
    node.commit().unwrap();
    // The same correction again changes nothing and is refused.
    let again = node.correct_person("registrar", t(), &PersonId::new("P-1"), &c, "again");
    assert!(matches!(again, Err(NodeError::NoChange(_))), "{again:?}");
    let update = rollcall_core::escort::EscortRecord {
        property: Some(vec!["watch".into()]),
        ..Default::default()
    };
    node.update_escort_records(
        "escort",
        t(),
        &rollcall_core::MovementId::new("MV-1"),
        &[PersonId::new("P-1")],
        Some(&update),
        false,
    )
    .unwrap();
    node.commit().unwrap();
    assert!(access_log(&node).is_empty(), "nothing was read");
    // Read back through the reader: the fields given, the rest as started.
    let mut reader = node.session(as_role(Role::Monitor));
    let p = reader.person("P-1").unwrap();
    assert_eq!(p.now.record.names.latin, ["Ahmad"]);
    let e = reader.escort_records("MV-1", &["P-1".into()]).unwrap();
    assert_eq!(e[0].record.property, Some(vec!["watch".to_string()]));
    assert_eq!(e[0].record.medical_needs.as_deref(), Some("none"));
}

/// Rewrites the stored projection with `f` applied to its rows, as someone
/// with write access to the file could.
fn tamper(dir: &std::path::Path, f: impl FnOnce(&mut Vec<rollcall_store::ProjectionRow>)) {
    let mut s =
        rollcall_store_sqlite::SqliteStore::open_existing(&dir.join(rollcall_node::DB_FILE))
            .unwrap();
    let mut rows = s.projection_all().unwrap();
    f(&mut rows);
    let index = index_of(&s);
    s.replace_projection(&rows, &index).unwrap();
}

/// The stored index, to keep while tampering with rows.
fn index_of(s: &rollcall_store_sqlite::SqliteStore) -> Vec<rollcall_store::IndexEntry> {
    let mut out = Vec::new();
    s.for_each_index_entry(&mut |e| {
        out.push(e);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn a_deleted_or_rolled_back_projection_row_is_never_trusted() {
    let (_tmp, mut node) = setup();
    let dir = node.location().dir().unwrap().to_path_buf();
    let before: Vec<_> =
        rollcall_store_sqlite::SqliteStore::open_existing(&dir.join(rollcall_node::DB_FILE))
            .unwrap()
            .projection_all()
            .unwrap();
    let hand = |p: &str, from: &str, to: &str| EventKind::CustodyHandedOver {
        person: PersonId::new(p),
        from: CustodianId::new(from),
        to: CustodianId::new(to),
        reason: None,
        capacity_override: None,
        signatures: vec![],
    };
    node.append("escort", t(), vec![hand("P-2", "F-A", "F-B")])
        .unwrap();
    drop(node);
    // P-2's custody row rolled back to before the handover: it would let P-2
    // be handed over from F-A a second time.
    tamper(&dir, |rows| {
        let old = before
            .iter()
            .find(|r| r.table == "custody" && r.key == "P-2")
            .unwrap();
        for r in rows.iter_mut() {
            if r.table == "custody" && r.key == "P-2" {
                r.value = old.value.clone();
            }
        }
    });
    let mut node = Node::open(&dir).unwrap();
    let err = node
        .append("escort", t(), vec![hand("P-2", "F-A", "F-B")])
        .unwrap_err();
    assert!(matches!(err, NodeError::Unsealed(_)), "{err}");
    drop(node);
    Node::rebuild_dir(&dir).unwrap();
    // P-3's rows deleted: P-3 would look unregistered, and could be
    // registered twice.
    tamper(&dir, |rows| rows.retain(|r| r.key != "P-3"));
    let mut node = Node::open(&dir).unwrap();
    let err = node
        .append("registrar", t(), vec![register("P-3", "F-A", "SY")])
        .unwrap_err();
    assert!(matches!(err, NodeError::Unsealed(_)), "{err}");
    // Rows no step reads stay unread: P-1 is still shown.
    assert_eq!(
        node.session(as_role(Role::Monitor))
            .person("P-1")
            .unwrap()
            .person,
        "P-1"
    );
    drop(node);
    Node::rebuild_dir(&dir).unwrap();
    let mut node = Node::open(&dir).unwrap();
    let err = node
        .append("registrar", t(), vec![register("P-3", "F-A", "SY")])
        .unwrap_err();
    assert!(matches!(err, NodeError::Refused(_)), "{err}");
}

/// Hands `person` from `from` to `to`, as an escort.
fn hand_over(node: &mut Node, person: &str, from: &str, to: &str) {
    node.append(
        "escort",
        t(),
        vec![EventKind::CustodyHandedOver {
            person: PersonId::new(person),
            from: CustodianId::new(from),
            to: CustodianId::new(to),
            reason: None,
            capacity_override: None,
            signatures: vec![],
        }],
    )
    .unwrap();
}

fn ids(people: &[(String, rollcall_core::state::views::PersonSnapshot)]) -> Vec<&str> {
    people.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn people_are_paged_by_custodian_and_nationality_within_the_policy() {
    let (_tmp, mut node) = setup();
    let mut more = Vec::new();
    for i in 4..=9 {
        more.push(register(
            &format!("P-{i}"),
            "F-A",
            if i % 2 == 0 { "SY" } else { "IQ" },
        ));
    }
    node.append("registrar", t(), more).unwrap();
    let sy = Country::parse("SY");
    let page = |node: &mut Node, role: Role, filter: PeopleFilter| {
        node.session(as_role(role)).people(&filter).unwrap()
    };
    // F-A holds P-1 (SY), P-2 (IQ), P-4..P-9; by id, two at a time.
    let first = page(
        &mut node,
        Role::Monitor,
        PeopleFilter {
            at: Some("F-A".into()),
            limit: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(ids(&first), ["P-1", "P-2"]);
    let second = page(
        &mut node,
        Role::Monitor,
        PeopleFilter {
            at: Some("F-A".into()),
            limit: Some(2),
            after: Some("P-2".into()),
            ..Default::default()
        },
    );
    assert_eq!(ids(&second), ["P-4", "P-5"]);
    // Custodian and nationality together; then nationality alone.
    let syrians_at_a = page(
        &mut node,
        Role::Monitor,
        PeopleFilter {
            at: Some("F-A".into()),
            nationality: sy,
            ..Default::default()
        },
    );
    assert_eq!(ids(&syrians_at_a), ["P-1", "P-4", "P-6", "P-8"]);
    let syrians = page(
        &mut node,
        Role::Monitor,
        PeopleFilter {
            nationality: sy,
            after: Some("P-1".into()),
            limit: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(ids(&syrians), ["P-3", "P-4"]);
    // An Iraqi consular officer paging F-A sees only Iraqis, and a full page
    // of them even though the index interleaves others.
    let iraqi = page(
        &mut node,
        Role::ConsularOfficer(Country::parse("IQ").unwrap()),
        PeopleFilter {
            at: Some("F-A".into()),
            limit: Some(3),
            ..Default::default()
        },
    );
    assert_eq!(ids(&iraqi), ["P-2", "P-5", "P-7"]);
    // A person moved leaves one custodian's pages for the other's.
    hand_over(&mut node, "P-4", "F-A", "F-B");
    let at_b = page(
        &mut node,
        Role::Monitor,
        PeopleFilter {
            at: Some("F-B".into()),
            ..Default::default()
        },
    );
    assert_eq!(ids(&at_b), ["P-3", "P-4"]);
    // Only the people listed were read; verify finds the index as derived.
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
}

#[test]
fn verify_names_an_index_entry_that_was_removed() {
    let (_tmp, node) = setup();
    let dir = node.location().dir().unwrap().to_path_buf();
    drop(node);
    let mut s =
        rollcall_store_sqlite::SqliteStore::open_existing(&dir.join(rollcall_node::DB_FILE))
            .unwrap();
    let rows = s.projection_all().unwrap();
    let mut index = index_of(&s);
    index.retain(|e| !(e.index == "people.at" && e.key == "P-2"));
    s.replace_projection(&rows, &index).unwrap();
    drop(s);
    let report = rollcall_node::verify_dir(&dir, Default::default(), &mut |_| {}).unwrap();
    assert!(!report.ok);
    let p = &report.problems[0];
    assert!(p.at.contains("people.at") && p.at.contains("P-2"), "{p:?}");
    assert!(p.detail.contains("missing"), "{p:?}");
}

fn register_named(
    id: &str,
    at: &str,
    nationality: &str,
    arabic: Option<&str>,
    latin: &str,
) -> EventKind {
    let mut kind = register(id, at, nationality);
    if let EventKind::PersonRegistered { record, .. } = &mut kind {
        record.names = Names {
            full: arabic.unwrap_or(latin).to_string(),
            arabic: arabic.map(str::to_string),
            latin: vec![latin.to_string()],
            ..Names::default()
        };
    }
    kind
}

#[test]
fn people_are_found_by_name_in_either_script_within_the_policy() {
    let (_tmp, mut node) = setup();
    node.append(
        "registrar",
        t(),
        vec![
            register_named(
                "P-4",
                "F-A",
                "SY",
                Some("حسين علي الجبوري"),
                "Hussein Ali al-Jubouri",
            ),
            register_named("P-5", "F-A", "IQ", None, "Hussein Ali al-Obeidi"),
            register_named("P-6", "F-B", "IQ", Some("حسن الجبوري"), "Hasan al-Jubouri"),
        ],
    )
    .unwrap();
    let before = access_log(&node).len();
    let find = |node: &mut Node, role: Role, name: &str, at: Option<&str>| {
        let filter = PeopleFilter {
            name: Some(name.into()),
            at: at.map(str::to_string),
            ..Default::default()
        };
        ids(&node.session(as_role(role)).people(&filter).unwrap())
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // A Latin spelling finds the Arabic record, and the Arabic script the
    // Latin one; a search lists near-names too (Hasan for Husein).
    assert_eq!(
        find(&mut node, Role::Monitor, "Husein al-Juburi", None),
        ["P-4", "P-6"]
    );
    assert_eq!(find(&mut node, Role::Monitor, "علي الجبوري", None), ["P-4"]);
    assert_eq!(
        find(&mut node, Role::Monitor, "حسين علي", None),
        ["P-4", "P-5"]
    );
    // Every word must be there: another family is not listed.
    assert!(find(&mut node, Role::Monitor, "Hussein al-Tikriti", None).is_empty());
    // With a custodian, and within a consular officer's nationals.
    assert_eq!(
        find(&mut node, Role::Monitor, "Juburi", Some("F-B")),
        ["P-6"]
    );
    let iq = Role::ConsularOfficer(Country::parse("IQ").unwrap());
    assert_eq!(find(&mut node, iq, "Hussein Ali", None), ["P-5"]);
    // Paging: one at a time, after the last shown.
    let filter = |after: Option<&str>| PeopleFilter {
        name: Some("Jubouri".into()),
        limit: Some(1),
        after: after.map(str::to_string),
        ..Default::default()
    };
    let page1 = node
        .session(as_role(Role::Monitor))
        .people(&filter(None))
        .unwrap();
    let page2 = node
        .session(as_role(Role::Monitor))
        .people(&filter(Some("P-4")))
        .unwrap();
    assert_eq!((ids(&page1), ids(&page2)), (vec!["P-4"], vec!["P-6"]));
    // Only the people shown are on the record: 2+1+2+0+1+1+1+1.
    assert_eq!(access_log(&node).len() - before, 9);
    // A name with no word in it is refused, naming it.
    let err = node
        .session(as_role(Role::Monitor))
        .people(&PeopleFilter {
            name: Some("al- --".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("al- --"), "{err}");
    // A person moved keeps their name entries; verify finds the index as
    // the events derive it.
    hand_over(&mut node, "P-4", "F-A", "F-B");
    assert_eq!(
        find(&mut node, Role::Monitor, "Juburi", Some("F-B")),
        ["P-4", "P-6"]
    );
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
}
