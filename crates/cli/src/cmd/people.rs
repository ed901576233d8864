//! Reading people and facilities, and handing a person over.

use super::Ctx;
use crate::output::{json, line, n, note};
use rollcall_core::custodian::CustodianKind;
use rollcall_core::event::{EventKind, Side};
use rollcall_core::{CustodianId, PersonId};
use serde_json::json;

/// Stages one fact about a person with `stage`, commits it and prints
/// what was recorded: as JSON, `fields` with the batch's first seq and
/// the tree size after it (and the discrepancies it opened, when it may
/// open some); else `text`, and `opened_text` if it opened any.
fn record_fact(
    ctx: &Ctx,
    stage: impl FnOnce(
        &mut rollcall_node::Node,
    ) -> Result<rollcall_node::Staged, rollcall_node::NodeError>,
    mut fields: serde_json::Value,
    text: String,
    opened_text: Option<&str>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let staged = stage(&mut node)?;
    let receipt = node.commit()?;
    ctx.ack(&receipt);
    if as_json {
        fields["seq"] = json!(staged.first_seq);
        fields["tree_size"] = json!(receipt.tree_size);
        if opened_text.is_some() {
            fields["discrepancies_opened"] = json!(staged.opened);
        }
        json(&fields)?;
    } else {
        line(&text)?;
        if let Some(opened) = opened_text.filter(|_| staged.opened > 0) {
            line(opened)?;
        }
    }
    Ok(0)
}

/// `escape --person P --from C --circumstances T`.
pub fn escape(
    ctx: &Ctx,
    person: &str,
    from: &str,
    circumstances: &str,
    at: Option<rollcall_core::Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let (id, custodian) = (PersonId::parse(person)?, CustodianId::parse(from)?);
    record_fact(
        ctx,
        |node| {
            node.escape(
                &ctx.user,
                super::args::time_or_now(at),
                &id,
                &custodian,
                circumstances,
            )
        },
        json!({ "person": person, "from": from }),
        format!(
            "{person} recorded as escaped from {from}; an escape discrepancy is open (`rollcall discrepancies --open`)"
        ),
        None,
        as_json,
    )
}

/// `release --person P --from C --authority A --reason T`.
pub fn release(
    ctx: &Ctx,
    person: &str,
    from: &str,
    why: (&str, &str),
    at: Option<rollcall_core::Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let (id, custodian) = (PersonId::parse(person)?, CustodianId::parse(from)?);
    record_fact(
        ctx,
        |node| {
            node.release(
                &ctx.user,
                super::args::time_or_now(at),
                &id,
                &custodian,
                why,
            )
        },
        json!({ "person": person, "from": from }),
        format!("{person} released from {from} on the order of {}", why.0),
        None,
        as_json,
    )
}

/// `recapture --person P --by C`.
pub fn recapture(
    ctx: &Ctx,
    person: &str,
    by: &str,
    at: Option<rollcall_core::Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let (id, custodian) = (PersonId::parse(person)?, CustodianId::parse(by)?);
    record_fact(
        ctx,
        |node| node.recapture(&ctx.user, super::args::time_or_now(at), &id, &custodian),
        json!({ "person": person, "by": by }),
        format!("{person} recaptured, now held by {by}"),
        None,
        as_json,
    )
}

/// `person link ID --same-as ID --reason T`.
pub fn link(
    ctx: &Ctx,
    id: &str,
    same_as: &str,
    reason: &str,
    as_json: bool,
) -> anyhow::Result<i32> {
    record_fact(
        ctx,
        |node| {
            node.link_people(
                &ctx.principal(),
                rollcall_core::Timestamp::now(),
                id,
                same_as,
                reason,
            )
        },
        json!({ "person": id, "same_as": same_as }),
        format!("{id} and {same_as} are recorded as one person (both records kept)"),
        Some(
            "  they are in two custodians' hands: a duplicate_record discrepancy was opened (`rollcall discrepancies --open`)",
        ),
        as_json,
    )
}

