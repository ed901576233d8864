//! How fast events are written in and read back from their canonical bytes,
//! on the reference operation's events (seed 1):
//!
//!     cargo run --release -p rollcall-sim --example encode_speed -- [scale] [rounds]
//!
//! Prints encodes/s (`Event::encode`, RFC 8785), decodes/s (`Event::decode`,
//! which parses and re-encodes to check the bytes are canonical) and, for
//! comparison, plain `serde_json::to_vec` (not canonical: members in
//! declaration order). Single-threaded; the figure is the best of `rounds`.

use rollcall_core::State;
use rollcall_core::event::{Actor, Event};
use rollcall_core::{NodeId, UserId};
use std::hint::black_box;
use std::time::Instant;

fn events(scale: f64) -> Vec<Event> {
    let op = rollcall_sim::generate(&rollcall_sim::Config { seed: 1, scale });
    let mut state = State::new();
    let mut out = Vec::new();
    for step in &op.steps {
        let kinds = rollcall_sim::expand(&step.action, &state).expect("expand");
        let seq0 = state.next_counter(&NodeId::new(rollcall_sim::NODE));
        let batch: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let actor = Actor {
                    user: UserId(step.user.clone()),
                    node: NodeId::new(rollcall_sim::NODE),
                };
                Event::new(seq0 + i as u64, step.at, step.at, actor, k)
            })
            .collect();
        state.apply_batch(&batch).expect("apply");
        out.extend(batch);
    }
    out
}

/// The best rate of `rounds` runs of `f` over `n` items.
fn best(rounds: usize, n: usize, mut f: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            n as f64 / start.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let rounds = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let events = events(scale);
    let bytes: Vec<Vec<u8>> = events.iter().map(|e| e.encode().expect("encode")).collect();
    let total: usize = bytes.iter().map(Vec::len).sum();
    println!(
        "{} events, {:.0} bytes each on average, best of {rounds} rounds",
        events.len(),
        total as f64 / events.len() as f64
    );
    let n = events.len();
    let encode = best(rounds, n, || {
        for e in &events {
            black_box(e.encode().expect("encode"));
        }
    });
    let decode = best(rounds, n, || {
        for b in &bytes {
            black_box(Event::decode(b).expect("decode"));
        }
    });
    let plain = best(rounds, n, || {
        for e in &events {
            black_box(serde_json::to_vec(e).expect("serde_json"));
        }
    });
    println!("Event::encode (RFC 8785)      {encode:>12.0} /s");
    println!("Event::decode (+ canonical)   {decode:>12.0} /s");
    println!("serde_json::to_vec (plain)    {plain:>12.0} /s");
}
