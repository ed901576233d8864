//! The workflows of `core::ops` (and the reference operation's steps),
//! run inside the node: each assembles its events from the node's state and
//! an officer's report, and stages them as one checked batch
//! ([`Node::stage`]); [`Node::commit`] makes them durable.
//!
//! They return where the batch landed and how many discrepancies it opened,
//! never the events: the events a workflow builds name people the caller did
//! not name (who is left behind at a departure, who is missing at an
//! arrival, what an escort record says), so handing them back would be a
//! read around [`crate::Reader`]. The one workflow that reports what it
//! raised, [`Node::watch`], raises only alerts about movements.

use crate::{Node, NodeError};
use rollcall_core::correction::Correction;
use rollcall_core::discrepancy::{DiscrepancyKind, ESCALATION_OWNER, MOVEMENT_OWNER, Severity};
use rollcall_core::escort::EscortRecord;
use rollcall_core::event::{EventKind, Side};
use rollcall_core::movement::MovementStatus;
use rollcall_core::ops::{self, PlanRequest, Presented};
use rollcall_core::state::index;
use rollcall_core::state::views::DiscrepancyStatus;
use rollcall_core::tracking::TrackingRules;
use rollcall_core::{CustodianId, DiscrepancyId, MovementId, Namespace, PersonId, Timestamp};
use rollcall_ledger::SigningKey;

/// Where a staged batch landed; naming nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staged {
    /// Seq of its first event.
    pub first_seq: u64,
    /// Events staged.
    pub events: usize,
    /// Discrepancies it opens.
    pub opened: usize,
}

/// A correction staged, with the record event it corrects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrected {
    /// The batch.
    pub staged: Staged,
    /// The registration or correction it corrects (the latest), by identity.
    pub corrects: rollcall_core::event::EventId,
}

/// What the watch raised: tracking alerts about movements and escalations
/// of old discrepancies. Both are worded by `core::ops` from movement
/// figures and ages alone, so they name nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raised {
    /// A tracking alert opened as a discrepancy.
    Opened {
        /// Its id.
        discrepancy: DiscrepancyId,
        /// Silent, stopped or off route.
        kind: DiscrepancyKind,
        /// What was found, about the movement.
        summary: String,
    },
    /// An open discrepancy escalated one severity up.
    Escalated {
        /// Its id.
        discrepancy: DiscrepancyId,
        /// The new severity.
        severity: Severity,
        /// Why (its age).
        reason: String,
    },
}

fn opened(kinds: &[EventKind]) -> usize {
    kinds
        .iter()
        .filter(|k| matches!(k.created_id(), Some((Some(Namespace::Discrepancy), _))))
        .count()
}

impl Node {
    /// Stages `kinds`, built here by a workflow, and reports where they landed.
    pub(crate) fn stage_built(
        &mut self,
        user: &str,
        at: Timestamp,
        kinds: Vec<EventKind>,
    ) -> Result<Staged, NodeError> {
        let events = kinds.len();
        let opened = opened(&kinds);
        let first_seq = self.stage(user, at, kinds)?;
        Ok(Staged {
            first_seq,
            events,
            opened,
        })
    }

    /// Plans a movement: seats everyone by the manifest rules, and starts
    /// each person's escort record from their file.
    pub fn plan_movement(
        &mut self,
        user: &str,
        at: Timestamp,
        req: &PlanRequest,
    ) -> Result<Staged, NodeError> {
        let kinds = self.resident(|s| ops::plan(s, req))??;
        self.stage_built(user, at, kinds)
    }

    /// A departure with its headcount and boarded list; disagreements with
    /// the manifest open discrepancies for the movement's owner.
    pub fn depart(
        &mut self,
        user: &str,
        at: Timestamp,
        movement: &MovementId,
        headcount: u32,
        boarded: &[PersonId],
        signers: &[(Side, &SigningKey)],
    ) -> Result<Staged, NodeError> {
        let mut kinds =
            self.resident(|s| ops::depart(s, movement, headcount, boarded, MOVEMENT_OWNER))??;
        self.sign_handovers(&mut kinds, at, signers);
        self.stage_built(user, at, kinds)
    }

    /// A count at a checkpoint; a short or long count opens a discrepancy.
    pub fn checkpoint(
        &mut self,
        user: &str,
        at: Timestamp,
        movement: &MovementId,
        place: &str,
        count: u32,
    ) -> Result<Staged, NodeError> {
        let kinds =
            self.resident(|s| ops::checkpoint(s, movement, place, count, MOVEMENT_OWNER))??;
        self.stage_built(user, at, kinds)
    }

