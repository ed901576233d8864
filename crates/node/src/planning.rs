//! Transfer planning on the ledger (`rollcall plan --from-store`): the
//! planner's instance built from what the ledger holds, and a plan recorded
//! as planned movements through the checks of `movement create`.
//!
//! Who is planned: everyone held at an origin of the transport file and on
//! no open movement. A re-plan also takes back the movements from those
//! origins that are planned and have not left (aborted back to their
//! origin, with the reason), so their people are planned again; movements
//! under way are never touched, and what they carry still counts against
//! their destination's room. The earlier plan stays in the ledger: its
//! movements and their withdrawal are events like any other.

use crate::policy::Principal;
use crate::{Node, NodeError};
use jiff::civil::Date;
use rollcall_core::custodian::CustodianKind;
use rollcall_core::movement::MovementStatus;
use rollcall_core::state::index;
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::{CustodianId, MovementId, Namespace, Timestamp};
use rollcall_plan::ledger::{self, LedgerError, TransportIn};
use rollcall_plan::{Instance, Plan};
use std::collections::HashSet;

/// What a plan from the ledger starts from.
#[derive(Debug, Clone)]
pub struct TransferDraft {
    /// The planner's instance: the people free to move, the destinations
    /// with the room they have left, the transport.
    pub instance: Instance,
    /// Planned movements from the origins that a re-plan withdraws, each
    /// with the origin its people stay at.
    pub withdrawn: Vec<(MovementId, CustodianId)>,
    /// Planned movements from the origins left as they are (no re-plan):
    /// their people are not planned again.
    pub kept: usize,
}

/// Refuses a plan from `start` that would use the transport of movements
/// already planned from the same origins on or after `start`: the
/// planner's transport is the same every day, and what those movements
/// take of it is not subtracted, so the new plan could send more convoys
/// or flights on their days than there are. Names the movements and the
/// day after the last of them (a movement whose origin's time zone is
/// unknown counts as on or after `start`).
fn refuse_double_booking(
    planned: &[(MovementId, CustodianId, Option<Date>)],
    start: Date,
) -> Result<(), NodeError> {
    let clashing: Vec<&(MovementId, CustodianId, Option<Date>)> = planned
        .iter()
        .filter(|(_, _, day)| day.is_none_or(|d| d >= start))
        .collect();
    if clashing.is_empty() {
        return Ok(());
    }
    const NAMED: usize = 5;
    let mut names: Vec<String> = clashing
        .iter()
        .take(NAMED)
        .map(|(m, o, day)| match day {
            Some(d) => format!("{m} from {o} on {d}"),
            None => format!("{m} from {o}"),
        })
        .collect();
    if clashing.len() > NAMED {
        names.push(format!("and {} more", clashing.len() - NAMED));
    }
    let free = clashing
        .iter()
        .filter_map(|(_, _, d)| *d)
        .max()
        .and_then(|d| d.tomorrow().ok())
        .map(|d| format!(", or plan from {d} (--days-from {d}), the day after the last of them"))
        .unwrap_or_default();
    Err(NodeError::Invalid(format!(
        "{} planned movements from these origins leave on or after {start} ({}): \
         this plan would use the same convoys and flights on their days; \
         --replan withdraws them and plans their people again{free}",
        clashing.len(),
        names.join(", ")
    )))
}

