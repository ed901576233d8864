//! `import roster`: every row matched against everyone registered (the
//! node's identity matching): linked, put in review, or registered.
//! All-or-nothing by default; with `--quarantine`, good rows are recorded
//! and bad ones written aside with the reason. Never half.

use super::Ctx;
use crate::output::{json, line, n};
use anyhow::Context;
use rollcall_core::Timestamp;
use rollcall_matching::{QuarantinedRow, RosterRow, RowProblem, parse_roster, write_quarantine};
use rollcall_node::{ImportOptions, ImportRow, NodeError, RowFate};
use serde_json::json;
use std::path::Path;

pub fn roster(
    ctx: &Ctx,
    file: &Path,
    (facility, at): (&str, Timestamp),
    quarantine: Option<&Path>,
    (threshold, review_all): (f64, bool),
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    if node.custodian(facility)?.is_none() {
        anyhow::bail!("facility {facility} is not registered; `rollcall facilities` lists them");
    }
    if let Some(q) = quarantine
        && q.exists()
    {
        anyhow::bail!(
            "quarantine file {} already exists; choose a new file",
            q.display()
        );
    }
    let roster_name = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "roster".into());
    super::args::check_regular(file, super::args::MAX_ROSTER_FILE_BYTES)?;
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let parsed = parse_roster(std::io::BufReader::new(input), &roster_name)
        .with_context(|| format!("reading roster {}", file.display()))?;
    let (rows, mut bad) = born_in_future(parsed.rows, parsed.bad);
    if !bad.is_empty() && quarantine.is_none() {
        let problems: Vec<&RowProblem> = bad.iter().flat_map(|b| &b.problems).collect();
        super::matching::report_problems(file, &problems);
        anyhow::bail!(
            "{} of {} rows are bad; nothing was registered. Fix them, or pass --quarantine FILE to register the good rows and set the bad ones aside",
            bad.len(),
            bad.len() + rows.len()
        );
    }
    // Claim the quarantine file before anything is registered, so a path
    // that cannot be written refuses the import instead of losing bad rows.
    let quarantine_file = match quarantine {
        Some(q) => Some(crate::output::create_new(q).context("the quarantine file")?),
        None => None,
    };
    let import_rows: Vec<ImportRow> = rows
        .iter()
        .map(|r| ImportRow {
            source: r.source_row(&r.source),
            record: r.record.clone(),
        })
        .collect();
    let opts = ImportOptions {
        facility,
        at,
        auto_link: threshold,
        review_all,
        quarantine: quarantine.is_some(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let progress = crate::output::spinner(&format!(
        "matching {} rows against everyone registered",
        n(rows.len() as u64)
    ));
    let result = node.import_roster(&ctx.principal(), &import_rows, opts);
    progress.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            if let Some(q) = quarantine {
                let _ = std::fs::remove_file(q);
            }
            return Err(match e {
                NodeError::Refused(rej) => {
                    let row = &rows[rej.index];
                    anyhow::anyhow!(
                        "{}: line {}, record_id {:?}: {}; nothing was registered or linked",
                        file.display(),
                        row.line,
                        row.record_id,
                        rej.violation
                    )
                }
                e => e.into(),
            });
        }
    };
    if let Some(r) = &report.receipt {
        ctx.ack(r);
    }
    for (row, fate) in rows.iter().zip(&report.fates) {
        if let RowFate::Refused(reason) = fate {
            bad.push(QuarantinedRow {
                line: row.line,
                problems: vec![RowProblem {
                    line: row.line,
                    column: "*".into(),
                    value: row.record_id.clone(),
                    reason: reason.clone(),
                }],
                fields: row.fields.clone(),
            });
        }
    }
    bad.sort_by_key(|b| b.line);
    if let (Some(q), Some(f)) = (quarantine, quarantine_file) {
        if bad.is_empty() {
            drop(f);
            let _ = std::fs::remove_file(q);
        } else {
            write_quarantine(f, &bad).with_context(|| {
                format!(
                    "writing {} (the good rows ARE recorded; the bad rows are listed above)",
                    q.display()
                )
            })?;
        }
    }
    let tally = Tally::of(&report.fates);
    if as_json {
        let per_row: Vec<serde_json::Value> = rows
            .iter()
            .zip(&report.fates)
            .map(|(row, fate)| fate_json(row, fate))
            .collect();
        let minted: Vec<&rollcall_core::PersonId> = report
            .fates
            .iter()
            .filter_map(|f| match f {
                RowFate::Registered(p) => Some(p),
                _ => None,
            })
            .collect();
        json(&json!({
            "registered": tally.registered,
            "first_person": minted.iter().min(),
            "last_person": minted.iter().max(),
            "linked": tally.linked,
            "listed_elsewhere": tally.elsewhere,
            "in_review": tally.review,
            "quarantined": bad.len(),
            "tree_size": report.receipt.as_ref().map(|r| r.tree_size),
            "quarantine_file": quarantine.filter(|_| !bad.is_empty()).map(|q| q.display().to_string()),
            "rows": per_row,
        }))?;
    } else {
        line(&format!(
            "{} rows of {} for {facility}: {} registered, {} linked to people already registered, {} waiting for review",
            n(rows.len() as u64),
            file.display(),
            n(tally.registered),
            n(tally.linked),
            n(tally.review),
        ))?;
        if tally.elsewhere > 0 {
            line(&format!(
                "  {} of the linked people are held elsewhere: a listed_elsewhere discrepancy each (`rollcall discrepancies --open`)",
                n(tally.elsewhere)
            ))?;
        }
        if tally.review > 0 {
            line(
                "  `rollcall review list` shows the rows waiting; nobody is registered for them until decided",
            )?;
        }
        if !bad.is_empty()
            && let Some(q) = quarantine
        {
            line(&format!(
                "quarantined {} rows to {} (each with its reason)",
                n(bad.len() as u64),
                q.display()
            ))?;
        }
    }
    Ok(0)
}