/// `person unlink ID --from OTHER --reason T`.
pub fn unlink(ctx: &Ctx, id: &str, from: &str, reason: &str, as_json: bool) -> anyhow::Result<i32> {
    record_fact(
        ctx,
        |node| {
            node.unlink_people(
                &ctx.principal(),
                rollcall_core::Timestamp::now(),
                id,
                from,
                reason,
            )
        },
        json!({ "person": id, "from": from }),
        format!("{id} and {from} are recorded as two people again (the link is withdrawn)"),
        None,
        as_json,
    )
}

/// `person unlink-row ID --roster R --record-id X [--to OTHER] --reason T`.
pub fn unlink_row(
    ctx: &Ctx,
    id: &str,
    (roster, record_id): (&str, &str),
    target: rollcall_node::RowTarget<'_>,
    reason: &str,
    as_json: bool,
) -> anyhow::Result<i32> {
    let to = match target {
        rollcall_node::RowTarget::Person(o) => Some(o),
        rollcall_node::RowTarget::NewPerson { .. } => None,
    };
    let mut node = ctx.open()?;
    let (staged, now) = node.unlink_row(
        &ctx.principal(),
        rollcall_core::Timestamp::now(),
        id,
        roster,
        record_id,
        target,
        reason,
    )?;
    let receipt = node.commit()?;
    ctx.ack(&receipt);
    if as_json {
        json(&json!({
            "person": id,
            "roster": roster,
            "record_id": record_id,
            "now": now,
            "registered": to.is_none(),
            "discrepancies_opened": staged.opened,
            "seq": staged.first_seq,
            "tree_size": receipt.tree_size,
        }))?;
    } else {
        line(&match to {
            None => format!(
                "roster row {roster}/{record_id} is not {id}: registered as new person {now} (the link is withdrawn)"
            ),
            Some(_) => format!(
                "roster row {roster}/{record_id} is not {id}: now recorded against {now} (the link is withdrawn)"
            ),
        })?;
        if staged.opened > 0 {
            line(&format!(
                "  {now} is held elsewhere than the roster's facility: a listed_elsewhere discrepancy was opened (`rollcall discrepancies --open`)"
            ))?;
        }
    }
    Ok(0)
}

pub fn show(ctx: &Ctx, id: &str, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    if as_json {
        // Through the reader: policy first, the access recorded before
        // anything shows — for this person, and for everyone the events of
        // their history name (the JSON carries whole events).
        let report = node.session(ctx.principal()).person(id)?;
        // Check every proof before showing it: what is printed is what verifies.
        for p in &report.proofs {
            p.verify(node.verifier())?;
        }
        // Each history event with its position in this ledger beside it
        // (`seq`; the event's own identity is its origin and counter).
        let mut v = serde_json::to_value(&report)?;
        if let Some(history) = v["history"].as_array_mut() {
            for (e, p) in history.iter_mut().zip(&report.proofs) {
                e["seq"] = json!(p.leaf_index);
            }
        }
        json(&v)?;
        return Ok(0);
    }
    // The text names no one else: the history as lines, every proof checked
    // by the node; only this person's record is read.
    let report = node.session(ctx.principal()).person_history(id)?;
    let r = &report.now.record;
    line(&format!("{id}  {}", r.names.full))?;
    for l in &r.names.latin {
        line(&format!("    also written  {l}"))?;
    }
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    line(&format!(
        "  father {} · grandfather {} · family {} · mother {}",
        opt(&r.names.father),
        opt(&r.names.grandfather),
        opt(&r.names.family),
        opt(&r.names.mother)
    ))?;
    let nats: Vec<String> = r
        .nationalities
        .iter()
        .map(|c| format!("{c} ({})", c.name()))
        .collect();
    line(&format!(
        "  born {} · sex {:?} · nationality {} · risk {:?}{}",
        r.birth_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "unknown".into()),
        r.sex,
        if nats.is_empty() {
            "unknown".into()
        } else {
            nats.join(", ")
        },
        r.risk,
        r.risk_reason
            .as_ref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default()
    ))?;
    line(&format!(
        "  now: {:?}, custodian {} since event {}",
        report.now.status, report.now.custodian, report.now.since_seq
    ))?;
    if !report.now.same_as.is_empty() {
        let others: Vec<&str> = report
            .now
            .same_as
            .iter()
            .map(|p| p.person.as_str())
            .collect();
        line(&format!(
            "  the same person as {} (records linked; each kept)",
            others.join(", ")
        ))?;
    }
    for row in &report.now.linked_rows {
        line(&format!(
            "  roster row {}/{} of {} is recorded against them (linked {}{}; `person unlink-row` withdraws it)",
            row.source.roster,
            row.source.record_id,
            row.custodian,
            row.linked_at,
            row.review
                .as_ref()
                .map(|r| format!(" by review {r}"))
                .unwrap_or_default()
        ))?;
    }
    line(&format!("Custody history ({} events)", report.events.len()))?;
    for e in &report.events {
        line(&format!(
            "  #{:<8} {}  {:<28} by {}@{}",
            e.seq, e.occurred_at, e.kind, e.user, e.node
        ))?;
    }
    let head = rollcall_ledger::Checkpoint::parse_body(&format!(
        "{}\n",
        report.head.split("\n\n").next().unwrap_or("")
    ))
    .map(|c| {
        format!(
            "size {} root {}",
            c.size,
            rollcall_ledger::hash_to_hex(&c.root)
        )
    })
    .unwrap_or_default();
    line(&format!(
        "All {} events verified by inclusion proof against the signed head ({head}).",
        report.events.len()
    ))?;
    line("This read was recorded in the access log.")?;
    Ok(0)
}

