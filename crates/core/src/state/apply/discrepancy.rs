//! Discrepancies: opened by an event of their own or by the event that
//! reveals them (an escape, a correction that breaks a planned movement),
//! escalated, and resolved only with a stated reason.

use super::{At, need_reason, not_before};
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::ids::*;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

/// What a new discrepancy says.
pub(super) struct Opening<'a> {
    pub kind: DiscrepancyKind,
    pub severity: Severity,
    pub summary: &'a str,
    pub persons: &'a [PersonId],
    pub movement: &'a Option<MovementId>,
    pub custodian: &'a Option<CustodianId>,
    pub owner: &'a str,
}

impl State {
    /// The discrepancy, if it exists and is open.
    fn open_discrepancy(&self, discrepancy: &DiscrepancyId) -> Result<&DiscrepancyView, Violation> {
        let d = self
            .discrepancies
            .get(discrepancy.as_str())
            .ok_or_else(|| {
                Violation::new(
                    Rule::KnownRecord,
                    format!("discrepancy {discrepancy} does not exist"),
                )
            })?;
        if d.status != DiscrepancyStatus::Open {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!("discrepancy {discrepancy} is already resolved"),
            ));
        }
        Ok(d)
    }

    /// Opens a discrepancy: the one way one is created.
    pub(super) fn raise(
        &mut self,
        t: At<'_>,
        discrepancy: &DiscrepancyId,
        o: Opening<'_>,
    ) -> Result<(), Violation> {
        self.unique(
            self.discrepancies.contains(discrepancy.as_str()),
            "discrepancy",
            discrepancy,
        )?;
        need_reason(o.owner, "a discrepancy (owner)")?;
        self.discrepancies.put(
            discrepancy.as_str(),
            DiscrepancyView {
                kind: o.kind,
                severity: o.severity,
                summary: o.summary.to_string(),
                persons: o.persons.to_vec(),
                movement: o.movement.clone(),
                custodian: o.custodian.clone(),
                owner: o.owner.to_string(),
                status: DiscrepancyStatus::Open,
                opened_at: t.at,
                escalations: 0,
                escalated_at: None,
                opened_seq: t.seq,
                resolved_by: None,
                resolved_at: None,
                resolution: None,
            },
        );
        Ok(())
    }

    pub(super) fn discrepancy_opened(
        &mut self,
        t: At<'_>,
        discrepancy: &DiscrepancyId,
        o: Opening<'_>,
    ) -> Result<(), Violation> {
        self.raise(t, discrepancy, o)
    }

    pub(super) fn discrepancy_escalated(
        &mut self,
        t: At<'_>,
        discrepancy: &DiscrepancyId,
        severity: Severity,
        owner: &str,
        reason: &str,
    ) -> Result<(), Violation> {
        let d = self.open_discrepancy(discrepancy)?;
        let since = d.escalated_at.unwrap_or(d.opened_at);
        not_before(t.at, since, || {
            format!("discrepancy {discrepancy} was opened or last escalated at {since}")
        })?;
        need_reason(reason, "escalating a discrepancy")?;
        need_reason(owner, "escalating a discrepancy (owner)")?;
        self.discrepancies.update(discrepancy.as_str(), |d| {
            d.severity = d.severity.max(severity);
            d.owner = owner.to_string();
            d.escalations = d.escalations.saturating_add(1);
            d.escalated_at = Some(t.at);
        });
        Ok(())
    }

    /// Resolves `discrepancy` if it is still open (an event that removes
    /// what a discrepancy was about resolves it by construction).
    pub(super) fn resolve_if_open(
        &mut self,
        t: At<'_>,
        discrepancy: &DiscrepancyId,
        reason: &str,
    ) -> Result<(), Violation> {
        let open = self
            .discrepancies
            .get(discrepancy.as_str())
            .is_some_and(|d| d.status == DiscrepancyStatus::Open);
        if open {
            self.discrepancy_resolved(t, discrepancy, reason)?;
        }
        Ok(())
    }

    pub(super) fn discrepancy_resolved(
        &mut self,
        t: At<'_>,
        discrepancy: &DiscrepancyId,
        reason: &str,
    ) -> Result<(), Violation> {
        let d = self.open_discrepancy(discrepancy)?;
        not_before(t.at, d.opened_at, || {
            format!("discrepancy {discrepancy} was opened at {}", d.opened_at)
        })?;
        need_reason(reason, "resolving a discrepancy")?;
        self.discrepancies.update(discrepancy.as_str(), |d| {
            d.status = DiscrepancyStatus::Resolved;
            d.resolved_by = Some(t.user.clone());
            d.resolved_at = Some(t.at);
            d.resolution = Some(reason.to_string());
        });
        Ok(())
    }
}
