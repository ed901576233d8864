//! The node's append path and reads, on a real SQLite store in a temp dir.

use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::event::{EventKind, Side};
use rollcall_core::person::{Category, Names, PersonRecord};
use rollcall_core::{Country, CustodianId, PersonId, Rule, Timestamp};
use rollcall_node::{Node, NodeError};
use rollcall_store::Store;

fn facility(id: &str, capacity: u32) -> EventKind {
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
            capacity,
            categories: vec![Category::AdultMale],
        }),
    }
}

fn register(id: &str, at: &str) -> EventKind {
    EventKind::PersonRegistered {
        person: PersonId::new(id),
        record: PersonRecord {
            names: Names {
                full: format!("Name of {id}"),
                ..Names::default()
            },
            nationalities: vec![Country::parse("SY").unwrap()],
            ..PersonRecord::default()
        },
        custodian: CustodianId::new(at),
        source: None,
        capacity_override: None,
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

fn t() -> Timestamp {
    Timestamp::from_second(1_769_000_000).unwrap()
}

fn setup() -> (tempfile::TempDir, Node) {
    let tmp = tempfile::tempdir().unwrap();
    let mut node = Node::init(&tmp.path().join("data"), "test-node").unwrap();
    node.append("admin", t(), vec![facility("F-A", 10), facility("F-B", 1)])
        .unwrap();
    node.append(
        "registrar",
        t(),
        vec![register("P-1", "F-A"), register("P-2", "F-A")],
    )
    .unwrap();
    (tmp, node)
}

/// The CLI's principal: the local operator, who may read everything, recorded.
fn operator() -> rollcall_node::Principal {
    rollcall_node::Principal::local_operator("operator")
}

/// The node's store, opened beside it (the node does not hand its own out).
fn store(node: &Node) -> rollcall_store_sqlite::SqliteStore {
    rollcall_store_sqlite::SqliteStore::open_existing(
        &node.location().dir().unwrap().join(rollcall_node::DB_FILE),
    )
    .unwrap()
}

fn snapshot(node: &Node) -> (u64, Option<String>, Vec<rollcall_store::ProjectionRow>) {
    let s = store(node);
    (
        s.size().unwrap(),
        s.latest_checkpoint().unwrap().map(|c| c.note),
        s.projection_all().unwrap(),
    )
}

#[test]
fn init_refuses_an_existing_ledger_and_keeps_the_key_private() {
    let (tmp, node) = setup();
    let dir = node.location().dir().unwrap().to_path_buf();
    drop(node);
    assert!(matches!(
        Node::init(&dir, "again"),
        Err(NodeError::AlreadyInitialised(_))
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("node.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No leftovers of the staging directory beside it.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["data".to_string()]);
    let err = Node::open(&tmp.path().join("nowhere")).unwrap_err();
    assert!(err.to_string().contains("rollcall init"), "{err}");
}

#[test]
fn a_refused_batch_changes_nothing_in_memory_or_on_disk() {
    let (_tmp, mut node) = setup();
    let before = snapshot(&node);
    // In memory, as far as the node shows it without reading anyone's
    // record: every count, occupancy and status figure.
    let figures_before = node.summary().unwrap();
    // The second event breaks a rule: the first must not land either.
    let err = node
        .append(
            "escort",
            t(),
            vec![handover("P-1", "F-A", "F-B"), handover("P-2", "F-B", "F-A")],
        )
        .unwrap_err();
    match err {
        NodeError::Refused(r) => {
            assert_eq!(r.index, 1);
            assert_eq!(r.violation.rule, Rule::HandoverFromCurrentCustodian);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(snapshot(&node), before);
    assert_eq!(node.summary().unwrap(), figures_before);
    assert_eq!(node.custodian("F-B").unwrap().unwrap().occupancy, 0);
    // Capacity: F-B holds one.
    node.append("escort", t(), vec![handover("P-1", "F-A", "F-B")])
        .unwrap();
    let err = node
        .append("escort", t(), vec![handover("P-2", "F-A", "F-B")])
        .unwrap_err();
    assert!(err.to_string().contains("facility-capacity"), "{err}");
}

#[test]
fn group_commit_signs_one_head_for_many_batches_and_drops_what_was_never_committed() {
    let (_tmp, mut node) = setup();
    let size0 = node.size();
    let heads0 = store(&node).checkpoints().unwrap().len();
    let a = node.stage("r", t(), vec![register("P-3", "F-A")]).unwrap();
    // A refused batch in the middle of a group leaves the others staged.
    assert!(node.stage("r", t(), vec![register("P-3", "F-A")]).is_err());
    let b = node.stage("r", t(), vec![register("P-4", "F-A")]).unwrap();
    assert_eq!((a, b), (size0, size0 + 1));
    assert_eq!(
        store(&node).size().unwrap(),
        size0,
        "nothing durable before commit"
    );
    let r = node.commit().unwrap();
    assert_eq!((r.first_seq, r.count, r.tree_size), (size0, 2, size0 + 2));
    assert_eq!(store(&node).checkpoints().unwrap().len(), heads0 + 1);
    // Staged but never committed: gone after reopening, as it was never acknowledged.
    node.stage("r", t(), vec![register("P-5", "F-A")]).unwrap();
    let dir = node.location().dir().unwrap().to_path_buf();
    drop(node);
    let mut node = Node::open(&dir).unwrap();
    assert_eq!(node.size(), size0 + 2);
    assert_eq!(node.summary().unwrap().registered, 4);
    assert!(matches!(
        node.session(operator()).person("P-5"),
        Err(NodeError::NotFound(_))
    ));
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
}

#[test]
fn reads_of_people_are_audited_and_proofs_verify() {
    let (_tmp, mut node) = setup();
    let monitor = rollcall_node::Principal {
        user: "monitor".into(),
        account: "uid 1".into(),
        role: rollcall_node::Role::Monitor,
        reason: None,
    };
    let judge = rollcall_node::Principal {
        user: "judge".into(),
        ..rollcall_node::Principal::local_operator("judge")
    };
    let listed = node
        .session(monitor)
        .people(&rollcall_node::PeopleFilter {
            at: Some("F-A".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.len(), 2);
    let report = node.session(judge.clone()).person("P-1").unwrap();
    assert_eq!(report.history.len(), 1);
    for p in &report.proofs {
        p.verify(node.verifier()).unwrap();
    }
    let log = store(&node).access_log().unwrap();
    let seen: Vec<(String, String)> = log
        .iter()
        .map(|a| (a.user.clone(), a.subject.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("monitor".to_string(), "P-1".to_string()),
            ("monitor".to_string(), "P-2".to_string()),
            ("judge".to_string(), "P-1".to_string())
        ]
    );
    assert!(node.session(judge).person("P-404").is_err());
    assert_eq!(
        store(&node).access_log().unwrap().len(),
        3,
        "an unknown id reads nothing"
    );
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
}

#[test]
fn a_restored_copy_verifies_but_cannot_sign() {
    let (tmp, node) = setup();
    let backup = tmp.path().join("backup.db");
    let head = node.backup(&backup).unwrap().expect("a head");
    assert_eq!(head.size, node.size());
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(&backup, copy.join(rollcall_node::DB_FILE)).unwrap();
    let mut restored = Node::open(&copy).unwrap();
    assert!(!restored.can_sign());
    assert!(restored.verify(Default::default(), &mut |_| {}).unwrap().ok);
    let err = restored
        .append("x", t(), vec![register("P-9", "F-A")])
        .unwrap_err();
    assert!(matches!(err, NodeError::Key { .. }), "{err}");
    // Checked against another node's key, every head fails.
    let other = Node::init(&tmp.path().join("other"), "other-node").unwrap();
    let report = restored
        .verify(
            rollcall_node::VerifyOptions {
                key: Some(other.verifier()),
                since: None,
            },
            &mut |_| {},
        )
        .unwrap();
    assert!(!report.ok);
    assert_eq!(report.problems[0].kind, rollcall_node::ProblemKind::Head);
}

fn register_key(custodian: &str, key: &rollcall_ledger::SigningKey) -> EventKind {
    EventKind::OfficerKeyRegistered {
        custodian: CustodianId::new(custodian),
        key: key.verifier().to_string(),
        officer: key.name().to_string(),
    }
}

fn refused_by(err: &NodeError) -> Option<Rule> {
    match err {
        NodeError::Refused(r) => Some(r.violation.rule),
        _ => None,
    }
}

#[test]
fn handover_signatures_count_only_by_registered_live_keys_of_each_side() {
    let (tmp, mut node) = setup();
    let a = rollcall_node::keyfile::create_at(&tmp.path().join("a.key"), "officer.a").unwrap();
    let b = rollcall_ledger::SigningKey::from_seed("officer.b", [7; 32]).unwrap();
    let stranger = rollcall_ledger::SigningKey::from_seed("stranger", [9; 32]).unwrap();
    let revoked = rollcall_ledger::SigningKey::from_seed("officer.old", [11; 32]).unwrap();
    node.append(
        "admin",
        t(),
        vec![
            register_key("F-A", &a),
            register_key("F-B", &b),
            register_key("F-A", &revoked),
            EventKind::OfficerKeyRevoked {
                custodian: CustodianId::new("F-A"),
                key: revoked.verifier().to_string(),
                reason: "device lost".into(),
            },
        ],
    )
    .unwrap();
    let size = node.size();
    let signed = |node: &Node, signers: &[(Side, &rollcall_ledger::SigningKey)]| {
        let mut kinds = vec![handover("P-1", "F-A", "F-B")];
        node.sign_handovers(&mut kinds, t(), signers);
        kinds
    };
    // An unregistered key, a revoked key, the same key on both sides, and a
    // key of the other side's custodian are all refused.
    for (signers, why) in [
        (vec![(Side::From, &stranger)], "unregistered"),
        (vec![(Side::From, &revoked)], "revoked"),
        (
            vec![(Side::From, &a), (Side::To, &a)],
            "same key on both sides",
        ),
        (vec![(Side::To, &a)], "key of the other custodian"),
    ] {
        let err = node
            .append("escort", t(), signed(&node, &signers))
            .unwrap_err();
        assert_eq!(refused_by(&err), Some(Rule::OfficerKey), "{why}: {err}");
        assert_eq!(node.size(), size, "{why}");
    }
    // A signature made for another event (a later counter: a replay) does not verify.
    let mut replayed = vec![handover("P-1", "F-A", "F-B")];
    let mut later = vec![handover("P-2", "F-A", "F-B"), handover("P-1", "F-A", "F-B")];
    node.sign_handovers(&mut later, t(), &[(Side::From, &a)]);
    if let (
        EventKind::CustodyHandedOver { signatures, .. },
        EventKind::CustodyHandedOver {
            signatures: theirs, ..
        },
    ) = (&mut replayed[0], &later[1])
    {
        *signatures = theirs.clone();
    }
    let err = node.append("escort", t(), replayed).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    assert_eq!(node.size(), size);
    // Both sides' registered keys: accepted, and verify checks them again.
    node.append(
        "escort",
        t(),
        signed(&node, &[(Side::From, &a), (Side::To, &b)]),
    )
    .unwrap();
    assert!(node.verify(Default::default(), &mut |_| {}).unwrap().ok);
}

#[test]
fn an_officer_key_is_registered_once_and_must_parse() {
    let (_tmp, mut node) = setup();
    let a = rollcall_ledger::SigningKey::from_seed("officer.a", [3; 32]).unwrap();
    node.append("admin", t(), vec![register_key("F-A", &a)])
        .unwrap();
    let err = node
        .append("admin", t(), vec![register_key("F-B", &a)])
        .unwrap_err();
    assert_eq!(refused_by(&err), Some(Rule::UniqueId), "{err}");
    let err = node
        .append(
            "admin",
            t(),
            vec![EventKind::OfficerKeyRegistered {
                custodian: CustodianId::new("F-A"),
                key: "officer+00000000+AAAA".into(),
                officer: "x".into(),
            }],
        )
        .unwrap_err();
    assert!(matches!(err, NodeError::Signature(_)), "{err}");
}

#[test]
fn two_writers_never_fork_the_ledger() {
    let (_tmp, mut a) = setup();
    let mut b = Node::open(a.location().dir().unwrap()).unwrap();
    // `a` has already loaded what its next append reads (P-8 is not here).
    assert!(matches!(
        a.session(operator()).person("P-8"),
        Err(NodeError::NotFound(_))
    ));
    b.append("r", t(), vec![register("P-7", "F-A")]).unwrap();
    let size = b.size();
    // `a` was opened before `b` wrote: taking the write lock for its batch,
    // it finds the store longer, reads it again, and its batch lands after
    // b's — checked against the store as it now is, never forking it.
    let receipt = a.append("r", t(), vec![register("P-8", "F-A")]).unwrap();
    assert_eq!(receipt.first_seq, size);
    let mut fresh = Node::open(a.location().dir().unwrap()).unwrap();
    let mut reader = fresh.session(operator());
    assert_eq!(reader.person("P-7").unwrap().person, "P-7");
    assert_eq!(reader.person("P-8").unwrap().person, "P-8");
    let recorded: Vec<String> = store(&fresh)
        .access_log()
        .unwrap()
        .into_iter()
        .map(|r| r.subject)
        .collect();
    assert_eq!(recorded, ["P-7", "P-8"]);
    assert!(fresh.verify(Default::default(), &mut |_| {}).unwrap().ok);
}

#[test]
fn a_stale_node_that_must_load_rows_checks_against_the_store_as_it_now_is() {
    let (_tmp, a) = setup();
    let dir = a.location().dir().unwrap().to_path_buf();
    drop(a);
    // `a` is opened and has loaded nothing about P-1 when `b` moves P-1.
    let mut a = Node::open(&dir).unwrap();
    let mut b = Node::open(&dir).unwrap();
    b.append("r", t(), vec![handover("P-1", "F-A", "F-B")])
        .unwrap();
    // `a` must load P-1's rows; the store has moved on since it opened, so
    // it reopens and checks the handover against P-1 as now held by F-B.
    let err = a
        .append("r", t(), vec![handover("P-1", "F-A", "F-A")])
        .unwrap_err();
    assert_eq!(
        refused_by(&err),
        Some(Rule::HandoverFromCurrentCustodian),
        "{err}"
    );
    // And a handover from the custodian that holds P-1 now lands after b's.
    let r = a
        .append("r", t(), vec![handover("P-1", "F-B", "F-A")])
        .unwrap();
    assert_eq!(r.first_seq, b.size());
    let report = rollcall_node::verify_dir(&dir, Default::default(), &mut |_| {}).unwrap();
    assert!(report.ok, "{:?}", report.problems);
}

/// Probe row 10: a long batch is never overtaken. While one node has staged
/// (and so holds the write lock), another node's append waits for it
/// instead of committing first and making the long batch's commit a
/// conflict; then it checks against the store as the first left it.
#[test]
fn a_staged_batch_is_never_overtaken_by_another_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut a = Node::init(&dir, "test-node").unwrap();
    a.append(
        "admin",
        t(),
        vec![facility("F-A", 100), facility("F-B", 100)],
    )
    .unwrap();
    a.append("registrar", t(), vec![register("P-1", "F-A")])
        .unwrap();
    let big: Vec<EventKind> = (2..40)
        .map(|i| register(&format!("P-{i}"), "F-A"))
        .collect();
    a.stage("registrar", t(), big).unwrap();
    let other = {
        let dir = dir.clone();
        std::thread::spawn(move || {
            let mut b = Node::open(&dir).unwrap();
            let receipt = b
                .append("escort", t(), vec![handover("P-1", "F-A", "F-B")])
                .unwrap();
            (receipt.first_seq, b.size())
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!other.is_finished(), "the other writer waits for the lock");
    let mine = a.commit().expect("the long batch commits, not a conflict");
    let (theirs, size) = other.join().unwrap();
    assert_eq!(theirs, mine.tree_size, "the other batch lands after it");
    assert_eq!(size, mine.tree_size + 1);
    // Both are in the projections of a fresh node, and verify passes.
    let mut fresh = Node::open(&dir).unwrap();
    assert_eq!(fresh.summary().unwrap().registered, 39);
    let report = fresh.verify(Default::default(), &mut |_| {}).unwrap();
    assert!(report.ok, "{:?}", report.problems);
}
