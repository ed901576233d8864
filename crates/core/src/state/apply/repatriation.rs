//! Repatriation: a state is asked to take back its national, accepts or
//! refuses, and — only once it accepted — the person is handed over to that
//! state's representative.

use super::At;
use crate::country::Country;
use crate::custodian::CustodianKind;
use crate::ids::*;
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

impl State {
    fn repatriation_step(
        &self,
        r: &RepatriationId,
        expected: RepatriationStatus,
    ) -> Result<&RepatriationView, Violation> {
        let view = self.repatriations.get(r.as_str()).ok_or_else(|| {
            Violation::new(
                Rule::KnownRecord,
                format!("repatriation {r} does not exist"),
            )
        })?;
        if view.status != expected {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!(
                    "repatriation {r} is {:?}; this step needs it {:?}",
                    view.status, expected
                ),
            )
            .person(&view.person));
        }
        Ok(view)
    }

    pub(super) fn repatriation_requested(
        &mut self,
        repatriation: &RepatriationId,
        person: &PersonId,
        state: Country,
    ) -> Result<(), Violation> {
        self.unique(
            self.repatriations.contains(repatriation.as_str()),
            "repatriation",
            repatriation,
        )?;
        self.person_view(person)?;
        self.repatriations.put(
            repatriation.as_str(),
            RepatriationView {
                person: person.clone(),
                state,
                status: RepatriationStatus::Requested,
                reason: None,
            },
        );
        Ok(())
    }

    pub(super) fn repatriation_accepted(
        &mut self,
        repatriation: &RepatriationId,
    ) -> Result<(), Violation> {
        self.repatriation_step(repatriation, RepatriationStatus::Requested)?;
        self.repatriations.update(repatriation.as_str(), |r| {
            r.status = RepatriationStatus::Accepted
        });
        Ok(())
    }

    pub(super) fn repatriation_refused(
        &mut self,
        repatriation: &RepatriationId,
        reason: &str,
    ) -> Result<(), Violation> {
        self.repatriation_step(repatriation, RepatriationStatus::Requested)?;
        self.repatriations.update(repatriation.as_str(), |r| {
            r.status = RepatriationStatus::Refused;
            r.reason = Some(reason.to_string());
        });
        Ok(())
    }

    /// The handover to a representative of the accepting state. The event
    /// names the repatriation, not the person, so the person's history is
    /// added to here.
    pub(super) fn repatriation_handed_over(
        &mut self,
        t: At<'_>,
        repatriation: &RepatriationId,
        from: &CustodianId,
        to: &CustodianId,
    ) -> Result<(), Violation> {
        let r = self.repatriation_step(repatriation, RepatriationStatus::Accepted)?;
        let (person, state) = (r.person.clone(), r.state);
        match &self.custodian_view(to)?.info {
            CustodianKind::ForeignRepresentative { country, .. } if *country == state => {}
            _ => {
                return Err(Violation::new(
                    Rule::CustodianKind,
                    format!("custodian {to} does not represent {state}"),
                )
                .person(&person)
                .custodian(to));
            }
        }
        if let Some(identity) = self.persons.get(person.as_str()) {
            super::not_before(t.at, identity.registered_at, || {
                format!(
                    "person {person} was registered at {}",
                    identity.registered_at
                )
            })
            .map_err(|v| v.person(&person))?;
        }
        self.transfer(t, &person, from, to, CustodyStatus::Repatriated, &None)?;
        self.repatriations.update(repatriation.as_str(), |r| {
            r.status = RepatriationStatus::HandedOver
        });
        self.record_history(&person, t.seq);
        Ok(())
    }
}