pub fn facilities(ctx: &Ctx, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let mut out = Vec::new();
    for (id, c) in node.facilities()? {
        if let CustodianKind::Facility(f) = &c.info {
            out.push(json!({
                "id": id, "name": f.name, "country": f.country, "authority": f.authority,
                "security": f.security, "capacity": f.capacity, "occupancy": c.occupancy,
                "lat": f.coordinates.lat, "lon": f.coordinates.lon, "time_zone": f.time_zone,
                "categories": f.categories,
            }));
        }
    }
    if as_json {
        json(&out)?;
    } else {
        for f in &out {
            line(&format!(
                "{:<8} {:<40} {}  {:>7} / {:<7} {:>8.4},{:<9.4} {}",
                f["id"].as_str().unwrap_or(""),
                f["name"].as_str().unwrap_or(""),
                f["country"].as_str().unwrap_or(""),
                n(f["occupancy"].as_u64().unwrap_or(0)),
                n(f["capacity"].as_u64().unwrap_or(0)),
                f["lat"].as_f64().unwrap_or(0.0),
                f["lon"].as_f64().unwrap_or(0.0),
                f["security"].as_str().unwrap_or("")
            ))?;
        }
    }
    Ok(0)
}

pub fn list(ctx: &Ctx, filter: rollcall_node::PeopleFilter, as_json: bool) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    // Every person listed is a read of their record: the reader records each.
    let people = node.session(ctx.principal()).people(&filter)?;
    let out: Vec<serde_json::Value> = people
        .iter()
        .map(|(id, p)| {
            json!({
                "id": id,
                "name": p.record.names.full,
                "latin": p.record.names.latin.first(),
                "nationality": p.record.nationalities.first(),
                "risk": p.record.risk,
                "custodian": p.custodian,
                "status": p.status,
            })
        })
        .collect();
    if as_json {
        json(&out)?;
    } else {
        crate::output::lines(out.iter().map(|p| {
            format!(
                "{:<10} {:<40} {:<4} {:<7} {}",
                p["id"].as_str().unwrap_or(""),
                p["latin"].as_str().or(p["name"].as_str()).unwrap_or(""),
                p["nationality"].as_str().unwrap_or("—"),
                p["risk"].as_str().unwrap_or(""),
                p["custodian"].as_str().unwrap_or("")
            )
        }))?;
        note(&format!("{} people", n(out.len() as u64)));
        if let (Some(limit), Some((last, _))) = (filter.limit, people.last())
            && people.len() == limit
        {
            note(&format!("more may follow: --after {last}"));
        }
    }
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
pub fn handover(
    ctx: &Ctx,
    person: &str,
    from: &str,
    to: &str,
    reason: Option<String>,
    capacity_override: Option<String>,
    keys: (Option<std::path::PathBuf>, Option<std::path::PathBuf>),
    at: Option<rollcall_core::Timestamp>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let at = super::args::time_or_now(at);
    let (person, from, to) = (
        PersonId::new(person),
        CustodianId::new(from),
        CustodianId::new(to),
    );
    let mut signers = Vec::new();
    for (side, key) in [(Side::From, keys.0), (Side::To, keys.1)] {
        if let Some(path) = key {
            signers.push((side, rollcall_node::keyfile::load_file(&path)?));
        }
    }
    let mut kinds = vec![EventKind::CustodyHandedOver {
        person: person.clone(),
        from: from.clone(),
        to: to.clone(),
        reason,
        capacity_override,
        signatures: vec![],
    }];
    let signing: Vec<_> = signers.iter().map(|(s, k)| (*s, k)).collect();
    node.sign_handovers(&mut kinds, at, &signing);
    let signed = signers.len();
    let r = node.append(&ctx.user, at, kinds)?;
    ctx.ack(&r);
    if as_json {
        json(
            &json!({"event": r.first_seq, "person": person, "from": from, "to": to, "signatures": signed, "tree_size": r.tree_size}),
        )?;
    } else {
        line(&format!(
            "{person} handed over from {from} to {to} (event {}, {signed} signature(s))",
            r.first_seq
        ))?;
    }
    Ok(0)
}

