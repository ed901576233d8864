//! `demo` records the reference operation through the normal append path;
//! `status` prints the summary.

use super::Ctx;
use crate::output::{bar, json, line, n, note};
use anyhow::Context;
use rollcall_core::PersonId;
use rollcall_node::{ImportOptions, ImportRow, Node, NodeError, Principal, ReviewChoice, RowFate};
use serde_json::json;

pub fn run(ctx: &Ctx, seed: u64, scale: f64) -> anyhow::Result<i32> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 1000.0) {
        anyhow::bail!("--scale must be a number above 0 and at most 1000, not {scale}");
    }
    let mut node = ctx.init(rollcall_sim::NODE)?;
    let cfg = rollcall_sim::Config { seed, scale };
    let reg = rollcall_sim::registration(&cfg);
    note(&format!(
        "recording the reference operation (seed {seed}, scale {scale}): {} people from {} rosters, into {}",
        n(rollcall_sim::people_of(&cfg)),
        reg.rosters.len(),
        ctx.data
    ));
    let started = std::time::Instant::now();
    let c = &reg.custodians;
    node.stage_step(&c.user, c.at, &c.action)
        .context("registering the custodians")?;
    ctx.ack(&node.commit()?);
    let ids = register(ctx, &mut node, &reg, rollcall_sim::people_of(&cfg) as usize)?;
    let op = rollcall_sim::generate_for(&cfg, &ids)
        .context("the rosters did not register one person per person of the operation")?;
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

/// What the registration did, for the note that follows it.
#[derive(Default)]
struct Tally {
    registered: u64,
    linked: u64,
    mislinked: u64,
    decided: u64,
    waiting: u64,
    relinked: u64,
}

/// Imports the operation's rosters through identity matching, exactly as
/// `import roster` does, and works through the review queue the way the
/// registrar would, knowing (from the generator's ground truth) who each
/// row really is: a row that is nobody registered yet is registered; a
/// row that is one of its candidates is recorded against them; the last
/// review of each recount is left waiting, so the demonstration has a
/// queue. A row the matcher registered although its person already was
/// (a duplicate it missed) is linked to them, both records kept. Returns
/// each person's id, in the generator's order.
fn register(
    ctx: &Ctx,
    node: &mut Node,
    reg: &rollcall_sim::Registration,
    people: usize,
) -> anyhow::Result<Vec<PersonId>> {
    let mut ids: Vec<Option<PersonId>> = vec![None; people];
    let mut tally = Tally::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for roster in &reg.rosters {
        let principal = Principal::local_operator(&roster.user);
        let rows: Vec<ImportRow> = roster
            .rows
            .iter()
            .map(|r| ImportRow {
                source: r.source.clone(),
                record: r.record.clone(),
            })
            .collect();
        // A recount lists people registered before it.
        let recount = roster.rows.iter().all(|r| ids[r.person].is_some());
        let opts = ImportOptions {
            facility: roster.facility.as_str(),
            at: roster.at,
            auto_link: rollcall_matching::Config::default().auto_link,
            // A facility's own roster lists each of its people once: any
            // likeness between its rows is for the registrar to judge.
            review_all: !recount,
            quarantine: false,
            threads,
        };
        let report = node
            .import_roster(&principal, &rows, opts)
            .with_context(|| format!("importing {}", roster_name(roster)))?;
        if let Some(r) = &report.receipt {
            ctx.ack(r);
        }
        let mut reviews = Vec::new();
        let mut again = Vec::new();
        for (row, fate) in roster.rows.iter().zip(&report.fates) {
            match fate {
                RowFate::Registered(id) => match &ids[row.person] {
                    None => {
                        ids[row.person] = Some(id.clone());
                        tally.registered += 1;
                    }
                    Some(first) => again.push((id.clone(), first.clone())),
                },
                RowFate::Linked { person, .. } => {
                    if ids[row.person].as_ref() == Some(person) {
                        tally.linked += 1;
                    } else if recount {
                        // The matcher's mistake, left as it made it:
                        // nothing in the ledger undoes a link yet.
                        tally.mislinked += 1;
                    } else {
                        anyhow::bail!(
                            "{}, record {}: linked to {person} although nothing was to be linked automatically",
                            roster_name(roster),
                            row.source.record_id
                        );
                    }
                }
                RowFate::InReview { review, .. } => reviews.push((review.clone(), row.person)),
                RowFate::Refused(why) => anyhow::bail!(
                    "{}, record {}: refused: {why}",
                    roster_name(roster),
                    row.source.record_id
                ),
            }
        }
        // The registrar's decisions, twenty minutes after the import.
        let decided_at = |k: usize| {
            rollcall_core::Timestamp::from_second(roster.at.as_second() + 20 * 60 + k as i64)
                .unwrap_or(roster.at)
        };
        let last = reviews.len().saturating_sub(1);
        for (k, (review, person)) in reviews.iter().enumerate() {
            let at = decided_at(k);
            match ids[*person].clone() {
                None => {
                    let (_, id) = node.decide_review(
                        &principal,
                        at,
                        review.as_str(),
                        ReviewChoice::NewPerson,
                        "compared with each candidate's record: another father, grandfather or date of birth; a different person",
                    )?;
                    ids[*person] = Some(id);
                    tally.registered += 1;
                    tally.decided += 1;
                }
                Some(_) if recount && k == last => tally.waiting += 1,
                Some(truth) => match node.decide_review(
                    &principal,
                    at,
                    review.as_str(),
                    ReviewChoice::SamePerson(Some(truth.as_str())),
                    "the recount row is this person: the names as transliterated, the date of birth and the nationality agree",
                ) {
                    Ok(_) => tally.decided += 1,
                    // The person is not among the candidates: left for a closer look.
                    Err(NodeError::Invalid(_)) => tally.waiting += 1,
                    Err(e) => return Err(e.into()),
                },
            }
        }
        for (k, (dup, first)) in again.iter().enumerate() {
            node.link_people(
                &principal,
                decided_at(reviews.len() + k),
                dup.as_str(),
                first.as_str(),
                "listed again on the recount and registered twice; the same person, confirmed against the registered record at the facility",
            )?;
            tally.relinked += 1;
        }
        if node.staged() > 0 {
            ctx.ack(&node.commit()?);
        }
    }
    note(&format!(
        "registered {} people through identity matching: {} recount rows linked to them ({} to the wrong person), {} reviews decided, {} waiting, {} duplicates found after registration and linked",
        n(tally.registered),
        n(tally.linked + tally.mislinked),
        n(tally.mislinked),
        n(tally.decided),
        n(tally.waiting),
        n(tally.relinked)
    ));
    ids.into_iter()
        .enumerate()
        .map(|(i, id)| {
            id.with_context(|| format!("person {} of the operation was not registered", i + 1))
        })
        .collect()
}

fn roster_name(r: &rollcall_sim::Roster) -> &str {
    r.rows
        .first()
        .map_or("a roster", |row| row.source.roster.as_str())
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
    if s.linked > 0 {
        line(&format!(
            "  registered     {:>8}   ({} pairs of records linked as one person)",
            n(s.registered),
            n(s.linked)
        ))?;
    } else {
        line(&format!("  registered     {:>8}", n(s.registered)))?;
    }
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
