//! Times the planner's phases on an instance file: `cargo run --release -p
//! rollcall-plan --example phases -- INSTANCE.json`.
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("an instance file");
    let t = Instant::now();
    let text = std::fs::read_to_string(&path).expect("readable");
    let i: rollcall_plan::Instance = serde_json::from_str(&text).expect("an instance");
    eprintln!("parse {:?}", t.elapsed());
    for what_if in [false, true] {
        let t = Instant::now();
        let p = rollcall_plan::plan(
            &i,
            &rollcall_plan::Options {
                what_if,
                threads: 2,
            },
            &|_| {},
        )
        .expect("a plan");
        eprintln!(
            "plan (what-if {what_if}) {:?}: {} days, bound {}, {} high-risk by land, {} vehicles",
            t.elapsed(),
            p.days,
            p.lower_bound_days,
            p.explanation.high_risk_by_land,
            p.explanation.vehicles_used
        );
    }
}
