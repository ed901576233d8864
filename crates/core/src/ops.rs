//! Movement workflows as pure functions: given the state and what the escort
//! or facility officer reports, the events to append — including the
//! discrepancies the report reveals. The caller appends them as one atomic
//! batch, so a departure and its handovers are recorded together or not at all.

use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::event::EventKind;
use crate::ids::*;
use crate::movement::MovementStatus;
use crate::state::State;
use crate::state::views::MovementView;
use crate::violation::{Rule, Violation};
use std::collections::HashSet;

/// Allocates discrepancy ids that do not collide with existing ones.
struct DiscrepancyIds<'a> {
    state: &'a State,
    next: usize,
}

impl<'a> DiscrepancyIds<'a> {
    fn new(state: &'a State) -> Self {
        DiscrepancyIds {
            state,
            next: state.discrepancies().count() + 1,
        }
    }
    fn take(&mut self) -> DiscrepancyId {
        loop {
            let id = format!("D-{:06}", self.next);
            self.next += 1;
            if self.state.discrepancy(&id).is_none() {
                return DiscrepancyId(id);
            }
        }
    }
}

fn movement<'a>(state: &'a State, id: &MovementId) -> Result<&'a MovementView, Violation> {
    state
        .movement(id.as_str())
        .ok_or_else(|| Violation::new(Rule::KnownRecord, format!("movement {id} does not exist")))
}

/// People the movement holds now.
pub fn on_board(state: &State, id: &MovementId) -> Vec<PersonId> {
    match state.movement(id.as_str()) {
        Some(m) => m
            .boarded
            .iter()
            .filter(|p| {
                state
                    .person(p.as_str())
                    .is_some_and(|v| v.custodian.as_str() == id.as_str())
            })
            .cloned()
            .collect(),
        None => vec![],
    }
}

fn discrepancy(
    ids: &mut DiscrepancyIds<'_>,
    kind: DiscrepancyKind,
    severity: Severity,
    summary: String,
    persons: Vec<PersonId>,
    movement: &MovementId,
    owner: &str,
) -> EventKind {
    EventKind::DiscrepancyOpened {
        discrepancy: ids.take(),
        kind,
        severity,
        summary,
        persons,
        movement: Some(movement.clone()),
        custodian: None,
        owner: owner.to_string(),
    }
}

/// Departure: the movement departs, custody of each boarded person passes
/// from the origin to the movement, and any disagreement between headcount,
/// boarded list and manifest opens a discrepancy.
pub fn depart(
    state: &State,
    id: &MovementId,
    headcount: u32,
    boarded: &[PersonId],
    owner: &str,
) -> Result<Vec<EventKind>, Violation> {
    let m = movement(state, id)?;
    if m.status != MovementStatus::Planned {
        return Err(Violation::new(
            Rule::MovementState,
            format!("movement {id} cannot depart: it is {:?}", m.status),
        ));
    }
    let mut ids = DiscrepancyIds::new(state);
    let mut out = vec![EventKind::MovementDeparted {
        movement: id.clone(),
        headcount,
        boarded: boarded.to_vec(),
    }];
    let to: CustodianId = id.into();
    for p in boarded {
        out.push(EventKind::CustodyHandedOver {
            person: p.clone(),
            from: m.origin.clone(),
            to: to.clone(),
            reason: Some(format!("boarded movement {id}")),
            capacity_override: None,
            signatures: vec![],
        });
    }
    if headcount as usize != boarded.len() {
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::HeadcountMismatch,
            Severity::Critical,
            format!(
                "movement {id}: departure headcount {headcount} but {} people recorded as boarded",
                boarded.len()
            ),
            vec![],
            id,
            owner,
        ));
    }
    let boarded_set: HashSet<&PersonId> = boarded.iter().collect();
    let left: Vec<PersonId> = m
        .manifest
        .iter()
        .filter(|p| !boarded_set.contains(p))
        .cloned()
        .collect();
    if !left.is_empty() {
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::MissingPerson,
            Severity::High,
            format!(
                "movement {id}: {} manifest people did not board and remain at {}",
                left.len(),
                m.origin
            ),
            left,
            id,
            owner,
        ));
    }
    Ok(out)
}