impl Node {
    /// The instance for `transport` from `start`, read as `principal`
    /// (each person read is recorded, [`crate::policy::Purpose::TransferPlan`]).
    /// With `replan`, the origins' planned movements that have not left are
    /// to be withdrawn and their people planned again; without it, any of
    /// them leaving on or after `start` is refused when anyone is to be
    /// planned ([`NodeError::Invalid`], naming them): their transport would
    /// be booked twice.
    pub fn transfer_draft(
        &mut self,
        principal: Principal,
        transport: &TransportIn,
        start: Date,
        replan: bool,
    ) -> Result<TransferDraft, NodeError> {
        transport.check()?;
        let origins: Vec<String> = transport.origins.iter().map(|o| o.id.clone()).collect();
        for (role, id) in origins
            .iter()
            .map(|o| ("origin", o))
            .chain(transport.destinations.iter().map(|d| ("destination", d)))
        {
            let facility = self.resident(|s| {
                s.custodian(id)
                    .is_some_and(|c| matches!(c.info, CustodianKind::Facility(_)))
            })?;
            if !facility {
                return Err(LedgerError::NotAFacility {
                    role,
                    id: id.clone(),
                }
                .into());
            }
        }
        let from_origins: HashSet<&str> = origins.iter().map(String::as_str).collect();
        let planned = self.index_keys(index::MOVEMENTS, MovementStatus::Planned.as_str())?;
        // Each planned movement from the origins, with the day it is to
        // leave in its origin's time zone.
        let planned: Vec<(MovementId, CustodianId, Option<Date>)> = self.resident(|s| {
            planned
                .iter()
                .filter_map(|id| s.movement(id).map(|m| (id, m)))
                .filter(|(_, m)| {
                    m.status == MovementStatus::Planned && from_origins.contains(m.origin.as_str())
                })
                .map(|(id, m)| {
                    let zone = match s.custodian(m.origin.as_str()).map(|c| &c.info) {
                        Some(CustodianKind::Facility(f)) => {
                            jiff::tz::TimeZone::get(&f.time_zone).ok()
                        }
                        _ => None,
                    };
                    let day = zone.map(|z| m.planned_departure.to_zoned_datetime(z).date());
                    (MovementId::new(id), m.origin.clone(), day)
                })
                .collect()
        })?;
        let (withdrawn, kept): (Vec<(MovementId, CustodianId)>, usize) = if replan {
            let all = planned.iter().map(|(m, o, _)| (m.clone(), o.clone()));
            (all.collect(), 0)
        } else {
            (Vec::new(), planned.len())
        };
        let freed: HashSet<&MovementId> = withdrawn.iter().map(|(m, _)| m).collect();
        let people = self
            .session(principal)
            .transfer_candidates(&origins)?
            .into_iter()
            .filter(|(_, p)| {
                p.custody.status == CustodyStatus::Held
                    && p.custody
                        .movement
                        .as_ref()
                        .is_none_or(|m| freed.contains(m))
            })
            .map(|(id, p)| ledger::person_in(&id, p.custody.custodian.as_str(), &p.record))
            .collect::<Vec<_>>();
        if !replan && !people.is_empty() {
            refuse_double_booking(&planned, start)?;
        }
        let mut destinations = Vec::with_capacity(transport.destinations.len());
        for id in &transport.destinations {
            let d = self.resident(|s| {
                let view = s.custodian(id)?;
                let CustodianKind::Facility(f) = &view.info else {
                    return None;
                };
                let taken =
                    u64::from(view.occupancy) + s.inbound(view, |m| freed.contains(m)) as u64;
                Some(ledger::destination_in(
                    id,
                    f,
                    u64::from(f.capacity).saturating_sub(taken),
                ))
            })?;
            let d = d.ok_or_else(|| LedgerError::NotAFacility {
                role: "destination",
                id: id.clone(),
            })??;
            destinations.push(d);
        }
        Ok(TransferDraft {
            instance: transport.instance(start, people, destinations),
            withdrawn,
            kept,
        })
    }

    /// Stages `plan` (made for `draft`): the draft's withdrawals first, each
    /// an abort back to its origin naming the re-plan, then one planned
    /// movement per movement of the plan, each checked as `movement create`
    /// checks it. Nothing is durable until [`Node::commit`]; a refusal
    /// names the movement and the rule. Returns the new movements' ids, in
    /// plan order.
    pub fn stage_transfer_plan(
        &mut self,
        user: &str,
        at: Timestamp,
        draft: &TransferDraft,
        plan: &Plan,
        transport: &TransportIn,
    ) -> Result<Vec<MovementId>, NodeError> {
        let reason = format!(
            "withdrawn by a re-plan of the transfer from {}",
            plan.start_date
        );
        for (movement, origin) in &draft.withdrawn {
            self.abort(user, at, movement, origin, &reason)?;
        }
        let ids: Vec<MovementId> = self
            .mint(Namespace::Movement, plan.movements.len())?
            .into_iter()
            .map(MovementId)
            .collect();
        let origins: Vec<String> = transport.origins.iter().map(|o| o.id.clone()).collect();
        let zones: Vec<(String, String)> = self.resident(|s| {
            origins
                .iter()
                .filter_map(|o| match s.custodian(o).map(|c| &c.info) {
                    Some(CustodianKind::Facility(f)) => Some((o.clone(), f.time_zone.clone())),
                    _ => None,
                })
                .collect()
        })?;
        let zone_of = |o: &str| zones.iter().find(|(id, _)| id == o).map(|(_, z)| z.clone());
        let requests = ledger::requests(plan, transport, zone_of, ids.clone())?;
        for req in &requests {
            self.plan_movement(user, at, req)?;
        }
        Ok(ids)
    }
}
