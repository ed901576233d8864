//! `rollcall plan`: read an instance, plan it, write the plan. Thin glue over
//! `rollcall-plan`; `plan-instance` writes the reference operation's
//! instance from `rollcall-sim`.

use crate::output;
use anyhow::Context;
use rollcall_plan::{Options, Progress};
use std::io::Write;
use std::path::Path;

/// People from which a progress bar is worth showing.
const LARGE: u64 = 50_000;

pub fn run(input: &Path, out: &Path, what_if: bool, json: bool) -> anyhow::Result<i32> {
    let text = super::args::read_file(input, "the instance", super::args::MAX_ROSTER_FILE_BYTES)?;
    let instance: rollcall_plan::Instance = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a planner instance (see README, \"Transfer planner\")",
            input.display()
        )
    })?;
    drop(text);
    let file = create_new(out)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let bar = std::sync::Mutex::new(None::<indicatif::ProgressBar>);
    let progress = |p: Progress| {
        let Ok(mut bar) = bar.lock() else { return };
        match p {
            Progress::Bounded { people, .. } if people >= LARGE => {
                *bar = Some(output::bar(people, "planning"));
            }
            Progress::Day { left, .. } => {
                if let Some(b) = bar.as_ref() {
                    b.set_position(b.length().unwrap_or(0).saturating_sub(left));
                }
            }
            Progress::WhatIf { done, of } => {
                if let Some(b) = bar.as_ref() {
                    if done == 1 {
                        b.set_length(of as u64);
                        b.set_message("what-if");
                    }
                    b.set_position(done as u64);
                }
            }
            Progress::Bounded { .. } => {}
        }
    };
    let result = rollcall_plan::plan(
        &instance,
        &Options {
            what_if,
            threads,
            ..Options::default()
        },
        &progress,
    );
    if let Ok(Some(b)) = bar.lock().map(|mut b| b.take()) {
        b.finish_and_clear();
    }
    let plan = match result {
        Ok(plan) => plan,
        Err(e) => {
            drop(file);
            let _ = std::fs::remove_file(out);
            return Err(e.into());
        }
    };
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut w, &plan)?;
    w.write_all(b"\n")?;
    w.flush()
        .with_context(|| format!("cannot write the plan {}", out.display()))?;
    let e = &plan.explanation;
    if json {
        output::json(&serde_json::json!({
            "out": out.display().to_string(),
            "people": instance.people.len(),
            "days": plan.days,
            "lower_bound_days": plan.lower_bound_days,
            "movements": plan.movements.len(),
            "explanation": e,
        }))?;
        return Ok(0);
    }
    output::line(&format!(
        "planned {} people in {} days (no plan can take fewer than {}): {} movements, {} high-risk people by land; written to {}",
        output::n(instance.people.len() as u64),
        plan.days,
        plan.lower_bound_days,
        output::n(plan.movements.len() as u64),
        output::n(e.high_risk_by_land),
        out.display()
    ))?;
    output::line(&format!("binding: {}", e.binding.detail))?;
    for w in &e.what_if {
        output::line(&format!(
            "what if: {}: {} days ({} saved)",
            w.change, w.days, w.saved
        ))?;
    }
    Ok(0)
}

pub fn instance(seed: u64, scale: f64, out: &Path) -> anyhow::Result<i32> {
    let instance = rollcall_sim::plan_instance(seed, scale);
    let mut w = std::io::BufWriter::new(create_new(out)?);
    serde_json::to_writer(&mut w, &instance)?;
    w.write_all(b"\n")?;
    w.flush()
        .with_context(|| format!("cannot write {}", out.display()))?;
    output::line(&format!(
        "wrote the planner instance of the reference operation ({} people) to {}",
        output::n(instance.people.len() as u64),
        out.display()
    ))?;
    Ok(0)
}

fn create_new(path: &Path) -> anyhow::Result<std::fs::File> {
    // New and owner-only, like every file the CLI writes.
    output::create_new(path)
}