/// A headcount en route; a count below the number on board opens a
/// discrepancy naming the movement and the last good count.
pub fn checkpoint(
    state: &State,
    id: &MovementId,
    place: &str,
    count: u32,
    owner: &str,
) -> Result<Vec<EventKind>, Violation> {
    let m = movement(state, id)?;
    let expected = on_board(state, id).len() as u32;
    let mut out = vec![EventKind::MovementCheckpointPassed {
        movement: id.clone(),
        place: place.to_string(),
        count,
    }];
    if count != expected {
        let last_good = m
            .counts
            .iter()
            .rev()
            .find(|c| c.count == expected)
            .map(|c| format!("{} at {}", c.count, c.place))
            .unwrap_or_else(|| "none".into());
        let (kind, severity) = if count < expected {
            (DiscrepancyKind::MissingPerson, Severity::Critical)
        } else {
            (DiscrepancyKind::ExtraPerson, Severity::High)
        };
        out.push(discrepancy(
            &mut DiscrepancyIds::new(state),
            kind,
            severity,
            format!(
                "movement {id}: count {count} at {place}, {expected} on board; last good count {last_good}"
            ),
            vec![],
            id,
            owner,
        ));
    }
    Ok(out)
}

/// Arrival and intake: the movement arrives, each admitted person passes to
/// the destination, and intake is reconciled against the boarded list. Each
/// missing person and each extra (unknown, or not on board) becomes a
/// discrepancy; a person not admitted stays in the movement's custody.
pub fn arrive(
    state: &State,
    id: &MovementId,
    admitted: &[String],
    owner: &str,
) -> Result<Vec<EventKind>, Violation> {
    let m = movement(state, id)?;
    if m.status != MovementStatus::Departed {
        return Err(Violation::new(
            Rule::MovementState,
            format!("movement {id} cannot arrive: it is {:?}", m.status),
        ));
    }
    let aboard = on_board(state, id);
    let aboard_set: HashSet<&str> = aboard.iter().map(|p| p.as_str()).collect();
    let mut ids = DiscrepancyIds::new(state);
    let mut out = vec![EventKind::MovementArrived {
        movement: id.clone(),
    }];
    let mut seen = HashSet::new();
    let mut extra = Vec::new();
    let mut admitted_n = 0u32;
    for a in admitted {
        if !seen.insert(a.as_str()) {
            continue;
        }
        if aboard_set.contains(a.as_str()) {
            admitted_n += 1;
            out.push(EventKind::PersonAdmitted {
                person: PersonId(a.clone()),
                movement: id.clone(),
                facility: m.destination.clone(),
                capacity_override: None,
            });
        } else {
            extra.push(a.clone());
        }
    }
    let missing: Vec<PersonId> = aboard
        .iter()
        .filter(|p| !seen.contains(p.as_str()))
        .cloned()
        .collect();
    for p in &missing {
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::MissingPerson,
            Severity::Critical,
            format!(
                "movement {id}: person {p} boarded but was not admitted at {}; stays in the movement's custody",
                m.destination
            ),
            vec![p.clone()],
            id,
            owner,
        ));
    }
    for x in &extra {
        let known = state.person(x).is_some();
        out.push(discrepancy(
            &mut ids,
            DiscrepancyKind::ExtraPerson,
            Severity::High,
            format!(
                "movement {id}: {} {x} presented at intake but not on board",
                if known {
                    "registered person"
                } else {
                    "unregistered id"
                }
            ),
            if known {
                vec![PersonId(x.clone())]
            } else {
                vec![]
            },
            id,
            owner,
        ));
    }
    out.push(EventKind::MovementReconciled {
        movement: id.clone(),
        admitted: admitted_n,
        missing,
        extra,
    });
    Ok(out)
}

/// Abort: everyone on board returns to a named custodian.
pub fn abort(
    state: &State,
    id: &MovementId,
    return_to: &CustodianId,
    reason: &str,
) -> Result<Vec<EventKind>, Violation> {
    movement(state, id)?;
    let mut out = vec![EventKind::MovementAborted {
        movement: id.clone(),
        return_to: return_to.clone(),
        reason: reason.to_string(),
    }];
    let from: CustodianId = id.into();
    for p in on_board(state, id) {
        out.push(EventKind::CustodyHandedOver {
            person: p,
            from: from.clone(),
            to: return_to.clone(),
            reason: Some(format!("movement {id} aborted: {reason}")),
            capacity_override: None,
            signatures: vec![],
        });
    }
    Ok(out)
}
