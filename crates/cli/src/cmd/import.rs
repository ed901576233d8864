//! `import roster`: all-or-nothing by default; with `--quarantine`, good rows
//! are registered and bad ones written aside with the reason. Never half.

use super::Ctx;
use crate::output::{json, line, n};
use anyhow::Context;
use rollcall_core::event::EventKind;
use rollcall_core::{CustodianId, Namespace, PersonId, Timestamp};
use rollcall_matching::{QuarantinedRow, RosterRow, RowProblem, parse_roster, write_quarantine};
use rollcall_node::NodeError;
use serde_json::json;
use std::path::Path;

pub fn roster(
    ctx: &Ctx,
    file: &Path,
    (facility, at): (&str, Timestamp),
    quarantine: Option<&Path>,
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
    let (mut rows, mut bad) = born_in_future(parsed.rows, parsed.bad);
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
    let mut minted = Vec::new();
    let result = register(
        ctx,
        &mut node,
        file,
        facility,
        &mut rows,
        &mut bad,
        (quarantine.is_some(), at),
        &mut minted,
    );
    let receipt = match result {
        Ok(r) => r,
        Err(e) => {
            if let Some(q) = quarantine {
                let _ = std::fs::remove_file(q);
            }
            return Err(e);
        }
    };
    if let Some(r) = &receipt {
        ctx.ack(r);
    }
    bad.sort_by_key(|b| b.line);
    if let (Some(q), Some(f)) = (quarantine, quarantine_file) {
        if bad.is_empty() {
            drop(f);
            let _ = std::fs::remove_file(q);
        } else {
            write_quarantine(f, &bad).with_context(|| {
                format!(
                    "writing {} (the good rows ARE registered; the bad rows are listed above)",
                    q.display()
                )
            })?;
        }
    }
    if as_json {
        json(&json!({
            "registered": rows.len(),
            "quarantined": bad.len(),
            "first_person": minted.first(),
            "last_person": minted.last(),
            "tree_size": receipt.as_ref().map(|r| r.tree_size),
            "quarantine_file": quarantine.filter(|_| !bad.is_empty()).map(|q| q.display().to_string()),
        }))?;
    } else {
        line(&format!(
            "registered {} people at {facility} from {}",
            n(rows.len() as u64),
            file.display()
        ))?;
        if let (Some(first), Some(last)) = (minted.first(), minted.last()) {
            line(&format!("  ids {first} … {last}"))?;
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

/// Registers the rows. Without quarantine: one atomic batch, refused whole if
/// any row breaks a custody rule. With quarantine: each row is checked on its
/// own, refused rows are set aside with their reason, and all accepted rows
/// are committed together. Returns the receipt of the commit, if any, and
/// puts the ids minted for the registered rows, in order, in `minted`.
#[allow(clippy::too_many_arguments)]
fn register(
    ctx: &Ctx,
    node: &mut rollcall_node::Node,
    file: &Path,
    facility: &str,
    rows: &mut Vec<RosterRow>,
    bad: &mut Vec<QuarantinedRow>,
    (quarantining, now): (bool, Timestamp),
    minted: &mut Vec<PersonId>,
) -> anyhow::Result<Option<rollcall_node::Receipt>> {
    if rows.is_empty() {
        return Ok(None);
    }
    if !quarantining {
        let batch: Vec<PersonId> = node
            .mint(Namespace::Person, rows.len())?
            .into_iter()
            .map(PersonId)
            .collect();
        let kinds: Vec<EventKind> = rows
            .iter()
            .zip(&batch)
            .map(|(r, id)| registration(r, id.clone(), facility))
            .collect();
        return match node.append(&ctx.user, now, kinds) {
            Ok(r) => {
                *minted = batch;
                Ok(Some(r))
            }
            Err(NodeError::Refused(rej)) => {
                let row = &rows[rej.index];
                anyhow::bail!(
                    "{}: line {}, record_id {:?}: {}; nothing was registered",
                    file.display(),
                    row.line,
                    row.record_id,
                    rej.violation
                )
            }
            Err(e) => Err(e.into()),
        };
    }
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows.drain(..) {
        let id = PersonId(node.mint(Namespace::Person, 1)?.remove(0));
        match node.stage(
            &ctx.user,
            now,
            vec![registration(&row, id.clone(), facility)],
        ) {
            Ok(_) => {
                kept.push(row);
                minted.push(id);
            }
            Err(NodeError::Refused(rej)) => bad.push(QuarantinedRow {
                line: row.line,
                problems: vec![RowProblem {
                    line: row.line,
                    column: "*".into(),
                    value: row.record_id.clone(),
                    reason: rej.violation.to_string(),
                }],
                fields: row.fields,
            }),
            Err(e) => return Err(e.into()),
        }
    }
    *rows = kept;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(node.commit()?))
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

fn registration(r: &RosterRow, person: PersonId, facility: &str) -> EventKind {
    EventKind::PersonRegistered {
        person,
        record: r.record.clone(),
        custodian: CustodianId::new(facility),
        source: Some(r.source_row(&r.source)),
        capacity_override: None,
    }
}
