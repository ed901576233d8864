//! The commands that list rows — the watch, the discrepancy list, the
//! officer keys — find them through the index, so a node that opens a
//! store answers them without loading every row, and answers exactly as a
//! node holding every row does.

use crate::{Node, Principal, Role};
use rollcall_core::CustodianId;
use rollcall_core::event::EventKind;
use rollcall_core::state::residency::Miss;
use rollcall_ledger::SigningKey;

fn monitor() -> Principal {
    Principal {
        user: "monitor".into(),
        account: "uid 1000".into(),
        role: Role::Monitor,
        reason: None,
    }
}

/// A new node at `dir` with the reference operation of `seed` at scale
/// 0.2 recorded (about 1,400 people): the operation and the node.
pub(crate) fn recorded(dir: &std::path::Path, seed: u64) -> (rollcall_sim::Operation, Node) {
    let op = rollcall_sim::generate(&rollcall_sim::Config { seed, scale: 0.2 });
    let mut node = Node::init(dir, rollcall_sim::NODE).unwrap();
    for step in &op.steps {
        node.stage_step(&step.user, step.at, &step.action).unwrap();
        if node.staged() >= 2_000 {
            node.commit().unwrap();
        }
    }
    node.commit().unwrap();
    (op, node)
}

#[test]
fn listing_commands_read_through_the_index_and_agree_with_every_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (op, mut node) = recorded(&dir, 5);
    let facility = node.facilities().unwrap()[0].0.clone();
    let officers: Vec<EventKind> = (0..3u8)
        .map(|i| {
            let key = SigningKey::from_seed(&format!("officer.{i}"), [i + 1; 32]).unwrap();
            EventKind::OfficerKeyRegistered {
                custodian: CustodianId::new(&facility),
                key: key.verifier().to_string(),
                officer: key.name().to_string(),
            }
        })
        .collect();
    let at = op.steps.last().unwrap().at;
    node.append("registrar", at, officers).unwrap();
    // The recording itself never needed every row (the sim's watch steps
    // list departed movements and open discrepancies from the index).
    assert!(!node.state.is_complete(), "recording loaded every row");
    drop(node);

    let mut whole = Node::open(&dir).unwrap();
    whole.fetch(&[Miss::All]).unwrap();
    assert!(whole.state.is_complete());
    let mut lazy = Node::open(&dir).unwrap();

    let keys = lazy.officer_keys().unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys, whole.officer_keys().unwrap());
    assert!(!lazy.state.is_complete(), "officer keys loaded every row");

    let listed = lazy.session(monitor()).discrepancies(false).unwrap();
    assert!(
        !listed.is_empty(),
        "the reference operation opens discrepancies"
    );
    assert_eq!(
        listed,
        whole.session(monitor()).discrepancies(false).unwrap()
    );
    let open = lazy.session(monitor()).discrepancies(true).unwrap();
    assert_eq!(open, whole.session(monitor()).discrepancies(true).unwrap());
    assert!(
        !lazy.state.is_complete(),
        "the discrepancy list loaded every row"
    );

    // A day after the last step, every movement still under way is silent.
    let later = op.steps.last().unwrap().at + jiff::SignedDuration::from_hours(24);
    let rules = rollcall_core::tracking::TrackingRules::default();
    let (_, raised) = lazy.watch("watch", later, &rules, 3_600).unwrap();
    assert!(!lazy.state.is_complete(), "the watch loaded every row");
    // Its batch is staged, and so it holds the write lock: dropped
    // uncommitted, it lets the other node stage the same watch.
    drop(lazy);
    let (_, expected) = whole.watch("watch", later, &rules, 3_600).unwrap();
    assert_eq!(raised, expected);
    assert!(!raised.is_empty(), "something under way or open to raise");
}
