//! Movements end to end: create (manifest checked against every rule),
//! escort records, depart, checkpoint, position, arrive, abort, show,
//! manifest; discrepancies and the watch that raises tracking alerts.

use super::Ctx;
use crate::output::{json, line, n, note};
use anyhow::{Context, bail};
use rollcall_core::escort::EscortRecord;
use rollcall_core::event::{EventKind, Side};
use rollcall_core::movement::{Mode, MovementStatus};
use rollcall_core::ops::{self, Presented};
use rollcall_core::tracking::TrackingRules;
use rollcall_core::{CustodianId, DiscrepancyId, MovementId, Namespace, PersonId, Timestamp};
use rollcall_node::{Node, Raised};
use serde_json::json;
use std::path::Path;

use super::args::{self, MAX_LIST_FILE_BYTES, time_or_now};

/// Ids given inline (`A,B,C`) or as `@FILE` with one per line. Lines may
/// carry more comma-separated fields, returned alongside.
fn id_list(arg: &str, what: &str) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let (text, from_file) = match arg.strip_prefix('@') {
        Some(path) => (
            args::read_file(
                Path::new(path),
                &format!("{what} file"),
                MAX_LIST_FILE_BYTES,
            )?,
            true,
        ),
        None => (arg.replace(',', "\n"), false),
    };
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut fields = l
            .split(if from_file { ',' } else { '\n' })
            .map(|f| f.trim().to_string());
        let id = fields.next().unwrap_or_default();
        if i == 0
            && from_file
            && (id.eq_ignore_ascii_case("person") || id.eq_ignore_ascii_case("id"))
        {
            continue; // a header line
        }
        if let Err(p) = rollcall_core::limits::id_problem(&id) {
            bail!(
                "{what}: line {} holds \"{}\", not a person id: it {p}",
                i + 1,
                rollcall_core::limits::shown(raw)
            );
        }
        out.push((id, fields.collect()));
    }
    if out.is_empty() {
        bail!("{what}: no person ids given");
    }
    Ok(out)
}

fn persons(arg: &str, what: &str) -> anyhow::Result<Vec<PersonId>> {
    Ok(id_list(arg, what)?
        .into_iter()
        .map(|(id, _)| PersonId(id))
        .collect())
}

fn coords_file(path: &str, with_time: bool) -> anyhow::Result<Vec<(f64, f64, Option<Timestamp>)>> {
    let path = path.strip_prefix('@').unwrap_or(path);
    let text = args::read_file(Path::new(path), "coordinates file", MAX_LIST_FILE_BYTES)?;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty()
            || l.starts_with('#')
            || (i == 0 && l.chars().next().is_some_and(|c| c.is_alphabetic()))
        {
            continue;
        }
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        let num = |k: usize, name: &str| -> anyhow::Result<f64> {
            f.get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .with_context(|| {
                    format!(
                        "{path}: line {}: {name} {:?} is not a number",
                        i + 1,
                        f.get(k).unwrap_or(&"")
                    )
                })
        };
        let (lat, lon) = (num(0, "latitude")?, num(1, "longitude")?);
        if lat.abs() > 90.0 || lon.abs() > 180.0 {
            bail!("{path}: line {}: {lat},{lon} is not on the earth", i + 1);
        }
        let at = if with_time {
            let t = f
                .get(2)
                .with_context(|| format!("{path}: line {}: the time column is missing", i + 1))?;
            Some(args::event_time(t).map_err(|e| anyhow::anyhow!("{path}: line {}: {e}", i + 1))?)
        } else {
            None
        };
        out.push((lat, lon, at));
    }
    Ok(out)
}

/// The movement as recorded — its manifest, boarded and admitted lists name
/// people, so it is read through the reader, which records each — with its
/// figures beside it.
fn movement_json(ctx: &Ctx, node: &mut Node, id: &str) -> anyhow::Result<serde_json::Value> {
    let m = node.session(ctx.principal()).movement(id)?;
    let f = node
        .movement_summary(id)?
        .with_context(|| format!("movement {id} does not exist"))?;
    let mut v = serde_json::to_value(m)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("id".into(), json!(id));
        o.insert("on_board".into(), json!(f.on_board));
        o.insert("eta".into(), json!(f.eta.map(|t| t.to_string())));
        o.insert("open_discrepancies".into(), json!(f.open_discrepancies));
    }
    Ok(v)
}

