//! `screen`: a border post's check of someone stopped, against everyone
//! this node has registered, offline (the node's screening, through the
//! reader's policy; the candidates shown and the check are recorded).

use super::Ctx;
use crate::output::{json, line};
use rollcall_core::Country;
use rollcall_core::person::{Names, PartialDate, PersonRecord};
use rollcall_core::state::views::CustodyStatus;
use rollcall_node::ScreenHit;
use serde_json::json;

/// What the person stopped says, or their papers say.
pub struct Query {
    pub name: String,
    pub father: Option<String>,
    pub birth_date: Option<String>,
    pub nationality: Option<Country>,
}

/// Where a candidate stands, in the officer's words.
fn standing(h: &ScreenHit) -> String {
    match h.status {
        CustodyStatus::Held => format!("HELD at {}", h.custodian),
        CustodyStatus::InTransit => format!("IN TRANSIT on movement {}", h.custodian),
        CustodyStatus::Hospitalised => format!("IN HOSPITAL ({})", h.custodian),
        CustodyStatus::Repatriated => format!("HANDED TO ANOTHER STATE ({})", h.custodian),
        CustodyStatus::Released => "RELEASED".to_string(),
        CustodyStatus::Escaped => format!("ESCAPED from {}", h.custodian),
        CustodyStatus::Deceased => "RECORDED AS DECEASED".to_string(),
    }
}

pub fn run(ctx: &Ctx, q: Query, post: &str, limit: usize, as_json: bool) -> anyhow::Result<i32> {
    let birth_date = match &q.birth_date {
        Some(d) => {
            let d =
                PartialDate::parse(d).map_err(|e| anyhow::anyhow!("--birth-date {d:?}: {e}"))?;
            super::args::birth_date_not_in_future(d)
                .map_err(|e| anyhow::anyhow!("--birth-date: {e}"))?;
            Some(d)
        }
        None => None,
    };
    let query = PersonRecord {
        names: Names {
            full: q.name.clone(),
            father: q.father.clone(),
            ..Names::default()
        },
        birth_date,
        nationalities: q.nationality.into_iter().collect(),
        ..PersonRecord::default()
    };
    let mut node = ctx.open()?;
    let hits = node.screen(&ctx.principal(), &query, post, limit)?;
    if as_json {
        let candidates: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                v["score_bits"] = json!(f64::from(h.score_centibits) / 100.0);
                v
            })
            .collect();
        json(&json!({
            "post": post,
            "known": !hits.is_empty(),
            "candidates": candidates,
        }))?;
        return Ok(0);
    }
    if hits.is_empty() {
        line(&format!(
            "UNKNOWN: nobody registered on this node matches {:?} (check recorded for post {post})",
            q.name
        ))?;
        return Ok(0);
    }
    line(&format!(
        "{} candidate(s) for {:?} at post {post}, best first (the score ranks; you decide):",
        hits.len(),
        q.name
    ))?;
    for (i, h) in hits.iter().enumerate() {
        let r = &h.record;
        line(&format!(
            "{:>2}. {}  {}  score {:+.1} bits",
            i + 1,
            h.person,
            standing(h),
            f64::from(h.score_centibits) / 100.0
        ))?;
        line(&format!(
            "    {} · father {} · born {} · {}",
            r.names.full,
            r.names.father.as_deref().unwrap_or("—"),
            r.birth_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "unknown".into()),
            r.nationalities
                .iter()
                .map(|c| c.alpha3())
                .collect::<Vec<_>>()
                .join(";")
        ))?;
        let parts: Vec<String> = h
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{} {} {:+.1}",
                    f.field,
                    f.level,
                    f64::from(f.weight_centibits) / 100.0
                )
            })
            .collect();
        line(&format!("    {}", parts.join(" · ")))?;
    }
    Ok(0)
}
