//! Judicial cases: opened for a registered person, then hearings, charges
//! and an outcome, each only while the case is open.

use crate::ids::*;
use crate::judicial::CaseOutcome;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};
use jiff::Timestamp;

impl State {
    fn open_case(&self, case: &CaseId) -> Result<(), Violation> {
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
        Ok(())
    }

    pub(super) fn case_opened(
        &mut self,
        case: &CaseId,
        person: &PersonId,
        committee: &str,
        legal_basis: &str,
        first_appearance_due: Timestamp,
    ) -> Result<(), Violation> {
        self.unique(self.cases.contains(case.as_str()), "case", case)?;
        self.person_view(person)?;
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
            },
        );
        Ok(())
    }

    pub(super) fn hearing_held(
        &mut self,
        case: &CaseId,
        next_review_due: Option<Timestamp>,
    ) -> Result<(), Violation> {
        self.open_case(case)?;
        self.cases.update(case.as_str(), |c| {
            c.hearings = c.hearings.saturating_add(1);
            c.next_review_due = next_review_due;
        });
        Ok(())
    }

    pub(super) fn charge_brought(&mut self, case: &CaseId, charge: &str) -> Result<(), Violation> {
        self.open_case(case)?;
        self.cases
            .update(case.as_str(), |c| c.charges.push(charge.to_string()));
        Ok(())
    }

    pub(super) fn outcome_recorded(
        &mut self,
        case: &CaseId,
        outcome: &CaseOutcome,
    ) -> Result<(), Violation> {
        self.open_case(case)?;
        self.cases
            .update(case.as_str(), |c| c.outcome = Some(outcome.clone()));
        Ok(())
    }
}
