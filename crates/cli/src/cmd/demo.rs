//! `demo` records the reference operation through the normal append path;
//! `status` prints the summary.

use super::Ctx;
use crate::output::{bar, json, line, n, note};
use anyhow::Context;
use rollcall_node::Node;
use serde_json::json;

pub fn run(ctx: &Ctx, seed: u64, scale: f64) -> anyhow::Result<i32> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 1000.0) {
        anyhow::bail!("--scale must be a number above 0 and at most 1000, not {scale}");
    }
    let mut node = ctx.init(rollcall_sim::NODE)?;
    let op = rollcall_sim::generate(&rollcall_sim::Config { seed, scale });
    note(&format!(
        "recording the reference operation (seed {seed}, scale {scale}): {} people, {} movements, into {}",
        n(op.people),
        n(op.movements),
        ctx.data
    ));
    let started = std::time::Instant::now();
    let pb = bar(op.steps.len() as u64, "steps");
    // Group commit: each step is checked as its own atomic batch, and up to
    // GROUP_EVENTS events' worth of steps share one durable transaction and
    // one signed head. Nothing is acknowledged before its commit returns.
    const GROUP_EVENTS: usize = 5_000;
    for (i, step) in op.steps.iter().enumerate() {
        node.stage_step(&step.user, step.at, &step.action)
            .with_context(|| format!("recording step {i} at {}", step.at))?;
        if node.staged() >= GROUP_EVENTS {
            ctx.ack(&node.commit()?);
        }
        pb.inc(1);
    }
    ctx.ack(&node.commit()?);
    pb.finish_and_clear();
    note(&format!(
        "recorded {} events in {:.1} s",
        n(node.size()),
        started.elapsed().as_secs_f64()
    ));
    print_status(&mut node)?;
    Ok(0)
}

pub fn status(ctx: &Ctx, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    if as_json {
        let s = node.summary()?;
        let head = node.head()?;
        let mut v = serde_json::to_value(&s)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("nationalities".into(), json!(s.by_nationality.len()));
            obj.insert(
                "tree_head".into(),
                json!(
                    head.as_ref()
                        .map(|(cp, _)| rollcall_ledger::hash_to_hex(&cp.root))
                ),
            );
            obj.insert(
                "tree_size".into(),
                json!(head.as_ref().map(|(cp, _)| cp.size)),
            );
            obj.insert("node".into(), json!(node.node_id().to_string()));
        }
        json(&v)?;
    } else {
        print_status(&mut node)?;
    }
    Ok(0)
}

fn print_status(node: &mut Node) -> anyhow::Result<()> {
    let s = node.summary()?;
    line(&format!(
        "Rollcall — node {} ({})",
        node.node_id(),
        node.location()
    ))?;
    line(&format!("  registered     {:>8}", n(s.registered)))?;
    line(&format!("  scheduled      {:>8}", n(s.scheduled)))?;
    line(&format!("  transferred    {:>8}", n(s.transferred)))?;
    line(&format!("  in transit     {:>8}", n(s.in_transit)))?;
    line(&format!("  held           {:>8}", n(s.held)))?;
    if s.released + s.repatriated + s.escaped + s.deceased > 0 {
        line(&format!(
            "  released {} · repatriated {} · escaped {} · deceased {}",
            n(s.released),
            n(s.repatriated),
            n(s.escaped),
            n(s.deceased)
        ))?;
    }
    let mut nat: Vec<(&String, &u64)> = s.by_nationality.iter().collect();
    nat.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = nat
        .iter()
        .take(6)
        .map(|(k, v)| format!("{k} {}", n(**v)))
        .collect();
    line(&format!(
        "  nationalities  {:>8}   ({} …)",
        n(s.by_nationality.len() as u64),
        top.join(" · ")
    ))?;
    let mv: Vec<String> = s
        .movements
        .iter()
        .map(|(k, v)| format!("{k} {}", n(*v)))
        .collect();
    line(&format!(
        "  movements      {:>8}   ({})",
        n(s.movements.values().sum()),
        mv.join(" · ")
    ))?;
    line(&format!(
        "  discrepancies  open {} · resolved {}",
        n(s.open_discrepancies),
        n(s.resolved_discrepancies)
    ))?;
    line("Facilities")?;
    for (id, f) in &s.by_facility {
        line(&format!(
            "  {id:<8} {:<40} {}  {:>7} / {:<7}",
            f.name,
            f.country,
            n(f.occupancy as u64),
            n(f.capacity as u64)
        ))?;
    }
    match node.head()? {
        Some((cp, _)) => line(&format!(
            "Ledger: {} events; signed tree head {} by {}",
            n(cp.size),
            rollcall_ledger::hash_to_hex(&cp.root),
            node.verifier().name()
        ))?,
        None => line("Ledger: empty")?,
    }
    Ok(())
}