    /// A reported position, then — as its own batch, recorded as the same
    /// user — the tracking alerts it reveals about this movement (other
    /// movements are the watch's business).
    pub fn report_position(
        &mut self,
        user: &str,
        at: Timestamp,
        movement: &MovementId,
        (lat, lon): (f64, f64),
        rules: &TrackingRules,
    ) -> Result<Staged, NodeError> {
        let first_seq = self.stage(
            user,
            at,
            vec![EventKind::MovementPositionReported {
                movement: movement.clone(),
                lat,
                lon,
            }],
        )?;
        let this = [movement.as_str().to_string()];
        let open = self.index_keys(index::DISCREPANCIES, DiscrepancyStatus::Open.as_str())?;
        let mut alerts =
            self.resident(|s| ops::watch_movements(s, &this, &open, at, rules, MOVEMENT_OWNER))?;
        alerts.retain(|k| {
            matches!(k, EventKind::DiscrepancyOpened { movement: Some(m), .. } if m == movement)
        });
        let raised = alerts.len();
        if !alerts.is_empty() {
            self.stage(user, at, alerts)?;
        }
        Ok(Staged {
            first_seq,
            events: 1 + raised,
            opened: raised,
        })
    }

    /// Arrival: admission of each person presented, reconciliation against
    /// the boarded list, and the discrepancies that reveals.
    pub fn arrive(
        &mut self,
        user: &str,
        at: Timestamp,
        movement: &MovementId,
        presented: &[Presented],
        signers: &[(Side, &SigningKey)],
    ) -> Result<Staged, NodeError> {
        let mut kinds =
            self.resident(|s| ops::arrive(s, movement, presented, MOVEMENT_OWNER))??;
        // Each admission passes custody from the movement to the facility:
        // the escort (a key of the movement) signs as the handing-over side,
        // the facility's officer as the receiving side.
        self.sign_handovers(&mut kinds, at, signers);
        self.stage_built(user, at, kinds)
    }

    /// An abort: everyone on board returns to `return_to`.
    pub fn abort(
        &mut self,
        user: &str,
        at: Timestamp,
        movement: &MovementId,
        return_to: &CustodianId,
        reason: &str,
    ) -> Result<Staged, NodeError> {
        let kinds = self.resident(|s| ops::abort(s, movement, return_to, reason))??;
        self.stage_built(user, at, kinds)
    }

    /// An escape of `person` from `from`'s custody; it opens its escape
    /// discrepancy, and `from` stays accountable until a recapture.
    pub fn escape(
        &mut self,
        user: &str,
        at: Timestamp,
        person: &PersonId,
        from: &CustodianId,
        circumstances: &str,
    ) -> Result<Staged, NodeError> {
        let kinds = self.resident(|s| ops::escape(s, person, from, circumstances))?;
        self.stage_built(user, at, kinds)
    }

    /// A release of `person` from `from`'s custody, ordered by `authority`,
    /// for `reason`.
    pub fn release(
        &mut self,
        user: &str,
        at: Timestamp,
        person: &PersonId,
        from: &CustodianId,
        (authority, reason): (&str, &str),
    ) -> Result<Staged, NodeError> {
        self.stage_built(
            user,
            at,
            vec![EventKind::PersonReleased {
                person: person.clone(),
                from: from.clone(),
                authority: authority.to_string(),
                reason: reason.to_string(),
            }],
        )
    }

    /// A recapture of `person` (escaped) into `by`'s custody.
    pub fn recapture(
        &mut self,
        user: &str,
        at: Timestamp,
        person: &PersonId,
        by: &CustodianId,
    ) -> Result<Staged, NodeError> {
        self.stage_built(
            user,
            at,
            vec![EventKind::PersonRecaptured {
                person: person.clone(),
                by: by.clone(),
            }],
        )
    }

    /// A correction of `person`'s record: `correction` applied to the record
    /// as it now reads, as a new event naming the latest registration or
    /// correction. The record is not returned.
    pub fn correct_person(
        &mut self,
        user: &str,
        at: Timestamp,
        person: &PersonId,
        correction: &Correction,
        reason: &str,
    ) -> Result<Corrected, NodeError> {
        let id = person.as_str();
        let (kinds, corrects) = self.resident(|state| {
            let view = state
                .person(id)
                .ok_or_else(|| NodeError::NotFound(format!("person {id} is not registered")))?;
            let corrects =
                view.record_events.last().cloned().ok_or_else(|| {
                    NodeError::Corrupt(format!("person {id} has no record event"))
                })?;
            let record = correction.applied_to(view.record);
            if &record == view.record {
                return Err(NodeError::NoChange(
                    "nothing to correct: give at least one field that differs from the record"
                        .into(),
                ));
            }
            let kinds = ops::correct(state, person, corrects.clone(), record, reason);
            Ok((kinds, corrects))
        })??;
        let staged = self.stage_built(user, at, kinds)?;
        Ok(Corrected { staged, corrects })
    }

