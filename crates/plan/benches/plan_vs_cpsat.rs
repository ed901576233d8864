//! Rollcall's planner against Google OR-Tools CP-SAT on the reference
//! instances, side by side in one run:
//!
//!     pip install ortools
//!     cargo bench -p rollcall-plan --bench plan_vs_cpsat
//!
//! For each scale (default 1, 10 and 100; `PLAN_BENCH_SCALES=1,10` to
//! choose) it writes the instance of `rollcall_sim::plan_instance(1, scale)`
//! to a temporary file, then times Rollcall (reading the file, then
//! planning with the what-if questions on 2 threads, as `rollcall plan`
//! does) and `bench/plan_cpsat.py` (reading the file, building the model,
//! solving with 60 s and 2 workers; `PLAN_BENCH_CPSAT_SECONDS` to change),
//! and prints days, lower bounds, wall time and the ratios as a Markdown
//! table. `PLAN_BENCH_IMPROVE=0` plans without the improvement of the later
//! objectives (`Options::improve`), to compare. Not part of `cargo test`: it
//! runs only under `cargo bench`.

use std::process::Command;
use std::time::Instant;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` builds this; only `cargo bench` runs it.
    }
    let scales: Vec<f64> = std::env::var("PLAN_BENCH_SCALES")
        .unwrap_or_else(|_| "1,10,100".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let limit = std::env::var("PLAN_BENCH_CPSAT_SECONDS").unwrap_or_else(|_| "60".into());
    let improve = std::env::var("PLAN_BENCH_IMPROVE").map_or(true, |v| v != "0");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/plan_cpsat.py");
    println!(
        "| scale | people | Rollcall days | Rollcall bound | Rollcall s | CP-SAT status | CP-SAT days | CP-SAT bound | CP-SAT s | time ratio | high-risk by land (R / C) | vehicles (R / C) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for scale in scales {
        let instance = rollcall_sim::plan_instance(1, scale);
        let path = std::env::temp_dir().join(format!("rollcall-plan-bench-{scale}.json"));
        std::fs::write(&path, serde_json::to_vec(&instance).expect("serialisable"))
            .expect("temporary file");
        drop(instance);

        let t = Instant::now();
        let text = std::fs::read_to_string(&path).expect("readable");
        let instance: rollcall_plan::Instance = serde_json::from_str(&text).expect("an instance");
        let plan = rollcall_plan::plan(
            &instance,
            &rollcall_plan::Options {
                what_if: true,
                threads: 2,
                improve,
            },
            &|_| {},
        )
        .expect("a plan");
        let ours = t.elapsed().as_secs_f64();

        let out = Command::new("python3")
            .arg(script)
            .arg("--input")
            .arg(&path)
            .arg("--horizon")
            .arg((plan.days + 1).to_string())
            .arg("--time-limit")
            .arg(&limit)
            .arg("--workers")
            .arg("2")
            .output()
            .expect("python3 runs");
        let line = String::from_utf8_lossy(&out.stdout);
        let theirs: serde_json::Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            serde_json::json!({
                "status": format!("error: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""))
            })
        });
        let get = |k: &str| {
            theirs
                .get(k)
                .map(|v| v.to_string().trim_matches('"').to_string())
                .unwrap_or_else(|| "—".into())
        };
        let their_s = theirs.get("wall_s").and_then(|v| v.as_f64());
        // A time ratio only means something against a plan.
        let solved = theirs.get("days").is_some();
        println!(
            "| {scale} | {} | {} | {} | {:.2} | {} | {} | {} | {} | {} | {} / {} | {} / {} |",
            instance.people.len(),
            plan.days,
            plan.lower_bound_days,
            ours,
            get("status"),
            get("days"),
            get("bound_days"),
            their_s.map_or("—".into(), |s| format!("{s:.1}")),
            their_s
                .filter(|_| solved)
                .map_or("—".into(), |s| format!("{:.0}×", s / ours)),
            plan.explanation.high_risk_by_land,
            get("hr_by_land"),
            plan.explanation.vehicles_used,
            get("vehicles"),
        );
        let _ = std::fs::remove_file(&path);
    }
}
