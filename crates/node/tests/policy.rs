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
    rollcall_store::SqliteStore::open_existing(&node.location().dir().unwrap().join(rollcall_node::DB_FILE))
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
        let mut s = rollcall_store::SqliteStore::open_existing(&db).unwrap();
        let row = s.projection_get("custody", "P-1").unwrap().unwrap();
        let forged = row.replace("\"F-A\"", "\"F-B\"");
        assert_ne!(row, forged);
        let mut rows = s.projection_all().unwrap();
        for r in &mut rows {
            if r.table == "custody" && r.key == "P-1" {
                r.value = forged.clone();
            }
        }
        s.replace_projection(&rows).unwrap();
    }
    // Opening with the key refuses the rows before any rule trusts them.
    let err = Node::open(&dir).unwrap_err();
    assert!(matches!(err, NodeError::Unsealed(_)), "{err}");
    assert!(err.to_string().contains("rollcall rebuild"), "{err}");
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