    /// Updates the escort records of `people` on `movement` with the fields
    /// `update` states (if any), then confirms them for departure if
    /// `confirm`. The records are not returned: show them through
    /// [`crate::Reader::escort_records`].
    pub fn update_escort_records(
        &mut self,
        user: &str,
        at: Timestamp,
        movement: &MovementId,
        people: &[PersonId],
        update: Option<&EscortRecord>,
        confirm: bool,
    ) -> Result<Staged, NodeError> {
        let kinds = self.resident(|state| {
            let mut kinds = Vec::new();
            for p in people {
                if let Some(given) = update {
                    let current = state
                        .escort_record(movement.as_str(), p.as_str())
                        .ok_or_else(|| {
                            NodeError::NotFound(format!(
                                "person {p} has no escort record on {movement}"
                            ))
                        })?;
                    kinds.push(EventKind::EscortRecordUpdated {
                        movement: movement.clone(),
                        person: p.clone(),
                        record: current.record.overlaid(given),
                    });
                }
                if confirm {
                    kinds.push(EventKind::EscortRecordConfirmed {
                        movement: movement.clone(),
                        person: p.clone(),
                    });
                }
            }
            Ok::<_, NodeError>(kinds)
        })??;
        self.stage_built(user, at, kinds)
    }

    /// The watch at `now`: a tracking alert for every movement under way
    /// that is silent, stopped or off route (unless one is open), and every
    /// open discrepancy older than `older_than_secs` escalated to the duty
    /// officer. Stages them as one batch if there are any.
    pub fn watch(
        &mut self,
        user: &str,
        now: Timestamp,
        rules: &TrackingRules,
        older_than_secs: i64,
    ) -> Result<(Option<Staged>, Vec<Raised>), NodeError> {
        let departed = self.index_keys(index::MOVEMENTS, MovementStatus::Departed.as_str())?;
        let open = self.index_keys(index::DISCREPANCIES, DiscrepancyStatus::Open.as_str())?;
        let kinds = self.resident(|s| {
            let mut kinds = ops::watch_movements(s, &departed, &open, now, rules, MOVEMENT_OWNER);
            kinds.extend(ops::escalate(
                s,
                &open,
                now,
                older_than_secs,
                ESCALATION_OWNER,
            ));
            kinds
        })?;
        let raised = kinds
            .iter()
            .filter_map(|k| match k {
                EventKind::DiscrepancyOpened {
                    discrepancy,
                    kind,
                    summary,
                    ..
                } => Some(Raised::Opened {
                    discrepancy: discrepancy.clone(),
                    kind: *kind,
                    summary: summary.clone(),
                }),
                EventKind::DiscrepancyEscalated {
                    discrepancy,
                    severity,
                    reason,
                    ..
                } => Some(Raised::Escalated {
                    discrepancy: discrepancy.clone(),
                    severity: *severity,
                    reason: reason.clone(),
                }),
                _ => None,
            })
            .collect();
        if kinds.is_empty() {
            return Ok((None, raised));
        }
        Ok((Some(self.stage_built(user, now, kinds)?), raised))
    }

    /// One step of the reference operation ([`rollcall_sim`]), expanded
    /// through the same workflows and staged: the demo and the benchmarks
    /// go through every guarantee exactly as real use does.
    pub fn stage_step(
        &mut self,
        user: &str,
        at: Timestamp,
        action: &rollcall_sim::Action,
    ) -> Result<Staged, NodeError> {
        // The index terms the step consults, read before expanding it on
        // the rows it loads (none of it iterates a whole table).
        let lists = rollcall_sim::index_terms(action)
            .into_iter()
            .map(|(index, term)| Ok((index, self.index_keys(index, &term)?, term)))
            .collect::<Result<Vec<_>, NodeError>>()?;
        let keys = |index: &str, term: &str| {
            lists
                .iter()
                .find(|(i, _, t)| *i == index && t == term)
                .map(|(_, k, _)| k.clone())
                .unwrap_or_default()
        };
        let kinds = self.resident(|s| rollcall_sim::expand_with(action, s, &keys))??;
        self.stage_built(user, at, kinds)
    }
}
