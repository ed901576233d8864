//! Judicial cases: opened for a registered person, then hearings, charges
//! and an outcome, each only while the case is open. Time runs forward in a
//! case as it does in a person's custody: a case is not opened before the
//! person's registration (checked for every event about a person), each
//! later step is not dated before the one before it, and a deadline (first
//! appearance, next review) is not set before the event that sets it.

use super::{At, not_before};
use crate::ids::*;
use crate::judicial::CaseOutcome;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};
use jiff::Timestamp;

/// Refuses a deadline set before the event that sets it.
fn due_not_before(t: At<'_>, case: &CaseId, what: &str, due: Timestamp) -> Result<(), Violation> {
    if due < t.at {
        return Err(Violation::new(
            Rule::TimeOrder,
            format!(
                "case {case}: the {what} is due at {due}, before this event at {}",
                t.at
            ),
        ));
    }
    Ok(())
}

impl State {
    /// The case, if it is open and nothing in it is dated after `t`.
    fn open_case(&self, t: At<'_>, case: &CaseId) -> Result<(), Violation> {
        let c = self.cases.get(case.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownRecord, format!("case {case} does not exist"))
        })?;
        if c.outcome.is_some() {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!("case {case} is closed: its outcome is recorded"),
            )
            .person(&c.person));
        }
        not_before(t.at, c.last_at, || {
            format!("case {case} last changed at {}", c.last_at)
        })
        .map_err(|v| v.person(&c.person))
    }

    pub(super) fn case_opened(
        &mut self,
        t: At<'_>,
        case: &CaseId,
        person: &PersonId,
        committee: &str,
        legal_basis: &str,
        first_appearance_due: Timestamp,
    ) -> Result<(), Violation> {
        self.unique(self.cases.contains(case.as_str()), "case", case)?;
        self.person_view(person)?;
        due_not_before(t, case, "first appearance", first_appearance_due)
            .map_err(|v| v.person(person))?;
        self.cases.put(
            case.as_str(),
            CaseView {
                person: person.clone(),
                committee: committee.to_string(),
                legal_basis: legal_basis.to_string(),
                first_appearance_due,
                hearings: 0,
                next_review_due: None,
                charges: vec![],
                outcome: None,
                last_at: t.at,
            },
        );
        Ok(())
    }

    pub(super) fn hearing_held(
        &mut self,
        t: At<'_>,
        case: &CaseId,
        next_review_due: Option<Timestamp>,
    ) -> Result<(), Violation> {
        self.open_case(t, case)?;
        if let Some(due) = next_review_due {
            due_not_before(t, case, "next review", due)?;
        }
        self.cases.update(case.as_str(), |c| {
            c.hearings = c.hearings.saturating_add(1);
            c.next_review_due = next_review_due;
            c.last_at = t.at;
        });
        Ok(())
    }

    pub(super) fn charge_brought(
        &mut self,
        t: At<'_>,
        case: &CaseId,
        charge: &str,
    ) -> Result<(), Violation> {
        self.open_case(t, case)?;
        self.cases.update(case.as_str(), |c| {
            c.charges.push(charge.to_string());
            c.last_at = t.at;
        });
        Ok(())
    }

    pub(super) fn outcome_recorded(
        &mut self,
        t: At<'_>,
        case: &CaseId,
        outcome: &CaseOutcome,
    ) -> Result<(), Violation> {
        self.open_case(t, case)?;
        self.cases.update(case.as_str(), |c| {
            c.outcome = Some(outcome.clone());
            c.last_at = t.at;
        });
        Ok(())
    }
}