/// A correction: the whole record as it should read, as a new event naming
/// the latest registration or correction; nothing earlier is changed.
pub fn correct(
    ctx: &Ctx,
    id: &str,
    reason: &str,
    f: &crate::CorrectionFields,
    as_json: bool,
) -> anyhow::Result<i32> {
    use rollcall_core::person::PartialDate;
    let mut node = ctx.open()?;
    use super::args::semicolon_list as list;
    let text = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let birth_date = match &f.birth_date {
        Some(v) => {
            let date = PartialDate::parse(v).map_err(|e| anyhow::anyhow!("--birth-date: {e}"))?;
            super::args::birth_date_not_in_future(date)
                .map_err(|e| anyhow::anyhow!("--birth-date: {e}"))?;
            Some(date)
        }
        None => None,
    };
    let nationalities = match &f.nationality {
        Some(v) => Some(
            list(v)
                .iter()
                .map(|c| {
                    rollcall_core::Country::parse(c).ok_or_else(|| {
                        anyhow::anyhow!("--nationality: {c:?} is not an ISO 3166-1 code")
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        ),
        None => None,
    };
    // Only the fields given: the node applies them to the record it holds,
    // so the record is never read out here.
    let correction = rollcall_core::correction::Correction {
        full_name: text(&f.full_name),
        arabic_name: text(&f.arabic_name),
        latin_name: text(&f.latin_name),
        given_name: text(&f.given_name),
        father_name: text(&f.father_name),
        grandfather_name: text(&f.grandfather_name),
        family_name: text(&f.family_name),
        mother_name: text(&f.mother_name),
        birth_date,
        sex: f.sex.map(Into::into),
        nationalities,
        risk: f.risk.map(Into::into),
        risk_reason: text(&f.risk_reason),
        juvenile: f.juvenile.map(Into::into),
        medical_needs: f.medical_needs.map(Into::into),
        separation_groups: f.separation_groups.as_deref().map(list),
        biometric_ref: text(&f.biometric_ref),
    };
    let done = node.correct_person(
        &ctx.user,
        rollcall_core::Timestamp::now(),
        &PersonId::new(id),
        &correction,
        reason,
    )?;
    let corrects = done.corrects;
    let rec = node.commit()?;
    ctx.ack(&rec);
    if as_json {
        json(&json!({"person": id, "event": rec.first_seq, "corrects": corrects}))?;
    } else {
        line(&format!(
            "{id} corrected (event {}, correcting event {corrects})",
            rec.first_seq
        ))?;
    }
    Ok(0)
}
