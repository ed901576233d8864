//! The reference operation, recorded through the guarantees, ends where the
//! operation report says it stood.

use rollcall_core::event::{Actor, Event};
use rollcall_core::{NodeId, State, UserId};
use rollcall_sim::{Config, expand, generate};

fn record(cfg: Config) -> State {
    let op = generate(&cfg);
    let mut state = State::new();
    for step in &op.steps {
        let kinds = expand(&step.action, &state).expect("step expands");
        let seq0 = state.next_seq();
        let events: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                Event::new(
                    seq0 + i as u64,
                    step.at,
                    step.at,
                    Actor {
                        user: UserId(step.user.clone()),
                        node: NodeId::new("sim"),
                    },
                    k,
                )
            })
            .collect();
        state
            .apply_batch(&events)
            .unwrap_or_else(|e| panic!("step at {} refused: {e}", step.at));
    }
    state
}

#[test]
fn scale_one_stops_at_the_reported_figures() {
    let state = record(Config {
        seed: 1,
        scale: 1.0,
    });
    let s = state.summary();
    assert_eq!(s.registered, 7_000);
    assert_eq!(s.scheduled, 7_000);
    assert_eq!(s.transferred, 4_583);
    assert!(s.in_transit > 0, "two movements are under way");
    let foreign = s
        .by_nationality
        .keys()
        .filter(|k| !["IRQ", "SYR", "unknown"].contains(&k.as_str()))
        .count();
    assert!(foreign >= 60, "only {foreign} other nationalities");
    let iq = s.by_nationality["IRQ"];
    let sy = s.by_nationality["SYR"];
    assert!(iq + sy > 5_000 && iq + sy < 7_000);
    let others: u64 = s
        .by_nationality
        .iter()
        .filter(|(k, _)| !["IRQ", "SYR", "unknown"].contains(&k.as_str()))
        .map(|(_, v)| v)
        .sum();
    assert!(others >= 200, "hundreds from other countries, got {others}");
    assert_eq!(s.movements.get("aborted"), Some(&1));
    assert_eq!(s.movements.get("departed"), Some(&2));
    assert!(s.movements.get("planned").copied().unwrap_or(0) > 0);
    assert!(s.resolved_discrepancies >= 2);
    assert!(s.open_discrepancies >= 1);
}

#[test]
fn same_seed_same_operation_other_seed_other_people() {
    let a = record(Config {
        seed: 7,
        scale: 0.1,
    });
    let b = record(Config {
        seed: 7,
        scale: 0.1,
    });
    let c = record(Config {
        seed: 8,
        scale: 0.1,
    });
    assert_eq!(a.to_rows(), b.to_rows());
    assert_ne!(a.to_rows(), c.to_rows());
    assert_eq!(a.summary().transferred, 458);
}

#[test]
fn other_seeds_and_scales_record_through_every_guarantee() {
    for (seed, scale) in [(2, 0.5), (3, 2.0), (4, 0.02)] {
        let s = record(Config { seed, scale }).summary();
        assert_eq!(s.scheduled, s.registered, "seed {seed} scale {scale}");
        assert_eq!(
            s.transferred,
            (4_583.0 * scale).round() as u64,
            "seed {seed} scale {scale}"
        );
    }
}
