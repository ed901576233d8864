//! `rollcall plan`: read an instance, plan it, write the plan; or
//! (`--from-store`) plan everyone waiting in the ledger and record the
//! movements. Thin glue over `rollcall-plan` and the node;
//! `plan-instance` writes the reference operation's instance from
//! `rollcall-sim`.

use crate::output;
use anyhow::Context;
use rollcall_plan::ledger::TransportIn;
use rollcall_plan::{Options, Plan, Progress};
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
    let plan = match solve(&instance, what_if) {
        Ok(plan) => plan,
        Err(e) => {
            drop(file);
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
    };
    write_plan(file, out, &plan)?;
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
    summary(&instance, &plan)?;
    output::line(&format!("written to {}", out.display()))?;
    Ok(0)
}

/// What `plan --from-store` does to the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Store {
    /// Record the plan's movements.
    pub commit: bool,
    /// Withdraw the origins' planned movements that have not left, and plan
    /// their people again.
    pub replan: bool,
}

/// `plan --from-store`: the instance from the ledger and the transport
/// file, the plan printed (and written to `out`, if given), and with
/// `commit` its movements recorded in one commit, all or none.
pub fn from_store(
    ctx: &super::Ctx,
    transport: &Path,
    start: jiff::civil::Date,
    out: Option<&Path>,
    store: Store,
    what_if: bool,
    json: bool,
) -> anyhow::Result<i32> {
    let text = super::args::read_file(
        transport,
        "the transport file",
        super::args::MAX_ROSTER_FILE_BYTES,
    )?;
    let transport_in: TransportIn = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a transport file (see README, \"Transfer planner\")",
            transport.display()
        )
    })?;
    let file = out.map(create_new).transpose()?;
    let discard = |file: Option<std::fs::File>| {
        if let (Some(f), Some(out)) = (file, out) {
            drop(f);
            let _ = std::fs::remove_file(out);
        }
    };
    let mut node = ctx.open()?;
    let draft = match node.transfer_draft(ctx.principal(), &transport_in, start, store.replan) {
        Ok(d) => d,
        Err(e) => {
            discard(file);
            return Err(e.into());
        }
    };
    let instance = &draft.instance;
    if instance.people.is_empty() {
        discard(file);
        anyhow::bail!(
            "nobody is waiting at the origins of {}: everyone there is on an open movement or no longer held{}",
            transport.display(),
            if draft.kept > 0 {
                " (--replan plans the people of movements not yet departed again)"
            } else {
                ""
            }
        );
    }
    let plan = match solve(instance, what_if) {
        Ok(plan) => plan,
        Err(e) => {
            discard(file);
            return Err(e);
        }
    };
    if let (Some(f), Some(out)) = (file, out) {
        write_plan(f, out, &plan)?;
    }
    let recorded = if store.commit {
        let at = jiff::Timestamp::now();
        let ids = node
            .stage_transfer_plan(&ctx.user, at, &draft, &plan, &transport_in)
            .context("the plan cannot be recorded; nothing was recorded")?;
        let r = node.commit()?;
        ctx.ack(&r);
        ids
    } else {
        Vec::new()
    };
    if json {
        output::json(&serde_json::json!({
            "out": out.map(|o| o.display().to_string()),
            "people": instance.people.len(),
            "days": plan.days,
            "lower_bound_days": plan.lower_bound_days,
            "start_date": plan.start_date.to_string(),
            "movements": plan.movements.len(),
            "withdrawn": draft.withdrawn.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
            "kept": draft.kept,
            "committed": store.commit,
            "recorded": recorded.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "explanation": plan.explanation,
        }))?;
        return Ok(0);
    }
    summary(instance, &plan)?;
    for (day, n, flights, people) in days(&plan) {
        let date = plan
            .start_date
            .checked_add(jiff::Span::new().days(i64::from(day) - 1))
            .map(|d| d.to_string())
            .unwrap_or_default();
        output::line(&format!(
            "  day {day} ({date}): {} movements ({flights} flights), {} people",
            output::n(n),
            output::n(people)
        ))?;
    }
    if draft.kept > 0 {
        output::line(&format!(
            "{} planned movements from these origins, all leaving before {}, are left as they are (--replan plans their people again)",
            output::n(draft.kept as u64),
            plan.start_date
        ))?;
    }
    if let Some(out) = out {
        output::line(&format!("written to {}", out.display()))?;
    }
    if store.commit {
        if !draft.withdrawn.is_empty() {
            output::line(&format!(
                "withdrew {} planned movements that had not left",
                output::n(draft.withdrawn.len() as u64)
            ))?;
        }
        if let (Some(first), Some(last)) = (recorded.first(), recorded.last()) {
            output::line(&format!(
                "recorded {} planned movements, {first} to {last}",
                output::n(recorded.len() as u64)
            ))?;
        }
    } else {
        output::line("nothing recorded (--commit records these movements)")?;
    }
    Ok(0)
}

/// Per day of `plan`, in order: the day, its movements, the flights among
/// them, the people.
fn days(plan: &Plan) -> Vec<(u32, u64, u64, u64)> {
    let mut by_day: std::collections::BTreeMap<u32, (u64, u64, u64)> = Default::default();
    for m in &plan.movements {
        let d = by_day.entry(m.day).or_default();
        d.0 += 1;
        d.1 += u64::from(m.mode == rollcall_plan::ModeOut::Air);
        d.2 += m.people.len() as u64;
    }
    by_day
        .into_iter()
        .map(|(day, (n, flights, people))| (day, n, flights, people))
        .collect()
}

/// Plans `instance` on every core, with a progress bar on large ones.
fn solve(instance: &rollcall_plan::Instance, what_if: bool) -> anyhow::Result<Plan> {
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
        instance,
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
    Ok(result?)
}

fn write_plan(file: std::fs::File, out: &Path, plan: &Plan) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut w, plan)?;
    w.write_all(b"\n")?;
    w.flush()
        .with_context(|| format!("cannot write the plan {}", out.display()))
}

/// The plan in a few lines: days, bound, movements, the binding resource
/// and what more transport would save.
fn summary(instance: &rollcall_plan::Instance, plan: &Plan) -> anyhow::Result<()> {
    let e = &plan.explanation;
    output::line(&format!(
        "planned {} people in {} days (no plan can take fewer than {}): {} movements, {} high-risk people by land",
        output::n(instance.people.len() as u64),
        plan.days,
        plan.lower_bound_days,
        output::n(plan.movements.len() as u64),
        output::n(e.high_risk_by_land),
    ))?;
    output::line(&format!("binding: {}", e.binding.detail))?;
    for w in &e.what_if {
        output::line(&format!(
            "what if: {}: {} days ({} saved)",
            w.change, w.days, w.saved
        ))?;
    }
    Ok(())
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