/// Prints what changed: the id, or the whole record with `--json`.
fn report(
    (ctx, node): (&Ctx, &mut Node),
    id: &str,
    as_json: bool,
    what: &str,
    opened: usize,
) -> anyhow::Result<i32> {
    if as_json {
        json(&movement_json(ctx, node, id)?)?;
    } else {
        line(&format!("{id} {what}"))?;
        if opened > 0 {
            line(&format!(
                "  {opened} discrepancy(ies) opened: `rollcall discrepancies --open`"
            ))?;
        }
    }
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
pub fn create(
    ctx: &Ctx,
    id: Option<String>,
    mode: Mode,
    from: &str,
    to: &str,
    planned_departure: Timestamp,
    vehicles: &str,
    people: &str,
    route: Option<&str>,
    (escort, medic, planned_at): (Vec<String>, bool, Option<Timestamp>),
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let vehicles = ops::parse_vehicles(vehicles).map_err(|e| anyhow::anyhow!("--vehicles: {e}"))?;
    rollcall_core::limits::check_vehicles(&vehicles)
        .map_err(|e| anyhow::anyhow!("--vehicles: {}", e.detail))?;
    let people = persons(people, "--people")?;
    let route = match route {
        Some(r) => coords_file(r, false)?
            .into_iter()
            .map(|(lat, lon, _)| rollcall_core::custodian::Coordinates { lat, lon })
            .collect(),
        None => vec![],
    };
    let id = match id {
        Some(i) => {
            MovementId::parse(&i)
                .map_err(|e| anyhow::anyhow!("--id: {e}"))?
                .0
        }
        None => node.mint(Namespace::Movement, 1)?.remove(0),
    };
    let req = ops::PlanRequest {
        movement: MovementId(id.clone()),
        mode,
        origin: CustodianId::new(from),
        destination: CustodianId::new(to),
        planned_departure,
        vehicles,
        escort,
        medic,
        people,
        route,
    };
    node.plan_movement(&ctx.user, time_or_now(planned_at), &req)?;
    let r = node.commit()?;
    ctx.ack(&r);
    report((ctx, &mut node), &id, as_json, "planned", 0)
}

/// `movement list`: movements by status, naming nobody.
pub fn list(
    ctx: &Ctx,
    statuses: &[crate::MovementStatusArg],
    from: Option<&str>,
    as_json: bool,
) -> anyhow::Result<i32> {
    use crate::MovementStatusArg as A;
    use rollcall_core::movement::MovementStatus as S;
    let wanted: Vec<S> = statuses
        .iter()
        .map(|s| match s {
            A::Planned => S::Planned,
            A::Departed => S::Departed,
            A::Arrived => S::Arrived,
            A::Reconciled => S::Reconciled,
            A::Aborted => S::Aborted,
        })
        .collect();
    let mut node = ctx.open()?;
    let movements: Vec<_> = node
        .movements(&wanted)?
        .into_iter()
        .filter(|m| from.is_none_or(|f| m.origin == f))
        .collect();
    if as_json {
        return crate::output::json(&movements).map(|()| 0);
    }
    if movements.is_empty() {
        crate::output::line("no movements")?;
        return Ok(0);
    }
    crate::output::lines(movements.iter().map(|m| {
        format!(
            "{:<16} {:<10} {:<5} {} → {}  planned {}  manifest {} · on board {} · admitted {}{}",
            m.id,
            m.status.as_str(),
            format!("{:?}", m.mode).to_lowercase(),
            m.origin,
            m.destination,
            m.planned_departure,
            m.manifest,
            m.on_board,
            m.admitted,
            if m.open_discrepancies.is_empty() {
                String::new()
            } else {
                format!(" · {} open discrepancies", m.open_discrepancies.len())
            }
        )
    }))?;
    Ok(0)
}

/// The signing keys given for each side (`--sign-from`, `--sign-to`).
fn load_signers(
    keys: (Option<std::path::PathBuf>, Option<std::path::PathBuf>),
) -> anyhow::Result<Vec<(Side, rollcall_ledger::SigningKey)>> {
    let mut signers = Vec::new();
    for (side, key) in [(Side::From, keys.0), (Side::To, keys.1)] {
        if let Some(path) = key {
            signers.push((side, rollcall_node::keyfile::load_file(&path)?));
        }
    }
    Ok(signers)
}

pub fn depart(
    ctx: &Ctx,
    id: &str,
    count: u32,
    boarded: &str,
    keys: (Option<std::path::PathBuf>, Option<std::path::PathBuf>),
    at: Option<Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let boarded = persons(boarded, "--boarded")?;
    let at = time_or_now(at);
    let signers = load_signers(keys)?;
    // The departure moves custody from the origin to the movement: the
    // origin's officer signs as the releasing side, the escort (a key
    // registered for the movement) as the receiving side.
    let signing: Vec<_> = signers.iter().map(|(s, k)| (*s, k)).collect();
    let staged = node.depart(
        &ctx.user,
        at,
        &MovementId::new(id),
        count,
        &boarded,
        &signing,
    )?;
    let r = node.commit()?;
    ctx.ack(&r);
    let signed = if signers.is_empty() {
        String::new()
    } else {
        format!(", {} signature(s)", signers.len())
    };
    report(
        (ctx, &mut node),
        id,
        as_json,
        &format!("departed with {} on board{signed}", boarded.len()),
        staged.opened,
    )
}

pub fn checkpoint(
    ctx: &Ctx,
    id: &str,
    place: &str,
    count: u32,
    at: Option<Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let staged = node.checkpoint(
        &ctx.user,
        time_or_now(at),
        &MovementId::new(id),
        place,
        count,
    )?;
    let r = node.commit()?;
    ctx.ack(&r);
    report(
        (ctx, &mut node),
        id,
        as_json,
        &format!("counted {count} at {place}"),
        staged.opened,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn position(
    ctx: &Ctx,
    id: &str,
    lat: Option<f64>,
    lon: Option<f64>,
    at: Option<Timestamp>,
    track: Option<&str>,
    rules: &TrackingRules,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let points: Vec<(f64, f64, Timestamp)> = match (track, lat, lon) {
        (Some(file), None, None) => coords_file(file, true)?
            .into_iter()
            .map(|(la, lo, t)| (la, lo, t.unwrap_or_else(Timestamp::now)))
            .collect(),
        (None, Some(la), Some(lo)) => vec![(la, lo, time_or_now(at))],
        _ => bail!("give either --lat and --lon (and optionally --at), or --track FILE.csv"),
    };
    let mid = MovementId::new(id);
    let mut opened_n = 0;
    for (la, lo, t) in points {
        // Each report is also a moment to look for alerts about this
        // movement, recorded as the user whose command raised them.
        opened_n += node
            .report_position(&ctx.user, t, &mid, (la, lo), rules)?
            .opened;
    }
    let r = node.commit()?;
    ctx.ack(&r);
    report((ctx, &mut node), id, as_json, "position recorded", opened_n)
}

pub fn arrive(
    ctx: &Ctx,
    id: &str,
    admitted: &str,
    keys: (Option<std::path::PathBuf>, Option<std::path::PathBuf>),
    at: Option<Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let signers = load_signers(keys)?;
    let signing: Vec<_> = signers.iter().map(|(s, k)| (*s, k)).collect();
    let presented: Vec<Presented> = id_list(admitted, "--admitted")?
        .into_iter()
        .map(|(id, rest)| Presented {
            id,
            biometric: rest.into_iter().next().filter(|b| !b.is_empty()),
        })
        .collect();
    let staged = node.arrive(
        &ctx.user,
        time_or_now(at),
        &MovementId::new(id),
        &presented,
        &signing,
    )?;
    let r = node.commit()?;
    ctx.ack(&r);
    let admitted_n = node.movement_summary(id)?.map(|m| m.admitted).unwrap_or(0);
    report(
        (ctx, &mut node),
        id,
        as_json,
        &format!("arrived; {admitted_n} admitted and reconciled"),
        staged.opened,
    )
}

pub fn abort(
    ctx: &Ctx,
    id: &str,
    return_to: &str,
    reason: &str,
    at: Option<Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    // The abort returns everyone the movement holds: count them first.
    let back = node.movement_summary(id)?.map(|m| m.on_board).unwrap_or(0);
    let staged = node.abort(
        &ctx.user,
        time_or_now(at),
        &MovementId::new(id),
        &CustodianId::new(return_to),
        reason,
    )?;
    let r = node.commit()?;
    ctx.ack(&r);
    report(
        (ctx, &mut node),
        id,
        as_json,
        &format!("aborted; {back} returned to {return_to}"),
        staged.opened,
    )
}

pub fn show(ctx: &Ctx, id: &str, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    if as_json {
        json(&movement_json(ctx, &mut node, id)?)?;
        return Ok(0);
    }
    // The text form prints figures only: no person is shown, nothing is read.
    let m = node
        .movement_summary(id)?
        .with_context(|| format!("movement {id} does not exist"))?;
    line(&format!(
        "{id}  {:?} {} → {}  {:?}  planned {}",
        m.mode, m.origin, m.destination, m.status, m.planned_departure
    ))?;
    let vehicles: Vec<String> = m
        .vehicles
        .iter()
        .map(|l| {
            let v = &l.vehicle;
            format!(
                "{} {:?} {}/{}{}",
                v.id,
                v.kind,
                l.seated,
                v.seats,
                if v.armored { " armoured" } else { "" }
            )
        })
        .collect();
    line(&format!("  vehicles: {}", vehicles.join(" · ")))?;
    line(&format!("  escort: {}", m.escort.join(", ")))?;
    line(&format!(
        "  manifest {} · boarded {} · on board {} · admitted {}",
        m.manifest, m.boarded, m.on_board, m.admitted
    ))?;
    for c in &m.counts {
        line(&format!("  count {:>4} at {} ({})", c.count, c.place, c.at))?;
    }
    if let Some(p) = &m.last_position {
        line(&format!(
            "  last position {:.5},{:.5} at {} ({} reports)",
            p.lat, p.lon, p.at, m.positions
        ))?;
    }
    if let Some(eta) = m.eta {
        line(&format!("  estimated arrival {eta}"))?;
    }
    if m.status == MovementStatus::Planned {
        line(&format!(
            "  escort records awaiting confirmation: {}",
            m.escort_records_unconfirmed
        ))?;
    }
    if !m.open_discrepancies.is_empty() {
        line(&format!(
            "  open discrepancies: {}",
            m.open_discrepancies.join(", ")
        ))?;
    }
    Ok(0)
}

/// What `escort-record` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscortAction {
    /// Show the records (audited).
    Show,
    /// Change fields.
    Update,
    /// Confirm for departure, after changing any fields given.
    Confirm,
}

/// `escort-record show|confirm|update`.
pub fn escort_record(
    ctx: &Ctx,
    action: EscortAction,
    movement: &str,
    people: &str,
    update: Option<EscortRecord>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let ids = persons(people, "--people")?;
    let mid = MovementId::new(movement);
    if node.movement_summary(movement)?.is_none() {
        bail!("movement {movement} does not exist");
    }
    let show = |node: &mut Node| -> anyhow::Result<Vec<serde_json::Value>> {
        // Escort records are personal data: read through the reader, which
        // records the access before returning them.
        let people: Vec<String> = ids.iter().map(|p| p.to_string()).collect();
        let entries = node
            .session(ctx.principal())
            .escort_records(movement, &people)?;
        Ok(entries
            .iter()
            .map(|e| json!({"person": e.person, "status": e.status, "record": e.record, "missing": e.missing}))
            .collect())
    };
    match action {
        EscortAction::Show => {
            let out = show(&mut node)?;
            if as_json {
                json(&out)?;
            } else {
                for r in &out {
                    line(&format!(
                        "{} {} missing: {}",
                        r["person"].as_str().unwrap_or(""),
                        r["status"],
                        r["missing"]
                    ))?;
                    line(&format!("  {}", r["record"]))?;
                }
            }
        }
        EscortAction::Confirm | EscortAction::Update => {
            // The node merges the fields given into each record it holds;
            // nothing is read out here.
            node.update_escort_records(
                &ctx.user,
                Timestamp::now(),
                &mid,
                &ids,
                update.as_ref(),
                action == EscortAction::Confirm,
            )?;
            let r = node.commit()?;
            ctx.ack(&r);
            if as_json {
                let out = show(&mut node)?;
                json(&out)?;
            } else {
                let done = if action == EscortAction::Confirm {
                    "confirmed"
                } else {
                    "updated"
                };
                line(&format!(
                    "{movement}: {} escort record(s) {done}",
                    ids.len()
                ))?;
            }
        }
    }
    Ok(0)
}

pub fn discrepancies(ctx: &Ctx, open_only: bool, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let now = Timestamp::now();
    let mut out = Vec::new();
    // Discrepancies name people: read through the reader, which records them.
    for (id, d) in node.session(ctx.principal()).discrepancies(open_only)? {
        let age_min = (now.as_second() - d.opened_at.as_second()) / 60;
        let mut v = serde_json::to_value(d)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("id".into(), json!(id));
            o.insert("age_minutes".into(), json!(age_min));
        }
        out.push(v);
    }
    if as_json {
        json(&out)?;
    } else {
        for d in &out {
            line(&format!(
                "{:<9} {:<9} {:<8} {:<20} age {:>6} min  owner {:<18} {}",
                d["id"].as_str().unwrap_or(""),
                d["status"].as_str().unwrap_or(""),
                d["severity"].as_str().unwrap_or(""),
                d["kind"].as_str().unwrap_or(""),
                n(d["age_minutes"].as_i64().unwrap_or(0).max(0) as u64),
                d["owner"].as_str().unwrap_or(""),
                d["summary"].as_str().unwrap_or("")
            ))?;
        }
        note(&format!("{} discrepancies", n(out.len() as u64)));
    }
    Ok(0)
}

pub fn resolve(ctx: &Ctx, id: &str, reason: &str, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let r = node.append(
        &ctx.user,
        Timestamp::now(),
        vec![EventKind::DiscrepancyResolved {
            discrepancy: DiscrepancyId::new(id),
            reason: reason.to_string(),
        }],
    )?;
    ctx.ack(&r);
    if as_json {
        // It names people: through the reader, which records each.
        json(&node.session(ctx.principal()).discrepancy(id)?)?;
    } else {
        line(&format!("{id} resolved by {}", ctx.user))?;
    }
    Ok(0)
}

pub fn watch(
    ctx: &Ctx,
    at: Option<Timestamp>,
    rules: &TrackingRules,
    escalate_after_min: i64,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let now = time_or_now(at);
    let older_than = escalate_after_min
        .checked_mul(60)
        .context("--escalate-after is too large")?;
    let (staged, raised) = node.watch(&ctx.user, now, rules, older_than)?;
    let summary: Vec<serde_json::Value> = raised
        .iter()
        .map(|r| match r {
            Raised::Opened {
                discrepancy,
                kind,
                summary,
            } => json!({"opened": discrepancy, "kind": kind, "summary": summary}),
            Raised::Escalated {
                discrepancy,
                severity,
                reason,
            } => json!({"escalated": discrepancy, "severity": severity, "reason": reason}),
        })
        .collect();
    if staged.is_some() {
        let r = node.commit()?;
        ctx.ack(&r);
    }
    if as_json {
        json(&summary)?;
    } else if summary.is_empty() {
        line("no new alerts")?;
    } else {
        for s in &summary {
            line(&s.to_string())?;
        }
    }
    Ok(0)
}

/// A new key for an officer or a node: private half to `out` (mode 0600),
/// verifier printed.
pub fn keygen(name: &str, out: &Path) -> anyhow::Result<i32> {
    if out.symlink_metadata().is_ok() {
        bail!(
            "{} already exists; an existing file is never overwritten: choose a new name",
            out.display()
        );
    }
    let key = rollcall_node::keyfile::create_at(out, name)?;
    line(&key.verifier().to_string())?;
    Ok(0)
}

/// The printable manifest, stamped with the signed tree head it was printed
/// against. Printing shows every person on it: the output file is claimed
/// first, so a manifest that cannot be written is never recorded as read;
/// then the reader records each person and returns the document.
pub fn manifest(ctx: &Ctx, id: &str, format: args::FormatArg, out: &Path) -> anyhow::Result<i32> {
    use rollcall_print::*;
    let mut node = ctx.open()?;
    let mut file = crate::output::create_new(out)?;
    let written = (|| -> anyhow::Result<(usize, u64)> {
        let doc = node.session(ctx.principal()).manifest(id)?;
        let bytes = match format {
            args::FormatArg::Pdf => manifest_pdf(&doc),
            args::FormatArg::Csv => manifest_csv(&doc),
        };
        std::io::Write::write_all(&mut file, &bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", out.display()))?;
        Ok((doc.people.len(), doc.head.size))
    })();
    let (people, size) = match written {
        Ok(w) => w,
        Err(e) => {
            // Nothing half-written stays behind.
            drop(file);
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
    };
    line(&format!(
        "{id}: manifest of {people} people written to {} against signed head size {size}",
        out.display(),
    ))?;
    Ok(0)
}