/// How many rows ended which way.
#[derive(Default)]
struct Tally {
    registered: u64,
    linked: u64,
    elsewhere: u64,
    review: u64,
}

impl Tally {
    fn of(fates: &[RowFate]) -> Tally {
        let mut t = Tally::default();
        for f in fates {
            match f {
                RowFate::Registered(_) => t.registered += 1,
                RowFate::Linked { elsewhere, .. } => {
                    t.linked += 1;
                    t.elsewhere += u64::from(elsewhere.is_some());
                }
                RowFate::InReview { .. } => t.review += 1,
                RowFate::Refused(_) => {}
            }
        }
        t
    }
}

fn fate_json(row: &RosterRow, fate: &RowFate) -> serde_json::Value {
    let (what, detail) = match fate {
        RowFate::Registered(p) => ("registered", json!({ "person": p })),
        RowFate::Linked {
            person,
            probability_ppm,
            elsewhere,
        } => (
            "linked",
            json!({
                "person": person,
                "probability": f64::from(*probability_ppm) / 1e6,
                "listed_elsewhere": elsewhere,
            }),
        ),
        RowFate::InReview { review, candidates } => (
            "in_review",
            json!({ "review": review, "candidates": candidates }),
        ),
        RowFate::Refused(reason) => ("quarantined", json!({ "reason": reason })),
    };
    let mut v = json!({ "line": row.line, "record_id": row.record_id, "fate": what });
    if let (Some(o), Some(d)) = (v.as_object_mut(), detail.as_object()) {
        o.extend(d.clone());
    }
    v
}

/// Moves rows whose date of birth lies after today to the bad rows (the
/// roster parser is pure and reads no clock).
fn born_in_future(
    rows: Vec<RosterRow>,
    mut bad: Vec<QuarantinedRow>,
) -> (Vec<RosterRow>, Vec<QuarantinedRow>) {
    let now = Timestamp::now();
    let mut good = Vec::with_capacity(rows.len());
    for row in rows {
        match row
            .record
            .birth_date
            .map(|d| rollcall_core::limits::birth_date_not_after(d, now))
        {
            Some(Err(reason)) => bad.push(QuarantinedRow {
                line: row.line,
                problems: vec![RowProblem {
                    line: row.line,
                    column: "birth_date".into(),
                    value: row
                        .record
                        .birth_date
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    reason,
                }],
                fields: row.fields,
            }),
            _ => good.push(row),
        }
    }
    bad.sort_by_key(|b| b.line);
    (good, bad)
}
