//! `review list|show|accept|reject`: the identity-match review queue. Every
//! read goes through the node's reader (recorded); every decision is a
//! ledger event with who made it and why.

use super::Ctx;
use crate::output::{json, line, n};
use crate::{ReviewCommand, ReviewStatusArg};
use rollcall_core::review::{PPM_ONE, Ppm, ReviewStatus};
use rollcall_core::state::views::ReviewView;
use rollcall_core::{Namespace, Timestamp};
use rollcall_node::ReviewChoice;
use serde_json::json;

pub fn run(ctx: &Ctx, command: ReviewCommand) -> anyhow::Result<i32> {
    match command {
        ReviewCommand::List {
            status,
            limit,
            json,
        } => list(ctx, status, limit as usize, json),
        ReviewCommand::Show { id, json } => show(ctx, &id, json),
        ReviewCommand::Accept {
            id,
            person,
            reason,
            json,
        } => decide(
            ctx,
            &id,
            ReviewChoice::SamePerson(person.as_deref()),
            &reason,
            json,
        ),
        ReviewCommand::Reject { id, reason, json } => {
            decide(ctx, &id, ReviewChoice::NewPerson, &reason, json)
        }
    }
}

fn status_of(s: ReviewStatusArg) -> ReviewStatus {
    match s {
        ReviewStatusArg::Pending => ReviewStatus::Pending,
        ReviewStatusArg::SamePerson => ReviewStatus::SamePerson,
        ReviewStatusArg::NewPerson => ReviewStatus::NewPerson,
    }
}

fn pct(ppm: Ppm) -> String {
    format!("{:.1} %", f64::from(ppm) * 100.0 / f64::from(PPM_ONE))
}

fn list(ctx: &Ctx, status: ReviewStatusArg, limit: usize, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let reviews = node
        .session(ctx.principal())
        .reviews(status_of(status), limit)?;
    if as_json {
        let out: Vec<serde_json::Value> =
            reviews.iter().map(|(id, r)| review_json(id, r)).collect();
        json(&out)?;
        return Ok(0);
    }
    if reviews.is_empty() {
        line(&format!("no {} reviews", status_of(status)))?;
        return Ok(0);
    }
    line(&format!(
        "{:<18} {:<20} {:<12} {:<32} best candidate",
        "review", "opened", "facility", "row"
    ))?;
    for (id, r) in &reviews {
        let best = r
            .candidates
            .first()
            .map(|c| format!("{} ({})", c.person, pct(c.probability_ppm)))
            .unwrap_or_else(|| "—".into());
        line(&format!(
            "{:<18} {:<20} {:<12} {:<32} {best}{}",
            id,
            r.opened_at.strftime("%Y-%m-%d %H:%M").to_string(),
            r.custodian,
            format!("{} / {}", r.source.roster, r.source.record_id),
            if r.candidates.len() > 1 {
                format!(" and {} more", r.candidates.len() - 1)
            } else {
                String::new()
            }
        ))?;
    }
    line(&format!(
        "{} shown; `rollcall review show ID` explains one",
        n(reviews.len() as u64)
    ))?;
    Ok(0)
}

fn review_json(id: &str, r: &ReviewView) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["id"] = json!(id);
    v
}

fn show(ctx: &Ctx, id: &str, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let r = node.session(ctx.principal()).review(id)?;
    if as_json {
        json(&review_json(id, &r))?;
        return Ok(0);
    }
    line(&format!(
        "{id}  {} · roster {} record {}{} · for {} · opened {}",
        r.status,
        r.source.roster,
        r.source.record_id,
        r.source
            .line
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default(),
        r.custodian,
        r.opened_at
    ))?;
    let rec = &r.record;
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    line(&format!("  row: {}", rec.names.full))?;
    line(&format!(
        "       given {} · father {} · grandfather {} · family {} · mother {}",
        opt(&rec.names.given),
        opt(&rec.names.father),
        opt(&rec.names.grandfather),
        opt(&rec.names.family),
        opt(&rec.names.mother)
    ))?;
    line(&format!(
        "       born {} · nationality {}",
        rec.birth_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "unknown".into()),
        rec.nationalities
            .iter()
            .map(|c| c.alpha3())
            .collect::<Vec<_>>()
            .join(";")
    ))?;
    for c in &r.candidates {
        line(&format!(
            "  candidate {}: {} (`rollcall person show {}`)",
            c.person,
            pct(c.probability_ppm),
            c.person
        ))?;
        for f in &c.fields {
            line(&format!(
                "      {:<18} {:<22} {:+.2} bits",
                f.field,
                f.level,
                f64::from(f.weight_centibits) / 100.0
            ))?;
        }
    }
    if r.status == ReviewStatus::Pending {
        line(&format!(
            "decide: `rollcall review accept {id} [--person P] --reason …` or `rollcall review reject {id} --reason …`"
        ))?;
    } else {
        line(&format!(
            "decided: person {} by {} at {}: {}",
            r.person.as_ref().map_or("?", |p| p.as_str()),
            r.decided_by.as_ref().map_or("?", |u| u.as_str()),
            r.decided_at.map(|t| t.to_string()).unwrap_or_default(),
            r.reason.as_deref().unwrap_or("")
        ))?;
    }
    Ok(0)
}

fn decide(
    ctx: &Ctx,
    id: &str,
    choice: ReviewChoice<'_>,
    reason: &str,
    as_json: bool,
) -> anyhow::Result<i32> {
    if !id.starts_with(Namespace::Review.prefix()) {
        anyhow::bail!(
            "{id} is not a review id (they start with {})",
            Namespace::Review.prefix()
        );
    }
    let mut node = ctx.open()?;
    let (staged, person) =
        node.decide_review(&ctx.principal(), Timestamp::now(), id, choice, reason)?;
    let receipt = node.commit()?;
    ctx.ack(&receipt);
    let what = match choice {
        ReviewChoice::SamePerson(_) => "recorded against",
        ReviewChoice::NewPerson => "registered as new person",
    };
    if as_json {
        json(&json!({
            "review": id,
            "person": person,
            "decision": match choice {
                ReviewChoice::SamePerson(_) => "same_person",
                ReviewChoice::NewPerson => "new_person",
            },
            "discrepancies_opened": staged.opened,
            "seq": staged.first_seq,
            "tree_size": receipt.tree_size,
        }))?;
    } else {
        line(&format!("review {id}: the row is {what} {person}"))?;
        if staged.opened > 0 {
            line(
                "  they are held elsewhere: a listed_elsewhere discrepancy was opened (`rollcall discrepancies --open`)",
            )?;
        }
    }
    Ok(0)
}
